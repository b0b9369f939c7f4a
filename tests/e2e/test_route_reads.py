"""The reads a run makes for routes, counted by the real simulator over loopback.

A run whose manifests declare no route list reads exactly what it read before routes existed
(no route table, no VPC detail, no peering detail) unless it releases something. One that
declares routes reads one route table per VPC involved and one VPC detail per VPC whose
subnets a custom source needs (symbolic destinations expand from the VPC lists), in the same
observation, and the planner-facing ``LiveState`` accessors answer from
what was read. Counts come from ``GET /__sim/stats``, the simulator's own counters.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from reconciler.cli.connect import Connector
from reconciler.client import Credentials, PeerConnApi
from reconciler.errors import ApiError
from reconciler.manifest import load_paths
from reconciler.model.routes import RouteSide
from reconciler.observe import Context, ListJob, observe, read_live
from tests.harness import write as write_manifest

APP_TO_DB = {"id": "peerconn-appdb0001", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-db0001",
             "status": "active", "local_if_id": "qpif-app2db0001", "peer_if_id": "qpif-db2app0001",
             "tags": {"managed-by": "peerconn", "peerconn-stack": "net"}}
APP_TO_CACHE = {"id": "peerconn-appcache01", "local_vpc_id": "vpc-app01",
                "peer_vpc_id": "vpc-cache01", "status": "active",
                "local_if_id": "qpif-app2cache01", "peer_if_id": "qpif-cache2app01",
                "tags": {"managed-by": "peerconn", "peerconn-stack": "net"}}
ROUTES = [
    {"vpc_id": "vpc-app01", "destination": "10.2.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-app2db0001"},
    {"vpc_id": "vpc-db0001", "destination": "10.1.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-db2app0001"},
    {"vpc_id": "vpc-app01", "destination": "192.168.0.0/16", "nexthop_type": "nat",
     "nexthop_id": "nat-0001"},
    {"vpc_id": "vpc-cache01", "destination": "10.1.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-cache2app01"},
]

HEAD = "stack: net\nregion: bj\n"
CONNECTIONS = """\
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 10
{routes}  - name: app-to-web
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-web001
    bandwidth_in_mbps: 10
"""
WITH_ROUTES = """\
    routes:
      local:
        - destination: peer_vpc
        - destination: 10.30.0.0/16
          source: 10.1.1.0/24
      peer:
        - destination: local_vpc
"""
READS = ("list", "list_vpcs", "get_route_table", "get_vpc", "get", "list_route_rules")


@pytest.fixture
def routed(make_world):
    return make_world(connections=[APP_TO_DB, APP_TO_CACHE], routes=ROUTES)


def reads(world) -> dict[str, Any]:
    stats = requests.get(f"{world.url}/__sim/stats", timeout=5).json()
    return {op: stats["by_operation"][op] for op in READS} | {"mutating": stats["mutating"]}


def plan(world, tmp_path, monkeypatch, text: str, codes=(0, 2)) -> dict[str, Any]:
    manifest = write_manifest(tmp_path / "network.yaml", text)
    requests.post(f"{world.url}/__sim/reset", timeout=5)
    result = world.run("plan", str(manifest))
    assert result.code in codes, result.out + result.err
    return reads(world)


def test_a_run_without_routes_reads_no_route_table_and_no_vpc_detail(routed, tmp_path,
                                                                   monkeypatch):
    counted = plan(routed, tmp_path, monkeypatch, HEAD + CONNECTIONS.format(routes=""))
    assert counted == {"list": 1, "list_vpcs": 1, "get_route_table": 0, "get_vpc": 0, "get": 0,
                       "list_route_rules": 0, "mutating": 0}


def test_a_run_with_routes_reads_each_table_and_each_needed_vpc_once(routed, tmp_path,
                                                                    monkeypatch):
    counted = plan(routed, tmp_path, monkeypatch, HEAD + CONNECTIONS.format(routes=WITH_ROUTES))
    # tables: vpc-app01, vpc-db0001, vpc-web001 (every VPC the run touches: a release or an
    # unmanaged side needs them too); details: vpc-app01 only (the custom source's subnets;
    # peer_vpc and local_vpc expand from the account's VPC list, which carries every cidr and
    # secondaryCidr); lists: app01, and the two peer ends.
    assert counted == {"list": 3, "list_vpcs": 1, "get_route_table": 3, "get_vpc": 1, "get": 0,
                       "list_route_rules": 0, "mutating": 0}


def test_an_empty_route_list_is_enough_to_read_the_tables(routed, tmp_path, monkeypatch):
    routes = "    routes:\n      local: []\n"
    counted = plan(routed, tmp_path, monkeypatch, HEAD + CONNECTIONS.format(routes=routes))
    assert (counted["get_route_table"], counted["get_vpc"], counted["get"]) == (3, 0, 0)


def test_routes_with_an_empty_mapping_manage_nothing_and_read_nothing(routed, tmp_path,
                                                                    monkeypatch):
    counted = plan(routed, tmp_path, monkeypatch,
                   HEAD + CONNECTIONS.format(routes="    routes: {}\n"))
    assert (counted["get_route_table"], counted["get_vpc"]) == (0, 0)


def live_of(world, tmp_path, text: str):
    manifest = write_manifest(tmp_path / "network.yaml", text)
    desired = load_paths([manifest])
    connector = Connector(env={}, endpoint=world.url, credentials_file=world.creds)
    return desired, read_live(desired, connector.api_for)


def test_live_state_answers_the_planners_route_questions(routed, tmp_path):
    desired, live = live_of(routed, tmp_path, HEAD + CONNECTIONS.format(routes=WITH_ROUTES))
    app = live.route_rules("vpc-app01")
    assert app is not None
    assert app[("0.0.0.0/0", "10.2.0.0/16")].nexthop_id == "qpif-app2db0001"
    assert app[("0.0.0.0/0", "192.168.0.0/16")].nexthop_type == "nat"
    assert app[("0.0.0.0/0", "10.1.1.0/24")].is_system
    table = live.route_table("vpc-app01")
    assert table is not None and table.vpc_id == "vpc-app01" and table.route_table_id
    assert live.vpc_cidrs("vpc-db0001") == ("10.2.0.0/16", "10.30.0.0/16")
    assert [s.subnet_id for s in live.subnets("vpc-app01") or ()] == ["sbn-app01a"]
    assert live.vpc_detail("vpc-web001") is None and not live.vpc_detail_read("vpc-web001")
    assert live.route_table_read("vpc-web001") and live.route_table("vpc-web001") is not None
    conn = desired.connections[0]
    local, peer = (conn.routes_local or ())[0], (conn.routes_peer or ())[0]
    assert (local.side, live.next_hop(local)) == (RouteSide.LOCAL, "qpif-app2db0001")
    assert (peer.side, live.next_hop(peer)) == (RouteSide.PEER, "qpif-db2app0001")
    assert [(vpc, r.destination_address) for vpc, r in
            live.rules_via(["qpif-app2db0001", "qpif-db2app0001"])] == [
        ("vpc-app01", "10.2.0.0/16"), ("vpc-db0001", "10.1.0.0/16")]


def test_prune_reads_the_tables_of_the_connections_it_may_release(routed, tmp_path, monkeypatch):
    text = "stack: net\nregion: bj\nprune: true\n" + CONNECTIONS.format(routes=WITH_ROUTES)
    _, live = live_of(routed, tmp_path, text)
    assert live.route_table_read("vpc-cache01")
    assert [(vpc, r.nexthop_id) for vpc, r in live.rules_via(["qpif-cache2app01"])] == [
        ("vpc-cache01", "qpif-cache2app01")]
    without = "stack: net\nregion: bj\nprune: true\n" + CONNECTIONS.format(routes="")
    counted = plan(routed, tmp_path, monkeypatch, without)
    # Without routes the tables are read only for what the plan releases: app-to-cache's
    # two ends (so that its rules are deleted first; tests/e2e/test_routes_release_reads.py).
    assert (counted["get_route_table"], counted["get_vpc"]) == (2, 0)


CROSS = """\
stack: net
region: bj
connections:
  - name: app-to-partner
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-partner1
    peer_account_id: "acc-partner"
    bandwidth_in_mbps: 10
    routes:
      local:
        - destination: peer_vpc
"""
PARTNER = """\
stack: partner
region: bj
profile: partner
acceptances:
  - name: from-app
    local_vpc_id: vpc-partner1
    peer_vpc_id: vpc-app01
    peer_account_id: "acc-main"
    routes:
      local:
        - destination: peer_vpc
"""


def test_another_accounts_vpc_is_read_only_through_that_accounts_entry(world, tmp_path,
                                                                       monkeypatch):
    # Alone, the plan fails (peer_vpc cannot be expanded) without reading the partner's VPC.
    alone = plan(world, tmp_path, monkeypatch, CROSS, codes=(1,))
    assert (alone["get_route_table"], alone["get_vpc"]) == (1, 0)
    write_manifest(tmp_path / "partner.yaml", PARTNER)
    desired = load_paths([tmp_path / "network.yaml", tmp_path / "partner.yaml"])
    connector = Connector(env={}, endpoint=world.url, credentials_file=world.creds)
    requests.post(f"{world.url}/__sim/reset", timeout=5)
    live = read_live(desired, connector.api_for)
    assert live.vpc_cidrs("vpc-partner1") == ("172.20.0.0/16",)
    assert live.vpc_cidrs("vpc-app01") == ("10.1.0.0/16",)
    assert live.route_table_read("vpc-partner1") and live.route_table_read("vpc-app01")
    # Each account's VPC list (not a detail call) gives the other side's CIDRs.
    assert (reads(world)["get_vpc"], reads(world)["get_route_table"]) == (0, 2)


def test_a_missing_vpc_is_an_answer_not_a_failed_observation(world, tmp_path):
    text = HEAD + CONNECTIONS.format(routes=WITH_ROUTES).replace("vpc-db0001", "vpc-nosuch1")
    _, live = live_of(world, tmp_path, text)
    assert live.route_table_read("vpc-nosuch1") and live.route_table("vpc-nosuch1") is None
    assert live.vpc_cidrs("vpc-nosuch1") is None


def test_a_plan_with_a_missing_peer_vpc_still_names_the_field(world, tmp_path, monkeypatch):
    text = HEAD + CONNECTIONS.format(routes=WITH_ROUTES).replace("vpc-db0001", "vpc-nosuch1")
    manifest = write_manifest(tmp_path / "network.yaml", text)
    result = world.run("plan", str(manifest))
    assert result.code == 1 and "Traceback" not in result.err
    assert f"{manifest}:6:18: connections[0].peer_vpc_id:" in result.err


def test_a_failing_route_read_fails_the_whole_observation(world):
    requests.post(f"{world.url}/__sim/faults", json={"error_rate": 1.0, "kinds": ["500"]},
                  timeout=5)
    account = next(a for a in world.server.world.accounts if a.profile == "default")
    api = PeerConnApi(Credentials(account.access_key, account.secret_key), world.url,
                      sleep=lambda _s: None)
    ctx = Context(None, "bj")
    with pytest.raises(ApiError):
        observe([ListJob(ctx, "vpc-app01", "route_table")], lambda _ctx: api)
    with pytest.raises(ApiError):
        observe([ListJob(ctx, "vpc-app01", "vpc_detail")], lambda _ctx: api)


def test_an_invalid_route_is_refused_before_anything_is_sent(world, tmp_path, monkeypatch):
    bad = WITH_ROUTES.replace("10.30.0.0/16", "10.30.0.1/16")
    manifest = write_manifest(tmp_path / "network.yaml", HEAD + CONNECTIONS.format(routes=bad))
    result = world.run("plan", str(manifest))
    assert result.code == 1 and "Traceback" not in result.err
    assert (f"{manifest}:11:24: connections[0].routes.local[1].destination: '10.30.0.1/16' has "
            "host bits set") in result.err
    assert requests.get(f"{world.url}/__sim/stats", timeout=5).json()["total"] == 0
