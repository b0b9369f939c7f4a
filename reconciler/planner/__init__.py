"""The planner: desired state + live state + the time → a Plan. Pure.

Owns the decisions: matching manifest entries to live connections by VPC pair, scoping the
comparison to declared fields, choosing the change kind (create / update / replace / release /
accept / reject), the per-connection step order of PRODUCT.md §4, the rules that block a change
at plan time (prevent_destroy, release protection, BCE's own refusals), and pruning. Field
comparison lives in ``diffing``; the API steps for a change in ``steps``. Never imports the
client, never reads the clock or the environment: ``now`` and ``limits`` are parameters.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from reconciler import __version__
from reconciler.errors import Diagnostic, UserError
from reconciler.model import (
    FAILED_STATUSES,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    NAME_TAG,
    STACK_TAG,
    DesiredAcceptance,
    DesiredConnection,
    DesiredState,
    PeerConn,
)
from reconciler.observe.live import Context, LiveState, live_basis
from reconciler.plan import Change, ChangeKind, FieldChange, Note, NoteLevel, Plan, fingerprint
from reconciler.planner import quotas, vpc_rules
from reconciler.planner.diffing import ConnectionDiff, acceptance_diff, connection_diff
from reconciler.planner.quotas import Limits
from reconciler.planner.steps import StepBuilder


def plan_identity(now: datetime) -> str:
    """Which plan this is, from its one clock reading at full precision: two plans made one
    after another differ, a plan reproduced with a fixed ``now`` is the same (specs/tokens.md)."""
    return hashlib.sha256(now.isoformat(timespec="microseconds").encode()).hexdigest()[:16]


class PlanError(UserError):
    """The plan cannot be made: a change is blocked by a rule."""


def build_plan(
    desired: DesiredState,
    live: LiveState,
    *,
    now: datetime,
    targets: tuple[str, ...] = (),
    limits: Limits = Limits(),
) -> Plan:
    planner = _Planner(desired, live, now, limits, plan_identity(now))
    planner.run()
    if planner.errors:
        raise PlanError(planner.errors)
    changes = _select_targets(planner.changes, targets)
    notes = [n for n in planner.notes if not targets or _targeted(n.address, targets)]
    ordered = sorted(changes, key=lambda c: c.phase)  # stable: manifest order within a phase
    return Plan(
        created_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        stacks=desired.stacks,
        changes=tuple(ordered),
        notes=tuple(notes),
        targets=tuple(targets),
        peerconn_version=__version__,
        plan_id=planner.steps.plan_id,
    )


def _targeted(address: str, targets: tuple[str, ...]) -> bool:
    name = address.split("/", 1)[-1]
    return address in targets or name in targets


def _select_targets(changes: list[Change], targets: tuple[str, ...]) -> list[Change]:
    if not targets:
        return changes
    chosen = {c.address for c in changes if _targeted(c.address, targets)}
    for change in changes:  # dependencies of a targeted change come along
        if change.address in chosen:
            chosen.update(change.depends_on)
    return [c for c in changes if c.address in chosen]


def _diag(entry: DesiredConnection | DesiredAcceptance, summary: str, hint: str = "") -> Diagnostic:
    src = entry.source
    return Diagnostic(
        summary=f"{entry.stack}/{entry.name}: {summary}",
        file=src.file if src else None,
        line=src.line if src else None,
        column=src.column if src else None,
        hint=hint or None,
    )


class _Planner:
    def __init__(self, desired: DesiredState, live: LiveState, now: datetime, limits: Limits,
                 plan_id: str):
        self.desired = desired
        self.live = live
        self.now = now
        self.limits = limits
        self.steps = StepBuilder(day=now.strftime("%Y-%m-%d"), plan_id=plan_id)
        self.changes: list[Change] = []
        self.notes: list[Note] = []
        self.errors: list[Diagnostic] = []
        self.creates: dict[object, Change] = {}
        self.prune_seen: set[str] = set()

    # ------------------------------------------------------------------ driver
    def run(self) -> None:
        self.errors.extend(vpc_rules.check(self.desired, self.live))
        for conn in self.desired.connections:
            self._plan_connection(conn)
        for manifest in self.desired.manifests:
            if manifest.prune:
                self._plan_prune(manifest.stack, Context(manifest.profile, manifest.region))
        # Last: an acceptance depends on what this run creates, replaces or releases.
        for acc in self.desired.acceptances:
            self._plan_acceptance(acc)
        self._note_left_behind()
        self.errors.extend(quotas.check(self.live, self.changes, self.limits))

    def _note_left_behind(self) -> None:
        """An entry whose pair changed leaves its old connection (found by its name tag):
        say so by name, or, when the stack prunes, name it in the prune's reason."""
        wanted = {c.pair for c in self.desired.connections}
        pruned = {c.peer_conn_id for c in self.changes if c.kind == ChangeKind.RELEASE}
        named: dict[tuple[Context, str, str, str], list[PeerConn]] = {}
        for ctx, view in self.live.items():
            tags = view.tag_map
            if NAME_TAG in tags and view.pair not in wanted and view.peer_conn_id not in pruned:
                key = (ctx, view.local_vpc_id, tags.get(STACK_TAG, ""), tags[NAME_TAG])
                named.setdefault(key, []).append(view)
        for conn in self.desired.connections:
            key = (self._ctx(conn), conn.local_vpc_id, conn.stack, conn.name)
            for view in named.get(key, ()):
                self.note(NoteLevel.WARNING, f"{conn.stack}/{conn.name}",
                          f"its old connection {view.peer_conn_id} ({view.pair}) is left in "
                          "place (prune: false); release it with prune: true, or declare that "
                          "pair with ensure: absent")

    def _ctx(self, entry: DesiredConnection | DesiredAcceptance) -> Context:
        return Context(entry.profile, entry.region)

    def note(self, level: NoteLevel, address: str, message: str) -> None:
        self.notes.append(Note(level, address, message))

    # ------------------------------------------------------------ connections
    def _plan_connection(self, conn: DesiredConnection) -> None:
        ctx = self._ctx(conn)
        view = self.live.end(ctx, conn.local_vpc_id, conn.peer_vpc_id)
        address = f"{conn.stack}/{conn.name}"
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
        if view.status != "active":  # said so that "No changes" never hides it
            self.note(NoteLevel.INFO, address, pending_note(conn.peer_account_id, view))

    def _note_ownership(self, conn: DesiredConnection, view: PeerConn, address: str) -> None:
        owner = self._owner(conn, view)
        if view.role == "acceptor":
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} for {view.pair} was initiated from "
                      f"{view.peer_vpc_id}, the other side; it is managed from this end and "
                      "no second connection will be created")
        if owner is None:
            if view.role != "acceptor":
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
        if view.role == "acceptor" and conn.peer_account_id is None:
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
        if view.role == "acceptor" and conn.peer_account_id is not None:
            self.errors.append(_diag(conn, "only the initiating account may release a "
                                           "cross-account connection"))
            ok = False
        if view.payment_timing == "Prepaid" and view.status == "active" and \
                not _expired(view, self.now):
            self.errors.append(_diag(conn, f"{view.peer_conn_id} is an active prepaid "
                                           "connection; BCE refuses to release it before "
                                           f"it expires ({view.expired_time})"))
            ok = False
        return ok

    def _replace(self, conn: DesiredConnection, view: PeerConn, reasons: list[str],
                 diff: ConnectionDiff | None = None) -> None:
        if not self._may_release(conn, view):
            return
        address = f"{conn.stack}/{conn.name}"
        steps = self.steps.release(conn, view) + self.steps.create(conn, replaces=view)
        fields = diff.fields if diff is not None else ()
        basis = live_basis(view, ("status", "delete_protect", "peer_region",
                                  "peer_account_id", "payment_timing"))
        self._note_deferred_dns(conn, address)
        change = self._emit(conn, address, ChangeKind.REPLACE, view, reasons, fields, steps,
                            basis)
        self.creates[conn.pair] = change

    def _add_release(self, conn: DesiredConnection, view: PeerConn, reasons: list[str]) -> None:
        steps = self.steps.release(conn, view)
        basis = live_basis(view, ("status", "delete_protect", "payment_timing"))
        self._emit(conn, f"{conn.stack}/{conn.name}", ChangeKind.RELEASE, view, reasons, (),
                   steps, basis, phase=0, attributes=_live_attributes(view))

    def _add_create(self, conn: DesiredConnection, reasons: list[str]) -> None:
        address = f"{conn.stack}/{conn.name}"
        steps = self.steps.create(conn, replaces=None)
        self._note_deferred_dns(conn, address)
        change = self._emit(conn, address, ChangeKind.CREATE, None, reasons, (), steps,
                            {"exists": False})
        self.creates[conn.pair] = change

    def _note_deferred_dns(self, conn: DesiredConnection, address: str) -> None:
        """A new cross-account request cannot open DNS before it is accepted (steps.create)."""
        if conn.peer_account_id is not None and conn.dns_sync:
            self.note(NoteLevel.INFO, address,
                      "dns_sync is opened once the other account has accepted (next apply)")

    def _add_update(self, conn: DesiredConnection, view: PeerConn, diff: ConnectionDiff) -> None:
        address = f"{conn.stack}/{conn.name}"
        for message in diff.notes:
            self.note(NoteLevel.INFO, address, message)
        for message in diff.errors:
            self.errors.append(_diag(conn, message))
        if not diff.fields:
            return
        steps = self.steps.update(conn, view, diff)
        if not steps:
            return
        basis = live_basis(view, diff.basis_keys, self._peer_end(conn, view))
        reasons = [f.reason for f in diff.fields]
        self._emit(conn, address, ChangeKind.UPDATE, view, reasons, diff.fields, steps, basis)

    def _emit(self, entry: DesiredConnection | DesiredAcceptance, address: str,
              kind: ChangeKind, view: PeerConn | None, reasons: list[str], fields: tuple,
              steps: tuple, basis: dict, *, phase: int = 1,
              depends_on: tuple[str, ...] = (), attributes: dict | None = None) -> Change:
        peer_region = getattr(entry, "peer_region", entry.region)
        change = Change(
            address=address, stack=entry.stack, name=entry.name, kind=kind,
            profile=entry.profile, region=entry.region, local_vpc_id=entry.local_vpc_id,
            peer_vpc_id=entry.peer_vpc_id,
            peer_conn_id=view.peer_conn_id if view is not None else None,
            reasons=tuple(reasons), fields=tuple(fields), steps=tuple(steps), basis=basis,
            fingerprint=fingerprint(basis), phase=phase, depends_on=depends_on,
            source=str(entry.source) if entry.source else "",
            attributes=attributes if attributes is not None else _attributes(entry, peer_region),
        )
        self.changes.append(change)
        return change

    # ------------------------------------------------------------ acceptances
    def _plan_acceptance(self, acc: DesiredAcceptance) -> None:
        ctx = self._ctx(acc)
        address = f"{acc.stack}/{acc.name}"
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
            kind = ChangeKind.ACCEPT if acc.accept else ChangeKind.REJECT
            steps = self.steps.answer(acc, None, after_create=True)
            verb = "replaced" if create.kind == ChangeKind.REPLACE else "created"
            # The basis is what stands now (nothing, or the failed request the replace
            # releases), so that the stale check compares like with like.
            basis = live_basis(view, ("status",)) if view is not None else {"exists": False}
            self._emit(acc, address, kind, None, [f"{create.address} is {verb} in this run; "
                                                  "this account answers the request"],
                       _answer_fields(acc, None), steps, basis, depends_on=(create.address,))
            return
        if view.role != "acceptor":
            self.note(NoteLevel.WARNING, address,
                      f"{view.peer_conn_id} was initiated by this account, not by "
                      f"{acc.peer_account_id}; nothing to accept")
            return
        if view.status in ("creating", "consulting"):
            # "creating": the request is still being made; the executor waits for consulting.
            # The basis omits the status so that this expected transition is not "stale".
            kind = ChangeKind.ACCEPT if acc.accept else ChangeKind.REJECT
            steps = self.steps.answer(acc, view, after_create=False)
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
            self._emit(acc, address, ChangeKind.UPDATE, view, [f.reason for f in diff.fields],
                       diff.fields, steps, basis)

    def _released_in_run(self, acc: DesiredAcceptance) -> Change | None:
        for change in self.changes:
            if change.kind == ChangeKind.RELEASE and \
                    {change.local_vpc_id, change.peer_vpc_id} == {acc.local_vpc_id, acc.peer_vpc_id}:
                return change
        return None

    # ------------------------------------------------------------------ prune
    def _plan_prune(self, stack: str, ctx: Context) -> None:
        # A pair any manifest of the run declares is wanted, whichever stack declares it now
        # (moving a connection to another stack must not release it).
        wanted = {c.pair for c in self.desired.connections}
        for view in self.live.views(ctx):
            tags = view.tag_map
            if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE or tags.get(STACK_TAG) != stack:
                continue
            if view.role != "initiator" or view.pair in wanted:
                continue
            if self.live.end(ctx, view.local_vpc_id, view.peer_vpc_id) is None:
                continue
            address = f"{stack}/{view.peer_conn_id}"
            if address in self.prune_seen:
                continue  # several files of the stack share this account (and region)
            self.prune_seen.add(address)
            if view.delete_protect:
                self.note(NoteLevel.WARNING, address, "not pruned: release protection is on")
                continue
            if view.payment_timing == "Prepaid" and view.status == "active" and \
                    not _expired(view, self.now):
                self.note(NoteLevel.WARNING, address,
                          "not pruned: active prepaid connections cannot be released before "
                          "they expire")
                continue
            self._add_prune(stack, ctx, view, address)

    def _add_prune(self, stack: str, ctx: Context, view: PeerConn, address: str) -> None:
        steps = self.steps.prune(ctx, view)
        basis = live_basis(view, ("status", "delete_protect", "tags"))
        change = Change(
            address=address, stack=stack, name=view.peer_conn_id, kind=ChangeKind.RELEASE,
            profile=ctx.profile, region=ctx.region, local_vpc_id=view.local_vpc_id,
            peer_vpc_id=view.peer_vpc_id, peer_conn_id=view.peer_conn_id,
            reasons=(_prune_reason(stack, view, self.desired),),
            fields=(), steps=steps, basis=basis, fingerprint=fingerprint(basis), phase=0,
            attributes=_live_attributes(view),
        )
        self.changes.append(change)


def _prune_reason(stack: str, view: PeerConn, desired: DesiredState) -> str:
    name = view.tag_map.get(NAME_TAG)
    entry = next((c for c in desired.connections if (c.stack, c.name) == (stack, name)), None)
    if entry is not None:
        return (f"pruned: the old connection of {stack}/{name}, whose pair is now "
                f"{entry.pair} ({entry.source})")
    if name:
        return f"pruned: {stack}/{name} is no longer in the manifests"
    return f"pruned: tagged {STACK_TAG}={stack} and no longer in the manifests"


def _expired(view: PeerConn, now: datetime) -> bool:
    if not view.expired_time:
        return False
    try:
        expiry = datetime.strptime(view.expired_time, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return expiry <= now.replace(tzinfo=None)


def _live_attributes(view: PeerConn) -> dict[str, object]:
    """What a release destroys, from the live connection."""
    out: dict[str, object] = {
        "local_vpc_id": view.local_vpc_id, "peer_vpc_id": view.peer_vpc_id,
        "peer_region": view.peer_region, "bandwidth_in_mbps": view.bandwidth_in_mbps,
        "payment_timing": view.payment_timing, "status": view.status}
    if view.description:
        out["description"] = view.description
    if view.delete_protect:
        out["delete_protect"] = True
    return out


def _answer_fields(acc: DesiredAcceptance, view: PeerConn | None) -> tuple[FieldChange, ...]:
    """An acceptance shown as what changes: the status, then this end's declared settings."""
    before = view.status if view is not None else "consulting"
    if not acc.accept:
        return (FieldChange("status", before, "consult_failed", "reject (PUT ?reject)"),)
    out = [FieldChange("status", before, "active", "accept (PUT ?accept)")]
    for name in ("local_if_name", "description"):
        want = getattr(acc, name)
        have = getattr(view, name) if view is not None else ""
        if want is not None and want != have:
            out.append(FieldChange(name, have, want, f"{name}: update (PUT /v1/peerconn/{{id}})"))
    if acc.dns_sync and (view is None or not view.dns_sync):
        out.append(FieldChange("dns_sync", False, True, "dns_sync: open (PUT ?open&role=acceptor)"))
    return tuple(out)


def _attributes(entry: DesiredConnection | DesiredAcceptance, peer_region: str) -> dict:
    """The declared attributes, for display in the plan."""
    out: dict[str, object] = {"local_vpc_id": entry.local_vpc_id,
                              "peer_vpc_id": entry.peer_vpc_id}
    if isinstance(entry, DesiredConnection):
        out.update(peer_region=peer_region, bandwidth_in_mbps=entry.bandwidth_in_mbps,
                   payment_timing=entry.billing.payment_timing)
        if entry.billing.reservation_length:
            out["reservation_length"] = entry.billing.reservation_length
    for name in ("peer_account_id", "local_if_name", "peer_if_name", "description",
                 "dns_sync", "delete_protect"):
        value = getattr(entry, name, None)
        if value is not None:
            out[name] = value
    tags = getattr(entry, "tags", None)
    if tags:
        out["tags"] = dict(sorted(tags.items()))
    return out


def pending_note(peer_account_id: str | None, view: PeerConn) -> str:
    """What a matched connection that is not active yet is waiting for."""
    if view.status == "consulting" and view.role == "initiator":
        return f"waiting for {peer_account_id or 'the other account'} to accept (consulting)"
    return f"not yet active (status {view.status})"
