"""The route parts of the world file: pre-existing route rules and the route API's switches.

Owns: ``RouteSpec`` (a custom rule that exists when the world starts, in a VPC's default
table) and ``RouteApiSpec`` (what the simulator does where the route reference marks BCE's
behaviour UNVERIFIED; every default is documented in specs/simulator.md). ``world.World``
includes both. Must not hold runtime state or apply the rules (``route_checks`` does).
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RouteSpec(_Strict):
    """A custom route rule present at the start. Not checked against the API's rules: a
    world may deliberately start where the API would never lead (a rule owned by NAT, a
    dangling peerConn next hop)."""

    id: str | None = None  # generated (rr-...) when absent
    vpc_id: str = Field(min_length=1)  # the rule lives in this VPC's default table
    source: str = "0.0.0.0/0"
    destination: str
    nexthop_type: str = Field(min_length=1)
    nexthop_id: str = ""
    description: str = Field(default="", max_length=200)
    path_type: str = "normal"
    group: str | None = None  # rules of one multi-line route share a group name

    @field_validator("source", "destination")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 CIDR such as 10.1.0.0/16") from None
        if net.version != 4:
            raise ValueError(f"{value!r} is not an IPv4 CIDR")
        return str(net)

    @field_validator("nexthop_type")
    @classmethod
    def _not_sys(cls, value: str) -> str:
        if value == "sys":
            raise ValueError("system rules come from the VPC's subnets, not from routes")
        return value


class RouteApiSpec(_Strict):
    """Switches for the route reference's UNVERIFIED points (§5, §10); defaults are the
    documented rule, or the conservative reading where nothing is documented."""

    # §5 rules 1 and 2 (custom source inside a subnet; destination not overlapping the
    # VPC): documented, but the Terraform provider's acceptance test breaks both.
    check_addresses: bool = True
    # Whether rule 2 also counts the VPC's secondary CIDRs (open question 10).
    overlap_includes_secondary: bool = True
    # Whether the 50-entry limit counts the system rules (open question 4).
    count_system_rules: bool = True
    # Whether a peerConn next hop must be an active connection's end (open question 2).
    require_active_peer: bool = True
    # Where GET /v1/route/rule shows the system rules (open question 6): after the last
    # custom rule, on the last page (they have no id to page by), or not at all.
    list_system_rules: Literal["last_page", "omit"] = "last_page"
    # An update naming another nexthopType (open question 5): refused, or applied.
    update_nexthop_type: Literal["reject", "apply"] = "reject"
    # An update's description "" (the Python SDK always sends one): clears the description
    # (the reference's reading), or leaves it unchanged (as "" does for the other fields).
    update_empty_description: Literal["clears", "unchanged"] = "clears"
    # A CIDR with host bits set (10.1.1.1/16; open question 10): refused, or normalised.
    host_bits: Literal["reject", "normalise"] = "reject"
