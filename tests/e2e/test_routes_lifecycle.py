"""A connection's route rules through its whole life, end to end: the real CLI, the real
simulator, its route tables read back after every apply.

One apply creates the connection and the rules of both sides, and the next plan is empty; a
resize writes no rule; a replace re-points every rule at the new connection's interfaces;
``ensure: absent`` and prune delete the rules before the release whatever BCE would do with
them (``behaviour.release_with_routes``); a description change is an update in place; a rule
removed and declared again on the same day comes back. The helpers here are shared by the
other ``test_routes_*`` files.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import SimWorld
from tests.harness import write as write_manifest

HEAD = "stack: net\nregion: bj\nconnections:\n"
# Same account, two regions: both sides are ours, and billing can change (which replaces).
ENTRY = """\
  - name: app-to-gz
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-gzapp01
    peer_region: gz
    bandwidth_in_mbps: 10
"""
ROUTES = """\
    routes:
      local:
        - destination: peer_vpc
        - destination: 10.40.0.0/16
          source: 10.1.1.0/24
          description: to the legacy range
      peer:
        - destination: local_vpc
"""
FULL = ENTRY + ROUTES
ROUTE_WRITES = ("create_route_rule", "update_route_rule", "delete_route_rule")


def manifest_of(tmp_path, text: str, head: str = HEAD):
    return write_manifest(tmp_path / "network.yaml", head + text)


def applied(world: SimWorld, tmp_path, text: str, head: str = HEAD):
    """Apply ``text`` (entries after ``head``); it must succeed."""
    manifest = manifest_of(tmp_path, text, head)
    result = world.run("apply", str(manifest), "--auto-approve")
    assert result.code == 0, result.out + result.err
    return manifest, result


def rules(world: SimWorld) -> set[tuple[str, str, str, str, str]]:
    """(VPC, source, destination, next hop, description) of every custom rule that exists."""
    return {(r["vpc"], r["source"], r["destination"], r["nexthop_id"], r["description"])
            for r in world.server.route_rules()}


def rule_ids(world: SimWorld) -> dict[tuple[str, str, str], str]:
    return {(r["vpc"], r["source"], r["destination"]): r["id"] for r in world.server.route_rules()}


def writes(world: SimWorld) -> dict[str, int]:
    """How many route writes the simulator has answered, per operation."""
    ops = world.stats()["by_operation"]
    return {op: int(ops[op]) for op in ROUTE_WRITES}


def since(world: SimWorld, before: dict[str, int]) -> dict[str, int]:
    now = writes(world)
    return {op.split("_")[0]: now[op] - before[op] for op in ROUTE_WRITES}


def ends(world: SimWorld, conn: dict[str, Any] | None = None) -> tuple[str, str]:
    """The initiator's and the acceptor's interface of the only live connection."""
    if conn is None:
        (conn,) = [c for c in world.live() if not c["gone"]]
    return conn["initiator"]["if_id"], conn["acceptor"]["if_id"]


def expected(local_if: str, peer_if: str) -> set[tuple[str, str, str, str, str]]:
    """FULL's rules, through these interfaces."""
    return {("vpc-app01", "0.0.0.0/0", "10.5.0.0/16", local_if, ""),
            ("vpc-app01", "10.1.1.0/24", "10.40.0.0/16", local_if, "to the legacy range"),
            ("vpc-gzapp01", "0.0.0.0/0", "10.1.0.0/16", peer_if, "")}


def dangling(world: SimWorld) -> list[dict[str, Any]]:
    """peerConn rules whose interface no live connection has."""
    alive = {i for c in world.live() if not c["gone"] for i in ends(world, c)}
    return [r for r in world.server.route_rules()
            if r["nexthop_type"] == "peerConn" and r["nexthop_id"] not in alive]


def test_one_apply_creates_both_sides_rules_and_the_next_plan_is_empty(world, tmp_path):
    manifest = manifest_of(tmp_path, FULL)
    first = world.run("plan", str(manifest), "--detailed-exitcode")
    assert first.code == 2, first.out + first.err
    assert "+ route 10.40.0.0/16 from 10.1.1.0/24 via this connection in rt-" in first.out
    assert "steps: create -> add_route -> add_route -> add_route" in first.out
    assert "routes: 3 to add, 0 to change, 0 to delete." in first.out

    before = writes(world)
    _, result = applied(world, tmp_path, FULL)
    assert since(world, before) == {"create": 3, "update": 0, "delete": 0}
    assert rules(world) == expected(*ends(world))
    assert "Apply complete! Connections: 1 created, 0 updated, 0 replaced, 0 released; " \
        "routes: 3 added, 0 changed, 0 deleted." in result.out

    again = world.run("plan", str(manifest), "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out, again.out
    rerun = world.run("apply", str(manifest), "--auto-approve")
    assert rerun.code == 0 and since(world, before)["create"] == 3


@pytest.mark.parametrize(("edit", "steps"), [
    ("bandwidth_in_mbps: 50", "resize"),
    ("bandwidth_in_mbps: 50\n    description: resized and renamed", "update -> resize"),
], ids=["resize", "resize-and-rename"])
def test_a_resize_or_a_rename_touches_no_rule(world, tmp_path, edit, steps):
    applied(world, tmp_path, FULL)
    ids = rule_ids(world)
    bigger = FULL.replace("bandwidth_in_mbps: 10", edit)
    shown = world.run("plan", str(manifest_of(tmp_path, bigger)))
    assert "~ bandwidth_in_mbps = 10 -> 50" in shown.out, shown.out
    assert "route " not in shown.out
    assert f"steps: {steps}\n" in shown.out
    assert "Plan: 0 to create, 1 to update, 0 to replace, 0 to release.\n" in shown.out
    before = writes(world)
    applied(world, tmp_path, bigger)
    assert since(world, before) == {"create": 0, "update": 0, "delete": 0}
    assert rule_ids(world) == ids
    (conn,) = world.live()
    assert conn["bandwidth"] == 50


PREPAID = FULL.replace("bandwidth_in_mbps: 10\n", "bandwidth_in_mbps: 10\n"
                       "    billing: {payment_timing: Prepaid, reservation_length: 1}\n")


def test_a_replace_re_points_every_rule_at_the_new_interfaces(world, tmp_path):
    applied(world, tmp_path, FULL)
    (old,) = world.live()
    old_ifs = set(ends(world, old))
    shown = world.run("plan", str(manifest_of(tmp_path, PREPAID)))
    assert "must be replaced" in shown.out
    assert ("steps: delete_route -> delete_route -> delete_route -> release -> create -> "
            "add_route -> add_route -> add_route") in shown.out
    assert "why: the release half of the replace: 0.0.0.0/0 -> 10.5.0.0/16 goes through " \
        f"{old['id']}" in shown.out
    assert "again through the new connection" in shown.out
    assert "routes: 3 to add, 0 to change, 3 to delete." in shown.out

    before = writes(world)
    _, result = applied(world, tmp_path, PREPAID)  # refuse (the default): deletes came first
    assert f"Release complete after 0s [id={old['id']}]" in result.out
    assert "Connections: 0 created, 0 updated, 1 replaced, 0 released; routes: 3 added, " \
        "0 changed, 3 deleted." in result.out
    assert since(world, before) == {"create": 3, "update": 0, "delete": 3}
    (new,) = [c for c in world.live() if not c["gone"]]
    assert new["id"] != old["id"] and new["payment_timing"] == "Prepaid"
    assert rules(world) == expected(*ends(world, new))
    assert not old_ifs & {r["nexthop_id"] for r in world.server.route_rules()}
    assert dangling(world) == []
    assert "No changes." in world.run("plan", str(manifest_of(tmp_path, PREPAID))).out


ABSENT = ENTRY + "    ensure: absent\n    routes: {local: [], peer: []}\n"


@pytest.mark.parametrize("release_with_routes", ["refuse", "cascade", "keep"])
def test_ensure_absent_deletes_the_rules_then_releases(make_world, tmp_path,
                                                       release_with_routes):
    world = make_world(behaviour={"not_found": "empty",
                                  "release_with_routes": release_with_routes})
    applied(world, tmp_path, FULL)
    shown = world.run("plan", str(manifest_of(tmp_path, ABSENT)))
    assert "steps: delete_route -> delete_route -> delete_route -> release" in shown.out
    assert shown.out.count("why: before the release: ") == 3, shown.out
    assert "Plan: 0 to create, 0 to update, 0 to replace, 1 to release; routes: 0 to add, " \
        "0 to change, 3 to delete." in shown.out
    before = writes(world)
    applied(world, tmp_path, ABSENT)
    assert since(world, before)["delete"] == 3  # peerconn's own deletes, not a cascade
    assert [c for c in world.live() if not c["gone"]] == []
    assert rules(world) == set() and dangling(world) == []
    assert "No changes." in world.run("plan", str(manifest_of(tmp_path, ABSENT))).out


def test_prune_deletes_the_rules_of_a_removed_entry_first(world, tmp_path):
    other = ("  - name: web-to-cache\n    local_vpc_id: vpc-web001\n"
             "    peer_vpc_id: vpc-cache01\n    bandwidth_in_mbps: 10\n"
             "    routes: {local: [{destination: peer_vpc}]}\n")
    applied(world, tmp_path, FULL + other)
    web_if = next(ends(world, c)[0] for c in world.live()
                  if c["initiator"]["vpc_id"] == "vpc-web001")
    prune = HEAD.replace("connections:", "prune: true\nconnections:")
    shown = world.run("plan", str(manifest_of(tmp_path, other, prune)))
    assert "pruned: net/app-to-gz is no longer in the manifests" in shown.out, shown.out
    assert "steps: delete_route -> delete_route -> delete_route -> release" in shown.out
    before = writes(world)
    applied(world, tmp_path, other, prune)
    assert since(world, before) == {"create": 0, "update": 0, "delete": 3}
    assert rules(world) == {("vpc-web001", "0.0.0.0/0", "10.4.0.0/16", web_if, "")}
    assert dangling(world) == []


def test_a_description_change_updates_the_rule_in_place_and_a_revert_does_too(world, tmp_path):
    applied(world, tmp_path, FULL)
    ids = rule_ids(world)
    changed = FULL.replace("to the legacy range", "to the archive range")
    shown = world.run("plan", str(manifest_of(tmp_path, changed)))
    assert "~ route 10.40.0.0/16 from 10.1.1.0/24 via this connection in rt-" in shown.out
    assert "steps: change_route\n" in shown.out, shown.out
    assert "routes: 0 to add, 1 to change, 0 to delete." in shown.out
    for text, description in ((changed, "to the archive range"), (FULL, "to the legacy range")):
        before = writes(world)
        _, result = applied(world, tmp_path, text)  # and back, the same day: same tokens
        assert since(world, before) == {"create": 0, "update": 1, "delete": 0}
        # counted as the plan counts it: the connection itself is not updated
        assert "Connections: 0 created, 0 updated, 0 replaced, 0 released; routes: 0 added, " \
            "1 changed, 0 deleted." in result.out
        assert rule_ids(world) == ids
        assert ("vpc-app01", "10.1.1.0/24", "10.40.0.0/16", ends(world)[0],
                description) in rules(world)


def test_a_rule_removed_and_declared_again_the_same_day_comes_back(world, tmp_path):
    manifest, _ = applied(world, tmp_path, FULL)
    without = FULL.replace("        - destination: 10.40.0.0/16\n          source: 10.1.1.0/24\n"
                           "          description: to the legacy range\n", "")
    applied(world, tmp_path, without)
    assert len(rules(world)) == 2
    before = writes(world)
    applied(world, tmp_path, FULL)  # the add's token is the one the first create used
    assert since(world, before)["create"] >= 1
    assert rules(world) == expected(*ends(world))
    assert "No changes." in world.run("plan", str(manifest)).out


def test_released_and_declared_again_the_same_day_comes_back_with_its_rules(world, tmp_path):
    manifest, _ = applied(world, tmp_path, FULL)
    (first,) = world.live()
    applied(world, tmp_path, ABSENT)
    assert rules(world) == set()
    _, result = applied(world, tmp_path, FULL)  # the create's token replays the first one
    (second,) = [c for c in world.live() if not c["gone"]]
    assert second["id"] != first["id"], result.out
    assert rules(world) == expected(*ends(world, second)) and dangling(world) == []
    assert "No changes." in world.run("plan", str(manifest)).out
