"""The route API's request parsing and business rules (route reference §2, §3, §5).

Owns: reading create/update bodies as the SDKs send them (Go's always-present
``nexthopType: ""`` and ``sourceAddress: ""``, Python's always-present ``description``),
CIDR syntax, the documented address rules (custom source inside a subnet or 0.0.0.0/0,
destination clear of the VPC's CIDRs), duplicate (source, destination) pairs, the entries
limit, next-hop types and the peerConn next hop (a ``qpif-…`` of a connection end in the
table's VPC). Where BCE's behaviour is unverified, the world's ``route_api`` switches decide.
Must not change state or know about HTTP. ``Route.*`` codes are invented, like ``PeerConn.*``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reconciler.simulator.errors import SimApiError, invalid
from reconciler.simulator.records import Record
from reconciler.simulator.route_world import RouteApiSpec

MAX_TEXT = 200
ANY = "0.0.0.0/0"
# Types a rule can be created with (reference §3.2); "sys" is response-only.
NEXTHOP_TYPES = frozenset({"custom", "vpn", "nat", "dcGateway", "peerConn", "ipv6gateway",
                           "enic", "havip", "defaultGateway"})
MULTI_PATHS = frozenset({"ecmp", "ha:active", "ha:standby"})
SINGLE_PATH = "normal"  # a stand-in: BCE's pathType of single-line rules is unverified


def route_error(code: str, message: str, status: int = 400) -> SimApiError:
    return SimApiError(status, f"Route.{code}", message)


@dataclass(frozen=True, slots=True)
class Hop:
    nexthop_type: str
    nexthop_id: str
    path_type: str


@dataclass(frozen=True, slots=True)
class CreateArgs:
    table_id: str
    source: str
    destination: str
    description: str
    hops: tuple[Hop, ...]  # one for a single-line rule


def text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{key} must be a string")
    return value


def cidr(value: str, key: str, spec: RouteApiSpec) -> str:
    try:
        net = ipaddress.ip_network(value, strict=spec.host_bits == "reject")
    except ValueError:
        raise invalid(f"{key} {value!r} is not an IPv4 CIDR such as 10.1.0.0/16") from None
    if net.version != 4:
        raise invalid(f"{key} {value!r} is not an IPv4 CIDR (IPv6 routes are not modelled)")
    return str(net)


def description(body: dict[str, Any]) -> str | None:
    value = text(body, "description")
    if value is not None and len(value) > MAX_TEXT:
        raise invalid(f"description must be at most {MAX_TEXT} characters")
    return value


def ip_version(body: dict[str, Any]) -> None:
    # Sent as "4" by Go/Python and as 4 by Java; the accepted set is unverified.
    value = body.get("ipVersion")
    if value is not None and value not in ("4", 4, "6", 6):
        raise invalid("ipVersion must be 4 or 6")


def parse_create(body: dict[str, Any] | None, spec: RouteApiSpec) -> CreateArgs:
    if body is None:
        raise invalid("a request body is required")
    table_id = text(body, "routeTableId") or ""
    source, destination = text(body, "sourceAddress"), text(body, "destinationAddress")
    if not table_id or not source or not destination:
        raise invalid("routeTableId, sourceAddress and destinationAddress are required")
    ip_version(body)
    hops = _multi_hops(body) if body.get("nextHopList") else (_single_hop(body),)
    return CreateArgs(table_id, cidr(source, "sourceAddress", spec),
                      cidr(destination, "destinationAddress", spec),
                      description(body) or "", hops)


def _single_hop(body: dict[str, Any]) -> Hop:
    kind = text(body, "nexthopType") or ""  # Go sends "" when unset
    hop_id = text(body, "nexthopId") or ""
    check_type(kind)
    if not hop_id and kind != "defaultGateway":
        raise invalid(f"nexthopId is required for a {kind} next hop")
    return Hop(kind, hop_id, SINGLE_PATH)


def check_type(kind: str) -> None:
    if not kind:
        raise invalid("nexthopType is required for a single-line route")
    if kind not in NEXTHOP_TYPES:
        raise route_error("InvalidNexthopType", f"nexthopType {kind!r} cannot be created")


def _multi_hops(body: dict[str, Any]) -> tuple[Hop, ...]:
    raw = body["nextHopList"]
    if text(body, "nexthopType") or text(body, "nexthopId"):
        raise invalid("give nextHopList or nexthopType/nexthopId, not both")
    if not isinstance(raw, list) or not all(isinstance(h, dict) for h in raw):
        raise invalid("nextHopList must be a list of objects")
    hops = tuple(Hop(text(h, "nexthopType") or "", text(h, "nexthopId") or "",
                     text(h, "pathType") or "") for h in raw)
    for hop in hops:
        if hop.nexthop_type != "dcGateway" or not hop.nexthop_id:
            raise route_error("InvalidNexthop", "a multi-line route takes dcGateway hops only")
        if hop.path_type not in MULTI_PATHS:
            raise invalid(f"pathType must be one of {', '.join(sorted(MULTI_PATHS))}")
    paths = sorted(h.path_type for h in hops)
    if paths != ["ha:active", "ha:standby"] and (len(hops) < 2 or set(paths) != {"ecmp"}):
        raise invalid("a multi-line route is two or more ecmp hops, or ha:active + ha:standby")
    return hops


# -- the rules -----------------------------------------------------------------------------


def check_addresses(spec: RouteApiSpec, source: str, destination: str, vpc_cidr: str,
                    secondary: Iterable[str], subnets: Iterable[str]) -> None:
    """Reference §5 rules 1 and 2 (unless ``route_api.check_addresses`` is off)."""
    if not spec.check_addresses:
        return
    src = ipaddress.ip_network(source)
    if source != ANY and not any(src.subnet_of(ipaddress.ip_network(s))  # type: ignore[arg-type]
                                 for s in subnets):
        raise route_error("SourceNotInSubnet",
                          f"sourceAddress {source} is not 0.0.0.0/0 and not inside a subnet")
    if destination == ANY:
        return
    dest = ipaddress.ip_network(destination)
    own = [vpc_cidr, *(secondary if spec.overlap_includes_secondary else ())]
    for vpc_range in own:
        if dest.overlaps(ipaddress.ip_network(vpc_range)):
            raise route_error("DestinationOverlapsVpc",
                              f"destinationAddress {destination} overlaps the VPC's {vpc_range}")


def check_unique(rules: Iterable[tuple[str, str, str]], source: str, destination: str) -> None:
    """Reference §5 rule 3: one rule per (source, destination) in a table (system ones too).
    ``rules`` are (id, source, destination); 409 as a conflict with the table's state."""
    for rule_id, src, dest in rules:
        if (src, dest) == (source, destination):
            owner = rule_id or "a system rule"
            raise route_error("DuplicateRule", f"{source} -> {destination} is already routed "
                              f"by {owner}", 409)


def check_room(limit: int, used: int, adding: int, table_id: str) -> None:
    if used + adding > limit:
        raise route_error("QuotaExceeded", f"route table {table_id} holds at most {limit} "
                          "entries")


def check_peer_hop(spec: RouteApiSpec, conns: Iterable[Record], if_id: str, vpc_id: str,
                   account: str) -> None:
    """A peerConn ``nexthopId`` is the ``localIfId`` of the connection end in the table's VPC
    (reference §3.3), owned by the caller; active unless ``require_active_peer`` is off."""
    for rec in conns:
        for role in ("initiator", "acceptor"):
            end = rec[role]
            if end["if_id"] != if_id:
                continue
            if end["vpc_id"] != vpc_id or end["account"] != account:
                raise route_error("InvalidNexthop", f"{if_id} is the end of {rec['id']} in "
                                  f"{end['vpc_id']}, not in this table's VPC {vpc_id}")
            if spec.require_active_peer and rec["status"] != "active":
                raise route_error("PeerConnNotActive", f"peer connection {rec['id']} is "
                                  f"{rec['status']}, not active", 409)
            return
    raise route_error("InvalidNexthop", f"nexthopId {if_id} is not the interface (qpif-...) "
                      "of a peer connection")
