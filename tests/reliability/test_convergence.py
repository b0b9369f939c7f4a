"""Convergence: for any legal manifest and any live cloud, apply then plan shows no changes,
and applying again sends no mutating request.

Manifests and live worlds are drawn by ``scenarios`` (a few connections among the default
world's VPCs, both accounts, random fields, statuses, tags and owners). A plan the planner
refuses (prevent_destroy, release protection, prepaid rules, quotas, resizing from the
acceptor's side) is fine as long as it is a clean ``UserError`` that names the problem and
nothing was sent; every other scenario must converge. Along the way: no plan touches one
connection twice, and no update or replace is planned for an attribute the entry ignores.

Route rules are drawn too (``route_scenarios``): after every apply no table holds a duplicate
(source, destination) and no rule goes through a released or inactive connection; after
convergence every declared rule is there through the right connection. A declared rule the
world routes elsewhere on purpose must be refused at plan time, naming it, with nothing sent.

Hand-written examples pin the bugs the search found (all fixed). A bug found and not yet
fixed gets a strict ``xfail`` example (once fixed it fails, so the marker goes).

``PEERCONN_CONVERGENCE_EXAMPLES=N`` runs N random examples instead of 200.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, example, given, note, settings

from reconciler.errors import UserError
from reconciler.plan import Action, Plan
from tests.reliability.driver import Driver
from tests.reliability.route_invariants import assert_declared_routes, assert_route_invariants
from tests.reliability.scenarios import (
    STACK,
    Scenario,
    account_of,
    manifest,
    scenarios,
)

EXAMPLES = int(os.environ.get("PEERCONN_CONVERGENCE_EXAMPLES", "200"))
#: Notes of changes the planner defers to the next apply (specs/planning.md): a cross-account
#: create opens DNS once accepted; DNS and bandwidth of a consulting connection wait.
DEFERRED = ("dns_sync is opened once the other account has accepted (next apply)",
            "dns_sync change waits: the connection is consulting",
            "bandwidth change waits: the connection is consulting")
#: plan field -> the manifest attribute that ``lifecycle.ignore_changes`` names for it
ATTRIBUTE = {"payment_timing": "billing", "expired_time": "billing"}
#: BCE counts a connection against both VPCs; the plan-time check counts only what the run
#: listed, per account (reconciler/quotas.py: "lower bounds").
UNSEEN_QUOTA = re.compile(r"QuotaExceeded: VPC (vpc-\w+) already has")


def assert_clean_refusal(exc: UserError) -> None:
    assert exc.diagnostics
    for diag in exc.diagnostics:
        text = diag.render()
        assert text and "Traceback" not in text
        # A refusal about one entry names the entry and its file and line; a quota refusal
        # names the VPC or account and the limit instead.
        assert (diag.file and diag.line) or "peering connections; BCE allows" in diag.summary, text


def changes_text(plan: Plan) -> str:
    return "\n".join(f"{c.address} {c.action.value}: {'; '.join(c.reasons)}" for c in plan.changes)


def deferred_only(plan: Plan, first: Plan) -> bool:
    """Whether every change left is one the first plan said waits for the next apply."""
    waiting = {n.address for n in first.notes if n.message.startswith(DEFERRED)}
    return all(c.action == Action.UPDATE and c.address in waiting for c in plan.changes)


def assert_each_connection_changed_once(plan: Plan) -> None:
    addresses = [c.address for c in plan.changes]
    # One change per end: a connection and its acceptance may each change their own end.
    touched = [(c.peer_conn_id, c.local_vpc_id) for c in plan.changes if c.peer_conn_id]
    assert len(set(addresses)) == len(addresses), f"an address planned twice: {addresses}"
    assert len(set(touched)) == len(touched), f"a connection planned twice: {touched}"


def assert_ignored_attributes_never_change(scenario: Scenario, plan: Plan) -> None:
    ignored = {f"{data['stack']}/{entry['name']}": set(entry.get("lifecycle", {})
                                                          .get("ignore_changes", []))
               for data in scenario.files.values()
               for entry in data["connections"] + data["acceptances"]}
    for change in plan.changes:
        if change.action not in (Action.UPDATE, Action.REPLACE):
            continue  # like a create, an accept sets the acceptor's end as declared
        for f in change.fields:
            attribute = ATTRIBUTE.get(f.field, f.field)
            assert attribute not in ignored.get(change.address, set()), \
                f"{change.address} plans {f.field} although it ignores {attribute}"


def unseen_quota(plan: Plan, listed: set[str], failed: list[tuple[str, str]]) -> bool:
    """Whether every failure is the quota of a VPC the plan-time check could only count from
    below (reconciler/quotas.py): one the run did not list, or the other account's end of a
    cross-account change."""
    unseen = {c.peer_vpc_id for c in plan.changes if c.attributes.get("peer_account_id")}
    matches = [UNSEEN_QUOTA.search(error) for _, error in failed]
    return all(m is not None and (m.group(1) in unseen or m.group(1) not in listed)
               for m in matches)


def replan(driver: Driver, paths: list[Path]) -> Plan:
    """A plan after an apply: the first plan's checks passed, so a refusal now is a bug."""
    try:
        return driver.plan(paths)
    except UserError as exc:
        raise AssertionError(f"the plan after apply is refused:\n{exc}") from None


def converge(scenario: Scenario, folder: Path) -> None:
    paths = scenario.write(folder / "manifests")
    with Driver(scenario.world(), folder) as driver:
        try:
            first = driver.plan(paths)
        except UserError as exc:
            assert_clean_refusal(exc)
            assert driver.mutating() == 0
            # A drawn conflict must be refused (named: test_convergence_routes.py; another
            # refusal of the same plan, a protected release say, may come first).
            event("refused at plan time" + (" (route conflict)" if scenario.conflicts else ""))
            return
        assert not scenario.conflicts, f"planned over a conflicting rule: {scenario.conflicts}"
        event(f"changes in first plan: {min(len(first.changes), 4)}")
        assert_each_connection_changed_once(first)
        assert_ignored_attributes_never_change(scenario, first)
        result = driver.apply(first)
        assert_route_invariants(driver.server)
        failed = [(o.address, o.error) for o in result.outcomes if o.status == "failed"]
        if failed and unseen_quota(first, driver.listed_vpcs(paths), failed):
            event("quota of a VPC the plan could not count, refused by BCE at apply")
            return
        assert result.ok, "apply failed:\n" + "\n".join(f"{a}: {e}" for a, e in failed)
        after = replan(driver, paths)
        if after.has_changes and deferred_only(after, first):
            event("deferred changes made by a second apply")
            assert driver.apply(after).ok
            after = replan(driver, paths)
        assert not after.has_changes, "not converged; still planned:\n" + changes_text(after)
        assert_route_invariants(driver.server)
        assert_declared_routes(driver.server, scenario.files)
        if first.has_routes:
            event("routes changed")
        before = driver.mutating()
        again = driver.apply(after)
        assert again.ok and not again.outcomes
        assert driver.mutating() == before, "a converged apply sent a mutating request"


# ------------------------------------------------------------------ hand-written cases


def conn(name: str, local: str, peer: str, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "local_vpc_id": local, "peer_vpc_id": peer}
    if account_of(local) != account_of(peer):
        entry["peer_account_id"] = account_of(peer)
    return {**entry, "bandwidth_in_mbps": 10, **fields}


def acc(name: str, local: str, peer: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "local_vpc_id": local, "peer_vpc_id": peer,
            "peer_account_id": account_of(peer), **fields}


def live(initiator: str, acceptor: str, n: int = 1, **fields: Any) -> dict[str, Any]:
    return {"id": f"peerconn-fixed{n:03d}", "local_vpc_id": initiator, "peer_vpc_id": acceptor,
            "bandwidth_in_mbps": 10, **fields}


OURS = {"managed-by": "peerconn", "peerconn-stack": STACK}
PARTNER_BJ = "vpc-partner1"

# Fixed: a stack split over two files of one account, both pruning, planned every leftover
# once per file (two releases of one connection, "2 to release").
PRUNED_ONCE = Scenario(
    files=dict([manifest("acc-main", "bj", part="a", prune=True,
                         connections=[conn("c0", "vpc-app01", "vpc-db0001")]),
                manifest("acc-main", "bj", part="b", prune=True,
                         connections=[conn("c1", "vpc-web001", "vpc-db0001")])]),
    live=[live("vpc-cache01", "vpc-app01", tags=OURS)])
# Fixed: lifecycle.ignore_changes: [billing] still replaced a connection whose
# payment_timing differed (and renewed it).
IGNORED_BILLING = Scenario(
    files=dict([manifest("acc-main", "gz", connections=[conn(
        "c0", "vpc-gzapp01", "vpc-web001", peer_region="bj",
        billing={"payment_timing": "Prepaid", "reservation_length": 1},
        lifecycle={"ignore_changes": ["billing"]})])]),
    live=[live("vpc-gzapp01", "vpc-web001", tags=OURS)])
# Fixed: release protection of a cross-account connection changed from the acceptor's end
# is planned, and BCE refuses it (403 AccessDenied) half-way through the apply.
ACCEPTOR_PROTECTION = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[
        conn("c0", "vpc-app01", PARTNER_BJ, delete_protect=False)])]),
    live=[live(PARTNER_BJ, "vpc-app01", delete_protect=True)])
# Fixed: a renewal of a cross-account prepaid connection seen from the acceptor's end is
# planned, and BCE refuses it (403 AccessDenied).
ACCEPTOR_RENEWAL = Scenario(
    files=dict([manifest("acc-main", "gz", connections=[conn(
        "c0", "vpc-gzapp01", PARTNER_BJ, peer_region="bj",
        billing={"payment_timing": "Prepaid", "reservation_length": 1,
                 "renew_within_days": 7})])]),
    live=[live(PARTNER_BJ, "vpc-gzapp01", payment_timing="Prepaid", reservation_length=1,
               expires_in_days=3)])
# Fixed: the acceptance of a connection the same run releases is still planned (its update
# then fails with 404 NoSuchObject; an accept waits for the request until the timeout).
ACCEPTANCE_OF_RELEASED = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[
                    conn("c0", "vpc-app01", PARTNER_BJ, ensure="absent")]),
                manifest("acc-partner", "bj", acceptances=[
                    acc("a0", PARTNER_BJ, "vpc-app01", description="inbound")])]),
    live=[live("vpc-app01", PARTNER_BJ, tags=OURS)])
# Fixed: a failed cross-account connection is replaced, but its acceptance in the same run
# is only planned by the next plan (the new request stays consulting after one apply).
ACCEPTANCE_OF_REPLACED = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[conn("c0", "vpc-app01", PARTNER_BJ)]),
                manifest("acc-partner", "bj", acceptances=[
                    acc("a0", PARTNER_BJ, "vpc-app01")])]),
    live=[live("vpc-app01", PARTNER_BJ, status="consult_failed", tags=OURS)])
# Fixed: an acceptance of an active connection the same run replaces (payment timing
# changed) updated the old connection, which the replace had released (404 NoSuchObject).
ACCEPTANCE_OF_REPLACED_ACTIVE = Scenario(
    files=dict([manifest("acc-main", "gz", connections=[conn(
                    "c0", "vpc-gzapp01", PARTNER_BJ, peer_region="bj",
                    billing={"payment_timing": "Prepaid", "reservation_length": 1})]),
                manifest("acc-partner", "bj", acceptances=[
                    acc("a0", PARTNER_BJ, "vpc-gzapp01", local_if_name="from-gz")])]),
    live=[live("vpc-gzapp01", PARTNER_BJ, tags=OURS)])
# Fixed: renew_within_days at least as long as the reservation renews a connection the run
# just created, on every following apply until the expiry is far enough away.
RENEWAL_WINDOW_COVERS_TERM = Scenario(
    files=dict([manifest("acc-main", "gz", connections=[conn(
        "c0", "vpc-gzapp01", "vpc-web001", peer_region="bj",
        billing={"payment_timing": "Prepaid", "reservation_length": 1,
                 "renew_within_days": 60})])]))
# Fixed: a prepaid bandwidth decrease of a consulting connection is deferred without the
# "prepaid bandwidth can only grow" check, so the plan after the acceptance is refused.
PREPAID_SHRINK_DEFERRED = Scenario(
    files=dict([manifest("acc-partner", "bj", connections=[conn(
                    "c0", PARTNER_BJ, "vpc-relay1", peer_region="gz", bandwidth_in_mbps=1,
                    billing={"payment_timing": "Prepaid", "reservation_length": 1})]),
                manifest("acc-main", "gz", acceptances=[acc("a0", "vpc-relay1", PARTNER_BJ)])]),
    live=[live(PARTNER_BJ, "vpc-relay1", status="consulting", payment_timing="Prepaid",
               reservation_length=1, expires_in_days=30, tags=OURS)])
# Fixed: replacing a failed cross-account connection with dns_sync left DNS for the next
# apply without the note a create of one gives, so the plan after the apply was not empty.
REPLACED_CROSS_ACCOUNT_DNS = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[
                    conn("c0", "vpc-app01", PARTNER_BJ, dns_sync=True)]),
                manifest("acc-partner", "bj", acceptances=[
                    acc("a0", PARTNER_BJ, "vpc-app01")])]),
    live=[live("vpc-app01", PARTNER_BJ, status="down", tags=OURS)])
# Fixed: a stack pruned its tagged connection although another stack of the same run now
# declares the pair (moving a connection between stacks released and re-created it).
PRUNE_KEEPS_WHAT_ANOTHER_STACK_DECLARES = Scenario(
    files=dict([manifest("acc-main", "bj", prune=True),
                manifest("acc-main", "bj", part="rel2", stack="rel2", connections=[
                    conn("c0", "vpc-app01", "vpc-db0001", description="moved")])]),
    live=[live("vpc-app01", "vpc-db0001", tags=OURS)])
# Passing: a create over the per-VPC quota is a clean plan-time refusal.
OVER_QUOTA = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[
        conn("c0", "vpc-app01", "vpc-db0001")])]),
    live=[live("vpc-app01", "vpc-web001")], per_vpc=1)
# Passing: cross-account create, acceptance and DNS; the initiator's DNS opens on the next
# apply, as the plan says.
CROSS_ACCOUNT_WITH_DNS = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[
                    conn("c0", "vpc-app01", PARTNER_BJ, dns_sync=True)]),
                manifest("acc-partner", "bj", acceptances=[
                    acc("a0", PARTNER_BJ, "vpc-app01", dns_sync=True)])]))


def xfail(scenario: Scenario, reason: str) -> Any:
    return example(scenario).xfail(raises=AssertionError, reason=reason)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
@example(PRUNED_ONCE)
@example(IGNORED_BILLING)
@example(OVER_QUOTA)
@example(CROSS_ACCOUNT_WITH_DNS)
@example(REPLACED_CROSS_ACCOUNT_DNS)
@example(PRUNE_KEEPS_WHAT_ANOTHER_STACK_DECLARES)
@example(ACCEPTOR_PROTECTION)
@example(ACCEPTOR_RENEWAL)
@example(ACCEPTANCE_OF_RELEASED)
@example(ACCEPTANCE_OF_REPLACED)
@example(RENEWAL_WINDOW_COVERS_TERM)
@example(PREPAID_SHRINK_DEFERRED)
@example(ACCEPTANCE_OF_REPLACED_ACTIVE)
def test_apply_then_plan_is_empty_and_a_second_apply_sends_nothing(scenario):
    note(scenario.describe())
    with tempfile.TemporaryDirectory() as folder:
        converge(scenario, Path(folder))
