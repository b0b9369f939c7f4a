"""What a user reads when a BCE call fails: a one-line cause and what to do about it.

Owns: turning the API failures a first run typically meets — endpoint unreachable (refused,
unknown host, TLS, timeout) and keys the service rejects (unknown access key, wrong secret,
expired signature, access denied) — into a ``Diagnostic`` with a hint. Other failures keep
their description. Pure: reads only the error (class, code and its already scrubbed message),
so it can never see or print a credential.
"""

from __future__ import annotations

import re

from reconciler.errors import ApiError, AuthError, Diagnostic, NetworkError

_HOST = re.compile(r"host='([^']*)', port=(\d+)")
_LOOPBACK = ("127.", "localhost", "::1", "[::1]")
_NETWORK_CAUSES = (  # (marker in the message, cause); first match wins
    ("connection refused", "connection refused"),
    ("errno 111", "connection refused"),
    ("nameresolution", "the host name does not resolve"),
    ("name or service not known", "the host name does not resolve"),
    ("getaddrinfo", "the host name does not resolve"),
    ("certificate", "its TLS certificate could not be verified"),
    ("sslerror", "the TLS handshake failed"),
    ("timed out", "the connection timed out"),
    ("timeout", "the connection timed out"),
)
_IN_FILE = "of the profile in the credentials file (~/.peerconn/credentials)"
_AUTH = {  # lower-case BCE code → (cause, hint)
    "invalidaccesskeyid": ("BCE does not know this access key",
                           f"check BAIDUCLOUD_ACCESS_KEY, or access_key {_IN_FILE}"),
    "signaturedoesnotmatch": ("BCE rejected the request signature: the secret key does not "
                              "belong to the access key",
                              f"check BAIDUCLOUD_SECRET_KEY, or secret_key {_IN_FILE}"),
    "requestexpired": ("BCE says the signed request has expired: this machine's clock is "
                       "probably wrong", "synchronise the clock (NTP) and try again"),
    "accessdenied": ("BCE denied access: these keys may not use VPC peering connections",
                     "grant the keys VPC permissions in IAM, or use another --profile"),
}


def explain(exc: ApiError) -> Diagnostic:
    """The diagnostic the CLI prints for ``exc``."""
    if isinstance(exc, NetworkError):
        return _network(exc)
    if isinstance(exc, AuthError) and (exc.code or "").lower() in _AUTH:
        cause, hint = _AUTH[(exc.code or "").lower()]
        return Diagnostic(f"{cause} ({exc.code})", hint=hint, detail=_request(exc))
    return Diagnostic(f"BCE API call failed: {exc.describe()}")


def _network(exc: NetworkError) -> Diagnostic:
    text = exc.message.lower()
    cause = next((c for marker, c in _NETWORK_CAUSES if marker in text), "")
    if not cause:
        return Diagnostic(f"BCE API call failed: {exc.describe()}",
                          hint="check --endpoint, the network and any proxy settings")
    found = _HOST.search(exc.message)
    where = f" at {found.group(1)}:{found.group(2)}" if found else ""
    if found and found.group(1).startswith(_LOOPBACK):
        hint = ("is the simulator running there? Start one with `peerconn sim serve`, or "
                "pass --sim to run one in-process")
    else:
        hint = ("check --endpoint or the region (the endpoint is bcc.<region>.baidubce.com), "
                "and the network and proxy settings")
    return Diagnostic(f"cannot reach the BCE API{where}: {cause}", hint=hint)


def _request(exc: ApiError) -> str:
    return f"request id {exc.request_id}" if exc.request_id else ""
