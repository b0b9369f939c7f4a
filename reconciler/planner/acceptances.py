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
from reconciler.plan import Action, Change, FieldChange, NoteLevel
from reconciler.planner.base import PlanState
from reconciler.planner.diffing import acceptance_diff


class AcceptancePlanning(PlanState):
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
            steps = self.steps.answer(acc, None, made_by=create.address)
            verb = "replaced" if create.action == Action.REPLACE else "created"
            # The basis is what stands now (nothing, or the failed request the replace
            # releases), so that the stale check compares like with like.
            basis = live_basis(view, ("status",)) if view is not None else {"exists": False}
            self._emit(acc, address, kind, None, [f"{create.address} is {verb} in this run; "
                                                  "this account answers the request"],
                       _answer_fields(acc, None), steps, basis, depends_on=(create.address,))
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
            steps = self.steps.answer(acc, view, made_by=None)
            basis = live_basis(view, ())
            self._emit(acc, address, kind, view, [f"{view.peer_conn_id} is waiting for this "
                                                  "account's answer (consulting)"],
                       _answer_fields(acc, view), steps, basis)
            return
        if view.status in FAILED_STATUSES:
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} is {view.status}; the initiator must request again")
            return
        diff = acceptance_diff(acc, view)
        for message in diff.notes:
            self.note(NoteLevel.INFO, address, message)
        if diff.fields:
            steps = self.steps.acceptor_update(acc, view, diff)
            basis = live_basis(view, diff.basis_keys)
            self._emit(acc, address, Action.UPDATE, view, [f.reason for f in diff.fields],
                       diff.fields, steps, basis)

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
