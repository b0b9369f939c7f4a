"""Raw HTTP for wire-level tests: exact request lines, headers and bodies, signed on demand.

Signing here uses the client's signing module, which is allowed in tests only: the simulator's
own verifier is pinned separately by the reference vectors (test_auth.py).
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.client import signing


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def host_of(url: str) -> str:
    return urlsplit(url).netloc


def query_params(raw_query: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for part in filter(None, raw_query.split("&")):
        key, eq, value = part.partition("=")
        out.append((key, value if eq else None))
    return out


def sign(ak: str, sk: str, method: str, path: str, raw_query: str, headers: dict[str, str], *,
         when: float | None = None, names: list[str] | None = None, expiration: int = 1800) -> str:
    stamp = signing.format_timestamp(time.time() if when is None else when)
    return signing.authorization(access_key=ak, secret_key=sk, method=method, path=path,
                                 params=query_params(raw_query), headers=headers, timestamp=stamp,
                                 expiration=expiration, headers_to_sign=names)


def send(url: str, method: str, path: str, raw_query: str = "", headers: list[tuple[str, str]] | None = None,
         body: bytes = b"") -> Reply:
    """Send exactly these headers (no Host/Accept-Encoding added) and read the reply."""
    conn = http.client.HTTPConnection(host_of(url), timeout=5)
    try:
        conn.putrequest(method, path + (f"?{raw_query}" if raw_query else ""), skip_host=True,
                        skip_accept_encoding=True)
        for name, value in headers or []:
            conn.putheader(name, value)
        conn.endheaders(body or None)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def python_sdk_headers(url: str, body: bytes, when: float) -> dict[str, str]:
    """The headers bce-sdk-python 0.9.79 sends, before Authorization (reference §5)."""
    return {"Accept": "*/*", "Content-Type": "application/json;charset=utf-8",
            "User-Agent": "bce-sdk-python/0.9.79", "Host": host_of(url),
            "Content-Length": str(len(body)), "x-bce-date": signing.format_timestamp(when)}


def signed_send(url: str, ak: str, sk: str, method: str, path: str, raw_query: str = "",
                body: bytes = b"", *, when: float | None = None, names: list[str] | None = None,
                expiration: int = 1800) -> Reply:
    when = time.time() if when is None else when
    headers = python_sdk_headers(url, body, when)
    headers["Authorization"] = sign(ak, sk, method, path, raw_query, headers, when=when, names=names,
                                    expiration=expiration)
    return send(url, method, path, raw_query, list(headers.items()), body)
