"""Release → wait → plan through the real CLI under each way BCE may answer GET of a gone id.

BCE's answer for a released connection is undocumented (specs/simulator.md): the default is the
empty 200 the official Go SDK's tests expect; 404 and a ``deleted`` view are world options.
Nothing the user sees may depend on which one the server picks.
"""

from __future__ import annotations

import pytest

from reconciler.errors import NotFoundError
from tests.e2e.test_plan_apply import api, by_pair
from tests.harness import write

MANIFEST = """
stack: net
region: bj
prune: true
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 20
    ensure: {ensure}
  - name: web-to-cache
    local_vpc_id: vpc-web001
    peer_vpc_id: vpc-cache01
    bandwidth_in_mbps: 20
"""
PRUNED = MANIFEST.split("  - name: web-to-cache")[0]


@pytest.mark.parametrize("shape", ["empty", "404", "deleted"])
def test_release_wait_and_plan_converge_whatever_get_answers(shape, make_world, tmp_path):
    timing = {"create_s": 0, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0.6}
    world = make_world(behaviour={"not_found": shape}, timing=timing)
    path = tmp_path / "net.yaml"
    write(path, MANIFEST.format(ensure="present"))
    created = world.run("apply", str(path), "--auto-approve")
    assert created.code == 0, created.out + created.err
    released_ids = [by_pair(world, "vpc-app01", "vpc-db0001").peer_conn_id,
                    by_pair(world, "vpc-web001", "vpc-cache01").peer_conn_id]

    write(path, PRUNED.format(ensure="absent"))  # one by ensure: absent, one by prune
    released = world.run("apply", str(path), "--auto-approve")
    assert released.code == 0, released.out + released.err
    assert "2 released" in released.out
    assert by_pair(world, "vpc-app01", "vpc-db0001") is None
    assert by_pair(world, "vpc-web001", "vpc-cache01") is None

    again = world.run("plan", str(path), "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out, again.out + again.err
    exported = world.run("export", "--vpc", "vpc-app01", "vpc-web001", "--region", "bj")
    assert exported.code == 0, exported.err
    assert "peerconn-" not in exported.out and "connections: []" in exported.out

    for conn_id in released_ids:  # the client reads each shape as "gone"
        try:
            assert api(world).get(conn_id).status == "deleted"
        except NotFoundError:
            assert shape != "deleted"
