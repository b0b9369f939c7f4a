"""Route planning where changes meet: a replace's re-pointed rules and another entry's claim,
a cross-account request still being made, a cross-account replace that could not restore
unmanaged rules, and what a release's stale basis covers. Each case was found in review of
the first cut (one add planned twice, a rule lost without a word, a basis too narrow)."""

from __future__ import annotations

import pytest

from reconciler.model import RouteRule, RouteTable
from reconciler.model.routes import DesiredRoute, RouteSide
from reconciler.plan import Op
from reconciler.planner import PlanError, build_plan
from tests.planner.conftest import CTX, NOW, PARTNER, acceptance, conn, live, state, view

TABLE = "rt-app01aaaaaaaa"


def declared(destination: str, other: str = "vpc-db0001") -> DesiredRoute:
    return DesiredRoute(side=RouteSide.LOCAL, index=0, table_vpc_id="vpc-app01",
                        other_vpc_id=other, profile=None, region="bj", destination=destination)


def rule(destination: str, hop: str, rule_id: str = "rr-1") -> RouteRule:
    return RouteRule(route_rule_id=rule_id, route_table_id=TABLE, source_address="0.0.0.0/0",
                     destination_address=destination, nexthop_type="peerConn", nexthop_id=hop)


def adds(plan) -> list[tuple[str, str]]:
    return [(c.address, s.params["destination_address"]) for c in plan.changes
            for s in c.steps if s.op == Op.ADD_ROUTE]


def test_a_rule_a_replace_re_points_is_not_moved_to_another_entry_too():
    # app-to-db is replaced (down) and keeps its unmanaged rule; app-to-other declares it.
    other = conn(name="app-to-other", peer_vpc_id="vpc-other1",
                 routes_local=(declared("10.30.0.0/16", other="vpc-other1"),))
    state_ = live(view(status="down"), view(peer_conn_id="peerconn-bbb222", local_if_id="qpif-b",
                                            peer_vpc_id="vpc-other1"))
    state_.add_route_table(CTX, "vpc-app01", RouteTable(
        TABLE, "vpc-app01", rules=(rule("10.30.0.0/16", "qpif-local"),)))
    with pytest.raises(PlanError) as info:
        build_plan(state(conn(), other), state_, now=NOW)
    assert "already routes to peerConn qpif-local" in str(info.value)


@pytest.mark.parametrize(("initiator", "acceptor"), [
    ("creating", "creating"), ("creating", "consulting"), ("consulting", "consulting")])
def test_a_request_being_made_plans_the_initiators_rule_once_after_the_accept(initiator,
                                                                             acceptor):
    entry = conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner",
                 routes_local=(declared("172.20.0.0/16", other="vpc-partner1"),))
    mine = view(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner", status=initiator)
    theirs = view(role="acceptor", local_vpc_id="vpc-partner1", peer_vpc_id="vpc-app01",
                  local_if_id="qpif-partner", peer_account_id="acc-main", status=acceptor,
                  tags=())
    state_ = live((CTX, mine), (PARTNER, theirs))
    state_.add_route_table(CTX, "vpc-app01", RouteTable(TABLE, "vpc-app01"))
    state_.add_route_table(PARTNER, "vpc-partner1", RouteTable("rt-partner", "vpc-partner1"))
    plan = build_plan(state(entry, acceptance(accept=True)), state_, now=NOW)
    assert adds(plan) == [("partner/inbound", "172.20.0.0/16")]


def test_a_cross_account_replace_that_would_lose_unmanaged_rules_is_refused():
    entry = conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner")
    state_ = live((CTX, view(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner",
                             status="down")))
    state_.add_route_table(CTX, "vpc-app01", RouteTable(
        TABLE, "vpc-app01", rules=(rule("172.20.0.0/16", "qpif-local"),)))
    with pytest.raises(PlanError) as info:
        build_plan(state(entry), state_, now=NOW)
    message = str(info.value)
    assert "deletes the rules 172.20.0.0/16 in vpc-app01's table, which routes.local does " \
        "not manage, and cannot add them back before acc-partner accepts" in message
    assert "declare them in routes.local" in message


def test_a_cross_account_replace_with_the_rules_declared_plans_them_for_after_the_accept():
    entry = conn(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner",
                 routes_local=(declared("172.20.0.0/16", other="vpc-partner1"),))
    state_ = live((CTX, view(peer_vpc_id="vpc-partner1", peer_account_id="acc-partner",
                             status="down")))
    state_.add_route_table(CTX, "vpc-app01", RouteTable(
        TABLE, "vpc-app01", rules=(rule("172.20.0.0/16", "qpif-local"),)))
    plan = build_plan(state(entry), state_, now=NOW)
    assert [s.op for s in plan.changes[0].steps][:2] == [Op.DELETE_ROUTE, Op.RELEASE]
    assert any("routes are added once the other account has accepted" in n.message
               for n in plan.notes)


def test_a_releases_basis_covers_both_ends_tables_even_where_it_deletes_nothing():
    peer_end = view(role="acceptor", local_if_id="qpif-peer", local_vpc_id="vpc-db0001",
                    peer_vpc_id="vpc-app01", tags=())
    state_ = live(view(), peer_end)
    state_.add_route_table(CTX, "vpc-app01", RouteTable(
        TABLE, "vpc-app01", rules=(rule("10.2.0.0/16", "qpif-local"),)))
    state_.add_route_table(CTX, "vpc-db0001", RouteTable("rt-db", "vpc-db0001"))
    plan = build_plan(state(conn(ensure="absent", routes_local=())), state_, now=NOW)
    (change,) = plan.changes
    assert sorted(change.basis["routes"]) == ["vpc-app01", "vpc-db0001"]
