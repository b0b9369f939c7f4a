"""Retry policy: what is retried, how long we wait, and that a retry is the same request."""

from __future__ import annotations

import random
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from reconciler import model
from reconciler.client import RetryPolicy, signing
from reconciler.client.retry import call_with_retries
from reconciler.errors import (
    AuthError,
    ConflictError,
    NetworkError,
    NotFoundError,
    QuotaError,
    ServerError,
    ThrottledError,
    ValidationError,
)

from .conftest import AK, ENDPOINT, SK, FakeTime

CONN_URL = f"{ENDPOINT}/v1/peerconn/peerconn-abc123"
CREATE_URL = f"{ENDPOINT}/v1/peerconn"
FAST = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=8.0, retry_after_cap=60, deadline=1000)


def fail(rsps, method, url, status, times, **kwargs):
    for _ in range(times):
        rsps.add(method, url, status=status, **kwargs)


def create(api, **kwargs):
    return api.create(
        bandwidth_in_mbps=10,
        local_vpc_id="vpc-a",
        peer_vpc_id="vpc-b",
        peer_region="bj",
        billing=model.Billing(),
        **kwargs,
    )


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 500}, id="500"),
        pytest.param({"status": 502}, id="502"),
        pytest.param({"status": 503}, id="503"),
        pytest.param({"status": 504}, id="504"),
        pytest.param({"status": 429}, id="429-throttled"),
        pytest.param({"status": 400, "json": {"code": "Throttling"}}, id="throttling-code"),
        pytest.param({"body": requests.exceptions.ConnectionError("reset")}, id="connection"),
        pytest.param({"body": requests.exceptions.ReadTimeout("slow")}, id="timeout"),
    ],
)
def test_transient_failures_are_retried_until_success(rsps, make_api, fake_time, failure):
    for _ in range(2):
        rsps.add(responses.DELETE, CONN_URL, **failure)
    rsps.add(responses.DELETE, CONN_URL, status=200)
    api = make_api(retry=FAST)
    api.delete("peerconn-abc123")
    assert len(rsps.calls) == 3
    assert api.calls["delete"] == 3
    assert fake_time.sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        pytest.param(400, "InvalidParameter", ValidationError, id="validation"),
        pytest.param(403, "AccessDenied", AuthError, id="auth"),
        pytest.param(400, "RequestExpired", AuthError, id="request-expired"),
        pytest.param(404, "NoSuchObject", NotFoundError, id="not-found"),
        pytest.param(409, "Conflict", ConflictError, id="conflict"),
        pytest.param(400, "QuotaExceeded", QuotaError, id="quota"),
        pytest.param(501, "NotImplemented", ServerError, id="501"),
    ],
)
def test_final_failures_are_not_retried(rsps, make_api, fake_time, status, code, expected):
    rsps.add(responses.DELETE, CONN_URL, status=status, json={"code": code, "message": "m"})
    with pytest.raises(expected):
        make_api(retry=FAST).delete("peerconn-abc123")
    assert len(rsps.calls) == 1
    assert fake_time.sleeps == []


def test_gives_up_after_max_attempts_with_the_last_error(rsps, make_api, fake_time):
    fail(rsps, responses.GET, CONN_URL, 503, 5, json={"code": "Busy", "message": "b"})
    with pytest.raises(ServerError) as info:
        make_api(retry=FAST).get("peerconn-abc123")
    assert len(rsps.calls) == 5
    assert info.value.code == "Busy"
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_backoff_is_capped_exponential_with_full_jitter(fake_time):
    policy = RetryPolicy(base_delay=0.3, max_delay=20.0)
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(20.0, 0.3 * 2 ** (attempt - 1))
        delays = [policy.backoff(attempt, rng) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spans the range, not a fixed point


def test_same_client_token_and_body_on_every_attempt(rsps, make_api):
    tokens = iter(["tok-1", "tok-2"])
    fail(rsps, responses.POST, CREATE_URL, 503, 2)
    rsps.add(responses.POST, CREATE_URL, json={"peerConnId": "peerconn-new"})
    api = make_api(retry=FAST, token_factory=lambda: next(tokens))
    assert create(api) == "peerconn-new"
    sent = [call.request for call in rsps.calls]
    assert [parse_qs(urlsplit(r.url).query)["clientToken"] for r in sent] == [["tok-1"]] * 3
    assert len({r.body for r in sent}) == 1


def test_explicit_client_token_is_reused_on_retries(rsps, make_api):
    fail(rsps, responses.PUT, CONN_URL, 500, 1)
    rsps.add(responses.PUT, CONN_URL, status=200)
    make_api(retry=FAST).accept("peerconn-abc123", client_token="tok-accept")
    queries = [urlsplit(call.request.url).query for call in rsps.calls]
    assert queries == ["accept=&clientToken=tok-accept"] * 2


def test_a_new_call_gets_a_new_generated_token(rsps, make_api):
    rsps.add(responses.DELETE, CONN_URL, status=200)
    api = make_api()
    api.delete("peerconn-abc123")
    api.delete("peerconn-abc123")
    first, second = (parse_qs(urlsplit(c.request.url).query)["clientToken"] for c in rsps.calls)
    assert first != second
    assert len(first[0]) == 36  # uuid4 text form


def test_each_attempt_is_signed_afresh_with_the_current_date(rsps, make_api):
    fail(rsps, responses.GET, CONN_URL, 503, 2)
    rsps.add(responses.GET, CONN_URL, status=200, json={"peerConnId": "peerconn-abc123"})
    make_api(retry=RetryPolicy(base_delay=5.0)).get("peerconn-abc123")
    sent = [call.request for call in rsps.calls]
    dates = [r.headers["x-bce-date"] for r in sent]
    assert len(set(dates)) == 3
    for request in sent:
        auth = request.headers["Authorization"]
        assert auth.split("/")[2] == request.headers["x-bce-date"]
        assert auth == signing.authorization(
            access_key=AK,
            secret_key=SK,
            method="GET",
            path="/v1/peerconn/peerconn-abc123",
            params={},
            headers=dict(request.headers),
            timestamp=request.headers["x-bce-date"],
        )


def test_retry_after_is_honoured(rsps, make_api, fake_time):
    rsps.add(responses.GET, CONN_URL, status=429, headers={"Retry-After": "7"})
    rsps.add(responses.GET, CONN_URL, status=200, json={"peerConnId": "peerconn-abc123"})
    make_api(retry=FAST).get("peerconn-abc123")
    assert fake_time.sleeps == [7.0]


def test_retry_after_is_capped(rsps, make_api, fake_time):
    rsps.add(responses.GET, CONN_URL, status=503, headers={"Retry-After": "3600"})
    rsps.add(responses.GET, CONN_URL, status=200, json={"peerConnId": "peerconn-abc123"})
    policy = RetryPolicy(retry_after_cap=30.0, deadline=100.0)
    make_api(retry=policy).get("peerconn-abc123")
    assert fake_time.sleeps == [30.0]


def test_no_retry_starts_that_would_end_past_the_deadline(rsps, make_api, fake_time):
    fail(rsps, responses.GET, CONN_URL, 503, 10)
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=100.0, deadline=5.0)
    with pytest.raises(ServerError):
        make_api(retry=policy).get("peerconn-abc123")
    # 1 + 2 = 3s slept; the next pause (4s) would end at 7s > 5s.
    assert fake_time.sleeps == [1.0, 2.0]
    assert len(rsps.calls) == 3


def test_deadline_counts_time_spent_in_attempts():
    clock = FakeTime(start=0)
    attempts = []

    def slow_attempt(number: int) -> None:
        attempts.append(number)
        clock.now += 10  # each attempt takes 10s (e.g. a read timeout)
        raise NetworkError("timed out", operation="get")

    policy = RetryPolicy(max_attempts=10, base_delay=0.0, deadline=25.0)
    with pytest.raises(NetworkError):
        call_with_retries(
            slow_attempt, policy=policy, clock=clock.clock, sleep=clock.sleep, rng=random.Random()
        )
    assert attempts == [1, 2, 3]


def test_throttled_error_without_retry_after_uses_backoff(rsps, make_api, fake_time):
    rsps.add(responses.GET, CONN_URL, status=429)
    rsps.add(responses.GET, CONN_URL, status=200, json={"peerConnId": "peerconn-abc123"})
    make_api(retry=FAST).get("peerconn-abc123")
    assert fake_time.sleeps == [1.0]


def test_exhausted_throttling_surfaces_as_throttled_error(rsps, make_api):
    fail(rsps, responses.GET, CONN_URL, 429, 5)
    with pytest.raises(ThrottledError):
        make_api(retry=FAST).get("peerconn-abc123")


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"max_attempts": 0}, id="zero-attempts"),
        pytest.param({"base_delay": -1}, id="negative-delay"),
        pytest.param({"deadline": -1}, id="negative-deadline"),
    ],
)
def test_nonsense_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_policy_is_a_frozen_value_with_the_documented_defaults():
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.max_delay) == (5, 0.3, 20.0)
    assert (policy.retry_after_cap, policy.deadline) == (60.0, 120.0)
    with pytest.raises(AttributeError):
        policy.max_attempts = 3  # type: ignore[misc]
