"""BCE JSON ↔ our frozen values: request bodies out, ``PeerConn`` / ``Page`` in.

Owns: the wire field names and shapes (reference §1.2, §2), in the Python SDK's field order so
a body serialises exactly as the SDK's does. Decoding is tolerant: absent or null optional
fields take the model's defaults, tags become a sorted tuple of pairs. Must not do I/O and
must not raise anything but ``ValueError`` / ``TypeError`` (the caller turns it into a malformed-response
error with the operation and request id it knows).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from reconciler import model

JsonObject = dict[str, Any]


def time_unit(value: str) -> str:
    """The SDK sends ``Month``; manifests say ``month``."""
    return model.WIRE_TIME_UNIT if value.strip().lower() == model.MANIFEST_TIME_UNIT else value


def reservation(length: int, unit: str) -> JsonObject:
    return {"reservationLength": int(length), "reservationTimeUnit": time_unit(unit)}


def billing_body(billing: model.Billing) -> JsonObject:
    # The Python SDK always sends a reservation, length 1 when none is given, even for
    # Postpaid; the service ignores it there.
    return {
        "paymentTiming": model.normalise_payment_timing(billing.payment_timing),
        "reservation": reservation(billing.reservation_length or 1, billing.reservation_time_unit),
    }


def tags_body(tags: Mapping[str, str]) -> list[JsonObject]:
    return [{"tagKey": key, "tagValue": tags[key]} for key in sorted(tags)]


def _put_optional(body: JsonObject, **fields: Any) -> JsonObject:
    for key, value in fields.items():
        if value is not None:
            body[key] = value
    return body


def create_body(
    *,
    bandwidth_in_mbps: int,
    local_vpc_id: str,
    peer_vpc_id: str,
    peer_region: str,
    billing: model.Billing,
    description: str | None,
    local_if_name: str | None,
    peer_account_id: str | None,
    peer_if_name: str | None,
    tags: Mapping[str, str] | None,
    resource_group_id: str | None,
    delete_protect: bool | None,
) -> JsonObject:
    body: JsonObject = {
        "bandwidthInMbps": int(bandwidth_in_mbps),
        "localVpcId": local_vpc_id,
        "peerVpcId": peer_vpc_id,
        "peerRegion": peer_region,
        "billing": billing_body(billing),
        # The Python SDK always sends the flag (false by default).
        "deleteProtect": bool(delete_protect),
    }
    return _put_optional(
        body,
        description=description,
        localIfName=local_if_name,
        peerAccountId=peer_account_id,
        peerIfName=peer_if_name,
        tags=tags_body(tags) if tags else None,
        resourceGroupId=resource_group_id,
    )


def update_body(
    *, local_if_id: str, description: str | None, local_if_name: str | None
) -> JsonObject:
    body: JsonObject = {"localIfId": local_if_id}
    return _put_optional(body, description=description, localIfName=local_if_name)


def renew_body(*, length: int, unit: str, payment_timing: str | None) -> JsonObject:
    billing: JsonObject = {}
    if payment_timing is not None:
        billing["paymentTiming"] = model.normalise_payment_timing(payment_timing)
    billing["reservation"] = reservation(length, unit)
    return {"billing": billing}


def text_field(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _bandwidth(data: Mapping[str, Any]) -> int:
    # The doc table spells it "bandwithInMbp"; every SDK reads "bandwidthInMbps".
    value = data.get("bandwidthInMbps", data.get("bandwithInMbp"))
    return 0 if value in (None, "") else int(value)


def tag_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not value:
        return ()
    if not isinstance(value, list):
        raise ValueError("tags is not a list")
    if not all(isinstance(item, Mapping) for item in value):
        raise ValueError("a tag is not a JSON object")
    pairs = {(text_field(item, "tagKey"), text_field(item, "tagValue")) for item in value}
    return tuple(sorted(pairs))


E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def known(kind: type[E], raw: str) -> E | str:
    """``raw`` as a member of ``kind`` when it is one; a value BCE adds later stays text (the
    planner treats an unknown status as not active rather than failing to read the list)."""
    try:
        return kind(raw)
    except ValueError:
        return raw


def decode_peer_conn(data: Any) -> model.PeerConn:
    if not isinstance(data, Mapping):
        raise ValueError("peer connection is not a JSON object")
    conn_id = text_field(data, "peerConnId")
    if not conn_id:
        raise ValueError("peer connection without peerConnId")
    return model.PeerConn(
        peer_conn_id=conn_id,
        role=known(model.Role, text_field(data, "role")),
        status=known(model.Status, text_field(data, "status")),
        bandwidth_in_mbps=_bandwidth(data),
        description=text_field(data, "description"),
        local_if_id=text_field(data, "localIfId"),
        local_if_name=text_field(data, "localIfName"),
        local_vpc_id=text_field(data, "localVpcId"),
        local_region=text_field(data, "localRegion"),
        peer_vpc_id=text_field(data, "peerVpcId"),
        peer_region=text_field(data, "peerRegion"),
        peer_account_id=text_field(data, "peerAccountId"),
        payment_timing=model.normalise_payment_timing(text_field(data, "paymentTiming")),
        dns_status=known(model.DnsStatus, text_field(data, "dnsStatus")),
        created_time=text_field(data, "createdTime"),
        expired_time=text_field(data, "expiredTime"),
        tags=tag_pairs(data.get("tags")),
        delete_protect=flag(data.get("deleteProtect")),
    )


def page_of(items: tuple[T, ...], data: Mapping[str, Any]) -> model.Page[T]:
    """``items`` with the cursor fields every marker-paged BCE list answers."""
    max_keys = data.get("maxKeys")
    return model.Page(
        items=items,
        marker=text_field(data, "marker"),
        is_truncated=flag(data.get("isTruncated")),
        next_marker=text_field(data, "nextMarker"),
        max_keys=0 if max_keys in (None, "") else int(max_keys),
    )


def decode_list_page(data: Any) -> model.Page[model.PeerConn]:
    if not isinstance(data, Mapping):
        raise ValueError("list response is not a JSON object")
    items = data.get("peerConns") or []
    if not isinstance(items, list):
        raise ValueError("peerConns is not a list")
    return page_of(tuple(decode_peer_conn(item) for item in items), data)


def decode_created_id(data: Any) -> str:
    conn_id = text_field(data, "peerConnId") if isinstance(data, Mapping) else ""
    if not conn_id:
        raise ValueError("create response without peerConnId")
    return conn_id
