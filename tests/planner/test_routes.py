"""The route part of the planner, table-driven: which rules a connection's change adds, changes
and deletes, and which it refuses, from the declared sides and the live route tables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.model import RouteRule, RouteTable, Subnet, Vpc
from reconciler.model.routes import DesiredRoute, RouteSide
from reconciler.plan import Action, Op
from reconciler.planner import PlanError
from tests.planner.conftest import CTX, conn, live, view
from tests.planner.test_planner import plan_of

TABLE = "rt-app01aaaaaaaa"
OURS = "qpif-local"  # the view's localIfId: this connection's end in vpc-app01


def declared(destination: str, **kw) -> DesiredRoute:
    return DesiredRoute(side=RouteSide.LOCAL, index=0, table_vpc_id="vpc-app01",
                        other_vpc_id="vpc-db0001", profile=None, region="bj",
                        destination=destination, **kw)


def rule(destination: str, hop: str = OURS, kind: str = "peerConn", rule_id: str = "rr-1",
         description: str = "", source: str = "0.0.0.0/0") -> RouteRule:
    return RouteRule(route_rule_id=rule_id, route_table_id=TABLE, source_address=source,
                     destination_address=destination, nexthop_type=kind, nexthop_id=hop,
                     description=description)


def world(*rules: RouteRule, connection=None):
    state = live(connection or view())
    state.add_route_table(CTX, "vpc-app01", RouteTable(TABLE, "vpc-app01", rules=rules))
    state.add_vpc_detail(CTX, "vpc-db0001", Vpc("vpc-db0001", cidr="10.2.0.0/16",
                                                 secondary_cidrs=("10.30.0.0/16",)))
    return state


def route_ops(plan) -> list[tuple[str, str]]:
    return [(s.op.value, s.params.get("destination_address", ""))
            for c in plan.changes for s in c.steps if s.op.value.endswith("_route")]


@pytest.mark.parametrize(("routes", "rules", "expected"), [
    pytest.param((declared("10.30.0.0/16"),), (), [("add_route", "10.30.0.0/16")],
                 id="a-missing-rule-is-added"),
    pytest.param((declared("10.30.0.0/16"),), (rule("10.30.0.0/16"),), [],
                 id="a-rule-already-through-this-connection-is-kept"),
    pytest.param((declared("peer_vpc"),), (rule("10.2.0.0/16"),),
                 [("add_route", "10.30.0.0/16")],
                 id="a-symbol-expands-to-every-cidr-of-the-peer-vpc"),
    pytest.param((), (rule("10.30.0.0/16"),), [("delete_route", "10.30.0.0/16")],
                 id="an-empty-managed-side-deletes-the-rules-through-this-connection"),
    pytest.param(None, (rule("10.30.0.0/16"),), [],
                 id="an-unmanaged-side-is-never-touched"),
    pytest.param((), (rule("10.9.0.0/16", hop="qpif-other"), rule("10.1.1.0/24", hop="",
                                                                      kind="sys", rule_id="")),
                 [], id="rules-of-other-next-hops-and-system-rules-are-never-deleted"),
    pytest.param((declared("10.30.0.0/16", description="to the legacy range"),),
                 (rule("10.30.0.0/16", description="old"),),
                 [("change_route", "10.30.0.0/16")], id="a-changed-description-is-changed"),
])
def test_route_steps_follow_the_declared_side_and_the_live_table(routes, rules, expected):
    plan = plan_of(conn(routes_local=routes), views=world(*rules))
    assert route_ops(plan) == expected


def test_a_declared_rule_the_table_routes_elsewhere_fails_naming_the_owner():
    with pytest.raises(PlanError) as info:
        plan_of(conn(routes_local=(declared("10.30.0.0/16"),)),
                views=world(rule("10.30.0.0/16", hop="nat-1234", kind="nat")))
    assert "nat nat-1234" in str(info.value)


def test_a_release_deletes_the_rules_through_the_connection_first():
    plan = plan_of(conn(ensure="absent", routes_local=()), views=world(rule("10.30.0.0/16")))
    (change,) = plan.changes
    assert change.action == Action.RELEASE
    ops = [s.op for s in change.steps]
    assert ops.index(Op.DELETE_ROUTE) < ops.index(Op.RELEASE)


# ---------------------------------------------------------------- plan-time rules of the table
def with_app_vpc(state, subnets=("10.1.1.0/24",), secondary=("10.40.0.0/16",)):
    """The table's own VPC as its detail shows it (its CIDRs and subnets)."""
    state.add_vpc_detail(CTX, "vpc-app01", Vpc(
        "vpc-app01", cidr="10.1.0.0/16", secondary_cidrs=secondary,
        subnets=tuple(Subnet(f"sbn-{i}", cidr=c) for i, c in enumerate(subnets))))
    return state


def refusal(entry, state) -> str:
    with pytest.raises(PlanError) as info:
        plan_of(entry, views=state)
    return str(info.value)


@pytest.mark.parametrize(("destination", "own"), [
    ("10.1.0.0/16", "10.1.0.0/16"), ("10.1.2.0/24", "10.1.0.0/16"), ("10.0.0.0/8", "10.1.0.0/16"),
    ("10.40.1.0/24", "10.40.0.0/16")])
def test_a_destination_inside_the_tables_own_vpc_is_refused(destination, own):
    message = refusal(conn(routes_local=(declared(destination),)), with_app_vpc(world()))
    assert f"routes.local[0].destination: {destination} overlaps {own}, a CIDR of vpc-app01" \
        in message


def test_a_destination_beside_the_tables_own_vpc_is_planned():
    plan = plan_of(conn(routes_local=(declared("10.30.0.0/16"),)), views=with_app_vpc(world()))
    assert route_ops(plan) == [("add_route", "10.30.0.0/16")]


@pytest.mark.parametrize(("source", "refused"), [
    ("10.1.1.0/24", False), ("10.1.1.128/25", False), ("0.0.0.0/0", False),
    ("10.1.2.0/24", True), ("10.1.0.0/16", True)])
def test_a_custom_source_must_lie_inside_a_subnet_of_the_tables_vpc(source, refused):
    entry = conn(routes_local=(declared("10.30.0.0/16", source=source),))
    state = with_app_vpc(world())
    if refused:
        message = refusal(entry, state)
        assert f"routes.local[0].source: {source} is not inside a subnet of vpc-app01 " \
            "(its subnets: 10.1.1.0/24)" in message
    else:
        assert route_ops(plan_of(entry, views=state)) == [("add_route", "10.30.0.0/16")]


def test_a_symbol_that_expands_onto_a_declared_literal_is_a_duplicate():
    entry = conn(routes_local=(declared("peer_vpc"),
                               replace(declared("10.30.0.0/16"), index=1)))
    message = refusal(entry, world())
    assert ("routes.local[1]: 0.0.0.0/0 -> 10.30.0.0/16 is declared for the table of vpc-app01 "
            "by net/app-to-db routes.local[0] too") in message


def test_a_table_without_room_for_the_plans_rules_is_refused():
    taken = [rule(f"192.168.{i}.0/24", hop="nat-1", kind="nat", rule_id=f"rr-{i}")
             for i in range(48)]
    two = (declared("10.30.0.0/16"), replace(declared("10.31.0.0/16"), index=1))
    assert len(route_ops(plan_of(conn(routes_local=two), views=world(*taken)))) == 2
    three = (*two, replace(declared("10.32.0.0/16"), index=2))
    message = refusal(conn(routes_local=three), world(*taken))
    assert "would hold 51 custom rules after this plan adds 3; BCE allows at most 50" in message


def test_deletes_of_the_same_plan_make_room():
    taken = [rule(f"192.168.{i}.0/24", rule_id=f"rr-{i}") for i in range(50)]
    plan = plan_of(conn(routes_local=(declared("10.30.0.0/16"),)), views=world(*taken))
    ops = route_ops(plan)
    assert ops.count(("add_route", "10.30.0.0/16")) == 1 and len(ops) == 51


def test_system_rules_near_the_limit_are_a_warning_not_a_refusal():
    system = [rule(f"10.1.{i}.0/24", hop="", kind="sys", rule_id="") for i in range(49)]
    plan = plan_of(conn(routes_local=(declared("10.30.0.0/16"), replace(
        declared("10.31.0.0/16"), index=1))), views=world(*system))
    assert len(route_ops(plan)) == 2
    assert any("51 with its system rules" in n.message and "may count system rules" in n.message
               for n in plan.notes)


def test_an_unmanaged_side_is_shown_as_information():
    plan = plan_of(conn(), views=world(rule("10.30.0.0/16")))
    assert any("routes.local is not managed: the table of vpc-app01 routes 10.30.0.0/16 "
               "through this connection (left as is)" in n.message for n in plan.notes)
