"""Slow variants of the convergence search (``--runslow`` or PEERCONN_SLOW=1).

- At scale: more examples (PEERCONN_SLOW_EXAMPLES, default 2000) of larger scenarios.
- Through the command line: the same property with ``peerconn plan --out``, ``peerconn apply
  PLANFILE``, ``peerconn plan --format json`` and ``peerconn apply --auto-approve`` run by the
  CLI's ``main`` in this process, with the CLI's own polling intervals.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, note, settings

from reconciler.plan import Plan, plan_from_json
from tests.reliability.driver import Driver
from tests.reliability.scenarios import Scenario, scenarios
from tests.reliability.test_convergence import (
    assert_each_connection_changed_once,
    assert_ignored_attributes_never_change,
    changes_text,
    converge,
    deferred_only,
)

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("PEERCONN_SLOW_EXAMPLES", "2000"))
UNHEALTHY = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=UNHEALTHY)
@given(scenarios(max_pairs=8))
def test_convergence_at_scale(scenario):
    note(scenario.describe())
    with tempfile.TemporaryDirectory() as folder:
        converge(scenario, Path(folder))


def converge_through_the_cli(scenario: Scenario, folder: Path) -> None:
    scenario.per_vpc = 10  # no VPC can reach it: BCE's refusals of unseen quotas stay out
    paths = [str(p) for p in scenario.write(folder / "manifests")]
    quotas = ("--max-per-vpc", "10", "--max-per-account", "50")
    saved = str(folder / "plan.json")
    with Driver(scenario.world(), folder) as driver:
        code, out, err = driver.run("plan", *paths, "--out", saved, *quotas)
        assert "Traceback" not in err
        if code == 1:
            assert err.startswith("Error: ") and driver.mutating() == 0
            event("refused at plan time")
            return
        assert code == 0, err
        first = plan_from_json(Path(saved).read_text(encoding="utf-8"))
        assert_each_connection_changed_once(first)
        assert_ignored_attributes_never_change(scenario, first)
        code, out, err = driver.run("apply", saved)
        assert code == 0, out + err

        def replan() -> Plan:
            code, out, err = driver.run("plan", *paths, "--format", "json", *quotas)
            assert code == 0, err
            return plan_from_json(out)

        after = replan()
        if after.has_changes and deferred_only(after, first):
            assert driver.run("apply", *paths, "--auto-approve", *quotas)[0] == 0
            after = replan()
        assert not after.has_changes, changes_text(after)
        before = driver.mutating()
        code, out, _ = driver.run("apply", *paths, "--auto-approve", *quotas)
        assert code == 0 and "No changes" in out
        assert driver.mutating() == before


@settings(max_examples=max(1, EXAMPLES // 40), deadline=None, suppress_health_check=UNHEALTHY)
@given(scenarios())
def test_convergence_through_the_cli(scenario):
    note(scenario.describe())
    with tempfile.TemporaryDirectory() as folder:
        converge_through_the_cli(scenario, Path(folder))
