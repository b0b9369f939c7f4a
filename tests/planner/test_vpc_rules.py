"""The plan-time VPC rules (reconciler.planner.vpc_rules) through the pure planner: no YAML, no HTTP."""

from __future__ import annotations

import pytest

from reconciler.model import Source, Vpc
from reconciler.observe.live import Context, LiveState
from reconciler.planner import PlanError, build_plan

from .conftest import NOW, acceptance, conn, state

GZ = Context(None, "gz")
BJ = Context(None, "bj")


def with_vpcs(reads: dict[Context, list[Vpc]]) -> LiveState:
    live = LiveState()
    for ctx, vpcs in reads.items():
        live.add_vpcs(ctx, vpcs)
    return live


def refusals(desired, live) -> list[str]:
    with pytest.raises(PlanError) as caught:
        build_plan(desired, live, now=NOW)
    return [d.render() for d in caught.value.diagnostics]


def located(**kw):
    sources = {"local_vpc_id": Source("net.yaml", 7, 19, "connections[0].local_vpc_id"),
               "peer_vpc_id": Source("net.yaml", 8, 18, "connections[0].peer_vpc_id")}
    return conn(field_sources=sources, source=Source("net.yaml", 6, 5, "connections[0]"), **kw)


def test_known_vpcs_plan_as_before():
    live = with_vpcs({BJ: [Vpc("vpc-app01"), Vpc("vpc-db0001")]})
    plan = build_plan(state(located()), live, now=NOW)
    assert [c.action.value for c in plan.changes] == ["create"]


def test_an_unknown_local_vpc_is_refused_at_its_field():
    live = with_vpcs({BJ: [Vpc("vpc-db0001")]})
    assert refusals(state(located()), live) == [
        "net.yaml:7:19: connections[0].local_vpc_id: VPC vpc-app01 does not exist in region bj "
        "(account of profile default)\n  hint: check the id (peerconn export --vpc ID lists "
        "what a VPC has), the file's region and its profile"]


def test_a_region_named_by_the_body_wins_over_the_endpoints():
    # The simulator lists every region at one endpoint and names each VPC's region.
    live = with_vpcs({BJ: [Vpc("vpc-app01", region="gz"), Vpc("vpc-db0001")]})
    (message,) = refusals(state(located()), live)
    assert "VPC vpc-app01 does not exist in region bj" in message
    assert "it is in region gz" in message


def test_a_peer_in_another_region_is_a_region_mismatch_at_peer_region():
    live = with_vpcs({BJ: [Vpc("vpc-app01"), Vpc("vpc-db0001")], GZ: []})
    (message,) = refusals(state(located(peer_region="gz")), live)
    assert message.startswith("net.yaml:8:18: connections[0].peer_region: peer VPC vpc-db0001 "
                              "is in region bj, not gz; BCE refuses the create (RegionMismatch)")
    assert "hint: set peer_region: bj" in message


def test_an_unknown_same_account_peer_is_refused_but_a_cross_account_one_is_not_checked():
    live = with_vpcs({BJ: [Vpc("vpc-app01")]})
    (message,) = refusals(state(located()), live)
    assert "connections[0].peer_vpc_id: VPC vpc-db0001 does not exist in region bj" in message
    cross = build_plan(state(located(peer_account_id="acc-other")), live, now=NOW)
    assert len(cross.changes) == 1


def test_an_acceptances_local_vpc_is_checked_in_its_profiles_account():
    partner = Context("partner", "bj")
    live = with_vpcs({partner: [Vpc("vpc-other")]})
    (message,) = refusals(state(acceptance()), live)
    assert "VPC vpc-partner1 does not exist in region bj (account of profile partner)" in message


def test_nothing_is_judged_without_a_vpc_read_or_for_ensure_absent():
    assert build_plan(state(located()), LiveState(), now=NOW).changes[0].action.value == "create"
    live = with_vpcs({BJ: []})
    plan = build_plan(state(located(ensure="absent")), live, now=NOW)
    assert plan.changes == ()
