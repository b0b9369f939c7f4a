"""``RouteApi``: the route-table and route-rule operations (route reference §1-§3).

Owns: their paths, query keys and bodies as the official Python SDK 0.9.79 sends them (the
``route …`` traces of ``bce-route-wire-traces.json``: create's body in the SDK's field order
with ``description`` always present, update's body in *its* order, ``switchRouteHA=`` as a
valueless key), the client-token rule of the peering calls (an explicit token is checked and
sent as given, otherwise one is drawn per call before the retry loop), following
``nextMarker`` of the paged rule list, and decoding into ``model.RouteTable`` /
``model.RouteRule`` / ``model.Page``. Signing, retries, the error map and the
``calls`` counter are the account's shared ``calls.Caller``. Must not decide which rules
should exist (the planner does) and never imports the simulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from reconciler import model
from reconciler.client.calls import (
    CallCounter,
    Caller,
    checked_token,
    every_page,
    path_segment,
    present,
)
from reconciler.client.codec import page_of, text_field
from reconciler.client.transport import Reply
from reconciler.errors import NotFoundError

TABLE_PATH = "/v1/route"
RULE_PATH = "/v1/route/rule"
MAX_KEYS = 1000
MAX_DESCRIPTION = 200


class RouteApi:
    """Route tables and rules of one account at one endpoint (thread-safe, like its Caller)."""

    def __init__(self, caller: Caller, token_factory: Callable[[], str]):
        self._caller = caller
        self._new_token = token_factory

    @property
    def calls(self) -> CallCounter:
        """The account's counter (shared with its ``PeerConnApi``)."""
        return self._caller.calls

    # -- reads ---------------------------------------------------------------------------

    def get_table(
        self, *, vpc_id: str | None = None, route_table_id: str | None = None
    ) -> model.RouteTable:
        """``GET /v1/route``: the whole table, system rules included, in one call.

        At least one of the two ids (the doc: not both empty; the Python SDK would send a
        bare ``GET /v1/route``, which we refuse before sending). ``NotFoundError`` for an
        unknown table, or a 2xx with no table in it.
        """
        if not vpc_id and not route_table_id:
            raise ValueError("get_table needs vpc_id or route_table_id")
        params = present(routeTableId=route_table_id or None, vpcId=vpc_id or None)
        reply = self._caller.call("get_route_table", "GET", TABLE_PATH, params)
        data = _json_or_none(reply)
        if data is None or data == {}:
            raise NotFoundError(
                f"route table of {vpc_id or route_table_id} not found (empty response)",
                status=reply.status,
                request_id=reply.request_id,
                operation="get_route_table",
            )
        return self._caller.decode("get_route_table", reply, decode_route_table)

    def list_rules_page(
        self,
        *,
        route_table_id: str | None = None,
        vpc_id: str | None = None,
        marker: str | None = None,
        max_keys: int | None = None,
    ) -> model.Page[model.RouteRule]:
        """``GET /v1/route/rule``: one page; only the parameters given are sent (the SDK's way).

        Exactly one of ``route_table_id`` / ``vpc_id`` (the doc says they must not be combined).
        """
        if bool(route_table_id) == bool(vpc_id):
            raise ValueError("list_rules needs exactly one of route_table_id and vpc_id")
        if max_keys is not None and not 1 <= max_keys <= MAX_KEYS:
            raise ValueError(f"max_keys must be 1-{MAX_KEYS}")
        params = present(
            marker=marker, maxKeys=max_keys, routeTableId=route_table_id or None,
            vpcId=vpc_id or None,
        )
        reply = self._caller.call("list_route_rules", "GET", RULE_PATH, params)
        return self._caller.decode("list_route_rules", reply, decode_rule_page)

    def list_rules(
        self,
        *,
        route_table_id: str | None = None,
        vpc_id: str | None = None,
        page_size: int = MAX_KEYS,
    ) -> Iterator[model.RouteRule]:
        """Every rule, following ``nextMarker`` while ``isTruncated``.

        A truncated page without a new marker is an error, not the end: a short list would
        let a planner create a rule that exists, or miss one it must delete.
        """
        return every_page("list_route_rules", lambda marker: self.list_rules_page(
            route_table_id=route_table_id, vpc_id=vpc_id, marker=marker, max_keys=page_size))

    # -- writes --------------------------------------------------------------------------

    def create_rule(
        self,
        *,
        route_table_id: str,
        source_address: str,
        destination_address: str,
        nexthop_type: str | None = None,
        nexthop_id: str | None = None,
        description: str = "",
        ip_version: str | None = None,
        next_hops: Sequence[model.RouteNextHop] | None = None,
        client_token: str | None = None,
    ) -> str:
        """``POST /v1/route/rule``; returns the new ``routeRuleId`` (the first one of a
        multi-line route, whose other paths get ids of their own)."""
        _check_description(description)
        body: dict[str, Any] = {
            "routeTableId": route_table_id,
            "sourceAddress": source_address,
            "destinationAddress": destination_address,
            # The SDK always sends it, "" by default (trace "create_route: defaults").
            "description": description,
        }
        _put(body, nexthopType=nexthop_type, nexthopId=nexthop_id, ipVersion=ip_version)
        if next_hops is not None:
            body["nextHopList"] = [
                {"nexthopId": hop.nexthop_id, "nexthopType": hop.nexthop_type,
                 "pathType": hop.path_type}
                for hop in next_hops
            ]
        reply = self._mutate("create_route_rule", "POST", RULE_PATH, client_token, body=body)
        return self._caller.decode("create_route_rule", reply, decode_created_rule_id)

    def update_rule(
        self,
        route_rule_id: str,
        *,
        description: str,
        source_address: str | None = None,
        destination_address: str | None = None,
        nexthop_id: str | None = None,
        nexthop_type: str | None = None,
        client_token: str | None = None,
    ) -> None:
        """``PUT /v1/route/rule/{id}`` (single-line rules only).

        ``description`` is required, not defaulted: the SDK always sends one, ``""`` when
        the caller gave none, which may blank the rule's description (reference §2.5); here
        the caller says which one it wants, usually the current one.
        """
        _check_description(description)
        body: dict[str, Any] = {"description": description}
        # The SDK's field order for the optional rest (trace "update_route: source, ...").
        _put(body, nexthopType=nexthop_type, nexthopId=nexthop_id,
             destinationAddress=destination_address, sourceAddress=source_address)
        self._mutate("update_route_rule", "PUT", _rule_path(route_rule_id), client_token,
                     body=body)

    def delete_rule(self, route_rule_id: str, *, client_token: str | None = None) -> None:
        """``DELETE /v1/route/rule/{id}``. System rules have no id and cannot be deleted."""
        self._mutate("delete_route_rule", "DELETE", _rule_path(route_rule_id), client_token)

    def switch_route(self, route_rule_id: str, *, client_token: str | None = None) -> None:
        """``PUT /v1/route/rule/{id}?switchRouteHA``: make an HA route's standby path active."""
        self._mutate("switch_route", "PUT", _rule_path(route_rule_id), client_token,
                     params={"switchRouteHA": None})

    def _mutate(
        self,
        operation: str,
        method: str,
        path: str,
        client_token: str | None,
        *,
        params: Mapping[str, str | None] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        # Chosen once, outside the retry loop: a retried attempt must be the same request.
        token = checked_token(client_token) if client_token is not None else self._new_token()
        query = {**(params or {}), "clientToken": token}
        return self._caller.call(operation, method, path, query, body)


def _rule_path(route_rule_id: str) -> str:
    return f"{RULE_PATH}/{path_segment(route_rule_id, 'route rule id')}"


def _check_description(description: str) -> None:
    if len(description) > MAX_DESCRIPTION:
        raise ValueError(f"description must be at most {MAX_DESCRIPTION} characters")


def _put(body: dict[str, Any], **fields: str | None) -> None:
    for key, value in fields.items():
        if value is not None:
            body[key] = value


def _json_or_none(reply: Reply) -> Any:
    try:
        return reply.json()
    except ValueError:
        return ()  # not JSON: decode() reports it as a malformed response


# -- decoding ------------------------------------------------------------------------------


def decode_route_rule(data: Any, table_id: str = "") -> model.RouteRule:
    """A RouteRule (§3.1); ``table_id`` fills a rule that leaves its table out."""
    if not isinstance(data, Mapping):
        raise ValueError("route rule is not a JSON object")
    destination = text_field(data, "destinationAddress")
    if not destination:
        raise ValueError("route rule without destinationAddress")
    return model.RouteRule(
        route_rule_id=text_field(data, "routeRuleId"),
        route_table_id=text_field(data, "routeTableId") or table_id,
        source_address=text_field(data, "sourceAddress"),
        destination_address=destination,
        nexthop_type=text_field(data, "nexthopType"),
        nexthop_id=text_field(data, "nexthopId"),
        description=text_field(data, "description"),
        path_type=text_field(data, "pathType"),
    )


def _rules(data: Mapping[str, Any], table_id: str = "") -> tuple[model.RouteRule, ...]:
    items = data.get("routeRules")
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ValueError("routeRules is not a list")
    return tuple(decode_route_rule(item, table_id) for item in items)


def decode_route_table(data: Any) -> model.RouteTable:
    """``GET /v1/route``: ``{"name", "routeTableId", "vpcId", "routeRules"}``."""
    if not isinstance(data, Mapping):
        raise ValueError("route table is not a JSON object")
    table_id = text_field(data, "routeTableId")
    if not table_id:
        raise ValueError("route table without routeTableId")
    return model.RouteTable(
        route_table_id=table_id,
        vpc_id=text_field(data, "vpcId"),
        name=text_field(data, "name"),
        rules=_rules(data, table_id),
    )


def decode_rule_page(data: Any) -> model.Page[model.RouteRule]:
    if not isinstance(data, Mapping):
        raise ValueError("route rule list is not a JSON object")
    return page_of(_rules(data), data)


def decode_created_rule_id(data: Any) -> str:
    """``{"routeRuleId": "rr-…"}`` (a multi-line create may add ``routeRuleIds``)."""
    if not isinstance(data, Mapping):
        raise ValueError("create response is not a JSON object")
    rule_id = data.get("routeRuleId")
    if not rule_id:
        ids = data.get("routeRuleIds")
        rule_id = ids[0] if isinstance(ids, list) and ids else None
    if not isinstance(rule_id, str) or not rule_id:
        raise ValueError("create response without routeRuleId")
    return rule_id
