"""Credentials and endpoint configuration for the BCE client.

Owns: ``Credentials`` (whose repr never shows the keys), loading them from the environment or
an INI profile file that only its owner may read, and resolving the endpoint URL from a
region or an explicit override (plain http only to loopback). Must not send requests, log
secrets or put a secret into an error: every failure is a ``ConfigError`` whose diagnostic
says what is wrong and what to do, built from names and paths only.
"""

from __future__ import annotations

import configparser
import ipaddress
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.errors import ConfigError, Diagnostic
from reconciler.model import REGIONS

ENV_ACCESS_KEY = "BAIDUCLOUD_ACCESS_KEY"
ENV_SECRET_KEY = "BAIDUCLOUD_SECRET_KEY"
ENV_REGION = "BAIDUCLOUD_REGION"
ENV_CREDENTIALS_FILE = "PEERCONN_CREDENTIALS_FILE"
DEFAULT_CREDENTIALS_FILE = "~/.peerconn/credentials"
DEFAULT_PROFILE = "default"
_USERINFO = re.compile(r"//[^/@]*@")


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """An access key pair (and the profile's region, if it names one)."""

    access_key: str
    secret_key: str
    region: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(access_key=<redacted>, secret_key=<redacted>, region={self.region!r})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, str]:
        """Values that must be scrubbed from anything shown to a user."""
        return (self.access_key, self.secret_key)


def _fail(summary: str, hint: str, detail: str = "") -> ConfigError:
    return ConfigError(Diagnostic(summary=summary, detail=detail, hint=hint))


def load_credentials(
    *, profile: str | None, env: Mapping[str, str], credentials_file: Path | None
) -> Credentials:
    """Credentials from the environment, or from ``profile`` in the credentials file.

    An explicit ``profile`` wins over the environment; without one, the environment pair is
    used when set, else the file's ``default`` profile.
    """
    if profile is None:
        from_env = _from_env(env)
        if from_env is not None:
            return from_env
    path = _credentials_path(env, credentials_file)
    if profile is None and not path.exists():
        raise _fail(
            "no BCE credentials found",
            f"set {ENV_ACCESS_KEY} and {ENV_SECRET_KEY}, or create {path} with a "
            f"[{DEFAULT_PROFILE}] profile (access_key, secret_key) and chmod 600 it",
        )
    return _from_file(path, profile or DEFAULT_PROFILE)


def _from_env(env: Mapping[str, str]) -> Credentials | None:
    access, secret = env.get(ENV_ACCESS_KEY, "").strip(), env.get(ENV_SECRET_KEY, "").strip()
    if not access and not secret:
        return None
    if not (access and secret):
        missing = ENV_SECRET_KEY if access else ENV_ACCESS_KEY
        raise _fail(f"{missing} is not set", f"set both {ENV_ACCESS_KEY} and {ENV_SECRET_KEY}")
    return Credentials(access, secret, env.get(ENV_REGION, "").strip() or None)


def _credentials_path(env: Mapping[str, str], explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    return Path(env.get(ENV_CREDENTIALS_FILE) or DEFAULT_CREDENTIALS_FILE).expanduser()


def _check_private(path: Path) -> None:
    """Refuse a key file others can read, like ssh does: keys must stay with their owner."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise _fail(
            f"cannot read credentials file {path}: {exc.strerror}",
            f"create it, or point {ENV_CREDENTIALS_FILE} at the right file",
        ) from None
    if os.name != "nt" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _fail(
            f"credentials file {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(mode):04o})",
            f"chmod 600 {path}",
        )


def _read_ini(path: Path) -> configparser.ConfigParser:
    # Interpolation off: a secret may contain '%'. Parser errors quote the offending line,
    # which may hold a key, so only the line number is passed on.
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None) or _first_error_line(exc)
        where = f" (line {line})" if line else ""
        raise _fail(
            f"credentials file {path} is not a valid INI file{where}",
            "use [profile] sections with access_key = ... and secret_key = ... lines",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(
            f"cannot read credentials file {path}: {type(exc).__name__}",
            "check the file is readable UTF-8 text",
        ) from None
    return parser


def _first_error_line(exc: configparser.Error) -> int | None:
    errors = getattr(exc, "errors", None)
    if errors:
        return int(errors[0][0])
    return None


def _from_file(path: Path, profile: str) -> Credentials:
    _check_private(path)
    parser = _read_ini(path)
    if not parser.has_section(profile):
        known = ", ".join(parser.sections()) or "none"
        raise _fail(
            f"profile {profile!r} not found in {path}",
            f"use one of the profiles in the file ({known}) or add [{profile}]",
        )
    section = parser[profile]
    access = section.get("access_key", "").strip()
    secret = section.get("secret_key", "").strip()
    if not (access and secret):
        missing = "access_key" if not access else "secret_key"
        raise _fail(f"profile {profile!r} in {path} has no {missing}", f"add {missing} = ...")
    return Credentials(access, secret, section.get("region", "").strip() or None)


def resolve_endpoint(
    *, region: str | None, endpoint: str | None, env: Mapping[str, str] | None = None
) -> str:
    """``scheme://host[:port]`` of the VPC API: the override, else ``bcc.<region>``.

    ``region`` falls back to ``BAIDUCLOUD_REGION`` in ``env`` (default: the process
    environment). Plain http is allowed only to a loopback host (the local simulator).
    """
    if endpoint:
        return _check_endpoint(endpoint.strip())
    environ = os.environ if env is None else env
    chosen = (region or environ.get(ENV_REGION, "")).strip().lower()
    if not chosen:
        raise _fail("no region given", f"pass --region or set {ENV_REGION} (one of {_known()})")
    if chosen not in REGIONS:
        raise _fail(f"unknown region {chosen!r}", f"use one of {_known()}, or pass --endpoint")
    return f"https://bcc.{chosen}.baidubce.com"


def _known() -> str:
    return ", ".join(REGIONS)


def _shown(raw: str) -> str:
    """The endpoint as it may be echoed: any user:password part removed."""
    return repr(_USERINFO.sub("//<redacted>@", raw))


def _check_endpoint(raw: str) -> str:
    text = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _fail(
            f"endpoint {_shown(raw)} is not a valid URL", "use https://HOST[:PORT]"
        ) from None
    bad = (
        parts.scheme not in ("http", "https")
        or not host
        or parts.username is not None
        or parts.query
        or parts.fragment
        or parts.path not in ("", "/")
    )
    if bad:
        raise _fail(
            f"endpoint {_shown(raw)} is not a plain https://HOST[:PORT] URL",
            "give only scheme, host and port; the client adds the /v1/peerconn path",
        )
    if parts.scheme == "http" and not is_loopback(host or ""):
        raise _fail(
            f"endpoint {_shown(raw)} uses plain http to a non-loopback host",
            "use https://, or http:// only for 127.0.0.1, ::1 or localhost (the simulator)",
        )
    return f"{parts.scheme}://{parts.netloc}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
