"""The plan-time rules of a route table that need the live VPC and table (specs/routes.md). Pure.

Owns: whether a declared destination overlaps the table's own VPC CIDRs (primary and
secondary), whether a custom source lies inside one of that VPC's subnets, and whether a
table keeps room for what the plan adds (at most ``ROUTE_TABLE_LIMIT`` entries, counting the
live rules the plan keeps). Each answers a sentence or None; ``routes`` turns them into
diagnostics at the manifest line. The offline rules (CIDR syntax, duplicates written in the
manifests, description length) are the manifest's (``manifest/route_rules.py``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from reconciler.model import RouteRule, Subnet
from reconciler.model.routes import DEFAULT_SOURCE, ROUTE_TABLE_LIMIT


def overlap(destination: str, own_cidrs: Iterable[str]) -> str | None:
    """The table VPC's own CIDR that ``destination`` overlaps (BCE refuses such a rule)."""
    net = ipaddress.ip_network(destination)
    for cidr in own_cidrs:
        try:
            own = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        if own.version == net.version and net.overlaps(own):
            return cidr
    return None


def outside_subnets(source: str, subnets: Sequence[Subnet]) -> bool:
    """Whether a custom source lies outside every subnet of the table's VPC."""
    if source == DEFAULT_SOURCE:
        return False
    net = ipaddress.ip_network(source)
    for subnet in subnets:
        try:
            cidr = ipaddress.ip_network(subnet.cidr, strict=False)
        except ValueError:
            continue
        if cidr.version == net.version and net.subnet_of(cidr):  # type: ignore[arg-type]
            return False
    return True


def room(rules: Sequence[RouteRule], deleted: set[str], added: int) -> tuple[int, int]:
    """(custom rules, all rules) the table holds after the plan: the live rules it keeps plus
    the ones it adds. BCE's limit is ``ROUTE_TABLE_LIMIT`` entries; whether the system rules
    count is unverified, so the caller fails on the first figure and warns on the second."""
    kept = [r for r in rules if r.route_rule_id not in deleted or r.is_system]
    custom = sum(1 for r in kept if not r.is_system) + added
    return custom, len(kept) + added


def over_limit(count: int) -> bool:
    return count > ROUTE_TABLE_LIMIT
