"""Determinism: the same manifests against the same cloud give byte-identical plans whatever
the interpreter's hash seed.

The real command (``python -m reconciler``) runs as a subprocess under PYTHONHASHSEED 0, 1 and
12345, with ``PEERCONN_PLAN_TIME`` fixed, against a simulator whose connections have fixed
ids and interface ids. The manifests touch every place where a set or a dict could leak its
iteration order: several files and stacks of ignore_changes, tags, prune, notes of several
kinds, and every change kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.reliability.driver import Driver
from tests.reliability.scenarios import STACK, Scenario, manifest, world_data

SEEDS = ("0", "1", "12345")
PLAN_TIME = "2026-11-26T12:00:00Z"
OURS = {"managed-by": "peerconn", "peerconn-stack": STACK, "team": "net", "env": "prod",
        "cost.center": "42"}

LIVE: list[dict[str, Any]] = [
    # updated in place: bandwidth, description, names, DNS, protection
    {"id": "peerconn-det00001", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-db0001",
     "bandwidth_in_mbps": 10, "description": "old", "local_if_id": "qpif-det00001a",
     "peer_if_id": "qpif-det00001b", "local_if_name": "old-a", "peer_if_name": "old-b",
     "dns_sync": False, "tags": OURS},
    # replaced: failed
    {"id": "peerconn-det00002", "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-cache01",
     "status": "down", "local_if_id": "qpif-det00002a", "peer_if_id": "qpif-det00002b",
     "tags": OURS},
    # released: ensure absent
    {"id": "peerconn-det00003", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-gzapp01",
     "local_if_id": "qpif-det00003a", "peer_if_id": "qpif-det00003b", "tags": OURS},
    # pruned, and one skipped because it is protected
    {"id": "peerconn-det00004", "local_vpc_id": "vpc-db0001", "peer_vpc_id": "vpc-relay1",
     "local_if_id": "qpif-det00004a", "peer_if_id": "qpif-det00004b", "tags": OURS},
    {"id": "peerconn-det00005", "local_vpc_id": "vpc-cache01", "peer_vpc_id": "vpc-relay1",
     "delete_protect": True, "local_if_id": "qpif-det00005a", "peer_if_id": "qpif-det00005b",
     "tags": OURS},
    # accepted by the partner; owned by another stack (a warning), adopted untagged (a note)
    {"id": "peerconn-det00006", "local_vpc_id": "vpc-db0001", "peer_vpc_id": "vpc-partner1",
     "status": "consulting", "local_if_id": "qpif-det00006a", "peer_if_id": "qpif-det00006b",
     "tags": {"managed-by": "peerconn", "peerconn-stack": "other", "b": "2", "a": "1"}},
    {"id": "peerconn-det00007", "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-db0001",
     "local_if_id": "qpif-det00007a", "peer_if_id": "qpif-det00007b", "bandwidth_in_mbps": 5},
]


def conn(name: str, local: str, peer: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "local_vpc_id": local, "peer_vpc_id": peer,
            "bandwidth_in_mbps": 100, **fields}


SCENARIO = Scenario(
    files=dict([
        manifest("acc-main", "bj", part="a", prune=True, connections=[
            conn("app-db", "vpc-app01", "vpc-db0001", description="app to db",
                 local_if_name="app-db", peer_if_name="db-app", dns_sync=True,
                 delete_protect=True, tags={"z": "1", "a": "2", "m": "3"},
                 lifecycle={"ignore_changes": ["tags", "billing", "peer_region"]}),
            conn("web-cache", "vpc-web001", "vpc-cache01", dns_sync=True),
            conn("app-gz", "vpc-app01", "vpc-gzapp01", peer_region="gz", ensure="absent"),
        ]),
        manifest("acc-main", "bj", part="b", prune=True, connections=[
            conn("db-partner", "vpc-db0001", "vpc-partner1", peer_account_id="acc-partner",
                 dns_sync=True, lifecycle={"adopt_from_stack": "other"}),
            conn("web-db", "vpc-web001", "vpc-db0001", description="adopted",
                 lifecycle={"ignore_changes": ["local_if_name", "dns_sync", "description"]}),
            conn("cache-partner", "vpc-cache01", "vpc-partner1", peer_account_id="acc-partner",
                 dns_sync=True, tags={"y": "1", "x": "2"}),
            conn("app-partner2", "vpc-app01", "vpc-partner2", peer_region="gz",
                 peer_account_id="acc-partner",
                 billing={"payment_timing": "Prepaid", "reservation_length": 12,
                          "renew_within_days": 7}),
        ]),
        manifest("acc-partner", "bj", prune=True, acceptances=[
            {"name": "from-db", "local_vpc_id": "vpc-partner1", "peer_vpc_id": "vpc-db0001",
             "peer_account_id": "acc-main", "dns_sync": True, "local_if_name": "from-db",
             "description": "inbound"},
            {"name": "from-cache", "local_vpc_id": "vpc-partner1",
             "peer_vpc_id": "vpc-cache01", "peer_account_id": "acc-main"},
            {"name": "from-nowhere", "local_vpc_id": "vpc-partner1",
             "peer_vpc_id": "vpc-web001", "peer_account_id": "acc-main"},
        ]),
    ]),
    live=LIVE)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("determinism")
    paths = SCENARIO.write(folder / "manifests")
    with Driver(world_data(LIVE), folder) as driver:
        yield driver, folder, paths


def peerconn(cloud: Any, seed: str, *args: str) -> str:
    driver, folder, paths = cloud
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAIDUCLOUD_", "PEERCONN_"))}
    env.update(PYTHONHASHSEED=seed, PEERCONN_PLAN_TIME=PLAN_TIME, NO_COLOR="1",
               PEERCONN_CREDENTIALS_FILE=str(driver.creds))
    done = subprocess.run([sys.executable, "-m", "reconciler", *args, *map(str, paths),
                           "--endpoint", driver.url],
                          env=env, cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


COMMANDS = {
    "json": ("plan", "--format", "json"),
    "text": ("plan",),
    "markdown": ("plan", "--format", "markdown", "--graph"),
    "graph": ("graph", "--live"),
}


@pytest.fixture(scope="module")
def outputs(cloud: Any) -> dict[tuple[str, str], str]:
    runs = [(name, seed) for name in COMMANDS for seed in SEEDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda run: peerconn(cloud, run[1], *COMMANDS[run[0]]), runs))
    driver = cloud[0]
    assert driver.mutating() == 0  # planning never changes the cloud
    return dict(zip(runs, texts, strict=True))


def test_the_plan_covers_every_change_kind_and_note_kind(outputs):
    plan = json.loads(outputs[("json", "0")])
    kinds = {c["action"] for c in plan["changes"]}
    assert kinds == {"create", "update", "replace", "release", "accept"}
    assert any(c["address"].startswith(f"{STACK}/peerconn-") for c in plan["changes"])  # pruned
    assert {n["level"] for n in plan["notes"]} == {"info", "warning"}
    assert len(plan["notes"]) >= 4
    assert plan["created_at"] == PLAN_TIME


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_is_byte_identical_under_every_hash_seed(outputs, name):
    first = outputs[(name, SEEDS[0])]
    assert first.strip()
    for seed in SEEDS[1:]:
        assert outputs[(name, seed)] == first, f"{name} differs under PYTHONHASHSEED={seed}"
