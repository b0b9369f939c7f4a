"""plan → apply → plan against the real simulator over loopback, through the real CLI."""

from __future__ import annotations

import json

from reconciler.client import Credentials, PeerConnApi
from tests.harness import write

MANAGED = {"managed-by": "peerconn", "peerconn-stack": "net"}

BASE = """
stack: net
region: bj
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 100
    description: app to db
    dns_sync: true
    delete_protect: true
  - name: web-to-cache
    local_vpc_id: vpc-web001
    peer_vpc_id: vpc-cache01
    bandwidth_in_mbps: 50
"""


def api(world, profile="default") -> PeerConnApi:
    access, secret = world.server.credentials_for(profile)
    return PeerConnApi(Credentials(access, secret), world.url)


def by_pair(world, a, b):
    found = [c for c in api(world).list_all(vpc_id=a) if {c.local_vpc_id, c.peer_vpc_id} == {a, b}]
    assert len(found) <= 1, f"duplicate connections for {a}<->{b}: {found}"
    return found[0] if found else None


def test_plan_exits_2_with_expected_changes_then_0_after_apply(make_world, tmp_path):
    world = make_world(connections=[
        {"id": "peerconn-existing1", "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-cache01",
         "bandwidth_in_mbps": 20, "tags": MANAGED},
    ])
    manifest = write(tmp_path / "m" / "net.yaml", BASE)
    first = world.run("plan", str(manifest), "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "# net/app-to-db will be created" in first.out
    assert "# net/web-to-cache will be updated in place (peerconn-existing1)" in first.out
    assert "bandwidth_in_mbps = 20 -> 50" in first.out
    assert "Plan: 1 to create, 1 to update, 0 to replace, 0 to release." in first.out

    applied = world.run("apply", str(manifest), "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    assert "Apply complete!" in applied.out

    again = world.run("plan", str(manifest), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert "No changes." in again.out
    conn = by_pair(world, "vpc-app01", "vpc-db0001")
    assert conn is not None and conn.status == "active"
    assert conn.dns_status == "open" and conn.delete_protect
    assert conn.tag_map == {**MANAGED, "peerconn-name": "app-to-db"}
    assert by_pair(world, "vpc-web001", "vpc-cache01").bandwidth_in_mbps == 50


def test_plan_makes_only_list_calls_one_per_vpc_page(make_world, tmp_path):
    vpcs = [{"id": f"vpc-n{i:03d}", "region": "bj"} for i in range(40)]
    conns, entries = [], []
    for i in range(200):
        a, b = i % 40, (i % 40 + 1 + i // 40) % 40
        local, peer = f"vpc-n{a:03d}", f"vpc-n{b:03d}"
        conns.append({"local_vpc_id": local, "peer_vpc_id": peer, "bandwidth_in_mbps": 10,
                      "tags": MANAGED})
        entries.append(f"  - {{name: c{i:03d}, local_vpc_id: {local}, peer_vpc_id: {peer}, "
                       f"bandwidth_in_mbps: 10}}")
    accounts = [{"id": "acc-main", "profile": "default", "access_key": "AKSIMMAIN000001",
                 "secret_key": "SKSIMMAIN000001", "vpcs": vpcs}]
    world = make_world(accounts=accounts, connections=conns,
                       quotas={"per_vpc": 20, "per_account": 400})
    manifest = write(tmp_path / "big.yaml",
                              "stack: net\nregion: bj\nconnections:\n" + "\n".join(entries) + "\n")
    result = world.run("plan", str(manifest), "--detailed-exitcode", "--max-per-vpc", "20")
    assert result.code == 0, result.out + result.err
    ops = world.stats()["by_operation"]
    assert ops["list"] == 40  # one page per local VPC (each holds < 1000 connections)
    assert ops["list_vpcs"] == 1  # the account's VPCs in bj, for the VPC rules
    assert world.stats()["total"] == 41
    assert world.mutating() == 0


def test_saved_plan_is_refused_when_stale_and_nothing_is_sent(world, tmp_path):
    manifest = write(tmp_path / "net.yaml", BASE)
    assert world.run("apply", str(manifest), "--auto-approve").code == 0
    changed = write(tmp_path / "net.yaml", BASE.replace("bandwidth_in_mbps: 100",
                                                                  "bandwidth_in_mbps: 200"))
    plan_file = tmp_path / "plan.json"
    planned = world.run("plan", str(changed), "--out", str(plan_file))
    assert planned.code == 0 and plan_file.exists()

    conn = by_pair(world, "vpc-app01", "vpc-db0001")
    api(world).resize(conn.peer_conn_id, new_bandwidth_in_mbps=150)  # someone else acts
    before = world.mutating()

    result = world.run("apply", str(plan_file))
    assert result.code == 3
    assert "stale" in result.err
    assert "net/app-to-db: bandwidth_in_mbps was 100, now 150" in result.err
    assert world.mutating() == before
    assert by_pair(world, "vpc-app01", "vpc-db0001").bandwidth_in_mbps == 150


def test_saved_plan_applies_exactly_and_holds_no_secrets(world, tmp_path):
    manifest = write(tmp_path / "net.yaml", BASE)
    plan_file = tmp_path / "plan.json"
    assert world.run("plan", str(manifest), "--out", str(plan_file)).code == 0
    text = plan_file.read_text()
    for secret in ("AKSIMMAIN000001", "SKSIMMAIN000001"):
        assert secret not in text
    plan = json.loads(text)
    assert plan["format"] == "peerconn-plan" and plan["summary"]["create"] == 2
    shown = world.run("show", str(plan_file), "--format", "markdown")
    assert shown.code == 0 and "<details>" in shown.out
    result = world.run("apply", str(plan_file))
    assert result.code == 0, result.out + result.err
    assert world.stats()["by_operation"]["create"] == 2
    assert world.run("plan", str(manifest), "--detailed-exitcode").code == 0


def test_cross_account_create_and_accept_in_one_run(world, tmp_path):
    write(tmp_path / "x" / "main.yaml", """
        stack: main
        region: bj
        connections:
          - name: to-partner
            local_vpc_id: vpc-app01
            peer_vpc_id: vpc-partner1
            peer_account_id: acc-partner
            bandwidth_in_mbps: 20
    """)
    write(tmp_path / "x" / "partner.yaml", """
        stack: partner
        region: bj
        profile: partner
        acceptances:
          - name: from-main
            local_vpc_id: vpc-partner1
            peer_vpc_id: vpc-app01
            peer_account_id: acc-main
            dns_sync: true
            local_if_name: from-main
    """)
    result = world.run("apply", str(tmp_path / "x"), "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "done         partner/from-main: accepted" in result.out
    seen = [c for c in api(world, "partner").list_all(vpc_id="vpc-partner1")]
    assert len(seen) == 1
    assert seen[0].role == "acceptor" and seen[0].status == "active"
    assert seen[0].dns_status == "open" and seen[0].local_if_name == "from-main"
    again = world.run("plan", str(tmp_path / "x"), "--detailed-exitcode")
    assert again.code == 0, again.out


def test_apply_refuses_to_run_unattended_without_auto_approve(world, tmp_path, monkeypatch):
    manifest = write(tmp_path / "net.yaml", BASE)
    with open("/dev/null") as devnull:
        monkeypatch.setattr("sys.stdin", devnull)
        result = world.run("apply", str(manifest))
    assert result.code == 1
    assert "--auto-approve" in result.err
    assert world.mutating() == 0


def test_validate_sends_no_request(world, tmp_path):
    manifest = write(tmp_path / "net.yaml", BASE)
    assert world.run("validate", str(manifest)).code == 0
    assert world.stats()["total"] == 0
