"""Ctrl-C and SIGTERM during a real ``peerconn apply`` subprocess against the simulator.

Each test waits for a progress line the apply prints after BCE accepted its creates (not a
sleep), then signals. The simulator's creates take 20 s, so an apply that ignored the signal
could not exit in time, and one that started its next step would show an ``open_dns`` call.
"""

from __future__ import annotations

import signal
import subprocess
import time

from tests.harness import write

SLOW = {"create_s": 20, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0}

TWO = """
stack: net
region: bj
connections:
  - {name: app-to-db, local_vpc_id: vpc-app01, peer_vpc_id: vpc-db0001, bandwidth_in_mbps: 10,
     dns_sync: true}
  - {name: web-to-cache, local_vpc_id: vpc-web001, peer_vpc_id: vpc-cache01,
     bandwidth_in_mbps: 20}
"""


def start(world, tmp_path) -> tuple[subprocess.Popen[str], str]:
    path = write(tmp_path / "m" / "net.yaml", TWO)
    proc = world.spawn("apply", str(path), "--auto-approve")
    accepted = 0
    assert proc.stdout is not None
    for line in proc.stdout:  # deterministic: both creates are accepted, both are waiting
        accepted += "create accepted" in line
        if accepted == 2:
            return proc, str(path)
    raise AssertionError("apply ended before its creates were accepted: " + proc.communicate()[1])


def stop(proc: subprocess.Popen[str], signum: int) -> tuple[float, str, str]:
    started = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=15)
    return time.monotonic() - started, out, err


def test_sigint_mid_wait_stops_prints_the_summary_exits_130_and_a_rerun_converges(
        make_world, tmp_path):
    world = make_world(timing=SLOW)
    proc, path = start(world, tmp_path)
    sent = world.mutating()
    took, out, err = stop(proc, signal.SIGINT)

    assert proc.returncode == 130, out + err
    assert took < 3, f"took {took:.1f}s to stop"
    assert "Traceback" not in out + err
    assert "Interrupt received" in err
    assert "Apply interrupted: 2 interrupted; 2 created, 0 updated" in out
    assert "net/app-to-db [id=peerconn-" in out
    assert "created, not yet active; interrupted while waiting for status active" in out
    assert "(steps done: create; not done: open_dns)" in out
    assert world.mutating() == sent, "a mutating call was made after the signal"
    assert world.stats()["by_operation"]["open_dns"] == 0

    world.server.advance(30)  # the creates finish while nobody watches
    again = world.run("plan", path, "--detailed-exitcode")
    assert again.code == 2 and "dns_sync = false -> true" in again.out, again.out + again.err
    assert "will be created" not in again.out  # a re-plan picks up where it stopped
    applied = world.run("apply", path, "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    final = world.run("plan", path, "--detailed-exitcode")
    assert final.code == 0 and "No changes." in final.out
    assert len([c for c in world.live() if not c["gone"]]) == 2


def test_sigterm_mid_wait_stops_the_same_way_with_exit_143(make_world, tmp_path):
    world = make_world(timing=SLOW)
    proc, _ = start(world, tmp_path)
    sent = world.mutating()
    took, out, err = stop(proc, signal.SIGTERM)

    assert proc.returncode == 143, out + err
    assert took < 3
    assert "Traceback" not in out + err
    assert "Terminate signal received" in err
    assert "Apply interrupted: 2 interrupted; 2 created" in out
    assert world.mutating() == sent


def test_a_second_sigint_exits_at_once_without_a_traceback(make_world, tmp_path):
    world = make_world(timing=SLOW)
    proc, _ = start(world, tmp_path)
    # Every poll now takes 3 s, so after the first Ctrl-C apply is still waiting on the list
    # calls in flight when the second arrives.
    world.server.set_faults(latency_ms=3000)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    assert proc.stderr is not None
    assert "Interrupt received" in proc.stderr.readline() + proc.stderr.readline()
    took, out, err = stop(proc, signal.SIGINT)

    assert proc.returncode == 130
    assert took < 1, f"took {took:.1f}s after the second Ctrl-C"
    assert "received again: exiting now" in err
    assert "Traceback" not in out + err
