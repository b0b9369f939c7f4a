"""Route rules in the drawn scenarios: what manifests declare and what live tables already hold.

The VPCs' addresses are the default world's (``reconciler/simulator/default_world.yaml``, read
through ``load_world``), so the expansion of ``peer_vpc`` / ``local_vpc`` the planner reads live
is known here too. Drawn rules are legal (a literal destination never overlaps the table's own
VPC CIDRs; a custom source lies inside one of the table VPC's subnets) and one (source,
destination) is declared at most once per table across the run, symbols expanded. Only
same-account connections carry ``routes`` (``routes.peer`` needs one account; the acceptor's
side is left to the hand-written tests).

Live tables get three kinds of rules: through an active same-account connection of the world
(declared by the manifest or not; the connection may be pruned, so the run must delete them
before its release), out of band to other next hops (NAT, VPN, an instance) at pairs the
manifest does not declare, and — sometimes, on purpose — one such rule at a declared pair of a
connection the manifest keeps: a conflict the plan must refuse (``Scenario.conflicts``).
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any

from hypothesis import strategies as st

from reconciler.simulator import load_world
from reconciler.simulator.vpcs import catalogue

ANY = "0.0.0.0/0"
SYMBOLS = {"local": "peer_vpc", "peer": "local_vpc"}  # the symbol each side may use
#: Literal destinations: other VPCs' ranges, parts of them, and addresses outside the world.
LITERALS = ["10.2.0.0/16", "10.30.0.0/16", "10.1.0.0/16", "10.3.0.0/16", "10.4.0.0/16",
            "10.5.0.0/16", "10.6.0.0/16", "10.2.1.0/24", "192.168.0.0/16", "192.168.7.0/24",
            "172.31.0.0/16", "100.64.0.0/10", "10.200.0.0/24", "172.20.0.0/16", "8.8.8.8/32"]
OTHER_HOPS = [("nat", "nat-0001"), ("vpn", "vpn-0001"), ("custom", "i-0001"),
              ("dcGateway", "dcgw-0001")]
RULE_DESCRIPTIONS = ["", "to the db tier", "路由 — ü", "x" * 200]


@cache
def addresses() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """vpc id -> (its CIDRs, primary first; its subnets' CIDRs), as the default world has them."""
    return {vpc_id: ((vpc.cidr, *vpc.spec.secondary_cidrs), tuple(c for _, c in vpc.subnets))
            for vpc_id, vpc in catalogue(load_world(None)).items()}


def vpc_fields(vpc_id: str) -> dict[str, Any]:
    """The world-file fields that give a VPC its default-world addresses."""
    vpc = catalogue(load_world(None))[vpc_id]
    return {"cidr": vpc.cidr, "secondary_cidrs": list(vpc.spec.secondary_cidrs),
            "subnets": [{"id": sid, "cidr": cidr} for sid, cidr in vpc.subnets]}


def overlaps_vpc(vpc_id: str, destination: str) -> bool:
    net = ipaddress.ip_network(destination)
    return any(net.overlaps(ipaddress.ip_network(c)) for c in addresses()[vpc_id][0])


def expand(destination: str, other_vpc: str) -> tuple[str, ...]:
    """What a destination stands for in a table whose connection leads to ``other_vpc``."""
    return addresses()[other_vpc][0] if destination in SYMBOLS.values() else (destination,)


def declared_pairs(entry: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(table VPC, side) -> {(source, destination): description or None} of a connection
    entry's managed sides, symbols expanded; absent sides are left out."""
    routes = entry.get("routes") or {}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for side, table, other in (("local", entry["local_vpc_id"], entry["peer_vpc_id"]),
                               ("peer", entry["peer_vpc_id"], entry["local_vpc_id"])):
        if side not in routes:
            continue
        rules: dict[tuple[str, str], Any] = {}
        for rule in routes[side]:
            for dest in expand(rule["destination"], other):
                rules[(rule.get("source", ANY), dest)] = rule.get("description")
        out[(table, side)] = rules
    return out


@st.composite
def route_rule(draw: st.DrawFn, table: str, other: str, side: str) -> dict[str, Any]:
    choices = [SYMBOLS[side]] * 3 + [d for d in LITERALS if not overlaps_vpc(table, d)]
    rule: dict[str, Any] = {"destination": draw(st.sampled_from(choices))}
    source = draw(st.sampled_from([None, None, None, ANY, *addresses()[table][1]]))
    if source is not None:
        rule["source"] = source
    description = draw(st.sampled_from([None, None, *RULE_DESCRIPTIONS]))
    if description is not None:
        rule["description"] = description
    return rule


@st.composite
def routes_for(draw: st.DrawFn, local: str, peer: str, absent: bool,
               used: dict[str, set[tuple[str, str]]]) -> dict[str, Any] | None:
    """A same-account entry's ``routes`` (or None: not written). ``used``: the pairs already
    declared per table VPC in this run, updated with the rules drawn."""
    shape = draw(st.sampled_from(["none", "local", "local", "peer", "both", "both", "both",
                                  "empty"]))
    if shape == "none":
        return None
    sides = {"local": ["local"], "peer": ["peer"], "both": ["local", "peer"],
             "empty": []}[shape]
    if shape == "empty":
        sides = draw(st.sampled_from([[], ["local"], ["local", "peer"]]))
        return {side: [] for side in sides}
    routes: dict[str, Any] = {}
    for side in sides:
        table, other = (local, peer) if side == "local" else (peer, local)
        if absent:  # ensure: absent carries no rules; [] is fine
            routes[side] = []
            continue
        rules = []
        for _ in range(draw(st.integers(0, 3))):
            rule = draw(route_rule(table, other, side))
            pairs = {(rule.get("source", ANY), d) for d in expand(rule["destination"], other)}
            if pairs & used.setdefault(table, set()):
                continue  # declared twice in one table: a refusal the search need not repeat
            used[table] |= pairs
            rules.append(rule)
        routes[side] = rules
    return routes


def end_if(conn: dict[str, Any], vpc: str) -> str:
    """The interface of a world connection's end in ``vpc``."""
    return str(conn["local_if_id"] if conn["local_vpc_id"] == vpc else conn["peer_if_id"])


@st.composite
def live_rules(draw: st.DrawFn, live: list[dict[str, Any]], declared: dict[str, Any],
               same_account: set[str], *, through_connections: bool = True,
               ) -> tuple[list[dict[str, Any]], list[str]]:
    """World route rules and the conflicts among them (descriptions of each).

    ``declared``: {frozenset(pair): entry} of the manifest's present same-account
    connections with routes; ``same_account``: the VPCs of the main account;
    ``through_connections``: whether rules through the world's connections are drawn."""
    used: dict[str, set[tuple[str, str]]] = {}
    for entry in declared.values():
        for (table, _side), pairs in declared_pairs(entry).items():
            used.setdefault(table, set()).update(pairs)
    rules: list[dict[str, Any]] = []
    taken: set[tuple[str, str, str]] = set()  # (table, source, destination) seeded so far
    conflicts: list[str] = []

    def add(rule: dict[str, Any]) -> None:
        key = (rule["vpc_id"], rule.get("source", ANY), rule["destination"])
        if key not in taken and not overlaps_vpc(rule["vpc_id"], rule["destination"]):
            taken.add(key)
            rules.append(rule)

    for conn in live:
        ends = (conn["local_vpc_id"], conn["peer_vpc_id"])
        if not through_connections or conn["status"] != "active" \
                or not set(ends) <= same_account:
            continue
        entry = declared.get(frozenset(ends))
        own = declared_pairs(entry) if entry is not None else {}
        for table, other in (ends, ends[::-1]):
            mine = set().union(*(pairs for (t, _), pairs in own.items() if t == table))
            for _ in range(draw(st.integers(0, 2))):
                dest = draw(st.sampled_from([addresses()[other][0][0], *LITERALS]))
                if (ANY, dest) in used.get(table, set()) - mine:
                    continue  # another connection's declared pair: a conflict, see below
                add({"vpc_id": table, "destination": dest, "nexthop_type": "peerConn",
                     "nexthop_id": end_if(conn, table),
                     "description": draw(st.sampled_from(RULE_DESCRIPTIONS))})
    for _ in range(draw(st.integers(0, 3))):
        table = draw(st.sampled_from(sorted(same_account)))
        kind, hop = draw(st.sampled_from(OTHER_HOPS))
        dest = draw(st.sampled_from(LITERALS))
        if (ANY, dest) not in used.get(table, set()):
            add({"vpc_id": table, "destination": dest, "nexthop_type": kind, "nexthop_id": hop})
    tables = sorted(t for t in used if used[t])
    if tables and draw(st.integers(0, 7)) == 0:
        # A declared pair the table already routes elsewhere: the plan must refuse it.
        table = draw(st.sampled_from(tables))
        source, dest = draw(st.sampled_from(sorted(used[table])))
        kind, hop = draw(st.sampled_from(OTHER_HOPS))
        before = len(rules)
        add({"vpc_id": table, "source": source, "destination": dest, "nexthop_type": kind,
             "nexthop_id": hop})
        if len(rules) > before:
            conflicts.append(f"{source} -> {dest} in {table} via {kind} {hop}")
    return rules, conflicts
