"""The plan: an immutable value that apply executes and nothing else.

Owns: ``Plan``, ``Change``, ``Step``, ``FieldChange``, ``Note``, the closed sets of change kinds
and API operations, fingerprints of live fields, and the versioned JSON round trip
(``specs/plan-format.md``). Must not do I/O beyond (de)serialising strings, must not import
the client, the simulator or the manifest loader. A plan never holds credentials.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

FORMAT = "peerconn-plan"
FORMAT_VERSION = 2


class ChangeKind(StrEnum):
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
    ChangeKind.CREATE: "+",
    ChangeKind.UPDATE: "~",
    ChangeKind.REPLACE: "-/+",
    ChangeKind.RELEASE: "-",
    ChangeKind.ACCEPT: "~",
    ChangeKind.REJECT: "~",
}
_VERBS = {
    ChangeKind.CREATE: "will be created",
    ChangeKind.UPDATE: "will be updated in place",
    ChangeKind.REPLACE: "must be replaced",
    ChangeKind.RELEASE: "will be released",
    ChangeKind.ACCEPT: "will be accepted",
    ChangeKind.REJECT: "will be rejected",
}


class Op(StrEnum):
    """One BCE API call (reference §1) the executor may make, in per-connection order."""

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
    PROTECT_ON = "protect_on"


#: Order of operations within one connection (PRODUCT.md §4).
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

    ``peer_conn_id`` is None for steps that act on a connection a preceding ``create`` step of
    the same change makes; the executor fills it in. ``profile``/``region`` name the account
    and endpoint the call goes to; ``vpc_id`` is the end (the caller's local VPC) it acts on.
    """

    op: Op
    client_token: str
    profile: str | None
    region: str
    vpc_id: str
    peer_conn_id: str | None = None
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


@dataclass(frozen=True, slots=True)
class Change:
    """Everything planned for one connection (or acceptance)."""

    address: str
    stack: str
    name: str
    kind: ChangeKind
    profile: str | None
    region: str
    local_vpc_id: str
    peer_vpc_id: str
    peer_conn_id: str | None
    reasons: tuple[str, ...]
    fields: tuple[FieldChange, ...]
    steps: tuple[Step, ...]
    basis: Mapping[str, Any]
    fingerprint: str
    phase: int = 1
    depends_on: tuple[str, ...] = ()
    source: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


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
    target: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, int]:
        """Counts for the summary line; accept/reject modify an existing connection."""
        out = {"create": 0, "update": 0, "replace": 0, "release": 0}
        for change in self.changes:
            key = change.kind.value
            if change.kind in (ChangeKind.ACCEPT, ChangeKind.REJECT):
                key = "update"
            out[key] += 1
        return out

    def summary_line(self) -> str:
        c = self.counts()
        return (
            f"Plan: {c['create']} to create, {c['update']} to update, "
            f"{c['replace']} to replace, {c['release']} to release."
        )


def fingerprint(basis: Mapping[str, Any]) -> str:
    """A stable digest of the live fields a change relied on."""
    blob = json.dumps(basis, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------- JSON round trip


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    body = asdict(plan)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **body, "summary": plan.counts()}


def plan_to_json(plan: Plan) -> str:
    """The plan file: the document, then ``digest``, a SHA-256 of the document before it."""
    body = plan_to_dict(plan)
    return _dumps({**body, "digest": _digest(body)})


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _digest(body: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_dumps(body).encode()).hexdigest()


class PlanFormatError(ValueError):
    """The file is not a plan this version can read."""


def plan_from_json(text: str) -> Plan:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"not a JSON plan file ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFormatError("not a peerconn plan file (missing \"format\": \"peerconn-plan\")")
    if data.get("format_version") != FORMAT_VERSION:
        raise PlanFormatError(
            f"plan format version {data.get('format_version')!r} is not supported "
            f"(this peerconn reads version {FORMAT_VERSION})"
        )
    claimed = data.pop("digest", None)
    if claimed != _digest(data):
        raise PlanFormatError("the plan file was modified after peerconn wrote it (its digest "
                              "does not match its content); make a new plan and review it")
    try:
        return _plan_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFormatError(f"malformed plan file: {exc}") from None


def _plan_from_dict(data: Mapping[str, Any]) -> Plan:
    return Plan(
        created_at=data["created_at"],
        stacks=tuple(data["stacks"]),
        changes=tuple(_change_from_dict(c) for c in data["changes"]),
        notes=tuple(
            Note(NoteLevel(n["level"]), n["address"], n["message"]) for n in data["notes"]
        ),
        targets=tuple(data.get("targets", ())),
        peerconn_version=data.get("peerconn_version", ""),
        plan_id=data.get("plan_id", ""),
        target=dict(data.get("target", {})),
    )


def _change_from_dict(c: Mapping[str, Any]) -> Change:
    return Change(
        address=c["address"],
        stack=c["stack"],
        name=c["name"],
        kind=ChangeKind(c["kind"]),
        profile=c["profile"],
        region=c["region"],
        local_vpc_id=c["local_vpc_id"],
        peer_vpc_id=c["peer_vpc_id"],
        peer_conn_id=c["peer_conn_id"],
        reasons=tuple(c["reasons"]),
        fields=tuple(FieldChange(**f) for f in c["fields"]),
        steps=tuple(_step_from_dict(s) for s in c["steps"]),
        basis=dict(c["basis"]),
        fingerprint=c["fingerprint"],
        phase=int(c["phase"]),
        depends_on=tuple(c["depends_on"]),
        source=c["source"],
        attributes=dict(c["attributes"]),
    )


def _step_from_dict(s: Mapping[str, Any]) -> Step:
    return Step(
        op=Op(s["op"]),
        client_token=s["client_token"],
        profile=s["profile"],
        region=s["region"],
        vpc_id=s["vpc_id"],
        peer_conn_id=s["peer_conn_id"],
        params=dict(s["params"]),
        wait=Wait(s["wait"]),
        reason=s["reason"],
    )
