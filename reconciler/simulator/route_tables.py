"""Route tables and their rules: the state, the views and the six route operations.

Owns: one default table per world VPC (``rt-`` + 12 characters derived from the VPC id, or
the world's ``route_table_id``; name ``default``) whose system rules (one per subnet:
0.0.0.0/0 → the subnet's CIDR, empty ids) are computed from the world, never stored; custom
rules as records in ``State.routes`` (shape below; deleted ones stay as tombstones so a
marker can resume after them); ``GET /v1/route`` and the paged ``GET /v1/route/rule``;
create / update / delete / switch; seeding the world's ``routes``; and what a release does
to the rules that point at the connection (``behaviour.release_with_routes``). The rules
themselves are in ``route_checks``. Must not parse HTTP, check signatures or handle client
tokens (the engine does, exactly as for the peering operations).

Rule record::

    {"id", "table", "vpc", "source", "destination", "nexthop_type", "nexthop_id",
     "description", "path_type", "group": str | None, "seq", "gone"}
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.simulator import route_checks as rc
from reconciler.simulator.errors import SimApiError, invalid
from reconciler.simulator.paging import max_keys
from reconciler.simulator.records import Record
from reconciler.simulator.route_world import RouteApiSpec
from reconciler.simulator.store import State
from reconciler.simulator.vpcs import Vpc, catalogue
from reconciler.simulator.world import World

READS = ("get_route_table", "list_route_rules")
MUTATIONS = ("create_route_rule", "update_route_rule", "delete_route_rule", "switch_route")
_ALPHABET = string.ascii_lowercase + string.digits


class Context(Protocol):
    """What the route operations need from the engine."""

    state: State

    def new_id(self, prefix: str) -> str: ...

    def live(self) -> list[Record]: ...


def derived_table_id(vpc_id: str) -> str:
    """``rt-`` + 12 lowercase alphanumerics, the same for a VPC in every run."""
    number = int.from_bytes(hashlib.sha256(f"route-table:{vpc_id}".encode()).digest()[:10], "big")
    chars = []
    for _ in range(12):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return "rt-" + "".join(chars)


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    vpc: Vpc

    @property
    def account(self) -> str:
        return self.vpc.account

    def system_rules(self) -> list[dict[str, Any]]:
        return [{"routeRuleId": "", "routeTableId": self.id, "sourceAddress": rc.ANY,
                 "destinationAddress": cidr, "nexthopId": "", "nexthopType": "sys",
                 "description": ""} for _, cidr in self.vpc.subnets]


def rule_view(rule: Record) -> dict[str, Any]:
    return {"routeRuleId": rule["id"], "routeTableId": rule["table"],
            "sourceAddress": rule["source"], "destinationAddress": rule["destination"],
            "nexthopId": rule["nexthop_id"], "nexthopType": rule["nexthop_type"],
            "description": rule["description"], "pathType": rule["path_type"]}


class RouteService:
    """The route operations over the world's tables and the engine's rule records."""

    def __init__(self, world: World):
        self.world = world
        self.spec = world.route_api
        self.tables: dict[str, Table] = {}
        self.by_vpc: dict[str, Table] = {}
        for vpc in catalogue(world).values():
            table = Table(vpc.spec.route_table_id or derived_table_id(vpc.spec.id), vpc)
            self.tables[table.id] = table
            self.by_vpc[vpc.spec.id] = table
        # The live rules by table, in creation order, for the state they were built from:
        # rebuilt when the state object is another (a reload), a rule was inserted (seq) or
        # one went (``_gone``). A read of one table then costs its own rules, not all of them.
        self._generation = 0
        self._index: tuple[State, tuple[int, int], dict[str, list[Record]]] | None = None

    # -- lookups -------------------------------------------------------------------------

    def _table(self, account: str, table_id: str) -> Table:
        table = self.tables.get(table_id)
        if table is None or table.account != account:
            raise SimApiError(404, "NoSuchObject", f"route table {table_id} not found")
        return table

    def _table_of_vpc(self, account: str, vpc_id: str) -> Table:
        table = self.by_vpc.get(vpc_id)
        if table is None or table.account != account:
            raise SimApiError(404, "NoSuchObject", f"vpc {vpc_id} not found")
        return table

    def _rules(self, ctx: Context, table: Table) -> list[Record]:
        state, version = ctx.state, (ctx.state.seq, self._generation)
        if self._index is None or self._index[0] is not state or self._index[1] != version:
            groups: dict[str, list[Record]] = {}
            for rule in sorted(state.routes.values(), key=lambda r: r["seq"]):
                if not rule["gone"]:
                    groups.setdefault(rule["table"], []).append(rule)
            self._index = (state, version, groups)
        return list(self._index[2].get(table.id, ()))

    def _gone(self, rule: Record) -> None:
        rule["gone"] = True
        self._generation += 1

    def _rule(self, ctx: Context, account: str, rule_id: str) -> tuple[Record, Table]:
        rule = ctx.state.routes.get(rule_id)
        if rule is None or rule["gone"] or self.tables[rule["table"]].account != account:
            raise SimApiError(404, "NoSuchObject", f"route rule {rule_id} not found")
        return rule, self.tables[rule["table"]]

    # -- reads ---------------------------------------------------------------------------

    def read(self, ctx: Context, op: str, account: str, query: dict[str, str]) -> dict[str, Any]:
        table_id, vpc_id = query.get("routeTableId") or "", query.get("vpcId") or ""
        if op == "get_route_table":
            return self._get_table(ctx, account, table_id, vpc_id)
        if bool(table_id) == bool(vpc_id):
            # The doc's intl page: one of the two, not combined.
            raise invalid("give exactly one of routeTableId and vpcId")
        table = (self._table(account, table_id) if table_id
                 else self._table_of_vpc(account, vpc_id))
        return self._page(ctx, table, query)

    def _get_table(self, ctx: Context, account: str, table_id: str, vpc_id: str) -> dict[str, Any]:
        if not table_id and not vpc_id:
            raise invalid("routeTableId or vpcId is required")  # the Python SDK can send neither
        table = self._table(account, table_id) if table_id else self._table_of_vpc(account, vpc_id)
        if vpc_id and table.vpc.spec.id != vpc_id:
            raise invalid(f"route table {table.id} is not the table of {vpc_id}")
        return {"name": "default", "routeTableId": table.id, "vpcId": table.vpc.spec.id,
                "routeRules": [rule_view(r) for r in self._rules(ctx, table)]
                + table.system_rules()}

    def _page(self, ctx: Context, table: Table, query: dict[str, str]) -> dict[str, Any]:
        size = max_keys(query.get("maxKeys"))
        rules = self._rules(ctx, table)
        marker = query.get("marker") or ""
        start = 0
        if marker:
            known = ctx.state.routes.get(marker)
            if known is None or known["table"] != table.id:
                raise invalid(f"marker {marker} is not valid")
            # Inclusive, and a marker whose rule has gone resumes at the next one after it.
            start = next((i for i, r in enumerate(rules) if r["seq"] >= known["seq"]), len(rules))
        end = start + size
        items = [rule_view(r) for r in rules[start:end]]
        page: dict[str, Any] = {"marker": marker, "isTruncated": end < len(rules),
                                "maxKeys": size, "routeRules": items}
        if end < len(rules):
            page["nextMarker"] = rules[end]["id"]
        elif self.spec.list_system_rules == "last_page":
            items.extend(table.system_rules())  # no id to page by: after the last custom rule
        return page

    # -- writes --------------------------------------------------------------------------

    def mutate(self, ctx: Context, op: str, account: str, rule_id: str,
               body: dict[str, Any] | None) -> dict[str, Any] | None:
        if op == "create_route_rule":
            return self._create(ctx, account, body)
        rule, table = self._rule(ctx, account, rule_id)
        if op == "update_route_rule":
            self._update(ctx, account, rule, table, body or {})
        elif op == "delete_route_rule":
            self._gone(rule)
        else:
            self._switch(ctx, rule)
        return None

    def _create(self, ctx: Context, account: str, body: dict[str, Any] | None) -> dict[str, Any]:
        args = rc.parse_create(body, self.spec)
        table = self._table(account, args.table_id)
        rules = self._rules(ctx, table)
        hop = args.hops[0]
        if hop.nexthop_type == "peerConn":
            rc.check_peer_hop(self.spec, ctx.live(), hop.nexthop_id, table.vpc.spec.id, account)
        self._check_addresses(table, args.source, args.destination)
        rc.check_unique(self._pairs(table, rules), args.source, args.destination)
        used = len(rules) + (len(table.vpc.subnets) if self.spec.count_system_rules else 0)
        rc.check_room(self.world.quotas.route_rules_per_table, used, len(args.hops), table.id)
        ids = [ctx.new_id("rr-") for _ in args.hops]
        group = ids[0] if len(ids) > 1 else None
        for rule_id, each in zip(ids, args.hops, strict=True):
            self._insert(ctx.state, {
                "id": rule_id, "table": table.id, "vpc": table.vpc.spec.id,
                "source": args.source, "destination": args.destination,
                "nexthop_type": each.nexthop_type, "nexthop_id": each.nexthop_id,
                "description": args.description, "path_type": each.path_type, "group": group})
        return {"routeRuleId": ids[0], **({"routeRuleIds": ids} if group else {})}

    def _update(self, ctx: Context, account: str, rule: Record, table: Table,
                body: dict[str, Any]) -> None:
        changes = _update_fields(body, rule, self.spec)
        if not changes:
            return  # Go's SwitchRoute bug sends an empty PUT: a harmless no-op (§2.7)
        if rule["group"] is not None:
            raise rc.route_error("MultiLineNotUpdatable", "only single-line rules can be updated")
        new = {**rule, **changes}
        if new["nexthop_type"] != rule["nexthop_type"]:
            rc.check_type(new["nexthop_type"])
        hop_changed = "nexthop_id" in changes or "nexthop_type" in changes
        if hop_changed and new["nexthop_type"] == "peerConn":
            rc.check_peer_hop(self.spec, ctx.live(), new["nexthop_id"], table.vpc.spec.id,
                              account)
        if (new["source"], new["destination"]) != (rule["source"], rule["destination"]):
            self._check_addresses(table, new["source"], new["destination"])
            others = [r for r in self._rules(ctx, table) if r["id"] != rule["id"]]
            rc.check_unique(self._pairs(table, others), new["source"], new["destination"])
        rule.update(changes)

    def _switch(self, ctx: Context, rule: Record) -> None:
        group = [r for r in ctx.state.routes.values()
                 if rule["group"] is not None and r["group"] == rule["group"] and not r["gone"]]
        standby = [r for r in group if r["path_type"] == "ha:standby"]
        if rule["path_type"] != "ha:active" or len(standby) != 1:
            raise rc.route_error("NotHaRoute", f"{rule['id']} is not the active path of an "
                                 "ha:active/ha:standby route")
        rule["path_type"], standby[0]["path_type"] = "ha:standby", "ha:active"

    def _check_addresses(self, table: Table, source: str, destination: str) -> None:
        vpc = table.vpc
        rc.check_addresses(self.spec, source, destination, vpc.cidr, vpc.spec.secondary_cidrs,
                           [cidr for _, cidr in vpc.subnets])

    @staticmethod
    def _pairs(table: Table, rules: list[Record]) -> list[tuple[str, str, str]]:
        return ([(r["id"], r["source"], r["destination"]) for r in rules]
                + [("", rc.ANY, cidr) for _, cidr in table.vpc.subnets])

    @staticmethod
    def _insert(state: State, rule: Record) -> None:
        state.seq += 1
        state.routes[rule["id"]] = {**rule, "seq": state.seq, "gone": False}

    # -- releases and seeding ------------------------------------------------------------

    def on_release(self, ctx: Context, rec: Record, account: str) -> None:
        """A connection is being released: refuse, delete its rules, or keep them."""
        ends = {rec["initiator"]["if_id"], rec["acceptor"]["if_id"]}
        using = [r for r in sorted(ctx.state.routes.values(), key=lambda r: r["seq"])
                 if not r["gone"] and r["nexthop_type"] == "peerConn" and r["nexthop_id"] in ends]
        mode = self.world.behaviour.release_with_routes
        if not using or mode == "keep":
            return
        if mode == "cascade":
            for rule in using:
                self._gone(rule)
            return
        mine = [f"{r['id']} ({r['table']})" for r in using
                if self.tables[r["table"]].account == account]
        others = len(using) - len(mine)
        named = ", ".join(mine) + (f" and {others} in the peer account" if others else "")
        raise SimApiError(409, "PeerConn.HasRouteRules", f"peer connection {rec['id']} is the "
                          f"next hop of route rules {named}; delete them first")

    def seed(self, state: State, ids: Any) -> None:
        """The world's ``routes`` as records (not checked against the API's rules)."""
        groups: dict[str, str] = {}
        for spec in self.world.routes:
            table = self.by_vpc[spec.vpc_id]
            rule_id = spec.id or _fresh(ids, state)
            group = groups.setdefault(spec.group, rule_id) if spec.group else None
            self._insert(state, {
                "id": rule_id, "table": table.id, "vpc": spec.vpc_id, "source": spec.source,
                "destination": spec.destination, "nexthop_type": spec.nexthop_type,
                "nexthop_id": spec.nexthop_id, "description": spec.description,
                "path_type": spec.path_type, "group": group})


def _fresh(ids: Any, state: State) -> str:
    while True:
        candidate = str(ids.new_id("rr-"))
        if candidate not in state.routes:
            return candidate


def _update_fields(body: dict[str, Any], rule: Record, spec: RouteApiSpec) -> dict[str, Any]:
    """The fields an update changes. ``""`` means unchanged (Go always sends the source,
    destination and rule id); the description follows ``route_api.update_empty_description``."""
    if body.get("nextHopList"):
        raise invalid("nextHopList cannot be updated (multi-line routes are create-only)")
    rc.ip_version(body)
    body_id = rc.text(body, "routeRuleId")
    if body_id and body_id != rule["id"]:
        raise invalid(f"routeRuleId {body_id} in the body is not {rule['id']}")
    changes: dict[str, Any] = {}
    for key, field in (("sourceAddress", "source"), ("destinationAddress", "destination")):
        value = rc.text(body, key)
        if value:
            changes[field] = rc.cidr(value, key, spec)
    hop_id = rc.text(body, "nexthopId")
    if hop_id:
        changes["nexthop_id"] = hop_id
    kind = rc.text(body, "nexthopType")
    if kind and kind != rule["nexthop_type"]:
        if spec.update_nexthop_type == "reject":
            raise rc.route_error("NexthopTypeNotUpdatable", "nexthopType cannot be updated; "
                                 "delete the rule and create it again")
        changes["nexthop_type"] = kind
    description = rc.description(body)
    if description or (description == "" and spec.update_empty_description == "clears"):
        changes["description"] = description
    # Values equal to the current ones change nothing (so such an update is a no-op).
    return {k: v for k, v in changes.items() if rule.get(k) != v}
