"""The route calls send what the official Python SDK sends (bce-route-wire-traces.json, ``route``).

Like ``test_vpc_wire.py``: for each recorded ``RouteClient`` call, ``PeerConnApi(...).route``
must send the same method, path, query (keys, values, order), body bytes and — with the
trace's clock and token — the same signed headers and Authorization, byte for byte. Responses
replay what the SDK decoded, rebuilt as BCE's camelCase JSON; our decoding must agree.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from reconciler import model
from reconciler.client import Credentials, PeerConnApi
from reconciler.client.retry import RetryPolicy
from reconciler.errors import ConflictError, NotFoundError, QuotaError, ServerError, ValidationError
from tests.fixtures import ROUTE_WIRE_TRACES

from .conftest import load_traces
from .test_vpc_wire import wire

AK, SK = "AKIDEXAMPLE000000000", "SKEXAMPLE0000000000000000000000000"
TRACES = {t["label"]: t for t in load_traces(ROUTE_WIRE_TRACES)}
ROUTE_LABELS = sorted(label for label in TRACES if label.startswith("route "))
RT, VPC, RR = "rt-q1zg3i8mx8p6", "vpc-56rj0s4ha42a", "rr-peer00000001"
NEITHER = "route get_route with neither (SDK sends GET /v1/route with no query)"
CREATE_ERROR = "error 400 on create_route (JSON error body)"
Route = Callable[[PeerConnApi], Any]

CALLS: dict[str, Route] = {
    "route create_route: nexthop peerConn (nexthopId = peer conn localIfId qpif-...), "
    "explicit clientToken": lambda api: api.route.create_rule(
        route_table_id=RT, source_address="192.168.0.0/20", destination_address="172.16.0.0/16",
        description="to peer vpc", nexthop_type="peerConn", nexthop_id="qpif-vx034sff4tsm",
        client_token="tok-route-create-1"),
    "route create_route: defaults (SDK uuid clientToken, description '' always sent, "
    "no nexthop fields)": lambda api: api.route.create_rule(
        route_table_id=RT, source_address="192.168.0.0/20", destination_address="172.17.0.0/16"),
    "route create_route: ip_version='4' and multi-line nextHopList (dcGateway "
    "ha:active/ha:standby)": lambda api: api.route.create_rule(
        route_table_id=RT, source_address="192.168.0.0/20", destination_address="3.3.3.6/32",
        description="mul", ip_version="4", client_token="tok-route-create-3",
        next_hops=[model.RouteNextHop("dcgw-1", "dcGateway", "ha:active"),
                   model.RouteNextHop("dcgw-2", "dcGateway", "ha:standby")]),
    "route get_route by vpc_id": lambda api: api.route.get_table(vpc_id=VPC),
    "route get_route by route_table_id": lambda api: api.route.get_table(route_table_id=RT),
    "route get_route with both vpc_id and route_table_id": lambda api: api.route.get_table(
        vpc_id=VPC, route_table_id=RT),
    "route get_route_rule by routeTableId with marker + maxKeys": lambda api:
        api.route.list_rules_page(route_table_id=RT, marker="rr-dvq3cxpghw5e", max_keys=2),
    "route get_route_rule by vpcId only (no marker/maxKeys sent)": lambda api:
        api.route.list_rules_page(vpc_id=VPC),
    "route update_route: description only (SDK always sends description)": lambda api:
        api.route.update_rule(RR, description="new desc", client_token="tok-route-upd-1"),
    "route update_route: source, destination, nexthop id + type": lambda api:
        api.route.update_rule(RR, description="moved", nexthop_type="peerConn",
                              nexthop_id="qpif-vx034sff4tsm", destination_address="172.16.0.0/16",
                              source_address="192.168.1.0/24", client_token="tok-route-upd-2"),
    "route update_route: defaults (SDK uuid clientToken, body {description: ''})": lambda api:
        api.route.update_rule(RR, description=""),
    "route delete_route (explicit clientToken)": lambda api:
        api.route.delete_rule(RR, client_token="tok-route-del-1"),
    "route delete_route (SDK uuid clientToken)": lambda api: api.route.delete_rule(RR),
    "route switch_route (switchRouteHA action key)": lambda api:
        api.route.switch_route(RR, client_token="tok-route-switch-1"),
    CREATE_ERROR: lambda api: api.route.create_rule(
        route_table_id=RT, source_address="192.168.0.0/20", destination_address="172.16.0.0/16",
        nexthop_type="peerConn", nexthop_id="qpif-vx034sff4tsm", client_token="tok-route-e400"),
}


def request_of(trace: dict[str, Any]) -> dict[str, Any]:
    (request,) = trace["requests"]
    return request


def api_for(trace: dict[str, Any]) -> PeerConnApi:
    """The trace's clock; for the SDK's uuid tokens, a token factory that draws the same one."""
    request = request_of(trace)
    headers = dict(request["headers"])
    stamp = calendar.timegm(time.strptime(headers["x-bce-date"], "%Y-%m-%dT%H:%M:%SZ"))
    token = (request["query"].get("clientToken") or ["unused"])[0]
    return PeerConnApi(Credentials(AK, SK), "http://" + headers["Host"], clock=lambda: stamp,
                       sleep=lambda s: pytest.fail("no retry expected"),
                       token_factory=lambda: token)


def replay(label: str, rsps: responses.RequestsMock) -> tuple[Any, Any]:
    trace = TRACES[label]
    request = request_of(trace)
    api = api_for(trace)
    url = re.compile(re.escape(api.endpoint + request["path"]) + r"(\?.*)?$")
    if trace["sdk_result"] is None:
        error = trace["exception"]
        rsps.add(request["method"], url, status=error["status_code"], json={
            "code": error["code"], "message": error["last_error_message"],
            "requestId": error["request_id"]})
    elif trace["sdk_result"] == {}:
        rsps.add(request["method"], url, status=200, body=b"")  # BCE's empty success
    else:
        rsps.add(request["method"], url, status=200, json=wire(trace["sdk_result"]))
    try:
        result: Any = CALLS[label](api)
    except ValidationError as exc:
        result = exc
    assert len(rsps.calls) == 1
    return result, rsps.calls[0].request


def test_every_route_trace_has_a_client_call_or_a_reason():
    assert set(ROUTE_LABELS) | {CREATE_ERROR} == set(CALLS) | {NEITHER}


@pytest.mark.parametrize("label", sorted(CALLS))
def test_request_line_and_body_match_the_sdk_trace(label, rsps):
    expected = request_of(TRACES[label])
    _, sent = replay(label, rsps)
    url = urlsplit(sent.url)
    assert sent.method == expected["method"]
    assert url.path == expected["path"]
    assert parse_qs(url.query, keep_blank_values=True) == expected["query"]
    assert url.query == expected["raw_query"]  # sorted; switchRouteHA= as a valueless key
    want = expected["body"].encode() if expected["body"] is not None else None
    assert (sent.body or None) == want


@pytest.mark.parametrize("label", sorted(CALLS))
def test_signed_headers_and_signature_match_the_sdk_byte_for_byte(label, rsps):
    expected = dict(request_of(TRACES[label])["headers"])
    _, sent = replay(label, rsps)
    for name in ("Host", "Content-Type", "Content-Length", "x-bce-date", "Authorization"):
        assert sent.headers[name] == expected[name], name


def test_get_table_without_either_id_is_refused_before_sending(rsps):
    # The SDK sends a bare GET /v1/route (the trace); the doc says not both empty.
    with pytest.raises(ValueError):
        api_for(TRACES[NEITHER]).route.get_table()
    assert not rsps.calls


def sdk_rule(rule: model.RouteRule) -> dict[str, Any]:
    return {"route_rule_id": rule.route_rule_id, "route_table_id": rule.route_table_id,
            "source_address": rule.source_address,
            "destination_address": rule.destination_address, "nexthop_id": rule.nexthop_id,
            "nexthop_type": rule.nexthop_type, "description": rule.description,
            "path_type": rule.path_type}


def test_table_decodes_what_the_sdk_decoded_system_rule_included(rsps):
    table, _ = replay("route get_route by vpc_id", rsps)
    sdk = TRACES["route get_route by vpc_id"]["sdk_result"]
    assert (table.route_table_id, table.vpc_id, table.name) == (RT, VPC, "default")
    assert [sdk_rule(r) for r in table.rules] == [
        {**r, "path_type": r.get("path_type", "")} for r in sdk["route_rules"]]
    assert [r.is_system for r in table.rules] == [False, False, True]


def test_rule_page_decodes_what_the_sdk_decoded(rsps):
    label = "route get_route_rule by routeTableId with marker + maxKeys"
    page, _ = replay(label, rsps)
    sdk = TRACES[label]["sdk_result"]
    assert (page.marker, page.is_truncated, page.next_marker, page.max_keys) == (
        sdk["marker"], sdk["is_truncated"], sdk["next_marker"], sdk["max_keys"])
    assert [sdk_rule(r) for r in page.items] == sdk["route_rules"]


@pytest.mark.parametrize("label", [label for label in CALLS if "create_route:" in label])
def test_create_returns_the_new_rule_id(label, rsps):
    rule_id, _ = replay(label, rsps)
    assert rule_id == "rr-new0000000001"


def test_a_refused_create_keeps_code_and_request_id(rsps):
    error, _ = replay(CREATE_ERROR, rsps)
    assert isinstance(error, ValidationError)
    assert (error.status, error.code, error.request_id, error.operation) == (
        400, "InvalidParameter", "req-route-400", "create_route_rule")


# ------------------------------------------------- paging, retries, tokens, refusals, errors

ENDPOINT = "https://bcc.bj.baidubce.com"
RULES_URL = re.compile(re.escape(f"{ENDPOINT}/v1/route/rule") + r"(\?.*)?$")
TABLE_URL = re.compile(re.escape(f"{ENDPOINT}/v1/route") + r"(\?.*)?$")


def rule(rule_id: str, dest: str = "172.16.0.0/16") -> dict[str, Any]:
    return {"routeRuleId": rule_id, "routeTableId": RT, "sourceAddress": "0.0.0.0/0",
            "destinationAddress": dest, "nexthopType": "peerConn", "nexthopId": "qpif-1"}


@pytest.fixture
def api(fake_time) -> PeerConnApi:
    tokens = iter(f"tok-{n}" for n in range(100))
    return PeerConnApi(Credentials("AKIDEXAMPLE", "SKEXAMPLE"), ENDPOINT, retry=RetryPolicy(),
                       clock=fake_time.clock, sleep=fake_time.sleep,
                       token_factory=lambda: next(tokens))


def test_list_rules_follows_next_marker(api, rsps):
    rsps.add("GET", RULES_URL, json={"routeRules": [rule("rr-a"), rule("rr-b")],
                                     "isTruncated": True, "nextMarker": "rr-c", "maxKeys": 2})
    rsps.add("GET", RULES_URL, json={"routeRules": [rule("rr-c")], "marker": "rr-c",
                                     "isTruncated": False, "maxKeys": 2})
    ids = [r.route_rule_id for r in api.route.list_rules(vpc_id=VPC, page_size=2)]
    assert ids == ["rr-a", "rr-b", "rr-c"]
    assert [urlsplit(c.request.url).query for c in rsps.calls] == [
        f"maxKeys=2&vpcId={VPC}", f"marker=rr-c&maxKeys=2&vpcId={VPC}"]
    assert api.calls["list_route_rules"] == 2


@pytest.mark.parametrize("page", [{"isTruncated": True},
                                  {"isTruncated": True, "nextMarker": "rr-a"}])
def test_a_truncated_page_without_a_new_marker_is_malformed_not_the_end(api, rsps, page):
    rsps.add("GET", RULES_URL, json={"routeRules": [rule("rr-a")], "isTruncated": True,
                                     "nextMarker": "rr-a"})
    rsps.add("GET", RULES_URL, json={"routeRules": [rule("rr-a")], **page})
    with pytest.raises(ServerError) as caught:
        list(api.route.list_rules(route_table_id=RT))
    assert caught.value.code == "MalformedResponse"


def test_a_retried_create_sends_the_same_token_and_bytes_and_counts_each_attempt(
        api, rsps, fake_time):
    rsps.add("POST", RULES_URL, status=503, json={"code": "ServiceUnavailable", "message": "x"})
    rsps.add("POST", RULES_URL, json={"routeRuleId": "rr-new"})
    assert api.route.create_rule(route_table_id=RT, source_address="0.0.0.0/0",
                                 destination_address="172.16.0.0/16", nexthop_type="peerConn",
                                 nexthop_id="qpif-1") == "rr-new"
    first, second = (c.request for c in rsps.calls)
    assert first.url == second.url and "clientToken=tok-0" in first.url
    assert first.body == second.body
    assert first.headers["Authorization"] != "" and len(fake_time.sleeps) == 1
    assert dict(api.calls) == {"create_route_rule": 2}


def test_an_explicit_token_is_sent_as_given_on_every_mutation(api, rsps):
    rsps.add("PUT", re.compile(r".*/v1/route/rule/rr-1\?.*"), body=b"")
    rsps.add("DELETE", re.compile(r".*/v1/route/rule/rr-1\?.*"), body=b"")
    api.route.update_rule("rr-1", description="d", client_token="plan-tok-upd")
    api.route.delete_rule("rr-1", client_token="plan-tok-del")
    assert [urlsplit(c.request.url).query for c in rsps.calls] == [
        "clientToken=plan-tok-upd", "clientToken=plan-tok-del"]


def test_reads_carry_no_token_and_share_the_accounts_counter(api, rsps):
    rsps.add("GET", TABLE_URL, json={"routeTableId": RT, "vpcId": VPC, "routeRules": [
        {k: v for k, v in rule("rr-a").items() if k != "routeTableId"}]})
    rsps.add("GET", re.compile(re.escape(f"{ENDPOINT}/v1/vpc") + r"(\?.*)?$"),
             json={"vpcs": [], "isTruncated": False})
    table = api.route.get_table(vpc_id=VPC)
    assert table.rules[0].route_table_id == RT  # filled from the table when a rule omits it
    list(api.vpc.list_all())
    assert dict(api.calls) == {"get_route_table": 1, "list_vpcs": 1}
    assert "clientToken" not in rsps.calls[0].request.url


@pytest.mark.parametrize("body", [b"", b"{}"])
def test_an_empty_table_answer_is_not_found(api, rsps, body):
    rsps.add("GET", TABLE_URL, body=body)
    with pytest.raises(NotFoundError):
        api.route.get_table(route_table_id="rt-gone")


@pytest.mark.parametrize("body", [{"routeRules": []}, {"routeTableId": RT, "routeRules": {}},
                                  {"routeTableId": RT, "routeRules": [{"routeRuleId": "x"}]}])
def test_a_table_we_cannot_read_is_a_malformed_response(api, rsps, body):
    rsps.add("GET", TABLE_URL, json=body)
    with pytest.raises(ServerError) as caught:
        api.route.get_table(vpc_id=VPC)
    assert caught.value.code == "MalformedResponse"


@pytest.mark.parametrize("body, expected", [
    ({"routeRuleIds": ["rr-a", "rr-b"]}, "rr-a"), ({}, None), ({"routeRuleId": 7}, None)])
def test_create_answers(api, rsps, body, expected):
    rsps.add("POST", RULES_URL, json=body)
    call = lambda: api.route.create_rule(  # noqa: E731
        route_table_id=RT, source_address="0.0.0.0/0", destination_address="1.2.3.0/24",
        nexthop_type="nat", nexthop_id="nat-1")
    if expected is None:
        with pytest.raises(ServerError) as caught:
            call()
        assert caught.value.code == "MalformedResponse"
    else:
        assert call() == expected


REFUSED: dict[str, Route] = {
    "list with both ids": lambda api: api.route.list_rules_page(route_table_id=RT, vpc_id=VPC),
    "list with neither id": lambda api: api.route.list_rules_page(),
    "maxKeys 0": lambda api: api.route.list_rules_page(vpc_id=VPC, max_keys=0),
    "maxKeys 1001": lambda api: api.route.list_rules_page(vpc_id=VPC, max_keys=1001),
    "unsafe rule id": lambda api: api.route.delete_rule("rr-1/.."),
    "dot rule id": lambda api: api.route.update_rule("..", description=""),
    "empty rule id": lambda api: api.route.switch_route(""),
    "long token": lambda api: api.route.delete_rule("rr-1", client_token="t" * 65),
    "non-ascii token": lambda api: api.route.delete_rule("rr-1", client_token="tök"),
    "long description": lambda api: api.route.create_rule(
        route_table_id=RT, source_address="0.0.0.0/0", destination_address="1.2.3.0/24",
        nexthop_type="nat", nexthop_id="nat-1", description="d" * 201),
    "long update description": lambda api: api.route.update_rule("rr-1", description="d" * 201),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_arguments_are_refused_before_sending(api, rsps, name):
    with pytest.raises(ValueError):
        REFUSED[name](api)
    assert not rsps.calls


@pytest.mark.parametrize("status, code, exc", [
    (404, "NoSuchObject", NotFoundError), (409, "Route.DuplicateRule", ConflictError),
    (400, "Route.QuotaExceeded", QuotaError), (400, "Route.InvalidNexthop", ValidationError)])
def test_route_errors_go_through_the_one_error_map_unretried(api, rsps, fake_time, status, code,
                                                             exc):
    rsps.add("DELETE", re.compile(r".*/v1/route/rule/rr-1\?.*"), status=status,
             json={"code": code, "message": "m", "requestId": "req-1"})
    with pytest.raises(exc) as caught:
        api.route.delete_rule("rr-1")
    assert (caught.value.code, caught.value.operation) == (code, "delete_route_rule")
    assert len(rsps.calls) == 1 and not fake_time.sleeps
