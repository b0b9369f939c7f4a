"""The one place that turns a failed BCE call into an exception of ``reconciler.errors``.

Owns: parsing BCE error bodies (``{code, message, requestId}``, also empty, non-JSON or
incomplete ones), the status/code → exception table below, ``Retry-After`` parsing, turning
``requests`` exceptions into ``NetworkError``, and scrubbing secrets out of messages. Must not
send requests, sleep or decide about retries (``retry.py`` does, from ``error.retryable``).

Mapping, first matching row wins (``code`` is BCE's error code, compared case-insensitively):

    ===  ===================================================================  ===============
     #   condition                                                             exception
    ===  ===================================================================  ===============
     1   ``requests`` ConnectionError / Timeout / ChunkedEncodingError / ...   NetworkError
     2   status 429, or code contains Throttl / RateLimit / TooManyRequests    ThrottledError
     3   code is InvalidAccessKeyId, SignatureDoesNotMatch, RequestExpired,    AuthError
         AccessDenied, InvalidHTTPAuthHeader, OptInRequired, QualifyNotPass
     4   status >= 500                                                         ServerError
     5   code is InvalidURI / InvalidVersion (a wrong endpoint, not a gone     ValidationError
         connection)
     6   status 404, or code NoSuchObject or containing NotFound / NotExist    NotFoundError
     7   code contains Quota / LimitExceeded                                   QuotaError
     8   status 409 / 412, or code contains Status / State / Conflict /        ConflictError
         Exist / Protect / PreconditionFailed
     9   status 401 / 403                                                      AuthError
    10   any other 4xx (and anything else unexpected)                          ValidationError
    ===  ===================================================================  ===============

A 2xx GET with an empty body is ``NotFoundError`` (reference §1.5); that rule lives in the
decoder because it depends on the operation. ``ServerError`` is retryable only for 500, 502,
503 and 504; ``ThrottledError`` and ``NetworkError`` always. The request id comes from the
body's ``requestId``, else the ``x-bce-request-id`` response header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from email.utils import parsedate_to_datetime

import requests

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

RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
AUTH_CODES = frozenset(
    code.lower()
    for code in (
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "RequestExpired",
        "AccessDenied",
        "InvalidHTTPAuthHeader",
        "OptInRequired",
        "QualifyNotPass",
    )
)
ENDPOINT_CODES = frozenset({"invaliduri", "invalidversion"})
THROTTLE_MARKS = ("throttl", "ratelimit", "toomanyrequests")
NOT_FOUND_MARKS = ("nosuchobject", "notfound", "notexist")
QUOTA_MARKS = ("quota", "limitexceeded")
CONFLICT_MARKS = ("status", "state", "conflict", "exist", "protect", "preconditionfailed")
MAX_MESSAGE = 300
TRANSIENT_EXCEPTIONS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

_AUTH_STRING = re.compile(r"bce-auth-v1/\S*", re.IGNORECASE)
_HEX_DIGEST = re.compile(r"\b[0-9a-fA-F]{64}\b")


def scrub(text: str, secrets: Collection[str] = ()) -> str:
    """Remove auth strings, signatures and the given secret values; cap the length.

    Servers may echo a request's Authorization or access key in a message, and a message
    ends up in logs and on the terminal.
    """
    text = _AUTH_STRING.sub("bce-auth-v1/<redacted>", text)
    text = _HEX_DIGEST.sub("<redacted>", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _error_body(body: bytes) -> tuple[str | None, str | None, str | None]:
    """(code, message, requestId) from a BCE error body; Nones for whatever is missing."""
    try:
        data = json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None

    def text(key: str) -> str | None:
        value = data.get(key)
        return str(value) if value not in (None, "") else None

    return text("code"), text("message"), text("requestId")


def _has(code: str, marks: tuple[str, ...]) -> bool:
    return any(mark in code for mark in marks)


def classify(status: int, code: str | None) -> type[ApiError]:
    """Rows 2-10 of the module table."""
    low = (code or "").lower()
    if status == 429 or _has(low, THROTTLE_MARKS):
        return ThrottledError
    if low in AUTH_CODES:
        return AuthError
    if status >= 500:
        return ServerError
    if low in ENDPOINT_CODES:
        return ValidationError
    if status == 404 or _has(low, NOT_FOUND_MARKS):
        return NotFoundError
    if _has(low, QUOTA_MARKS):
        return QuotaError
    if status in (409, 412) or _has(low, CONFLICT_MARKS):
        return ConflictError
    if status in (401, 403):
        return AuthError
    return ValidationError


def _fallback_message(status: int, body: bytes) -> str:
    if not body.strip():
        return f"empty error response (HTTP {status})"
    return f"unparseable error response (HTTP {status}, {len(body)} bytes)"


def error_from_response(
    *,
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    operation: str,
    now: float,
    secrets: Collection[str] = (),
) -> ApiError:
    """The exception for a non-2xx response (rows 2-10)."""
    code, message, request_id = _error_body(body)
    request_id = request_id or headers.get("x-bce-request-id") or None
    cls = classify(status, code)
    error = cls(
        scrub(message or _fallback_message(status, body), secrets),
        status=status,
        code=scrub(code, secrets) if code else None,
        request_id=request_id,
        operation=operation,
        retry_after=parse_retry_after(headers.get("Retry-After"), now=now),
    )
    if isinstance(error, ServerError) and status not in RETRYABLE_SERVER_STATUSES:
        # 501, 505, ... will not get better by asking again.
        error.retryable = False
    return error


def malformed_response(
    *, status: int, operation: str, request_id: str | None, what: str
) -> ServerError:
    """A 2xx response we cannot decode. Not retried: the call may well have taken effect."""
    error = ServerError(
        f"malformed response: {what}",
        status=status,
        code="MalformedResponse",
        request_id=request_id,
        operation=operation,
    )
    error.retryable = False
    return error


def error_from_exception(
    exc: requests.RequestException, *, operation: str, secrets: Collection[str] = ()
) -> NetworkError:
    """Row 1: the request did not complete (refused, reset, timed out, truncated).

    Only transient transport failures are retryable; a TLS verification failure or a
    malformed URL will fail the same way on every attempt.
    """
    kind = type(exc).__name__
    error = NetworkError(scrub(f"{kind}: {exc}", secrets), operation=operation)
    transient = isinstance(exc, TRANSIENT_EXCEPTIONS) and not isinstance(
        exc, requests.exceptions.SSLError
    )
    if not transient:
        error.retryable = False
    return error
