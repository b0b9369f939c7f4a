"""A change reverted and re-applied on the same day converges (issue: tokens never swallow a
legitimate change), through the real CLI against the simulator, which honours clientTokens.

Each sequence applies A, then B, then A again; every apply must end with the manifest's values
live and the next plan empty. With ``PEERCONN_PLAN_TIME`` fixed, two plans are the same plan
(same tokens): apply must notice the server's replay and send the call again.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_plan_apply import by_pair
from tests.harness import write

CONN = """
stack: net
region: bj
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: {bw}
    description: {desc}
    dns_sync: {dns}
    delete_protect: {protect}
    ensure: {ensure}
"""
START = {"bw": 50, "desc": "one", "dns": "true", "protect": "true", "ensure": "present"}
FLIPS = {"bw": 80, "desc": "two", "dns": "false", "protect": "false"}


def apply_and_check(world, path, values):
    write(path, CONN.format(**values))
    applied = world.run("apply", str(path), "--auto-approve", "--timeout", "20")
    assert applied.code == 0, applied.out + applied.err
    live = by_pair(world, "vpc-app01", "vpc-db0001")
    if values["ensure"] == "absent":
        assert live is None
    else:
        assert live is not None and live.status == "active"
        assert (live.bandwidth_in_mbps, live.description) == (values["bw"], values["desc"])
        assert live.dns_sync is (values["dns"] == "true")
        assert live.delete_protect is (values["protect"] == "true")
    again = world.run("plan", str(path), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    return applied


@pytest.mark.parametrize("field", sorted(FLIPS))
@pytest.mark.parametrize("clock", ["running", "fixed"])
def test_a_reverted_change_reapplied_the_same_day_converges(field, clock, world, tmp_path,
                                                             monkeypatch):
    if clock == "fixed":
        monkeypatch.setenv("PEERCONN_PLAN_TIME", "2026-12-01T09:00:00Z")
    path = tmp_path / "net.yaml"
    apply_and_check(world, path, START)
    for values in ({**START, field: FLIPS[field]}, START, {**START, field: FLIPS[field]}):
        apply_and_check(world, path, values)


@pytest.mark.parametrize("clock", ["running", "fixed"])
def test_absent_then_present_again_the_same_day_creates_a_new_connection(clock, world, tmp_path,
                                                                          monkeypatch):
    # With the clock fixed the second create's DNS step has the first one's planned token:
    # bound to the new connection's id at apply time, it is a new call (found by the search).
    if clock == "fixed":
        monkeypatch.setenv("PEERCONN_PLAN_TIME", "2026-12-01T09:00:00Z")
    path = tmp_path / "net.yaml"
    unprotected = {**START, "protect": "false"}
    apply_and_check(world, path, unprotected)
    first = by_pair(world, "vpc-app01", "vpc-db0001").peer_conn_id
    apply_and_check(world, path, {**unprotected, "ensure": "absent"})
    applied = apply_and_check(world, path, unprotected)
    second = by_pair(world, "vpc-app01", "vpc-db0001").peer_conn_id
    assert second != first
    assert "1 created" in applied.out
    apply_and_check(world, path, {**unprotected, "ensure": "absent"})
    apply_and_check(world, path, unprotected)
    assert world.stats()["by_operation"]["create"] >= 3
