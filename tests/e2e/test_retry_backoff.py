"""How long a retried call pauses: the connector's policy, and ``PEERCONN_RETRY_BACKOFF``.

The simulator throttles with a ``Retry-After``; what a user sees is whether the command
succeeds, how long it takes, and a one-line error for a bad setting. specs/testing.md says
why the suite sets ``PEERCONN_RETRY_BACKOFF=0``.
"""

from __future__ import annotations

import time

import pytest

from reconciler.cli.connect import Connector
from reconciler.client import RetryPolicy
from reconciler.errors import ServerError
from reconciler.observe.live import Context
from tests.harness import NO_BACKOFF, run_cli, write

NETWORK = """
stack: net
region: bj
connections:
  - {name: app-db, local_vpc_id: vpc-app01, peer_vpc_id: vpc-db0001, bandwidth_in_mbps: 10}
"""
MAIN = Context(profile="default", region="bj")


def test_every_client_a_connector_builds_retries_with_its_policy(world):
    once = Connector(env={}, endpoint=world.url, credentials_file=world.creds,
                     retry=RetryPolicy(max_attempts=1))
    world.server.set_faults(next=("503",))
    with pytest.raises(ServerError):
        list(once.api_for(MAIN).list_all(vpc_id="vpc-app01"))

    patient = Connector(env={}, endpoint=world.url, credentials_file=world.creds,
                        retry=NO_BACKOFF)
    world.server.set_faults(next=("503", "503"))
    assert list(patient.api_for(MAIN).list_all(vpc_id="vpc-app01")) == []
    assert patient.api_for(MAIN).calls["list"] == 3


def test_zero_backoff_retries_a_throttled_plan_without_waiting(world, tmp_path):
    manifest = write(tmp_path / "net.yaml", NETWORK)
    world.server.set_faults(retry_after_s=5, next=("throttle", "throttle"))
    started = time.monotonic()
    result = world.run("plan", str(manifest))  # the harness sets PEERCONN_RETRY_BACKOFF=0
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    assert "will be created" in result.out
    assert world.stats()["by_outcome"]["throttle"] == 2
    assert elapsed < 5, f"a retry waited for Retry-After: {elapsed:.1f}s"


def test_the_setting_caps_the_pause_and_a_pause_still_happens(world, tmp_path):
    manifest = write(tmp_path / "net.yaml", NETWORK)
    world.server.set_faults(retry_after_s=30, next=("throttle",))
    started = time.monotonic()
    result = run_cli("plan", str(manifest), "--endpoint", world.url,
                     env={"PEERCONN_RETRY_BACKOFF": "1",
                          "PEERCONN_CREDENTIALS_FILE": str(world.creds)})
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    assert 1 <= elapsed < 30


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_setting_is_a_one_line_error_and_nothing_is_sent(world, tmp_path, value):
    manifest = write(tmp_path / "net.yaml", NETWORK)
    result = run_cli("plan", str(manifest), "--endpoint", world.url,
                     env={"PEERCONN_RETRY_BACKOFF": value,
                          "PEERCONN_CREDENTIALS_FILE": str(world.creds)})
    assert result.code == 1
    first, hint = result.err.rstrip("\n").splitlines()
    assert first == f"Error: PEERCONN_RETRY_BACKOFF={value!r} is not a number of seconds"
    assert hint.startswith("  hint: e.g. PEERCONN_RETRY_BACKOFF=0")
    assert world.stats()["total"] == 0
