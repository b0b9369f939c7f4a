"""What a saved plan is bound to, and the checks that it is applied only there and only as shown.

Owns three pure checks on a plan read back from a file (``specs/plan-format.md``):

- **target**: the endpoint the plan was made against (the API endpoint, or the identity of the
  simulator world) and a fingerprint of each credentials profile it read with. A fingerprint is
  a one-way digest of the access key and secret: it names a key pair without revealing either.
- **digest**: a SHA-256 of the file's content, so a modified file is refused before it is read
  for anything else.
- **steps follow from their change**: every step's operation, connection and arguments are
  what the change's kind and field changes call for, so a step edited behind the reviewer's
  back (and a digest recomputed) is still refused.

Must not do I/O: the caller supplies the current target and the text of the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.plan import ROUTE_OPS, Action, Change, Op, Ref

_CREATE_OPS = frozenset({Op.CREATE, Op.OPEN_DNS})
_RELEASE_OPS = frozenset({Op.PROTECT_OFF, Op.RELEASE})
_ANSWER_OPS = frozenset({Op.ACCEPT, Op.UPDATE, Op.OPEN_DNS})
#: For an in-place update: the operations each changed field may call for.
_FIELD_OPS: Mapping[str, frozenset[Op]] = {
    "bandwidth_in_mbps": frozenset({Op.RESIZE}),
    "local_if_name": frozenset({Op.UPDATE}),
    "description": frozenset({Op.UPDATE}),
    "peer_if_name": frozenset({Op.UPDATE}),
    "dns_sync": frozenset({Op.OPEN_DNS, Op.CLOSE_DNS}),
    "delete_protect": frozenset({Op.PROTECT_ON, Op.PROTECT_OFF}),
    "expired_time": frozenset({Op.RENEW}),
}


@dataclass(frozen=True, slots=True)
class Target:
    """Where a plan runs: ``endpoint`` and ``{profile: fingerprint}`` of the credentials."""

    endpoint: str
    credentials: Mapping[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "credentials": dict(sorted(self.credentials.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        return cls(str(data.get("endpoint", "")), dict(data.get("credentials", {})))


def credential_fingerprint(access_key: str, secret_key: str) -> str:
    """A one-way name for a key pair: equal pairs give equal names, neither key is recoverable."""
    inner = hashlib.sha256(f"{access_key}\n{secret_key}".encode()).hexdigest()
    return "sha256:" + hashlib.sha256(f"peerconn-credentials\n{inner}".encode()).hexdigest()[:16]


def content_digest(body: str) -> str:
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def target_mismatch(planned: Target, current: Target) -> list[str]:
    """Why the plan may not run here; empty when it may."""
    problems = []
    if planned.endpoint != current.endpoint:
        problems.append(f"it was made against {planned.endpoint}, this apply would run against "
                        f"{current.endpoint}")
    for profile, fingerprint in sorted(planned.credentials.items()):
        now = current.credentials.get(profile)
        if now is not None and now != fingerprint:
            problems.append(f"profile {_profile(profile)} now has other credentials "
                            f"({fingerprint} when planned, {now} now)")
    return problems


def _profile(name: str) -> str:
    return repr(name) if name else "(default)"


def step_problems(changes: Iterable[Change]) -> list[str]:
    """Every step that does not follow from its change, named by address and operation."""
    out: list[str] = []
    for change in changes:
        allowed = _allowed_ops(change)
        for step in change.steps:
            if step.op not in allowed:
                out.append(f"{change.address}: a {change.action.value} change cannot run "
                           f"{step.op.value}")
            elif not _acts_on_its_connection(change, step.peer_conn_id):
                out.append(f"{change.address}: step {step.op.value} acts on {step.peer_conn_id}, "
                           f"the change on {change.peer_conn_id}")
            elif step.vpc_id not in (change.local_vpc_id, change.peer_vpc_id):
                out.append(f"{change.address}: step {step.op.value} acts on {step.vpc_id}, "
                           f"outside the pair")
        out.extend(_argument_problems(change))
    return out


def _acts_on_its_connection(change: Change, conn: str | Ref | None) -> bool:
    """A step acts on its change's connection, or on the one its own create or a change it
    depends on makes."""
    if isinstance(conn, Ref):
        return conn.output in ("peer_conn_id", "local_if_id") and (
            conn.change == change.address or conn.change in change.depends_on)
    return conn in (None, change.peer_conn_id)


def _allowed_ops(change: Change) -> frozenset[Op]:
    """The connection's own operations its action calls for; route rules through it may
    change with any action but a reject (specs/planning.md, "Routes")."""
    own = _connection_ops(change)
    return own if change.action == Action.REJECT else own | ROUTE_OPS


def _connection_ops(change: Change) -> frozenset[Op]:
    if change.action == Action.CREATE:
        return _CREATE_OPS
    if change.action == Action.RELEASE:
        return _RELEASE_OPS
    if change.action == Action.REPLACE:
        return _CREATE_OPS | _RELEASE_OPS
    if change.action == Action.ACCEPT:
        return _ANSWER_OPS
    if change.action == Action.REJECT:
        return frozenset({Op.REJECT})
    ops: set[Op] = set()
    for field_change in change.fields:
        ops |= _FIELD_OPS.get(field_change.field, frozenset())
    return frozenset(ops)


def _argument_problems(change: Change) -> list[str]:
    """The arguments a reviewer saw as field changes are the arguments the steps send."""
    after = {f.field: f.after for f in change.fields}
    out = []
    for step in change.steps:
        p = step.params
        if step.op == Op.RESIZE and p.get("new_bandwidth_in_mbps") != after.get(
                "bandwidth_in_mbps"):
            out.append(f"{change.address}: resize to {p.get('new_bandwidth_in_mbps')} Mbps, the "
                       f"change shows {after.get('bandwidth_in_mbps')}")
        if step.op == Op.CREATE:
            shown = change.expect.bandwidth_in_mbps
            if shown is not None and p.get("bandwidth_in_mbps") != shown:
                out.append(f"{change.address}: create with {p.get('bandwidth_in_mbps')} Mbps, "
                           f"the change shows {shown}")
        if step.op == Op.UPDATE and change.action == Action.UPDATE:
            for name in ("description", "local_if_name"):
                key = "peer_if_name" if p.get("end") and name == "local_if_name" else name
                if name in p and p[name] != after.get(key):
                    out.append(f"{change.address}: update sets {key} to {p[name]!r}, the "
                               f"change shows {after.get(key)!r}")
    return out
