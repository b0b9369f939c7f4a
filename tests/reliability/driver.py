"""Plan and apply through the product's Python API against a running simulator world.

Owns only what the reliability searches need on top of ``tests.harness.SimWorld`` (which
starts the world, writes the credentials and runs the real CLI): the same layers
``peerconn plan`` / ``peerconn apply --auto-approve`` call (``load_paths`` → ``observe`` →
``plan_reading`` → ``Executor.apply``), over real HTTP with real signatures, with three test-only
settings: the credentials file is passed explicitly (no environment), retries do not pause
(``NO_BACKOFF``), and the executor polls every 10 ms instead of every 250 ms (the simulator's
transitions are instant).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.apply.executor import ApplyOptions, ApplyResult, Executor
from reconciler.cli.connect import Connector
from reconciler.manifest import load_paths
from reconciler.observe import jobs_for, observe, read_live
from reconciler.plan import Plan
from reconciler.planner import plan_reading
from reconciler.planner.quotas import Limits
from tests.harness import NO_BACKOFF, SimWorld

FAST = ApplyOptions(parallelism=10, timeout=20.0, poll_initial=0.01, poll_max=0.05)


class Driver(SimWorld):
    """One simulator world and the reconciler pointed at it, through its Python API."""

    def __init__(self, world: dict[str, Any], folder: Path):
        super().__init__(world, folder, seed=3)
        quotas = world.get("quotas", {})
        self.limits = Limits(per_vpc=quotas.get("per_vpc", 10),
                             per_account=quotas.get("per_account", 10))

    def __enter__(self) -> Driver:
        return self

    def connector(self) -> Connector:
        return Connector(env={}, endpoint=self.url, credentials_file=self.creds,
                         retry=NO_BACKOFF)

    def plan(self, paths: Sequence[Path], *, now: datetime | None = None) -> Plan:
        """``now``: a fixed plan clock (every plan the same identity); default: the time."""
        desired = load_paths(list(paths))
        conn = self.connector()
        live = read_live(desired, conn.api_for)
        return plan_reading(desired, live, lambda jobs: observe(jobs, conn.api_for),
                            now=now or datetime.now(UTC), limits=self.limits)

    def listed_vpcs(self, paths: Sequence[Path]) -> set[str]:
        """The VPCs whose own list the plan read."""
        return {job.vpc_id for job in jobs_for(load_paths(list(paths))) if job.vpc_id}

    def apply(self, plan: Plan, *, interrupt_after: int | None = None) -> ApplyResult:
        """``interrupt_after=N``: cancel the run (as a first Ctrl-C does) at its N-th progress
        line, which is where a user watching it would press the key."""
        cancel = threading.Event()
        lines = 0

        def progress(_message: str) -> None:
            nonlocal lines
            lines += 1
            if interrupt_after is not None and lines >= interrupt_after:
                cancel.set()

        return Executor(self.connector().api_for, options=FAST, progress=progress,
                        cancel=cancel).apply(plan)
