"""The VPC reads send what the official Python SDK sends (bce-route-wire-traces.json, ``vpc``).

Like ``test_wire.py`` for the peering calls: for each recorded ``get_vpc`` / ``list_vpcs``
call, ``PeerConnApi(...).vpc`` must send the same method, path, query (keys, values, order) and
— with the trace's clock — the same Authorization header byte for byte. The responses replay
what the SDK decoded (rebuilt as BCE's camelCase JSON), and our decoding must agree with it.
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
from reconciler.errors import NotFoundError, ServerError
from tests.fixtures import ROUTE_WIRE_TRACES

from .conftest import load_traces

# The route traces were recorded with these documentation keys (reference §7).
AK, SK = "AKIDEXAMPLE000000000", "SKEXAMPLE0000000000000000000000000"
TRACES = {t["label"]: t for t in load_traces(ROUTE_WIRE_TRACES)}
VPC_LABELS = sorted(label for label in TRACES if label.startswith("vpc "))

CALLS: dict[str, Callable[[PeerConnApi], Any]] = {
    "vpc get_vpc": lambda api: api.vpc.get("vpc-56rj0s4ha42a"),
    "vpc list_vpcs (no args)": lambda api: api.vpc.list_page(),
    "vpc list_vpcs (marker, max_keys, vpc_ids, is_default=True)": lambda api: api.vpc.list_page(
        marker="vpc-IyWRtII7",
        max_keys=1,
        vpc_ids=["vpc-IyWRtII7", "vpc-xktsjku9"],
        is_default=True,
    ),
    "error 404 on get_vpc (JSON error body)": lambda api: api.vpc.get("vpc-missing"),
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire(value: Any) -> Any:
    """BCE's JSON, rebuilt from the SDK's snake_case view of it."""
    if isinstance(value, dict):
        return {camel(k): wire(v) for k, v in value.items() if k != "status_code"}
    if isinstance(value, list):
        return [wire(item) for item in value]
    return value


def request_of(trace: dict[str, Any]) -> dict[str, Any]:
    (request,) = trace["requests"]
    return request


def api_for(trace: dict[str, Any]) -> PeerConnApi:
    headers = dict(request_of(trace)["headers"])
    stamp = calendar.timegm(time.strptime(headers["x-bce-date"], "%Y-%m-%dT%H:%M:%SZ"))
    return PeerConnApi(
        Credentials(AK, SK),
        "http://" + headers["Host"],
        clock=lambda: stamp,
        sleep=lambda s: pytest.fail("no retry expected"),
    )


def replay(trace: dict[str, Any], rsps: responses.RequestsMock) -> tuple[Any, Any]:
    request = request_of(trace)
    api = api_for(trace)
    url = re.compile(re.escape(api.endpoint + request["path"]) + r"(\?.*)?$")
    if trace["sdk_result"] is None:
        error = trace["exception"]
        body = {"code": error["code"], "message": error["last_error_message"],
                "requestId": error["request_id"]}
        rsps.add(request["method"], url, status=error["status_code"], json=body)
    else:
        rsps.add(request["method"], url, status=200, json=wire(trace["sdk_result"]))
    try:
        result: Any = CALLS[trace["label"]](api)
    except NotFoundError as exc:
        result = exc
    assert len(rsps.calls) == 1
    return result, rsps.calls[0].request


def test_every_vpc_trace_has_a_client_call():
    assert set(VPC_LABELS) | {"error 404 on get_vpc (JSON error body)"} == set(CALLS)


@pytest.mark.parametrize("label", sorted(CALLS))
def test_request_matches_the_sdk_trace(label, rsps):
    trace = TRACES[label]
    expected = request_of(trace)
    _, sent = replay(trace, rsps)
    url = urlsplit(sent.url)
    assert sent.method == expected["method"]
    assert url.path == expected["path"]
    assert parse_qs(url.query, keep_blank_values=True) == expected["query"]
    assert url.query == expected["raw_query"]  # sorted, and the comma sent as %2C
    assert not sent.body


@pytest.mark.parametrize("label", sorted(CALLS))
def test_signed_headers_and_signature_match_the_sdk_byte_for_byte(label, rsps):
    trace = TRACES[label]
    expected = dict(request_of(trace)["headers"])
    _, sent = replay(trace, rsps)
    for name in ("Host", "Content-Type", "Content-Length", "x-bce-date", "Authorization"):
        assert sent.headers[name] == expected[name], name


def sdk_view(vpc: model.Vpc) -> dict[str, Any]:
    """Our value in the SDK's terms, for the fields both have."""
    out: dict[str, Any] = {
        "vpc_id": vpc.vpc_id, "name": vpc.name, "is_default": vpc.is_default, "cidr": vpc.cidr,
        "ipv6_cidr": vpc.ipv6_cidr, "description": vpc.description,
        "created_time": vpc.created_time, "secondary_cidr": list(vpc.secondary_cidrs),
        "tags": [{"tag_key": k, "tag_value": v} for k, v in vpc.tags],
    }
    return out


def test_detail_decodes_what_the_sdk_decoded(rsps):
    trace = TRACES["vpc get_vpc"]
    vpc, _ = replay(trace, rsps)
    sdk = trace["sdk_result"]["vpc"]
    assert sdk_view(vpc) == {k: v for k, v in sdk.items() if k in sdk_view(vpc)}
    assert vpc.relay is sdk["relay"]
    assert [(s.subnet_id, s.cidr, s.name, s.zone_name, s.subnet_type) for s in vpc.subnets] == [
        (s["subnet_id"], s["cidr"], s["name"], s["zone_name"], s["subnet_type"])
        for s in sdk["subnets"]]
    assert vpc.region == ""  # BCE names no region: it is the endpoint's


@pytest.mark.parametrize("label", [label for label in VPC_LABELS if "list_vpcs" in label])
def test_list_page_decodes_what_the_sdk_decoded(label, rsps):
    trace = TRACES[label]
    page, _ = replay(trace, rsps)
    sdk = trace["sdk_result"]
    assert (page.marker, page.is_truncated, page.max_keys) == (
        sdk["marker"], sdk["is_truncated"], sdk["max_keys"])
    assert page.next_marker == ""
    assert [sdk_view(v) for v in page.items] == sdk["vpcs"]
    assert all(v.subnets == () for v in page.items)  # list items carry none


def test_unknown_vpc_is_not_found_with_code_and_request_id(rsps):
    error, _ = replay(TRACES["error 404 on get_vpc (JSON error body)"], rsps)
    assert isinstance(error, NotFoundError)
    assert (error.status, error.code, error.request_id, error.operation) == (
        404, "NoSuchObject", "req-vpc-404", "get_vpc")


# ----------------------------------------------------------------- paging, retries, counting

ENDPOINT = "https://bcc.bj.baidubce.com"
LIST_URL = re.compile(re.escape(f"{ENDPOINT}/v1/vpc") + r"(\?.*)?$")


def item(vpc_id: str, **extra: Any) -> dict[str, Any]:
    return {"vpcId": vpc_id, "cidr": "10.0.0.0/16", **extra}


@pytest.fixture
def api(fake_time) -> PeerConnApi:
    return PeerConnApi(Credentials("AKIDEXAMPLE", "SKEXAMPLE"), ENDPOINT,
                       retry=RetryPolicy(), clock=fake_time.clock, sleep=fake_time.sleep)


def test_list_all_follows_next_marker_and_sends_max_keys(api, rsps):
    rsps.add("GET", LIST_URL, json={"vpcs": [item("vpc-a"), item("vpc-b")], "marker": "",
                                    "isTruncated": True, "nextMarker": "vpc-c", "maxKeys": 2})
    rsps.add("GET", LIST_URL, json={"vpcs": [item("vpc-c", region="gz")], "marker": "vpc-c",
                                    "isTruncated": False, "maxKeys": 2})
    vpcs = list(api.vpc.list_all(page_size=2))
    assert [(v.vpc_id, v.region) for v in vpcs] == [("vpc-a", ""), ("vpc-b", ""), ("vpc-c", "gz")]
    queries = [urlsplit(c.request.url).query for c in rsps.calls]
    assert queries == ["maxKeys=2", "marker=vpc-c&maxKeys=2"]
    assert api.calls["list_vpcs"] == 2


def test_a_truncated_page_without_a_new_marker_is_malformed_not_the_end(api, rsps):
    rsps.add("GET", LIST_URL, json={"vpcs": [item("vpc-a")], "isTruncated": True})
    with pytest.raises(ServerError) as caught:
        list(api.vpc.list_all())
    assert caught.value.code == "MalformedResponse"


def test_reads_are_retried_and_counted_in_the_accounts_one_counter(api, rsps, fake_time):
    rsps.add("GET", LIST_URL, status=503, json={"code": "ServiceUnavailable", "message": "x"})
    rsps.add("GET", LIST_URL, json={"vpcs": [item("vpc-a")], "isTruncated": False})
    rsps.add("GET", re.compile(re.escape(f"{ENDPOINT}/v1/peerconn") + r"(\?.*)?$"),
             json={"peerConns": [], "isTruncated": False})
    assert [v.vpc_id for v in api.vpc.list_all()] == ["vpc-a"]
    list(api.list_all())
    assert dict(api.calls) == {"list_vpcs": 2, "list": 1}
    assert len(fake_time.sleeps) == 1
    first, second = rsps.calls[0].request, rsps.calls[1].request
    assert first.url == second.url and "clientToken" not in first.url


def test_a_body_that_is_not_a_vpc_list_is_a_malformed_response(api, rsps):
    rsps.add("GET", LIST_URL, json={"vpcs": [{"name": "no id"}]})
    with pytest.raises(ServerError) as caught:
        api.vpc.list_page()
    assert caught.value.code == "MalformedResponse"


@pytest.mark.parametrize("body", [b"", b"{}", b'{"vpc": null}'])
def test_an_empty_detail_is_not_found(api, rsps, body):
    rsps.add("GET", f"{ENDPOINT}/v1/vpc/vpc-gone", body=body)
    with pytest.raises(NotFoundError):
        api.vpc.get("vpc-gone")


@pytest.mark.parametrize("bad", ["", "a/b", "..", "."])
def test_an_unsafe_vpc_id_is_refused_before_sending(api, rsps, bad):
    with pytest.raises(ValueError):
        api.vpc.get(bad)
    assert not rsps.calls


@pytest.mark.parametrize("size", [0, 1001])
def test_max_keys_outside_the_documented_range_is_refused(api, rsps, size):
    with pytest.raises(ValueError):
        api.vpc.list_page(max_keys=size)
    assert not rsps.calls
