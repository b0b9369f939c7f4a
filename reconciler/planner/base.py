"""The planner's shared state and the one way a change is recorded (``_emit``). Pure."""

from __future__ import annotations

from datetime import datetime

from reconciler.errors import Diagnostic
from reconciler.model import (
    DesiredAcceptance,
    DesiredConnection,
    DesiredState,
    PeerConn,
    Role,
    Status,
)
from reconciler.model.routes import DesiredRoute
from reconciler.observe.live import Context, LiveState
from reconciler.plan import (
    Action,
    Change,
    Expect,
    FieldChange,
    Note,
    NoteLevel,
    Op,
    PeerConnTarget,
    ResourceKind,
    Step,
    fingerprint,
)
from reconciler.planner.quotas import Limits
from reconciler.planner.steps import StepBuilder


class PlanState:
    """What every part of the planner reads and appends to while one plan is made."""

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
        # Routes across the whole run: who declared each (table VPC, (source, destination)),
        # and the first rule added to each table (where a full table is reported).
        self.route_claims: dict[tuple[str, tuple[str, str]], tuple[str, str]] = {}
        self.route_adders: dict[str, tuple[DesiredConnection | DesiredAcceptance, DesiredRoute]] = {}
        # Rules another change of this plan deletes (rule id -> that change), known from a
        # first pass: a declared rule routed through one of them moves (``build_plan``).
        self.freed: dict[str, str] = {}
        # (table VPC, (source, destination)) -> the change that frees it for this one
        self.route_moves: dict[tuple[str, tuple[str, str]], str] = {}

    def _ctx(self, entry: DesiredConnection | DesiredAcceptance) -> Context:
        return Context(entry.profile, entry.region)

    def note(self, level: NoteLevel, address: str, message: str) -> None:
        self.notes.append(Note(level, address, message))

    def _emit(self, entry: DesiredConnection | DesiredAcceptance, address: str,
              action: Action, view: PeerConn | None, reasons: list[str], fields: tuple,
              steps: tuple, basis: dict, *, depends_on: tuple[str, ...] = (),
              attributes: dict | None = None) -> Change:
        moved = {self.route_moves[(s.vpc_id, (s.params["source_address"],
                                               s.params["destination_address"]))]
                 for s in steps if s.op == Op.ADD_ROUTE and (s.vpc_id, (
                     s.params["source_address"], s.params["destination_address"]))
                 in self.route_moves}
        depends_on = tuple(dict.fromkeys((*depends_on, *sorted(moved - {address}))))
        peer_region = getattr(entry, "peer_region", entry.region)
        target = PeerConnTarget(
            profile=entry.profile, region=entry.region, local_vpc_id=entry.local_vpc_id,
            peer_vpc_id=entry.peer_vpc_id, peer_region=peer_region,
            peer_account_id=entry.peer_account_id,
            peer_conn_id=view.peer_conn_id if view is not None else None)
        change = Change(
            address=address, resource=ResourceKind.PEERCONN, action=action, stack=entry.stack,
            name=entry.name, target=target, reasons=tuple(reasons), fields=tuple(fields),
            steps=tuple(steps), basis=basis, fingerprint=fingerprint(basis),
            depends_on=depends_on, source=str(entry.source) if entry.source else "",
            expect=expect(entry, action, tuple(fields), tuple(steps)),
            attributes=attributes if attributes is not None else _attributes(entry, peer_region),
        )
        self.changes.append(change)
        return change


def _diag(entry: DesiredConnection | DesiredAcceptance, summary: str, hint: str = "") -> Diagnostic:
    src = entry.source
    return Diagnostic(
        summary=f"{entry.stack}/{entry.name}: {summary}",
        file=src.file if src else None,
        line=src.line if src else None,
        column=src.column if src else None,
        hint=hint or None,
    )


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


def expect(entry: DesiredConnection | DesiredAcceptance, action: Action,
           fields: tuple[FieldChange, ...], steps: tuple[Step, ...]) -> Expect:
    """What the connection shows once the change is applied (the read-back promises)."""
    if action in (Action.RELEASE, Action.REJECT):
        return Expect()
    if action == Action.UPDATE:
        after = {f.field: f.after for f in fields}
        return Expect(**{k: after[k] for k in _EXPECTED if k in after})
    declared = {k: getattr(entry, k, None) for k in _EXPECTED
                if k not in ("dns_sync", "peer_if_name")}
    if action == Action.ACCEPT:  # the acceptor does not set the bandwidth
        declared.pop("bandwidth_in_mbps", None)
    opens_dns = any(s.op == Op.OPEN_DNS for s in steps)
    return Expect(**{k: v for k, v in declared.items() if v is not None},
                  dns_sync=True if opens_dns else None)


_EXPECTED = ("bandwidth_in_mbps", "local_if_name", "description", "delete_protect", "dns_sync",
             "peer_if_name")


def pending_note(peer_account_id: str | None, view: PeerConn) -> str:
    """What a matched connection that is not active yet is waiting for."""
    if view.status == Status.CONSULTING and view.role == Role.INITIATOR:
        return f"waiting for {peer_account_id or 'the other account'} to accept (consulting)"
    return f"not yet active (status {view.status})"
