"""Canary credentials: at DEBUG, nothing the client logs, prints or raises may reveal them.

Covers the access key, the secret key, every signing key derived from them, every signature
and every Authorization value that went on the wire.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
import traceback

import pytest
import requests
import responses

from reconciler import model
from reconciler.client import Credentials, RetryPolicy, load_credentials
from reconciler.client.httplog import redact
from reconciler.errors import ApiError, ConfigError

from .conftest import ENDPOINT

CANARY_AK = "AKCANARYb3c1a9d7e5"
CANARY_SK = "SKCANARYf00dfeed42"
ANY = re.compile(re.escape(ENDPOINT) + r"/v1/peerconn.*")


def wire_secrets(calls) -> set[str]:
    """Authorization values, signatures and signing keys of everything sent."""
    found = set()
    for call in calls:
        auth = call.request.headers["Authorization"]
        prefix, _, signature = auth.rpartition("/")
        prefix = prefix.rpartition("/")[0]
        key = hmac.new(CANARY_SK.encode(), prefix.encode(), hashlib.sha256).hexdigest()
        found |= {auth, signature, key}
    return found


def exercise(api, rsps) -> list[BaseException]:
    """A run with successes, retries, server errors echoing secrets and network failures."""
    echo = f"AccessKey {CANARY_AK} bad, got bce-auth-v1/{CANARY_AK}/x/1800//{'a' * 64}"
    rsps.add(responses.POST, ANY, status=503)
    rsps.add(responses.POST, ANY, json={"peerConnId": "peerconn-1"})
    rsps.add(
        responses.GET,
        ANY,
        status=403,
        json={"code": "InvalidAccessKeyId", "message": echo, "requestId": "r"},
    )
    rsps.add(responses.PUT, ANY, body=requests.exceptions.ConnectionError(f"reset {CANARY_AK}"))
    rsps.add(responses.DELETE, ANY, status=400, body=f"not json {CANARY_SK}".encode())
    api.create(
        bandwidth_in_mbps=10,
        local_vpc_id="vpc-a",
        peer_vpc_id="vpc-b",
        peer_region="bj",
        billing=model.Billing(),
    )
    raised: list[BaseException] = []
    for call in (
        lambda: api.get("peerconn-1"),
        lambda: api.accept("peerconn-1"),
        lambda: api.delete("peerconn-1"),
    ):
        try:
            call()
        except ApiError as exc:
            raised.append(exc)
    return raised


def test_canary_credentials_never_leak(rsps, make_api, caplog, capsys, tmp_path):
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        creds = Credentials(CANARY_AK, CANARY_SK, "bj")
        api = make_api(credentials=creds, retry=RetryPolicy(max_attempts=2))
        raised = exercise(api, rsps)
        bad_file = tmp_path / "creds"
        bad_file.write_text(f"[default]\naccess_key={CANARY_AK}\nsecret_key={CANARY_SK}\n")
        bad_file.chmod(0o644)
        with pytest.raises(ConfigError) as config_error:
            load_credentials(profile=None, env={}, credentials_file=bad_file)
        raised.append(config_error.value)
    finally:
        root.removeHandler(handler)

    assert len(raised) == 4 and len(rsps.calls) == 6  # create and accept retried once
    captured = capsys.readouterr()
    shown = [caplog.text, captured.out, captured.err, repr(api), repr(creds), str(creds)]
    for exc in raised:
        shown += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    assert "peerconn.http" in {r.name for r in caplog.records}
    assert any("status=403" in r.getMessage() for r in caplog.records)
    everything = "\n".join(shown)
    for secret in {CANARY_AK, CANARY_SK} | wire_secrets(rsps.calls):
        assert secret not in everything


def test_redact_hides_every_authenticating_header():
    headers = {
        "Authorization": "bce-auth-v1/AK/...",
        "x-bce-security-token": "t",
        "Host": "h",
        "x-bce-date": "d",
    }
    assert redact(headers) == {
        "Authorization": "<redacted>",
        "x-bce-security-token": "<redacted>",
        "Host": "h",
        "x-bce-date": "d",
    }


def test_debug_lines_name_method_path_status_request_id_attempt_and_elapsed(rsps, make_api, caplog):
    caplog.set_level(logging.DEBUG, logger="peerconn.http")
    rsps.add(responses.GET, ANY, json={"peerConnId": "p"}, headers={"x-bce-request-id": "rid-7"})
    make_api().get("p", role="acceptor")
    request_line, response_line = (r.getMessage() for r in caplog.records)
    assert request_line.startswith("-> get GET /v1/peerconn/p?role=acceptor attempt=1")
    assert "'Authorization': '<redacted>'" in request_line
    assert re.match(
        r"<- get GET /v1/peerconn/p\?role=acceptor status=200 request_id=rid-7 attempt=1 "
        r"elapsed=\d+\.\d{3}s$",
        response_line,
    )
