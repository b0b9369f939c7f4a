"""The error tree and user-facing diagnostics.

Owns: ``Diagnostic`` (what a user reads: summary, detail, location, hint) and every exception
type the package raises across module boundaries. Imports nothing from the package; every other
module may import it. Exceptions never carry credentials: messages are built from API codes,
request ids and manifest locations only.

    PeerconnError
    ├── UserError               invalid input; carries one or more Diagnostics (exit 1)
    │   ├── ManifestError       manifests failed validation (all problems of the run)
    │   └── ConfigError         credentials, profile, endpoint, region
    ├── StalePlanError          a saved plan's basis no longer matches the cloud (exit 3)
    └── ApiError                a BCE API call failed (status, code, message, request id)
        ├── NetworkError        connection refused/reset, timeout, dropped response
        ├── AuthError           InvalidAccessKeyId, SignatureDoesNotMatch, RequestExpired,
        │                       AccessDenied, InvalidHTTPAuthHeader (never retried)
        ├── NotFoundError       unknown/deleted connection (404, NoSuchObject, 2xx empty GET)
        ├── ValidationError     the request was refused as malformed or invalid (4xx)
        ├── ConflictError       the connection's state forbids the operation (409/412, ...)
        ├── QuotaError          a quota would be exceeded
        ├── ThrottledError      429 / throttling codes (retried)
        └── ServerError         5xx (retried)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem a user must read: where it is, what it is, what to do about it."""

    summary: str
    detail: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None

    def location(self) -> str:
        if self.file is None:
            return ""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self) -> str:
        head = self.location()
        text = f"{head}: " if head else ""
        if self.field:
            text += f"{self.field}: "
        text += self.summary
        if self.detail:
            text += f"\n  {self.detail}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class PeerconnError(Exception):
    """Base of every error the package raises on purpose."""


class UserError(PeerconnError):
    """Input the user must fix. Rendered by the CLI as its diagnostics, exit 1."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = (diagnostics,)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class ManifestError(UserError):
    """Manifests failed validation; carries every problem found in the run."""


class ConfigError(UserError):
    """Credentials, profile, endpoint or region configuration is unusable."""


class StalePlanError(PeerconnError):
    """A saved plan relied on live fields that have since changed."""

    def __init__(self, changes: list[str] | tuple[str, ...]):
        self.changes = tuple(changes)
        super().__init__("saved plan is stale: " + "; ".join(self.changes))


class ApiError(PeerconnError):
    """A BCE API call failed. Never contains credentials or signatures."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        operation: str | None = None,
        retry_after: float | None = None,
    ):
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.operation = operation
        self.retry_after = retry_after
        super().__init__(self.describe())

    def describe(self) -> str:
        bits = []
        if self.operation:
            bits.append(self.operation)
        if self.status is not None:
            bits.append(f"HTTP {self.status}")
        if self.code:
            bits.append(self.code)
        head = " ".join(bits)
        text = f"{head}: {self.message}" if head else self.message
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class NetworkError(ApiError):
    retryable = True


class AuthError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class ValidationError(ApiError):
    pass


class ConflictError(ApiError):
    pass


class QuotaError(ApiError):
    pass


class ThrottledError(ApiError):
    retryable = True


class ServerError(ApiError):
    retryable = True
