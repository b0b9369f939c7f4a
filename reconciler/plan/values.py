"""The plan's values: immutable, no I/O.

Owns ``Plan``, ``Change`` (resource kind, action, typed target, steps, ``depends_on``),
``Step``, ``Ref``, ``FieldChange``, ``Note``, the closed sets of actions and API operations,
and fingerprints of live fields. Must not import the client, the simulator or the manifest
loader. A plan never holds credentials.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What happens to one connection. The value is what the plan JSON stores."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    RELEASE = "release"
    ACCEPT = "accept"
    REJECT = "reject"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def verb(self) -> str:
        return _VERBS[self]


_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.RELEASE: "-",
    Action.ACCEPT: "~",
    Action.REJECT: "~",
}
_VERBS = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.REPLACE: "must be replaced",
    Action.RELEASE: "will be released",
    Action.ACCEPT: "will be accepted",
    Action.REJECT: "will be rejected",
}


class Op(StrEnum):
    """One BCE API call (reference §1) the executor may make, in per-connection order.

    The route operations act on the route rules whose next hop is the change's connection:
    deletes come first (before a release), adds and description changes after the connection
    is active (after a create or an accept) and before protection goes back on."""

    DELETE_ROUTE = "delete_route"
    PROTECT_OFF = "protect_off"
    RELEASE = "release"
    CREATE = "create"
    ACCEPT = "accept"
    REJECT = "reject"
    UPDATE = "update"
    RESIZE = "resize"
    OPEN_DNS = "open_dns"
    CLOSE_DNS = "close_dns"
    RENEW = "renew"
    ADD_ROUTE = "add_route"
    CHANGE_ROUTE = "change_route"
    PROTECT_ON = "protect_on"


#: The operations on route rules through a change's connection (not on the connection).
ROUTE_OPS = frozenset({Op.ADD_ROUTE, Op.CHANGE_ROUTE, Op.DELETE_ROUTE})

#: Order of operations within one connection (specs/planning.md, Execution).
OP_ORDER = {op: i for i, op in enumerate(Op)}


class Wait(StrEnum):
    """The asynchronous state a step waits for before the next step runs."""

    NONE = ""
    ACTIVE = "active"
    CONSULTING = "consulting"
    DNS_OPEN = "dns_open"
    DNS_CLOSE = "dns_close"
    GONE = "gone"


@dataclass(frozen=True, slots=True)
class Step:
    """One API call: the operation, its arguments, its deterministic token, what to wait for.

    ``peer_conn_id`` is the connection the call acts on: an id known at plan time, a ``Ref``
    to the id a ``create`` of this run produces (its own change's, or the change it depends
    on), or None for an acceptance that finds the request at apply time. ``profile``/``region``
    name the account and endpoint the call goes to; ``vpc_id`` is the end (the caller's local
    VPC) it acts on.
    """

    op: Op
    client_token: str
    profile: str | None
    region: str
    vpc_id: str
    peer_conn_id: str | Ref | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    wait: Wait = Wait.NONE
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One declared attribute whose live value differs (our type, not deepdiff's)."""

    field: str
    before: Any
    after: Any
    reason: str = ""
    forces_replacement: bool = False


class ResourceKind(StrEnum):
    """What a change is about. One module per kind in each layer (``specs/architecture.md``)."""

    PEERCONN = "peerconn"


@dataclass(frozen=True, slots=True)
class Ref:
    """A value another change of the same apply produces, known only once it ran: the id a
    create answers (``output="peer_conn_id"``), or the interface of that new connection at the
    end in the step's ``vpc_id`` (``output="local_if_id"``: a route rule's next hop). Never a
    string filled in by convention."""

    change: str
    output: str


@dataclass(frozen=True, slots=True)
class PeerConnTarget:
    """Which connection a change is about, from the end it is managed from."""

    profile: str | None
    region: str
    local_vpc_id: str
    peer_vpc_id: str
    peer_region: str
    peer_account_id: str | None = None
    peer_conn_id: str | None = None  # the live connection it starts from (None: a create)


@dataclass(frozen=True, slots=True)
class Expect:
    """What the connection shows once the change is applied: the read-back check compares
    each field that is not None with what apply reads back."""

    bandwidth_in_mbps: int | None = None
    local_if_name: str | None = None
    description: str | None = None
    delete_protect: bool | None = None
    dns_sync: bool | None = None
    peer_if_name: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """Everything planned for one resource: its kind, the action, the typed target, the steps
    and what they rely on. Apply, the stale check and quotas read the typed fields; the
    ``attributes`` are for display only."""

    address: str
    resource: ResourceKind
    action: Action
    stack: str
    name: str
    target: PeerConnTarget
    reasons: tuple[str, ...]
    fields: tuple[FieldChange, ...]
    steps: tuple[Step, ...]
    basis: Mapping[str, Any]
    fingerprint: str
    depends_on: tuple[str, ...] = ()
    source: str = ""
    expect: Expect = field(default_factory=Expect)
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def profile(self) -> str | None:
        return self.target.profile

    @property
    def region(self) -> str:
        return self.target.region

    @property
    def local_vpc_id(self) -> str:
        return self.target.local_vpc_id

    @property
    def peer_vpc_id(self) -> str:
        return self.target.peer_vpc_id

    @property
    def peer_conn_id(self) -> str | None:
        return self.target.peer_conn_id

    @property
    def route_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.op in ROUTE_OPS)

    @property
    def routes_only(self) -> bool:
        """Only route rules change: the connection itself is not counted as updated."""
        return bool(self.steps) and all(s.op in ROUTE_OPS for s in self.steps)

    @property
    def runs_first(self) -> bool:
        """Releases run before everything else (they free quota and pairs)."""
        return self.action == Action.RELEASE


class NoteLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Note:
    """Something the reviewer should know that is not a change (adoption, waiting, skips)."""

    level: NoteLevel
    address: str
    message: str


@dataclass(frozen=True, slots=True)
class Plan:
    created_at: str
    stacks: tuple[str, ...]
    changes: tuple[Change, ...]
    notes: tuple[Note, ...] = ()
    targets: tuple[str, ...] = ()
    peerconn_version: str = ""
    plan_id: str = ""
    #: Where the plan may be applied: ``{"endpoint", "credentials": {profile: fingerprint}}``
    #: (``reconciler.plan.binding``); empty until the command that made it binds it.
    binding: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, int]:
        """Counts for the summary line; accept/reject modify an existing connection."""
        out = {"create": 0, "update": 0, "replace": 0, "release": 0}
        for change in self.changes:
            if change.routes_only:
                continue
            key = change.action.value
            if change.action in (Action.ACCEPT, Action.REJECT):
                key = "update"
            out[key] += 1
        return out

    def route_counts(self) -> dict[str, int]:
        """Route rules to add, change and delete, over every change."""
        ops = [s.op for c in self.changes for s in c.route_steps]
        return {"add": ops.count(Op.ADD_ROUTE), "change": ops.count(Op.CHANGE_ROUTE),
                "delete": ops.count(Op.DELETE_ROUTE)}

    @property
    def has_routes(self) -> bool:
        return any(c.route_steps for c in self.changes)

    def summary_line(self) -> str:
        c = self.counts()
        line = (
            f"Plan: {c['create']} to create, {c['update']} to update, "
            f"{c['replace']} to replace, {c['release']} to release"
        )
        if not self.has_routes:
            return line + "."
        r = self.route_counts()
        return line + (f"; routes: {r['add']} to add, {r['change']} to change, "
                       f"{r['delete']} to delete.")


def fingerprint(basis: Mapping[str, Any]) -> str:
    """A stable digest of the live fields a change relied on."""
    blob = json.dumps(basis, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()
