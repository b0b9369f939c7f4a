"""bce-auth-v1 request signing, as a pure function of the request and the credentials.

Owns: UriEncode, the canonical URI / query / headers, the signing key and the Authorization
header value (reference §5). Must not do I/O, read clocks, log, or know about HTTP libraries:
the caller passes the timestamp and the exact headers it will send, so what is signed is what
goes on the wire. The official vectors in reference §5 pin it byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime

AUTH_VERSION = "bce-auth-v1"
DEFAULT_EXPIRATION = 1800
# Headers signed when no explicit list is given ("use the default", reference §5 step 3).
DEFAULT_SIGNED_HEADERS = frozenset({"host", "content-length", "content-type", "content-md5"})

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

QueryParams = Mapping[str, str | None] | Iterable[tuple[str, str | None]]


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 percent-encoding of the UTF-8 bytes, uppercase hex, space as %20."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _UNRESERVED or (keep_slash and byte == 0x2F):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def canonical_uri(path: str) -> str:
    return uri_encode(path or "/", keep_slash=True)


def _pairs(params: QueryParams) -> list[tuple[str, str | None]]:
    if isinstance(params, Mapping):
        return list(params.items())
    return list(params)


def canonical_query(params: QueryParams) -> str:
    """``k=v`` pairs, valueless keys as ``k=``, sorted by byte order of the encoded pair.

    The same string is used on the wire, so the request line matches the Python SDK's.
    """
    encoded = [
        f"{uri_encode(key)}={uri_encode(value or '')}"
        for key, value in _pairs(params)
        if key.lower() != "authorization"
    ]
    return "&".join(sorted(encoded))


def _signable(headers: Mapping[str, str]) -> dict[str, str]:
    """Lowercased, trimmed headers; empty values are never signed."""
    result = {}
    for name, value in headers.items():
        key, val = name.strip().lower(), str(value).strip()
        if val:
            result[key] = val
    return result


def select_headers(
    headers: Mapping[str, str], headers_to_sign: Collection[str] | None
) -> dict[str, str]:
    """The headers that take part in the signature.

    Default: host, content-length, content-type, content-md5 and every x-bce-* header. With an
    explicit list, the listed headers plus every x-bce-* header (as the Go and Python SDKs do).
    """
    wanted = (
        DEFAULT_SIGNED_HEADERS
        if headers_to_sign is None
        else frozenset(h.strip().lower() for h in headers_to_sign)
    )
    return {
        name: value
        for name, value in _signable(headers).items()
        if name in wanted or name.startswith("x-bce-")
    }


def canonical_headers(signed: Mapping[str, str]) -> str:
    lines = sorted(f"{uri_encode(name)}:{uri_encode(value)}" for name, value in signed.items())
    return "\n".join(lines)


def canonical_request(
    method: str, path: str, params: QueryParams, signed_headers: Mapping[str, str]
) -> str:
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query(params),
            canonical_headers(signed_headers),
        )
    )


def format_timestamp(epoch_seconds: float) -> str:
    """UTC ``YYYY-MM-DDThh:mm:ssZ``, the form of both x-bce-date and the auth string."""
    return datetime.fromtimestamp(int(epoch_seconds), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hmac_hex(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    *,
    access_key: str,
    secret_key: str,
    method: str,
    path: str,
    params: QueryParams,
    headers: Mapping[str, str],
    timestamp: str,
    expiration: int = DEFAULT_EXPIRATION,
    headers_to_sign: Collection[str] | None = None,
    list_signed_headers: bool = False,
) -> str:
    """The Authorization header value for one request.

    ``list_signed_headers=False`` with the default header set writes an empty signedHeaders
    field (the Python SDK's form, our default); an explicit ``headers_to_sign`` is always
    listed, because a verifier canonicalises exactly the listed headers when there are any.
    """
    prefix = f"{AUTH_VERSION}/{access_key}/{timestamp}/{expiration}"
    # The signing key is the hex *string* of the first HMAC, used as ASCII bytes.
    signing_key = _hmac_hex(secret_key.encode("utf-8"), prefix)
    signed = select_headers(headers, headers_to_sign)
    text = canonical_request(method, path, params, signed)
    signature = _hmac_hex(signing_key.encode("ascii"), text)
    listed = headers_to_sign is not None or list_signed_headers
    names = ";".join(sorted(signed)) if listed else ""
    return f"{prefix}/{names}/{signature}"
