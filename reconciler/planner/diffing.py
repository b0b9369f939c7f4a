"""Field comparison between a declared entry and its live view. Pure.

Owns: which declared attributes map to which live fields, normalisation before comparing
(``Month``/``month``, ``Prepaid``/``prepaid``, ``dns_sync`` derived from ``dnsStatus``), the
rules that turn a difference into an update, a replace, an error or a note, and the renewal
window. deepdiff is used here and its output never leaves this module: callers get
``FieldChange`` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from deepdiff import DeepDiff

from reconciler.model import (
    PREPAID,
    DesiredAcceptance,
    DesiredConnection,
    PeerConn,
    Role,
    Status,
    normalise_payment_timing,
)
from reconciler.plan import FieldChange

#: attribute → (what the change does, the API call behind it)
_HOW = {
    "bandwidth_in_mbps": "resize (PUT /v1/peerconn/{id}?resize)",
    "local_if_name": "update (PUT /v1/peerconn/{id})",
    "description": "update (PUT /v1/peerconn/{id})",
    "peer_if_name": "update of the acceptor's end (PUT /v1/peerconn/{id}, its localIfId)",
    "dns_sync": "DNS sync (PUT /v1/peerconn/{id}?open|close&role=...)",
    "delete_protect": "release protection (PUT /v1/peerconn/{id}/deleteProtect)",
    "peer_region": "replace: peer_region cannot change in place",
    "peer_account_id": "replace: peer_account_id cannot change in place",
    "payment_timing": "replace: billing.payment_timing cannot change in place",
    "expired_time": "renew (PUT /v1/peerconn/{id}?purchaseReserved)",
}
#: statuses from which a connection becomes active on its own; a DNS change is planned and
#: the executor waits for ``active`` (and a settled dnsStatus) before calling.
TOWARDS_ACTIVE = frozenset({Status.ACTIVE, Status.CREATING, Status.UPDATING, Status.STARTING})
IMMUTABLE = frozenset({"peer_region", "peer_account_id", "payment_timing"})
_ROOT_KEY = re.compile(r"root\['([^']+)'\]")


@dataclass
class ConnectionDiff:
    fields: tuple[FieldChange, ...] = ()
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    basis_keys: tuple[str, ...] = ()

    @property
    def forces_replacement(self) -> bool:
        return any(f.forces_replacement for f in self.fields)

    def target(self, name: str) -> Any:
        for f in self.fields:
            if f.field == name:
                return f.after
        return None

    def has(self, name: str) -> bool:
        return any(f.field == name for f in self.fields)


#: compared fields that ``lifecycle.ignore_changes`` names by their manifest attribute
_IGNORED_AS = {"payment_timing": "billing"}


def _declared(entry: DesiredConnection | DesiredAcceptance, name: str) -> bool:
    if _IGNORED_AS.get(name, name) in entry.lifecycle.ignore_changes:
        return False
    if name == "payment_timing":
        return bool({"billing", "billing.payment_timing", "payment_timing"} & entry.declared)
    return name in entry.declared


def _compare(desired: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """The keys whose values differ, via deepdiff (only called when the dicts differ)."""
    if desired == live:
        return []
    diff = DeepDiff(live, desired, ignore_order=True, verbose_level=2)
    names: set[str] = set()
    for bucket in ("values_changed", "type_changes", "iterable_item_added",
                   "iterable_item_removed", "dictionary_item_added",
                   "dictionary_item_removed"):
        for path in diff.get(bucket, {}):
            match = _ROOT_KEY.match(path)
            if match:
                names.add(match.group(1))
    return [(n, live.get(n), desired.get(n)) for n in sorted(names)]


def connection_diff(conn: DesiredConnection, view: PeerConn, peer_view: PeerConn | None,
                    now: datetime) -> ConnectionDiff:
    desired: dict[str, Any] = {}
    live: dict[str, Any] = {}
    out = ConnectionDiff()

    def want(name: str, value: Any, observed: Any) -> None:
        if _declared(conn, name):
            desired[name] = value
            live[name] = observed

    want("bandwidth_in_mbps", conn.bandwidth_in_mbps, view.bandwidth_in_mbps)
    want("local_if_name", conn.local_if_name, view.local_if_name)
    want("description", conn.description, view.description)
    want("delete_protect", conn.delete_protect, view.delete_protect)
    want("peer_region", conn.peer_region, view.peer_region)
    want("payment_timing", conn.billing.payment_timing, normalise_payment_timing(view.payment_timing))
    if conn.peer_account_id is not None:
        want("peer_account_id", conn.peer_account_id, view.peer_account_id)
    if conn.peer_if_name is not None and _declared(conn, "peer_if_name"):
        if peer_view is None:
            out.notes.append("peer_if_name not compared: the peer end was not listed")
        else:
            want("peer_if_name", conn.peer_if_name, peer_view.local_if_name)
    _dns(conn.dns_sync, view, _declared(conn, "dns_sync"), desired, live, out)
    changes = [_field(name, before, after) for name, before, after in _compare(desired, live)]
    changes += _renewal(conn, view, now)
    _bandwidth_rules(conn, view, changes, out)
    _protection_rules(conn, view, changes, out)
    out.fields = tuple(changes)
    out.basis_keys = tuple(sorted(desired))
    if _declared(conn, "tags") and dict(conn.tags).items() - dict(view.tags).items():
        out.notes.append("tags differ from the live ones; BCE sets tags only at create time, "
                         "so they are left as they are")
    return out


def acceptance_diff(acc: DesiredAcceptance, view: PeerConn) -> ConnectionDiff:
    desired: dict[str, Any] = {}
    live: dict[str, Any] = {}
    out = ConnectionDiff()
    for name, value, observed in (("local_if_name", acc.local_if_name, view.local_if_name),
                                  ("description", acc.description, view.description)):
        if _declared(acc, name):
            desired[name] = value
            live[name] = observed
    _dns(acc.dns_sync, view, _declared(acc, "dns_sync"), desired, live, out)
    out.fields = tuple(_field(n, b, a) for n, b, a in _compare(desired, live))
    out.basis_keys = tuple(sorted(desired))
    return out


def _dns(wanted: bool | None, view: PeerConn, declared: bool, desired: dict[str, Any],
         live: dict[str, Any], out: ConnectionDiff) -> None:
    if not declared or wanted is None or wanted == view.dns_sync:
        return
    if view.status not in TOWARDS_ACTIVE:
        out.notes.append(f"dns_sync change waits: the connection is {view.status}; BCE "
                         "changes DNS only while active")
        return
    desired["dns_sync"] = wanted
    live["dns_sync"] = view.dns_sync


def _field(name: str, before: Any, after: Any) -> FieldChange:
    how = _HOW.get(name, "update")
    return FieldChange(field=name, before=before, after=after,
                       reason=f"{name}: {how}", forces_replacement=name in IMMUTABLE)


def _initiator_only(conn: DesiredConnection, view: PeerConn) -> bool:
    """This end cannot make initiator-only calls: a cross-account connection the other side made."""
    return view.role == Role.ACCEPTOR and conn.peer_account_id is not None


def _protection_rules(conn: DesiredConnection, view: PeerConn, changes: list[FieldChange],
                      out: ConnectionDiff) -> None:
    for change in list(changes):
        if change.field == "delete_protect" and _initiator_only(conn, view):
            changes.remove(change)
            out.errors.append("only the initiating account may switch release protection of a "
                              "cross-account connection; remove delete_protect from this entry")


def _bandwidth_rules(conn: DesiredConnection, view: PeerConn, changes: list[FieldChange],
                     out: ConnectionDiff) -> None:
    for change in list(changes):
        if change.field != "bandwidth_in_mbps":
            continue
        if normalise_payment_timing(view.payment_timing) == PREPAID and change.after < change.before:
            out.errors.append(f"prepaid bandwidth can only grow ({change.before} -> "
                              f"{change.after} Mbps is refused by BCE)")
            continue
        if _initiator_only(conn, view):
            out.errors.append("only the initiating account may resize a cross-account "
                              "connection")
            continue
        if view.status not in TOWARDS_ACTIVE:
            # BCE resizes only active connections; one still consulting waits for the answer.
            changes.remove(change)
            out.notes.append(f"bandwidth change waits: the connection is {view.status}; "
                             "BCE resizes only active connections")
            continue


def _renewal(conn: DesiredConnection, view: PeerConn, now: datetime) -> list[FieldChange]:
    window = conn.billing.renew_within_days
    if window is None or normalise_payment_timing(view.payment_timing) != PREPAID:
        return []
    if _initiator_only(conn, view):
        return []  # BCE lets only the initiating account renew; that account's manifest does
    if view.status not in (Status.ACTIVE, Status.EXPIRED):  # BCE renews only these
        return []
    if not view.expired_time or "billing" in conn.lifecycle.ignore_changes:
        return []
    expiry = view.expiry()
    if expiry is None:
        return []
    left = expiry - now.replace(tzinfo=None)
    if left > timedelta(days=window):
        return []
    months = conn.billing.reservation_length or 1
    return [FieldChange(field="expired_time", before=view.expired_time,
                        after=f"+{months} month(s)",
                        reason=f"expired_time: renew (PUT /v1/peerconn/{{id}}?purchaseReserved), "
                               f"expiry is {left.days} day(s) away, within "
                               f"renew_within_days={window}")]
