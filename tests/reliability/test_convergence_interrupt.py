"""Convergence through interrupts: an apply cancelled at any point (as the first Ctrl-C does)
stops cleanly, reports every change, and the next plan and apply converge.

Any drawn scenario; the cancel fires at the N-th progress line of the apply (N drawn), so
interrupts land before, between and during calls and waits. Whatever the point, no route table is
left with a duplicate rule or a rule through a released connection.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from reconciler.apply.outcomes import Outcome
from reconciler.errors import UserError
from tests.reliability.driver import Driver
from tests.reliability.route_invariants import assert_route_invariants
from tests.reliability.scenarios import scenarios
from tests.reliability.test_convergence import assert_clean_refusal
from tests.reliability.test_convergence_revert import settle

EXAMPLES = int(os.environ.get("PEERCONN_CONVERGENCE_EXAMPLES", "200")) // 4
STOPPED = {Outcome.INTERRUPTED, Outcome.NOT_STARTED}


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios(max_pairs=4), st.integers(min_value=1, max_value=5))
def test_an_interrupted_apply_stops_cleanly_and_the_next_run_converges(scenario, at_line):
    note(f"{scenario.describe()}\ninterrupted at progress line {at_line}")
    with tempfile.TemporaryDirectory() as folder, Driver(scenario.world(), Path(folder)) as driver:
        paths = scenario.write(Path(folder) / "manifests")
        try:
            plan = driver.plan(paths)
        except UserError as exc:
            assert_clean_refusal(exc)
            return
        result = driver.apply(plan, interrupt_after=at_line)
        assert_route_invariants(driver.server)  # no duplicate, none through a released one
        assert len(result.outcomes) == len(plan.changes)  # every change is accounted for
        stopped = [o for o in result.outcomes if o.status in STOPPED]
        event("interrupted" if stopped else "finished before the interrupt")
        for outcome in stopped:
            assert outcome.status != Outcome.NOT_STARTED or not outcome.steps_done
        if not settle(driver, scenario, Path(folder), None):
            event("refused after the interrupt")
