"""Offline checks of BCE's rules and of the manifests' own consistency, over a DesiredState.

Owns: every check that needs more than one field or more than one entry — local ≠ peer VPC,
one connection per VPC pair across the run, same-region ⇒ Postpaid, Prepaid needs a
reservation length, ``peer_if_name`` only within one account, unique names per stack,
reserved tag keys, ``prevent_destroy`` vs ``ensure: absent``, prune agreement within a stack;
the route rules are in ``route_rules``.
Pure: reads only the state it is given (locations come from ``source``/``field_sources``).
Checks that need the live cloud (quotas, prepaid bandwidth only grows) belong to the planner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from reconciler.errors import Diagnostic
from reconciler.manifest.locate import Entry, at
from reconciler.manifest.locate import describe as _describe
from reconciler.manifest.models import RESERVED_TAG_KEYS
from reconciler.manifest.route_rules import route_rules
from reconciler.model import (
    RESERVATION_LENGTHS,
    DesiredAcceptance,
    DesiredConnection,
    DesiredState,
    PairKey,
    Source,
    StackManifest,
)

__all__ = ["at", "validate_rules"]

LENGTHS = ", ".join(str(n) for n in RESERVATION_LENGTHS)


def validate_rules(state: DesiredState) -> list[Diagnostic]:
    """Every rule violation in ``state``, each located at the offending field."""
    found: list[Diagnostic] = []
    for conn in state.connections:
        found += connection_rules(conn)
    for acc in state.acceptances:
        found += acceptance_rules(acc)
    entries: list[Entry] = [*state.connections, *state.acceptances]
    found += duplicate_names(entries)
    found += duplicate_pairs(entries)
    found += prune_disagreements(state.manifests)
    found += route_rules(entries)
    return found


def _same_vpc(entry: Entry) -> list[Diagnostic]:
    if entry.local_vpc_id != entry.peer_vpc_id:
        return []
    return [at(entry, "peer_vpc_id", f"local_vpc_id and peer_vpc_id are the same VPC "
               f"({entry.peer_vpc_id})", hint="a VPC cannot peer with itself")]


def connection_rules(conn: DesiredConnection) -> list[Diagnostic]:
    found = _same_vpc(conn) + _billing_rules(conn)
    if conn.peer_if_name is not None and conn.peer_account_id is not None:
        found.append(at(conn, "peer_if_name",
                        "peer_if_name can only be set when both VPCs are in the same account",
                        detail=f"peer_account_id is {conn.peer_account_id!r}",
                        hint="remove peer_if_name; the peer account names its own end"))
    if conn.lifecycle.prevent_destroy and conn.ensure == "absent":
        found.append(at(conn, "ensure", "ensure: absent contradicts lifecycle.prevent_destroy: true",
                        hint="set lifecycle.prevent_destroy: false to release this connection"))
    found += _reserved_tags(conn)
    return found


def _billing_rules(conn: DesiredConnection) -> list[Diagnostic]:
    billing = conn.billing
    timing = ("billing.payment_timing", "billing")
    if billing.payment_timing == "Postpaid":
        return [
            at(conn, f"billing.{key}", f"{key} applies only to Prepaid billing", near=("billing",),
               hint="remove it, or set billing.payment_timing: Prepaid")
            for key in ("reservation_length", "renew_within_days")
            if getattr(billing, key) is not None
        ]
    found = []
    if conn.peer_region == conn.region:
        found.append(at(conn, "billing.payment_timing", "same-region connections must be Postpaid",
                        near=("billing",),
                        detail=f"BCE bills peering within one region ({conn.region}) "
                        "as Postpaid only", hint="set billing.payment_timing: Postpaid"))
    if billing.reservation_length is None:
        found.append(at(conn, "billing.reservation_length",
                        "Prepaid billing needs a reservation_length", near=timing,
                        hint=f"add billing.reservation_length: one of {LENGTHS} (months)"))
    term_days = 28 * (billing.reservation_length or 1)  # the shortest months
    if billing.renew_within_days is not None and billing.renew_within_days >= term_days:
        # A renewal extends the expiry by one term; a window as long would still hold after
        # it, and every apply would renew again.
        found.append(at(conn, "billing.renew_within_days",
                        f"renew_within_days ({billing.renew_within_days}) must be shorter than "
                        f"the reservation term ({billing.reservation_length or 1} month(s), "
                        f"counted as {term_days} days)", near=("billing",),
                        hint=f"use at most {term_days - 1}, or a longer reservation_length"))
    return found


def _reserved_tags(conn: DesiredConnection) -> list[Diagnostic]:
    return [
        at(conn, f"tags.{key}", f"tag key '{key}' is reserved", near=("tags",),
           detail="peerconn sets managed-by=peerconn and peerconn-stack=<stack> itself",
           hint="use another tag key")
        for key in conn.tags
        if key.lower() in RESERVED_TAG_KEYS
    ]


def acceptance_rules(acc: DesiredAcceptance) -> list[Diagnostic]:
    found = _same_vpc(acc)
    if acc.peer_account_id is None:
        found.append(at(acc, "peer_account_id", "an acceptance needs peer_account_id",
                        hint="name the account that initiates the connection"))
    return found


def duplicate_names(entries: Iterable[Entry]) -> list[Diagnostic]:
    """Names are unique within a stack, across connections and acceptances and files."""
    first: dict[tuple[str, str], Entry] = {}
    found = []
    for entry in entries:
        key = (entry.stack, entry.name)
        if key not in first:
            first[key] = entry
            continue
        found.append(at(entry, "name", f"duplicate name '{entry.name}' in stack '{entry.stack}'",
                        detail=f"already used by {_describe(first[key])}",
                        hint="names must be unique within a stack"))
    return found


def duplicate_pairs(entries: Iterable[Entry]) -> list[Diagnostic]:
    """BCE allows one connection per VPC pair; the two ends of one cross-account connection
    (a connection and the peer's acceptance of it) may both be declared."""
    groups: dict[PairKey, list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[entry.pair].append(entry)
    found = []
    for group in groups.values():
        if len(group) == 2 and _two_ends_of_one(group):
            found += _self_rejection(group)
            continue
        if len(group) < 2:
            continue
        for entry in group[1:]:
            found.append(_pair_clash(group[0], entry))
    return found


def _two_ends_of_one(group: list[Entry]) -> bool:
    if len(group) != 2:
        return False
    conns = [e for e in group if isinstance(e, DesiredConnection)]
    accs = [e for e in group if isinstance(e, DesiredAcceptance)]
    if len(conns) != 1 or len(accs) != 1:
        return False
    conn, acc = conns[0], accs[0]
    return conn.peer_account_id is not None and acc.local_vpc_id == conn.peer_vpc_id


def _self_rejection(group: list[Entry]) -> list[Diagnostic]:
    """The run both requests a connection and refuses it: it would never settle."""
    acc = next(e for e in group if isinstance(e, DesiredAcceptance))
    if acc.accept:
        return []
    conn = next(e for e in group if isinstance(e, DesiredConnection))
    return [at(acc, "accept", "accept: false rejects a connection these manifests request",
               detail=f"by {_describe(conn)}",
               hint="remove one of the two entries, or set accept: true")]


def _pair_clash(first: Entry, entry: Entry) -> Diagnostic:
    reverse = first.local_vpc_id == entry.peer_vpc_id and first.local_vpc_id != first.peer_vpc_id
    direction = " (in the other direction)" if reverse else ""
    return at(entry, "peer_vpc_id",
              f"a connection between {entry.local_vpc_id} and {entry.peer_vpc_id} is already "
              f"declared{direction}",
              detail=f"by {_describe(first)}",
              hint="BCE allows one peering connection per VPC pair; keep one entry")


def prune_disagreements(manifests: Iterable[StackManifest]) -> list[Diagnostic]:
    """Pruning acts on a whole stack, so every file of the stack must say the same."""
    by_stack: dict[str, list[StackManifest]] = defaultdict(list)
    for manifest in manifests:
        by_stack[manifest.stack].append(manifest)
    found = []
    for stack, group in by_stack.items():
        if len({m.prune for m in group}) < 2:
            continue
        for manifest in (m for m in group if m.prune):
            where = manifest.field_sources.get("prune") or Source(manifest.file, 1)
            others = ", ".join(m.file for m in group if not m.prune)
            found.append(Diagnostic(
                f"files of stack '{stack}' disagree on prune", f"prune is false in {others}",
                where.file, where.line, where.column, "prune",
                "set prune the same in every file of the stack"))
    return found
