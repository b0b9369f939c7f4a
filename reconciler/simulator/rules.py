"""BCE's peering business rules (reference §1.5) as checks that raise BCE-shaped errors.

Owns: strict reading of request-body fields, and every precondition an operation must meet
(VPC ownership, regions, one connection per pair, relay VPCs, quotas, billing rules, who may do
what in which status). Pure functions over records and the world: no mutation, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reconciler.simulator import errors as e
from reconciler.simulator.records import BUSY, Record, is_cross_account
from reconciler.simulator.world import RESERVATION_LENGTHS, Quotas, World

MAX_BANDWIDTH_MBPS = 10000  # invented bound: BCE's real range is unverified
MAX_TEXT = 200
# Regions outside mainland China; a connection between one of them and a mainland region is
# "cross-border" (refund is not offered for those).
_BORDER_REGIONS = frozenset({"hkg", "sin"})


def req_int(body: dict[str, Any], key: str, *, low: int = 1, high: int = MAX_BANDWIDTH_MBPS) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise e.invalid(f"{key} must be an integer")
    if not low <= value <= high:
        raise e.invalid(f"{key} must be between {low} and {high}")
    return value


def req_str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise e.invalid(f"{key} is required and must be a non-empty string")
    return value


def opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise e.invalid(f"{key} must be a string of at most {MAX_TEXT} characters")
    return value


def opt_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise e.invalid(f"{key} must be a boolean")
    return value


def reservation(billing: Any) -> int:
    """Validate ``billing.reservation`` and return its length in months."""
    res = billing.get("reservation") if isinstance(billing, dict) else None
    if not isinstance(res, dict):
        raise e.invalid("billing.reservation is required")
    length = res.get("reservationLength")
    if isinstance(length, bool) or length not in RESERVATION_LENGTHS:
        raise e.invalid(f"reservationLength must be one of {list(RESERVATION_LENGTHS)}")
    unit = res.get("reservationTimeUnit", "Month")
    if not isinstance(unit, str) or unit.lower() != "month":
        raise e.invalid("reservationTimeUnit must be Month")
    return int(length)


@dataclass(frozen=True, slots=True)
class CreateArgs:
    bandwidth: int
    local_vpc: str
    peer_vpc: str
    peer_region: str
    payment_timing: str
    reservation_length: int | None
    description: str
    local_if_name: str
    peer_if_name: str | None
    peer_account: str | None
    tags: tuple[tuple[str, str], ...]
    delete_protect: bool


def parse_create(body: dict[str, Any]) -> CreateArgs:
    billing = body.get("billing")
    if not isinstance(billing, dict):
        raise e.invalid("billing is required")
    timing = billing.get("paymentTiming", "Postpaid")
    if timing not in ("Prepaid", "Postpaid"):
        raise e.invalid("billing.paymentTiming must be Prepaid or Postpaid")
    length = reservation(billing) if timing == "Prepaid" else None
    return CreateArgs(
        bandwidth=req_int(body, "bandwidthInMbps"),
        local_vpc=req_str(body, "localVpcId"),
        peer_vpc=req_str(body, "peerVpcId"),
        peer_region=req_str(body, "peerRegion"),
        payment_timing=timing,
        reservation_length=length,
        description=opt_str(body, "description") or "",
        local_if_name=opt_str(body, "localIfName") or "",
        peer_if_name=opt_str(body, "peerIfName"),
        peer_account=opt_str(body, "peerAccountId") or None,
        tags=_tags(body.get("tags")),
        delete_protect=bool(opt_bool(body, "deleteProtect")),
    )


def _tags(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise e.invalid("tags must be a list of {tagKey, tagValue}")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("tagKey"), str) or not item["tagKey"]:
            raise e.invalid("each tag needs a non-empty tagKey")
        value = item.get("tagValue", "")
        if not isinstance(value, str):
            raise e.invalid("tagValue must be a string")
        out.append((item["tagKey"], value))
    return tuple(out)


def check_create(world: World, live: Iterable[Record], account: str, args: CreateArgs) -> str:
    """Every create-time rule; returns the acceptor's account id."""
    owners = world.vpc_index()
    if args.local_vpc == args.peer_vpc:
        raise e.rule("SameVpc", "localVpcId and peerVpcId must differ")
    local = owners.get(args.local_vpc)
    if local is None or local[0].id != account:
        raise e.rule("InvalidVpcId", f"VPC {args.local_vpc} does not exist in your account")
    peer_account = args.peer_account or account
    if world.account(peer_account) is None:
        raise e.rule("InvalidPeerAccountId", f"account {peer_account} does not exist")
    peer = owners.get(args.peer_vpc)
    if peer is None or peer[0].id != peer_account:
        raise e.rule("InvalidVpcId", f"VPC {args.peer_vpc} does not exist in account {peer_account}")
    _check_shape(args, local[1].region, peer[1].region, peer_account != account)
    if local[1].relay and peer[1].relay:
        raise e.rule("RelayVpcPair", "both VPCs are relay VPCs")
    live = list(live)
    _check_pair(live, args.local_vpc, args.peer_vpc)
    check_quotas(world.quotas, live, (args.local_vpc, args.peer_vpc), (account, peer_account))
    return peer_account


def _check_shape(args: CreateArgs, local_region: str, peer_region: str, cross: bool) -> None:
    if args.peer_region != peer_region:
        raise e.rule("RegionMismatch", f"VPC {args.peer_vpc} is in region {peer_region}, not {args.peer_region}")
    if local_region == peer_region and args.payment_timing != "Postpaid":
        raise e.rule("PrepaidSameRegion", "same-region peer connections are Postpaid only")
    if cross and args.peer_if_name is not None:
        raise e.rule("PeerIfNameCrossAccount", "peerIfName is only allowed within one account")


def _check_pair(live: list[Record], vpc_a: str, vpc_b: str) -> None:
    pair = {vpc_a, vpc_b}
    for rec in live:
        if {rec["initiator"]["vpc_id"], rec["acceptor"]["vpc_id"]} == pair:
            raise e.rule("PairExists", f"peer connection {rec['id']} already connects these VPCs", 409)


def check_quotas(quotas: Quotas, live: list[Record], vpcs: Iterable[str], accounts: Iterable[str]) -> None:
    for vpc in set(vpcs):
        used = sum(1 for r in live if vpc in (r["initiator"]["vpc_id"], r["acceptor"]["vpc_id"]))
        if used >= quotas.per_vpc:
            raise e.rule("QuotaExceeded", f"VPC {vpc} already has {used} peer connections (quota {quotas.per_vpc})")
    for acc in set(accounts):
        used = sum(1 for r in live if acc in (r["initiator"]["account"], r["acceptor"]["account"]))
        if used >= quotas.per_account:
            raise e.rule("QuotaExceeded", f"account {acc} already has {used} peer connections (quota {quotas.per_account})")


def require_initiator(rec: Record, account: str, action: str) -> None:
    """Cross-account: only the initiator may release, resize, renew, refund or protect."""
    if rec["initiator"]["account"] != account:
        raise e.access_denied(f"only the initiator of {rec['id']} may {action} it")


def require_status(rec: Record, allowed: Iterable[str], action: str) -> None:
    if rec["status"] not in set(allowed):
        raise e.bad_status(rec["id"], rec["status"], action)


def check_release(rec: Record, action: str, now: float) -> None:
    """Rules shared by delete and refund."""
    if rec["delete_protect"]:
        raise e.rule("DeleteProtected", f"{rec['id']} has release protection on", 409)
    if rec["status"] in BUSY:
        raise e.bad_status(rec["id"], rec["status"], action)


def check_deletable_billing(rec: Record, now: float) -> None:
    expires = rec.get("expires_at")
    if rec["payment_timing"] == "Prepaid" and rec["status"] == "active" and expires and expires > now:
        raise e.rule("PrepaidNotReleasable",
                     f"{rec['id']} is an active prepaid connection; refund it or wait for expiry", 409)


def check_refundable(rec: Record) -> None:
    if rec["payment_timing"] != "Prepaid":
        raise e.rule("PostpaidNotRefundable", "only prepaid connections can be refunded; delete it instead")
    regions = {rec["initiator"]["region"], rec["acceptor"]["region"]}
    if len(regions & _BORDER_REGIONS) == 1 and len(regions) == 2:
        raise e.rule("CrossBorderNotRefundable", "cross-border connections cannot be refunded")


def cross_account(rec: Record) -> bool:
    return is_cross_account(rec)
