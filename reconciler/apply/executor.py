"""Apply: execute a Plan's steps, and nothing else.

Owns: the stale-plan check (re-read what the plan touches, compare fingerprints, refuse before
any mutating call), running changes (releases first, then the rest) with bounded parallelism
over API calls, each step with its planned clientToken, the waits on BCE's asynchronous
statuses, the duplicate guard before every create, reading the result back and comparing it
with what the plan promised, and a per-connection outcome. A failed step stops only its own
connection's chain. A cancel (``cancel``, an event the CLI sets on a signal) starts no new
call, lets calls in flight finish within a grace period, and reports each change as done,
interrupted (with the steps it had done) or not started. Side effects enter as parameters
(``api_for``, ``clock``, ``sleep``, ``progress``, ``cancel``); the decisions were made by the
planner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from reconciler.apply.outcomes import COMPLETE, ApplyResult, ChangeOutcome, Outcome
from reconciler.apply.peerconn_ops import PeerConnSteps
from reconciler.apply.ports import ApiFor
from reconciler.apply.runstep import ApplyContext
from reconciler.apply.waiter import Interrupted, Poller, Waiter
from reconciler.errors import ApiError, PeerconnError, StalePlanError
from reconciler.observe import ListJob, observe
from reconciler.observe.live import Context, basis_keys, live_basis, route_basis
from reconciler.plan import Action, Change, Plan, Ref

__all__ = ["COMPLETE", "ApplyOptions", "ApplyResult", "ChangeOutcome",
           "Executor", "Outcome", "stale_reasons"]


@dataclass(frozen=True)
class ApplyOptions:
    parallelism: int = 10
    timeout: float = 600.0
    poll_initial: float = 0.25
    poll_max: float = 4.0
    progress_every: float = 10.0
    #: after a cancel, how long a mutating call already sent may take before apply gives up
    #: on it (its result is then reported as unknown)
    grace: float = 5.0


def stale_reasons(plan: Plan, api_for: Callable[[Context], Any], *,
                  parallelism: int = 10) -> list[str]:
    """What changed in the cloud since the plan was made, for everything the plan touches."""
    jobs: dict[ListJob, None] = {}
    for change in plan.changes:
        jobs[ListJob(Context(change.profile, change.region), change.local_vpc_id)] = None
        if "peer_if_name" in change.basis:
            peer_ctx = Context(change.profile, change.target.peer_region)
            jobs[ListJob(peer_ctx, change.peer_vpc_id)] = None
        for vpc_id, table in change.basis.get("routes", {}).items():
            jobs[ListJob(Context(table["profile"], table["region"]), vpc_id, "route_table")] = None
    live = observe(list(jobs), api_for, parallelism=parallelism)
    reasons = []
    for change in plan.changes:
        ctx = Context(change.profile, change.region)
        view = live.end(ctx, change.local_vpc_id, change.peer_vpc_id)
        peer_view = None
        if "peer_if_name" in change.basis:
            peer_view = live.end(Context(change.profile, change.target.peer_region),
                                 change.peer_vpc_id, change.local_vpc_id)
        now = live_basis(view, basis_keys(change.basis), peer_view)
        if "routes" in change.basis:
            now["routes"] = {vpc_id: {"profile": t["profile"], "region": t["region"],
                                      **route_basis(live.route_table(vpc_id), t["keys"], t["via"])}
                             for vpc_id, t in change.basis["routes"].items()}
        if now != dict(change.basis):
            reasons.append(f"{change.address}: {_describe(dict(change.basis), now)}")
    return reasons


def _describe(before: dict[str, Any], now: dict[str, Any]) -> str:
    if before.get("exists") != now.get("exists"):
        if now.get("exists"):
            return f"a connection now exists ({now.get('peer_conn_id')})"
        return f"{before.get('peer_conn_id')} no longer exists"
    parts = [f"{k} was {before.get(k)!r}, now {now.get(k)!r}"
             for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)
             and k != "routes"]
    for vpc_id, table in before.get("routes", {}).items():
        if now.get("routes", {}).get(vpc_id) != table:
            parts.append(f"the route rules it relies on in {vpc_id}'s table changed")
    return "; ".join(parts)


def _settle_waiting(plan: Plan, outcomes: dict[str, ChangeOutcome]) -> None:
    """A create left waiting for the other account is done once this run accepted it."""
    for change in plan.changes:
        if change.action == Action.ACCEPT and outcomes[change.address].status == Outcome.DONE:
            for dep in change.depends_on:
                if outcomes[dep].status == Outcome.WAITING:
                    outcomes[dep].status = Outcome.DONE
                    outcomes[dep].detail = f"accepted by {change.address}"


def _abandoned(outcome: ChangeOutcome, grace: float) -> ChangeOutcome:
    """A copy of the outcome of a change whose thread apply stopped waiting for."""
    copy = replace(outcome, steps_done=list(outcome.steps_done), status=Outcome.INTERRUPTED)
    if outcome.in_flight:
        copy.unknown = True
        copy.detail = (f"gave up after {grace:g}s on the {outcome.in_flight} call still in "
                       "flight; its result is unknown")
    elif not copy.detail:
        copy.detail = "interrupted"
    return copy


class Executor:
    """Runs a plan. ``cancel``, once set, stops the run the way Terraform's first Ctrl-C does:
    no new API call starts (mutating or waiting), calls already sent may finish within
    ``options.grace`` seconds, and ``apply`` returns the outcomes so far."""

    def __init__(self, api_for: ApiFor, *,
                 options: ApplyOptions = ApplyOptions(),
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] | None = None,
                 progress: Callable[[str], None] = lambda _msg: None,
                 cancel: threading.Event | None = None):
        self.api_for = api_for
        self.options = options
        self.progress = progress
        self.cancel = cancel if cancel is not None else threading.Event()
        # By default a wait sleeps on the cancel event, so a cancel ends it at once.
        sleep = sleep if sleep is not None else self.cancel.wait
        self.poller = Poller(api_for, clock=clock, ttl=min(options.poll_initial / 2, 0.1),
                             cancelled=self.cancel.is_set)
        self.waiter = Waiter(self.poller, clock=clock, sleep=sleep, progress=progress,
                             timeout=options.timeout, poll_initial=options.poll_initial,
                             poll_max=options.poll_max, progress_every=options.progress_every,
                             cancelled=self.cancel.is_set)
        self.slots = threading.BoundedSemaphore(max(1, options.parallelism))
        self.clock = clock
        self._outcomes: dict[str, ChangeOutcome] = {}
        self.context = ApplyContext(api_for=api_for, poller=self.poller, waiter=self.waiter,
                                    slots=self.slots, progress=progress, clock=clock,
                                    cancel=self.cancel, output=self.output)

    def output(self, ref: Ref) -> str | None:
        """The connection a change of the running apply made (``ApplyContext.output``). For
        a ``local_if_id`` Ref too: the step reads that connection's interface itself."""
        outcome = self._outcomes.get(ref.change)
        return outcome.peer_conn_id if outcome is not None and \
            ref.output in ("peer_conn_id", "local_if_id") else None

    def apply(self, plan: Plan, *, check_stale: bool = True) -> ApplyResult:
        if check_stale:
            reasons = stale_reasons(plan, self.api_for, parallelism=self.options.parallelism)
            if reasons:
                raise StalePlanError(reasons)
        outcomes = self._outcomes = {
                    c.address: ChangeOutcome(c.address, c.action, peer_conn_id=c.peer_conn_id,
                                             steps_planned=[s.op.value for s in c.steps])
                    for c in plan.changes}
        finished = {c.address: threading.Event() for c in plan.changes}
        releases = [c for c in plan.changes if c.runs_first]
        rest = [c for c in plan.changes if not c.runs_first]
        # Releases first, as a batch (they free quota and pairs); the rest together, each
        # change waiting for its depends_on.
        for batch in (releases, rest):
            if self.cancel.is_set():
                break  # the later batch's changes stay "not started"
            if not self._run_batch(batch, outcomes, finished):
                result = [outcomes[c.address] if finished[c.address].is_set()
                          else _abandoned(outcomes[c.address], self.options.grace)
                          for c in plan.changes]
                return ApplyResult(result, interrupted=True)
        _settle_waiting(plan, outcomes)
        return ApplyResult([outcomes[c.address] for c in plan.changes],
                           interrupted=self.cancel.is_set())

    def _run_batch(self, batch: list[Change], outcomes: dict[str, ChangeOutcome],
                   finished: dict[str, threading.Event]) -> bool:
        """Run one batch, a thread per change; False when apply gave up on some after a cancel.

        The threads are daemons so that a call stuck in flight cannot keep the process alive
        after apply gave up on it. Waits hold no slot; API calls are bounded by ``slots``.
        """
        threads = [threading.Thread(target=self._run_change, args=(c, outcomes, finished),
                                    name=f"apply {c.address}", daemon=True) for c in batch]
        for thread in threads:
            thread.start()
        cancelled_at: float | None = None
        for thread in threads:
            while thread.is_alive():
                if cancelled_at is None and self.cancel.is_set():
                    cancelled_at = time.monotonic()  # real time: these are real threads
                if cancelled_at is not None and self._give_up(cancelled_at, batch, outcomes,
                                                              finished):
                    return False
                thread.join(0.05)
        return True

    def _give_up(self, cancelled_at: float, batch: list[Change],
                 outcomes: dict[str, ChangeOutcome], finished: dict[str, threading.Event]) -> bool:
        """After a cancel: wait up to ``grace`` for mutating calls in flight, a moment for
        anything else (a list call in flight tells us nothing worth waiting for)."""
        waited = time.monotonic() - cancelled_at
        sending = any(outcomes[c.address].in_flight for c in batch
                      if not finished[c.address].is_set())
        return waited >= (self.options.grace if sending else min(0.5, self.options.grace))

    def _run_change(self, change: Change, outcomes: dict[str, ChangeOutcome],
                    finished: dict[str, threading.Event]) -> None:
        outcome = outcomes[change.address]
        try:
            if not self._dependencies_done(change, outcome, outcomes, finished):
                return
            if self.cancel.is_set():
                outcome.detail = "the run was interrupted before it started"
                return
            PeerConnSteps(change, outcome, self.context).run()
        except Interrupted as exc:
            outcome.status = Outcome.INTERRUPTED
            outcome.detail = str(exc)
        except ApiError as exc:
            outcome.status = Outcome.FAILED
            outcome.error = exc.describe()
        except PeerconnError as exc:
            outcome.status = Outcome.FAILED
            outcome.error = str(exc)
        except Exception as exc:  # a bug must not hide the other connections' results
            outcome.status = Outcome.FAILED
            outcome.error = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            finished[change.address].set()

    def _dependencies_done(self, change: Change, outcome: ChangeOutcome,
                           outcomes: dict[str, ChangeOutcome],
                           finished: dict[str, threading.Event]) -> bool:
        for dep in change.depends_on:
            if dep not in finished:
                continue
            while not finished[dep].wait(0.1):
                if self.cancel.is_set():
                    outcome.detail = f"the run was interrupted while {dep} was under way"
                    return False
            if outcomes[dep].status not in COMPLETE:
                outcome.detail = f"{dep} did not complete"
                return False
        return True
