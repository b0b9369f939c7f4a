"""Wire fidelity: the official Python SDK's recorded requests, Go-style requests, response shapes."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import pytest

from reconciler.simulator import SimServer
from tests.fixtures import WIRE_TRACES

from . import wire
from .conftest import StartSim, create, make_api, make_world

TRACES_FILE = WIRE_TRACES
AK, SK = "AKIDEXAMPLE", "SKEXAMPLE"


def _traces() -> list[dict[str, Any]]:
    assert TRACES_FILE.is_file(), f"missing {TRACES_FILE}"
    return [t for t in json.loads(TRACES_FILE.read_text()) if "sdk_result" in t]


def _trace_world(label: str) -> Any:
    """A world in which the recorded request is valid (ids and VPCs as in the trace).

    The all-fields create names peerAccountId acc-2 *and* peerIfName, which BCE allows only
    within one account; so there the caller is acc-2, peering a VPC of its own in gz.
    """
    all_fields = "all optional" in label
    prepaid = all_fields or label.startswith(("renew", "refund"))
    accounts = [
        {"id": "acc-2" if all_fields else "acc-1", "access_key": AK, "secret_key": SK, "vpcs": [
            {"id": "vpc-local1", "region": "bj"}, {"id": "vpc-x", "region": "bj"},
            {"id": "vpc-peer1", "region": "gz" if prepaid else "bj"}]},
        {"id": "acc-1" if all_fields else "acc-2", "access_key": "AK2", "secret_key": "SK2",
         "vpcs": [{"id": "vpc-y", "region": "bj"}]},
    ]
    return make_world(accounts=accounts, connections=_trace_connections(label, prepaid))


def _trace_connections(label: str, prepaid: bool) -> list[dict[str, Any]]:
    if label.startswith("create"):
        return []
    if label in ("accept", "reject"):
        return [{"id": "peerconn-abc123", "local_vpc_id": "vpc-y", "peer_vpc_id": "vpc-local1",
                 "status": "consulting", "peer_if_id": "qpif-local1"}]
    conn: dict[str, Any] = {"id": "peerconn-abc123", "local_vpc_id": "vpc-local1", "peer_vpc_id": "vpc-peer1",
                            "local_if_id": "qpif-local1"}
    if prepaid:
        conn.update(payment_timing="Prepaid", reservation_length=1, expires_in_days=10)
    marker = {"id": "peerconn-m1", "local_vpc_id": "vpc-local1", "peer_vpc_id": "vpc-x"}
    return [conn, marker]


@pytest.mark.parametrize("trace", _traces(), ids=lambda t: t["label"])
def test_recorded_python_sdk_request_is_accepted_unchanged(start_sim: StartSim, trace: dict[str, Any]) -> None:
    sim = start_sim(_trace_world(trace["label"]))
    (req,) = trace["requests"]
    body = (req["body"] or "").encode()
    now = time.time()
    headers = dict(req["headers"])
    headers["Host"] = wire.host_of(sim.url)
    headers["x-bce-date"] = wire.signing.format_timestamp(now)
    headers.pop("Authorization")
    headers["Authorization"] = wire.sign(AK, SK, req["method"], req["path"], req["raw_query"], headers, when=now)
    assert "/1800//" in headers["Authorization"]  # the SDK's empty signed-headers form
    reply = wire.send(sim.url, req["method"], req["path"], req["raw_query"], list(headers.items()), body)
    assert reply.status == 200, reply.body
    assert reply.headers["x-bce-request-id"]
    assert reply.headers["content-type"] == "application/json;charset=utf-8"
    assert int(reply.headers["content-length"]) == len(reply.body)
    _check_shape(trace["sdk_result"], reply.body)


def _check_shape(expected: dict[str, Any], body: bytes) -> None:
    if not expected:
        assert body == b""  # every other mutation: 200, empty body
        return
    data = json.loads(body)
    if "peer_conns" in expected:
        assert set(data) >= {"peerConns", "marker", "isTruncated", "maxKeys"}
    elif "role" in expected:
        assert set(data) == {"peerConnId", "role", "status", "bandwidthInMbps", "description", "localIfId",
                             "localIfName", "localVpcId", "localRegion", "peerVpcId", "peerRegion",
                             "peerAccountId", "paymentTiming", "dnsStatus", "createdTime", "expiredTime",
                             "tags", "deleteProtect"}
    else:
        assert set(data) == {"peerConnId"}


def go_style(sim: SimServer, method: str, path: str, raw_query: str, body: dict[str, Any] | None) -> wire.Reply:
    """What bce-sdk-go sends: bare action keys in map order, compact JSON, Content-MD5, listed headers."""
    ak, sk = sim.credentials_for(None)
    data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    now = time.time()
    headers = {"Host": wire.host_of(sim.url), "User-Agent": "bce-sdk-go/0.9.273/go1.22/linux/amd64",
               "x-bce-date": wire.signing.format_timestamp(now), "Content-Type": "application/json;charset=utf-8",
               "x-bce-request-id": "5f1d7c43-7b1e-4d53-8a8b-0f4a5e1f2c3d"}
    if data:
        headers["Content-Length"] = str(len(data))
        headers["Content-MD5"] = base64.b64encode(hashlib.md5(data).digest()).decode()
    names = sorted(h.lower() for h in headers if h != "User-Agent")
    headers["Authorization"] = wire.sign(ak, sk, method, path, raw_query, headers, when=now, names=names)
    assert "content-type;host;x-bce-date;x-bce-request-id/" in headers["Authorization"]
    return wire.send(sim.url, method, path, raw_query, list(headers.items()), data)


def test_go_style_requests_work(sim: SimServer) -> None:
    created = go_style(sim, "POST", "/v1/peerconn", "clientToken=go-1", {
        "bandwidthInMbps": 10, "localVpcId": "vpc-app01", "peerVpcId": "vpc-db0001", "peerRegion": "bj",
        "billing": {"paymentTiming": "Postpaid"}})
    assert created.status == 200, created.body
    conn = json.loads(created.body)["peerConnId"]
    sim.advance(5)
    resized = go_style(sim, "PUT", f"/v1/peerconn/{conn}", "resize&clientToken=go-2", {"newBandwidthInMbps": 30})
    assert (resized.status, resized.body, resized.headers["content-length"]) == (200, b"", "0")
    sim.advance(5)
    opened = go_style(sim, "PUT", f"/v1/peerconn/{conn}", "role=acceptor&open", {"role": "acceptor"})
    assert opened.status == 200, opened.body
    listed = go_style(sim, "GET", "/v1/peerconn", "maxKeys=1000&vpcId=vpc-db0001", None)
    (item,) = json.loads(listed.body)["peerConns"]
    assert (item["bandwidthInMbps"], item["dnsStatus"], item["role"]) == (30, "syncing", "acceptor")


def test_a_body_that_does_not_match_content_md5_is_refused(sim: SimServer) -> None:
    ak, sk = sim.credentials_for(None)
    body = b'{"newBandwidthInMbps":30}'
    headers = {"Host": wire.host_of(sim.url), "Content-Type": "application/json;charset=utf-8",
               "Content-Length": str(len(body)), "Content-MD5": base64.b64encode(b"0" * 16).decode(),
               "x-bce-date": wire.signing.format_timestamp(time.time())}
    headers["Authorization"] = wire.sign(ak, sk, "PUT", "/v1/peerconn/peerconn-x", "resize", headers)
    reply = wire.send(sim.url, "PUT", "/v1/peerconn/peerconn-x", "resize", list(headers.items()), body)
    assert (reply.status, json.loads(reply.body)["code"]) == (400, "BadDigest")


@pytest.mark.parametrize(("method", "path", "query", "body", "status", "code"), [
    pytest.param("GET", "/v1/peerconn/p/extra", "", b"", 400, "InvalidURI", id="unknown-path"),
    pytest.param("GET", "/v2/peerconn", "", b"", 400, "InvalidURI", id="unknown-version"),
    pytest.param("POST", "/v1/peerconn/p", "", b"", 405, "MethodNotAllowed", id="post-on-item"),
    pytest.param("PUT", "/v1/peerconn/p", "accept&reject", b"", 400, "InvalidParameter", id="two-actions"),
    pytest.param("POST", "/v1/peerconn", "", b"{not json", 400, "MalformedJSON", id="bad-json"),
    pytest.param("POST", "/v1/peerconn", "", b"[1]", 400, "MalformedJSON", id="json-not-object"),
    pytest.param("DELETE", "/v1/peerconn/peerconn-none", "", b"", 404, "NoSuchObject", id="unknown-id"),
])
def test_bce_shaped_errors(sim: SimServer, method: str, path: str, query: str, body: bytes, status: int,
                           code: str) -> None:
    ak, sk = sim.credentials_for(None)
    reply = wire.signed_send(sim.url, ak, sk, method, path, query, body)
    data = json.loads(reply.body)
    assert (reply.status, data["code"]) == (status, code)
    assert set(data) == {"code", "message", "requestId"} and data["requestId"] == reply.headers["x-bce-request-id"]
    assert reply.headers["content-type"] == "application/json;charset=utf-8"
    assert int(reply.headers["content-length"]) == len(reply.body)


def test_valueless_keys_with_and_without_equals_in_any_order(sim: SimServer) -> None:
    main = make_api(sim)
    conn = create(main)
    sim.advance(5)
    ak, sk = sim.credentials_for(None)
    path = f"/v1/peerconn/{conn}"
    for query in ("open=&role=initiator", "role=acceptor&open"):
        assert wire.signed_send(sim.url, ak, sk, "PUT", path, query).status == 200
    sim.advance(5)
    assert {main.get(conn, role=r).dns_status for r in ("initiator", "acceptor")} == {"open"}


def test_a_garbled_content_length_is_a_bce_shaped_400(sim: SimServer) -> None:
    reply = wire.send(sim.url, "POST", "/v1/peerconn", "", [("Host", wire.host_of(sim.url)),
                                                             ("Content-Length", "lots")])
    assert (reply.status, json.loads(reply.body)["code"]) == (400, "InvalidHTTPRequest")
