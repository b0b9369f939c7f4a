"""The simulator's own bce-auth-v1 verifier.

Owns: parsing the ``Authorization`` header, rebuilding the canonical request from the raw wire
data (path and query as received, the ``Host`` header as received), and checking signature,
expiry and ``Content-MD5``. Deliberately independent of ``reconciler.client``: a signing bug
must not be mirrored on both sides, so this is written from reference §5 and pinned by its
vectors. Must not know about accounts beyond a secret-key lookup.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from reconciler.simulator.errors import SimApiError

AUTH_VERSION = "bce-auth-v1"
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_DEFAULT_HEADERS = frozenset({"host", "content-length", "content-type", "content-md5"})


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as BCE signs it: unreserved bytes kept, the rest %XX uppercase."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _UNRESERVED or (keep_slash and byte == ord("/")):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string; a bare key (``resize``) and ``resize=`` both give ``""``."""
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    # Sorting the encoded "k=v" strings by byte order is what every SDK does.
    items = sorted(f"{uri_encode(k)}={uri_encode(v)}" for k, v in pairs if k.lower() != "authorization")
    return "&".join(items)


def canonical_headers(headers: dict[str, str], names: Sequence[str]) -> str:
    lines = []
    for name in names:
        value = headers.get(name, "").strip()
        if value:  # empty values are never signed
            lines.append(f"{uri_encode(name)}:{uri_encode(value)}")
    return "\n".join(sorted(lines))


def default_signed_names(headers: dict[str, str]) -> list[str]:
    return sorted(n for n in headers if n in _DEFAULT_HEADERS or n.startswith("x-bce-"))


def signature(secret_key: str, auth_prefix: str, canonical_request: str) -> str:
    # The signing key is the lowercase hex text of the first HMAC, used as ASCII bytes.
    key = hmac.new(secret_key.encode(), auth_prefix.encode(), hashlib.sha256).hexdigest()
    return hmac.new(key.encode(), canonical_request.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AuthHeader:
    access_key: str
    timestamp_text: str
    timestamp: int
    expiration: int
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def prefix(self) -> str:
        return f"{AUTH_VERSION}/{self.access_key}/{self.timestamp_text}/{self.expiration}"


def _bad_header(why: str) -> SimApiError:
    return SimApiError(400, "InvalidHTTPAuthHeader", f"Authorization header is invalid: {why}")


def parse_authorization(value: str | None) -> AuthHeader:
    if not value:
        raise _bad_header("missing")
    parts = value.strip().split("/")
    if len(parts) != 6 or parts[0] != AUTH_VERSION:
        raise _bad_header("expected bce-auth-v1/ak/timestamp/expiration/headers/signature")
    _, access_key, ts_text, exp_text, names, sig = parts
    try:
        stamp = calendar.timegm(time.strptime(ts_text, "%Y-%m-%dT%H:%M:%SZ"))
        expiration = int(exp_text)
    except ValueError:
        raise _bad_header("timestamp or expiration is malformed") from None
    if not access_key or expiration < 0 or len(sig) != 64:
        raise _bad_header("access key, expiration or signature is malformed")
    signed = tuple(n.strip().lower() for n in names.split(";") if n.strip())
    return AuthHeader(access_key, ts_text, stamp, expiration, signed, sig.lower())


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A request exactly as received: what the signature is checked against."""

    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]  # lowercase names, first occurrence wins
    body: bytes


def canonical_request(req: WireRequest, signed_names: Sequence[str]) -> str:
    path = uri_encode(unquote(req.raw_path) or "/", keep_slash=True)
    query = canonical_query(parse_query(req.raw_query))
    return "\n".join((req.method.upper(), path, query, canonical_headers(req.headers, signed_names)))


def verify(req: WireRequest, secret_for: Callable[[str], str | None], now: float) -> str:
    """Check a request's signature; return its access key or raise a BCE auth error."""
    auth = parse_authorization(req.headers.get("authorization"))
    secret = secret_for(auth.access_key)
    if secret is None:
        raise SimApiError(403, "InvalidAccessKeyId", "the access key id does not exist")
    if auth.timestamp + auth.expiration < now:
        raise SimApiError(400, "RequestExpired", f"request has expired (signed at {auth.timestamp_text})")
    names = list(auth.signed_headers) or default_signed_names(req.headers)
    expected = signature(secret, auth.prefix, canonical_request(req, names))
    if not hmac.compare_digest(expected, auth.signature):
        raise SimApiError(400, "SignatureDoesNotMatch",
                          "the request signature does not match the one calculated by the server")
    _check_md5(req)
    return auth.access_key


def _check_md5(req: WireRequest) -> None:
    claimed = req.headers.get("content-md5")
    if claimed is None:
        return
    actual = base64.b64encode(hashlib.md5(req.body).digest()).decode()
    if claimed.strip() != actual:
        raise SimApiError(400, "BadDigest", "Content-MD5 does not match the request body")
