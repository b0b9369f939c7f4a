"""Live state as the planner sees it: the views of peering connections read by list calls.

Owns: ``Context`` (which account profile and region a view was read through), ``LiveState``
(an index of views by local VPC and pair, plus the VPCs each account was seen to have, by
region, for the contexts whose VPC list was read; and, when the run uses routes, the route
table of each VPC read and the VPC details read, keyed by VPC id — BCE ids are global) and
``live_basis`` (the live fields a change
relies on, fingerprinted into the plan and re-checked by apply). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from reconciler.model import (
    GONE_STATUSES,
    PEERCONN_NEXTHOP_TYPE,
    PairKey,
    PeerConn,
    RouteRule,
    RouteTable,
    Status,
    Subnet,
    Vpc,
)
from reconciler.model.routes import DesiredRoute

RuleKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Context:
    """An account (credentials profile; None = environment/default) at one regional endpoint."""

    profile: str | None
    region: str

    def __str__(self) -> str:
        return f"{self.profile or 'default'}@{self.region}"


class LiveState:
    """Views of live connections, each as seen from the end whose VPC was listed."""

    def __init__(
        self,
        views: Iterable[tuple[Context, PeerConn]] = (),
        *,
        complete: Iterable[Context] = (),
    ):
        self._views: list[tuple[Context, PeerConn]] = []
        self._by_end: dict[tuple[Context, str, PairKey], PeerConn] = {}
        self.complete: frozenset[Context] = frozenset(complete)
        self._vpcs: dict[tuple[str | None, str], Vpc] = {}
        self._listed: dict[str, Vpc] = {}  # by id, through whichever profile listed it
        self._vpcs_read: set[Context] = set()
        self._tables: dict[str, tuple[Context, RouteTable | None]] = {}
        self._details: dict[str, tuple[Context, Vpc | None]] = {}
        for ctx, view in views:
            self.add(ctx, view)

    # -- routes --------------------------------------------------------------------------

    def add_route_table(self, ctx: Context, vpc_id: str, table: RouteTable | None) -> None:
        """``vpc_id``'s route table as ``GET /v1/route?vpcId=`` returned it through ``ctx``
        (None: BCE answered that there is no such VPC or table)."""
        self._tables.setdefault(vpc_id, (ctx, table))

    def add_vpc_detail(self, ctx: Context, vpc_id: str, vpc: Vpc | None) -> None:
        """One ``GET /v1/vpc/{id}`` answer (CIDRs and subnets) read through ``ctx`` (None:
        no such VPC in that account)."""
        if vpc is not None and not vpc.region:
            vpc = replace(vpc, region=ctx.region)
        self._details.setdefault(vpc_id, (ctx, vpc))

    def route_table_read(self, vpc_id: str) -> bool:
        """Whether the run asked for the table (then None from ``route_table`` = missing)."""
        return vpc_id in self._tables

    def vpc_detail_read(self, vpc_id: str) -> bool:
        """Whether the run asked for the detail (then None from ``vpc_detail`` = missing)."""
        return vpc_id in self._details

    def route_table(self, vpc_id: str) -> RouteTable | None:
        """The VPC's route table, every rule (system ones too); None if it was not read."""
        read = self._tables.get(vpc_id)
        return read[1] if read else None

    def route_rules(self, vpc_id: str) -> dict[RuleKey, RouteRule] | None:
        """The VPC's rules by (source, destination) — a table's identity for a rule."""
        table = self.route_table(vpc_id)
        if table is None:
            return None
        return {(r.source_address, r.destination_address): r for r in table.rules}

    def route_tables(self) -> list[tuple[Context, str, RouteTable]]:
        """Every table read: (context it was read through, VPC id, table), by VPC id."""
        return [(ctx, vpc_id, table) for vpc_id, (ctx, table) in sorted(self._tables.items())
                if table is not None]

    def rules_via(self, nexthop_ids: Iterable[str]) -> list[tuple[str, RouteRule]]:
        """(VPC id, rule) of every ``peerConn`` rule, in every table read, whose next hop is
        one of ``nexthop_ids`` (a connection's ends' ``localIfId``s)."""
        wanted = {i for i in nexthop_ids if i}
        return [(vpc_id, rule) for _, vpc_id, table in self.route_tables() for rule in table.rules
                if rule.nexthop_type == PEERCONN_NEXTHOP_TYPE and rule.nexthop_id in wanted]

    def next_hop(self, route: DesiredRoute) -> str | None:
        """The ``localIfId`` a declared rule routes to: its connection's end in the table's
        VPC, as that VPC's list showed it; None while there is no live connection."""
        view = self.end(Context(route.profile, route.region), route.table_vpc_id,
                        route.other_vpc_id)
        return view.local_if_id if view is not None and view.local_if_id else None

    def vpc_detail(self, vpc_id: str) -> Vpc | None:
        read = self._details.get(vpc_id)
        return read[1] if read else None

    def vpc_cidrs(self, vpc_id: str) -> tuple[str, ...] | None:
        """Primary then secondary CIDRs, from the VPC's detail or, when none was read, from
        the VPC list of the account that owns it (list items carry both: ``cidr`` and
        ``secondaryCidr``); None if the run read neither."""
        vpc = self.vpc_detail(vpc_id) or self._listed.get(vpc_id)
        return None if vpc is None else tuple(c for c in (vpc.cidr, *vpc.secondary_cidrs) if c)

    def subnets(self, vpc_id: str) -> tuple[Subnet, ...] | None:
        vpc = self.vpc_detail(vpc_id)
        return None if vpc is None else vpc.subnets

    # -- peering connections and VPC lists -----------------------------------------------

    def add_vpcs(self, ctx: Context, vpcs: Iterable[Vpc]) -> None:
        """The whole VPC list read through ``ctx``. A VPC whose body names no region is in
        ``ctx``'s (BCE: the endpoint's region); one naming another region is kept as such."""
        self._vpcs_read.add(ctx)
        for vpc in vpcs:
            located = vpc if vpc.region else replace(vpc, region=ctx.region)
            self._vpcs.setdefault((ctx.profile, vpc.vpc_id), located)
            self._listed.setdefault(vpc.vpc_id, located)

    def vpcs_read(self, ctx: Context) -> bool:
        """Whether ``ctx``'s VPC list was read (only then can a VPC be known to be missing)."""
        return ctx in self._vpcs_read

    def vpc(self, profile: str | None, vpc_id: str) -> Vpc | None:
        """The account's VPC of that id, in whichever region it was seen; None if unseen."""
        return self._vpcs.get((profile, vpc_id))

    def add(self, ctx: Context, view: PeerConn) -> None:
        key = (ctx, view.local_vpc_id, view.pair)
        if key in self._by_end:
            return
        self._views.append((ctx, view))
        self._by_end[key] = view

    def merge(self, other: LiveState) -> None:
        for ctx, view in other._views:
            self.add(ctx, view)
        for vpc_id, (ctx, table) in other._tables.items():
            self.add_route_table(ctx, vpc_id, table)
        for vpc_id, (ctx, vpc) in other._details.items():
            self.add_vpc_detail(ctx, vpc_id, vpc)

    def end(self, ctx: Context, local_vpc_id: str, peer_vpc_id: str) -> PeerConn | None:
        """The live connection for the pair as seen from ``local_vpc_id``; gone ones excluded."""
        view = self._by_end.get((ctx, local_vpc_id, PairKey.of(local_vpc_id, peer_vpc_id)))
        if view is None or view.status in GONE_STATUSES:
            return None
        return view

    def deleting(self, ctx: Context, local_vpc_id: str, peer_vpc_id: str) -> PeerConn | None:
        view = self._by_end.get((ctx, local_vpc_id, PairKey.of(local_vpc_id, peer_vpc_id)))
        return view if view is not None and view.status == Status.DELETING else None

    def views(self, ctx: Context | None = None) -> list[PeerConn]:
        return [v for c, v in self._views if ctx is None or c == ctx]

    def items(self) -> list[tuple[Context, PeerConn]]:
        """Every (context, view) pair, gone ones excluded."""
        return [(c, v) for c, v in self._views if v.status not in GONE_STATUSES]


def _view_value(view: PeerConn, key: str) -> Any:
    if key == "dns_sync":
        return view.dns_sync
    if key == "tags":
        return dict(view.tags)
    return getattr(view, key)


def live_basis(
    view: PeerConn | None, keys: Iterable[str], peer_view: PeerConn | None = None
) -> dict[str, Any]:
    """The live fields (by manifest attribute name) a change relied on.

    ``peer_if_name`` is the other end's ``localIfName``, read from ``peer_view``.
    """
    if view is None:
        return {"exists": False}
    out: dict[str, Any] = {"exists": True, "peer_conn_id": view.peer_conn_id}
    for key in sorted(set(keys)):
        if key == "peer_if_name":
            out[key] = peer_view.local_if_name if peer_view is not None else None
        else:
            out[key] = _view_value(view, key)
    return out


def basis_keys(basis: Mapping[str, Any]) -> list[str]:
    """The connection fields of a basis (``routes`` is the route tables', ``route_basis``)."""
    return [k for k in basis if k not in ("exists", "peer_conn_id", "routes")]


def route_basis(table: RouteTable | None, keys: Iterable[RuleKey],
                via: Iterable[str]) -> dict[str, Any]:
    """What a change relied on in one route table: the rules whose (source, destination) it
    declares and those whose next hop is one of its connection's interfaces (``via``).
    ``keys`` and ``via`` are part of the result, so apply recomputes it from a fresh table."""
    wanted, hops = {tuple(k) for k in keys}, {v for v in via if v}
    rules = [] if table is None else sorted(
        [r.route_rule_id, r.source_address, r.destination_address, r.nexthop_type,
         r.nexthop_id, r.description]
        for r in table.rules
        if (r.source_address, r.destination_address) in wanted
        or (r.nexthop_type == PEERCONN_NEXTHOP_TYPE and r.nexthop_id in hops))
    return {"table": table.route_table_id if table else None,
            "keys": sorted(list(k) for k in wanted), "via": sorted(hops), "rules": rules}
