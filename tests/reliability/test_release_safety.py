"""Release safety: pruning releases only this stack's own leftovers, and nothing at all when
the cloud could not be read completely.

End to end through the real CLI against the simulator, with ``prune: true`` manifests. The
world holds one connection pruning should release (the positive control) next to every kind
it must leave alone: untagged, tagged by another stack, half-tagged, release-protected, active
prepaid, initiated by another account, and this stack's connection still declared (from the
other end). With any list failing — persistently, or just one VPC's list — plan and apply exit
1 and send no mutating request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import SimWorld, world_data, write

STACK = "safe"
OURS = {"managed-by": "peerconn", "peerconn-stack": STACK}


def existing(conn_id: str, local: str, peer: str, **fields: Any) -> dict[str, Any]:
    return {"id": conn_id, "local_vpc_id": local, "peer_vpc_id": peer, "bandwidth_in_mbps": 10,
            **fields}


LEFTOVER = "peerconn-leftover"  # ours, no longer declared: the one prune must release
KEEP = {
    "peerconn-untagged": existing("peerconn-untagged", "vpc-app01", "vpc-web001"),
    "peerconn-foreign": existing("peerconn-foreign", "vpc-app01", "vpc-cache01",
                                 tags={"managed-by": "peerconn", "peerconn-stack": "payments"}),
    "peerconn-halftag": existing("peerconn-halftag", "vpc-db0001", "vpc-cache01",
                                 tags={"peerconn-stack": STACK}),
    "peerconn-nostack": existing("peerconn-nostack", "vpc-gzapp01", "vpc-relay1",
                                 tags={"managed-by": "peerconn"}),
    "peerconn-protected": existing("peerconn-protected", "vpc-web001", "vpc-cache01",
                                   delete_protect=True, tags=OURS),
    "peerconn-prepaid": existing("peerconn-prepaid", "vpc-app01", "vpc-gzapp01",
                                 payment_timing="Prepaid", reservation_length=1,
                                 expires_in_days=200, tags=OURS),
    "peerconn-theirs": existing("peerconn-theirs", "vpc-partner1", "vpc-db0001", tags=OURS),
    "peerconn-declared": existing("peerconn-declared", "vpc-app01", "vpc-db0001", tags=OURS),
}
WORLD = [*KEEP.values(), existing(LEFTOVER, "vpc-db0001", "vpc-web001", tags=OURS)]

MANIFEST = f"""
stack: {STACK}
region: bj
profile: default
prune: true
connections:
  - name: db-app
    local_vpc_id: vpc-db0001
    peer_vpc_id: vpc-app01
    bandwidth_in_mbps: 10
"""
# Another file of the same stack and account: the prune scope is shared, not doubled.
SECOND_FILE = f"""
stack: {STACK}
region: gz
profile: default
prune: true
connections: []
"""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SimWorld]:
    sim = SimWorld(world_data(connections=WORLD), tmp_path)
    yield sim
    sim.stop()


@pytest.fixture
def manifests(tmp_path: Path) -> str:
    write(tmp_path / "m" / "net.yaml", MANIFEST)
    write(tmp_path / "m" / "net-gz.yaml", SECOND_FILE)
    return str(tmp_path / "m")


def records(world: SimWorld) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in world.live()}


def test_prune_releases_only_this_stacks_undeclared_unprotected_leftover(world, manifests):
    before = records(world)
    plan = world.run("plan", manifests)
    assert plan.code == 0, plan.err
    assert plan.out.count("will be released") == 1
    assert f"# {STACK}/{LEFTOVER} will be released" in plan.out
    assert "Plan: 0 to create, 0 to update, 0 to replace, 1 to release." in plan.out
    assert "not pruned: release protection is on" in plan.out
    assert "not pruned: active prepaid" in plan.out

    applied = world.run("apply", manifests, "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    after = records(world)
    assert set(after) == set(before) - {LEFTOVER}
    for conn_id in KEEP:
        assert after[conn_id] == before[conn_id], f"{conn_id} was touched"
    assert world.stats()["by_operation"]["delete"] == 1
    assert world.stats()["by_operation"]["delete_protect"] == 0

    again = world.run("plan", manifests, "--detailed-exitcode")
    assert again.code == 0 and "No changes" in again.out


def assert_refused_without_changes(world: SimWorld, result: Any, mutating: int,
                                   before: dict[str, Any]) -> None:
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    assert result.err.startswith("Error: ") and "BCE API call failed" in result.err
    assert "will be released" not in result.out
    assert world.mutating() == mutating
    world.server.set_faults(error_rate=0.0, next=())
    assert records(world) == before


def test_no_release_at_all_when_every_list_fails(world, manifests, tmp_path):
    assert world.run("validate", manifests).code == 0
    saved = world.run("plan", manifests, "--out", str(tmp_path / "plan.json"))
    assert saved.code == 0 and LEFTOVER in saved.out
    before, mutating = records(world), world.mutating()
    for command in (("plan", manifests), ("apply", manifests, "--auto-approve"),
                    ("apply", str(tmp_path / "plan.json"))):
        world.server.set_faults(error_rate=1.0, kinds=("500",))
        result = world.run(*command)
        assert "HTTP 500 InternalError" in result.err
        assert_refused_without_changes(world, result, mutating, before)


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_no_release_at_all_when_one_vpcs_list_fails(world, manifests, command):
    before, mutating = records(world), world.mutating()
    # One list at a time, and the first one's five attempts all fail: that list (the
    # account's VPCs, which the plan reads first, a VPC's connections, or the account-wide
    # prune list) is unreadable while every other list would succeed.
    world.server.set_faults(next=("500", "503", "500", "503", "500"))
    extra = ("--auto-approve",) if command == "apply" else ()
    result = world.run(command, manifests, *extra, "--parallelism", "1")
    ops = world.stats()["by_operation"]
    assert ops["list"] + ops["list_vpcs"] >= 6  # the others were listed, too
    assert_refused_without_changes(world, result, mutating, before)
