"""Routes through faults, a killed ``peerconn apply`` and two concurrent ones: afterwards no route
table holds two rules of one (source, destination), no rule goes through a released connection,
every declared rule is there through its connection, and the plan shows no changes.

The fleet: three same-account connections declaring rules on both sides (symbols, a literal
with a subnet source, a description), a leftover of the stack pruned with rules in two tables
under ``release_with_routes: keep`` (BCE would leave them dangling; peerconn must delete them
first), and an out-of-band NAT rule nobody may touch. Real processes (``SimWorld.spawn``) and
the real CLI in this process (``SimWorld.run``), against the simulator over loopback.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from tests.harness import SimWorld, world_data, write
from tests.reliability.route_invariants import assert_declared_routes, assert_route_invariants
from tests.reliability.scenarios import render_manifest

STACK = "net"
OURS = {"managed-by": "peerconn", "peerconn-stack": STACK}
TIMING = {"create_s": 0.3, "accept_s": 0.2, "resize_s": 0.1, "dns_s": 0.2, "delete_s": 0.2}
PEER = {"local": [{"destination": "peer_vpc"}], "peer": [{"destination": "local_vpc"}]}
FLEET: dict[str, Any] = {"stack": STACK, "region": "bj", "profile": "default", "prune": True,
                         "connections": [
    {"name": "app-db", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-db0001",
     "bandwidth_in_mbps": 10, "routes": {
         "local": [{"destination": "peer_vpc"},
                   {"destination": "192.168.0.0/16", "source": "10.1.1.0/24"}],
         "peer": [{"destination": "local_vpc", "description": "back to the app tier"}]}},
    {"name": "web-cache", "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-cache01",
     "bandwidth_in_mbps": 20, "routes": PEER},
    {"name": "app-gz", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-gzapp01",
     "peer_region": "gz", "bandwidth_in_mbps": 10, "routes": PEER},
]}
LEFTOVER = {"id": "peerconn-leftover", "local_vpc_id": "vpc-db0001", "peer_vpc_id": "vpc-web001",
            "bandwidth_in_mbps": 10, "tags": OURS, "local_if_id": "qpif-leftdb00",
            "peer_if_id": "qpif-leftweb0"}
ROUTES = [
    {"vpc_id": "vpc-db0001", "destination": "10.3.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-leftdb00"},
    {"vpc_id": "vpc-web001", "destination": "10.2.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-leftweb0"},
    {"vpc_id": "vpc-app01", "destination": "172.31.0.0/16", "nexthop_type": "nat",
     "nexthop_id": "nat-0001"},
]
ROUTE_OPS = ("create_route_rule", "delete_route_rule")


@pytest.fixture
def fleet(make_world, tmp_path) -> tuple[SimWorld, str]:
    world = make_world(world_data(timing=TIMING, connections=[LEFTOVER], routes=ROUTES,
                                  behaviour={"release_with_routes": "keep"}))
    path = write(tmp_path / "m" / "net.yaml", render_manifest(FLEET))
    return world, str(path)


def settled(world: SimWorld, path: str) -> None:
    """The plan shows no changes, the tables hold what the manifest declares, the NAT rule
    is untouched and the leftover is released."""
    final = world.run("plan", path, "--detailed-exitcode")
    assert final.code == 0, final.out + final.err
    assert_route_invariants(world.server)
    assert_declared_routes(world.server, {("acc-main", "bj"): FLEET})
    assert any(r["nexthop_id"] == "nat-0001" for r in world.server.route_rules())
    assert LEFTOVER["id"] not in {c["id"] for c in world.live()}
    assert len(world.live()) == 3


def finish(world: SimWorld, path: str) -> None:
    rerun = world.run("apply", path, "--auto-approve", "--timeout", "15")
    assert rerun.code == 0, rerun.out + rerun.err
    settled(world, path)


SLOW = pytest.mark.slow  # the other variants: --runslow or PEERCONN_SLOW=1 (tests/conftest.py)


@pytest.mark.parametrize("ignore_tokens", [pytest.param(False, marks=SLOW), True],
                         ids=["tokens", "server-ignores-tokens"])
def test_route_applies_converge_under_30_percent_faults(fleet, ignore_tokens):
    world, path = fleet
    for run in range(1, 4):
        world.server.set_faults(error_rate=0.3, seed=5 + run, retry_after_s=0,
                                kinds=("500", "503", "throttle", "drop", "lost"),
                                ignore_client_tokens=ignore_tokens)
        world.run("apply", path, "--auto-approve", "--timeout", "15")
        world.server.set_faults(error_rate=0.0)
        assert_route_invariants(world.server)
        if world.run("plan", path, "--detailed-exitcode").code == 0:
            break
    settled(world, path)
    outcomes = world.stats()["by_outcome"]
    assert sum(outcomes.get(k, 0) for k in ("500", "503", "throttle", "drop", "lost")) > 5
    assert world.stats()["by_operation"]["create_route_rule"] >= 7


@pytest.mark.parametrize(
    ("operation", "count", "ignore_tokens"),
    [("delete_route_rule", 1, False), pytest.param("create", 2, True, marks=SLOW),
     pytest.param("create_route_rule", 1, False, marks=SLOW), ("create_route_rule", 4, True)],
    ids=["after-first-route-delete", "after-second-create", "after-first-route-create",
         "after-fourth-route-create"])
def test_apply_killed_mid_routes_then_rerun_converges(fleet, operation, count, ignore_tokens):
    world, path = fleet
    world.server.set_faults(ignore_client_tokens=ignore_tokens)
    proc = world.spawn("apply", path, "--auto-approve")
    deadline = time.monotonic() + 20
    while world.stats()["by_operation"].get(operation, 0) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert_route_invariants(world.server)
    finish(world, path)


@pytest.mark.parametrize("saved", [False, True], ids=["same-manifest", "same-plan-file"])
def test_two_concurrent_applies_leave_no_duplicate_and_no_dangling_rule(fleet, tmp_path, saved):
    world, path = fleet
    target = [path, "--auto-approve"]
    if saved:
        planned = world.run("plan", path, "--out", str(tmp_path / "plan.json"))
        assert planned.code == 0, planned.err
        target = [str(tmp_path / "plan.json")]
    procs = [world.spawn("apply", *target) for _ in range(2)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert_route_invariants(world.server)
    for code, out, err in results:
        assert "Traceback" not in out + err
        assert code in (0, 1, 3), out + err  # the loser is stale (3) or says what failed (1)
    assert any(code == 0 for code, _, _ in results), results
    if world.run("plan", path, "--detailed-exitcode").code != 0:
        finish(world, path)
    settled(world, path)
    ops = world.stats()["by_operation"]
    assert sum(ops.get(op, 0) for op in ROUTE_OPS) >= 9  # 7 rules added, 2 deleted
