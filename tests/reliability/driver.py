"""Plan and apply through the product's Python API against a running simulator.

The same layers ``peerconn plan`` / ``peerconn apply --auto-approve`` call (``load_paths`` →
``observe`` → ``build_plan`` → ``Executor.apply``), over real HTTP with real signatures, with
two test-only settings: the credentials file is passed explicitly (no environment), and the
executor polls every 10 ms instead of every 250 ms (the simulator's transitions are instant).
``Driver.cli`` runs the real command line's ``main`` in this process against the same world.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.apply.executor import ApplyOptions, ApplyResult, Executor
from reconciler.cli import main
from reconciler.cli.connect import Connector
from reconciler.manifest import load_paths
from reconciler.observe import jobs_for, read_live
from reconciler.plan import Plan
from reconciler.planner import build_plan
from reconciler.planner.quotas import Limits
from reconciler.simulator import SimServer
from reconciler.simulator.world import world_from_data

FAST = ApplyOptions(parallelism=10, timeout=20.0, poll_initial=0.01, poll_max=0.05)


def write_credentials(path: Path, accounts: Sequence[dict[str, Any]]) -> Path:
    sections = [f"[{a['profile']}]\naccess_key = {a['access_key']}\n"
                f"secret_key = {a['secret_key']}\n" for a in accounts]
    path.write_text("\n".join(sections), encoding="utf-8")
    path.chmod(0o600)
    return path


class Driver:
    """One simulator world and the reconciler pointed at it."""

    def __init__(self, world: dict[str, Any], folder: Path):
        self.sim = SimServer(world_from_data(world), seed=3).start()
        self.creds = write_credentials(folder / "credentials", world["accounts"])
        quotas = world.get("quotas", {})
        self.limits = Limits(per_vpc=quotas.get("per_vpc", 10),
                             per_account=quotas.get("per_account", 10))

    def close(self) -> None:
        self.sim.stop()

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connector(self) -> Connector:
        return Connector(env={}, endpoint=self.sim.url, credentials_file=self.creds)

    def plan(self, paths: Sequence[Path], *, now: datetime | None = None) -> Plan:
        """``now``: a fixed plan clock (every plan the same identity); default: the time."""
        desired = load_paths(list(paths))
        conn = self.connector()
        live = read_live(desired, conn.api_for)
        return build_plan(desired, live, now=now or datetime.now(UTC), limits=self.limits)

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

    def mutating(self) -> int:
        return int(self.sim.stats()["mutating"])

    def cli(self, *args: str) -> tuple[int, str, str]:
        """``peerconn ARGS --endpoint <sim>`` in this process: (exit code, stdout, stderr)."""
        out, err = io.StringIO(), io.StringIO()
        with private_env(PEERCONN_CREDENTIALS_FILE=str(self.creds), NO_COLOR="1"), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*args, "--endpoint", self.sim.url])
        return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def private_env(**values: str) -> Iterator[None]:
    """These variables set and no BAIDUCLOUD_* ones, for the duration (restored after)."""
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith("BAIDUCLOUD_")]:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
