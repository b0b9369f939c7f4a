"""Live connections → a manifest that adopts them (``peerconn export``). Pure.

Owns: which live views become ``connections:`` entries (this account initiated them) or
``acceptances:`` entries (another account initiated them), which are left out and why, the
deterministic entry names derived from VPC ids, the default stack name, and the YAML text with
its comments. Every attribute the planner compares is written, and (``routes``) the route
rules through each adopted connection, so planning the exported manifest at once shows no
changes. YAML scalars are ``scalars``'. Must not do I/O: the command lists the VPCs, hands the
views in, and validates the text with the manifest loader before writing it anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler.manifest.models import DESCRIPTION_MAX, IF_NAME_PATTERN, NAME_PATTERN
from reconciler.model import (
    FAILED_STATUSES,
    GONE_STATUSES,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    NAME_TAG,
    STACK_TAG,
    PeerConn,
    Role,
    Status,
    normalise_payment_timing,
)
from reconciler.observe.live import LiveState

from .routes import RouteSide, detail_jobs, route_sides, routes_lines, table_jobs
from .scalars import scalar

__all__ = ["DEFAULT_STACK", "Adopted", "Export", "ExportRequest", "RouteSide", "adopted",
           "detail_jobs", "entry_name", "export_manifest", "route_sides", "scalar", "sides_of",
           "table_jobs"]

DEFAULT_STACK = "adopted"
NAME_MAX = 63


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the user asked for: the VPCs (all in ``region``) and the manifest header."""

    region: str
    vpc_ids: tuple[str, ...]
    stack: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class Export:
    """The manifest text and what went into it."""

    text: str
    stack: str
    connections: tuple[str, ...]
    acceptances: tuple[str, ...]
    skipped: tuple[str, ...]


@dataclass
class _Entry:
    name: str
    comment: str
    lines: list[str] = field(default_factory=list)
    owner: str = ""  # the stack peerconn tagged the connection with, if any


@dataclass(frozen=True, slots=True)
class Adopted:
    """A connection export writes: ``view`` is the entry's local end (the initiator's for a
    connection, this account's for an acceptance), ``other`` the other end when this account
    owns it too (same-account)."""

    view: PeerConn
    other: PeerConn | None

    @property
    def acceptance(self) -> bool:
        return self.other is None and self.view.role == Role.ACCEPTOR


def adopted(request: ExportRequest, views: Iterable[PeerConn],
            other_ends: Iterable[PeerConn] = ()) -> tuple[list[Adopted], list[str]]:
    """The connections that become entries, by id, and the reasons of those left out."""
    taken: list[Adopted] = []
    skipped: list[str] = []
    for conn_id, (view, other) in sorted(_ends(views, other_ends).items()):
        why_not = _skip_reason(view, other, request.region)
        if why_not:
            skipped.append(f"{conn_id} ({view.local_vpc_id} <-> {view.peer_vpc_id}): {why_not}")
        else:
            taken.append(Adopted(view, other))
    return taken, skipped


def sides_of(request: ExportRequest, entries: Iterable[Adopted]) -> list[RouteSide]:
    """Every route table side of the adopted entries (what the export reads for routes)."""
    return [side for entry in entries
            for side in route_sides(entry.view, entry.other, request.profile, request.region)]


def export_manifest(request: ExportRequest, views: Iterable[PeerConn],
                    other_ends: Iterable[PeerConn] = (),
                    routes: LiveState | None = None) -> Export:
    """The manifest for ``views`` (listed from the requested VPCs).

    ``other_ends`` are the views this account could list from the other VPC of each
    connection: a connection seen from both of its VPCs is same-account, and the second end
    gives its ``peer_if_name``. Another account's VPC lists nothing of it. ``routes`` holds
    the route tables (and VPC details) ``table_jobs``/``detail_jobs`` named; without it no
    ``routes`` are written.
    """
    conns: list[_Entry] = []
    accs: list[_Entry] = []
    stack_tags: set[str] = set()
    taken, skipped = adopted(request, views, other_ends)
    for item in taken:
        if item.acceptance:
            accs.append(_acceptance(item.view))
        else:
            conns.append(_connection(item.view, item.other))
            stack_tags.add(conns[-1].owner)
        if routes is not None:
            (accs if item.acceptance else conns)[-1].lines += routes_lines(
                route_sides(item.view, item.other, request.profile, request.region), routes)
    stack = request.stack or _default_stack(stack_tags)
    for entry in conns:  # another stack's connection: taken over on purpose, and said so
        if entry.owner and entry.owner != stack:
            entry.lines.append(f"lifecycle: {{adopt_from_stack: {scalar(entry.owner)}}}")
    _make_unique(conns + accs)
    text = _render(request, stack, conns, accs, skipped)
    return Export(text, stack, tuple(e.name for e in conns), tuple(e.name for e in accs),
                  tuple(skipped))


def _ends(views: Iterable[PeerConn],
          other_ends: Iterable[PeerConn]) -> dict[str, tuple[PeerConn, PeerConn | None]]:
    """Per listed connection: its first end (the initiator's when both are ours), and the
    second end when this account owns it too."""
    by_id: dict[str, dict[str, PeerConn]] = {}
    for view in views:
        by_id.setdefault(view.peer_conn_id, {}).setdefault(view.local_vpc_id, view)
    for view in other_ends:
        if view.peer_conn_id in by_id:
            by_id[view.peer_conn_id].setdefault(view.local_vpc_id, view)
    out: dict[str, tuple[PeerConn, PeerConn | None]] = {}
    for conn_id, found in by_id.items():
        first, *rest = sorted(found.values(), key=lambda v: (v.role == Role.ACCEPTOR,
                                                            v.local_vpc_id))
        out[conn_id] = (first, rest[0] if rest else None)
    return out


def _skip_reason(view: PeerConn, other: PeerConn | None, region: str) -> str:
    if view.status in GONE_STATUSES:
        return f"status {view.status}"
    if view.status in FAILED_STATUSES:
        return (f"status {view.status}; a manifest entry for it would be planned as a "
                "replace, so add one only if you want it re-created")
    if other is None and view.role == Role.ACCEPTOR and view.status == Status.CONSULTING:
        return (f"a request from {view.peer_account_id or 'another account'} waiting for this "
                "account's answer; add an acceptance (accept: true or false) to answer it")
    where = view.local_region
    if where and where != region:
        if other is not None:  # a manifest file holds the VPCs of one region
            return (f"initiated from {view.local_vpc_id} in region {where}; export that VPC "
                    f"with --region {where}")
        return f"{view.local_vpc_id} is in region {where}, not {region}: use --region {where}"
    return ""


def _stack_tag(view: PeerConn) -> str:
    tags = view.tag_map
    if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
        return ""
    return tags.get(STACK_TAG, "")


def _default_stack(tags: set[str]) -> str:
    """The stack peerconn already tagged every exported connection with, else ``adopted``."""
    if len(tags) == 1:
        (only,) = tags
        if only and re.fullmatch(NAME_PATTERN, only):
            return only
    return DEFAULT_STACK


# ------------------------------------------------------------------------------ names


def _short(vpc_id: str) -> str:
    text = vpc_id.lower()
    text = text[4:] if text.startswith("vpc-") else text
    return re.sub(r"[^a-z0-9]", "", text) or "vpc"


def entry_name(local_vpc_id: str, peer_vpc_id: str, joiner: str) -> str:
    """``<local>-<joiner>-<peer>`` without the ``vpc-`` prefixes, valid per NAME_PATTERN.

    VPC ids hold no '-' after the prefix, so the joiner keeps names of different pairs apart;
    names too long are shortened and made unique again with a digest of the full pair.
    """
    local, peer = _short(local_vpc_id), _short(peer_vpc_id)
    name = f"{local}-{joiner}-{peer}"
    if len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256(f"{local_vpc_id}<->{peer_vpc_id}".encode()).hexdigest()[:8]
    room = (NAME_MAX - len(joiner) - 2 - len(digest) - 1) // 2
    return f"{local[:room]}-{joiner}-{peer[:room]}-{digest}"


def _make_unique(entries: list[_Entry]) -> None:
    # Pairs are unique, so names already are; this only guards the shortened form.
    seen: set[str] = set()
    for entry in entries:
        base, n = entry.name, 2
        while entry.name in seen:
            suffix = f"-{n}"
            entry.name = base[: NAME_MAX - len(suffix)] + suffix
            n += 1
        seen.add(entry.name)


# ---------------------------------------------------------------------------- entries


def _connection(view: PeerConn, acceptor: PeerConn | None) -> _Entry:
    cross = acceptor is None
    status = view.status
    if cross and status == Status.CONSULTING:
        status += f", waiting for {view.peer_account_id or 'the peer account'} to accept"
    if view.expired_time:
        status += f", expires {view.expired_time}"
    entry = _Entry(entry_name(view.local_vpc_id, view.peer_vpc_id, "to"),
                   f"{view.peer_conn_id}: {status}", owner=_stack_tag(view))
    attrs: list[tuple[str, Any]] = [
        ("local_vpc_id", view.local_vpc_id),
        ("peer_vpc_id", view.peer_vpc_id),
        ("peer_region", view.peer_region),
    ]
    if cross:
        attrs.append(("peer_account_id", view.peer_account_id))
    attrs.append(("bandwidth_in_mbps", view.bandwidth_in_mbps))
    entry.lines = _pairs(attrs)
    entry.lines += _if_name("local_if_name", view.local_if_name)
    if acceptor is not None:
        entry.lines += _if_name("peer_if_name", acceptor.local_if_name)
    entry.lines += _description(view.description)
    entry.lines += _pairs([("dns_sync", view.dns_sync), ("delete_protect", view.delete_protect)])
    entry.lines += _billing(view)
    entry.lines += _tags(view)
    return entry


def _acceptance(view: PeerConn) -> _Entry:
    entry = _Entry(entry_name(view.local_vpc_id, view.peer_vpc_id, "from"),
                   f"{view.peer_conn_id}: {view.status}, initiated by "
                   f"{view.peer_account_id or 'another account'}")
    entry.lines = _pairs([
        ("local_vpc_id", view.local_vpc_id),
        ("peer_vpc_id", view.peer_vpc_id),
        ("peer_account_id", view.peer_account_id),
        ("accept", True),
    ])
    entry.lines += _if_name("local_if_name", view.local_if_name)
    entry.lines += _description(view.description)
    entry.lines += _pairs([("dns_sync", view.dns_sync)])
    return entry


def _pairs(attrs: list[tuple[str, Any]]) -> list[str]:
    return [f"{key}: {scalar(value)}" for key, value in attrs]


def _if_name(key: str, value: str) -> list[str]:
    if not value:
        return []  # an empty name cannot be declared (the manifest requires 1+ characters)
    if not re.fullmatch(IF_NAME_PATTERN, value):
        return [f"# {key} not exported: the live value {json.dumps(value, ensure_ascii=False)} "
                "is not a valid manifest value"]
    return [f"{key}: {scalar(value)}"]


def _description(value: str) -> list[str]:
    if len(value) > DESCRIPTION_MAX:
        return [f"# description not exported: longer than {DESCRIPTION_MAX} characters"]
    return [f"description: {scalar(value)}"]


def _billing(view: PeerConn) -> list[str]:
    timing = normalise_payment_timing(view.payment_timing) or "Postpaid"
    lines = ["billing:", f"  payment_timing: {scalar(timing)}"]
    if timing == "Prepaid":
        # Prepaid entries need a length, but BCE does not report the one bought; the planner
        # never compares it (it is only used to renew or re-create), so 1 is safe to write.
        lines += ["  # reservation_length is not observable through the API: set the length",
                  "  # bought (months); peerconn uses it only to renew or re-create.",
                  "  reservation_length: 1",
                  "  # renew_within_days: 7   # optional: plan renews when expiry is this near"]
    return lines


def _tags(view: PeerConn) -> list[str]:
    user = {k: v for k, v in view.tags if k.lower() not in (MANAGED_BY_TAG, STACK_TAG, NAME_TAG)}
    if not user:
        return []
    return ["tags:"] + [f"  {scalar(k)}: {scalar(v)}" for k, v in sorted(user.items())]


# ----------------------------------------------------------------------------- render


def _render(request: ExportRequest, stack: str, conns: list[_Entry], accs: list[_Entry],
            skipped: list[str]) -> str:
    vpcs = ", ".join(request.vpc_ids)
    out = [
        "# Exported by `peerconn export` from the live connections of",
        f"# {vpcs} (profile {request.profile or 'default'}, region {request.region}).",
        "# Planning this manifest shows no changes: review it, commit it, and peerconn manages",
        "# these connections from now on. Tags are kept as found; BCE sets them only at create.",
        f"stack: {scalar(stack)}",
        f"region: {scalar(request.region)}",
    ]
    if request.profile:
        out.append(f"profile: {scalar(request.profile)}")
    out.append("prune: false")
    out += _section("connections", sorted(conns, key=lambda e: e.name))
    out += _section("acceptances", sorted(accs, key=lambda e: e.name))
    if skipped:
        out += ["", "# Not exported:"] + [f"#   {line}" for line in skipped]
    return "\n".join(out) + "\n"


def _section(title: str, entries: list[_Entry]) -> list[str]:
    if not entries:
        return ["", f"{title}: []"]
    out = ["", f"{title}:"]
    for entry in entries:
        out += [f"  # {entry.comment}", f"  - name: {scalar(entry.name)}"]
        out += [f"    {line}" for line in entry.lines]
    return out
