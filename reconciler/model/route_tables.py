"""Live route tables and route rules as the client decodes them (``GET /v1/route``, the paged
``GET /v1/route/rule``; specs/api.md, route API). Pure data: no I/O. Re-exported by
``reconciler.model``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ``nexthopType`` of the rules BCE makes itself, one per subnet (empty id, read-only).
SYSTEM_NEXTHOP_TYPE = "sys"
#: ``nexthopType`` of a rule through a peering connection (``nexthopId`` is a ``qpif-…``).
PEERCONN_NEXTHOP_TYPE = "peerConn"


@dataclass(frozen=True, slots=True)
class RouteNextHop:
    """One path of a multi-line route (create only; BCE allows ``dcGateway`` hops only)."""

    nexthop_id: str
    nexthop_type: str
    path_type: str  # ecmp | ha:active | ha:standby


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One rule of a route table. System rules have ``route_rule_id == ""``."""

    route_rule_id: str
    route_table_id: str
    source_address: str
    destination_address: str
    nexthop_type: str
    nexthop_id: str = ""
    description: str = ""
    path_type: str = ""

    @property
    def is_system(self) -> bool:
        """BCE's own rule: never edited, deleted or matched as ours."""
        return self.nexthop_type == SYSTEM_NEXTHOP_TYPE or not self.route_rule_id


@dataclass(frozen=True, slots=True)
class RouteTable:
    """A VPC's route table as ``GET /v1/route`` returns it (every rule, system ones too)."""

    route_table_id: str
    vpc_id: str = ""
    name: str = ""
    rules: tuple[RouteRule, ...] = ()
