"""What the client logs about HTTP traffic, and the redaction every logged header goes through.

Owns: the ``peerconn.http`` logger, ``redact()`` and the request/response DEBUG lines (method,
path and query, status, request id, attempt, elapsed). Must never log the secret key, the
signing key, a signature or an Authorization value, at any level; bodies are not logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

log = logging.getLogger("peerconn.http")

REDACTED = "<redacted>"
# Any header that authenticates a request; the auth string also carries the access key.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-bce-security-token", "cookie", "set-cookie"}
)


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: credentials-bearing values replaced."""
    return {
        name: (REDACTED if name.lower() in SENSITIVE_HEADERS else str(value))
        for name, value in headers.items()
    }


def log_request(
    operation: str, method: str, target: str, headers: Mapping[str, str], attempt: int
) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "-> %s %s %s attempt=%d headers=%s",
            operation,
            method,
            target,
            attempt,
            redact(headers),
        )


def log_response(
    operation: str,
    method: str,
    target: str,
    *,
    status: int | None,
    request_id: str | None,
    attempt: int,
    elapsed: float,
) -> None:
    log.debug(
        "<- %s %s %s status=%s request_id=%s attempt=%d elapsed=%.3fs",
        operation,
        method,
        target,
        status if status is not None else "no-response",
        request_id or "-",
        attempt,
        elapsed,
    )
