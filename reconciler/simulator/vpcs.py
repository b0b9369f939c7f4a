"""The VPC reads: ``GET /v1/vpc`` (paged list) and ``GET /v1/vpc/{vpcId}`` (detail).

Owns: each world VPC as BCE shows it (``ShowVpcModel`` for the detail, the list item without
``subnets``/``relay``), the deterministic defaults for VPCs whose world entry gives no
``cidr`` or ``subnets``, the list's filters (``isDefault`` in any case, ``vpcIds`` comma
separated), ``marker``/``maxKeys`` paging, and the per-account visibility (another account's
VPC is never listed; its detail is 404, or 403 with ``vpc_api.other_account: "403"``). VPCs
never change, so these reads need no engine state or lock. Must not parse HTTP or check
signatures. Bodies carry one field BCE's do not, ``region``: this one service stands in for
every regional endpoint, and the region is how a client tells them apart.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from reconciler.simulator.errors import SimApiError, access_denied, invalid
from reconciler.simulator.paging import max_keys
from reconciler.simulator.world import AccountSpec, VpcSpec, World

OPERATIONS = ("list_vpcs", "get_vpc")
CREATED = "2026-01-01T00:00:00Z"  # fixed: the world has no creation times


@dataclass(frozen=True, slots=True)
class Vpc:
    """A world VPC with its defaults resolved."""

    account: str
    spec: VpcSpec
    cidr: str
    subnets: tuple[tuple[str, str], ...]  # (subnet id, cidr)

    def item(self) -> dict[str, Any]:
        """The list item (reference §6: no subnets, no relay)."""
        spec = self.spec
        return {"vpcId": spec.id, "name": spec.id, "cidr": self.cidr, "ipv6Cidr": "",
                "createdTime": CREATED, "description": "", "isDefault": spec.is_default,
                "secondaryCidr": list(spec.secondary_cidrs), "tags": [], "region": spec.region}

    def detail(self) -> dict[str, Any]:
        out = self.item()
        out["relay"] = self.spec.relay
        out["subnets"] = [self._subnet(sid, cidr) for sid, cidr in self.subnets]
        return out

    def _subnet(self, subnet_id: str, cidr: str) -> dict[str, Any]:
        size = ipaddress.ip_network(cidr).num_addresses
        return {"subnetId": subnet_id, "name": subnet_id, "zoneName": f"cn-{self.spec.region}-a",
                "cidr": cidr, "ipv6Cidr": "", "vpcId": self.spec.id, "subnetType": "BCC",
                "description": "", "createdTime": CREATED, "availableIp": max(0, size - 6),
                "tags": []}


def default_cidr(index: int) -> str:
    """The n-th VPC of the world: 10.n.0.0/16, then /24s of 172.16.0.0/12."""
    if index < 256:
        return f"10.{index}.0.0/16"
    rest = index - 256
    if rest >= 16 * 256:
        raise ValueError("more than 4352 VPCs without a cidr: give them one in the world file")
    return f"172.{16 + rest // 256}.{rest % 256}.0/24"


def default_subnet(vpc_id: str, cidr: str) -> tuple[str, str]:
    """One subnet: the VPC's first /24 (or the whole CIDR when it is smaller)."""
    net = ipaddress.ip_network(cidr)
    first = net if net.prefixlen >= 24 else next(net.subnets(new_prefix=24))
    suffix = hashlib.sha256(vpc_id.encode()).hexdigest()[:12]
    return f"sbn-{suffix}", str(first)


def catalogue(world: World) -> dict[str, Vpc]:
    """Every world VPC by id, in world order, defaults resolved."""
    out: dict[str, Vpc] = {}
    index = 0
    for account in world.accounts:
        for spec in account.vpcs:
            out[spec.id] = _resolve(account, spec, index)
            index += 1
    return out


def _resolve(account: AccountSpec, spec: VpcSpec, index: int) -> Vpc:
    cidr = spec.cidr or default_cidr(index)
    if spec.subnets is None:
        subnets: tuple[tuple[str, str], ...] = (default_subnet(spec.id, cidr),)
    else:
        subnets = tuple((s.id, s.cidr) for s in spec.subnets)
    return Vpc(account.id, spec, cidr, subnets)


class VpcService:
    """Answers the two VPC reads for the caller's account."""

    def __init__(self, world: World):
        self._vpcs = catalogue(world)
        self._other_account = world.vpc_api.other_account

    def call(self, op: str, account: str, vpc_id: str | None,
             query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if op == "get_vpc":
            return 200, {"vpc": self._get(account, vpc_id or "")}
        return 200, self._list(account, query)

    def _get(self, account: str, vpc_id: str) -> dict[str, Any]:
        vpc = self._vpcs.get(vpc_id)
        if vpc is not None and vpc.account != account and self._other_account == "403":
            raise access_denied(f"vpc {vpc_id} belongs to another account")
        if vpc is None or vpc.account != account:
            raise SimApiError(404, "NoSuchObject", f"vpc {vpc_id} not found")
        return vpc.detail()

    def _list(self, account: str, query: dict[str, str]) -> dict[str, Any]:
        size = max_keys(query.get("maxKeys"))
        mine = [v for v in self._vpcs.values() if v.account == account]
        order = {v.spec.id: i for i, v in enumerate(mine)}
        wanted = _default_filter(query.get("isDefault"))
        ids = {i for i in (query.get("vpcIds") or "").split(",") if i} or None
        items = [v for v in mine if (wanted is None or v.spec.is_default == wanted)
                 and (ids is None or v.spec.id in ids)]
        marker = query.get("marker") or ""
        start = 0
        if marker:
            if marker not in order:
                raise invalid(f"marker {marker} is not valid")
            start = next((i for i, v in enumerate(items) if order[v.spec.id] >= order[marker]),
                         len(items))
        end = start + size
        page: dict[str, Any] = {"marker": marker, "isTruncated": end < len(items),
                                "maxKeys": size, "vpcs": [v.item() for v in items[start:end]]}
        if end < len(items):
            page["nextMarker"] = items[end].spec.id
        return page


def _default_filter(raw: str | None) -> bool | None:
    # The Python SDK sends a bool as "True"/"False", the Go SDK as "true"/"false".
    if raw in (None, ""):
        return None
    low = raw.lower()
    if low not in ("true", "false"):
        raise invalid("isDefault must be true or false")
    return low == "true"
