"""What must hold of the simulator's route tables after any run, and after convergence.

After every apply — finished, failed, interrupted, killed, or racing another one:

- no route table holds two rules with the same (source, destination);
- no rule's next hop is the interface of a connection that was released (with
  ``release_with_routes: keep`` BCE would leave it dangling; peerconn must delete it first), nor,
  where transitions are instant, of a connection that is not ``active``.

After convergence: every rule each managed side declares is in its VPC's table through the
connection's end in that VPC, with its description when one is declared, and no other rule goes
through that end (a managed side is authoritative).
"""

from __future__ import annotations

import collections
from typing import Any

from reconciler.simulator import SimServer
from tests.reliability.route_scenarios import declared_pairs

PEERCONN = "peerConn"


def _ends(server: SimServer) -> dict[str, dict[str, Any]]:
    """if id -> the connection record it is an end of (connections not yet released)."""
    return {rec[role]["if_id"]: rec for rec in server.connections() if not rec["gone"]
            for role in ("initiator", "acceptor")}


def route_problems(server: SimServer, *, active: bool = True) -> list[str]:
    """Duplicate rules and rules through released (or, with ``active``, inactive)
    connections, each described."""
    rules = server.route_rules()
    problems = []
    counts = collections.Counter((r["table"], r["source"], r["destination"]) for r in rules)
    problems += [f"{n} rules {src} -> {dst} in {table}"
                 for (table, src, dst), n in counts.items() if n > 1]
    ends = _ends(server)
    for rule in rules:
        if rule["nexthop_type"] != PEERCONN:
            continue
        rec = ends.get(rule["nexthop_id"])
        where = f"rule {rule['id']} {rule['destination']} in {rule['table']} ({rule['vpc']})"
        if rec is None:
            problems.append(f"{where} goes through {rule['nexthop_id']}, which no connection "
                            "has any more (released)")
        elif active and rec["status"] != "active":
            problems.append(f"{where} goes through {rec['id']}, which is {rec['status']}")
    return problems


def assert_route_invariants(server: SimServer, *, active: bool = True) -> None:
    problems = route_problems(server, active=active)
    assert not problems, "route tables broken:\n" + "\n".join(problems)


def assert_declared_routes(server: SimServer, files: dict[Any, dict[str, Any]]) -> None:
    """Every managed side of every present connection entry holds exactly its rules."""
    conns = [rec for rec in server.connections() if not rec["gone"]]
    rules = server.route_rules()
    for data in files.values():
        for entry in data["connections"]:
            if entry.get("ensure") == "absent" or not entry.get("routes"):
                continue
            pair = {entry["local_vpc_id"], entry["peer_vpc_id"]}
            found = [rec for rec in conns
                     if {rec["initiator"]["vpc_id"], rec["acceptor"]["vpc_id"]} == pair]
            assert len(found) == 1, f"{entry['name']}: {len(found)} connections for {pair}"
            ends = {rec["vpc_id"]: rec["if_id"] for rec in (found[0]["initiator"],
                                                            found[0]["acceptor"])}
            for (table, side), want in declared_pairs(entry).items():
                hop = ends[table]
                have = {(r["source"], r["destination"]): r["description"] for r in rules
                        if r["vpc"] == table and r["nexthop_type"] == PEERCONN
                        and r["nexthop_id"] == hop}
                assert set(have) == set(want), (
                    f"{entry['name']} routes.{side} in {table}: declared {sorted(want)}, "
                    f"the table has {sorted(have)} through {hop}")
                for key, description in want.items():
                    if description is not None:
                        assert have[key] == description, f"{entry['name']}: {key} description"
