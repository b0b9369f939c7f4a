"""The one end-to-end harness: a simulator world on loopback and the real ``peerconn`` against it.

Owns: the worlds tests start from (the default world, transitions instant, top-level
overrides); starting a simulator (``SimWorld``); the private credentials file holding one
profile per simulated account, exactly as on a user's machine; the environment a run sees (no
``BAIDUCLOUD_*``, ``NO_COLOR=1``, ``PEERCONN_RETRY_BACKOFF=0`` so a retried call never sleeps);
running the real command line in this process (``run_cli``, ``SimWorld.run``: ``main([...])``
with its output captured) or as a subprocess (``SimWorld.spawn``); and the simulator's
statistics and mutating-request count. Read-only commands run through ``SimWorld.run`` are
checked never to send a mutating request. Nothing is mocked: real HTTP, real signatures.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from reconciler.cli import main
from reconciler.client import RetryPolicy
from reconciler.simulator import SimServer, World, load_world
from reconciler.simulator.world import world_from_data

ENV_VARS = ("BAIDUCLOUD_ACCESS_KEY", "BAIDUCLOUD_SECRET_KEY", "BAIDUCLOUD_REGION")
INSTANT = {"create_s": 0, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0}
READ_ONLY = frozenset({"validate", "plan", "show", "export", "graph"})
# What every run of the CLI sees: no colour, and retries that do not pause (specs/testing.md).
TEST_ENV = {"NO_COLOR": "1", "PEERCONN_RETRY_BACKOFF": "0"}
# The same for a connector built in Python: today's attempts and deadline, no pauses.
NO_BACKOFF = RetryPolicy(base_delay=0.0, max_delay=0.0, retry_after_cap=0.0)


def world_data(**overrides: Any) -> dict[str, Any]:
    """The default world as data, transitions instant, top-level keys replaced by ``overrides``."""
    data = load_world(None).model_dump(mode="json")
    data["timing"] = dict(INSTANT)
    data.update(overrides)
    return data


def instant_world(connections: list[dict[str, Any]] | None = None) -> World:
    """The default world, transitions instant, optionally with pre-existing connections."""
    return world_from_data(world_data(connections=connections) if connections else world_data())


def write_credentials(path: Path, world: World) -> Path:
    """A private (0600) credentials file: one ``[profile]`` per account that has a profile."""
    sections = [f"[{a.profile}]\naccess_key = {a.access_key}\nsecret_key = {a.secret_key}\n"
                for a in world.accounts if a.profile]
    path.write_text("\n".join(sections), encoding="utf-8")
    path.chmod(0o600)
    return path


def write(path: Path, text: str) -> Path:
    """Write a (dedented) manifest or world file, making its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def assert_no_secret(text: str, world: World) -> None:
    for account in world.accounts:
        assert account.secret_key not in text


class Result(NamedTuple):
    """One command's exit code and output; unpacks as ``code, out, err``."""

    code: int
    out: str
    err: str


@contextlib.contextmanager
def test_env(values: Mapping[str, str | None] | None = None) -> Iterator[None]:
    """``TEST_ENV`` and ``values`` set (a ``None`` value unsets), restored afterwards."""
    saved = dict(os.environ)
    for key, value in {**TEST_ENV, **(values or {})}.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(*argv: str, env: Mapping[str, str | None] | None = None) -> Result:
    """``peerconn ARGV`` in this process, stdout and stderr captured, argparse's exits too;
    the environment is this process's plus ``TEST_ENV`` and ``env`` (``test_env``)."""
    out, err = io.StringIO(), io.StringIO()
    with test_env(env), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own exits (usage errors, --help)
            code = exc.code if isinstance(exc.code, int) else 1 if exc.code else 0
    return Result(code, out.getvalue(), err.getvalue())


class SimWorld:
    """A running simulator world, its credentials file in ``folder``, and the CLI against it."""

    def __init__(self, world: World | dict[str, Any], folder: Path, *, seed: int | None = 7):
        self.folder = folder
        self.server = SimServer(world if isinstance(world, World) else world_from_data(world),
                                seed=seed).start()
        self.world = self.server.world
        self.creds = write_credentials(folder / "credentials", self.world)

    def __enter__(self) -> SimWorld:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return str(self.server.url)

    def env(self) -> dict[str, str]:
        """The environment of a subprocess run: this process's, made private to this world."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAIDUCLOUD_")}
        env.update(TEST_ENV, PEERCONN_CREDENTIALS_FILE=str(self.creds))
        return env

    def run(self, *args: str) -> Result:
        """``peerconn ARGS --endpoint <sim>`` in this process, with this world's credentials
        file and no ``BAIDUCLOUD_*`` variable."""
        before = self.mutating()
        private: dict[str, str | None] = {k: None for k in os.environ if k.startswith("BAIDUCLOUD_")}
        private["PEERCONN_CREDENTIALS_FILE"] = str(self.creds)
        result = run_cli(*args, "--endpoint", self.url, env=private)
        if args[0] in READ_ONLY or (args[0] == "apply" and result.code == 3):
            # Across the whole suite: these never send a mutating request.
            assert self.mutating() == before, f"{args[0]} sent a mutating request"
        return result

    def spawn(self, *args: str, **kw: Any) -> subprocess.Popen[str]:
        """``python -m reconciler ARGS --endpoint <sim>`` as a real process, in ``folder``."""
        return subprocess.Popen([sys.executable, "-m", "reconciler", *args, "--endpoint", self.url],
                                env=self.env(), cwd=self.folder, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)

    def stats(self) -> dict[str, Any]:
        return dict(self.server.stats())

    def mutating(self) -> int:
        return int(self.stats()["mutating"])

    def live(self) -> list[dict[str, Any]]:
        return list(self.server.connections())


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[Callable[..., SimWorld]]:
    """A factory: ``make_world(world=None, *, seed=7, **overrides)`` starts a ``SimWorld``.

    ``world`` is a ``World`` or world data (default: ``world_data(**overrides)``); its
    credentials file is written to ``tmp_path``. Every world started is stopped afterwards.
    """
    started: list[SimWorld] = []

    def make(world: World | dict[str, Any] | None = None, *, seed: int | None = 7,
             **overrides: Any) -> SimWorld:
        sim = SimWorld(world if world is not None else world_data(**overrides), tmp_path,
                       seed=seed)
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def world(make_world: Callable[..., SimWorld]) -> SimWorld:
    """The default world, instant, running."""
    return make_world()


__all__ = ["ENV_VARS", "NO_BACKOFF", "READ_ONLY", "TEST_ENV", "Result", "SimWorld",
           "assert_no_secret", "instant_world", "make_world", "run_cli", "test_env",
           "world", "world_data", "write", "write_credentials"]
