"""Canary credentials: through the whole command-line flow at ``--log-level debug``, no access
key, secret key or derived signing key appears in any output, log record or file written.

Both simulated accounts get canary keys (every one contains ``CANARY``). The flow runs the
real CLI in this process (stdout, stderr and every log record at DEBUG are captured) and as
real subprocesses with debug logging on stderr: validate, plan --out, show, apply of the saved
plan, plan, export, graph --live, an apply of a stale plan, an apply that fails under
injected faults (and one that retries through dropped and lost responses), and a run whose
secret is wrong but still carries the canary prefix. Then everything captured, and every file
under the test's directory but the credentials files, is searched.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.client.signing import AUTH_VERSION, DEFAULT_EXPIRATION, format_timestamp
from tests.harness import Result, SimWorld, world_data, write

MAIN = ("AKCANARY7f3e9a1b", "SKCANARYc0ffee42deadbeef")
PARTNER = ("AKCANARY5e1ec7ed", "SKCANARY0ddba11f00dfeed5")
WRONG_SECRET = "SKCANARYc0ffee42deadbee0"  # the canary prefix, one character off
MARK = "CANARY"

NETWORK = """
stack: canary
region: bj
profile: default
connections:
  - name: app-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: {bandwidth}
    peer_if_name: db-app
    dns_sync: true
  - name: app-partner
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-partner1
    peer_account_id: acc-partner
    bandwidth_in_mbps: 10
"""
PARTNER_SIDE = """
stack: canary
region: bj
profile: partner
acceptances:
  - name: from-app
    local_vpc_id: vpc-partner1
    peer_vpc_id: vpc-app01
    peer_account_id: acc-main
    description: inbound
"""


def canary_accounts() -> list[dict[str, Any]]:
    accounts = world_data()["accounts"]
    for account, (access, secret) in zip(accounts, (MAIN, PARTNER), strict=True):
        account.update(access_key=access, secret_key=secret)
    return accounts


def signing_keys(started: float, ended: float) -> set[str]:
    """Every bce-auth-v1 signing key the run could have derived (one per second signed)."""
    keys = set()
    for access, secret in (MAIN, PARTNER, (MAIN[0], WRONG_SECRET), (PARTNER[0], WRONG_SECRET)):
        for second in range(int(started) - 5, int(ended) + 6):
            prefix = f"{AUTH_VERSION}/{access}/{format_timestamp(second)}/{DEFAULT_EXPIRATION}"
            keys.add(hmac.new(secret.encode(), prefix.encode(), hashlib.sha256).hexdigest())
    return keys


class Flow:
    """Runs commands in-process (``run``) or as subprocesses (``spawn``); keeps every text."""

    def __init__(self, world: SimWorld):
        self.world = world
        self.seen: list[str] = []

    def run(self, *args: str, expect: int) -> Result:
        result = self.world.run(*args, "--log-level", "debug")
        self.seen += [result.out, result.err]
        assert result.code == expect, f"{args}: {result.code}\n{result.out}\n{result.err}"
        assert "Traceback" not in result.err
        return result

    def spawn(self, *args: str, expect: int) -> str:
        child = self.world.spawn(*args, "--log-level", "debug")
        out, err = child.communicate(timeout=120)
        self.seen += [out, err]
        assert child.returncode == expect, f"{args}: {child.returncode}\n{out}\n{err}"
        assert "Traceback" not in err
        return err


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SimWorld]:
    data = world_data(accounts=canary_accounts())
    sim = SimWorld(data, tmp_path)
    yield sim
    sim.stop()


def run_everything(flow: Flow, tmp: Path) -> None:
    m = tmp / "manifests"
    write(m / "network.yaml", NETWORK.format(bandwidth=10))
    write(m / "partner.yaml", PARTNER_SIDE)
    folder, plan, stale = str(m), str(tmp / "plan.json"), str(tmp / "stale.json")
    flow.run("validate", folder, expect=0)
    flow.run("plan", folder, "--out", plan, expect=0)
    flow.run("show", plan, "--format", "markdown", expect=0)
    assert "Apply complete" in flow.run("apply", plan, expect=0).out
    flow.run("plan", folder, "--detailed-exitcode", "--format", "json", expect=0)
    flow.run("export", "--vpc", "vpc-app01", "--region", "bj", "--out", str(tmp / "x.yaml"),
             expect=0)
    flow.run("export", "--vpc", "vpc-partner1", "--region", "bj", "--profile", "partner",
             expect=0)
    flow.run("graph", folder, "--live", expect=0)
    # a stale plan: planned at 20 Mbps, the cloud moved to 30 meanwhile
    write(m / "network.yaml", NETWORK.format(bandwidth=20))
    flow.run("plan", folder, "--out", stale, expect=0)
    write(m / "network.yaml", NETWORK.format(bandwidth=30))
    flow.run("apply", folder, "--auto-approve", expect=0)
    assert "stale" in flow.run("apply", stale, expect=3).err
    # faults: every request throttled (retried at once, then given up); then dropped and lost
    # responses that the retries get through
    write(m / "network.yaml", NETWORK.format(bandwidth=40))
    flow.run("plan", folder, "--out", plan, expect=0)
    flow.world.server.set_faults(error_rate=1.0, kinds=("throttle",), retry_after_s=0)
    assert "RequestLimitExceeded" in flow.run("apply", plan, expect=1).err
    flow.world.server.set_faults(error_rate=0.0, next=("drop", "lost", "500", "lost", "503"))
    flow.run("apply", plan, expect=0)
    assert flow.world.stats()["by_outcome"].get("lost", 0) >= 1
    # real processes, debug logging on their stderr
    assert "peerconn.http" in flow.spawn("plan", folder, expect=0)
    write(m / "network.yaml", NETWORK.format(bandwidth=50))
    flow.spawn("apply", folder, "--auto-approve", expect=0)
    # a wrong secret that still looks like the canary
    good = flow.world.creds.read_text()
    flow.world.creds.write_text(good.replace(MAIN[1], WRONG_SECRET)
                                .replace(PARTNER[1], WRONG_SECRET))
    assert "SignatureDoesNotMatch" in flow.run("plan", folder, expect=1).err
    assert "SignatureDoesNotMatch" in flow.spawn("plan", folder, expect=1)
    flow.world.creds.write_text(good)


def written_files(tmp: Path, world: SimWorld) -> list[str]:
    files = [p for p in tmp.rglob("*") if p.is_file() and p != world.creds]
    assert {"plan.json", "stale.json", "x.yaml"} <= {p.name for p in files}
    return [p.read_text(encoding="utf-8", errors="replace") for p in files]


def log_texts(records: list[logging.LogRecord]) -> list[str]:
    texts = []
    for record in records:
        texts += [record.getMessage(), repr(record.args), str(record.msg)]
        if record.exc_info and record.exc_info[1] is not None:
            texts.append("".join(traceback.format_exception(record.exc_info[1])))
    return texts


def test_no_key_or_signing_key_appears_anywhere(world, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    started = time.time()
    flow = Flow(world)
    run_everything(flow, tmp_path)
    secrets = {*MAIN, *PARTNER, WRONG_SECRET} | signing_keys(started, time.time())

    assert any(r.name == "peerconn.http" and r.levelno == logging.DEBUG for r in caplog.records)
    everything = "\n".join(flow.seen + log_texts(caplog.records) + [caplog.text]
                           + written_files(tmp_path, world))
    assert MARK not in everything, everything[max(0, everything.find(MARK) - 300):][:600]
    leaked = [s for s in secrets if s in everything]
    assert not leaked
    assert "bce-auth-v1/" not in everything  # no Authorization value (it names the key)
