"""Desired route rules through a peering connection, as the manifests declare them.

Owns: ``DesiredRoute`` (one declared rule: which side of its entry it is on, whose route table
holds it, its source and its destination — a literal CIDR or a symbol that expands to a VPC's
CIDRs at plan time), ``RouteSide`` and ``Symbol``, the CIDR reading every layer shares
(``parse_cidr``: IPv4, prefix required, no host bits, canonical text) and the route limits
(specs/manifest.md §4.1). Pure data: no I/O. The next hop is never stored: it is
"this connection", resolved at plan time as the ``localIfId`` of the connection's end whose
``localVpcId`` is ``table_vpc_id`` (specs/planning.md).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

#: ``sourceAddress`` when a manifest does not name one (BCE: every source).
DEFAULT_SOURCE = "0.0.0.0/0"
#: Entries a route table holds at most (reference §5, "Limits").
ROUTE_TABLE_LIMIT = 50
ROUTE_DESCRIPTION_MAX = 200


class RouteSide(StrEnum):
    """Which end's table: ``local`` is the entry's ``local_vpc_id``, ``peer`` its ``peer_vpc_id``."""

    LOCAL = "local"
    PEER = "peer"


class Symbol(StrEnum):
    """A destination that stands for a VPC's primary and secondary CIDRs, read live."""

    PEER_VPC = "peer_vpc"
    LOCAL_VPC = "local_vpc"


class CidrError(ValueError):
    """Why a text is not a canonical IPv4 CIDR, and (``hint``) the text meant, when known."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def parse_cidr(text: str) -> str:
    """``text`` as a canonical IPv4 network (``10.1.0.0/16``); ``ValueError`` says what is wrong.

    A prefix length is required (a bare address is not a CIDR here) and host bits are refused
    (``10.1.0.1/16``): a rule's identity is its (source, destination) text, and whether BCE
    canonicalises host bits is unverified (reference §9), so only one spelling is allowed."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise CidrError(f"{text!r} is not an IPv4 CIDR (a.b.c.d/n, n from 0 to 32)") from None
    if network.version != 4:
        raise CidrError(f"{text!r} is an IPv6 network; route rules here are IPv4 only")
    if "/" not in text:
        raise CidrError(f"{text!r} is an address, not a CIDR", hint=f"write {text}/32")
    if network.network_address != ipaddress.ip_interface(text).ip:
        raise CidrError(f"{text!r} has host bits set", hint=f"the network is {network}")
    canonical = str(network)
    if canonical != text:
        raise CidrError(f"{text!r} is not written canonically", hint=f"write {canonical}")
    return canonical


@dataclass(frozen=True, slots=True)
class DesiredRoute:
    """One rule of ``routes.<side>[index]`` of its entry, next hop that entry's connection.

    ``table_vpc_id`` is the VPC whose (default) route table holds the rule, read and written
    through ``profile`` at ``region``; ``other_vpc_id`` is the connection's other end.
    ``destination`` is canonical CIDR text or a ``Symbol`` value (``peer_vpc``/``local_vpc``).
    Where each field was written is in the entry's ``field_sources`` under ``field(attr)``.
    """

    side: RouteSide
    index: int
    table_vpc_id: str
    other_vpc_id: str
    profile: str | None
    region: str
    destination: str
    source: str = DEFAULT_SOURCE
    description: str | None = None

    @property
    def symbol(self) -> Symbol | None:
        """The symbolic destination, or None for a literal CIDR."""
        return Symbol(self.destination) if self.destination in Symbol._value2member_map_ else None

    @property
    def symbolic_vpc_id(self) -> str | None:
        """The VPC whose CIDRs a symbolic destination stands for (None when literal)."""
        symbol = self.symbol
        if symbol is None:
            return None
        names_table_vpc = (symbol is Symbol.LOCAL_VPC) == (self.side is RouteSide.LOCAL)
        return self.table_vpc_id if names_table_vpc else self.other_vpc_id

    @property
    def custom_source(self) -> bool:
        """A source other than ``0.0.0.0/0`` must lie inside a subnet of the table's VPC."""
        return self.source != DEFAULT_SOURCE

    @property
    def key(self) -> tuple[str, str]:
        """(source, destination) as declared: a rule's identity within its table."""
        return (self.source, self.destination)

    def field(self, attr: str = "") -> str:
        """The name of this rule (or of one of its fields) in its entry's ``field_sources``."""
        base = f"routes.{self.side.value}[{self.index}]"
        return f"{base}.{attr}" if attr else base
