"""One API operation, sent: the retry loop around a signed exchange, counted, then decoded.

Owns what every per-kind API module (``api.PeerConnApi``, ``vpc.VpcApi``) shares: the
thread-safe ``CallCounter`` (requests per operation, every attempt counted, as the server sees
them), serialising a body once so every attempt sends the same bytes, running the attempts
through ``retry.call_with_retries``, turning an undecodable 2xx body into
``MalformedResponse``, and the small query/path/token helpers (a caller's ``clientToken``
is checked here, the same rule for every module). Must not know any operation's path, query
or body (the API modules do), choose client tokens, or import ``requests`` (the transport is
handed in).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from reconciler import model
from reconciler.client.errors import malformed_response
from reconciler.client.retry import RetryPolicy, call_with_retries
from reconciler.client.transport import Params, Reply, SignedTransport

T = TypeVar("T")
MAX_TOKEN_LENGTH = 64


class CallCounter(Counter[str]):
    """Requests sent per operation (every attempt counts, as the server sees them)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def increment(self, operation: str) -> None:
        # Counter's ``+=`` is a read-modify-write; the executor calls from many threads.
        with self._lock:
            self[operation] += 1


class Caller:
    """Sends operations of one account at one endpoint; shared by the API modules."""

    def __init__(
        self,
        transport: SignedTransport,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.calls = CallCounter()
        self._transport = transport
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()

    def call(
        self, operation: str, method: str, path: str, params: Params, body: Any = None
    ) -> Reply:
        """Every attempt of one operation; raises the last ``ApiError`` when they all fail."""
        # Serialised once with the SDK's separators, so every attempt sends the same bytes.
        payload = b"" if body is None else json.dumps(body).encode("utf-8")

        def attempt(number: int) -> Reply:
            self.calls.increment(operation)
            return self._transport.send(operation, method, path, params, payload, number)

        return call_with_retries(
            attempt, policy=self._retry, clock=self._clock, sleep=self._sleep, rng=self._rng
        )

    @staticmethod
    def decode(operation: str, reply: Reply, decoder: Callable[[Any], T]) -> T:
        """``decoder(body)``; a body it refuses is ``ServerError(MalformedResponse)``, not retried."""
        try:
            return decoder(reply.json())
        except (ValueError, TypeError) as exc:
            raise malformed_response(
                status=reply.status,
                operation=operation,
                request_id=reply.request_id,
                what=str(exc)[:200],
            ) from None


def present(**params: Any) -> dict[str, str | None]:
    """Query parameters that were given; values as strings (a bool as Python writes it)."""
    return {key: str(value) for key, value in params.items() if value is not None}


def path_segment(value: str, what: str) -> str:
    """An id that is safe as one path segment, or ``ValueError`` before anything is sent."""
    if not value or "/" in value or value in (".", ".."):
        raise ValueError(f"not a {what}: {value!r}")
    return value


def checked_token(token: str) -> str:
    """A caller's ``clientToken`` (reference: 1-64 ASCII characters), or ``ValueError``."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise ValueError(f"clientToken must be 1-{MAX_TOKEN_LENGTH} ASCII characters")
    return token


def every_page(operation: str, fetch: Callable[[str | None], model.Page[T]]) -> Iterator[T]:
    """Every item of a marker-paged list: ``fetch(marker)`` answers one page. A truncated page
    without a new marker is an error, not the end: a short list would let a planner create
    what exists, or miss what it must delete."""
    marker: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(marker)
        yield from page.items
        next_marker = page.next_marker
        if not page.is_truncated:
            return
        if not next_marker or next_marker in seen:
            raise malformed_response(status=200, operation=operation, request_id=None,
                                     what="truncated page without a new nextMarker")
        seen.add(next_marker)
        marker = next_marker
