"""``peerconn export`` writes the route rules through the connections it adopts, and planning
the result at once shows no changes — the real CLI against the real simulator.

The world: a same-account connection whose tables route the peer VPC's primary and secondary
CIDRs (written ``peer_vpc``), a custom source with a description and the way back
(``local_vpc``); a cross-account connection (literal CIDRs: the partner's VPC cannot be read
with our keys) whose acceptor routes back through its own end; a connection without rules
(no ``routes`` key: that side stays unmanaged); and rules of other next hops (never written).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from reconciler.client import Credentials, PeerConnApi
from tests.harness import instant_world

CONNECTIONS = [
    {"id": "peerconn-same01", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-db0001",
     "bandwidth_in_mbps": 100, "local_if_id": "qpif-app2db01", "peer_if_id": "qpif-db2app01"},
    {"id": "peerconn-cross01", "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-partner1",
     "bandwidth_in_mbps": 30, "local_if_id": "qpif-web2pt01", "peer_if_id": "qpif-pt2web01"},
    {"id": "peerconn-bare01", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-cache01",
     "local_if_id": "qpif-app2ca01", "peer_if_id": "qpif-ca2app01"},
]


def through(vpc: str, destination: str, hop: str, **kw: str) -> dict[str, str]:
    return {"vpc_id": vpc, "destination": destination, "nexthop_type": "peerConn",
            "nexthop_id": hop, **kw}


ROUTES = [
    through("vpc-app01", "10.2.0.0/16", "qpif-app2db01"),
    through("vpc-app01", "10.30.0.0/16", "qpif-app2db01"),
    through("vpc-app01", "10.2.1.0/24", "qpif-app2db01", source="10.1.1.0/24",
            description="app subnet to the db tier"),
    through("vpc-db0001", "10.1.0.0/16", "qpif-db2app01", description="back: to the app"),
    through("vpc-web001", "172.20.0.0/16", "qpif-web2pt01"),
    through("vpc-partner1", "10.3.0.0/16", "qpif-pt2web01"),
    {"vpc_id": "vpc-app01", "destination": "192.168.0.0/16", "nexthop_type": "nat",
     "nexthop_id": "nat-0001"},
]


@pytest.fixture
def world(make_world):
    data = instant_world(CONNECTIONS).model_dump(mode="json")
    data["routes"] = ROUTES
    return make_world(data)


def export(world, out: Path, *args: str) -> dict:
    result = world.run("export", *args, "--region", "bj", "--out", str(out))
    assert result.code == 0, result.out + result.err
    return yaml.safe_load(out.read_text(encoding="utf-8"))


def entries(doc: dict, section: str = "connections") -> dict[str, dict]:
    return {e["name"]: e for e in doc[section]}


def assert_plans_no_changes(world, *paths: Path) -> None:
    plan = world.run("plan", *map(str, paths), "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out


def reads(world) -> dict[str, int]:
    stats = requests.get(f"{world.url}/__sim/stats", timeout=5).json()["by_operation"]
    return {op: stats[op] for op in ("list", "get_route_table", "get_vpc", "get")}


def test_same_account_routes_are_exported_with_symbols_and_plan_no_changes(world, tmp_path):
    out = tmp_path / "main.yaml"
    requests.post(f"{world.url}/__sim/reset", timeout=5)
    doc = export(world, out, "--vpc", "vpc-app01")
    conns = entries(doc)
    assert conns["app01-to-db0001"]["routes"] == {
        "local": [
            {"destination": "peer_vpc"},
            {"destination": "10.2.1.0/24", "source": "10.1.1.0/24",
             "description": "app subnet to the db tier"},
        ],
        "peer": [{"destination": "local_vpc", "description": "back: to the app"}],
    }
    assert "routes" not in conns["app01-to-cache01"]  # no rule through it: left unmanaged
    # Tables of app01, db0001 and cache01; the details of db0001 and app01 (each the other
    # end of a side with rules), none of cache01's; no peering detail call.
    assert reads(world) == {"list": 3, "get_route_table": 3, "get_vpc": 2, "get": 0}
    assert_plans_no_changes(world, out)
    # The exported sides are managed: the secondary CIDR's rule, gone, is planned back.
    account = next(a for a in world.world.accounts if a.profile == "default")
    api = PeerConnApi(Credentials(account.access_key, account.secret_key), world.url,
                      sleep=lambda _s: None)
    (secondary,) = [r for r in api.route.get_table(vpc_id="vpc-app01").rules
                    if r.destination_address == "10.30.0.0/16"]
    api.route.delete_rule(secondary.route_rule_id)
    again = world.run("plan", str(out))
    assert "+ route 10.30.0.0/16 via this connection" in again.out
    assert "routes: 1 to add, 0 to change, 0 to delete." in again.out


def test_cross_account_routes_are_literal_on_both_accounts_and_plan_no_changes(world,
                                                                               tmp_path):
    folder = tmp_path / "both"
    folder.mkdir()
    main = export(world, folder / "main.yaml", "--vpc", "vpc-web001", "--stack", "main-net")
    partner = export(world, folder / "partner.yaml", "--vpc", "vpc-partner1",
                     "--profile", "partner", "--stack", "partner-net")
    assert entries(main)["web001-to-partner1"]["routes"] == {
        "local": [{"destination": "172.20.0.0/16"}]}
    assert entries(partner, "acceptances")["partner1-from-web001"]["routes"] == {
        "local": [{"destination": "10.3.0.0/16"}]}
    assert_plans_no_changes(world, folder / "partner.yaml")
    assert_plans_no_changes(world, folder)


def test_export_of_the_acceptor_vpc_gives_the_initiator_entry_with_both_sides(world,
                                                                             tmp_path):
    doc = export(world, tmp_path / "db.yaml", "--vpc", "vpc-db0001")
    (entry,) = doc["connections"]
    assert entry["local_vpc_id"] == "vpc-app01"
    assert entry["routes"]["peer"] == [{"destination": "local_vpc",
                                        "description": "back: to the app"}]
    assert_plans_no_changes(world, tmp_path / "db.yaml")
