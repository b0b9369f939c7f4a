"""Mapping a request line to an operation (peerconn reference §1.1 and §10; VPC reads, route
reference §6: ``GET /v1/vpc`` → ``list_vpcs``, ``GET /v1/vpc/{id}`` → ``get_vpc``; route
tables and rules, route reference §1: ``GET /v1/route``, ``GET|POST /v1/route/rule``,
``PUT|DELETE /v1/route/rule/{id}``, ``switchRouteHA`` picking the switch).

Owns: which method + path + action key means which operation. Action keys are valueless and
may arrive as ``resize`` or ``resize=`` in any order (``auth.parse_query`` gives both as "").
Must not read bodies or check anything but the shape of the request line.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.simulator.errors import SimApiError, invalid

BASE = "/v1/peerconn"
ACTIONS = {"accept": "accept", "reject": "reject", "resize": "resize",
           "purchaseReserved": "renew", "open": "open_dns", "close": "close_dns",
           "refund": "refund"}


@dataclass(frozen=True, slots=True)
class Route:
    op: str
    conn_id: str | None = None  # the path's resource id: a peerConnId, vpcId or routeRuleId


def _no_route(path: str) -> SimApiError:
    return SimApiError(400, "InvalidURI", f"no such resource: {path}")


def _wrong_method(method: str, path: str) -> SimApiError:
    return SimApiError(405, "MethodNotAllowed", f"{method} is not allowed on {path}")


def route(method: str, path: str, query_keys: set[str]) -> Route:
    """The operation for a request, or a BCE-shaped 400/405."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["v1", "vpc"] and len(parts) <= 3:
        if method != "GET":
            raise _wrong_method(method, path)
        return Route("get_vpc", parts[2]) if len(parts) == 3 else Route("list_vpcs")
    if parts[:2] == ["v1", "route"]:
        return _route_api(method, path, parts[2:], query_keys)
    if parts[:2] != ["v1", "peerconn"] or len(parts) > 4:
        raise _no_route(path)
    if len(parts) == 2:
        return _collection(method, path)
    conn_id = parts[2]
    if len(parts) == 4:
        if parts[3] != "deleteProtect":
            raise _no_route(path)
        if method != "PUT":
            raise _wrong_method(method, path)
        return Route("delete_protect", conn_id)
    return _item(method, path, conn_id, query_keys)


def _collection(method: str, path: str) -> Route:
    if method == "POST":
        return Route("create")
    if method == "GET":
        return Route("list")
    raise _wrong_method(method, path)


def _item(method: str, path: str, conn_id: str, query_keys: set[str]) -> Route:
    if method == "GET":
        return Route("get", conn_id)
    if method == "DELETE":
        return Route("delete", conn_id)
    if method != "PUT":
        raise _wrong_method(method, path)
    actions = sorted(ACTIONS[k] for k in query_keys if k in ACTIONS)
    if len(actions) > 1:
        # What BCE does here is unverified; refusing is the safe reading.
        raise invalid(f"only one action may be given, got {', '.join(actions)}")
    return Route(actions[0] if actions else "update", conn_id)


def _route_api(method: str, path: str, rest: list[str], query_keys: set[str]) -> Route:
    if not rest:
        if method != "GET":
            raise _wrong_method(method, path)
        return Route("get_route_table")
    if rest[0] != "rule" or len(rest) > 2:
        raise _no_route(path)
    if len(rest) == 1:
        if method not in ("GET", "POST"):
            raise _wrong_method(method, path)
        return Route("list_route_rules" if method == "GET" else "create_route_rule")
    if method == "DELETE":
        return Route("delete_route_rule", rest[1])
    if method != "PUT":
        raise _wrong_method(method, path)
    # Only the key makes a switch (bare or "switchRouteHA="); Go's SwitchRoute drops it and
    # sends an empty PUT, which is then a no-op update (route reference §2.7).
    return Route("switch_route" if "switchRouteHA" in query_keys else "update_route_rule",
                 rest[1])
