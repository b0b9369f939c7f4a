"""Apply: execute a Plan's steps, and nothing else.

Owns: the stale-plan check (re-read what the plan touches, compare fingerprints, refuse before
any mutating call), running changes (releases first, then the rest) with bounded parallelism
over API calls, each step with its planned clientToken, the waits on BCE's asynchronous
statuses, the duplicate guard before every create, reading the result back and comparing it
with what the plan promised, and a per-connection outcome. A failed step stops only its own
connection's chain. Side effects enter as parameters (``api_for``, ``clock``, ``sleep``,
``progress``); the decisions were made by the planner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ApiError, PeerconnError, StalePlanError
from reconciler.live import Context, basis_keys, live_basis
from reconciler.observe import ListJob, observe
from reconciler.plan import Change, ChangeKind, Plan
from reconciler.runstep import StepRunner
from reconciler.waiter import Poller, Waiter


class ApplyInconsistency(PeerconnError):
    """The cloud does not show what the plan promised after the change was applied."""


@dataclass
class ChangeOutcome:
    address: str
    kind: ChangeKind
    status: str = "not started"  # done | failed | not started | waiting
    peer_conn_id: str | None = None
    steps_done: list[str] = field(default_factory=list)
    error: str = ""
    detail: str = ""


@dataclass
class ApplyResult:
    outcomes: list[ChangeOutcome]

    @property
    def ok(self) -> bool:
        return all(o.status in ("done", "waiting") for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        out = {"done": 0, "waiting": 0, "failed": 0, "not started": 0}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out


@dataclass(frozen=True)
class ApplyOptions:
    parallelism: int = 10
    timeout: float = 600.0
    poll_initial: float = 0.25
    poll_max: float = 4.0
    progress_every: float = 10.0


def stale_reasons(plan: Plan, api_for: Callable[[Context], Any], *,
                  parallelism: int = 10) -> list[str]:
    """What changed in the cloud since the plan was made, for everything the plan touches."""
    jobs: dict[ListJob, None] = {}
    for change in plan.changes:
        jobs[ListJob(Context(change.profile, change.region), change.local_vpc_id)] = None
        if "peer_if_name" in change.basis:
            peer_region = str(change.attributes.get("peer_region", change.region))
            jobs[ListJob(Context(change.profile, peer_region), change.peer_vpc_id)] = None
    live = observe(list(jobs), api_for, parallelism=parallelism)
    reasons = []
    for change in plan.changes:
        ctx = Context(change.profile, change.region)
        view = live.end(ctx, change.local_vpc_id, change.peer_vpc_id)
        peer_view = None
        if "peer_if_name" in change.basis:
            peer_region = str(change.attributes.get("peer_region", change.region))
            peer_view = live.end(Context(change.profile, peer_region), change.peer_vpc_id,
                                 change.local_vpc_id)
        now = live_basis(view, basis_keys(change.basis), peer_view)
        if now != dict(change.basis):
            reasons.append(f"{change.address}: {_describe(dict(change.basis), now)}")
    return reasons


def _describe(before: dict[str, Any], now: dict[str, Any]) -> str:
    if before.get("exists") != now.get("exists"):
        if now.get("exists"):
            return f"a connection now exists ({now.get('peer_conn_id')})"
        return f"{before.get('peer_conn_id')} no longer exists"
    parts = [f"{k} was {before.get(k)!r}, now {now.get(k)!r}"
             for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
    return "; ".join(parts)


def _settle_waiting(plan: Plan, outcomes: dict[str, ChangeOutcome]) -> None:
    """A create left waiting for the other account is done once this run accepted it."""
    for change in plan.changes:
        if change.kind == ChangeKind.ACCEPT and outcomes[change.address].status == "done":
            for dep in change.depends_on:
                if outcomes[dep].status == "waiting":
                    outcomes[dep].status = "done"
                    outcomes[dep].detail = f"accepted by {change.address}"


class Executor:
    def __init__(self, api_for: Callable[[Context], Any], *,
                 options: ApplyOptions = ApplyOptions(),
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[str], None] = lambda _msg: None):
        self.api_for = api_for
        self.options = options
        self.progress = progress
        self.poller = Poller(api_for, clock=clock, ttl=min(options.poll_initial / 2, 0.1))
        self.waiter = Waiter(self.poller, clock=clock, sleep=sleep, progress=progress,
                             timeout=options.timeout, poll_initial=options.poll_initial,
                             poll_max=options.poll_max, progress_every=options.progress_every)
        self.slots = threading.BoundedSemaphore(max(1, options.parallelism))
        self.clock = clock

    def apply(self, plan: Plan, *, check_stale: bool = True) -> ApplyResult:
        if check_stale:
            reasons = stale_reasons(plan, self.api_for, parallelism=self.options.parallelism)
            if reasons:
                raise StalePlanError(reasons)
        outcomes = {c.address: ChangeOutcome(c.address, c.kind, peer_conn_id=c.peer_conn_id)
                    for c in plan.changes}
        finished = {c.address: threading.Event() for c in plan.changes}
        for phase in sorted({c.phase for c in plan.changes}):
            batch = [c for c in plan.changes if c.phase == phase]
            # Threads wait on the cloud; API calls are bounded by ``self.slots``.
            with ThreadPoolExecutor(max_workers=max(1, len(batch))) as pool:
                for change in batch:
                    pool.submit(self._run_change, change, outcomes, finished)
        _settle_waiting(plan, outcomes)
        return ApplyResult([outcomes[c.address] for c in plan.changes])

    def _run_change(self, change: Change, outcomes: dict[str, ChangeOutcome],
                    finished: dict[str, threading.Event]) -> None:
        outcome = outcomes[change.address]
        try:
            for dep in change.depends_on:
                if dep in finished:
                    finished[dep].wait()
                    if outcomes[dep].status not in ("done", "waiting"):
                        outcome.detail = f"not started: {dep} did not complete"
                        return
            runner = StepRunner(change, outcome, self)
            runner.run()
        except ApiError as exc:
            outcome.status = "failed"
            outcome.error = exc.describe()
        except PeerconnError as exc:
            outcome.status = "failed"
            outcome.error = str(exc)
        except Exception as exc:  # a bug must not hide the other connections' results
            outcome.status = "failed"
            outcome.error = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            finished[change.address].set()
