"""Table-driven tests of the pure planner: every change kind, rule and ordering case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reconciler.errors import UserError
from reconciler.observe.live import LiveState
from reconciler.plan import Action, Op, Ref, Wait
from reconciler.planner import Limits, PlanError, build_plan
from tests.planner.conftest import (
    CTX,
    NOW,
    PARTNER,
    Billing,
    Lifecycle,
    acceptance,
    conn,
    live,
    state,
    view,
)


def plan_of(*entries, views=(), prune=False, **kw):
    lv = views if isinstance(views, LiveState) else live(*views)
    return build_plan(state(*entries, prune=prune), lv, now=NOW, **kw)


def ops(change):
    return [s.op for s in change.steps]


# ------------------------------------------------------------------ change kinds

@pytest.mark.parametrize(
    ("entry", "views", "kind", "expected_ops"),
    [
        pytest.param(conn(), [], Action.CREATE, [Op.CREATE], id="create-when-pair-absent"),
        pytest.param(conn(dns_sync=True), [], Action.CREATE, [Op.CREATE, Op.OPEN_DNS],
                     id="create-then-open-dns"),
        pytest.param(conn(bandwidth_in_mbps=200), [view()], Action.UPDATE, [Op.RESIZE],
                     id="resize-when-bandwidth-differs"),
        pytest.param(conn(description="new"), [view(description="old")], Action.UPDATE,
                     [Op.UPDATE], id="update-when-description-differs"),
        pytest.param(conn(local_if_name="x"), [view(local_if_name="y")], Action.UPDATE,
                     [Op.UPDATE], id="update-when-local-if-name-differs"),
        pytest.param(conn(dns_sync=True), [view()], Action.UPDATE, [Op.OPEN_DNS],
                     id="open-dns-when-wanted"),
        pytest.param(conn(dns_sync=False), [view(dns_status="open")], Action.UPDATE,
                     [Op.CLOSE_DNS], id="close-dns-when-unwanted"),
        pytest.param(conn(delete_protect=True), [view()], Action.UPDATE, [Op.PROTECT_ON],
                     id="protect-on"),
        pytest.param(conn(delete_protect=False), [view(delete_protect=True)], Action.UPDATE,
                     [Op.PROTECT_OFF], id="protect-off"),
        pytest.param(conn(peer_region="gz", peer_vpc_id="vpc-gz0001"),
                     [view(peer_vpc_id="vpc-gz0001", peer_region="bj")], Action.REPLACE,
                     [Op.RELEASE, Op.CREATE], id="replace-when-peer-region-changes"),
        pytest.param(conn(peer_account_id="acc-b"), [view(peer_account_id="acc-c")],
                     Action.REPLACE, [Op.RELEASE, Op.CREATE],
                     id="replace-when-peer-account-changes"),
        pytest.param(conn(billing=Billing("Prepaid", 1), peer_region="gz",
                          peer_vpc_id="vpc-gz0001"),
                     [view(peer_vpc_id="vpc-gz0001", peer_region="gz")], Action.REPLACE,
                     [Op.RELEASE, Op.CREATE], id="replace-when-payment-timing-changes"),
        pytest.param(conn(), [view(status="consult_failed")], Action.REPLACE,
                     [Op.RELEASE, Op.CREATE], id="replace-failed-connection"),
        pytest.param(conn(), [view(status="down")], Action.REPLACE,
                     [Op.RELEASE, Op.CREATE], id="replace-down-connection"),
        pytest.param(conn(ensure="absent"), [view()], Action.RELEASE, [Op.RELEASE],
                     id="release-when-absent"),
        pytest.param(conn(ensure="absent", delete_protect=False), [view(delete_protect=True)],
                     Action.RELEASE, [Op.PROTECT_OFF, Op.RELEASE],
                     id="release-protected-when-manifest-turns-protection-off"),
    ],
)
def test_change_kind_and_steps(entry, views, kind, expected_ops):
    plan = plan_of(entry, views=views)
    assert [c.action for c in plan.changes] == [kind]
    assert ops(plan.changes[0]) == expected_ops


def test_matching_world_gives_no_changes():
    entry = conn(description="d", dns_sync=True, delete_protect=True, local_if_name="n")
    live_view = view(description="d", dns_status="open", delete_protect=True, local_if_name="n")
    plan = plan_of(entry, views=[live_view])
    assert plan.changes == ()
    assert plan.summary_line() == "Plan: 0 to create, 0 to update, 0 to replace, 0 to release."


def test_undeclared_fields_never_show_as_drift():
    plan = plan_of(conn(), views=[view(description="set by hand", dns_status="open",
                                       local_if_name="x", delete_protect=True)])
    assert plan.changes == ()


def test_ignore_changes_suppresses_a_declared_field():
    entry = conn(description="d", lifecycle=Lifecycle(ignore_changes=frozenset({"description"})))
    assert plan_of(entry, views=[view(description="other")]).changes == ()


def test_absent_entry_without_live_connection_is_no_change():
    assert plan_of(conn(ensure="absent"), views=[]).changes == ()


def test_deleted_connection_is_treated_as_absent():
    plan = plan_of(conn(), views=[view(status="deleted")])
    assert [c.action for c in plan.changes] == [Action.CREATE]


# ------------------------------------------------------------------ blocking rules

@pytest.mark.parametrize(
    ("entry", "live_view", "message"),
    [
        pytest.param(conn(ensure="absent", lifecycle=Lifecycle(prevent_destroy=True)), view(),
                     "prevent_destroy", id="prevent-destroy-blocks-release"),
        pytest.param(conn(peer_account_id="acc-b", lifecycle=Lifecycle(prevent_destroy=True)),
                     view(peer_account_id="acc-c"), "prevent_destroy",
                     id="prevent-destroy-blocks-replace"),
        pytest.param(conn(ensure="absent"), view(delete_protect=True), "release protection",
                     id="protection-blocks-release"),
        pytest.param(conn(ensure="absent"), view(payment_timing="Prepaid",
                                                  expired_time="2027-06-01T00:00:00Z"),
                     "prepaid", id="active-prepaid-cannot-be-released"),
        pytest.param(conn(bandwidth_in_mbps=50), view(payment_timing="Prepaid",
                                                       expired_time="2027-06-01T00:00:00Z"),
                     "only grow", id="prepaid-bandwidth-only-grows"),
        pytest.param(conn(ensure="absent", peer_account_id="acc-b"),
                     view(role="acceptor", peer_account_id="acc-b"), "initiating account",
                     id="acceptor-cannot-release-cross-account"),
    ],
)
def test_blocked_changes_fail_the_plan_with_the_manifest_location(entry, live_view, message):
    with pytest.raises(UserError) as err:
        plan_of(entry, views=[live_view])
    text = str(err.value)
    assert message in text
    assert "net.yaml:5" in text


def test_quota_per_vpc_is_checked_before_any_call():
    entries = [conn(name=f"c{i}", peer_vpc_id=f"vpc-peer{i:02d}") for i in range(3)]
    with pytest.raises(UserError, match="BCE allows 2 per VPC"):
        plan_of(*entries, views=[], limits=Limits(per_vpc=2))
    assert len(plan_of(*entries, views=[], limits=Limits(per_vpc=3)).changes) == 3


def test_quota_counts_both_ends_of_a_same_account_connection():
    entries = [conn(name=f"c{i}", local_vpc_id=f"vpc-loc{i:02d}", peer_vpc_id="vpc-hub01")
               for i in range(3)]
    with pytest.raises(UserError, match="vpc-hub01 would have 3 peering connections"):
        plan_of(*entries, views=[], limits=Limits(per_vpc=2))


def test_quota_per_account_counts_live_connections_and_creates():
    existing = [view(peer_conn_id=f"peerconn-{i}", local_vpc_id="vpc-app01",
                     peer_vpc_id=f"vpc-old{i:02d}") for i in range(2)]
    entries = [conn(name=f"c{i}", peer_vpc_id=f"vpc-new{i:02d}") for i in range(2)]
    with pytest.raises(UserError, match="at least 4 peering connections; BCE allows 3 per account"):
        plan_of(*entries, views=existing, limits=Limits(per_vpc=10, per_account=3))
    assert len(plan_of(*entries, views=existing, limits=Limits(per_account=4)).changes) == 2


def test_resize_waits_while_the_request_is_consulting():
    plan = plan_of(conn(bandwidth_in_mbps=200), views=[view(status="consulting")])
    assert plan.changes == ()
    assert "BCE resizes only active connections" in plan.notes[0].message


# ------------------------------------------------------------------ DNS, renew

def test_dns_change_waits_while_cross_account_request_is_consulting():
    plan = plan_of(conn(dns_sync=True), views=[view(status="consulting")])
    assert plan.changes == ()
    assert any("waits" in n.message for n in plan.notes)


def test_dns_change_is_planned_while_connection_is_still_creating():
    plan = plan_of(conn(dns_sync=True), views=[view(status="creating")])
    assert [s.op for s in plan.changes[0].steps] == [Op.OPEN_DNS]


@pytest.mark.parametrize(("days_left", "renews"), [(3, True), (6, True), (7, False), (30, False)])
def test_renewal_window(days_left, renews):
    expiry = (NOW + timedelta(days=days_left, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = conn(peer_region="gz", peer_vpc_id="vpc-gz0001",
                 billing=Billing("Prepaid", 3, renew_within_days=7))
    live_view = view(peer_vpc_id="vpc-gz0001", peer_region="gz", payment_timing="Prepaid",
                     expired_time=expiry)
    plan = plan_of(entry, views=[live_view])
    if renews:
        (change,) = plan.changes
        (step,) = change.steps
        assert step.op == Op.RENEW
        assert step.params["reservation_length"] == 3
    else:
        assert plan.changes == ()


# ------------------------------------------------------------------ acceptances

def test_consulting_request_is_accepted_then_dns_and_name_follow():
    acc = acceptance(dns_sync=True, local_if_name="from-app")
    pending = view(role="acceptor", status="consulting", local_vpc_id="vpc-partner1",
                   peer_vpc_id="vpc-app01", tags=())
    plan = plan_of(acc, views=[(PARTNER, pending)])
    (change,) = plan.changes
    assert change.action == Action.ACCEPT
    assert ops(change) == [Op.ACCEPT, Op.UPDATE, Op.OPEN_DNS]
    assert change.steps[0].wait == Wait.ACTIVE


def test_consulting_request_is_rejected_when_accept_is_false():
    pending = view(role="acceptor", status="consulting", local_vpc_id="vpc-partner1",
                   peer_vpc_id="vpc-app01")
    plan = plan_of(acceptance(accept=False), views=[(PARTNER, pending)])
    assert [c.action for c in plan.changes] == [Action.REJECT]


def test_acceptance_of_a_connection_created_in_the_same_run_depends_on_the_create():
    initiator = conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner")
    plan = plan_of(initiator, acceptance(), views=[])
    kinds = {c.address: c for c in plan.changes}
    accept = kinds["partner/inbound"]
    assert accept.action == Action.ACCEPT
    assert accept.depends_on == ("net/app-to-db",)
    assert kinds["net/app-to-db"].steps[0].wait == Wait.CONSULTING


def test_acceptance_of_a_connection_released_in_the_same_run_is_dropped():
    initiator = conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner", ensure="absent")
    live_views = live(view(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner"),
                      (PARTNER, view(role="acceptor", local_vpc_id="vpc-partner1",
                                     peer_vpc_id="vpc-app01", tags=())))
    plan = plan_of(initiator, acceptance(description="in"), views=live_views)
    assert [c.action for c in plan.changes] == [Action.RELEASE]
    assert any("releases this connection in this run" in n.message for n in plan.notes)


def test_acceptance_of_a_connection_replaced_in_the_same_run_answers_the_new_request():
    initiator = conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner")
    live_views = live(view(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner",
                           status="consult_failed"),
                      (PARTNER, view(role="acceptor", status="consult_failed",
                                     local_vpc_id="vpc-partner1", peer_vpc_id="vpc-app01")))
    plan = plan_of(initiator, acceptance(), views=live_views)
    accept = next(c for c in plan.changes if c.action == Action.ACCEPT)
    assert accept.depends_on == ("net/app-to-db",)
    # the new request's id is known only once the create ran: a reference, not the old id
    assert accept.steps[0].peer_conn_id == Ref("net/app-to-db", "peer_conn_id")


@pytest.mark.parametrize(
    ("entry", "live_view", "message"),
    [
        pytest.param(conn(delete_protect=False, peer_account_id="acc-b"),
                     view(role="acceptor", delete_protect=True, peer_account_id="acc-b"),
                     "release protection", id="protection-is-initiator-only"),
        pytest.param(conn(bandwidth_in_mbps=50, billing=Billing("Prepaid", 1), peer_region="gz",
                          peer_vpc_id="vpc-gz0001"),
                     view(status="consulting", payment_timing="Prepaid", peer_region="gz",
                          peer_vpc_id="vpc-gz0001", expired_time="2027-06-01T00:00:00Z"),
                     "only grow", id="prepaid-shrink-refused-even-while-consulting"),
    ],
)
def test_impossible_changes_are_refused_at_plan_time(entry, live_view, message):
    with pytest.raises(UserError, match=message):
        plan_of(entry, views=[live_view])


def test_renewal_from_the_acceptor_end_is_left_to_the_initiator():
    expiry = (NOW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = conn(peer_region="gz", peer_vpc_id="vpc-gz0001", peer_account_id="acc-b",
                 billing=Billing("Prepaid", 1, renew_within_days=7))
    live_view = view(role="acceptor", peer_vpc_id="vpc-gz0001", peer_region="gz",
                     peer_account_id="acc-b", payment_timing="Prepaid", expired_time=expiry)
    assert plan_of(entry, views=[live_view]).changes == ()


def test_acceptance_without_request_waits_for_the_other_account():
    plan = plan_of(acceptance(), views=[])
    assert plan.changes == ()
    assert "waiting for acc-main" in plan.notes[0].message


# ------------------------------------------------------------------ identity notes

def test_connection_initiated_from_the_other_side_is_matched_not_duplicated():
    reversed_view = view(role="acceptor", local_vpc_id="vpc-app01", peer_vpc_id="vpc-db0001")
    plan = plan_of(conn(), views=[reversed_view])
    assert plan.changes == ()
    assert "other side" in plan.notes[0].message


OTHER_STACK = (("managed-by", "peerconn"), ("peerconn-stack", "other"))


def test_connection_owned_by_another_stack_fails_the_plan_naming_the_owner():
    with pytest.raises(PlanError) as info:
        plan_of(conn(), views=[view(tags=OTHER_STACK)])
    assert "is owned by stack 'other'" in str(info.value)
    assert "adopt_from_stack: other" in str(info.value)


def test_reversed_pair_owned_by_another_stack_fails_too():
    # Declared db -> app; the live connection was made app -> db by stack "other": our end
    # is the acceptor's (no tags), the owner is read from the initiator's end.
    ours = view(role="acceptor", local_vpc_id="vpc-db0001", peer_vpc_id="vpc-app01", tags=())
    theirs = view(tags=OTHER_STACK)
    with pytest.raises(PlanError, match="owned by stack 'other'"):
        plan_of(conn(local_vpc_id="vpc-db0001", peer_vpc_id="vpc-app01"),
                views=[ours, theirs])


def test_taking_over_another_stacks_connection_is_an_explicit_opt_in():
    entry = conn(lifecycle=Lifecycle(adopt_from_stack="other"))
    plan = plan_of(entry, views=[view(tags=OTHER_STACK)])
    assert "managed here by lifecycle.adopt_from_stack" in plan.notes[0].message
    with pytest.raises(PlanError):  # naming a different stack is no opt-in for this one
        plan_of(conn(lifecycle=Lifecycle(adopt_from_stack="third")),
                views=[view(tags=OTHER_STACK)])


def test_untagged_connection_is_adopted_without_release():
    plan = plan_of(conn(), views=[view(tags=())])
    assert plan.changes == ()
    assert "adopting" in plan.notes[0].message


# ------------------------------------------------------------------ prune

def _prunable(**kw):
    base = dict(peer_conn_id="peerconn-old", local_vpc_id="vpc-app01", peer_vpc_id="vpc-old01")
    base.update(kw)
    return view(**base)


def test_prune_releases_only_connections_tagged_with_this_stack():
    foreign = _prunable(peer_conn_id="peerconn-f", peer_vpc_id="vpc-f1",
                        tags=(("managed-by", "peerconn"), ("peerconn-stack", "other")))
    untagged = _prunable(peer_conn_id="peerconn-u", peer_vpc_id="vpc-u1", tags=())
    mine = _prunable()
    plan = plan_of(conn(), views=[view(), foreign, untagged, mine], prune=True)
    assert [(c.action, c.peer_conn_id) for c in plan.changes] == [
        (Action.RELEASE, "peerconn-old")]


def test_prune_skips_protected_connections_with_a_warning():
    plan = plan_of(conn(), views=[view(), _prunable(delete_protect=True)], prune=True)
    assert plan.changes == ()
    assert "release protection" in plan.notes[0].message


def test_without_prune_nothing_is_released():
    assert plan_of(conn(), views=[view(), _prunable()], prune=False).changes == ()


# ------------------------------------------------------------------ ordering

def test_releases_come_before_everything_else():
    plan = plan_of(conn(name="new", peer_vpc_id="vpc-new01"),
                   conn(name="gone", peer_vpc_id="vpc-db0001", ensure="absent"),
                   views=[view()])
    assert [c.name for c in plan.changes] == ["gone", "new"]
    assert [c.runs_first for c in plan.changes] == [True, False]


def test_a_change_comes_after_the_changes_it_depends_on():
    # the acceptance of a connection this run creates depends on the create
    plan = plan_of(acceptance(), conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner"))
    addresses = [c.address for c in plan.changes]
    accept = next(c for c in plan.changes if c.action == Action.ACCEPT)
    assert accept.depends_on and all(addresses.index(d) < addresses.index(accept.address)
                                      for d in accept.depends_on)


def test_steps_within_a_connection_follow_the_product_order():
    entry = conn(bandwidth_in_mbps=200, description="n", dns_sync=True, delete_protect=True)
    plan = plan_of(entry, views=[view(description="o", delete_protect=False)])
    assert ops(plan.changes[0]) == [Op.UPDATE, Op.RESIZE, Op.OPEN_DNS, Op.PROTECT_ON]


def test_protection_off_comes_first():
    entry = conn(bandwidth_in_mbps=200, delete_protect=False)
    plan = plan_of(entry, views=[view(delete_protect=True)])
    assert ops(plan.changes[0]) == [Op.PROTECT_OFF, Op.RESIZE]


# ------------------------------------------------------------------ tokens, targets

def test_tokens_are_deterministic_ascii_and_short():
    a = plan_of(conn(bandwidth_in_mbps=200), views=[view()])
    b = plan_of(conn(bandwidth_in_mbps=200), views=[view()])
    ta, tb = a.changes[0].steps[0].client_token, b.changes[0].steps[0].client_token
    assert ta == tb
    assert ta.isascii() and len(ta) < 64


def test_tokens_differ_for_different_targets():
    a = plan_of(conn(bandwidth_in_mbps=200), views=[view()]).changes[0].steps[0].client_token
    b = plan_of(conn(bandwidth_in_mbps=300), views=[view()]).changes[0].steps[0].client_token
    assert a != b


def test_target_limits_the_plan_to_named_connections():
    plan = plan_of(conn(name="a", peer_vpc_id="vpc-aaa01"), conn(name="b", peer_vpc_id="vpc-bbb01"),
                   views=[], targets=("b",))
    assert [c.name for c in plan.changes] == ["b"]


def test_fingerprint_changes_when_a_relied_on_field_changes():
    a = plan_of(conn(bandwidth_in_mbps=200), views=[view()]).changes[0]
    b = plan_of(conn(bandwidth_in_mbps=200), views=[view(peer_conn_id="peerconn-aaa111",
                                                          bandwidth_in_mbps=150)]).changes[0]
    assert a.fingerprint != b.fingerprint


def test_live_context_is_respected():
    other_ctx_view = (PARTNER, view())
    plan = plan_of(conn(), views=[other_ctx_view])
    assert [c.action for c in plan.changes] == [Action.CREATE]
    assert CTX != PARTNER


# ------------------------------------------------------- an entry whose pair changed

NAMED_OLD = (("managed-by", "peerconn"), ("peerconn-stack", "net"), ("peerconn-name", "app-to-db"))


def test_an_entry_whose_pair_changed_names_the_connection_it_leaves_behind():
    old = _prunable(tags=NAMED_OLD)  # app-to-db used to peer vpc-old01
    plan = plan_of(conn(), views=[old])
    assert [c.action for c in plan.changes] == [Action.CREATE]
    left = [n for n in plan.notes if "left in place" in n.message]
    assert left and left[0].address == "net/app-to-db"
    assert "peerconn-old (vpc-app01<->vpc-old01)" in left[0].message


def test_with_prune_the_old_connection_is_released_by_the_entrys_name():
    plan = plan_of(conn(), views=[_prunable(tags=NAMED_OLD)], prune=True)
    release = next(c for c in plan.changes if c.action == Action.RELEASE)
    assert release.peer_conn_id == "peerconn-old"
    assert release.reasons[0].startswith(
        "pruned: the old connection of net/app-to-db, whose pair is now vpc-app01<->vpc-db0001")
    assert not [n for n in plan.notes if "left in place" in n.message]


def test_a_create_tags_the_connection_with_its_entry_name():
    create = plan_of(conn()).changes[0].steps[0]
    assert create.params["tags"]["peerconn-name"] == "app-to-db"
