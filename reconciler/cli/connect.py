"""From command-line options to API clients: one ``PeerConnApi`` per account and region.

Owns: choosing credentials (environment, profile file, or the embedded simulator's world),
the endpoint per region (``bcc.<region>.baidubce.com``, ``--endpoint``, or the simulator's
loopback URL), and starting the embedded simulator for ``--sim`` with its state kept in
``.peerconn-sim/`` so ``apply`` then ``plan`` see the same cloud; the retry policy every client
gets, including ``PEERCONN_RETRY_BACKOFF`` (a cap on the pause between attempts, for tests and
tools against the simulator). Nothing here plans.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.client import (
    Credentials,
    PeerConnApi,
    RetryPolicy,
    load_credentials,
    resolve_endpoint,
)
from reconciler.errors import ConfigError, Diagnostic
from reconciler.observe.live import Context
from reconciler.plan.binding import Target, credential_fingerprint

SIM_STATE_DIR = Path(".peerconn-sim")
BACKOFF_VAR = "PEERCONN_RETRY_BACKOFF"


def retry_policy(env: Mapping[str, str]) -> RetryPolicy:
    """Today's policy, its pauses capped at ``PEERCONN_RETRY_BACKOFF`` seconds when that is set.

    The cap bounds both the exponential backoff and a server's ``Retry-After``; the number of
    attempts and the overall deadline stay as they are. ``0`` retries without pausing: what the
    test suite uses against the simulator instead of sleeping for real (specs/testing.md).
    """
    policy = RetryPolicy()
    raw = env.get(BACKOFF_VAR)
    if raw is None or not raw.strip():
        return policy
    try:
        cap = float(raw)
    except ValueError:
        cap = math.nan
    if not math.isfinite(cap) or cap < 0:
        raise ConfigError(Diagnostic(
            f"{BACKOFF_VAR}={raw!r} is not a number of seconds",
            hint=f"e.g. {BACKOFF_VAR}=0 (retry without pausing), or unset it for the defaults"))
    return replace(policy, base_delay=min(policy.base_delay, cap),
                   max_delay=min(policy.max_delay, cap),
                   retry_after_cap=min(policy.retry_after_cap, cap))


def start_embedded_sim(world: str | None, state_dir: Path = SIM_STATE_DIR) -> Any:
    """An in-process simulator on an ephemeral loopback port, state persisted per world."""
    from reconciler.simulator import SimServer, load_world

    path = Path(world) if world else None
    # One state file per world file (by its resolved path), so two worlds never share one.
    name = "default"
    if path is not None:
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        name = f"{path.stem}-{digest}"
    state_dir.mkdir(parents=True, exist_ok=True)
    return SimServer(load_world(path), state_path=state_dir / f"{name}.json").start()


class Connector:
    """Builds (once) and hands out the API client for each ``Context``. Thread-safe.

    ``retry`` is the policy every client it builds retries with (default: ``RetryPolicy()``).
    """

    def __init__(self, *, env: Mapping[str, str], endpoint: str | None = None,
                 default_profile: str | None = None, sim: Any = None,
                 credentials_file: Path | None = None, retry: RetryPolicy | None = None):
        self.env = env
        self.retry = retry or RetryPolicy()
        self.endpoint = endpoint
        self.default_profile = default_profile
        self.sim = sim
        self.credentials_file = credentials_file
        self._apis: dict[Context, PeerConnApi] = {}
        self._lock = threading.Lock()

    def api_for(self, ctx: Context) -> PeerConnApi:
        with self._lock:
            api = self._apis.get(ctx)
            if api is None:
                api = self._apis[ctx] = self._build(ctx)
            return api

    def _build(self, ctx: Context) -> PeerConnApi:
        creds = self._credentials(ctx.profile)
        if self.sim is not None:
            return PeerConnApi(creds, self.sim.url, retry=self.retry)
        return PeerConnApi(creds, resolve_endpoint(region=ctx.region, endpoint=self.endpoint,
                                                   env=self.env), retry=self.retry)

    def _credentials(self, ctx_profile: str | None) -> Credentials:
        profile = ctx_profile or self.default_profile
        if self.sim is not None:
            try:
                access, secret = self.sim.credentials_for(profile)
            except KeyError:
                raise ConfigError(Diagnostic(
                    f"the simulator world has no account with profile {profile!r}",
                    hint="add `profile: NAME` to an account in the world file")) from None
            return Credentials(access, secret)
        return load_credentials(profile=profile, env=self.env,
                                credentials_file=self.credentials_file)

    def endpoint_identity(self) -> str:
        """The cloud this connector talks to, as a plan file records it."""
        if self.sim is not None:
            return f"simulator world {self.sim.world_identity()}"
        if self.endpoint:
            return resolve_endpoint(region=None, endpoint=self.endpoint, env=self.env)
        return "https://bcc.<region>.baidubce.com"

    def target(self, profiles: Iterable[str | None]) -> Target:
        """What a plan made through this connector is bound to (``reconciler.plan.binding``)."""
        endpoint = self.endpoint_identity()
        prints = {}
        for profile in sorted(set(profiles), key=lambda p: p or ""):
            creds = self._credentials(profile)
            prints[profile or ""] = credential_fingerprint(creds.access_key, creds.secret_key)
        return Target(endpoint, prints)

    def close(self) -> None:
        if self.sim is not None:
            self.sim.stop()
