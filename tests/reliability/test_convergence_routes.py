"""Routes under faults: a drawn scenario (route rules declared and already live) applied while
30 % of all requests fail — 500, 503, throttles, dropped connections and lost responses, on the
route calls as on the peering ones, the server honouring client tokens or ignoring them —
converges within a few runs, and after every run no route table holds a duplicate (source,
destination) and no rule goes through a released or inactive connection.

Hand-written examples pin the route cases the search must always cover (all converge through
``converge``): a prune of a connection with rules under ``release_with_routes: keep``, a replace
that moves the rules to the new connection, an authoritative ``[]`` deleting rules, and a
declared rule already routed to a NAT gateway (refused at plan time, nothing sent).

``PEERCONN_CONVERGENCE_EXAMPLES=N`` runs N // 8 fault examples instead of 25.
"""

from __future__ import annotations

import collections
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st

from reconciler.errors import ApiError, UserError
from tests.reliability.driver import Driver
from tests.reliability.route_invariants import assert_declared_routes, assert_route_invariants
from tests.reliability.scenarios import STACK, Scenario, manifest, scenarios
from tests.reliability.test_convergence import (
    assert_clean_refusal,
    changes_text,
    conn,
    converge,
    live,
    replan,
)

EXAMPLES = int(os.environ.get("PEERCONN_CONVERGENCE_EXAMPLES", "200")) // 8
RUNS = 4  # applies under faults before the plan must show no changes
FAULTS = ("500", "503", "throttle", "drop", "lost")
OURS = {"managed-by": "peerconn", "peerconn-stack": STACK}
UNHEALTHY = [HealthCheck.too_slow, HealthCheck.data_too_large]


def assert_one_connection_per_pair(driver: Driver) -> None:
    pairs = collections.Counter(frozenset((c["initiator"]["vpc_id"], c["acceptor"]["vpc_id"]))
                                for c in driver.live() if not c["gone"])
    assert all(n == 1 for n in pairs.values()), f"duplicate connections: {pairs}"


def converge_under_faults(scenario: Scenario, folder: Path, seed: int,
                          ignore_tokens: bool) -> None:
    scenario.per_vpc = 10  # no VPC can reach it: BCE's refusals of unseen quotas stay out
    paths = scenario.write(folder / "manifests")
    with Driver(scenario.world(), folder) as driver:
        try:
            plan = driver.plan(paths)
        except UserError as exc:
            assert_clean_refusal(exc)
            assert driver.mutating() == 0
            event("refused at plan time")
            return
        faults: dict[str, Any] = {"error_rate": 0.3, "kinds": FAULTS, "seed": seed,
                                  "retry_after_s": 0, "ignore_client_tokens": ignore_tokens}
        for run in range(1, RUNS + 1):
            driver.server.set_faults(**faults)
            if run > 1:
                try:
                    plan = driver.plan(paths)
                except UserError:
                    continue  # a read failed five times: this run changes nothing
            sent = driver.mutating()
            try:
                result = driver.apply(plan)
            except ApiError:
                # The stale check's reads failed five times in a row (0.3^5 each): apply
                # refuses before its first call, as the CLI does ("nothing was changed").
                driver.server.set_faults(error_rate=0.0)
                assert driver.mutating() == sent
                after = replan(driver, paths)
                continue
            driver.server.set_faults(error_rate=0.0)
            assert_route_invariants(driver.server)
            assert_one_connection_per_pair(driver)
            after = replan(driver, paths)
            if not after.has_changes:
                event(f"converged after {run} run(s) under faults")
                break
            note(f"run {run}: {sum(o.status == 'failed' for o in result.outcomes)} failed")
        else:
            raise AssertionError(f"not converged within {RUNS} runs under faults; still "
                                 "planned:\n" + changes_text(after))
        assert_declared_routes(driver.server, scenario.files)
        if driver.stats()["by_operation"].get("create_route_rule"):
            event("route rules created under faults")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=UNHEALTHY)
@given(scenarios(max_pairs=4, routed=True), st.integers(0, 2**16), st.booleans())
def test_routes_converge_under_30_percent_faults(scenario, seed, ignore_tokens):
    note(f"{scenario.describe()}\nfault seed {seed}, server ignores tokens: {ignore_tokens}")
    with tempfile.TemporaryDirectory() as folder:
        converge_under_faults(scenario, Path(folder), seed, ignore_tokens)


# ------------------------------------------------------------------ hand-written cases


def rule(vpc: str, destination: str, hop_type: str, hop: str, **fields: Any) -> dict[str, Any]:
    return {"vpc_id": vpc, "destination": destination, "nexthop_type": hop_type,
            "nexthop_id": hop, **fields}


BOTH_SIDES = {"local": [{"destination": "peer_vpc"}], "peer": [{"destination": "local_vpc"}]}
# A prune releases a connection whose rules are in both tables; BCE would keep them dangling.
PRUNE_KEEPS_NO_DANGLING_RULE = Scenario(
    files=dict([manifest("acc-main", "bj", prune=True, connections=[
        conn("c0", "vpc-db0001", "vpc-cache01", routes=BOTH_SIDES)])]),
    live=[live("vpc-app01", "vpc-web001", tags=OURS, local_if_id="qpif-app0web0",
               peer_if_id="qpif-web0app0")],
    routes=[rule("vpc-app01", "10.3.0.0/16", "peerConn", "qpif-app0web0"),
            rule("vpc-web001", "10.1.0.0/16", "peerConn", "qpif-web0app0"),
            rule("vpc-web001", "192.168.0.0/16", "nat", "nat-0001")],
    release_with_routes="keep")
# A replace (Postpaid to Prepaid) deletes the old rules, releases, creates, adds them again.
REPLACE_MOVES_THE_RULES = Scenario(
    files=dict([manifest("acc-main", "gz", connections=[conn(
        "c0", "vpc-gzapp01", "vpc-web001", peer_region="bj",
        billing={"payment_timing": "Prepaid", "reservation_length": 1},
        routes={"local": [{"destination": "peer_vpc", "description": "to web"},
                          {"destination": "192.168.7.0/24"}]})])]),
    live=[live("vpc-gzapp01", "vpc-web001", tags=OURS, local_if_id="qpif-gz00web0")],
    routes=[rule("vpc-gzapp01", "10.3.0.0/16", "peerConn", "qpif-gz00web0")],
    release_with_routes="keep")
# An authoritative [] deletes the rule through the connection, and only that one.
EMPTY_SIDE_DELETES = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[conn(
        "c0", "vpc-app01", "vpc-db0001", routes={"local": [], "peer": [
            {"destination": "local_vpc", "source": "10.30.1.0/24"}]})])]),
    live=[live("vpc-app01", "vpc-db0001", tags=OURS, local_if_id="qpif-app0db00")],
    routes=[rule("vpc-app01", "10.2.0.0/16", "peerConn", "qpif-app0db00"),
            rule("vpc-app01", "10.30.0.0/16", "vpn", "vpn-0001")])
# A declared rule the table routes to a NAT gateway: refused at plan time, nothing sent.
ROUTED_ELSEWHERE = Scenario(
    files=dict([manifest("acc-main", "bj", connections=[
        conn("c0", "vpc-app01", "vpc-db0001", routes=BOTH_SIDES)])]),
    routes=[rule("vpc-app01", "10.30.0.0/16", "nat", "nat-0001")],
    conflicts=["0.0.0.0/0 -> 10.30.0.0/16 in vpc-app01 via nat nat-0001"])


def cases(test: Any) -> Any:
    """Run ``test`` on exactly the hand-written cases (hypothesis' explicit phase only)."""
    for scenario in (PRUNE_KEEPS_NO_DANGLING_RULE, REPLACE_MOVES_THE_RULES, EMPTY_SIDE_DELETES,
                     ROUTED_ELSEWHERE):
        test = example(scenario)(test)
    return settings(phases=[Phase.explicit], deadline=None)(given(scenarios())(test))


@cases
def test_hand_written_route_cases_converge(scenario):
    with tempfile.TemporaryDirectory() as folder:
        converge(scenario, Path(folder))


def test_a_declared_rule_routed_to_nat_is_refused_by_name_with_nothing_sent(tmp_path):
    paths = ROUTED_ELSEWHERE.write(tmp_path / "manifests")
    with Driver(ROUTED_ELSEWHERE.world(), tmp_path) as driver:
        with pytest.raises(UserError) as refused:
            driver.plan(paths)
        assert "0.0.0.0/0 -> 10.30.0.0/16 in rt-" in str(refused.value)
        assert "already routes to nat nat-0001" in str(refused.value)
        assert driver.mutating() == 0


@cases
def test_hand_written_route_cases_converge_under_faults(scenario):
    for seed in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            converge_under_faults(scenario, Path(folder), seed, ignore_tokens=seed == 2)


# A run whose manifests declare no route list reads no route table up front; when its plan
# releases a connection (prune here, ensure: absent alike) it reads that connection's tables
# and plans again, so the rule through it is deleted first — found by this search before the
# fix (planner.plan_reading).
NO_ROUTE_LIST = Scenario(
    files=dict([manifest("acc-main", "bj", prune=True)]),
    live=[live("vpc-db0001", "vpc-app01", tags=OURS, local_if_id="qpif-db00app0",
               peer_if_id="qpif-app0db00")],
    routes=[rule("vpc-app01", "10.2.0.0/16", "peerConn", "qpif-app0db00")],
    release_with_routes="keep")


def test_a_release_in_a_run_without_any_route_list_leaves_no_rule_through_the_released_connection(
        tmp_path):
    paths = NO_ROUTE_LIST.write(tmp_path / "manifests")
    with Driver(NO_ROUTE_LIST.world(), tmp_path) as driver:
        plan = driver.plan(paths)
        assert [c.action.value for c in plan.changes] == ["release"]
        assert driver.apply(plan).ok
        assert not driver.live()  # released
        assert_route_invariants(driver.server)  # 10.2.0.0/16 via qpif-app0db00 is gone
