"""Planning one acceptance entry: accept or reject the request, or update the acceptor's end;
answering a request this run creates, replaces or releases. Pure.
"""

from __future__ import annotations

from reconciler.model import (
    FAILED_STATUSES,
    DesiredAcceptance,
    PeerConn,
    Role,
    Status,
)
from reconciler.observe.live import live_basis
from reconciler.plan import OP_ORDER, Action, Change, FieldChange, NoteLevel
from reconciler.planner.diffing import acceptance_diff
from reconciler.planner.routes import RoutePart, RoutePlanning


class AcceptancePlanning(RoutePlanning):
    def _plan_acceptance(self, acc: DesiredAcceptance) -> None:
        ctx = self._ctx(acc)
        address = acc.address
        view = self.live.end(ctx, acc.local_vpc_id, acc.peer_vpc_id)
        released = self._released_in_run(acc)
        if released is not None:
            self.note(NoteLevel.INFO, address, f"{released.address} releases this connection "
                                               "in this run; nothing to accept")
            return
        create = self.creates.get(acc.pair)
        if view is None or create is not None:  # a replace answers for the new request
            if create is None:
                self.note(NoteLevel.INFO, address,
                          f"waiting for {acc.peer_account_id or 'the other account'} to "
                          f"request {acc.peer_vpc_id} -> {acc.local_vpc_id}")
                return
            kind = Action.ACCEPT if acc.accept else Action.REJECT
            routes = self._answer_routes(acc, view, create.address, request=None)
            steps = (*self.steps.answer(acc, None, made_by=create.address), *routes.steps)
            verb = "replaced" if create.action == Action.REPLACE else "created"
            # The basis is what stands now (nothing, or the failed request the replace
            # releases), so that the stale check compares like with like.
            basis = live_basis(view, ("status",)) if view is not None else {"exists": False}
            self._emit(acc, address, kind, None, [f"{create.address} is {verb} in this run; "
                                                  "this account answers the request"],
                       _answer_fields(acc, None), steps, routes.into(basis),
                       depends_on=(create.address,))
            return
        if view.role != Role.ACCEPTOR:
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} was initiated by this account, not by "
                      f"{acc.peer_account_id}; nothing to accept")
            return
        if view.status in (Status.CREATING, Status.CONSULTING):
            # "creating": the request is still being made; the executor waits for consulting.
            # The basis omits the status so that this expected transition is not "stale".
            kind = Action.ACCEPT if acc.accept else Action.REJECT
            routes = self._answer_routes(acc, view, address, request=view.peer_conn_id)
            steps = (*self.steps.answer(acc, view, made_by=None), *routes.steps)
            basis = live_basis(view, ())
            self._emit(acc, address, kind, view, [f"{view.peer_conn_id} is waiting for this "
                                                  "account's answer (consulting)"],
                       _answer_fields(acc, view), steps, routes.into(basis))
            return
        if view.status in FAILED_STATUSES:
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} is {view.status}; the initiator must request again")
            return
        diff = acceptance_diff(acc, view)
        for message in diff.notes:
            self.note(NoteLevel.INFO, address, message)
        routes = RoutePart()
        if view.status == Status.ACTIVE:
            routes = self._acceptor_routes(acc, view, address, new=False)
        if diff.fields or routes.steps:
            steps = tuple(sorted((*(self.steps.acceptor_update(acc, view, diff)
                                    if diff.fields else ()), *routes.steps),
                                 key=lambda s: OP_ORDER[s.op]))
            basis = live_basis(view, diff.basis_keys)
            reasons = [f.reason for f in diff.fields] or \
                ["its route rules differ from what routes declares"]
            self._emit(acc, address, Action.UPDATE, view, reasons, diff.fields, steps,
                       routes.into(basis), attributes={} if not diff.fields else None)

    def _answer_routes(self, acc: DesiredAcceptance, view: PeerConn | None, made_by: str, *,
                       request: str | None) -> RoutePart:
        """The rules an accept makes possible: the acceptor's own (``routes.local``) and,
        when the initiator's entry is in this run, the initiator's ``routes.local`` — both
        after the accept, in this change (the initiator's change ends before the accept).
        ``request``: the id of a request made earlier; otherwise ``made_by`` makes it."""
        if not acc.accept:
            return RoutePart()
        part = self._acceptor_routes(acc, view, made_by, new=True, request=request)
        conn = next((c for c in self.desired.connections
                     if c.pair == acc.pair and c.peer_account_id is not None), None)
        if conn is not None:
            old = self.live.end(self._ctx(conn), conn.local_vpc_id, conn.peer_vpc_id) \
                if request is None else None
            part.extend(self._conn_routes(conn, old, made_by, new=True, carried_by=acc.address,
                                          request=request))
        return part

    def _released_in_run(self, acc: DesiredAcceptance) -> Change | None:
        for change in self.changes:
            if change.action == Action.RELEASE and \
                    {change.local_vpc_id, change.peer_vpc_id} == {acc.local_vpc_id, acc.peer_vpc_id}:
                return change
        return None


def _answer_fields(acc: DesiredAcceptance, view: PeerConn | None) -> tuple[FieldChange, ...]:
    """An acceptance shown as what changes: the status, then this end's declared settings."""
    before = view.status if view is not None else "consulting"
    if not acc.accept:
        return (FieldChange("status", before, "consult_failed", "reject (PUT ?reject)"),)
    out = [FieldChange("status", before, Status.ACTIVE, "accept (PUT ?accept)")]
    for name in ("local_if_name", "description"):
        want = getattr(acc, name)
        have = getattr(view, name) if view is not None else ""
        if want is not None and want != have:
            out.append(FieldChange(name, have, want, f"{name}: update (PUT /v1/peerconn/{{id}})"))
    if acc.dns_sync and (view is None or not view.dns_sync):
        out.append(FieldChange("dns_sync", False, True, "dns_sync: open (PUT ?open&role=acceptor)"))
    return tuple(out)
