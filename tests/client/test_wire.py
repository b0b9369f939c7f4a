"""Every operation sends what the official Python SDK sends (bce-wire-traces.json).

For each successful SDK call in the traces, the same call through ``PeerConnApi`` must send
the same method, path, query (keys and values) and JSON body. With the clock set to the
trace's x-bce-date and the trace's token, even the Authorization header must be identical,
which pins Host, Content-Type, Content-Length and the signature together.
"""

from __future__ import annotations

import calendar
import dataclasses
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from reconciler import model
from reconciler.client import Credentials, PeerConnApi

from .conftest import AK, SK, load_traces

ID = "peerconn-abc123"
TRACES = {t["label"]: t for t in load_traces()}
SUCCESS_LABELS = sorted(label for label in TRACES if not label.startswith("error"))

CALLS: dict[str, Callable[[PeerConnApi], Any]] = {
    "create (defaults: SDK clientToken, Postpaid billing)": lambda api: api.create(
        bandwidth_in_mbps=10,
        local_vpc_id="vpc-local1",
        peer_vpc_id="vpc-peer1",
        peer_region="bj",
        billing=model.Billing(),
    ),
    "create (all optional fields, explicit token, Prepaid)": lambda api: api.create(
        bandwidth_in_mbps=20,
        local_vpc_id="vpc-local1",
        peer_vpc_id="vpc-peer1",
        peer_region="gz",
        billing=model.Billing(payment_timing="prepaid", reservation_length=2),
        description="desc",
        local_if_name="lif",
        peer_account_id="acc-2",
        peer_if_name="pif",
        tags={"env": "test"},
        resource_group_id="RESG-1",
        delete_protect=True,
        client_token="tok-create-1",
    ),
    "list (vpcId only)": lambda api: api.list_page(vpc_id="vpc-local1"),
    "list (marker + maxKeys) via http:// endpoint": lambda api: api.list_page(
        vpc_id="vpc-local1", marker="peerconn-m1", max_keys=2
    ),
    "get (no role)": lambda api: api.get(ID),
    "get (role=acceptor)": lambda api: api.get(ID, role="acceptor"),
    "update name/description": lambda api: api.update(
        ID,
        local_if_id="qpif-local1",
        description="new-d",
        local_if_name="new-name",
        client_token="tok-upd",
    ),
    "accept": lambda api: api.accept(ID, client_token="tok-acc"),
    "reject": lambda api: api.reject(ID),
    "resize": lambda api: api.resize(ID, new_bandwidth_in_mbps=50, client_token="tok-rsz"),
    "renew (purchaseReserved, default billing)": lambda api: api.renew(ID, reservation_length=1),
    "renew (purchaseReserved, explicit billing)": lambda api: api.renew(
        ID, reservation_length=3, reservation_time_unit="month", client_token="tok-renew"
    ),
    "open DNS sync": lambda api: api.open_dns_sync(ID, role="initiator", client_token="tok-open"),
    "close DNS sync": lambda api: api.close_dns_sync(ID, role="acceptor"),
    "deleteProtect switch": lambda api: api.set_delete_protect(
        ID, delete_protect=True, client_token="tok-dp"
    ),
    "refund (prepaid unsubscribe)": lambda api: api.refund(ID, client_token="tok-ref"),
    "delete": lambda api: api.delete(ID, client_token="tok-del"),
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire_object(sdk_view: dict[str, Any]) -> dict[str, Any]:
    """The JSON the SDK decoded, rebuilt from its snake_case view of it."""
    return {camel(k): v for k, v in sdk_view.items() if k != "status_code"}


def response_for(trace: dict[str, Any]) -> dict[str, Any]:
    result = trace["sdk_result"]
    if "peer_conns" in result:
        page = wire_object(result)
        page["peerConns"] = [wire_object(item) for item in result["peer_conns"]]
        return {"json": page}
    if "peer_conn_id" in result and "status" in result:
        return {"json": wire_object(result)}
    if "peer_conn_id" in result:
        return {"json": {"peerConnId": result["peer_conn_id"]}}
    return {"body": b""}


def trace_request(trace: dict[str, Any]) -> dict[str, Any]:
    (request,) = trace["requests"]
    return request


def api_for(trace: dict[str, Any]) -> PeerConnApi:
    request = trace_request(trace)
    headers = dict(request["headers"])
    stamp = calendar.timegm(time.strptime(headers["x-bce-date"], "%Y-%m-%dT%H:%M:%SZ"))
    sdk_token = request["query"].get("clientToken", ["unused"])[0]
    return PeerConnApi(
        Credentials(AK, SK),
        "http://" + headers["Host"],
        clock=lambda: stamp,
        sleep=lambda s: pytest.fail("no retry expected"),
        token_factory=lambda: sdk_token,
    )


def run(trace: dict[str, Any], rsps: responses.RequestsMock) -> tuple[Any, Any]:
    request = trace_request(trace)
    api = api_for(trace)
    url = re.compile(re.escape(api.endpoint + request["path"]) + r"(\?.*)?$")
    rsps.add(request["method"], url, status=200, **response_for(trace))
    result = CALLS[trace["label"]](api)
    assert len(rsps.calls) == 1
    return result, rsps.calls[0].request


def test_every_successful_sdk_trace_has_a_client_call():
    assert set(CALLS) == set(SUCCESS_LABELS)


@pytest.mark.parametrize("label", SUCCESS_LABELS)
def test_request_matches_the_sdk_trace(label, rsps):
    trace = TRACES[label]
    expected = trace_request(trace)
    _, sent = run(trace, rsps)
    url = urlsplit(sent.url)
    assert sent.method == expected["method"]
    assert url.path == expected["path"]
    assert parse_qs(url.query, keep_blank_values=True) == expected["query"]
    # Same order too: the Python SDK writes the canonical (sorted) query on the wire.
    assert url.query == expected["raw_query"]
    if expected["body"] is None:
        assert not sent.body
    else:
        assert json.loads(sent.body) == json.loads(expected["body"])


@pytest.mark.parametrize("label", SUCCESS_LABELS)
def test_signed_headers_and_signature_match_the_sdk_byte_for_byte(label, rsps):
    trace = TRACES[label]
    expected = dict(trace_request(trace)["headers"])
    _, sent = run(trace, rsps)
    for name in ("Host", "Content-Type", "Content-Length", "x-bce-date", "Authorization"):
        assert sent.headers[name] == expected[name], name


@pytest.mark.parametrize(
    "label", [label for label in SUCCESS_LABELS if label.startswith(("get", "list"))]
)
def test_decoded_values_match_what_the_sdk_decoded(label, rsps):
    trace = TRACES[label]
    result, _ = run(trace, rsps)
    sdk = trace["sdk_result"]
    if isinstance(result, model.Page):
        assert (result.marker, result.is_truncated, result.next_marker, result.max_keys) == (
            sdk["marker"],
            sdk["is_truncated"],
            sdk["next_marker"],
            sdk["max_keys"],
        )
        conns, sdk_conns = result.items, sdk["peer_conns"]
    else:
        conns, sdk_conns = (result,), [sdk]
    for conn, sdk_conn in zip(conns, sdk_conns, strict=True):
        ours = dataclasses.asdict(conn)
        assert ours.pop("tags") == tuple(sdk_conn["tags"])
        assert ours == {k: v for k, v in sdk_conn.items() if k not in ("tags", "status_code")}


def test_create_returns_the_new_id(rsps):
    trace = TRACES["create (all optional fields, explicit token, Prepaid)"]
    result, _ = run(trace, rsps)
    assert result == "peerconn-abc123"


def test_mutations_return_none_on_an_empty_200(rsps):
    result, _ = run(TRACES["delete"], rsps)
    assert result is None
