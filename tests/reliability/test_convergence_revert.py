"""Convergence through reverts: manifests A, then B, then A again, applied one after another
against one cloud within one plan day, converge after every apply.

A is any drawn scenario; B changes some declared attributes of its connections (bandwidth,
description, DNS, protection) or turns ``ensure`` to ``absent``. Half the sequences run with the
plan clock fixed (every plan has the same identity, so set-value tokens repeat and apply must
notice the server's replays); the other half with the clock running. A plan-time refusal (a
prepaid bandwidth that may not shrink back, a protected release) is fine when it is clean and
sends nothing; any other outcome must converge.
"""

from __future__ import annotations

import copy
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from reconciler.errors import UserError
from tests.reliability.driver import Driver
from tests.reliability.route_invariants import assert_declared_routes, assert_route_invariants
from tests.reliability.scenarios import BANDWIDTHS, DESCRIPTIONS, Scenario, scenarios
from tests.reliability.test_convergence import (
    assert_clean_refusal,
    changes_text,
    deferred_only,
    unseen_quota,
)

EXAMPLES = int(os.environ.get("PEERCONN_CONVERGENCE_EXAMPLES", "200")) // 4


@st.composite
def reverted(draw: st.DrawFn) -> tuple[Scenario, Scenario]:
    """A scenario and a variant of it that changes what its connection entries declare."""
    first = draw(scenarios(max_pairs=3))
    second = copy.deepcopy(first)
    for data in second.files.values():
        for entry in data["connections"]:
            _vary(draw, entry)
    return first, second


def _vary(draw: st.DrawFn, entry: dict[str, Any]) -> None:
    what = draw(st.sampled_from(["bandwidth", "description", "dns", "protect", "absent", None]))
    if what == "bandwidth":
        entry["bandwidth_in_mbps"] = draw(st.sampled_from(BANDWIDTHS))
    elif what == "description":
        entry["description"] = draw(st.sampled_from(DESCRIPTIONS))
    elif what == "dns":
        entry["dns_sync"] = not entry.get("dns_sync", False)
    elif what == "protect":
        entry["delete_protect"] = not entry.get("delete_protect", False)
    elif what == "absent":
        entry["ensure"] = "present" if entry.get("ensure") == "absent" else "absent"
        if entry["ensure"] == "absent" and entry.get("routes"):
            entry["routes"] = {side: [] for side in entry["routes"]}  # it carries no rules


def settle(driver: Driver, scenario: Scenario, folder: Path, now: datetime | None) -> bool:
    """Plan and apply ``scenario`` until converged; False when the plan is refused cleanly."""
    for old in (folder / "manifests").glob("*.yaml"):
        old.unlink()
    paths = scenario.write(folder / "manifests")
    try:
        first = driver.plan(paths, now=now)
    except UserError as exc:
        assert_clean_refusal(exc)
        event("refused at plan time")
        return False
    result = driver.apply(first)
    assert_route_invariants(driver.server)
    failed = [(o.address, o.error) for o in result.outcomes if o.status == "failed"]
    if failed and unseen_quota(first, driver.listed_vpcs(paths), failed):
        event("quota of a VPC the plan could not count")
        return False
    assert result.ok, "apply failed:\n" + "\n".join(f"{a}: {e}" for a, e in failed)
    after = driver.plan(paths, now=now)
    if after.has_changes and deferred_only(after, first):
        assert driver.apply(after).ok
        after = driver.plan(paths, now=now)
    assert not after.has_changes, "not converged; still planned:\n" + changes_text(after)
    assert_route_invariants(driver.server)
    assert_declared_routes(driver.server, scenario.files)
    return True


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(reverted(), st.booleans())
def test_a_sequence_a_b_a_converges_after_every_apply(pair, fixed_clock):
    first, second = pair
    note(f"A:\n{first.describe()}\nB:\n{second.describe()}\nfixed clock: {fixed_clock}")
    now = datetime.now(UTC) if fixed_clock else None
    with tempfile.TemporaryDirectory() as folder, Driver(first.world(), Path(folder)) as driver:
        for step, scenario in enumerate((first, second, first, second)):
            if not settle(driver, scenario, Path(folder), now):
                return
            event(f"converged through step {step}")
