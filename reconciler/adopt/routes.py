"""Route rules through adopted connections → ``routes.local`` / ``routes.peer`` (export). Pure.

Owns: the sides of an adopted connection whose rules export writes (``RouteSide``: which
VPC's table, read through which context, and the next hop that means "this connection"),
the reads they need as ``ListJob`` values (one route table per VPC; a VPC detail only for the
other end of a side that has rules and is this account's), and the YAML lines of each side:
a rule through this connection as it is, except that the rules from one source to exactly
every CIDR of the other VPC (primary and secondary) become the symbol ``peer_vpc`` /
``local_vpc``. A side without a rule through the connection is not written (it stays
unmanaged), and neither is a side holding a rule the manifest could not declare: a partial
list would be authoritative and delete the rule left out (specs/export-and-graph.md).
Must not do I/O: the command runs the jobs and hands the ``LiveState`` back in.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.model import PEERCONN_NEXTHOP_TYPE, PeerConn, RouteRule
from reconciler.model.routes import DEFAULT_SOURCE, ROUTE_DESCRIPTION_MAX, Symbol, parse_cidr
from reconciler.observe.jobs import ListJob
from reconciler.observe.live import Context, LiveState

from .scalars import scalar


@dataclass(frozen=True, slots=True)
class RouteSide:
    """One table an adopted entry may manage: ``key`` is ``local`` or ``peer``; ``hop`` the
    ``localIfId`` of the connection's end in ``table_vpc``; ``other_ctx`` the context the
    other VPC can be read through (None: another account's, so only literal CIDRs)."""

    key: str
    table_ctx: Context
    table_vpc: str
    hop: str
    other_vpc: str
    other_ctx: Context | None

    @property
    def symbol(self) -> str:
        return (Symbol.PEER_VPC if self.key == "local" else Symbol.LOCAL_VPC).value


def route_sides(view: PeerConn, other: PeerConn | None, profile: str | None,
                region: str) -> list[RouteSide]:
    """The sides of an entry written from ``view`` (its local end); ``other`` is the other
    end when this account owns it too (then ``routes.peer`` exists and both VPCs read)."""
    local_ctx = Context(profile, view.local_region or region)
    peer_ctx = Context(profile, view.peer_region or region)
    ours = other is not None
    sides = [RouteSide("local", local_ctx, view.local_vpc_id, view.local_if_id,
                       view.peer_vpc_id, peer_ctx if ours else None)]
    if other is not None:
        sides.append(RouteSide("peer", peer_ctx, other.local_vpc_id, other.local_if_id,
                               view.local_vpc_id, local_ctx))
    return [side for side in sides if side.hop]  # no interface yet: no rule can use it


def table_jobs(sides: Iterable[RouteSide]) -> list[ListJob]:
    """One ``GET /v1/route?vpcId=`` per VPC whose table some side needs."""
    jobs = {ListJob(s.table_ctx, s.table_vpc, "route_table"): None for s in sides}
    return list(jobs)


def detail_jobs(sides: Iterable[RouteSide], live: LiveState) -> list[ListJob]:
    """The other VPC's detail (its CIDRs), only for sides with a rule through the connection
    whose other VPC this account can read: nothing else can become a symbol."""
    jobs: dict[ListJob, None] = {}
    for side in sides:
        if side.other_ctx is not None and rules_through(side, live) \
                and not live.vpc_detail_read(side.other_vpc):
            jobs[ListJob(side.other_ctx, side.other_vpc, "vpc_detail")] = None
    return list(jobs)


def rules_through(side: RouteSide, live: LiveState) -> list[RouteRule]:
    """The custom rules of the side's table whose next hop is this connection's end there."""
    table = live.route_table(side.table_vpc)
    if table is None:
        return []
    return [r for r in table.rules if not r.is_system
            and r.nexthop_type == PEERCONN_NEXTHOP_TYPE and r.nexthop_id == side.hop]


def routes_lines(sides: Iterable[RouteSide], live: LiveState) -> list[str]:
    """The entry's ``routes:`` block (relative to the entry's keys), or nothing."""
    block: list[str] = []
    notes: list[str] = []
    for side in sides:
        rules = rules_through(side, live)
        if not rules:
            continue  # written as no list at all: the side stays unmanaged
        why_not = _undeclarable(rules)
        if why_not:
            notes.append(f"# routes.{side.key} not exported: {why_not}; a list without it "
                         "would delete it, so this side is left unmanaged")
            continue
        cidrs = live.vpc_cidrs(side.other_vpc) if side.other_ctx is not None else None
        block.append(f"  {side.key}:")
        for destination, source, description in _entries(rules, cidrs, side.symbol):
            block.append(f"    - destination: {destination}")
            if source != DEFAULT_SOURCE:
                block.append(f"      source: {source}")
            if description:
                block.append(f"      description: {scalar(description)}")
    return notes + (["routes:", *block] if block else [])


def _undeclarable(rules: list[RouteRule]) -> str:
    for rule in rules:
        for text in (rule.source_address, rule.destination_address):
            try:
                parse_cidr(text)
            except ValueError:
                return f"the rule {rule.route_rule_id} has the address {json.dumps(text)}"
        if len(rule.description) > ROUTE_DESCRIPTION_MAX:
            return (f"the rule {rule.route_rule_id} has a description longer than "
                    f"{ROUTE_DESCRIPTION_MAX} characters")
    return ""


def _entries(rules: list[RouteRule], cidrs: tuple[str, ...] | None,
             symbol: str) -> list[tuple[str, str, str]]:
    """(destination, source, description) per declared rule, sorted: symbols first, then by
    network and source. One source's rules to every CIDR of the other VPC, all with one
    description, are that VPC's symbol (the planner expands it to exactly those rules)."""
    by_source: dict[str, dict[str, str]] = {}
    for rule in rules:
        by_source.setdefault(rule.source_address, {})[rule.destination_address] = \
            rule.description
    out: list[tuple[str, str, str]] = []
    for source, found in by_source.items():
        if cidrs and set(cidrs) <= found.keys() and len({found[c] for c in cidrs}) == 1:
            out.append((symbol, source, found[cidrs[0]]))
            found = {d: text for d, text in found.items() if d not in cidrs}
        out += [(destination, source, text) for destination, text in found.items()]
    return sorted(out, key=_order)


def _order(entry: tuple[str, str, str]) -> tuple[bool, int, int, str]:
    destination, source, _ = entry
    if destination in Symbol._value2member_map_:
        return (False, 0, 0, source)
    net = ipaddress.ip_network(destination)
    return (True, int(net.network_address), net.prefixlen, source)
