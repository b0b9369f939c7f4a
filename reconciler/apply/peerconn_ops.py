"""The peering-connection operations: what each ``Op`` calls and waits for.

Owns the argument mapping of every call, the duplicate guard before a create and the
recognition of a replayed create, finding a request an acceptance answers, the interface id an
update needs, and which status each wait accepts. The kind-independent machinery (tokens,
replays of set-value calls, waits, outcomes, read-back) is ``runstep.StepRunner``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.apply.readback import bandwidth_of, create_args, dns_of, settling_of
from reconciler.apply.route_ops import ROUTE_OPERATIONS, RouteSteps
from reconciler.apply.runstep import REPLAYS
from reconciler.errors import ConflictError, NotFoundError
from reconciler.model import (
    FAILED_STATUSES,
    GONE_STATUSES,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    STACK_TAG,
    WIRE_TIME_UNIT,
    DnsStatus,
    PeerConn,
    Status,
)
from reconciler.plan import Action, Op, Step, Wait
from reconciler.planner.tokens import successor


class PeerConnSteps(RouteSteps):
    # ------------------------------------------------------------------ create
    def _do_create(self, step: Step) -> None:
        p = dict(step.params)
        self._start(step)
        ctx = self._ctx(step)
        existing = self.ex.poller.end(ctx, step.vpc_id, p["peer_vpc_id"], fresh=True)
        if existing is not None and existing.status == Status.DELETING:
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
        targets = {Status.ACTIVE} if step.wait == Wait.ACTIVE else {Status.CONSULTING, Status.ACTIVE}
        self._wait(step, f"status {' or '.join(sorted(targets))}",
                   lambda v: v is not None and (v.status in targets
                                                or v.status in FAILED_STATUSES))

    def _create(self, step: Step, args: dict[str, Any]) -> str:
        """Create; an answer naming a connection that is already gone is a replay of an
        earlier create of this pair (released since, on the same day): create again under the
        successor token, which every runner that sees the same replay derives alike."""
        token = step.client_token
        for _ in range(REPLAYS):
            conn_id = self._call(step, lambda api, t: api.create(**args, client_token=t),
                                 token=token)
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
            self.label, probe, lambda v: v is not None and v.status != Status.CREATING,
            f"the request from {other} to reach this account", since=self.started)
        assert view is not None
        self.conn_id = view.peer_conn_id
        return view

    def _do_accept(self, step: Step) -> None:
        self._start(step)
        if self._resolve_request(step).status == Status.CONSULTING:
            conn = self._conn()
            self._call(step, lambda api, t: api.accept(conn, client_token=t))
        self._wait(step, "status active",
                   lambda v: v is not None and (v.status == Status.ACTIVE
                                                or v.status in FAILED_STATUSES))

    def _do_reject(self, step: Step) -> None:
        if self._resolve_request(step).status == Status.CONSULTING:
            conn = self._conn()
            self._call(step, lambda api, t: api.reject(conn, client_token=t))

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
        conn = self._conn()
        self._set(step, lambda api, t: api.update(
                      conn, local_if_id=local_if_id, description=p.get("description"),
                      local_if_name=p.get("local_if_name"), client_token=t),
                  lambda v: all(getattr(v, k) == want for k, want in wanted.items()))

    def _settled(self, step: Step) -> None:
        """Wait until the connection is active (BCE refuses resize and DNS changes before)."""
        self._wait(step, "status active with a settled dnsStatus",
                   lambda v: v is not None and ((v.status == Status.ACTIVE and v.dns_status
                                                 not in (DnsStatus.WAIT, DnsStatus.SYNCING, DnsStatus.CLOSING))
                                                or v.status in FAILED_STATUSES),
                   settling_of)

    def _do_resize(self, step: Step) -> None:
        self._start(step)
        self._settled(step)
        target = int(step.params["new_bandwidth_in_mbps"])
        conn = self._conn()
        self._set(step, lambda api, t: api.resize(conn, new_bandwidth_in_mbps=target,
                                                  client_token=t),
                  lambda v: v.bandwidth_in_mbps == target)
        self._wait(step, f"bandwidth {target} Mbps and status active",
                   lambda v: v is not None and ((v.status == Status.ACTIVE
                                                 and v.bandwidth_in_mbps == target)
                                                or v.status in FAILED_STATUSES),
                   bandwidth_of)

    def _dns(self, step: Step, target: str) -> None:
        self._start(step)
        self._settled(step)
        view = self.seen
        view_dns = view.dns_status if view is not None else None
        if view is None or view.dns_status != target:
            conn, role, opening = self._conn(), str(step.params["role"]), target == "open"
            self._set(step, lambda api, t: (api.open_dns_sync if opening else api.close_dns_sync)(
                          conn, role=role, client_token=t),
                      lambda v: v.dns_status != view_dns)
        self._wait(step, f"dnsStatus {target}",
                   lambda v: v is not None and (v.dns_status == target
                                                or v.status in FAILED_STATUSES), dns_of)

    def _do_open_dns(self, step: Step) -> None:
        self._dns(step, "open")

    def _do_close_dns(self, step: Step) -> None:
        self._dns(step, "close")

    def _do_renew(self, step: Step) -> None:
        conn, p = self._conn(), step.params
        self._call(step, lambda api, t: api.renew(
            conn, reservation_length=int(p["reservation_length"]),
            reservation_time_unit=str(p.get("reservation_time_unit", WIRE_TIME_UNIT)), client_token=t))

    def _do_protect_on(self, step: Step) -> None:
        self._protect(step, True)

    def _do_protect_off(self, step: Step) -> None:
        self._protect(step, False)

    def _protect(self, step: Step, on: bool) -> None:
        conn = self._conn()
        self._set(step, lambda api, t: api.set_delete_protect(conn, delete_protect=on,
                                                              client_token=t),
                  lambda v: v.delete_protect is on)

    # ----------------------------------------------------------------- release
    def _do_release(self, step: Step) -> None:
        self._start(step)
        try:
            conn = self._conn()
            self._call(step, lambda api, t: api.delete(conn, client_token=t))
        except NotFoundError:
            self._mark(step)  # already gone: the release this step wants has happened
        self._wait(step, "the connection to be gone", lambda v: v is None)
        if self.change.action == Action.REPLACE:
            self.conn_id = None


#: What each operation does (one entry per ``Op``; a missing one fails at import, not at apply).
_OPERATIONS: dict[Op, Callable[[PeerConnSteps, Step], None]] = {
    Op.PROTECT_OFF: PeerConnSteps._do_protect_off,
    Op.RELEASE: PeerConnSteps._do_release,
    Op.CREATE: PeerConnSteps._do_create,
    Op.ACCEPT: PeerConnSteps._do_accept,
    Op.REJECT: PeerConnSteps._do_reject,
    Op.UPDATE: PeerConnSteps._do_update,
    Op.RESIZE: PeerConnSteps._do_resize,
    Op.OPEN_DNS: PeerConnSteps._do_open_dns,
    Op.CLOSE_DNS: PeerConnSteps._do_close_dns,
    Op.RENEW: PeerConnSteps._do_renew,
    Op.PROTECT_ON: PeerConnSteps._do_protect_on,
    **ROUTE_OPERATIONS,
}
assert set(_OPERATIONS) == set(Op), "every operation needs a runner"
PeerConnSteps.operations = _OPERATIONS
