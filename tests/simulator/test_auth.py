"""bce-auth-v1: the simulator's own verifier pinned by reference §5, and refusals over HTTP."""

from __future__ import annotations

import json
import time

import pytest

from reconciler.errors import AuthError
from reconciler.simulator import SimServer
from reconciler.simulator.auth import (
    WireRequest,
    canonical_request,
    default_signed_names,
    parse_authorization,
    signature,
    verify,
)
from reconciler.simulator.errors import SimApiError

from . import wire
from .conftest import StartSim, make_api

JS_TIME = "2014-06-13T05:57:36Z"
PC_TIME = "2024-01-02T03:04:05Z"
PY_HEADERS = {"host": "127.0.0.1:8080", "accept": "*/*", "content-type": "application/json;charset=utf-8",
              "content-length": "0", "x-bce-date": PC_TIME, "user-agent": "bce-sdk-python/0.9.79"}
RESIZE_HEADERS = {"host": "bcc.bj.baidubce.com", "accept": "*/*", "content-type": "application/json;charset=utf-8",
                  "content-length": "27", "x-bce-date": PC_TIME}

VECTORS = [
    pytest.param("my_ak", "my_sk", JS_TIME, "PUT", "/v1/bucket/object1", "A&b=&C=d",
                 {"host": "bce.baidu.com", "abc": "123", "x-bce-meta-key1": "ABC"}, "host;x-bce-meta-key1",
                 "80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25", id="js-vector-1"),
    pytest.param("my_ak", "my_sk", JS_TIME, "DELETE", "/v1/test-bucket1361199862", "",
                 {"content-type": "application/json; charset=utf-8", "content-length": "0",
                  "user-agent": "This is the user-agent"}, "content-length;content-type",
                 "c9386b15d585960ae5e6972f73ed92a9a682dc81025480ba5b41206d3e489822", id="js-vector-2"),
    pytest.param("AKIDEXAMPLE", "SKEXAMPLE", PC_TIME, "GET", "/v1/peerconn",
                 "vpcId=vpc-abc123&maxKeys=2&marker=peerconn-m1", PY_HEADERS, "",
                 "9b6acadc0b97cfe5f2ec5cfbd72761d2ba3875505b712331ebd9fa32ce2283aa", id="peerconn-list"),
    pytest.param("AKIDEXAMPLE", "SKEXAMPLE", PC_TIME, "PUT", "/v1/peerconn/peerconn-abc123",
                 "resize&clientToken=token-0001", RESIZE_HEADERS, "",
                 "343b47b0198a4533407dae88e03a564db1cd3af85583c702bfae91bfbbac36e9", id="peerconn-resize"),
    pytest.param("AKIDEXAMPLE", "SKEXAMPLE", PC_TIME, "PUT", "/v1/peerconn/peerconn-abc123",
                 "clientToken=token-0001&resize=", RESIZE_HEADERS, "content-length;content-type;host;x-bce-date",
                 "343b47b0198a4533407dae88e03a564db1cd3af85583c702bfae91bfbbac36e9", id="peerconn-resize-listed"),
]


@pytest.mark.parametrize(("ak", "sk", "stamp", "method", "path", "query", "headers", "names", "expected"), VECTORS)
def test_reference_vectors_verify(ak: str, sk: str, stamp: str, method: str, path: str, query: str,
                                  headers: dict[str, str], names: str, expected: str) -> None:
    req = WireRequest(method, path, query, dict(headers), b"")
    header = f"bce-auth-v1/{ak}/{stamp}/1800/{names}/{expected}"
    req.headers["authorization"] = header
    auth = parse_authorization(header)
    listed = list(auth.signed_headers) or default_signed_names(req.headers)
    assert signature(sk, auth.prefix, canonical_request(req, listed)) == expected
    assert verify(req, {ak: sk}.get, now=auth.timestamp + 10) == ak


def test_reference_vector_1_canonical_request() -> None:
    req = WireRequest("PUT", "/v1/bucket/object1", "A&b=&C=d", {"host": "bce.baidu.com", "x-bce-meta-key1": "ABC"}, b"")
    assert canonical_request(req, ["host", "x-bce-meta-key1"]) == (
        "PUT\n/v1/bucket/object1\nA=&C=d&b=\nhost:bce.baidu.com\nx-bce-meta-key1:ABC")


@pytest.mark.parametrize(("value", "code"), [
    pytest.param(None, "InvalidHTTPAuthHeader", id="missing"),
    pytest.param("Bearer abc", "InvalidHTTPAuthHeader", id="other-scheme"),
    pytest.param("bce-auth-v1/AK/yesterday/1800//" + "0" * 64, "InvalidHTTPAuthHeader", id="bad-timestamp"),
    pytest.param("bce-auth-v1/AK/2024-01-02T03:04:05Z/1800/" + "0" * 64, "InvalidHTTPAuthHeader", id="too-few-parts"),
])
def test_garbled_authorization_is_invalid_http_auth_header(value: str | None, code: str) -> None:
    with pytest.raises(SimApiError) as err:
        parse_authorization(value)
    assert (err.value.status, err.value.code) == (400, code)


def _code(reply: wire.Reply) -> tuple[int, str]:
    return reply.status, json.loads(reply.body)["code"]


def test_wrong_secret_is_signature_does_not_match(sim: SimServer) -> None:
    ak, _ = sim.credentials_for(None)
    assert _code(wire.signed_send(sim.url, ak, "WRONG", "GET", "/v1/peerconn")) == (400, "SignatureDoesNotMatch")


def test_a_tampered_query_fails_the_signature(sim: SimServer) -> None:
    ak, sk = sim.credentials_for(None)
    now = time.time()
    headers = wire.python_sdk_headers(sim.url, b"", now)
    headers["Authorization"] = wire.sign(ak, sk, "GET", "/v1/peerconn", "vpcId=vpc-app01", headers, when=now)
    reply = wire.send(sim.url, "GET", "/v1/peerconn", "vpcId=vpc-db0001", list(headers.items()))
    assert _code(reply) == (400, "SignatureDoesNotMatch")


def test_unknown_access_key_is_invalid_access_key_id(sim: SimServer) -> None:
    assert _code(wire.signed_send(sim.url, "AKNOBODY", "SK", "GET", "/v1/peerconn")) == (403, "InvalidAccessKeyId")


def test_expired_signature_is_request_expired(sim: SimServer) -> None:
    ak, sk = sim.credentials_for(None)
    old = time.time() - 3600
    assert _code(wire.signed_send(sim.url, ak, sk, "GET", "/v1/peerconn", when=old)) == (400, "RequestExpired")
    fresh_enough = wire.signed_send(sim.url, ak, sk, "GET", "/v1/peerconn", when=old, expiration=7200)
    assert fresh_enough.status == 200


def test_expiry_is_judged_by_the_injected_clock(start_sim: StartSim) -> None:
    sim = start_sim(clock=lambda: time.time() + 3600)
    with pytest.raises(AuthError) as err:
        make_api(sim).list_page()
    assert err.value.code == "RequestExpired"
    sim.advance(10 * 86400)  # advance() moves world time, not the signature check
    assert make_api(sim, clock=lambda: time.time() + 3600).list_page().items == ()


def test_missing_authorization_over_http(sim: SimServer) -> None:
    reply = wire.send(sim.url, "GET", "/v1/peerconn", "", [("Host", wire.host_of(sim.url))])
    assert _code(reply) == (400, "InvalidHTTPAuthHeader")


def test_the_client_is_refused_with_wrong_keys(sim: SimServer) -> None:
    from reconciler.client import Credentials, PeerConnApi
    api = PeerConnApi(Credentials("AKSIMMAIN000001", "not-the-secret"), sim.url)
    with pytest.raises(AuthError) as err:
        api.list_page()
    assert err.value.code == "SignatureDoesNotMatch"
    assert sim.stats()["by_outcome"] == {"400": 1}
