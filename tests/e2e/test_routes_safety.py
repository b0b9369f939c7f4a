"""Route rules peerconn must not write: a rule someone else owns, a saved plan the route tables
have moved away from, a manifest with a typo, a release the cloud refuses. Each is refused
before any route write (counted by the simulator), with a message that says what to do.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.client import Credentials, PeerConnApi
from tests.e2e.test_routes_lifecycle import (
    ENTRY,
    FULL,
    applied,
    ends,
    manifest_of,
    rules,
    since,
    writes,
)
from tests.harness import SimWorld

# A connection that was there before: app01 <-> db0001, its app01 end's interface fixed.
NEIGHBOUR = {"id": "peerconn-neighbour1", "local_vpc_id": "vpc-app01",
             "peer_vpc_id": "vpc-db0001", "status": "active",
             "local_if_id": "qpif-neighbour01", "peer_if_id": "qpif-neighbour02"}


def api_of(world: SimWorld) -> PeerConnApi:
    """Someone else's hands on the same account: the console, another tool."""
    account = next(a for a in world.world.accounts if a.profile == "default")
    return PeerConnApi(Credentials(account.access_key, account.secret_key), world.url,
                       sleep=lambda _s: None)


def rule_of(api: PeerConnApi, vpc_id: str, destination: str) -> Any:
    (rule,) = [r for r in api.route.get_table(vpc_id=vpc_id).rules
               if r.destination_address == destination]
    return rule


@pytest.mark.parametrize(("nexthop_type", "nexthop_id", "owner"), [
    ("nat", "nat-0001", "nat nat-0001"),
    ("vpn", "vpn-0001", "vpn vpn-0001"),
    ("peerConn", "qpif-neighbour01", "peerConn qpif-neighbour01"),
])
def test_a_declared_rule_another_next_hop_owns_fails_the_plan_with_no_write(
        make_world, tmp_path, nexthop_type, nexthop_id, owner):
    world = make_world(connections=[NEIGHBOUR], routes=[
        {"vpc_id": "vpc-app01", "destination": "10.5.0.0/16", "nexthop_type": nexthop_type,
         "nexthop_id": nexthop_id}])
    manifest = manifest_of(tmp_path, FULL)
    before, mutating = writes(world), world.mutating()
    for command in (("plan",), ("apply", "--auto-approve")):
        result = world.run(command[0], str(manifest), *command[1:])
        assert result.code == 1, result.out + result.err
        assert f"{manifest}:11:" in result.err  # routes.local[0], the peer_vpc rule
        assert "0.0.0.0/0 -> 10.5.0.0/16 in rt-" in result.err
        assert f"already routes to {owner}" in result.err, result.err
        if nexthop_type == "peerConn":  # the other connection is named, not only its interface
            assert "the end of peerconn-neighbour1 (vpc-app01 <-> vpc-db0001)" in result.err
        assert "Traceback" not in result.err
    assert since(world, before) == {"create": 0, "update": 0, "delete": 0}
    assert world.mutating() == mutating
    assert [r["nexthop_id"] for r in world.server.route_rules()] == [nexthop_id]


def ours(world: SimWorld) -> tuple[str, str]:
    """The interfaces of the connection the manifest declares (not the neighbour's)."""
    (conn,) = [c for c in world.live() if c["acceptor"]["vpc_id"] == "vpc-gzapp01"]
    return ends(world, conn)


def _add_via_ours(world: SimWorld, api: PeerConnApi) -> None:
    table = api.route.get_table(vpc_id="vpc-app01")
    api.route.create_rule(route_table_id=table.route_table_id, source_address="0.0.0.0/0",
                          destination_address="10.60.0.0/16", nexthop_type="peerConn",
                          nexthop_id=ours(world)[0])


def _delete(world: SimWorld, api: PeerConnApi) -> None:
    api.route.delete_rule(rule_of(api, "vpc-app01", "10.40.0.0/16").route_rule_id)


def _re_point(world: SimWorld, api: PeerConnApi) -> None:
    rule = rule_of(api, "vpc-app01", "10.40.0.0/16")
    api.route.update_rule(rule.route_rule_id, description=rule.description,
                          nexthop_id="qpif-neighbour01")


def _describe(world: SimWorld, api: PeerConnApi) -> None:
    rule = rule_of(api, "vpc-app01", "10.40.0.0/16")
    api.route.update_rule(rule.route_rule_id, description="edited in the console")


# What the saved plan does, and what someone does to the tables before it is applied.
ABSENT = ENTRY + "    ensure: absent\n    routes: {local: [], peer: []}\n"
RENAMED = FULL.replace("to the legacy range", "to the archive range")
RESIZED = FULL.replace("bandwidth_in_mbps: 10", "bandwidth_in_mbps: 20")


@pytest.mark.parametrize(("planned", "meddle"), [
    (ABSENT, _add_via_ours),     # a rule through the connection the release would strand
    (RENAMED, _delete),          # the rule the description change was for is gone
    (RENAMED, _re_point),        # ... or now goes through another connection
    (ABSENT, _describe),         # a rule the release deletes was edited
], ids=["added", "deleted", "re-pointed", "edited"])
def test_a_saved_plan_is_stale_once_a_rule_it_relied_on_changed(make_world, tmp_path,
                                                                  planned, meddle):
    world = make_world(connections=[NEIGHBOUR])
    applied(world, tmp_path, FULL)
    plan_file = tmp_path / "plan.json"
    made = world.run("plan", str(manifest_of(tmp_path, planned)), "--out", str(plan_file))
    assert made.code == 0, made.out + made.err
    assert json.loads(plan_file.read_text())["changes"][0]["basis"]["routes"]
    meddle(world, api_of(world))
    after = rules(world)
    before, mutating = writes(world), world.mutating()
    refused = world.run("apply", str(plan_file))
    assert refused.code == 3, refused.out + refused.err
    assert "the route rules it relies on in vpc-app01's table changed" in refused.err
    assert world.mutating() == mutating and since(world, before)["create"] == 0
    assert rules(world) == after


def test_a_plan_without_route_steps_is_not_made_stale_by_a_rule(make_world, tmp_path):
    world = make_world(connections=[NEIGHBOUR])
    applied(world, tmp_path, FULL)
    plan_file = tmp_path / "plan.json"
    assert world.run("plan", str(manifest_of(tmp_path, RESIZED)), "--out",
                     str(plan_file)).code == 0
    _describe(world, api_of(world))  # a rule the resize does not rely on
    result = world.run("apply", str(plan_file))
    assert result.code == 0, result.out + result.err
    # and the next plan puts the declared description back, in place
    shown = world.run("plan", str(manifest_of(tmp_path, RESIZED)))
    assert "~ route 10.40.0.0/16 from 10.1.1.0/24" in shown.out, shown.out
    assert "routes: 0 to add, 1 to change, 0 to delete." in shown.out


@pytest.mark.parametrize(("typo", "message"), [
    (("- destination: peer_vpc", "- destinaton: peer_vpc"),
     ":11:11: connections[0].routes.local[0].destinaton: unknown field 'destinaton'\n"
     "  hint: did you mean 'destination'?"),
    (("destination: peer_vpc", "destination: peer-vpc"),
     ":11:24: connections[0].routes.local[0].destination: 'peer-vpc' is not an IPv4 CIDR"),
    (("      local:", "      locals:"),
     ":10:7: connections[0].routes.locals: unknown field 'locals'\n"
     "  hint: did you mean 'local'?"),
    (("destination: local_vpc", "destination: peer_vpc"),
     ":16:24: connections[0].routes.peer[0].destination: destination peer_vpc is the "
     "table's own VPC (vpc-gzapp01)"),
    (("10.40.0.0/16", "10.40.0.1/16"),
     ":12:24: connections[0].routes.local[1].destination: '10.40.0.1/16' has host bits set"),
], ids=["field", "symbol", "side", "own-vpc", "host-bits"])
def test_a_typo_in_the_routes_fails_at_its_line_before_any_request(world, tmp_path, typo,
                                                                   message):
    manifest = manifest_of(tmp_path, FULL.replace(*typo))
    for command in ("validate", "plan", "apply"):
        result = world.run(command, str(manifest), *(["--auto-approve"] * (command == "apply")))
        if command == "validate" and result.code == 0:
            continue  # a rule that needs the live VPCs is judged by plan, not offline
        assert result.code == 1, (command, result.out + result.err)
        assert f"{manifest}{message}" in result.err, result.err
    assert world.stats()["mutating"] == 0 and rules(world) == set()


def test_a_release_without_route_lists_still_deletes_the_rules_first(world, tmp_path):
    applied(world, tmp_path, FULL)
    bare = ENTRY + "    ensure: absent\n"  # no route list: the tables are read for the release
    done = world.run("apply", str(manifest_of(tmp_path, bare)), "--auto-approve")
    assert done.code == 0, done.out + done.err
    assert "routes: 0 added, 0 changed, 3 deleted." in done.out
    assert rules(world) == set() and world.live() == []


def test_a_prune_in_a_run_without_route_lists_deletes_the_rules_first(world, tmp_path):
    web = ("  - name: web-to-cache\n    local_vpc_id: vpc-web001\n"
           "    peer_vpc_id: vpc-cache01\n    bandwidth_in_mbps: 10\n")
    prune = "stack: net\nregion: bj\nprune: true\nconnections:\n"
    applied(world, tmp_path, FULL + web, prune)
    done = world.run("apply", str(manifest_of(tmp_path, web, prune)), "--auto-approve")
    assert done.code == 0, done.out + done.err
    assert rules(world) == set()
    assert [c["initiator"]["vpc_id"] for c in world.live()] == ["vpc-web001"]


def test_a_rule_of_another_next_hop_for_another_destination_does_not_make_a_plan_stale(
        world, tmp_path):
    applied(world, tmp_path, FULL)
    plan_file = tmp_path / "plan.json"
    assert world.run("plan", str(manifest_of(tmp_path, ABSENT)), "--out",
                     str(plan_file)).code == 0
    api = api_of(world)
    table = api.route.get_table(vpc_id="vpc-app01")
    api.route.create_rule(route_table_id=table.route_table_id, source_address="0.0.0.0/0",
                          destination_address="10.99.0.0/16", nexthop_type="nat",
                          nexthop_id="nat-0001")  # another team's rule
    result = world.run("apply", str(plan_file))
    assert result.code == 0, result.out + result.err
    assert {(r[2], r[3]) for r in rules(world)} == {("10.99.0.0/16", "nat-0001")}
