"""Routes through the connection, end to end: the real CLI against the real simulator.

A create with ``routes.local``/``routes.peer`` adds the rules through the right interfaces and
then plans nothing; a rule removed from the manifest is deleted; one deleted out of band is
added again with its reason; ``ensure: absent`` deletes the rules before the release (which
the simulator's default ``release_with_routes: refuse`` would otherwise refuse); a declared
rule the table routes elsewhere fails the plan at its line with no mutating request.
"""

from __future__ import annotations

import json

from reconciler.client import Credentials, PeerConnApi
from tests.harness import write as write_manifest

HEAD = "stack: net\nregion: bj\nconnections:\n"
ENTRY = """\
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 10
"""
BOTH = ENTRY + """\
    routes:
      local:
        - destination: peer_vpc
      peer:
        - destination: local_vpc
"""


def apply(world, tmp_path, monkeypatch, text: str):
    manifest = write_manifest(tmp_path / "network.yaml", HEAD + text)
    result = world.run("apply", str(manifest), "--auto-approve")
    assert result.code == 0, result.out + result.err
    return manifest, result


def plan(world, manifest, monkeypatch, *extra: str):
    return world.run("plan", str(manifest), *extra)


def rules(world) -> set[tuple[str, str, str]]:
    """(VPC, destination, next hop) of every custom rule the simulator holds."""
    return {(r["vpc"], r["destination"], r["nexthop_id"]) for r in world.server.route_rules()}


def interfaces(world) -> tuple[str, str]:
    (conn,) = world.live()
    return conn["initiator"]["if_id"], conn["acceptor"]["if_id"]


def test_create_with_routes_adds_them_through_each_end_then_plans_nothing(
        world, tmp_path, monkeypatch):
    manifest = write_manifest(tmp_path / "network.yaml", HEAD + BOTH)
    shown = plan(world, manifest, monkeypatch)
    assert shown.code == 0, shown.out + shown.err
    assert "+ route 10.2.0.0/16 via this connection in rt-" in shown.out
    assert "(vpc-app01)\n        why: routes.local[0]" in shown.out
    assert "+ route 10.1.0.0/16 via this connection in rt-" in shown.out
    assert ("Plan: 1 to create, 0 to update, 0 to replace, 0 to release; routes: 3 to add, "
            "0 to change, 0 to delete.") in shown.out
    doc = json.loads(plan(world, manifest, monkeypatch, "--format", "json").out)
    assert doc["format_version"] == 4
    assert doc["summary"]["routes"] == {"add": 3, "change": 0, "delete": 0}
    adds = [s for s in doc["changes"][0]["steps"] if s["op"] == "add_route"]
    assert all(s["peer_conn_id"] == {"change": "net/app-to-db", "output": "local_if_id"}
               for s in adds)

    apply(world, tmp_path, monkeypatch, BOTH)
    local_if, peer_if = interfaces(world)
    assert local_if.startswith("qpif-") and peer_if.startswith("qpif-")
    assert rules(world) == {("vpc-app01", "10.2.0.0/16", local_if),
                            ("vpc-app01", "10.30.0.0/16", local_if),
                            ("vpc-db0001", "10.1.0.0/16", peer_if)}
    again = plan(world, manifest, monkeypatch)
    assert "No changes." in again.out


def test_a_rule_removed_from_the_manifest_is_deleted(world, tmp_path, monkeypatch):
    apply(world, tmp_path, monkeypatch, BOTH)
    local_if, _ = interfaces(world)
    only_local = ENTRY + "    routes:\n      local:\n        - destination: peer_vpc\n" \
        "      peer: []\n"
    manifest = write_manifest(tmp_path / "network.yaml", HEAD + only_local)
    shown = plan(world, manifest, monkeypatch)
    assert "- route 10.1.0.0/16 via this connection in rt-" in shown.out
    assert "why: routes.peer does not declare 0.0.0.0/0 -> 10.1.0.0/16" in shown.out
    assert "Plan: 0 to create, 0 to update, 0 to replace, 0 to release; routes: 0 to add, " \
        "0 to change, 1 to delete." in shown.out
    apply(world, tmp_path, monkeypatch, only_local)
    assert rules(world) == {("vpc-app01", "10.2.0.0/16", local_if),
                            ("vpc-app01", "10.30.0.0/16", local_if)}


def test_a_rule_deleted_out_of_band_is_added_again(world, tmp_path, monkeypatch):
    manifest, _ = apply(world, tmp_path, monkeypatch, BOTH)
    account = next(a for a in world.server.world.accounts if a.profile == "default")
    api = PeerConnApi(Credentials(account.access_key, account.secret_key), world.url,
                      sleep=lambda _s: None)
    table = api.route.get_table(vpc_id="vpc-db0001")
    (ours,) = [r for r in table.rules if r.destination_address == "10.1.0.0/16"]
    api.route.delete_rule(ours.route_rule_id)
    shown = plan(world, manifest, monkeypatch)
    assert "will be updated in place" in shown.out
    assert (f"+ route 10.1.0.0/16 via this connection in {table.route_table_id} (vpc-db0001)\n"
            "        why: routes.peer[0] (") in shown.out
    assert "declares it; the table has no such rule" in shown.out
    apply(world, tmp_path, monkeypatch, BOTH)
    assert ("vpc-db0001", "10.1.0.0/16", interfaces(world)[1]) in rules(world)
    assert "No changes." in plan(world, manifest, monkeypatch).out


def test_ensure_absent_deletes_the_rules_before_the_release(world, tmp_path, monkeypatch):
    apply(world, tmp_path, monkeypatch, BOTH)
    absent = ENTRY + "    ensure: absent\n    routes: {local: [], peer: []}\n"
    manifest = write_manifest(tmp_path / "network.yaml", HEAD + absent)
    shown = plan(world, manifest, monkeypatch)
    assert shown.out.count("- route ") == 3, shown.out
    assert "steps: delete_route -> delete_route -> delete_route -> release" in shown.out
    apply(world, tmp_path, monkeypatch, absent)
    assert world.live() == [] and rules(world) == set()


def test_a_declared_rule_routed_elsewhere_fails_the_plan(make_world, tmp_path, monkeypatch):
    world = make_world(routes=[{"vpc_id": "vpc-app01", "destination": "10.2.0.0/16",
                                "nexthop_type": "nat", "nexthop_id": "nat-0001"}])
    manifest = write_manifest(tmp_path / "network.yaml", HEAD + BOTH)
    before = world.mutating()
    result = world.run("apply", str(manifest), "--auto-approve")
    assert result.code != 0
    assert f"{manifest}:10:" in result.err
    assert "0.0.0.0/0 -> 10.2.0.0/16 in rt-" in result.err
    assert "already routes to nat nat-0001" in result.err
    assert world.mutating() == before
