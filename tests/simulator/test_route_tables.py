"""Route tables and rules in the simulator, driven over loopback by the project's client.

Default tables and system rules from the world, the reference's §5 rules and limits, the
route_api switches for its UNVERIFIED points, paging, update/delete/switch, peerConn next
hops, what a release does to the rules (behaviour.release_with_routes), clientToken replay,
the state file, stats and faults.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from reconciler.client import PeerConnApi
from reconciler.errors import ConfigError, ConflictError, NotFoundError, QuotaError, ValidationError
from reconciler.model import RouteNextHop
from reconciler.simulator import SimServer
from reconciler.simulator.route_tables import derived_table_id

from . import wire
from .conftest import FAST_RETRY, StartSim, create, make_api, make_world, prepaid

DB_CIDRS = ("10.2.0.0/16", "10.30.0.0/16")


def active_pair(sim: SimServer, api: PeerConnApi | None = None) -> tuple[PeerConnApi, str, str, str]:
    """app01 <-> db0001, active: (api, connection id, app01's qpif, db0001's qpif)."""
    api = api or make_api(sim)
    conn = create(api)
    sim.advance(5)
    return (api, conn, api.get(conn, role="initiator").local_if_id,
            api.get(conn, role="acceptor").local_if_id)


def table_of(api: PeerConnApi, vpc: str = "vpc-app01") -> str:
    return api.route.get_table(vpc_id=vpc).route_table_id


def add(api: PeerConnApi, hop: str, dest: str = "10.2.0.0/16", *, vpc: str = "vpc-app01",
        **kwargs: Any) -> str:
    kwargs.setdefault("source_address", "0.0.0.0/0")
    return api.route.create_rule(route_table_id=table_of(api, vpc), destination_address=dest,
                                 nexthop_type=kwargs.pop("nexthop_type", "peerConn"),
                                 nexthop_id=hop, **kwargs)


def custom(api: PeerConnApi, vpc: str = "vpc-app01") -> list[tuple[str, str, str]]:
    return [(r.destination_address, r.nexthop_id, r.description)
            for r in api.route.get_table(vpc_id=vpc).rules if not r.is_system]


# ----------------------------------------------------------------- tables and system rules


def test_every_vpc_has_a_deterministic_default_table_with_one_sys_rule_per_subnet(
        start_sim: StartSim) -> None:
    api = make_api(start_sim())
    db = api.route.get_table(vpc_id="vpc-db0001")
    assert re.fullmatch(r"rt-[a-z0-9]{12}", db.route_table_id)
    assert db.route_table_id == derived_table_id("vpc-db0001") != table_of(api)
    assert (db.vpc_id, db.name) == ("vpc-db0001", "default")
    assert [(r.route_rule_id, r.source_address, r.destination_address, r.nexthop_type,
             r.nexthop_id) for r in db.rules] == [
        ("", "0.0.0.0/0", "10.2.1.0/24", "sys", ""), ("", "0.0.0.0/0", "10.30.1.0/24", "sys", "")]
    assert api.route.get_table(route_table_id=db.route_table_id) == db
    again = make_api(start_sim(seed=99)).route.get_table(vpc_id="vpc-db0001")
    assert again == db  # the same in every run, whatever the seed


def test_another_accounts_table_is_not_found_and_mismatched_ids_are_refused(
        start_sim: StartSim) -> None:
    sim = start_sim()
    api, partner = make_api(sim), make_api(sim, "partner")
    with pytest.raises(NotFoundError):
        partner.route.get_table(vpc_id="vpc-app01")
    with pytest.raises(NotFoundError):
        partner.route.get_table(route_table_id=table_of(api))
    with pytest.raises(NotFoundError):
        partner.route.list_rules_page(vpc_id="vpc-app01")
    with pytest.raises(ValidationError):
        api.route.get_table(vpc_id="vpc-db0001", route_table_id=table_of(api))
    ak, sk = sim.credentials_for(None)
    both = wire.signed_send(sim.url, ak, sk, "GET", "/v1/route/rule",
                            f"routeTableId={table_of(api)}&vpcId=vpc-app01")
    assert (both.status, json.loads(both.body)["code"]) == (400, "InvalidParameter")


# ----------------------------------------------------------------------- create and rules


def test_a_peer_route_through_the_local_end_is_created_and_listed(start_sim: StartSim) -> None:
    sim = start_sim()
    api, _, app_if, db_if = active_pair(sim)
    made = [add(api, app_if, cidr, description="to db") for cidr in DB_CIDRS]
    assert all(re.fullmatch(r"rr-[a-z0-9]{12}", rule_id) for rule_id in made)
    assert custom(api) == [(c, app_if, "to db") for c in DB_CIDRS]
    back = add(api, db_if, "10.1.0.0/16", vpc="vpc-db0001", source_address="10.2.1.0/24")
    rule = next(r for r in api.route.list_rules(vpc_id="vpc-db0001") if r.route_rule_id == back)
    assert (rule.source_address, rule.nexthop_type, rule.path_type) == (
        "10.2.1.0/24", "peerConn", "normal")


REFUSALS: list[Any] = [
    pytest.param({"destination_address": "10.2.0.0/33"}, ValidationError, "InvalidParameter",
                 id="bad-cidr"),
    pytest.param({"destination_address": "10.2.0.1/16"}, ValidationError, "InvalidParameter",
                 id="host-bits"),
    pytest.param({"destination_address": "10.1.128.0/17"}, ValidationError,
                 "Route.DestinationOverlapsVpc", id="overlaps-own-cidr"),
    pytest.param({"source_address": "10.1.2.0/24"}, ValidationError, "Route.SourceNotInSubnet",
                 id="source-outside-subnets"),
    pytest.param({"source_address": "10.1.0.0/16"}, ValidationError, "Route.SourceNotInSubnet",
                 id="source-wider-than-subnet"),
    pytest.param({"nexthop_type": "sys"}, ValidationError, "Route.InvalidNexthopType",
                 id="sys-type"),
    pytest.param({"nexthop_type": "teleport"}, ValidationError, "Route.InvalidNexthopType",
                 id="unknown-type"),
    pytest.param({"nexthop_id": "qpif-nosuch00000"}, ValidationError, "Route.InvalidNexthop",
                 id="unknown-qpif"),
    pytest.param({"nexthop_id": "DB_END"}, ValidationError, "Route.InvalidNexthop",
                 id="the-peer-end-is-not-this-vpcs"),
    pytest.param({"nexthop_id": "CONN_ID"}, ValidationError, "Route.InvalidNexthop",
                 id="a-peerconn-id-is-no-interface"),
]


@pytest.mark.parametrize(("change", "error", "code"), REFUSALS)
def test_create_applies_the_documented_rules(start_sim: StartSim, change, error, code) -> None:
    sim = start_sim()
    api, conn, app_if, db_if = active_pair(sim)
    args: dict[str, Any] = {"route_table_id": table_of(api), "source_address": "10.1.1.0/25",
                            "destination_address": "10.2.0.0/16", "nexthop_type": "peerConn",
                            "nexthop_id": app_if, **change}
    args["nexthop_id"] = {"DB_END": db_if, "CONN_ID": conn}.get(args["nexthop_id"],
                                                                args["nexthop_id"])
    with pytest.raises(error) as caught:
        api.route.create_rule(**args)
    assert caught.value.code == code
    assert custom(api) == []
    del args["nexthop_id"], args["nexthop_type"]
    if code.startswith("Route.Invalid"):
        return
    ok = dict(args, **{k: v for k, v in {"source_address": "10.1.1.0/25",
                                         "destination_address": "10.2.0.0/16"}.items()
                       if k in change})
    assert api.route.create_rule(**ok, nexthop_type="peerConn", nexthop_id=app_if)


def test_a_pair_is_routed_once_a_table_is_limited_and_descriptions_are_capped(
        start_sim: StartSim) -> None:
    sim = start_sim(make_world(quotas={"route_rules_per_table": 3}))
    api, _, app_if, _ = active_pair(sim)
    add(api, app_if, "10.2.0.0/16")
    with pytest.raises(ConflictError) as dup:
        add(api, app_if, "10.2.0.0/16")
    assert dup.value.code == "Route.DuplicateRule" and dup.value.status == 409
    add(api, app_if, "10.30.0.0/16")  # 1 sys + 2 custom = 3 entries
    with pytest.raises(QuotaError) as full:
        add(api, "nat-1", "0.0.0.0/0", nexthop_type="nat")
    assert full.value.code == "Route.QuotaExceeded"
    ak, sk = sim.credentials_for(None)
    body = json.dumps({"routeTableId": table_of(api, "vpc-db0001"), "sourceAddress": "0.0.0.0/0",
                       "destinationAddress": "8.8.8.8/32", "description": "d" * 201,
                       "nexthopType": "nat", "nexthopId": "nat-1"}).encode()
    reply = wire.signed_send(sim.url, ak, sk, "POST", "/v1/route/rule", "", body)
    assert (reply.status, json.loads(reply.body)["code"]) == (400, "InvalidParameter")


def test_a_peer_route_needs_an_active_connection(start_sim: StartSim) -> None:
    sim = start_sim()
    api = make_api(sim)
    conn = create(api)  # still creating
    with pytest.raises(ConflictError) as caught:
        add(api, api.get(conn, role="initiator").local_if_id)
    assert caught.value.code == "Route.PeerConnNotActive"


def test_the_acceptor_routes_through_its_own_end_after_accepting(start_sim: StartSim) -> None:
    sim = start_sim()
    main, partner = make_api(sim), make_api(sim, "partner")
    conn = create(main, peer="vpc-partner1", peer_account_id="acc-partner")
    sim.advance(5)
    partner.accept(conn)
    sim.advance(5)
    theirs = partner.get(conn, role="acceptor").local_if_id
    with pytest.raises(ValidationError):  # the initiator cannot use the acceptor's end
        add(main, theirs, "172.20.0.0/16")
    add(partner, theirs, "10.1.0.0/16", vpc="vpc-partner1")
    assert custom(partner, "vpc-partner1") == [("10.1.0.0/16", theirs, "")]


# ------------------------------------------------------------------------------ switches


def switched(start_sim: StartSim, **route_api: Any) -> tuple[SimServer, PeerConnApi, str]:
    sim = start_sim(make_world(route_api=route_api))
    api, _, app_if, _ = active_pair(sim)
    return sim, api, app_if


def test_check_addresses_off_accepts_what_the_terraform_test_does(start_sim: StartSim) -> None:
    _, api, app_if = switched(start_sim, check_addresses=False)
    add(api, app_if, "10.1.128.0/17", source_address="10.1.2.0/24")
    _, strict, app_if = switched(start_sim)
    with pytest.raises(ValidationError):
        add(strict, app_if, "10.1.128.0/17")


@pytest.mark.parametrize("secondary, refused", [(True, True), (False, False)])
def test_overlap_with_secondary_cidrs_is_a_switch(start_sim: StartSim, secondary, refused) -> None:
    _, api, _ = switched(start_sim, overlap_includes_secondary=secondary)
    db_if = api.get(api.list_page().items[0].peer_conn_id, role="acceptor").local_if_id
    if refused:
        with pytest.raises(ValidationError) as caught:
            add(api, db_if, "10.30.64.0/18", vpc="vpc-db0001")
        assert caught.value.code == "Route.DestinationOverlapsVpc"
    else:
        add(api, db_if, "10.30.64.0/18", vpc="vpc-db0001")


@pytest.mark.parametrize("count, room", [(True, 2), (False, 3)])
def test_whether_system_rules_count_against_the_limit_is_a_switch(start_sim: StartSim, count,
                                                                  room) -> None:
    sim = start_sim(make_world(quotas={"route_rules_per_table": 3},
                               route_api={"count_system_rules": count}))
    api = make_api(sim)
    for n in range(room):
        add(api, "nat-1", f"8.8.{n}.0/24", nexthop_type="nat")
    with pytest.raises(QuotaError):
        add(api, "nat-1", "9.9.9.0/24", nexthop_type="nat")


def test_require_active_peer_off_accepts_a_creating_connection(start_sim: StartSim) -> None:
    sim = start_sim(make_world(route_api={"require_active_peer": False}))
    api = make_api(sim)
    conn = create(api)
    add(api, api.get(conn, role="initiator").local_if_id)


def test_host_bits_can_be_normalised(start_sim: StartSim) -> None:
    _, api, app_if = switched(start_sim, host_bits="normalise")
    add(api, app_if, "10.2.0.1/16")
    assert custom(api) == [("10.2.0.0/16", app_if, "")]


@pytest.mark.parametrize("where, sys_listed", [("last_page", True), ("omit", False)])
def test_system_rules_in_the_paged_list_are_a_switch(start_sim: StartSim, where,
                                                     sys_listed) -> None:
    _, api, app_if = switched(start_sim, list_system_rules=where)
    add(api, app_if)
    first = api.route.list_rules_page(vpc_id="vpc-app01", max_keys=1)
    assert [r.is_system for r in first.items] == ([False, True] if sys_listed else [False])


# ---------------------------------------------------------------------------------- paging


def test_paging_by_marker_resumes_after_a_deleted_rule(start_sim: StartSim) -> None:
    sim = start_sim()
    api = make_api(sim)
    ids = [add(api, "nat-1", f"8.8.{n}.0/24", nexthop_type="nat") for n in range(3)]
    first = api.route.list_rules_page(route_table_id=table_of(api), max_keys=2)
    assert ([r.route_rule_id for r in first.items], first.is_truncated, first.next_marker) == (
        ids[:2], True, ids[2])
    assert [r.route_rule_id for r in api.route.list_rules(vpc_id="vpc-app01", page_size=1)] == [
        *ids, ""]
    api.route.delete_rule(ids[1])
    page = api.route.list_rules_page(vpc_id="vpc-app01", marker=ids[1], max_keys=5)
    assert [r.route_rule_id for r in page.items] == [ids[2], ""]
    with pytest.raises(ValidationError):
        api.route.list_rules_page(vpc_id="vpc-app01", marker="rr-nosuch000000")
    with pytest.raises(ValidationError):
        api.route.list_rules_page(vpc_id="vpc-db0001", marker=ids[0])  # another table's rule


# ---------------------------------------------------------------- update, delete, switch


def test_update_changes_the_given_fields_under_the_same_rules(start_sim: StartSim) -> None:
    sim = start_sim()
    api, conn, app_if, db_if = active_pair(sim)
    rule = add(api, app_if, "10.2.0.0/16", description="old")
    other = add(api, app_if, "10.30.0.0/16")
    api.route.update_rule(rule, description="new", source_address="10.1.1.0/24")
    assert sim.route_rules()[0]["source"] == "10.1.1.0/24"
    assert custom(api)[0] == ("10.2.0.0/16", app_if, "new")
    refused = {
        "duplicate": dict(destination_address="10.30.0.0/16", source_address="0.0.0.0/0"),
        "overlap": dict(destination_address="10.1.0.0/16"),
        "peer-end": dict(nexthop_id=db_if),
        "type": dict(nexthop_type="nat", nexthop_id="nat-1"),
    }
    codes = {}
    for name, change in refused.items():
        with pytest.raises((ValidationError, ConflictError)) as caught:
            api.route.update_rule(rule, description="new", **change)
        codes[name] = caught.value.code
    assert codes == {"duplicate": "Route.DuplicateRule", "overlap": "Route.DestinationOverlapsVpc",
                     "peer-end": "Route.InvalidNexthop", "type": "Route.NexthopTypeNotUpdatable"}
    assert custom(api) == [("10.2.0.0/16", app_if, "new"), ("10.30.0.0/16", app_if, "")]
    api.route.delete_rule(other)
    with pytest.raises(NotFoundError):
        api.route.delete_rule(other)
    with pytest.raises(NotFoundError):
        api.route.update_rule(other, description="x")
    assert [r["id"] for r in sim.route_rules()] == [rule]
    assert conn


@pytest.mark.parametrize("mode, after", [("clears", ""), ("unchanged", "keep me")])
def test_an_empty_update_description_follows_the_switch(start_sim: StartSim, mode,
                                                        after) -> None:
    _, api, app_if = switched(start_sim, update_empty_description=mode)
    rule = add(api, app_if, description="keep me")
    api.route.update_rule(rule, description="")  # what the Python SDK sends by default
    assert custom(api) == [("10.2.0.0/16", app_if, after)]


def test_update_nexthop_type_apply_changes_the_type(start_sim: StartSim) -> None:
    _, api, app_if = switched(start_sim, update_nexthop_type="apply")
    rule = add(api, app_if)
    api.route.update_rule(rule, description="", nexthop_type="nat", nexthop_id="nat-1")
    (only,) = [r for r in api.route.get_table(vpc_id="vpc-app01").rules if not r.is_system]
    assert (only.nexthop_type, only.nexthop_id) == ("nat", "nat-1")


def test_multi_line_routes_are_created_switched_and_not_updated(start_sim: StartSim) -> None:
    sim = start_sim()
    api = make_api(sim)
    hops = [RouteNextHop("dcgw-a", "dcGateway", "ha:active"),
            RouteNextHop("dcgw-b", "dcGateway", "ha:standby")]
    active = api.route.create_rule(route_table_id=table_of(api), source_address="0.0.0.0/0",
                                   destination_address="3.3.3.6/32", next_hops=hops)
    paths = lambda: {r["nexthop_id"]: r["path_type"] for r in sim.route_rules()}  # noqa: E731
    assert paths() == {"dcgw-a": "ha:active", "dcgw-b": "ha:standby"}
    api.route.switch_route(active)
    assert paths() == {"dcgw-a": "ha:standby", "dcgw-b": "ha:active"}
    with pytest.raises(ValidationError) as caught:
        api.route.switch_route(active)  # now the standby path
    assert caught.value.code == "Route.NotHaRoute"
    with pytest.raises(ValidationError) as caught:
        api.route.update_rule(active, description="x")
    assert caught.value.code == "Route.MultiLineNotUpdatable"
    with pytest.raises(ValidationError):  # dcGateway hops only
        api.route.create_rule(route_table_id=table_of(api), source_address="0.0.0.0/0",
                              destination_address="4.4.4.0/24",
                              next_hops=[RouteNextHop("nat-1", "nat", "ecmp")] * 2)


# ---------------------------------------------------------------------- release with routes


def test_release_with_routes_refuses_by_default_naming_the_connection(start_sim: StartSim) -> None:
    sim = start_sim()
    api, conn, app_if, db_if = active_pair(sim)
    rule = add(api, app_if)
    add(api, db_if, "10.1.0.0/16", vpc="vpc-db0001")
    with pytest.raises(ConflictError) as caught:
        api.delete(conn)
    assert (caught.value.status, caught.value.code) == (409, "PeerConn.HasRouteRules")
    assert conn in str(caught.value) and rule in str(caught.value)
    assert api.get(conn).status == "active" and len(sim.route_rules()) == 2
    for each in sim.route_rules():
        api.route.delete_rule(each["id"])
    api.delete(conn)  # once the rules are gone


@pytest.mark.parametrize("mode, left", [("cascade", 0), ("keep", 2)])
def test_release_with_routes_cascade_or_keep(start_sim: StartSim, mode, left) -> None:
    sim = start_sim(make_world(behaviour={"release_with_routes": mode}))
    api, conn, app_if, db_if = active_pair(sim)
    add(api, app_if)
    add(api, db_if, "10.1.0.0/16", vpc="vpc-db0001")
    unrelated = add(api, "nat-1", "8.8.8.8/32", nexthop_type="nat")
    api.delete(conn)
    remaining = [r["id"] for r in sim.route_rules()]
    assert len(remaining) == left + 1 and unrelated in remaining  # other next hops untouched
    if mode == "keep":  # dangling: still listed, pointing at an interface that is gone
        sim.advance(5)
        assert custom(api)[0] == ("10.2.0.0/16", app_if, "")
        with pytest.raises(ValidationError):
            add(api, app_if, "10.30.0.0/16")


# ------------------------------------------------------- tokens, state, stats and faults


def test_route_tokens_replay_like_the_peering_ones(start_sim: StartSim) -> None:
    sim = start_sim()
    api, _, app_if, _ = active_pair(sim)
    first = add(api, app_if, client_token="plan-route-1")
    assert add(api, app_if, client_token="plan-route-1") == first
    assert len(sim.route_rules()) == 1
    with pytest.raises(ConflictError) as caught:
        add(api, app_if, "10.30.0.0/16", client_token="plan-route-1")
    assert caught.value.code == "IdempotentParameterMismatch"
    api.route.delete_rule(first, client_token="plan-route-del")
    api.route.delete_rule(first, client_token="plan-route-del")  # a replay of a success
    with pytest.raises(NotFoundError):
        api.route.delete_rule(first, client_token="plan-route-del-2")


def test_a_lost_create_reply_is_retried_with_its_token_into_one_rule(start_sim: StartSim) -> None:
    sim = start_sim()
    api, _, app_if, _ = active_pair(sim, make_api(sim, retry=FAST_RETRY))
    table = table_of(api)
    sim.set_faults(next=["lost", "503"])
    rule = api.route.create_rule(route_table_id=table, source_address="0.0.0.0/0",
                                 destination_address="10.2.0.0/16", nexthop_type="peerConn",
                                 nexthop_id=app_if, client_token="plan-route-lost")
    assert [r["id"] for r in sim.route_rules()] == [rule]
    assert sim.stats()["by_operation_outcome"]["create_route_rule"] == {
        "lost": 1, "503": 1, "200": 1}
    assert api.calls["create_route_rule"] == 3


def test_stats_count_route_operations(start_sim: StartSim) -> None:
    sim = start_sim()
    api, _, app_if, _ = active_pair(sim)
    before = sim.stats()["mutating"]
    rule = add(api, app_if)  # add() reads the table first
    api.route.update_rule(rule, description="d")
    list(api.route.list_rules(vpc_id="vpc-app01"))
    api.route.delete_rule(rule)
    stats = sim.stats()
    assert {op: stats["by_operation"][op] for op in (
        "get_route_table", "list_route_rules", "create_route_rule", "update_route_rule",
        "delete_route_rule", "switch_route")} == {
        "get_route_table": 1, "list_route_rules": 1, "create_route_rule": 1,
        "update_route_rule": 1, "delete_route_rule": 1, "switch_route": 0}
    assert stats["mutating"] - before == 3


def test_rules_live_in_the_state_file_and_reset_returns_to_the_worlds(
        start_sim: StartSim, tmp_path: Path) -> None:
    world = make_world(routes=[{"id": "rr-seeded000001", "vpc_id": "vpc-app01",
                                "destination": "8.8.8.8/32", "nexthop_type": "nat",
                                "nexthop_id": "nat-1"}])
    state = tmp_path / "state.json"
    first = start_sim(world, state_path=state)
    api = make_api(first)
    rule = add(api, "nat-2", "9.9.9.9/32", nexthop_type="nat")
    other = make_api(start_sim(world, state_path=state))
    assert [r.route_rule_id for r in other.route.get_table(vpc_id="vpc-app01").rules] == [
        "rr-seeded000001", rule, ""]
    first.reset()
    assert [r["id"] for r in first.route_rules()] == ["rr-seeded000001"]


@pytest.mark.parametrize("change, message", [
    ({"routes": [{"vpc_id": "vpc-nosuch", "destination": "8.8.8.8/32", "nexthop_type": "nat"}]},
     "unknown VPC"),
    ({"routes": [{"vpc_id": "vpc-app01", "destination": "8.8.8.8/33", "nexthop_type": "nat"}]},
     "not an IPv4 CIDR"),
    ({"routes": [{"vpc_id": "vpc-app01", "destination": "8.8.8.8/32", "nexthop_type": "sys"}]},
     "system rules"),
    ({"behaviour": {"release_with_routes": "explode"}}, "release_with_routes"),
    ({"route_api": {"no_such_switch": True}}, "no_such_switch"),
])
def test_bad_route_world_entries_are_refused(change, message) -> None:
    with pytest.raises(ConfigError) as caught:
        make_world(**change)
    assert message in str(caught.value)


def test_route_table_ids_in_the_world_are_checked() -> None:
    def world(*ids: str) -> Any:
        return make_world(accounts=[{"id": "a", "access_key": "K", "secret_key": "S", "vpcs": [
            {"id": f"vpc-{n}", "region": "bj", "route_table_id": i} for n, i in enumerate(ids)]}])
    with pytest.raises(ConfigError):
        world("RT-upper")
    with pytest.raises(ConfigError) as caught:
        world("rt-same", "rt-same")
    assert "duplicate route table id" in str(caught.value)


def test_a_refund_is_a_release_too(start_sim: StartSim) -> None:
    sim = start_sim()
    api = make_api(sim)
    conn = create(api, peer="vpc-gzapp01", region="gz", billing=prepaid())
    sim.advance(5)
    add(api, api.get(conn, role="initiator").local_if_id, "10.5.0.0/16")
    with pytest.raises(ConflictError) as caught:
        api.refund(conn)
    assert caught.value.code == "PeerConn.HasRouteRules"
    assert api.get(conn).status == "active"
