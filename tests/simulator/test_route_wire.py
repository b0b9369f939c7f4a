"""Route requests on the wire: the official Python SDK's recorded ``RouteClient`` requests are
accepted unchanged (bce-route-wire-traces.json, re-signed for this server's host and clock),
and requests shaped as bce-sdk-go sends them (compact JSON, Content-MD5, listed signed
headers, ``nexthopType`` always present, ``""`` for unchanged update fields, the SwitchRoute
bug's empty PUT) work too.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

import pytest

from reconciler.simulator import SimServer
from tests.fixtures import ROUTE_WIRE_TRACES

from . import wire
from .conftest import StartSim, create, make_api, make_world
from .test_wire import go_style

AK, SK = "AKIDEXAMPLE000000000", "SKEXAMPLE0000000000000000000000000"
RT, VPC, RR, QPIF = "rt-q1zg3i8mx8p6", "vpc-56rj0s4ha42a", "rr-peer00000001", "qpif-vx034sff4tsm"
TRACES = [t for t in json.loads(ROUTE_WIRE_TRACES.read_text(encoding="utf-8"))
          if t["label"].startswith("route ") or t["label"] == "error 400 on create_route (JSON "
          "error body)"]


def trace_world(*, seeded: bool = True, ha: bool = False) -> Any:
    """The traces' ids: the caller's VPC with its table, a connection whose end in that VPC is
    the traces' qpif, and (``seeded``) the table's two custom rules of the get_route trace."""
    routes: list[dict[str, Any]] = []
    if seeded:
        routes = [{"id": "rr-dvq3cxpghw5e", "vpc_id": VPC, "source": "192.168.0.0/20",
                   "destination": "10.0.0.1/32", "nexthop_type": "vpn",
                   "nexthop_id": "vpn-snx074964j9d"}]
        if ha:  # the switch trace's rule as the active path of an HA route
            routes += [{"id": RR, "vpc_id": VPC, "source": "192.168.0.0/20",
                        "destination": "172.16.0.0/16", "nexthop_type": "dcGateway",
                        "nexthop_id": "dcgw-1", "path_type": "ha:active", "group": "ha"},
                       {"id": "rr-standby0001", "vpc_id": VPC, "source": "192.168.0.0/20",
                        "destination": "172.16.0.0/16", "nexthop_type": "dcGateway",
                        "nexthop_id": "dcgw-2", "path_type": "ha:standby", "group": "ha"}]
        else:
            routes.append({"id": RR, "vpc_id": VPC, "source": "192.168.0.0/20",
                           "destination": "172.16.0.0/16", "nexthop_type": "peerConn",
                           "nexthop_id": QPIF, "description": "to peer vpc"})
    return make_world(
        accounts=[{"id": "acc-1", "access_key": AK, "secret_key": SK, "vpcs": [
            {"id": VPC, "region": "bj", "cidr": "192.168.0.0/16",
             "secondary_cidrs": ["10.0.1.0/24"], "route_table_id": RT,
             "subnets": [{"id": "sbn-IyWRnII7", "cidr": "192.168.0.0/20"}]},
            {"id": "vpc-peer0001", "region": "bj", "cidr": "172.16.0.0/16"}]}],
        connections=[{"id": "peerconn-trace01", "local_vpc_id": VPC,
                      "peer_vpc_id": "vpc-peer0001", "local_if_id": QPIF}],
        routes=routes)


def replay(sim: SimServer, req: dict[str, Any]) -> wire.Reply:
    """The recorded request with only Host, x-bce-date and the signature renewed."""
    headers = dict(req["headers"])
    headers["Host"] = wire.host_of(sim.url)
    headers["x-bce-date"] = wire.signing.format_timestamp(time.time())
    headers.pop("Authorization")
    headers["Authorization"] = wire.signing.authorization(
        access_key=AK, secret_key=SK, method=req["method"], path=req["path"],
        params=parse_qsl(req["raw_query"], keep_blank_values=True), headers=headers,
        timestamp=headers["x-bce-date"])
    assert "/1800//" in headers["Authorization"]  # the SDK's empty signed-headers form
    body = (req["body"] or "").encode()
    return wire.send(sim.url, req["method"], req["path"], req["raw_query"],
                     list(headers.items()), body)


def world_for(label: str) -> Any:
    if "create_route:" in label:
        return trace_world(seeded=False)  # the creates' pairs would otherwise exist already
    return trace_world(ha="switch_route" in label)


@pytest.mark.parametrize("trace", TRACES, ids=lambda t: t["label"])
def test_recorded_python_sdk_route_request_is_accepted_unchanged(start_sim: StartSim,
                                                                 trace) -> None:
    label, (req,) = trace["label"], trace["requests"]
    sim = start_sim(world_for(label))
    reply = replay(sim, req)
    body = json.loads(reply.body) if reply.body else None
    if label.startswith("error 400"):  # the same create, into a table that has its pair
        assert (reply.status, body["code"]) == (409, "Route.DuplicateRule"), body
        assert RR in body["message"]
        return
    if "with neither" in label:  # the doc: not both empty
        assert (reply.status, body["code"]) == (400, "InvalidParameter")
        return
    if "no nexthop fields" in label:  # parsed, but nexthopType is documented as required
        assert (reply.status, body["code"]) == (400, "InvalidParameter")
        assert "nexthopType" in body["message"] and not sim.route_rules()
        return
    assert reply.status == 200, reply.body
    assert sim.stats()["mutating"] == (0 if req["method"] == "GET" else 1)
    if "create_route:" in label:
        assert body["routeRuleId"].startswith("rr-")
        made = sim.route_rules()
        assert [(r["source"], r["destination"]) for r in made] == [
            (json.loads(req["body"])["sourceAddress"],
             json.loads(req["body"])["destinationAddress"])] * len(made)
        assert len(made) == (2 if "nextHopList" in req["body"] else 1)
    elif "get_route " in label:
        assert (body["routeTableId"], body["vpcId"], body["name"]) == (RT, VPC, "default")
        assert [r["routeRuleId"] for r in body["routeRules"]] == ["rr-dvq3cxpghw5e", RR, ""]
    elif "get_route_rule" in label:
        assert [r["routeRuleId"] for r in body["routeRules"]] == ["rr-dvq3cxpghw5e", RR, ""]
        assert body["isTruncated"] is False and "nextMarker" not in body
    elif "update_route:" in label:
        (_, rule) = sim.route_rules()
        sent = json.loads(req["body"])
        assert rule["description"] == sent["description"]
        assert rule["source"] == sent.get("sourceAddress", "192.168.0.0/20")
        assert reply.body == b""
    elif "delete_route" in label:
        assert [r["id"] for r in sim.route_rules()] == ["rr-dvq3cxpghw5e"]
    else:  # switch
        paths = {r["id"]: r["path_type"] for r in sim.route_rules()}
        assert (paths[RR], paths["rr-standby0001"]) == ("ha:standby", "ha:active")


def test_go_style_route_requests_work(start_sim: StartSim) -> None:
    sim = start_sim()
    main = make_api(sim)
    conn = create(main)
    sim.advance(5)
    end = main.get(conn, role="initiator")
    table = main.route.get_table(vpc_id="vpc-app01").route_table_id
    # Go always sends nexthopType; no description, no clientToken.
    made = go_style(sim, "POST", "/v1/route/rule", "", {
        "routeTableId": table, "sourceAddress": "0.0.0.0/0", "destinationAddress": "10.2.0.0/16",
        "nexthopType": "peerConn", "nexthopId": end.local_if_id})
    assert made.status == 200, made.body
    rule_id = json.loads(made.body)["routeRuleId"]
    # A description-only Go update: routeRuleId, sourceAddress, destinationAddress always sent.
    updated = go_style(sim, "PUT", f"/v1/route/rule/{rule_id}", "clientToken=go-upd", {
        "routeRuleId": rule_id, "sourceAddress": "", "destinationAddress": "",
        "description": "to db"})
    assert (updated.status, updated.body) == (200, b"")
    # The Go SwitchRoute bug: switchRouteHA dropped, an empty PUT: a harmless no-op update.
    switched = go_style(sim, "PUT", f"/v1/route/rule/{rule_id}", "clientToken=go-s", None)
    assert switched.status == 200, switched.body
    # Go's no-type create: nexthopType "" is "not given".
    untyped = go_style(sim, "POST", "/v1/route/rule", "", {
        "routeTableId": table, "sourceAddress": "0.0.0.0/0", "destinationAddress": "10.9.0.0/16",
        "nexthopType": ""})
    assert (untyped.status, json.loads(untyped.body)["code"]) == (400, "InvalidParameter")
    # Both ids in map order; the paged list with Go's maxKeys=1000.
    both = go_style(sim, "GET", "/v1/route", f"vpcId=vpc-app01&routeTableId={table}", None)
    listed = go_style(sim, "GET", "/v1/route/rule", "vpcId=vpc-app01&maxKeys=1000", None)
    for reply in (both, listed):
        rules = json.loads(reply.body)["routeRules"]
        assert [(r["routeRuleId"], r["description"], r["destinationAddress"]) for r in rules] == [
            (rule_id, "to db", "10.2.0.0/16"), ("", "", "10.1.1.0/24")]
    (rule,) = sim.route_rules()
    assert (rule["source"], rule["nexthop_id"]) == ("0.0.0.0/0", end.local_if_id)
    assert sim.stats()["by_operation"]["update_route_rule"] == 2


@pytest.mark.parametrize(("method", "path", "query", "status", "code"), [
    pytest.param("POST", "/v1/route", "", 405, "MethodNotAllowed", id="post-table"),
    pytest.param("PUT", "/v1/route/rule", "", 405, "MethodNotAllowed", id="put-collection"),
    pytest.param("GET", "/v1/route/rule/rr-1", "", 405, "MethodNotAllowed", id="get-item"),
    pytest.param("GET", "/v1/route/table", "", 400, "InvalidURI", id="unknown-path"),
    pytest.param("DELETE", "/v1/route/rule/rr-1/x", "", 400, "InvalidURI", id="too-deep"),
    pytest.param("PUT", "/v1/route/rule/rr-none", "switchRouteHA", 404, "NoSuchObject",
                 id="bare-switch-key-unknown-id"),
    pytest.param("DELETE", "/v1/route/rule/rr-none", "", 404, "NoSuchObject", id="unknown-id"),
])
def test_route_paths_and_methods(sim: SimServer, method, path, query, status, code) -> None:
    ak, sk = sim.credentials_for(None)
    reply = wire.signed_send(sim.url, ak, sk, method, path, query)
    assert (reply.status, json.loads(reply.body)["code"]) == (status, code)
