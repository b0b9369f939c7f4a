"""Planning one connection entry: match by pair, ownership, create / update / replace /
release, and what an entry leaves behind when its pair changes. Pure.
"""

from __future__ import annotations

from reconciler.model import (
    FAILED_STATUSES,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    NAME_TAG,
    STACK_TAG,
    DesiredConnection,
    PeerConn,
    Role,
    Status,
)
from reconciler.observe.live import Context, live_basis
from reconciler.plan import OP_ORDER, Action, NoteLevel, Op
from reconciler.planner.base import _diag, _live_attributes, pending_note
from reconciler.planner.diffing import ConnectionDiff, connection_diff
from reconciler.planner.routes import RoutePart, RoutePlanning


class ConnectionPlanning(RoutePlanning):
    def _plan_connection(self, conn: DesiredConnection) -> None:
        ctx = self._ctx(conn)
        view = self.live.end(ctx, conn.local_vpc_id, conn.peer_vpc_id)
        address = conn.address
        if view is not None and conn.ensure != "absent":
            self._note_ownership(conn, view, address)
        if conn.ensure == "absent":
            if view is not None and self._may_release(conn, view):
                self._add_release(conn, view, [f"ensure: absent ({conn.source})"])
            return
        if view is None:
            gone = self.live.deleting(ctx, conn.local_vpc_id, conn.peer_vpc_id)
            if gone is not None:
                self.note(NoteLevel.INFO, address,
                          f"{gone.peer_conn_id} is being deleted; the create waits for it")
            self._add_create(conn, ["no live connection for " + str(conn.pair)])
            return
        if view.status in FAILED_STATUSES:
            reason = f"live status is {view.status}; the manifest still wants it"
            self._replace(conn, view, [reason])
            return
        diff = connection_diff(conn, view, self._peer_end(conn, view), self.now)
        if diff.forces_replacement:
            reasons = [f.reason for f in diff.fields if f.forces_replacement]
            self._replace(conn, view, reasons, diff)
            return
        self._add_update(conn, view, diff)
        if view.status != Status.ACTIVE:  # said so that "No changes" never hides it
            self.note(NoteLevel.INFO, address, pending_note(conn.peer_account_id, view))

    def _note_ownership(self, conn: DesiredConnection, view: PeerConn, address: str) -> None:
        owner = self._owner(conn, view)
        if view.role == Role.ACCEPTOR:
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} for {view.pair} was initiated from "
                      f"{view.peer_vpc_id}, the other side; it is managed from this end and "
                      "no second connection will be created")
        if owner is None:
            if view.role != Role.ACCEPTOR:
                self.note(NoteLevel.INFO, address,
                          f"adopting {view.peer_conn_id}: it carries no peerconn tags "
                          "(tags can only be set at create time)")
        elif owner != conn.stack and owner == conn.lifecycle.adopt_from_stack:
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} is tagged as owned by stack {owner!r}; managed here "
                      "by lifecycle.adopt_from_stack (that stack must no longer declare it)")
        elif owner != conn.stack:
            self.errors.append(_diag(
                conn, f"{view.peer_conn_id} for {view.pair} is owned by stack {owner!r} "
                      f"(its {STACK_TAG} tag); a connection has one owner",
                hint=f"remove it from this stack, or take it over on purpose with "
                     f"`lifecycle: {{adopt_from_stack: {owner}}}`"))

    def _owner(self, conn: DesiredConnection, view: PeerConn) -> str | None:
        """The stack tag of the connection, read from its initiator's end (the acceptor's end
        carries no tags); None when untagged or the initiator's end is not readable."""
        tagged = view
        if view.role == Role.ACCEPTOR and conn.peer_account_id is None:
            other = self.live.end(Context(conn.profile, conn.peer_region), conn.peer_vpc_id,
                                  conn.local_vpc_id)
            tagged = other if other is not None else view
        tags = tagged.tag_map
        return tags.get(STACK_TAG) if tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE else None

    def _peer_end(self, conn: DesiredConnection, view: PeerConn) -> PeerConn | None:
        if conn.peer_account_id is not None:
            return None
        return self.live.end(Context(conn.profile, conn.peer_region), conn.peer_vpc_id,
                             conn.local_vpc_id)

    def _may_release(self, conn: DesiredConnection, view: PeerConn) -> bool:
        ok = True
        if conn.lifecycle.prevent_destroy:
            self.errors.append(_diag(conn, f"lifecycle.prevent_destroy forbids releasing "
                                            f"{view.peer_conn_id}",
                                     "remove prevent_destroy first if the release is intended"))
            ok = False
        if view.delete_protect and conn.delete_protect is not False:
            self.errors.append(_diag(conn, f"{view.peer_conn_id} has release protection "
                                           "(deleteProtect) on",
                                     "set delete_protect: false on this entry to release it"))
            ok = False
        if view.role == Role.ACCEPTOR and conn.peer_account_id is not None:
            self.errors.append(_diag(conn, "only the initiating account may release a "
                                           "cross-account connection"))
            ok = False
        if view.release_refused(self.now):
            self.errors.append(_diag(conn, f"{view.peer_conn_id} is an active prepaid "
                                           "connection; BCE refuses to release it before "
                                           f"it expires ({view.expired_time})"))
            ok = False
        return ok

    def _replace(self, conn: DesiredConnection, view: PeerConn, reasons: list[str],
                 diff: ConnectionDiff | None = None) -> None:
        if not self._may_release(conn, view):
            return
        address = conn.address
        routes = self._release_routes(self._ctx(conn), view, "the release half of the replace")
        routes.extend(self._new_routes(conn, view, address))
        steps = (*[s for s in routes.steps if s.op == Op.DELETE_ROUTE],
                 *self.steps.release(conn, view), *self.steps.create(conn, replaces=view),
                 *[s for s in routes.steps if s.op != Op.DELETE_ROUTE])
        fields = diff.fields if diff is not None else ()
        basis = live_basis(view, ("status", "delete_protect", "peer_region",
                                  "peer_account_id", "payment_timing"))
        self._note_deferred_dns(conn, address)
        change = self._emit(conn, address, Action.REPLACE, view, reasons, fields, steps,
                            routes.into(basis))
        self.creates[conn.pair] = change

    def _add_release(self, conn: DesiredConnection, view: PeerConn, reasons: list[str]) -> None:
        routes = self._release_routes(self._ctx(conn), view, "before the release")
        steps = (*routes.steps, *self.steps.release(conn, view))
        basis = live_basis(view, ("status", "delete_protect", "payment_timing"))
        self._emit(conn, conn.address, Action.RELEASE, view, reasons, (),
                   steps, routes.into(basis), attributes=_live_attributes(view))

    def _add_create(self, conn: DesiredConnection, reasons: list[str]) -> None:
        address = conn.address
        routes = self._new_routes(conn, None, address)
        steps = (*self.steps.create(conn, replaces=None), *routes.steps)
        self._note_deferred_dns(conn, address)
        change = self._emit(conn, address, Action.CREATE, None, reasons, (), steps,
                            routes.into({"exists": False}))
        self.creates[conn.pair] = change

    def _new_routes(self, conn: DesiredConnection, view: PeerConn | None,
                    address: str) -> RoutePart:
        """The rules through a connection this change creates. A cross-account request is
        active only once the other account accepts, so its rules wait for a later apply."""
        if conn.peer_account_id is not None:
            answer = next((a for a in self.desired.acceptances
                           if a.pair == conn.pair and a.accept), None)
            if answer is not None:  # the accept's change carries (or re-points) the rules
                if conn.routes_local is not None:
                    self.note(NoteLevel.INFO, address, f"routes.local is added after "
                              f"{answer.address} accepts (in that change)")
            elif conn.routes_local:
                # Checked now (a symbol this run cannot expand fails today, not next time).
                self._declared(conn, conn.routes_local, conn.local_vpc_id)
                self.note(NoteLevel.INFO, address, "routes are added once the other account "
                          "has accepted (next apply)")
            elif conn.routes_local is None and view is not None:
                self._refuse_lost_rules(conn, view)
            return RoutePart()
        return self._conn_routes(conn, view, address, new=True)

    def _refuse_lost_rules(self, conn: DesiredConnection, view: PeerConn) -> None:
        """A cross-account replace without the acceptance in the run: its release deletes the
        rules through the old connection, and nothing could add the unmanaged ones back (the
        new request is usable only after the accept, and the side has no list)."""
        lost = [rule for vpc, rule in self.live.rules_via(self._ifids(self._ctx(conn), view))
                if vpc == conn.local_vpc_id]
        if lost:
            shown = ", ".join(r.destination_address for r in lost)
            self.errors.append(_diag(
                conn, f"the replace of {view.peer_conn_id} deletes the rules {shown} in "
                      f"{conn.local_vpc_id}'s table, which routes.local does not manage, and "
                      f"cannot add them back before {conn.peer_account_id} accepts the new "
                      "request",
                "declare them in routes.local (they are added once the other account has "
                "accepted), or plan with the other account's acceptance in the same run"))

    def _note_deferred_dns(self, conn: DesiredConnection, address: str) -> None:
        """A new cross-account request cannot open DNS before it is accepted (steps.create)."""
        if conn.peer_account_id is not None and conn.dns_sync:
            self.note(NoteLevel.INFO, address,
                      "dns_sync is opened once the other account has accepted (next apply)")

    def _add_update(self, conn: DesiredConnection, view: PeerConn, diff: ConnectionDiff) -> None:
        address = conn.address
        for message in diff.notes:
            self.note(NoteLevel.INFO, address, message)
        for message in diff.errors:
            self.errors.append(_diag(conn, message))
        routes = RoutePart()
        # Rules wait for the connection to be usable: same account, the route step waits
        # for active itself; across accounts they wait for the accept (the accept's change
        # carries them when its entry is in the run), so only an active connection plans them.
        if view.status == Status.ACTIVE or (conn.peer_account_id is None
                                            and view.status != Status.CONSULTING):
            routes = self._conn_routes(conn, view, address, new=False)
        steps = self.steps.update(conn, view, diff) if diff.fields else ()
        if not steps and not routes.steps:
            return
        basis = live_basis(view, diff.basis_keys, self._peer_end(conn, view))
        reasons = [f.reason for f in diff.fields]
        if not steps:
            reasons = ["its route rules differ from what routes declares"]
        self._emit(conn, address, Action.UPDATE, view, reasons, diff.fields,
                   tuple(sorted((*steps, *routes.steps), key=lambda s: OP_ORDER[s.op])),
                   routes.into(basis), attributes={} if not steps else None)

    def _note_left_behind(self) -> None:
        """An entry whose pair changed leaves its old connection (found by its name tag):
        say so by name, or, when the stack prunes, name it in the prune's reason."""
        wanted = {c.pair for c in self.desired.connections}
        pruned = {c.peer_conn_id for c in self.changes if c.action == Action.RELEASE}
        named: dict[tuple[Context, str, str, str], list[PeerConn]] = {}
        for ctx, view in self.live.items():
            tags = view.tag_map
            if NAME_TAG in tags and view.pair not in wanted and view.peer_conn_id not in pruned:
                key = (ctx, view.local_vpc_id, tags.get(STACK_TAG, ""), tags[NAME_TAG])
                named.setdefault(key, []).append(view)
        for conn in self.desired.connections:
            key = (self._ctx(conn), conn.local_vpc_id, conn.stack, conn.name)
            for view in named.get(key, ()):
                self.note(NoteLevel.WARNING, conn.address,
                          f"its old connection {view.peer_conn_id} ({view.pair}) is left in "
                          "place (prune: false); release it with prune: true, or declare that "
                          "pair with ensure: absent")
