"""One signed HTTP exchange with the BCE endpoint: build headers, sign, send, classify.

Owns: the headers we send (the Python SDK's set: Host, Content-Type, Content-Length,
x-bce-date, Authorization), signing each attempt afresh, the per-request timeout, the HTTP
session with its connection pool, and turning a failed exchange into an ``ApiError``. Must not
retry, choose client tokens or decode successful bodies (``api.py`` and ``codec.py`` do).
``requests`` types do not leave this module (and ``errors.py``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from reconciler.client import errors, httplog, signing
from reconciler.client.config import Credentials

CONTENT_TYPE = "application/json;charset=utf-8"
POOL_SIZE = 32
DEFAULT_PORTS = {"http": 80, "https": 443}
Timeout = float | tuple[float, float]
Params = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class Reply:
    """A 2xx response: what the decoders need, nothing from ``requests``."""

    status: int
    body: bytes
    request_id: str | None

    def json(self) -> Any:
        """The parsed body; None when it is empty. Raises ValueError when it is not JSON."""
        if not self.body.strip():
            return None
        return json.loads(self.body.decode("utf-8"))


def host_header(endpoint: str) -> str:
    """``host[:port]`` as it must be signed: the port only when it is not the default."""
    parts = urlsplit(endpoint)
    netloc = parts.netloc.rpartition("@")[2]
    if parts.port is not None and parts.port == DEFAULT_PORTS.get(parts.scheme):
        netloc = netloc.rsplit(":", 1)[0]
    return netloc


def new_session(pool_size: int = POOL_SIZE) -> requests.Session:
    """A session whose pool serves a thread pool, with urllib3's own retries off.

    ``trust_env`` is off: requests would otherwise, on every request, scan the environment
    for proxies twice and read ``~/.netrc`` — and a netrc entry for the host (or a
    ``default`` one) would replace our signed ``Authorization`` with Basic auth, sending
    those credentials to BCE. The environment's proxy and CA settings are read once per
    endpoint instead (``environment_settings``)."""
    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def environment_settings(endpoint: str) -> dict[str, Any]:
    """What ``requests`` takes from the environment for ``endpoint``, read once: the proxies
    (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` unless ``NO_PROXY`` covers the host) and
    the CA bundle (``REQUESTS_CA_BUNDLE``, then ``CURL_CA_BUNDLE``). Never ``.netrc``."""
    proxies = requests.utils.get_environ_proxies(endpoint)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return {"proxies": proxies, "verify": bundle or True}


class SignedTransport:
    """Sends one request per ``send`` call; thread-safe as long as the session is."""

    def __init__(
        self,
        credentials: Credentials,
        endpoint: str,
        *,
        session: requests.Session,
        clock: Callable[[], float],
        timeout: Timeout,
        user_agent: str,
    ):
        self._credentials = credentials
        self._base = endpoint.rstrip("/")
        self._host = host_header(self._base)
        self._session = session
        self._clock = clock
        self._timeout = timeout
        self._user_agent = user_agent
        self._settings = environment_settings(self._base)

    def __repr__(self) -> str:
        return f"SignedTransport(endpoint={self._base!r})"

    def headers(self, method: str, path: str, params: Params, body: bytes) -> dict[str, str]:
        """The full header set for one attempt, signed with a fresh x-bce-date."""
        stamp = signing.format_timestamp(self._clock())
        headers = {
            "Host": self._host,
            "Content-Type": CONTENT_TYPE,
            "Content-Length": str(len(body)),
            "x-bce-date": stamp,
        }
        headers["Authorization"] = signing.authorization(
            access_key=self._credentials.access_key,
            secret_key=self._credentials.secret_key,
            method=method,
            path=path,
            params=params,
            headers=headers,
            timestamp=stamp,
        )
        # Unsigned, and deliberately added after signing so a signer never sees them.
        headers["Accept"] = "application/json"
        headers["User-Agent"] = self._user_agent
        return headers

    def send(
        self, operation: str, method: str, path: str, params: Params, body: bytes, attempt: int
    ) -> Reply:
        """One attempt. Raises the mapped ``ApiError`` for a failure of any kind."""
        query = signing.canonical_query(params)
        target = f"{signing.canonical_uri(path)}?{query}" if query else signing.canonical_uri(path)
        headers = self.headers(method, path, params, body)
        httplog.log_request(operation, method, target, headers, attempt)
        started = time.perf_counter()
        try:
            response = self._exchange(method, target, headers, body)
        except requests.RequestException as exc:
            httplog.log_response(
                operation,
                method,
                target,
                status=None,
                request_id=None,
                attempt=attempt,
                elapsed=time.perf_counter() - started,
            )
            # Not chained: the scrubbed text is in our message, and a chained requests
            # exception would print its raw text (and carries the signed request).
            raise errors.error_from_exception(
                exc, operation=operation, secrets=self._credentials.secrets
            ) from None
        status, content, response_headers = response
        request_id = response_headers.get("x-bce-request-id") or None
        httplog.log_response(
            operation,
            method,
            target,
            status=status,
            request_id=request_id,
            attempt=attempt,
            elapsed=time.perf_counter() - started,
        )
        if not 200 <= status < 300:
            raise errors.error_from_response(
                status=status,
                body=content,
                headers=response_headers,
                operation=operation,
                now=self._clock(),
                secrets=self._credentials.secrets,
            )
        return Reply(status=status, body=content, request_id=request_id)

    def _exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, Mapping[str, str]]:
        # Reading the body happens inside the caller's try: a truncated body is a
        # network failure (ChunkedEncodingError), not a server answer. No redirects: a 3xx
        # would re-send credentials somewhere we did not choose.
        response = self._session.request(
            method,
            self._base + target,
            data=body or None,
            headers=headers,
            timeout=self._timeout,
            allow_redirects=False,
            **self._settings,
        )
        with response:
            return response.status_code, response.content, response.headers
