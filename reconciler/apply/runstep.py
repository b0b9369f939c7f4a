"""One change's steps, in order, whatever the resource kind: each call with its token, then
its wait.

Owns: the step loop and its outcome, the token each call carries (the planned one, bound to
the id of a connection this apply made, or a successor after a replay), sending a set-value
call again when the server answered by replay, cancellation before a call, waits, and the
read-back that compares the result with what the plan promised. What each ``Op`` calls lives
in the kind's operations module (``peerconn_ops``). Used only by ``executor``; a failure
raises and stops this change's chain.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from reconciler.apply.outcomes import ChangeOutcome, Outcome
from reconciler.apply.ports import ApiFor, PeerConnPort, PeerConnWriter
from reconciler.apply.readback import (
    promises,
)
from reconciler.apply.waiter import Interrupted, Poller, Waiter, WaitTimeout, status_of
from reconciler.errors import ApiError, ConflictError
from reconciler.model import (
    FAILED_STATUSES,
    PeerConn,
    Status,
)
from reconciler.observe.live import Context
from reconciler.plan import Action, Change, Op, Ref, Step, Wait
from reconciler.planner.tokens import successor


@dataclass(frozen=True)
class ApplyContext:
    """What a change's steps need from the apply they run in, as one value the executor
    builds: clients, the shared poller and waiter, the parallelism slots, progress, the clock,
    the cancel token, and the outputs of the changes that ran before (``output``)."""

    api_for: ApiFor
    poller: Poller
    waiter: Waiter
    slots: threading.BoundedSemaphore
    progress: Callable[[str], None]
    clock: Callable[[], float]
    cancel: threading.Event
    output: Callable[[Ref], str | None]


T = TypeVar("T")

#: How many times one call is sent under successive tokens when the server answers by replay.
REPLAYS = 3

_VERBS = {
    Op.CREATE: ("Creating", "Creation"),
    Op.RELEASE: ("Releasing", "Release"),
    Op.ACCEPT: ("Accepting", "Accept"),
    Op.RESIZE: ("Resizing", "Resize"),
    Op.OPEN_DNS: ("Opening DNS sync", "DNS sync"),
    Op.CLOSE_DNS: ("Closing DNS sync", "DNS sync close"),
}


#: What a step whose call BCE accepted has done while its wait has not yet seen the result.
_PENDING = {
    Op.CREATE: "created, not yet {target}",
    Op.RELEASE: "release accepted, not yet gone",
    Op.ACCEPT: "accepted, not yet active",
    Op.RESIZE: "resize accepted, bandwidth not yet changed",
    Op.OPEN_DNS: "DNS sync open accepted, not yet open",
    Op.CLOSE_DNS: "DNS sync close accepted, not yet closed",
}


class StepRunner:
    """One change's steps, the kind-independent part: the call with its token, replays, the
    waits, the outcome, the read-back. Each resource kind subclasses it with its operations
    (``operations``: ``Op`` → method), e.g. ``peerconn_ops.PeerConnSteps``."""

    operations: Mapping[Op, Callable[[Any, Step], None]] = {}

    def __init__(self, change: Change, outcome: ChangeOutcome, ex: ApplyContext):
        self.change = change
        self.outcome = outcome
        self.ex = ex
        self.conn_id: str | None = change.peer_conn_id
        self.label = change.name
        self.started = ex.clock()
        # The steps whose call was accepted, by identity: a change may hold one op several
        # times (three add_route), and each counts on its own.
        self._marked: set[int] = set()
        # The view a wait returned after the latest mutating call: it already shows the
        # result, so the read-back can use it instead of another list call.
        self.seen: PeerConn | None = None

    # ----------------------------------------------------------------- driver
    def run(self) -> None:
        for step in self.change.steps:
            if isinstance(step.peer_conn_id, Ref) and step.peer_conn_id.change != self.change.address:
                self.conn_id = self.ex.output(step.peer_conn_id)  # made by a change it depends on
            started, acted_on = self.ex.clock(), self.conn_id
            try:
                self.operations[step.op](self, step)
            except WaitTimeout as exc:
                if id(step) not in self._marked:
                    raise  # timed out before its call: nothing of this step happened
                # The call was accepted; the cloud has not finished. The change is not a
                # failure (what was sent stands) but the later steps did not run.
                self.outcome.status = Outcome.UNSETTLED
                self.outcome.detail = exc.message
                return
            self._mark(step)  # also a step that needed no call (already in that state)
            self.outcome.pending = ""
            if step.op in _VERBS:
                took = int(self.ex.clock() - started)
                # A replace's release forgets the old id before the create; name what it released.
                self.ex.progress(f"{self.label}: {_VERBS[step.op][1]} complete after {took}s "
                                 f"[id={self.conn_id or acted_on}]")
        if self.change.action != Action.RELEASE and self.change.action != Action.REJECT:
            self._verify()
        self.outcome.status = Outcome.DONE
        if self._awaits_other_account():
            self.outcome.status = Outcome.WAITING
            self.outcome.detail = (f"waiting for {self.change.target.peer_account_id}"
                                   " to accept")

    def _mark(self, step: Step) -> None:
        """Record that the step's call was accepted (so the summary never under-reports)."""
        if id(step) not in self._marked:
            self._marked.add(id(step))
            self.outcome.steps_done.append(step.op.value)
            target = "active" if step.wait == Wait.ACTIVE else "visible to the other account"
            self.outcome.pending = _PENDING.get(step.op, "").format(target=target)
        self.outcome.peer_conn_id = self.conn_id

    def _awaits_other_account(self) -> bool:
        if self.change.action not in (Action.CREATE, Action.REPLACE):
            return False
        return any(s.op == Op.CREATE and s.wait == Wait.CONSULTING for s in self.change.steps)

    def _ctx(self, step: Step) -> Context:
        return Context(step.profile, step.region)

    def _other_vpc(self, step: Step) -> str:
        c = self.change
        return c.peer_vpc_id if step.vpc_id == c.local_vpc_id else c.local_vpc_id

    def _api(self, step: Step) -> PeerConnPort:
        return self.ex.api_for(self._ctx(step))

    def _conn(self) -> str:
        """The connection the step acts on (known by now: planned, created or resolved)."""
        assert self.conn_id is not None, "a step ran before its connection was known"
        return self.conn_id

    def _call(self, step: Step, send: Callable[[PeerConnWriter, str], T], *,
              token: str | None = None) -> T:
        """The step's mutating call (under ``token`` when a replay forced a successor). None
        starts once the run is cancelled (checked again after waiting for a slot, which may
        take a while); one already sent is let finish."""
        self.seen = None
        self._check_cancel(step)
        with self.ex.slots:
            self._check_cancel(step)
            self.outcome.in_flight = step.op.value
            try:
                result = send(self._api(step), token or self._token(step))
            finally:
                self.outcome.in_flight = ""
        if step.op != Op.CREATE:  # a create is marked once its id is known
            self._mark(step)
        return result

    def _check_cancel(self, step: Step) -> None:
        if self.ex.cancel.is_set():
            raise Interrupted(f"interrupted before the {step.op.value} call")

    def _token(self, step: Step) -> str:
        """The step's token. A step on a connection this apply makes (a ``Ref``) binds its
        planned token to that connection's id, known only now: two incarnations of a pair
        never share a token, and every runner that sees the same id derives the same one."""
        if isinstance(step.peer_conn_id, Ref):
            return successor(step.client_token, f"on:{self._conn()}")
        return step.client_token

    def _set(self, step: Step, send: Callable[[PeerConnWriter, str], None],
             took_effect: Callable[[PeerConn], bool]) -> None:
        """A set-value call, sent again under the successor token when the server acknowledged
        it without acting (a replay of an earlier identical call: specs/tokens.md)."""
        token = self._token(step)
        for _ in range(REPLAYS):
            self._call(step, send, token=token)
            view = self._view(step, fresh=True)
            if view is None or took_effect(view) or view.status != Status.ACTIVE:
                return
            self.ex.progress(f"{self.label}: the server replayed an earlier answer and changed "
                             "nothing; sending again")
            token = successor(token, f"{step.op.value}:{view.peer_conn_id}")

    def _view(self, step: Step, *, fresh: bool = False) -> PeerConn | None:
        assert self.conn_id is not None
        return self.ex.poller.by_id(self._ctx(step), step.vpc_id, self.conn_id, fresh=fresh)

    def _wait(self, step: Step, what: str, done: Any,
              seen: Callable[[PeerConn | None], str] = status_of) -> PeerConn | None:
        view = self.ex.waiter.wait_for(self.label, lambda: self._view(step), done, what,
                                       since=self.started, seen=seen)
        self.seen = view
        if view is not None and view.status in FAILED_STATUSES:
            raise ConflictError(f"{self.conn_id} went to status {view.status}",
                                operation=step.op.value)
        return view

    def _start(self, step: Step) -> None:
        if step.op in _VERBS:
            self.ex.progress(f"{self.label}: {_VERBS[step.op][0]}...")

    # ------------------------------------------------------------------ verify
    def _verify(self) -> None:
        c = self.change
        assert self.conn_id is not None
        ctx = Context(c.profile, c.region)
        view = self.seen if self.seen is not None and self.seen.peer_conn_id == self.conn_id \
            and self.seen.local_vpc_id == c.local_vpc_id else None
        if view is None:
            view = self.ex.poller.by_id(ctx, c.local_vpc_id, self.conn_id, fresh=True)
        if view is None:
            try:
                view = self.ex.api_for(ctx).get(self.conn_id)
            except ApiError as exc:
                raise ConflictError(f"inconsistent result after apply: {self.conn_id} cannot "
                                    f"be read back ({exc.describe()})", operation="verify") from None
        problems = [f"{name} is {got!r}, the plan promised {want!r}"
                    for name, want, got in promises(self.change, view, self._peer_end_name)
                    if want != got]
        if problems:
            raise ConflictError("inconsistent result after apply: " + "; ".join(problems),
                                operation="verify")

    def _peer_end_name(self) -> str | None:
        c = self.change
        assert self.conn_id is not None
        end = self.ex.poller.by_id(Context(c.profile, c.target.peer_region), c.peer_vpc_id,
                                   self.conn_id, fresh=True)
        return end.local_if_name if end is not None else None
