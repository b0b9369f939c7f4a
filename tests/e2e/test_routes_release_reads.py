"""A release never leaves a rule pointing at a released connection, even in a run that
declares no routes at all.

Such a run reads no route table up front (it costs what it always did), so when its plan
releases a connection peerconn reads that connection's tables — its own VPC's and, in the same
account, the peer VPC's — and plans again with the deletes first. Under every
``release_with_routes`` the simulator can be set to: with ``refuse`` (BCE's answer, our
default) the release would otherwise fail; with ``keep`` the rules would be left pointing at
nothing; with ``cascade`` they would vanish without the plan saying so.
"""

from __future__ import annotations

import pytest
import requests

from tests.e2e.test_route_reads import APP_TO_DB, ROUTES
from tests.harness import world_data
from tests.harness import write as write_manifest

# app01 <-> db0001 with a rule through each end, and a NAT rule nobody may touch.
CONN = APP_TO_DB
RULES = [r for r in ROUTES if r["vpc_id"] != "vpc-cache01"]
ABSENT = """\
stack: net
region: bj
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 10
    ensure: absent
"""
OTHER = """\
stack: net
region: bj
prune: true
connections:
  - name: app-to-web
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-web001
    bandwidth_in_mbps: 10
"""


def reads(world) -> dict[str, int]:
    stats = requests.get(f"{world.url}/__sim/stats", timeout=5).json()["by_operation"]
    return {op: stats.get(op, 0) for op in ("get_route_table", "get_vpc", "get")}


@pytest.mark.parametrize("mode", ["refuse", "cascade", "keep"])
@pytest.mark.parametrize("manifest", [ABSENT, OTHER], ids=["ensure-absent", "prune"])
def test_a_release_in_a_run_without_routes_deletes_its_rules_first(make_world, tmp_path,
                                                                   mode, manifest):
    data = world_data(connections=[CONN], routes=RULES)
    data["behaviour"] = {**data.get("behaviour", {}), "release_with_routes": mode}
    world = make_world(data)
    path = write_manifest(tmp_path / "net.yaml", manifest)
    shown = world.run("plan", str(path))
    assert shown.code == 0, shown.out + shown.err
    assert shown.out.count("- route ") == 2, shown.out
    assert "steps: delete_route -> delete_route -> release" in shown.out
    # The extra reads are the two tables (and no detail call of any kind).
    assert reads(world) == {"get_route_table": 2, "get_vpc": 0, "get": 0}
    applied = world.run("apply", str(path), "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    assert "routes: 0 added, 0 changed, 2 deleted." in applied.out
    left = {(r["vpc"], r["destination"], r["nexthop_type"]) for r in world.server.route_rules()}
    assert left == {("vpc-app01", "192.168.0.0/16", "nat")}, "only the NAT rule stays"
    assert "No changes." in world.run("plan", str(path)).out


def test_a_run_without_routes_or_releases_still_reads_no_table(make_world, tmp_path):
    world = make_world(world_data(connections=[CONN], routes=RULES))
    keep = ABSENT.replace("    ensure: absent\n", "")
    shown = world.run("plan", str(write_manifest(tmp_path / "net.yaml", keep)))
    assert "No changes." in shown.out
    assert reads(world) == {"get_route_table": 0, "get_vpc": 0, "get": 0}


GZ_CONN = {"id": "peerconn-appgz00001", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-gzapp01",
           "status": "active", "local_if_id": "qpif-app2gz00001",
           "peer_if_id": "qpif-gz2app00001", "tags": {"managed-by": "peerconn",
                                                     "peerconn-stack": "net"}}
GZ_RULES = [
    {"vpc_id": "vpc-app01", "destination": "10.5.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-app2gz00001", "description": "to gz"},
    {"vpc_id": "vpc-gzapp01", "destination": "10.1.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-gz2app00001"},
]
PREPAID = """\
stack: net
region: bj
connections:
  - name: app-to-gz
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-gzapp01
    peer_region: gz
    bandwidth_in_mbps: 10
    billing: {payment_timing: Prepaid, reservation_length: 1}
"""


def test_a_replace_in_a_run_without_route_lists_re_points_the_rules(make_world, tmp_path):
    world = make_world(world_data(connections=[GZ_CONN], routes=GZ_RULES))
    path = write_manifest(tmp_path / "net.yaml", PREPAID)
    shown = world.run("plan", str(path))
    assert shown.code == 0, shown.out + shown.err
    assert "must be replaced" in shown.out
    assert shown.out.count("- route ") == 2 and shown.out.count("+ route ") == 2, shown.out
    assert "re-pointed: 0.0.0.0/0 -> 10.5.0.0/16 went through peerconn-appgz00001; " \
        "routes.local is not managed, so the rule is kept as it was" in shown.out
    applied = world.run("apply", str(path), "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    (new,) = [c for c in world.live() if not c["gone"]]
    assert {(r["vpc"], r["destination"], r["nexthop_id"], r["description"])
            for r in world.server.route_rules()} == {
        ("vpc-app01", "10.5.0.0/16", new["initiator"]["if_id"], "to gz"),
        ("vpc-gzapp01", "10.1.0.0/16", new["acceptor"]["if_id"], "")}
    assert "No changes." in world.run("plan", str(path)).out
