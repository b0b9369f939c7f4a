"""The status/code → exception table, driven through the client over ``responses``."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from reconciler.client.errors import parse_retry_after, scrub
from reconciler.client.retry import NO_RETRY
from reconciler.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NetworkError,
    NotFoundError,
    QuotaError,
    ServerError,
    ThrottledError,
    ValidationError,
)

from .conftest import ENDPOINT, load_traces

GET_URL = f"{ENDPOINT}/v1/peerconn/peerconn-abc123"


def bce_error(code: str, message: str = "msg", request_id: str | None = "req-1") -> bytes:
    body = {"code": code, "message": message}
    if request_id is not None:
        body["requestId"] = request_id
    return json.dumps(body).encode()


def fail_get(rsps, make_api, status: int, body: bytes, headers=None) -> ApiError:
    rsps.add(responses.GET, GET_URL, status=status, body=body, headers=headers or {})
    with pytest.raises(ApiError) as info:
        make_api(retry=NO_RETRY).get("peerconn-abc123")
    return info.value


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        pytest.param(403, "InvalidAccessKeyId", AuthError, id="invalid-access-key-is-auth"),
        pytest.param(400, "SignatureDoesNotMatch", AuthError, id="bad-signature-is-auth"),
        pytest.param(400, "RequestExpired", AuthError, id="expired-request-is-auth"),
        pytest.param(403, "AccessDenied", AuthError, id="access-denied-is-auth"),
        pytest.param(400, "InvalidHTTPAuthHeader", AuthError, id="bad-auth-header-is-auth"),
        pytest.param(401, "Whatever", AuthError, id="401-is-auth"),
        pytest.param(404, "NoSuchObject", NotFoundError, id="404-nosuchobject-not-found"),
        pytest.param(400, "ResourceNotFound", NotFoundError, id="notfound-code-not-found"),
        pytest.param(400, "InstanceNotExist", NotFoundError, id="notexist-code-not-found"),
        pytest.param(
            404, "InvalidVersion", ValidationError, id="wrong-api-version-not-a-gone-conn"
        ),
        pytest.param(429, "TooManyRequests", ThrottledError, id="429-throttled"),
        pytest.param(400, "RequestThrottled", ThrottledError, id="throttle-code"),
        pytest.param(403, "RateLimitExceeded", ThrottledError, id="ratelimit-beats-limitexceeded"),
        pytest.param(500, "InternalError", ServerError, id="500-server"),
        pytest.param(503, "ServiceUnavailable", ServerError, id="503-server"),
        pytest.param(400, "PeerConnQuotaExceeded", QuotaError, id="quota-code"),
        pytest.param(400, "VpcPeerConnLimitExceeded", QuotaError, id="limit-exceeded-code"),
        pytest.param(409, "Anything", ConflictError, id="409-conflict"),
        pytest.param(412, "PreconditionFailed", ConflictError, id="412-conflict"),
        pytest.param(400, "PeerConnStatusNotSupport", ConflictError, id="status-code-conflict"),
        pytest.param(400, "InvalidState", ConflictError, id="state-code-conflict"),
        pytest.param(400, "PeerConnAlreadyExist", ConflictError, id="exists-code-conflict"),
        pytest.param(400, "DeleteProtectEnabled", ConflictError, id="protect-code-conflict"),
        pytest.param(400, "InvalidParameter", ValidationError, id="other-400-validation"),
        pytest.param(403, "QualifyNotPass", AuthError, id="unverified-account-auth"),
        pytest.param(418, "Teapot", ValidationError, id="other-4xx-validation"),
    ],
)
def test_status_and_code_map_to_the_error_tree(rsps, make_api, status, code, expected):
    error = fail_get(rsps, make_api, status, bce_error(code, "it failed", "req-9"))
    assert type(error) is expected
    assert (error.status, error.code, error.request_id) == (status, code, "req-9")
    assert error.message == "it failed"
    assert error.operation == "get"
    assert str(error) == f"get HTTP {status} {code}: it failed (request id req-9)"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(400, ValidationError, id="400"),
        pytest.param(401, AuthError, id="401"),
        pytest.param(403, AuthError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(409, ConflictError, id="409"),
        pytest.param(429, ThrottledError, id="429"),
        pytest.param(502, ServerError, id="502"),
    ],
)
def test_empty_error_body_maps_by_status_with_request_id_from_header(
    rsps, make_api, status, expected
):
    error = fail_get(rsps, make_api, status, b"", {"x-bce-request-id": "hdr-req"})
    assert type(error) is expected
    assert error.code is None
    assert error.request_id == "hdr-req"
    assert f"HTTP {status}" in error.message


def test_non_json_error_body_is_classified_by_status(rsps, make_api):
    error = fail_get(rsps, make_api, 400, b"<html>oops</html>", {"x-bce-request-id": "r"})
    assert type(error) is ValidationError
    assert "unparseable" in error.message
    assert "<html>" not in str(error)


def test_json_body_without_request_id_falls_back_to_the_header(rsps, make_api):
    error = fail_get(
        rsps,
        make_api,
        400,
        bce_error("InvalidParameter", request_id=None),
        {"x-bce-request-id": "from-header"},
    )
    assert (type(error), error.code, error.request_id) == (
        ValidationError,
        "InvalidParameter",
        "from-header",
    )


def test_missing_request_id_everywhere_is_none(rsps, make_api):
    error = fail_get(rsps, make_api, 404, bce_error("NoSuchObject", request_id=None))
    assert error.request_id is None
    assert "request id" not in str(error)


def test_json_that_is_not_an_object_is_treated_as_no_body(rsps, make_api):
    error = fail_get(rsps, make_api, 409, b"[1, 2]")
    assert type(error) is ConflictError and error.code is None


SDK_ERROR_TRACES = [
    t for t in load_traces() if t["label"].startswith("error") and t["exception"]["code"]
]
EXPECTED_FOR_SDK_CODE = {
    "InvalidParameter": ValidationError,
    "NoSuchObject": NotFoundError,
    "InternalError": ServerError,
    "ServiceUnavailable": ServerError,
    "TooManyRequests": ThrottledError,
    "RequestExpired": AuthError,
}


@pytest.mark.parametrize("trace", SDK_ERROR_TRACES, ids=lambda t: t["label"])
def test_the_errors_the_sdk_saw_map_to_our_tree(rsps, make_api, trace):
    exc = trace["exception"]
    body = bce_error(exc["code"], exc["last_error_message"], exc["request_id"])
    error = fail_get(rsps, make_api, exc["status_code"], body)
    assert type(error) is EXPECTED_FOR_SDK_CODE[exc["code"]]
    assert (error.code, error.request_id) == (exc["code"], exc["request_id"])


@pytest.mark.parametrize(
    ("exception", "retryable"),
    [
        pytest.param(requests.exceptions.ConnectionError("refused"), True, id="connection"),
        pytest.param(requests.exceptions.ReadTimeout("slow"), True, id="read-timeout"),
        pytest.param(requests.exceptions.ConnectTimeout("slow"), True, id="connect-timeout"),
        pytest.param(requests.exceptions.ChunkedEncodingError("cut"), True, id="truncated-body"),
        pytest.param(requests.exceptions.SSLError("bad cert"), False, id="tls-failure-final"),
        pytest.param(requests.exceptions.InvalidHeader("x"), False, id="other-request-error"),
    ],
)
def test_transport_failures_are_network_errors(rsps, make_api, exception, retryable):
    rsps.add(responses.GET, GET_URL, body=exception)
    with pytest.raises(NetworkError) as info:
        make_api(retry=NO_RETRY).get("peerconn-abc123")
    assert info.value.retryable is retryable
    assert type(exception).__name__ in str(info.value)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (504, True), (501, False), (505, False)],
)
def test_only_500_502_503_504_server_errors_are_retryable(rsps, make_api, status, retryable):
    error = fail_get(rsps, make_api, status, b"")
    assert type(error) is ServerError
    assert error.retryable is retryable


def test_retry_after_seconds_is_parsed_onto_the_error(rsps, make_api):
    error = fail_get(rsps, make_api, 429, bce_error("Throttling"), {"Retry-After": "7"})
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("3", 3.0, id="seconds"),
        pytest.param("1.5", 1.5, id="fractional"),
        pytest.param("-4", 0.0, id="negative-clamped"),
        pytest.param("Thu, 01 Jan 1970 00:01:40 GMT", 40.0, id="http-date-relative-to-now"),
        pytest.param("Thu, 01 Jan 1970 00:00:10 GMT", 0.0, id="http-date-in-the-past"),
        pytest.param("soon", None, id="garbage"),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=60.0) == expected


def test_scrub_removes_auth_strings_signatures_and_given_secrets():
    sig = "ab" * 32
    text = f"bad auth bce-auth-v1/AKX/2024-01-01T00:00:00Z/1800//{sig} for AKX key {sig} SKY"
    cleaned = scrub(text, ("AKX", "SKY"))
    assert "AKX" not in cleaned and "SKY" not in cleaned and sig not in cleaned


def test_scrub_caps_long_messages():
    assert len(scrub("x" * 5000)) == 300


def test_server_message_echoing_credentials_is_scrubbed(rsps, make_api):
    echo = "key AKIDEXAMPLE with bce-auth-v1/AKIDEXAMPLE/x/1800//" + "0" * 64
    error = fail_get(rsps, make_api, 403, bce_error("AccessDenied", echo))
    assert "AKIDEXAMPLE" not in str(error)
    assert "0" * 64 not in str(error)
