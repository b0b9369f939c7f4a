"""Every change kind applied through the CLI and verified through the API, then no drift."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.test_plan_apply import MANAGED, api, by_pair
from tests.harness import write


def converge(world, path, *, expect_in_plan: str = ""):
    plan = world.run("plan", str(path))
    assert plan.code == 0, plan.err
    if expect_in_plan:
        assert expect_in_plan in plan.out, plan.out
    result = world.run("apply", str(path), "--auto-approve")
    assert result.code == 0, result.out + result.err
    again = world.run("plan", str(path), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    return result


CONN = """
stack: net
region: bj
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: {bw}
    description: {desc}
    local_if_name: {name}
    dns_sync: {dns}
    delete_protect: {protect}
"""


def test_update_resize_dns_and_protection_in_place(world, tmp_path):
    path = tmp_path / "net.yaml"
    write(path, CONN.format(bw=100, desc="one", name="a", dns="true", protect="true"))
    converge(world, path, expect_in_plan="will be created")
    first = by_pair(world, "vpc-app01", "vpc-db0001")

    write(path, CONN.format(bw=300, desc="two", name="b", dns="false", protect="false"))
    converge(world, path, expect_in_plan="bandwidth_in_mbps = 100 -> 300")
    now = by_pair(world, "vpc-app01", "vpc-db0001")
    assert now.peer_conn_id == first.peer_conn_id
    assert (now.bandwidth_in_mbps, now.description, now.local_if_name) == (300, "two", "b")
    assert now.dns_status == "close" and not now.delete_protect
    assert world.stats()["by_operation"]["create"] == 1


def test_peer_if_name_updates_the_acceptor_end(world, tmp_path):
    path = tmp_path / "net.yaml"
    text = CONN.format(bw=100, desc="d", name="a", dns="false", protect="false")
    write(path, text + "    peer_if_name: first\n")
    converge(world, path)
    write(path, text + "    peer_if_name: second\n")
    converge(world, path, expect_in_plan='peer_if_name = "first" -> "second"')
    (peer_end,) = list(api(world).list_all(vpc_id="vpc-db0001"))
    assert peer_end.role == "acceptor" and peer_end.local_if_name == "second"


def test_release_protected_connection_when_manifest_turns_protection_off(world, tmp_path):
    path = tmp_path / "net.yaml"
    write(path, CONN.format(bw=100, desc="d", name="a", dns="false", protect="true"))
    converge(world, path)
    write(path, CONN.format(bw=100, desc="d", name="a", dns="false", protect="false")
                   + "    ensure: absent\n")
    result = converge(world, path, expect_in_plan="steps: protect_off -> release")
    assert "released" in result.out
    assert by_pair(world, "vpc-app01", "vpc-db0001") is None


def test_release_of_protected_connection_is_blocked_at_plan_time(world, tmp_path):
    path = tmp_path / "net.yaml"
    write(path, CONN.format(bw=100, desc="d", name="a", dns="false", protect="true"))
    converge(world, path)
    blocked = CONN.format(bw=100, desc="d", name="a", dns="false", protect="true")
    write(path, blocked.replace("    delete_protect: true\n", "") + "    ensure: absent\n")
    before = world.mutating()
    result = world.run("plan", str(path))
    assert result.code == 1
    assert "release protection" in result.err and "net.yaml:" in result.err
    assert world.mutating() == before


def test_replace_when_payment_timing_changes(world, tmp_path):
    path = tmp_path / "net.yaml"
    body = """
        stack: net
        region: bj
        connections:
          - name: to-gz
            local_vpc_id: vpc-app01
            peer_vpc_id: vpc-gzapp01
            peer_region: gz
            bandwidth_in_mbps: 10
            billing: {billing}
    """
    write(path, body.format(billing="{payment_timing: Postpaid}"))
    converge(world, path)
    old = by_pair(world, "vpc-app01", "vpc-gzapp01")
    write(path, body.format(billing="{payment_timing: Prepaid, reservation_length: 1}"))
    converge(world, path, expect_in_plan="must be replaced")
    new = by_pair(world, "vpc-app01", "vpc-gzapp01")
    assert new.peer_conn_id != old.peer_conn_id
    assert new.payment_timing == "Prepaid" and new.status == "active"


@pytest.mark.parametrize("status", ["down", "consult_failed", "error"])
def test_failed_connection_is_replaced(make_world, tmp_path, status):
    world = make_world(connections=[{"id": "peerconn-broken1", "local_vpc_id": "vpc-app01",
                                     "peer_vpc_id": "vpc-db0001", "bandwidth_in_mbps": 10,
                                     "status": status, "tags": MANAGED}])
    path = write(tmp_path / "net.yaml", """
        stack: net
        region: bj
        connections:
          - {name: app-to-db, local_vpc_id: vpc-app01, peer_vpc_id: vpc-db0001, bandwidth_in_mbps: 10}
    """)
    converge(world, path, expect_in_plan=f"live status is {status}")
    now = by_pair(world, "vpc-app01", "vpc-db0001")
    assert now.peer_conn_id != "peerconn-broken1" and now.status == "active"


def test_prepaid_connection_is_renewed_inside_the_window(make_world, tmp_path):
    world = make_world(connections=[{"id": "peerconn-prepaid1", "local_vpc_id": "vpc-app01",
                                     "peer_vpc_id": "vpc-gzapp01", "bandwidth_in_mbps": 10,
                                     "payment_timing": "Prepaid", "reservation_length": 1,
                                     "expires_in_days": 3, "tags": MANAGED}])
    before = by_pair(world, "vpc-app01", "vpc-gzapp01").expired_time
    path = write(tmp_path / "net.yaml", """
        stack: net
        region: bj
        connections:
          - name: to-gz
            local_vpc_id: vpc-app01
            peer_vpc_id: vpc-gzapp01
            peer_region: gz
            bandwidth_in_mbps: 10
            billing: {payment_timing: Prepaid, reservation_length: 2, renew_within_days: 7}
    """)
    converge(world, path, expect_in_plan="renew")
    after = by_pair(world, "vpc-app01", "vpc-gzapp01").expired_time
    parse = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)  # noqa: E731
    assert (parse(after) - parse(before)).days >= 55


def test_consulting_request_is_rejected(make_world, tmp_path):
    world = make_world(connections=[{"id": "peerconn-ask1", "local_vpc_id": "vpc-app01",
                                     "peer_vpc_id": "vpc-partner1", "bandwidth_in_mbps": 10,
                                     "status": "consulting"}])
    path = write(tmp_path / "partner.yaml", """
        stack: partner
        region: bj
        profile: partner
        acceptances:
          - {name: no-thanks, local_vpc_id: vpc-partner1, peer_vpc_id: vpc-app01,
             peer_account_id: acc-main, accept: false}
    """)
    result = world.run("apply", str(path), "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "rejected" in result.out
    initiator = by_pair(world, "vpc-app01", "vpc-partner1")
    assert initiator.status == "consult_failed"
