"""``VpcApi``: the two VPC reads, ``GET /v1/vpc`` (paged list) and ``GET /v1/vpc/{vpcId}``.

Owns: their paths and query keys as the official Python SDK sends them (reference §6; the
traces in ``bce-route-wire-traces.json``: ``isDefault`` written as Python writes a bool,
``True``/``False``; ``vpcIds`` comma-joined, the comma percent-encoded by the canonical query),
following ``nextMarker`` and decoding into ``model.Vpc`` / ``model.Page``. Signing, retries,
the error map and the ``calls`` counter are the account's shared ``calls.Caller`` (so a
``PeerConnApi`` and its ``.vpc`` count into one counter). Reads only: no client tokens. Must
not decide anything about VPCs (``reconciler.planner.vpc_rules`` does) and never imports the simulator.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from reconciler import model
from reconciler.client.calls import CallCounter, Caller, every_page, path_segment, present
from reconciler.client.codec import flag, page_of, tag_pairs, text_field
from reconciler.errors import NotFoundError

BASE_PATH = "/v1/vpc"
MAX_KEYS = 1000


class VpcApi:
    """The VPC reads of one account at one endpoint (thread-safe, like its ``Caller``)."""

    def __init__(self, caller: Caller):
        self._caller = caller

    @property
    def calls(self) -> CallCounter:
        """The account's counter (shared with its ``PeerConnApi``)."""
        return self._caller.calls

    def list_page(
        self,
        *,
        marker: str | None = None,
        max_keys: int | None = None,
        is_default: bool | None = None,
        vpc_ids: Iterable[str] | None = None,
    ) -> model.Page[model.Vpc]:
        """One page; only the parameters given are sent (the SDK's behaviour)."""
        if max_keys is not None and not 1 <= max_keys <= MAX_KEYS:
            raise ValueError(f"max_keys must be 1-{MAX_KEYS}")
        ids = None if vpc_ids is None else ",".join(vpc_ids)
        params = present(isDefault=is_default, marker=marker, maxKeys=max_keys, vpcIds=ids)
        reply = self._caller.call("list_vpcs", "GET", BASE_PATH, params)
        return self._caller.decode("list_vpcs", reply, decode_vpc_page)

    def list_all(
        self,
        *,
        page_size: int = MAX_KEYS,
        is_default: bool | None = None,
        vpc_ids: Iterable[str] | None = None,
    ) -> Iterator[model.Vpc]:
        """Every VPC, following ``nextMarker`` while ``isTruncated``.

        A truncated page without a new marker is an error, not the end: a short list would
        make the planner report existing VPCs as missing.
        """
        ids = None if vpc_ids is None else tuple(vpc_ids)
        return every_page("list_vpcs", lambda marker: self.list_page(
            marker=marker, max_keys=page_size, is_default=is_default, vpc_ids=ids))

    def get(self, vpc_id: str) -> model.Vpc:
        """One VPC with its subnets. ``NotFoundError`` when this account has no such VPC."""
        path = f"{BASE_PATH}/{path_segment(vpc_id, 'VPC id')}"
        reply = self._caller.call("get_vpc", "GET", path, {})
        data = _json_or_none(reply)
        if data is None or data == {} or (isinstance(data, Mapping) and not data.get("vpc")):
            raise NotFoundError(
                f"VPC {vpc_id} not found (empty response)",
                status=reply.status,
                request_id=reply.request_id,
                operation="get_vpc",
            )
        return self._caller.decode("get_vpc", reply, decode_vpc_detail)


def _json_or_none(reply: Any) -> Any:
    try:
        return reply.json()
    except ValueError:
        return ()  # not JSON: decode() reports it as a malformed response


def _cidrs(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ValueError("secondaryCidr is not a list of strings")
    return tuple(value)


def decode_subnet(data: Any) -> model.Subnet:
    if not isinstance(data, Mapping):
        raise ValueError("subnet is not a JSON object")
    return model.Subnet(
        subnet_id=text_field(data, "subnetId"),
        cidr=text_field(data, "cidr"),
        name=text_field(data, "name"),
        zone_name=text_field(data, "zoneName"),
        subnet_type=text_field(data, "subnetType"),
    )


def decode_vpc(data: Any) -> model.Vpc:
    if not isinstance(data, Mapping):
        raise ValueError("vpc is not a JSON object")
    vpc_id = text_field(data, "vpcId")
    if not vpc_id:
        raise ValueError("vpc without vpcId")
    subnets = data.get("subnets") or []
    if not isinstance(subnets, list):
        raise ValueError("subnets is not a list")
    return model.Vpc(
        vpc_id=vpc_id,
        name=text_field(data, "name"),
        cidr=text_field(data, "cidr"),
        secondary_cidrs=_cidrs(data.get("secondaryCidr")),
        ipv6_cidr=text_field(data, "ipv6Cidr"),
        is_default=flag(data.get("isDefault")),
        relay=flag(data.get("relay")),
        description=text_field(data, "description"),
        created_time=text_field(data, "createdTime"),
        region=text_field(data, "region"),
        subnets=tuple(decode_subnet(item) for item in subnets),
        tags=tag_pairs(data.get("tags")),
    )


def decode_vpc_detail(data: Any) -> model.Vpc:
    """``{"vpc": ShowVpcModel}``."""
    if not isinstance(data, Mapping):
        raise ValueError("vpc detail is not a JSON object")
    return decode_vpc(data.get("vpc"))


def decode_vpc_page(data: Any) -> model.Page[model.Vpc]:
    if not isinstance(data, Mapping):
        raise ValueError("vpc list response is not a JSON object")
    items = data.get("vpcs") or []
    if not isinstance(items, list):
        raise ValueError("vpcs is not a list")
    return page_of(tuple(decode_vpc(item) for item in items), data)
