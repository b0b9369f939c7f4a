"""One change's steps, in order: the API call with its planned token, then its wait.

Owns: how each ``Op`` is carried out against the client (argument mapping, the duplicate
guard before create, resolving ids and interface ids the plan could not know), which status
each wait accepts, and the read-back that compares the result with what the plan promised.
Used only by ``executor``; a failure raises and stops this change's chain.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from reconciler.apply.outcomes import ChangeOutcome, Outcome
from reconciler.apply.readback import (
    bandwidth_of,
    create_args,
    dns_of,
    promises,
    settling_of,
)
from reconciler.apply.waiter import Interrupted, Poller, Waiter, WaitTimeout, status_of
from reconciler.errors import ApiError, ConflictError, NotFoundError
from reconciler.model import (
    FAILED_STATUSES,
    GONE_STATUSES,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    STACK_TAG,
    PeerConn,
)
from reconciler.observe.live import Context
from reconciler.plan import Change, ChangeKind, Op, Step, Wait
from reconciler.planner.tokens import successor


class Run(Protocol):
    """What a change's steps need from the apply they run in (the executor provides it):
    clients, the shared poller and waiter, the parallelism slots, progress, clock, cancel."""

    api_for: Callable[[Context], Any]
    poller: Poller
    waiter: Waiter
    slots: threading.BoundedSemaphore
    progress: Callable[[str], None]
    clock: Callable[[], float]
    cancel: threading.Event

#: How many times one call is sent under successive tokens when the server answers by replay.
_REPLAYS = 3

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
    def __init__(self, change: Change, outcome: ChangeOutcome, ex: Run):
        self.change = change
        self.outcome = outcome
        self.ex = ex
        self.conn_id: str | None = change.peer_conn_id
        self.label = change.name
        self.started = ex.clock()
        # The view a wait returned after the latest mutating call: it already shows the
        # result, so the read-back can use it instead of another list call.
        self.seen: PeerConn | None = None

    # ----------------------------------------------------------------- driver
    def run(self) -> None:
        for step in self.change.steps:
            started = self.ex.clock()
            try:
                getattr(self, f"_do_{step.op.value}")(step)
            except WaitTimeout as exc:
                if step.op.value not in self.outcome.steps_done:
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
                self.ex.progress(f"{self.label}: {_VERBS[step.op][1]} complete after {took}s "
                                 f"[id={self.conn_id}]")
        if self.change.kind != ChangeKind.RELEASE and self.change.kind != ChangeKind.REJECT:
            self._verify()
        self.outcome.status = Outcome.DONE
        if self._awaits_other_account():
            self.outcome.status = Outcome.WAITING
            self.outcome.detail = (f"waiting for {self.change.attributes.get('peer_account_id')}"
                                   " to accept")

    def _mark(self, step: Step) -> None:
        """Record that the step's call was accepted (so the summary never under-reports)."""
        if step.op.value not in self.outcome.steps_done:
            self.outcome.steps_done.append(step.op.value)
            target = "active" if step.wait == Wait.ACTIVE else "visible to the other account"
            self.outcome.pending = _PENDING.get(step.op, "").format(target=target)
        self.outcome.peer_conn_id = self.conn_id

    def _awaits_other_account(self) -> bool:
        if self.change.kind not in (ChangeKind.CREATE, ChangeKind.REPLACE):
            return False
        return any(s.op == Op.CREATE and s.wait == Wait.CONSULTING for s in self.change.steps)

    def _ctx(self, step: Step) -> Context:
        return Context(step.profile, step.region)

    def _other_vpc(self, step: Step) -> str:
        c = self.change
        return c.peer_vpc_id if step.vpc_id == c.local_vpc_id else c.local_vpc_id

    def _api(self, step: Step) -> Any:
        return self.ex.api_for(self._ctx(step))

    def _call(self, step: Step, method: str, *args: Any, token: str | None = None,
              **kwargs: Any) -> Any:
        """The step's mutating call (under ``token`` when a replay forced a successor). None
        starts once the run is cancelled (checked again after waiting for a slot, which may
        take a while); one already sent is let finish."""
        self.seen = None
        self._check_cancel(step)
        with self.ex.slots:
            self._check_cancel(step)
            self.outcome.in_flight = step.op.value
            try:
                result = getattr(self._api(step), method)(
                    *args, client_token=token or step.client_token, **kwargs)
            finally:
                self.outcome.in_flight = ""
        if step.op != Op.CREATE:  # a create is marked once its id is known
            self._mark(step)
        return result

    def _check_cancel(self, step: Step) -> None:
        if self.ex.cancel.is_set():
            raise Interrupted(f"interrupted before the {step.op.value} call")

    def _set(self, step: Step, method: str, took_effect: Any, *args: Any, **kwargs: Any) -> None:
        """A set-value call, sent again under the successor token when the server acknowledged
        it without acting (a replay of an earlier identical call: specs/tokens.md)."""
        token = step.client_token
        for _ in range(_REPLAYS):
            self._call(step, method, *args, token=token, **kwargs)
            view = self._view(step, fresh=True)
            if view is None or took_effect(view) or view.status != "active":
                return
            self.ex.progress(f"{self.label}: the server replayed an earlier answer and changed "
                             "nothing; sending again")
            token = successor(token, f"{method}:{view.peer_conn_id}")

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

    # ------------------------------------------------------------------ create
    def _do_create(self, step: Step) -> None:
        p = dict(step.params)
        self._start(step)
        ctx = self._ctx(step)
        existing = self.ex.poller.end(ctx, step.vpc_id, p["peer_vpc_id"], fresh=True)
        if existing is not None and existing.status == "deleting":
            self.conn_id = existing.peer_conn_id
            self._wait(step, "the previous connection to be deleted", lambda v: v is None)
            existing = None
        if existing is not None:
            self._adopt(existing, step)
        else:
            try:
                self.conn_id = self._create(step, create_args(p))
            except ConflictError:
                found = self.ex.poller.end(ctx, step.vpc_id, p["peer_vpc_id"], fresh=True)
                if found is None:
                    raise
                self._adopt(found, step)
            else:
                self._mark(step)
                self.ex.progress(f"{self.label}: create accepted [id={self.conn_id}]")
        targets = {"active"} if step.wait == Wait.ACTIVE else {"consulting", "active"}
        self._wait(step, f"status {' or '.join(sorted(targets))}",
                   lambda v: v is not None and (v.status in targets
                                                or v.status in FAILED_STATUSES))

    def _create(self, step: Step, args: dict[str, Any]) -> str:
        """Create; an answer naming a connection that is already gone is a replay of an
        earlier create of this pair (released since, on the same day): create again under the
        successor token, which every runner that sees the same replay derives alike."""
        token = step.client_token
        for _ in range(_REPLAYS):
            conn_id = str(self._call(step, "create", token=token, **args))
            if not self._gone(step, conn_id):
                return conn_id
            self.ex.progress(f"{self.label}: the server replayed the create of {conn_id}, "
                             "released since; creating anew")
            token = successor(token, conn_id)
        raise ConflictError("the server keeps answering the create with released connections",
                            operation="create")

    def _gone(self, step: Step, conn_id: str) -> bool:
        if self.ex.poller.by_id(self._ctx(step), step.vpc_id, conn_id, fresh=True) is not None:
            return False
        try:
            view = self._api(step).get(conn_id)
        except NotFoundError:
            return True
        return bool(view.status in GONE_STATUSES)

    def _adopt(self, view: PeerConn, step: Step) -> None:
        tags = view.tag_map
        if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE or \
                tags.get(STACK_TAG) != self.change.stack:
            raise ConflictError(f"{view.peer_conn_id} for {view.pair} appeared since the plan "
                                "and is not this stack's; not creating a second connection",
                                operation="create")
        self.conn_id = view.peer_conn_id
        self._mark(step)
        self.ex.progress(f"{self.label}: found {view.peer_conn_id} made by an earlier or "
                         "concurrent run; not creating a duplicate")

    # -------------------------------------------------------- accept / reject
    def _resolve_request(self, step: Step) -> PeerConn:
        """The request as seen by the acceptor, once it has left ``creating``."""
        ctx = self._ctx(step)
        other = self._other_vpc(step)

        def probe() -> PeerConn | None:
            if self.conn_id is None:
                return self.ex.poller.end(ctx, step.vpc_id, other)
            return self._view(step)

        view = self.ex.waiter.wait_for(
            self.label, probe, lambda v: v is not None and v.status != "creating",
            f"the request from {other} to reach this account", since=self.started)
        assert view is not None
        self.conn_id = view.peer_conn_id
        return view

    def _do_accept(self, step: Step) -> None:
        self._start(step)
        if self._resolve_request(step).status == "consulting":
            self._call(step, "accept", self.conn_id)
        self._wait(step, "status active",
                   lambda v: v is not None and (v.status == "active"
                                                or v.status in FAILED_STATUSES))

    def _do_reject(self, step: Step) -> None:
        if self._resolve_request(step).status == "consulting":
            self._call(step, "reject", self.conn_id)

    # ------------------------------------------------------------- in place
    def _do_update(self, step: Step) -> None:
        p = dict(step.params)
        local_if_id = p.get("local_if_id")
        if not local_if_id or p.get("end"):
            end = self.ex.poller.end(self._ctx(step), step.vpc_id, self._other_vpc(step),
                                     fresh=True)
            if end is None:
                raise NotFoundError(f"the end of {self.conn_id} in {step.vpc_id} is not "
                                    "visible", operation="update")
            local_if_id = end.local_if_id
        wanted = {k: p[k] for k in ("description", "local_if_name") if p.get(k) is not None}
        self._set(step, "update",
                  lambda v: all(getattr(v, k) == want for k, want in wanted.items()),
                  self.conn_id, local_if_id=local_if_id,
                  description=p.get("description"), local_if_name=p.get("local_if_name"))

    def _settled(self, step: Step) -> None:
        """Wait until the connection is active (BCE refuses resize and DNS changes before)."""
        self._wait(step, "status active with a settled dnsStatus",
                   lambda v: v is not None and ((v.status == "active" and v.dns_status
                                                 not in ("wait", "syncing", "closing"))
                                                or v.status in FAILED_STATUSES),
                   settling_of)

    def _do_resize(self, step: Step) -> None:
        self._start(step)
        self._settled(step)
        target = int(step.params["new_bandwidth_in_mbps"])
        self._set(step, "resize", lambda v: v.bandwidth_in_mbps == target, self.conn_id,
                  new_bandwidth_in_mbps=target)
        self._wait(step, f"bandwidth {target} Mbps and status active",
                   lambda v: v is not None and ((v.status == "active"
                                                 and v.bandwidth_in_mbps == target)
                                                or v.status in FAILED_STATUSES),
                   bandwidth_of)

    def _dns(self, step: Step, method: str, target: str) -> None:
        self._start(step)
        self._settled(step)
        view = self.seen
        view_dns = view.dns_status if view is not None else None
        if view is None or view.dns_status != target:
            self._set(step, method, lambda v: v.dns_status != view_dns, self.conn_id,
                      role=step.params["role"])
        self._wait(step, f"dnsStatus {target}",
                   lambda v: v is not None and (v.dns_status == target
                                                or v.status in FAILED_STATUSES), dns_of)

    def _do_open_dns(self, step: Step) -> None:
        self._dns(step, "open_dns_sync", "open")

    def _do_close_dns(self, step: Step) -> None:
        self._dns(step, "close_dns_sync", "close")

    def _do_renew(self, step: Step) -> None:
        self._call(step, "renew", self.conn_id,
                   reservation_length=int(step.params["reservation_length"]),
                   reservation_time_unit=step.params.get("reservation_time_unit", "Month"))

    def _do_protect_on(self, step: Step) -> None:
        self._protect(step, True)

    def _do_protect_off(self, step: Step) -> None:
        self._protect(step, False)

    def _protect(self, step: Step, on: bool) -> None:
        self._set(step, "set_delete_protect", lambda v: v.delete_protect is on, self.conn_id,
                  delete_protect=on)

    # ----------------------------------------------------------------- release
    def _do_release(self, step: Step) -> None:
        self._start(step)
        try:
            self._call(step, "delete", self.conn_id)
        except NotFoundError:
            self._mark(step)  # already gone: the release this step wants has happened
        self._wait(step, "the connection to be gone", lambda v: v is None)
        if self.change.kind == ChangeKind.REPLACE:
            self.conn_id = None

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
        region = str(c.attributes.get("peer_region", c.region))
        assert self.conn_id is not None
        end = self.ex.poller.by_id(Context(c.profile, region), c.peer_vpc_id, self.conn_id,
                                   fresh=True)
        return end.local_if_name if end is not None else None
