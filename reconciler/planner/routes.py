"""Route rules through a connection: which to add, change and delete (specs/planning.md). Pure.

Owns: for one connection entry, the rules each managed side (``routes.local``,
``routes.peer``) wants in its VPC's route table — symbolic destinations expanded from the
live VPC CIDRs — compared by (source, destination) with that table's rules whose next hop is
this connection (``peerConn``, the ``localIfId`` of the connection's end in that VPC); the
refusal of a declared rule the table already routes elsewhere (named with its owner and the
manifest line); and the deletes before a release, in every table the run read. It never
touches a system rule or a rule of another next hop. The steps are the connection change's
own (``specs/planning.md``, "Routes"); ``steps`` builds them, ``connections`` calls in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.model import (
    PEERCONN_NEXTHOP_TYPE,
    DesiredConnection,
    PeerConn,
    RouteRule,
)
from reconciler.model.routes import DesiredRoute, RouteSide
from reconciler.observe.live import Context, RuleKey, route_basis
from reconciler.plan import Ref, Step
from reconciler.planner.base import PlanState, _diag
from reconciler.planner.steps import at


@dataclass
class RoutePart:
    """The route steps of one change and what they relied on (``basis["routes"]``)."""

    steps: list[Step] = field(default_factory=list)
    basis: dict[str, Any] = field(default_factory=dict)

    def extend(self, other: RoutePart) -> None:
        self.steps += other.steps
        self.basis.update(other.basis)

    def into(self, basis: dict[str, Any]) -> dict[str, Any]:
        """``basis`` with the route tables' part, when there are route steps."""
        return {**basis, "routes": dict(sorted(self.basis.items()))} if self.steps else basis


def describe_rule(rule: RouteRule) -> str:
    return f"{rule.source_address} -> {rule.destination_address}"


def _owner(rule: RouteRule) -> str:
    if rule.is_system:
        return "the system rule of a subnet (nexthopType sys)"
    return f"{rule.nexthop_type} {rule.nexthop_id or '(no id)'} (rule {rule.route_rule_id})"


class RoutePlanning(PlanState):
    def _conn_routes(self, conn: DesiredConnection, view: PeerConn | None, address: str, *,
                     new: bool) -> RoutePart:
        """The adds, changes and deletes each managed side of ``conn`` needs. ``new``: the
        next hop is the connection this change creates (a create, or a replace's new one)."""
        part = RoutePart()
        sides = [(RouteSide.LOCAL, conn.routes_local, conn.region)]
        if conn.peer_account_id is None:
            sides.append((RouteSide.PEER, conn.routes_peer, conn.peer_region))
        for side, routes, region in sides:
            if routes is None:
                continue  # not managed: never touched
            table_vpc, other = ((conn.local_vpc_id, conn.peer_vpc_id) if side is RouteSide.LOCAL
                                else (conn.peer_vpc_id, conn.local_vpc_id))
            part.extend(self._side(conn, view, address, side, routes,
                                   Context(conn.profile, region), table_vpc, other, new=new))
        return part

    def _side(self, conn: DesiredConnection, view: PeerConn | None, address: str,
              side: RouteSide, routes: tuple[DesiredRoute, ...], ctx: Context, table_vpc: str,
              other: str, *, new: bool) -> RoutePart:
        table = self.live.route_table(table_vpc)
        name = f"routes.{side.value}"
        if table is None:
            self.errors.append(_diag(conn, f"{name}: the route table of {table_vpc} could not "
                                           "be read (no such VPC or table in this account)"))
            return RoutePart()
        hop: str | None = None
        if not new:
            end = self.live.end(ctx, table_vpc, other)
            hop = end.local_if_id if end is not None and end.local_if_id else None
            if hop is None:
                self.errors.append(_diag(conn, f"{name}: the end of "
                                     f"{view.peer_conn_id if view else 'the connection'} in "
                                     f"{table_vpc} is not visible, so its next hop is unknown"))
                return RoutePart()
        conn_ref: str | Ref | None = Ref(address, "local_if_id") if new else \
            (view.peer_conn_id if view else None)
        where = at(ctx.profile, ctx.region, table_vpc, conn_ref)
        declared = self._declared(conn, routes)
        live_rules = self.live.route_rules(table_vpc) or {}
        in_table = f"in {table.route_table_id} ({table_vpc})"
        part = RoutePart()
        for key, route in declared.items():
            rule = live_rules.get(key)
            src = conn.field_sources.get(route.field())
            declared_by = f"{route.field()}" + (f" ({src})" if src else "")
            if rule is None:
                part.steps.append(self.steps.add_route(
                    where, table.route_table_id, key[0], key[1], hop, route.description or "",
                    f"{declared_by} declares it; the table has no such rule"))
            elif hop is not None and _through(rule, hop):
                if route.description is not None and rule.description != route.description:
                    part.steps.append(self.steps.change_route(
                        where, rule, route.description,
                        f"description {rule.description!r} -> {route.description!r} "
                        f"({declared_by})"))
            elif new and view is not None and _through(rule, *self._ifids(ctx, view)):
                part.steps.append(self.steps.add_route(
                    where, table.route_table_id, key[0], key[1], hop, route.description or "",
                    f"{declared_by}: again through the new connection (the old one's rule "
                    "is deleted before its release)"))
            else:
                self.errors.append(self._taken(conn, route, rule, in_table))
        if hop is not None:
            for rule in table.rules:
                key = (rule.source_address, rule.destination_address)
                if _through(rule, hop) and key not in declared:
                    part.steps.append(self.steps.delete_route(
                        where, rule, f"{name} does not declare {describe_rule(rule)}"))
        part.basis[table_vpc] = {"profile": ctx.profile, "region": ctx.region,
                                 **route_basis(table, declared, [hop] if hop else [])}
        return part

    def _declared(self, conn: DesiredConnection,
                  routes: tuple[DesiredRoute, ...]) -> dict[RuleKey, DesiredRoute]:
        """(source, destination) → the rule that declares it; symbols expanded."""
        out: dict[RuleKey, DesiredRoute] = {}
        for route in routes:
            if route.symbolic_vpc_id is None:
                destinations: tuple[str, ...] | None = (route.destination,)
            else:
                destinations = self.live.vpc_cidrs(route.symbolic_vpc_id)
            if destinations is None:
                self.errors.append(_diag(
                    conn, f"{route.field('destination')}: the CIDRs of "
                          f"{route.symbolic_vpc_id} cannot be read in this run",
                    hint="write the destination as a literal CIDR"))
                continue
            for destination in destinations:
                out.setdefault((route.source, destination), route)
        return out

    def _taken(self, conn: DesiredConnection, route: DesiredRoute, rule: RouteRule,
               in_table: str) -> Diagnostic:
        src = conn.field_sources.get(route.field("destination")) or conn.field_sources.get(
            route.field())
        diag = _diag(conn, f"{route.field()}: the rule {describe_rule(rule)} {in_table} already "
                           f"routes to {_owner(rule)}; peerconn does not take over a rule it "
                           "does not own",
                     hint="remove the rule from the manifest, or delete the other rule first")
        if src is not None:
            diag = replace(diag, file=src.file, line=src.line, column=src.column)
        return diag

    def _ifids(self, ctx: Context, view: PeerConn) -> list[str]:
        """The interfaces of a live connection: this end's, and the other end's when the run
        listed that VPC through the same account."""
        other = self.live.end(Context(ctx.profile, view.peer_region or ctx.region),
                              view.peer_vpc_id, view.local_vpc_id)
        return [i for i in (view.local_if_id, other.local_if_id if other else "") if i]

    def _release_routes(self, ctx: Context, view: PeerConn, reason: str) -> RoutePart:
        """Before a release: delete every rule through the connection in every table read."""
        ifids = self._ifids(ctx, view)
        part = RoutePart()
        read_through = {vpc: (c, t) for c, vpc, t in self.live.route_tables()}
        for vpc, rule in self.live.rules_via(ifids):
            tctx, _ = read_through[vpc]
            part.steps.append(self.steps.delete_route(
                at(tctx.profile, tctx.region, vpc, view.peer_conn_id), rule,
                f"{reason}: {describe_rule(rule)} goes through {view.peer_conn_id}"))
        for vpc, (tctx, table) in read_through.items():
            if any(s.vpc_id == vpc for s in part.steps):
                part.basis[vpc] = {"profile": tctx.profile, "region": tctx.region,
                                   **route_basis(table, (), ifids)}
        return part


def _through(rule: RouteRule, *hops: str) -> bool:
    return rule.nexthop_type == PEERCONN_NEXTHOP_TYPE and rule.nexthop_id in hops
