"""Route rules through a connection: which to add, change and delete (specs/routes.md). Pure.

Owns: for one entry (a connection or an acceptance), the rules each managed side
(``routes.local``, ``routes.peer``) wants in its VPC's route table — symbolic destinations
expanded from the live VPC CIDRs — compared by (source, destination) with that table's rules
whose next hop is this connection (``peerConn``, the ``localIfId`` of the connection's end in
that VPC); the refusal of a declared rule the table already routes elsewhere (named with its
owner and the manifest line); the plan-time rules that need the live VPC and table
(``route_checks``: overlap with the table's own CIDRs, a source outside its subnets, no
(source, destination) declared twice for a table in the run, room in the table); the rules
of an unmanaged side, shown as information; and the deletes before a release, in every
table the run read. It never touches a system rule or a rule of another next hop. The steps
are the change's own; ``steps`` builds them, ``connections`` and ``acceptances`` call in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.model import (
    NAME_TAG,
    PEERCONN_NEXTHOP_TYPE,
    STACK_TAG,
    DesiredAcceptance,
    DesiredConnection,
    PeerConn,
    RouteRule,
)
from reconciler.model.routes import ROUTE_TABLE_LIMIT, DesiredRoute, RouteSide
from reconciler.observe.live import Context, RuleKey, route_basis
from reconciler.plan import NoteLevel, Op, Ref, Step
from reconciler.planner import route_checks
from reconciler.planner.base import PlanState, _diag
from reconciler.planner.steps import at

Entry = DesiredConnection | DesiredAcceptance


@dataclass
class RoutePart:
    """The route steps of one change and what they relied on (``basis["routes"]``).
    ``always``: the basis counts even without route steps (a release: a rule added through
    the connection since the plan would be left pointing at nothing)."""

    steps: list[Step] = field(default_factory=list)
    basis: dict[str, Any] = field(default_factory=dict)
    always: bool = False

    def extend(self, other: RoutePart) -> None:
        self.steps += other.steps
        self.basis.update(other.basis)
        self.always = self.always or other.always

    def into(self, basis: dict[str, Any]) -> dict[str, Any]:
        """``basis`` with the route tables' part, when there are route steps (or always)."""
        if self.steps or (self.always and self.basis):
            return {**basis, "routes": dict(sorted(self.basis.items()))}
        return basis


@dataclass(frozen=True)
class Side:
    """One managed side of an entry: whose table, and how its rules reach the connection.

    ``hop``: the connection's interface in ``table_vpc``, when it is live; None when the
    interface is known only at apply (a connection this run creates, or a request this run
    accepts). ``conn``: the ``peer_conn_id`` of the steps (a ``Ref`` to the change that makes
    the connection). ``old_hops``: the interfaces of the connection a replace releases, whose
    rules this side adds again through the new one."""

    entry: Entry
    side: RouteSide
    routes: tuple[DesiredRoute, ...]
    ctx: Context
    table_vpc: str
    other_vpc: str
    conn: str | Ref | None
    hop: str | None
    old_hops: tuple[str, ...] = ()
    #: The change carrying the steps, when it is not the entry's own (an accept carries the
    #: initiator's rules: they can go in only after it).
    carried_by: str = ""


def describe_rule(rule: RouteRule) -> str:
    return f"{rule.source_address} -> {rule.destination_address}"


def _owner(rule: RouteRule) -> str:
    if rule.is_system:
        return "the system rule of a subnet (nexthopType sys)"
    return f"{rule.nexthop_type} {rule.nexthop_id or '(no id)'} (rule {rule.route_rule_id})"


class RoutePlanning(PlanState):
    # ------------------------------------------------------------ entry sides
    def _conn_routes(self, conn: DesiredConnection, view: PeerConn | None, address: str, *,
                     new: bool, carried_by: str = "", request: str | None = None) -> RoutePart:
        """The adds, changes and deletes each managed side of ``conn`` needs. ``new``: the
        next hop is the connection the change ``address`` creates (a create, or a replace's
        new one) or a request this run accepts (``carried_by``: that accept's change)."""
        part = RoutePart()
        sides = [(RouteSide.LOCAL, conn.routes_local, conn.region)]
        if conn.peer_account_id is None:
            sides.append((RouteSide.PEER, conn.routes_peer, conn.peer_region))
        for which, routes, region in sides:
            table_vpc, other = ((conn.local_vpc_id, conn.peer_vpc_id) if which is RouteSide.LOCAL
                                else (conn.peer_vpc_id, conn.local_vpc_id))
            ctx = Context(conn.profile, region)
            if routes is None:
                if view is not None and not new:
                    self._show_unmanaged(conn, ctx, which, table_vpc, other)
                elif view is not None and request is None and \
                        (conn.peer_account_id is None or carried_by):
                    # A replace: same account here; across accounts in the accept's change
                    part.extend(self._repoint(conn, ctx, which, table_vpc, view, address))
                continue
            part.extend(self._side_for(conn, which, routes, ctx, table_vpc, other, view,
                                       address, new=new, carried_by=carried_by,
                                       request=request))
        return part

    def _acceptor_routes(self, acc: DesiredAcceptance, view: PeerConn | None, address: str,
                         *, new: bool, request: str | None = None) -> RoutePart:
        """The acceptor's own table (``routes.local``): after its accept when ``new``."""
        ctx = self._ctx(acc)
        if acc.routes_local is None:
            if view is not None and not new:
                self._show_unmanaged(acc, ctx, RouteSide.LOCAL, acc.local_vpc_id, acc.peer_vpc_id)
            elif view is not None and request is None:  # the answer to a replace's request
                return self._repoint(acc, ctx, RouteSide.LOCAL, acc.local_vpc_id, view, address)
            return RoutePart()
        return self._side_for(acc, RouteSide.LOCAL, acc.routes_local, ctx, acc.local_vpc_id,
                              acc.peer_vpc_id, view, address, new=new, request=request)

    def _side_for(self, entry: Entry, which: RouteSide, routes: tuple[DesiredRoute, ...],
                  ctx: Context, table_vpc: str, other: str, view: PeerConn | None,
                  address: str, *, new: bool, carried_by: str = "",
                  request: str | None = None) -> RoutePart:
        """``new``: the interface is known at apply — of the connection the change
        ``address`` makes (``view``: the one it replaces), or of ``request``, a request made
        earlier that this run accepts."""
        name = f"routes.{which.value}"
        if new:
            conn: str | Ref | None = request or Ref(address, "local_if_id")
            old = tuple(self._ifids(ctx, view)) if view is not None and request is None else ()
            return self._side(Side(entry, which, routes, ctx, table_vpc, other, conn, None,
                                   old, carried_by))
        end = self.live.end(ctx, table_vpc, other)
        if end is None or not end.local_if_id:
            self.errors.append(_diag(entry, f"{name}: the end of "
                                     f"{view.peer_conn_id if view else 'the connection'} in "
                                     f"{table_vpc} is not visible, so its next hop is unknown"))
            return RoutePart()
        return self._side(Side(entry, which, routes, ctx, table_vpc, other,
                               view.peer_conn_id if view else end.peer_conn_id, end.local_if_id))

    def _side(self, s: Side) -> RoutePart:
        table = self.live.route_table(s.table_vpc)
        name = f"routes.{s.side.value}"
        if table is None:
            self.errors.append(_diag(s.entry, f"{name}: the route table of {s.table_vpc} could "
                                              "not be read (no such VPC or table in this account)"))
            return RoutePart()
        where = at(s.ctx.profile, s.ctx.region, s.table_vpc, s.conn)
        declared = self._declared(s.entry, s.routes, s.table_vpc)
        live_rules = self.live.route_rules(s.table_vpc) or {}
        in_table = f"in {table.route_table_id} ({s.table_vpc})"
        whose = f"{s.entry.address} " if s.carried_by else ""
        part = RoutePart()
        for key, route in declared.items():
            rule = live_rules.get(key)
            src = s.entry.field_sources.get(route.field())
            declared_by = f"{whose}{route.field()}" + (f" ({src})" if src else "")
            if rule is None:
                self.route_adders.setdefault(s.table_vpc, (s.entry, route))
                later = f"; added after {s.carried_by} accepts" if s.carried_by else ""
                part.steps.append(self.steps.add_route(
                    where, table.route_table_id, key[0], key[1], s.hop, route.description or "",
                    f"{declared_by} declares it; the table has no such rule{later}"))
            elif s.hop is not None and _through(rule, s.hop):
                if route.description is not None and rule.description != route.description:
                    part.steps.append(self.steps.change_route(
                        where, rule, route.description,
                        f"{declared_by}: description {rule.description!r} -> "
                        f"{route.description!r}"))
            elif s.old_hops and _through(rule, *s.old_hops):
                self.route_adders.setdefault(s.table_vpc, (s.entry, route))
                part.steps.append(self.steps.add_route(
                    where, table.route_table_id, key[0], key[1], s.hop, route.description or "",
                    f"{declared_by}: again through the new connection (the old one's rule "
                    "is deleted before its release)"))
            elif self.freed.get(rule.route_rule_id, s.entry.address) != s.entry.address:
                mover = self.freed[rule.route_rule_id]
                self.route_moves[(s.table_vpc, key)] = mover
                part.steps.append(self.steps.add_route(
                    where, table.route_table_id, key[0], key[1], s.hop, route.description or "",
                    f"{declared_by}: moves here from {mover}, which deletes it first"))
            else:
                self.errors.append(self._taken(s.entry, route, rule, in_table))
        if s.hop is not None:
            for rule in table.rules:
                key = (rule.source_address, rule.destination_address)
                if _through(rule, s.hop) and key not in declared:
                    part.steps.append(self.steps.delete_route(
                        where, rule, f"{name} does not declare {describe_rule(rule)}"))
        self._check_live(s, declared)
        part.basis[s.table_vpc] = {"profile": s.ctx.profile, "region": s.ctx.region,
                                   **route_basis(table, declared, [s.hop] if s.hop else [])}
        return part

    def _declared(self, entry: Entry, routes: tuple[DesiredRoute, ...],
                  table_vpc: str) -> dict[RuleKey, DesiredRoute]:
        """(source, destination) → the rule that declares it; symbols expanded. A key another
        entry of the run declared for the same table already is refused (once per table)."""
        out: dict[RuleKey, DesiredRoute] = {}
        for route in routes:
            if route.symbolic_vpc_id is None:
                destinations: tuple[str, ...] | None = (route.destination,)
            else:
                destinations = self.live.vpc_cidrs(route.symbolic_vpc_id)
            if destinations is None:
                self.errors.append(_diag(
                    entry, f"{route.field('destination')}: the CIDRs of "
                           f"{route.symbolic_vpc_id} cannot be read in this run",
                    hint="write the destination as a literal CIDR"))
                continue
            for destination in destinations:
                key = (route.source, destination)
                mine = (entry.address, route.field())
                claimed = self.route_claims.setdefault((table_vpc, key), mine)
                if claimed != mine:
                    self.errors.append(self._at_route(entry, route, _diag(
                        entry, f"{route.field()}: {key[0]} -> {key[1]} is declared for the "
                               f"table of {table_vpc} by {claimed[0]} {claimed[1]} too",
                        hint="a table holds one rule per (source, destination); keep one "
                             "declaration")))
                    continue
                out.setdefault(key, route)
        return out

    def _check_live(self, s: Side, declared: dict[RuleKey, DesiredRoute]) -> None:
        """The rules that need the live VPC: overlap with its own CIDRs, subnets of a source."""
        own = self.live.vpc_cidrs(s.table_vpc)
        subnets = self.live.subnets(s.table_vpc)
        for (source, destination), route in declared.items():
            hit = route_checks.overlap(destination, own or ())
            if hit is not None:
                self.errors.append(self._at_route(s.entry, route, _diag(
                    s.entry, f"{route.field('destination')}: {destination} overlaps {hit}, a "
                             f"CIDR of {s.table_vpc} itself; BCE refuses a rule to its own "
                             "addresses", hint="route only the other VPC's addresses")))
            if route.custom_source and subnets is not None \
                    and route_checks.outside_subnets(source, subnets):
                cidrs = ", ".join(sn.cidr for sn in subnets) or "none"
                self.errors.append(self._at_route(s.entry, route, _diag(
                    s.entry, f"{route.field('source')}: {source} is not inside a subnet of "
                             f"{s.table_vpc} (its subnets: {cidrs})",
                    hint="use a subnet's CIDR (or a part of one), or leave source out for "
                         "0.0.0.0/0")))

    def check_route_room(self) -> None:
        """After every change is planned: each table keeps room for what the plan adds."""
        added: dict[str, int] = {}
        deleted: dict[str, set[str]] = {}
        for change in self.changes:
            for step in change.steps:
                if step.op == Op.ADD_ROUTE:
                    added[step.vpc_id] = added.get(step.vpc_id, 0) + 1
                elif step.op == Op.DELETE_ROUTE:
                    deleted.setdefault(step.vpc_id, set()).add(str(step.params["route_rule_id"]))
        for vpc_id, adding in sorted(added.items()):
            table = self.live.route_table(vpc_id)
            if table is None:
                continue
            custom, total = route_checks.room(table.rules, deleted.get(vpc_id, set()), adding)
            tail = (f"{table.route_table_id} ({vpc_id}) would hold {custom} custom rules "
                    f"after this plan adds {adding}")
            if vpc_id not in self.route_adders:
                continue  # only rules re-pointed by a replace: as many as it deletes
            entry, route = self.route_adders[vpc_id]
            if route_checks.over_limit(custom):
                self.errors.append(self._at_route(entry, route, _diag(
                    entry, f"{route.field()}: {tail}; BCE allows at most {ROUTE_TABLE_LIMIT} "
                           "entries per table",
                    hint="declare fewer rules for this table, or delete rules it no longer "
                         "needs")))
            elif route_checks.over_limit(total):
                self.note(NoteLevel.WARNING, entry.address,
                          f"{tail}, {total} with its system rules; BCE allows "
                          f"{ROUTE_TABLE_LIMIT} entries per table and may count system rules")

    # ------------------------------------------------------------ helpers
    def _show_unmanaged(self, entry: Entry, ctx: Context, which: RouteSide, table_vpc: str,
                        other: str) -> None:
        """A side with no list: its rules through the connection, shown and never touched."""
        end = self.live.end(ctx, table_vpc, other)
        if end is None or not end.local_if_id:
            return
        table = self.live.route_table(table_vpc)
        rules = [rule for rule in (table.rules if table else ()) if _through(rule, end.local_if_id)]
        if rules:
            shown = ", ".join(rule.destination_address for rule in rules)
            self.note(NoteLevel.INFO, entry.address,
                      f"routes.{which.value} is not managed: the table of {table_vpc} routes "
                      f"{shown} through this connection (left as is)")

    def _repoint(self, conn: Entry, ctx: Context, which: RouteSide, table_vpc: str,
                 view: PeerConn, address: str) -> RoutePart:
        """A replace of a connection whose side is not managed: the rules the old connection
        carried (deleted before its release) are added again, as they were, through the new
        one — the side stays as the user left it, only its next hop moves."""
        table = self.live.route_table(table_vpc)
        old = self._ifids(ctx, view)
        part = RoutePart()
        if table is None:
            return part
        where = at(ctx.profile, ctx.region, table_vpc, Ref(address, "local_if_id"))
        for rule in table.rules:
            if _through(rule, *old):
                part.steps.append(self.steps.add_route(
                    where, table.route_table_id, rule.source_address, rule.destination_address,
                    None, rule.description,
                    f"re-pointed: {describe_rule(rule)} went through {view.peer_conn_id}; "
                    f"routes.{which.value} is not managed, so the rule is kept as it was"))
        if part.steps:
            part.basis[table_vpc] = {"profile": ctx.profile, "region": ctx.region,
                                     **route_basis(table, (), old)}
        return part

    def _at_route(self, entry: Entry, route: DesiredRoute, diag: Diagnostic) -> Diagnostic:
        """``diag`` located at the rule's line, when the manifest recorded it."""
        src = entry.field_sources.get(route.field("destination")) or \
            entry.field_sources.get(route.field())
        return replace(diag, file=src.file, line=src.line, column=src.column) \
            if src is not None else diag

    def _taken(self, entry: Entry, route: DesiredRoute, rule: RouteRule,
               in_table: str) -> Diagnostic:
        return self._at_route(entry, route, _diag(
            entry, f"{route.field()}: the rule {describe_rule(rule)} {in_table} already routes "
                   f"to {self._hop_owner(rule)}; peerconn does not take over a rule it does not own",
            hint="remove the rule from the manifest, or delete the other rule first"))

    def _hop_owner(self, rule: RouteRule) -> str:
        """The rule's next hop, and for another connection's interface, that connection (and
        the entry that manages it, from its tags)."""
        owner = _owner(rule)
        if rule.nexthop_type != PEERCONN_NEXTHOP_TYPE or not rule.nexthop_id:
            return owner
        end = next((v for _, v in self.live.items() if v.local_if_id == rule.nexthop_id), None)
        if end is None:
            return owner
        tags = end.tag_map
        named = f", managed as {tags[STACK_TAG]}/{tags[NAME_TAG]}" \
            if STACK_TAG in tags and NAME_TAG in tags else ""
        return f"{owner}, the end of {end.peer_conn_id} ({end.local_vpc_id} <-> {end.peer_vpc_id}{named})"

    def _ifids(self, ctx: Context, view: PeerConn) -> list[str]:
        """The interfaces of a live connection: this end's, and the other end's wherever the
        run listed it (the same account, or another account's profile of the run)."""
        ends = [view.local_if_id, *(v.local_if_id for _, v in self.live.items()
                                    if v.peer_conn_id == view.peer_conn_id)]
        return list(dict.fromkeys(i for i in ends if i))

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
        ends = {view.local_vpc_id, view.peer_vpc_id}
        for vpc, (tctx, table) in read_through.items():
            if vpc in ends or any(s.vpc_id == vpc for s in part.steps):
                part.basis[vpc] = {"profile": tctx.profile, "region": tctx.region,
                                   **route_basis(table, (), ifids)}
        part.always = True
        return part


def _through(rule: RouteRule, *hops: str) -> bool:
    return rule.nexthop_type == PEERCONN_NEXTHOP_TYPE and rule.nexthop_id in hops
