"""The route part of the planner, table-driven: which rules a connection's change adds, changes
and deletes, and which it refuses, from the declared sides and the live route tables."""

from __future__ import annotations

import pytest

from reconciler.model import RouteRule, RouteTable, Vpc
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
