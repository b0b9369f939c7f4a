"""Frozen domain values shared by the client, the manifest loader, the planner and the executor.

Owns: the live view of a peering connection (``PeerConn``, decoded by the client from BCE's
JSON), the desired state read from manifests (``DesiredConnection``, ``DesiredAcceptance``;
their declared route rules are ``model.routes.DesiredRoute``), and the identity of a connection (``PairKey``). Pure data: no I/O, no HTTP, no YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from reconciler.model.pages import Page as Page

# Live route values live in their own module and are re-exported here (``model.RouteRule``).
from reconciler.model.route_tables import (
    PEERCONN_NEXTHOP_TYPE as PEERCONN_NEXTHOP_TYPE,
)
from reconciler.model.route_tables import (
    SYSTEM_NEXTHOP_TYPE as SYSTEM_NEXTHOP_TYPE,
)
from reconciler.model.route_tables import (
    RouteNextHop as RouteNextHop,
)
from reconciler.model.route_tables import (
    RouteRule as RouteRule,
)
from reconciler.model.route_tables import (
    RouteTable as RouteTable,
)
from reconciler.model.routes import DesiredRoute

MANAGED_BY_TAG = "managed-by"
MANAGED_BY_VALUE = "peerconn"
STACK_TAG = "peerconn-stack"
#: The manifest entry that created the connection: lets a plan name a connection an entry left
#: behind when its pair changed (``specs/planning.md``).
NAME_TAG = "peerconn-name"

PREPAID, POSTPAID = "Prepaid", "Postpaid"
#: The reservation unit as BCE's API spells it; manifests spell it ``month`` (Terraform's
#: spelling) and the client translates (``client.codec``).
WIRE_TIME_UNIT = "Month"
MANIFEST_TIME_UNIT = "month"
EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

RESERVATION_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36)
REGIONS = ("bj", "bd", "gz", "su", "fsh", "fwh", "hkg", "sin", "cd", "yq")


class Status(StrEnum):
    CREATING = "creating"
    CONSULTING = "consulting"
    CONSULT_FAILED = "consult_failed"
    ACTIVE = "active"
    DOWN = "down"
    STARTING = "starting"
    STOPPING = "stopping"
    DELETING = "deleting"
    DELETED = "deleted"
    EXPIRED = "expired"
    ERROR = "error"
    UPDATING = "updating"


FAILED_STATUSES = frozenset({"consult_failed", "expired", "error", "down"})
GONE_STATUSES = frozenset({"deleted", "deleting"})


class DnsStatus(StrEnum):
    CLOSE = "close"
    WAIT = "wait"
    SYNCING = "syncing"
    OPEN = "open"
    CLOSING = "closing"


class Role(StrEnum):
    INITIATOR = "initiator"
    ACCEPTOR = "acceptor"


def dns_sync_from_status(dns_status: str) -> bool:
    """BCE's dnsStatus as the boolean users declare (the Terraform provider's rule)."""
    return dns_status not in ("close", "closing", "")


def normalise_payment_timing(value: str) -> str:
    low = value.strip().lower()
    if low == "prepaid":
        return PREPAID
    if low == "postpaid":
        return POSTPAID
    return value


@dataclass(frozen=True, slots=True)
class Address:
    """``STACK/NAME``: how a plan names what it changes (a pruned connection: STACK/peerconn-ID).
    Neither part may contain ``/`` (the manifest's name pattern), so the text reads back."""

    stack: str
    name: str

    def __str__(self) -> str:
        return f"{self.stack}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        stack, _, name = text.partition("/")
        return cls(stack, name)

    def named_by(self, target: str) -> bool:
        """Whether ``--target target`` names it: ``STACK/NAME`` or the bare ``NAME``."""
        return target in (str(self), self.name)


@dataclass(frozen=True, slots=True)
class PairKey:
    """A connection's identity: BCE allows one connection per unordered VPC pair."""

    vpc_a: str
    vpc_b: str

    @classmethod
    def of(cls, one: str, other: str) -> PairKey:
        a, b = sorted((one, other))
        return cls(a, b)

    def __str__(self) -> str:
        return f"{self.vpc_a}<->{self.vpc_b}"


@dataclass(frozen=True, slots=True)
class PeerConn:
    """A peering connection as BCE returns it, seen from one end (``role``)."""

    peer_conn_id: str
    role: str = ""
    status: str = ""
    bandwidth_in_mbps: int = 0
    description: str = ""
    local_if_id: str = ""
    local_if_name: str = ""
    local_vpc_id: str = ""
    local_region: str = ""
    peer_vpc_id: str = ""
    peer_region: str = ""
    peer_account_id: str = ""
    payment_timing: str = ""
    dns_status: str = ""
    created_time: str = ""
    expired_time: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    delete_protect: bool = False

    @property
    def pair(self) -> PairKey:
        return PairKey.of(self.local_vpc_id, self.peer_vpc_id)

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)

    @property
    def dns_sync(self) -> bool:
        return dns_sync_from_status(self.dns_status)

    def expiry(self) -> datetime | None:
        """``expiredTime`` as a time (naive UTC); None for Postpaid or an unreadable value."""
        if not self.expired_time:
            return None
        try:
            return datetime.strptime(self.expired_time, EXPIRY_FORMAT)
        except ValueError:
            return None

    def release_refused(self, now: datetime) -> bool:
        """BCE refuses to release an active prepaid connection before it expires."""
        expiry = self.expiry()
        return (normalise_payment_timing(self.payment_timing) == PREPAID
                and self.status == Status.ACTIVE
                and not (expiry is not None and expiry <= now.replace(tzinfo=None)))


@dataclass(frozen=True, slots=True)
class Subnet:
    """A subnet of a VPC, as ``GET /v1/vpc/{id}`` lists it."""

    subnet_id: str
    cidr: str = ""
    name: str = ""
    zone_name: str = ""
    subnet_type: str = ""


@dataclass(frozen=True, slots=True)
class Vpc:
    """A VPC as ``GET /v1/vpc`` (list item) or ``GET /v1/vpc/{id}`` (detail) returns it.

    List items carry no ``subnets`` and no ``relay`` (reference §6). BCE's bodies carry no
    region either: a VPC is in the region of the endpoint that answered, so ``region`` is ""
    unless the body names one (the simulator, which serves every region at one endpoint).
    """

    vpc_id: str
    name: str = ""
    cidr: str = ""
    secondary_cidrs: tuple[str, ...] = ()
    ipv6_cidr: str = ""
    is_default: bool = False
    relay: bool = False
    description: str = ""
    created_time: str = ""
    region: str = ""
    subnets: tuple[Subnet, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Billing:
    payment_timing: str = "Postpaid"
    reservation_length: int | None = None
    reservation_time_unit: str = MANIFEST_TIME_UNIT
    renew_within_days: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a manifest entry or field was declared (for diagnostics).

    ``field_path`` names it inside the file, e.g. ``connections[2].billing`` (empty if unknown).
    """

    file: str
    line: int
    column: int = 1
    field_path: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Lifecycle:
    prevent_destroy: bool = False
    ignore_changes: frozenset[str] = frozenset()
    #: The one other stack whose connection for this pair this entry may manage (opt-in).
    adopt_from_stack: str | None = None


@dataclass(frozen=True, slots=True)
class DesiredConnection:
    """A connection this account initiates, as declared (defaults already merged).

    ``declared`` names the attributes the manifest set (after defaults); only those are
    compared with the live connection, so server-side values never show as drift. Billing
    keys appear both as ``billing`` and one by one (``billing.payment_timing``).
    ``field_sources`` maps the same names (plus ``tags.<key>``, ``lifecycle.<key>``, ``name``)
    to where each value was written — possibly in the file's ``defaults``.
    """

    stack: str
    name: str
    region: str
    profile: str | None
    local_vpc_id: str
    peer_vpc_id: str
    peer_region: str
    bandwidth_in_mbps: int
    peer_account_id: str | None = None
    local_if_name: str | None = None
    peer_if_name: str | None = None
    description: str | None = None
    dns_sync: bool | None = None
    delete_protect: bool | None = None
    billing: Billing = field(default_factory=Billing)
    tags: Mapping[str, str] = field(default_factory=dict)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    ensure: str = "present"
    declared: frozenset[str] = frozenset()
    source: Source | None = None
    field_sources: Mapping[str, Source] = field(default_factory=dict, compare=False, repr=False)
    #: ``routes.local`` / ``routes.peer`` (model/routes.py): None = that side is not managed,
    #: ``()`` = managed and empty (every rule through this connection there is deleted).
    routes_local: tuple[DesiredRoute, ...] | None = None
    routes_peer: tuple[DesiredRoute, ...] | None = None

    @property
    def pair(self) -> PairKey:
        return PairKey.of(self.local_vpc_id, self.peer_vpc_id)

    @property
    def address(self) -> str:
        return str(Address(self.stack, self.name))

    @property
    def routes(self) -> tuple[DesiredRoute, ...]:
        """Every declared rule, local side first."""
        return (*(self.routes_local or ()), *(self.routes_peer or ()))


@dataclass(frozen=True, slots=True)
class DesiredAcceptance:
    """This account's side of a connection another account initiates."""

    stack: str
    name: str
    region: str
    profile: str | None
    local_vpc_id: str
    peer_vpc_id: str
    peer_account_id: str | None = None
    accept: bool = True
    dns_sync: bool | None = None
    local_if_name: str | None = None
    description: str | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    declared: frozenset[str] = frozenset()
    source: Source | None = None
    field_sources: Mapping[str, Source] = field(default_factory=dict, compare=False, repr=False)
    #: ``routes.local``: the acceptor's own table (None = not managed, ``()`` = managed, empty).
    routes_local: tuple[DesiredRoute, ...] | None = None
    routes_peer: None = None  # an acceptor cannot route in the initiator's table

    @property
    def pair(self) -> PairKey:
        return PairKey.of(self.local_vpc_id, self.peer_vpc_id)

    @property
    def address(self) -> str:
        return str(Address(self.stack, self.name))

    @property
    def routes(self) -> tuple[DesiredRoute, ...]:
        return self.routes_local or ()


@dataclass(frozen=True, slots=True)
class StackManifest:
    """One manifest file after validation."""

    stack: str
    region: str
    profile: str | None
    prune: bool
    file: str
    connections: tuple[DesiredConnection, ...] = ()
    acceptances: tuple[DesiredAcceptance, ...] = ()
    field_sources: Mapping[str, Source] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DesiredState:
    """Everything the manifests of one run ask for."""

    manifests: tuple[StackManifest, ...] = ()

    @property
    def connections(self) -> tuple[DesiredConnection, ...]:
        return tuple(c for m in self.manifests for c in m.connections)

    @property
    def acceptances(self) -> tuple[DesiredAcceptance, ...]:
        return tuple(a for m in self.manifests for a in m.acceptances)

    @property
    def stacks(self) -> tuple[str, ...]:
        return tuple(sorted({m.stack for m in self.manifests}))


# ---------------------------------------------------------------------------------------------

