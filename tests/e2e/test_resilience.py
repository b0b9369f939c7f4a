"""Faults, crashes and concurrent runners: apply converges and never makes a duplicate."""

from __future__ import annotations

import collections
import signal
import time

import pytest

from tests.harness import write

FLEET = """
stack: net
region: bj
connections:
  - {name: app-db, local_vpc_id: vpc-app01, peer_vpc_id: vpc-db0001, bandwidth_in_mbps: 10,
     dns_sync: true, description: a}
  - {name: web-cache, local_vpc_id: vpc-web001, peer_vpc_id: vpc-cache01, bandwidth_in_mbps: 20,
     delete_protect: true}
  - {name: app-web, local_vpc_id: vpc-app01, peer_vpc_id: vpc-web001, bandwidth_in_mbps: 30,
     local_if_name: app-web}
  - {name: db-cache, local_vpc_id: vpc-db0001, peer_vpc_id: vpc-cache01, bandwidth_in_mbps: 40,
     dns_sync: true}
  - {name: app-gz, local_vpc_id: vpc-app01, peer_vpc_id: vpc-gzapp01, peer_region: gz,
     bandwidth_in_mbps: 50}
  - {name: to-partner, local_vpc_id: vpc-cache01, peer_vpc_id: vpc-partner1,
     peer_account_id: acc-partner, bandwidth_in_mbps: 60}
acceptances: []
"""

PARTNER = """
stack: partner
region: bj
profile: partner
acceptances:
  - {name: from-main, local_vpc_id: vpc-partner1, peer_vpc_id: vpc-cache01,
     peer_account_id: acc-main, dns_sync: true}
"""


def fleet(tmp_path):
    write(tmp_path / "m" / "net.yaml", FLEET)
    write(tmp_path / "m" / "partner.yaml", PARTNER)
    return tmp_path / "m"


def assert_no_duplicates(world):
    pairs = collections.Counter(frozenset((c["initiator"]["vpc_id"], c["acceptor"]["vpc_id"]))
                                for c in world.live() if not c["gone"])
    dupes = {tuple(sorted(p)): n for p, n in pairs.items() if n > 1}
    assert not dupes, f"duplicate connections: {dupes}"


def converged(world, path) -> bool:
    result = world.run("plan", str(path), "--detailed-exitcode")
    return result.code == 0


@pytest.mark.parametrize("ignore_tokens", [False, True], ids=["tokens", "server-ignores-tokens"])
def test_apply_converges_within_three_runs_under_30_percent_faults(world, tmp_path,
                                                                   ignore_tokens):
    path = fleet(tmp_path)
    world.server.set_faults(error_rate=0.3, seed=11, retry_after_s=0,
                            kinds=("500", "503", "throttle", "drop", "lost"),
                            ignore_client_tokens=ignore_tokens)
    runs = 0
    for runs in range(1, 4):  # noqa: B007 - the count is asserted below
        world.run("apply", str(path), "--auto-approve")
        assert_no_duplicates(world)
        world.server.set_faults(error_rate=0.0)
        done = converged(world, path)
        world.server.set_faults(error_rate=0.3)
        if done:
            break
    assert runs <= 3 and done, "did not converge within three applies"
    outcomes = world.stats()["by_outcome"]
    assert sum(outcomes.get(k, 0) for k in ("500", "503", "throttle", "drop", "lost")) > 5
    assert len([c for c in world.live() if not c["gone"]]) == 6


@pytest.mark.parametrize("ignore_tokens", [False, True], ids=["tokens", "server-ignores-tokens"])
@pytest.mark.parametrize(
    ("operation", "count"),
    [("list", 1), ("create", 1), ("create", 3), ("open_dns", 1), ("accept", 1)],
    ids=["after-first-list", "after-first-create", "after-third-create", "during-dns",
         "after-accept"],
)
def test_apply_killed_mid_run_then_rerun_converges(make_world, tmp_path,
                                                   ignore_tokens, operation, count):
    world = make_world(timing={"create_s": 0.4, "accept_s": 0.3, "resize_s": 0.2,
                               "dns_s": 0.4, "delete_s": 0.2})
    world.server.set_faults(ignore_client_tokens=ignore_tokens)
    path = fleet(tmp_path)
    proc = world.spawn("apply", str(path), "--auto-approve")
    deadline = time.monotonic() + 20
    while world.stats()["by_operation"].get(operation, 0) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert_no_duplicates(world)

    rerun = world.run("apply", str(path), "--auto-approve", "--timeout", "15")
    assert rerun.code == 0, rerun.out + rerun.err
    assert_no_duplicates(world)
    final = world.run("plan", str(path), "--detailed-exitcode")
    assert final.code == 0, rerun.out + final.out
    assert len([c for c in world.live() if not c["gone"]]) == 6


def test_two_concurrent_applies_make_no_duplicates(make_world, tmp_path):
    world = make_world(timing={"create_s": 0.3, "accept_s": 0.2, "resize_s": 0.1,
                               "dns_s": 0.2, "delete_s": 0.1})
    path = fleet(tmp_path)
    procs = [world.spawn("apply", str(path), "--auto-approve") for _ in range(2)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert_no_duplicates(world)
    for code, out, err in results:
        assert "Traceback" not in out + err
        # The loser fails cleanly: its plan went stale (3), or a step failed and says so (1).
        assert code in (0, 1, 3), out + err
        if code == 3:
            assert "stale; nothing was changed" in err
        if code == 1:
            assert "failed" in out or "Error:" in err
    if not converged(world, path):
        assert world.run("apply", str(path), "--auto-approve").code == 0
    assert converged(world, path)
    assert len([c for c in world.live() if not c["gone"]]) == 6
