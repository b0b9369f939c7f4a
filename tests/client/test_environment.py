"""What the client takes from the process environment: proxies and CA bundle, never ``.netrc``.

requests, left to itself, reads ``~/.netrc`` on every request and, when an entry matches the
host (or a ``default`` entry exists), replaces the request's ``Authorization`` header with
Basic auth: our signature would be gone and the netrc password sent to BCE. The client turns
that off and reads the proxy and CA settings once per endpoint instead.
"""

from __future__ import annotations

import base64

import responses

from reconciler.client.transport import environment_settings
from tests.client.conftest import ENDPOINT

LIST_URL = f"{ENDPOINT}/v1/peerconn"


def test_a_netrc_default_entry_never_replaces_the_signature(rsps, make_api, tmp_path,
                                                          monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text("default login someone password hunter2\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    rsps.add(responses.GET, LIST_URL, json={"peerConns": [], "isTruncated": False})
    make_api().list_page(vpc_id="vpc-app01")
    sent = rsps.calls[0].request.headers["Authorization"]
    assert sent.startswith("bce-auth-v1/")
    assert base64.b64encode(b"someone:hunter2").decode() not in sent


def test_proxies_come_from_the_environment_unless_no_proxy_covers_the_host(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert environment_settings(ENDPOINT)["proxies"] == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    assert environment_settings(ENDPOINT)["proxies"]["https"] == "http://proxy.corp.example:3128"
    monkeypatch.setenv("NO_PROXY", ".baidubce.com")
    assert environment_settings(ENDPOINT)["proxies"] == {}


def test_a_ca_bundle_from_the_environment_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert environment_settings(ENDPOINT)["verify"] is True
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "curl.pem"))
    assert environment_settings(ENDPOINT)["verify"] == str(tmp_path / "curl.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "corp.pem"))
    assert environment_settings(ENDPOINT)["verify"] == str(tmp_path / "corp.pem")
