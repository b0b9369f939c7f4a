"""The simulator's world file: accounts, VPCs, quotas, timings, faults, initial connections
and route rules (their schema in ``route_world``).

Owns: the strict pydantic schema of the YAML world (``World`` and its parts), loading it with
clear diagnostics (``load_world``), and where the bundled default world lives. Must not hold
runtime state: a ``World`` is the frozen starting point that ``reset`` returns to.
"""

from __future__ import annotations

import ipaddress
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reconciler.errors import ConfigError, Diagnostic
from reconciler.simulator.route_world import RouteApiSpec, RouteSpec

FaultKind = Literal["500", "503", "throttle", "drop", "lost"]
FAULT_KINDS: tuple[FaultKind, ...] = ("500", "503", "throttle", "drop", "lost")
RESERVATION_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubnetSpec(_Strict):
    id: str = Field(min_length=1)
    cidr: str

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return ipv4_network(value)


class VpcSpec(_Strict):
    """A VPC; ``cidr``/``subnets`` get deterministic defaults when absent (``vpcs.py``)."""

    id: str = Field(min_length=1)
    region: str = Field(min_length=1)
    relay: bool = False
    cidr: str | None = None
    secondary_cidrs: tuple[str, ...] = ()
    subnets: tuple[SubnetSpec, ...] | None = None
    is_default: bool = False
    route_table_id: str | None = Field(default=None, pattern=r"^rt-[a-z0-9]+$")  # else derived

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        return None if value is None else ipv4_network(value)

    @field_validator("secondary_cidrs")
    @classmethod
    def _secondary(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(ipv4_network(v) for v in value)

    @model_validator(mode="after")
    def _subnets_inside(self) -> VpcSpec:
        if self.subnets is None:
            return self
        if self.cidr is None:
            raise ValueError(f"VPC {self.id}: subnets need the VPC's cidr")
        ranges = [ipaddress.ip_network(c) for c in (self.cidr, *self.secondary_cidrs)]
        for subnet in self.subnets:
            net = ipaddress.ip_network(subnet.cidr)
            if not any(net.subnet_of(r) for r in ranges):  # type: ignore[arg-type]
                raise ValueError(f"VPC {self.id}: subnet {subnet.id} ({subnet.cidr}) is not "
                                 "inside the VPC's CIDRs")
        return self


class AccountSpec(_Strict):
    id: str = Field(min_length=1)
    access_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1)
    profile: str | None = None
    vpcs: tuple[VpcSpec, ...] = ()


class Quotas(_Strict):
    per_vpc: int = Field(default=10, ge=0)
    per_account: int = Field(default=10, ge=0)
    # Entries per route table (route reference §5: 50, from the FAQ; raisable: unverified).
    route_rules_per_table: int = Field(default=50, ge=0)


class Timing(_Strict):
    """Seconds each transitional status lasts; 0 makes the transition immediate."""

    create_s: float = Field(default=2, ge=0)
    accept_s: float = Field(default=1, ge=0)
    resize_s: float = Field(default=1, ge=0)
    dns_s: float = Field(default=1, ge=0)
    delete_s: float = Field(default=1, ge=0)


class FaultSpec(_Strict):
    """Fault injection settings; also the body schema of ``POST /__sim/faults``."""

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    seed: int | None = None
    list_lag_s: float = Field(default=0.0, ge=0.0)
    ignore_client_tokens: bool = False
    retry_after_s: int = Field(default=1, ge=0)
    # Faults forced on the next API requests, in order, before any random draw: makes a test
    # able to say "exactly the next response is lost" without relying on probabilities.
    next: tuple[FaultKind, ...] = ()


class Behaviour(_Strict):
    # How GET answers an unknown, released or other account's id: a 200 with an empty body
    # (default: what the official Go SDK's tests and the Terraform provider expect, read as
    # EOF), 404 NoSuchObject, or a PeerConn with status "deleted". specs/simulator.md.
    not_found: Literal["404", "empty", "deleted"] = "empty"
    # Releasing a connection that route rules use as next hop (route reference §5: BCE's
    # answer is unverified): refused with 409, the rules deleted with it, or kept dangling.
    release_with_routes: Literal["refuse", "cascade", "keep"] = "refuse"

    @field_validator("not_found", mode="before")
    @classmethod
    def _int_to_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class VpcApiSpec(_Strict):
    """Switches for what BCE's VPC reads do where the reference is silent (unverified)."""

    # GET /v1/vpc/{id} of a VPC another account owns: 404 NoSuchObject (as for an unknown
    # id; the default) or 403 AccessDenied.
    other_account: Literal["404", "403"] = "404"

    @field_validator("other_account", mode="before")
    @classmethod
    def _int_to_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ConnectionSpec(_Strict):
    """A connection that exists when the world starts; accounts follow from VPC ownership."""

    id: str | None = None
    local_vpc_id: str
    peer_vpc_id: str
    bandwidth_in_mbps: int = Field(default=10, ge=1)
    status: Literal["creating", "consulting", "consult_failed", "active", "expired", "down",
                    "error"] = "active"
    payment_timing: Literal["Postpaid", "Prepaid"] = "Postpaid"
    reservation_length: int | None = None
    expires_in_days: float | None = None
    description: str = ""
    local_if_id: str | None = None  # generated (qpif-...) when absent
    peer_if_id: str | None = None
    local_if_name: str = ""
    peer_if_name: str = ""
    peer_description: str = ""
    dns_sync: bool = False
    peer_dns_sync: bool = False
    tags: dict[str, str] = Field(default_factory=dict)
    delete_protect: bool = False

    @model_validator(mode="after")
    def _billing_consistent(self) -> ConnectionSpec:
        prepaid = self.payment_timing == "Prepaid"
        if prepaid and self.expires_in_days is None:
            raise ValueError("a Prepaid connection needs expires_in_days")
        if not prepaid and (self.expires_in_days is not None or self.reservation_length):
            raise ValueError("expires_in_days/reservation_length are for Prepaid connections only")
        if self.reservation_length is not None and self.reservation_length not in RESERVATION_LENGTHS:
            raise ValueError(f"reservation_length must be one of {RESERVATION_LENGTHS}")
        return self


class World(_Strict):
    accounts: tuple[AccountSpec, ...] = Field(min_length=1)
    quotas: Quotas = Quotas()
    timing: Timing = Timing()
    connections: tuple[ConnectionSpec, ...] = ()
    faults: FaultSpec = FaultSpec()
    behaviour: Behaviour = Behaviour()
    vpc_api: VpcApiSpec = VpcApiSpec()
    routes: tuple[RouteSpec, ...] = ()
    route_api: RouteApiSpec = RouteApiSpec()

    @model_validator(mode="after")
    def _consistent(self) -> World:
        _unique("account id", [a.id for a in self.accounts])
        _unique("access_key", [a.access_key for a in self.accounts])
        _unique("profile", [a.profile for a in self.accounts if a.profile])
        _unique("vpc id", [v.id for a in self.accounts for v in a.vpcs])
        _unique("subnet id", [s.id for a in self.accounts for v in a.vpcs for s in v.subnets or ()])
        _unique("connection id", [c.id for c in self.connections if c.id])
        owners = self.vpc_index()
        for conn in self.connections:
            for vpc in (conn.local_vpc_id, conn.peer_vpc_id):
                if vpc not in owners:
                    raise ValueError(f"connection refers to unknown VPC {vpc}")
            if conn.local_vpc_id == conn.peer_vpc_id:
                raise ValueError(f"connection {conn.local_vpc_id} peers a VPC with itself")
        _unique("route rule id", [r.id for r in self.routes if r.id])
        _unique("route table id", [v.route_table_id for a in self.accounts for v in a.vpcs
                                   if v.route_table_id])
        for rule in self.routes:
            if rule.vpc_id not in owners:
                raise ValueError(f"route rule refers to unknown VPC {rule.vpc_id}")
        _unique("connection VPC pair",
                ["<->".join(sorted((c.local_vpc_id, c.peer_vpc_id))) for c in self.connections])
        return self

    def vpc_index(self) -> dict[str, tuple[AccountSpec, VpcSpec]]:
        return {v.id: (a, v) for a in self.accounts for v in a.vpcs}

    def account(self, account_id: str) -> AccountSpec | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def account_for_key(self, access_key: str) -> AccountSpec | None:
        return next((a for a in self.accounts if a.access_key == access_key), None)

    def account_for_profile(self, profile: str | None) -> AccountSpec | None:
        if profile in (None, "", "default"):
            named = next((a for a in self.accounts if a.profile == "default"), None)
            return named or self.accounts[0]
        return next((a for a in self.accounts if a.profile == profile), None)


def ipv4_network(value: str) -> str:
    """``value`` as a canonical IPv4 network (host bits must be zero)."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 CIDR such as 10.1.0.0/16") from None
    if net.version != 4:
        raise ValueError(f"{value!r} is not an IPv4 CIDR")
    return str(net)


def _unique(what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what}: {value}")
        seen.add(value)


def default_world_path() -> Path:
    """The bundled default world (package data; ``examples/sim-world.yaml`` is a copy)."""
    return Path(str(resources.files("reconciler.simulator").joinpath("default_world.yaml")))


def load_world(path: Path | None = None) -> World:
    """Read and validate a world file; ``None`` loads the default world."""
    source = Path(path) if path is not None else default_world_path()
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(Diagnostic(f"cannot read world file: {exc.strerror}", file=str(source))) from None
    except yaml.YAMLError as exc:
        raise ConfigError(Diagnostic(f"world file is not valid YAML: {exc}", file=str(source))) from None
    return world_from_data(raw, source=str(source))


def world_from_data(raw: Any, *, source: str = "<world>") -> World:
    """Validate already-parsed world data; every problem is reported together."""
    if not isinstance(raw, dict):
        raise ConfigError(Diagnostic("world file must be a mapping", file=source))
    try:
        return World.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_diagnostic(err, source) for err in exc.errors()]) from None


def _diagnostic(err: Any, source: str) -> Diagnostic:
    where = ".".join(str(part) for part in err.get("loc", ()))
    return Diagnostic(str(err.get("msg", "invalid value")), file=source, field=where or None)
