"""Offline checks of declared route rules (specs/manifest.md §4.1).

Owns: the rules on ``routes.local`` / ``routes.peer`` that need more than one field or more
than one entry — ``routes.peer`` only within one account, no symbolic destination naming the
table's own VPC, no rules declared for a connection being released, no duplicate (source,
destination) in one table across the whole run (a VPC's rules from several entries and files
end up in its one table), at most 50 declared entries per table. Single-field syntax (CIDRs,
description length) is the schema's. Pure: reads only the entries it is given.

Left to plan time, because they need the live cloud or the run's profiles: a destination
overlapping the table's own VPC CIDRs, a custom source outside every subnet of that VPC, the
50-entry limit counting the live rules and the expansion of ``peer_vpc``/``local_vpc``, a
literal destination equal to a symbolic one's expansion, and a symbolic destination naming a
VPC of another account that no profile of the run can read (the plan asks for a literal CIDR).
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.errors import Diagnostic
from reconciler.manifest.locate import Entry, at, describe
from reconciler.model import DesiredConnection
from reconciler.model.routes import ROUTE_TABLE_LIMIT, DesiredRoute, RouteSide, Symbol

Placed = tuple[Entry, DesiredRoute]


def route_rules(entries: Iterable[Entry]) -> list[Diagnostic]:
    """Every route-rule violation among ``entries``, each at the offending field."""
    entry_list = list(entries)
    found: list[Diagnostic] = []
    for entry in entry_list:
        found += _entry_rules(entry)
    tables: dict[str, list[Placed]] = {}
    for entry in entry_list:
        for route in entry.routes:
            tables.setdefault(route.table_vpc_id, []).append((entry, route))
    for vpc_id, placed in tables.items():
        found += _duplicates(placed) + _too_many(vpc_id, placed)
    return found


def _entry_rules(entry: Entry) -> list[Diagnostic]:
    found = [_own_vpc(entry, route) for route in entry.routes if _names_own_vpc(route)]
    if isinstance(entry, DesiredConnection):
        found += _connection_rules(entry)
    return found


def _connection_rules(conn: DesiredConnection) -> list[Diagnostic]:
    found = []
    if conn.routes_peer is not None and conn.peer_account_id is not None:
        found.append(at(conn, "routes.peer",
                        "routes.peer can only be set when both VPCs are in the same account",
                        detail=f"peer_account_id is {conn.peer_account_id!r}: peerconn cannot "
                        "write that account's route table from this entry",
                        hint="declare the rules in that account's acceptance (routes.local)"))
    if conn.ensure == "absent" and conn.routes:
        found.append(at(conn, conn.routes[0].field(),
                        "ensure: absent releases the connection; it cannot carry routes",
                        detail="its rules are deleted before the release",
                        hint="remove the rules; an empty list is fine (the connection's rules are "
                        "deleted before the release either way)"))
    return found


def _names_own_vpc(route: DesiredRoute) -> bool:
    return route.symbol is not None and route.symbolic_vpc_id == route.table_vpc_id


def _own_vpc(entry: Entry, route: DesiredRoute) -> Diagnostic:
    other = Symbol.PEER_VPC if route.side is RouteSide.LOCAL else Symbol.LOCAL_VPC
    return at(entry, route.field("destination"),
              f"destination {route.destination} is the table's own VPC ({route.table_vpc_id})",
              detail=f"routes.{route.side.value} are rules in {route.table_vpc_id}'s route table; "
              "BCE refuses a destination overlapping the table's own VPC",
              hint=f"did you mean destination: {other.value}?", near=(route.field(),))


def _identity(route: DesiredRoute) -> tuple[str, str]:
    """(source, destination) within the table; a symbol is the VPC it stands for."""
    vpc_id = route.symbolic_vpc_id
    return (route.source, f"the CIDRs of {vpc_id}" if vpc_id else route.destination)


def _duplicates(placed: list[Placed]) -> list[Diagnostic]:
    first: dict[tuple[str, str], Placed] = {}
    found = []
    for entry, route in placed:
        key = _identity(route)
        if key not in first:
            first[key] = (entry, route)
            continue
        other_entry, other = first[key]
        found.append(at(entry, route.field("destination"),
                        f"a rule from {key[0]} to {route.destination} is already declared for "
                        f"the route table of {route.table_vpc_id}",
                        detail=f"by {other.field()} of {describe(other_entry)}",
                        hint="a route table holds one rule per (source, destination); keep one",
                        near=(route.field(),)))
    return found


def _too_many(vpc_id: str, placed: list[Placed]) -> list[Diagnostic]:
    if len(placed) <= ROUTE_TABLE_LIMIT:
        return []
    entry, route = placed[ROUTE_TABLE_LIMIT]
    return [at(entry, route.field(),
               f"the route table of {vpc_id} would hold {len(placed)} declared rules; "
               f"BCE allows at most {ROUTE_TABLE_LIMIT} entries per table",
               detail=f"this is rule {ROUTE_TABLE_LIMIT + 1} declared for that table in this run "
               "(the rules already in the table are counted at plan time)",
               hint="route a wider CIDR, or move some rules to another VPC")]
