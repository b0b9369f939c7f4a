"""Running the real command line against an in-process simulator, for end-to-end tests.

The simulator's transitions are instant (timing 0), so nothing waits; the CLI reaches it over
loopback with ``--endpoint`` and reads keys from a private credentials file holding one profile
per simulated account, exactly as a user's machine would. No ``BAIDUCLOUD_*`` variables leak in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.simulator import SimServer, World, load_world
from reconciler.simulator.world import Timing, world_from_data

ENV_VARS = ("BAIDUCLOUD_ACCESS_KEY", "BAIDUCLOUD_SECRET_KEY", "BAIDUCLOUD_REGION")
INSTANT = Timing(create_s=0, accept_s=0, resize_s=0, dns_s=0, delete_s=0)


def instant_world(connections: list[dict[str, Any]] | None = None) -> World:
    """The default world, transitions instant, optionally with pre-existing connections."""
    world = load_world(None)
    if connections:
        data = world.model_dump(mode="json")
        data["connections"] = connections
        world = world_from_data(data)
    return world.model_copy(update={"timing": INSTANT})


def write_credentials(path: Path, world: World) -> Path:
    sections = [f"[{a.profile}]\naccess_key = {a.access_key}\nsecret_key = {a.secret_key}\n"
                for a in world.accounts if a.profile]
    path.write_text("\n".join(sections), encoding="utf-8")
    path.chmod(0o600)
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """``cli("plan", "dir")`` runs ``peerconn plan dir --endpoint <sim>`` in this process."""

    def __init__(self, sim: SimServer, capsys: pytest.CaptureFixture[str]):
        self.sim = sim
        self.capsys = capsys

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = main([*args, "--endpoint", self.sim.url])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, world: World) -> None:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    creds = write_credentials(tmp_path / "credentials", world)
    monkeypatch.setenv("PEERCONN_CREDENTIALS_FILE", str(creds))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def start_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """A factory: ``start_cli(world)`` starts a simulator and returns a ``Cli`` bound to it."""
    started: list[SimServer] = []

    def start(world: World | None = None) -> Cli:
        world = world or instant_world()
        private_env(monkeypatch, tmp_path, world)
        sim = SimServer(world, seed=11).start()
        started.append(sim)
        return Cli(sim, capsys)

    yield start
    for sim in started:
        sim.stop()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def assert_no_secret(text: str, world: World) -> None:
    for account in world.accounts:
        assert account.secret_key not in text


__all__ = ["Cli", "Result", "assert_no_secret", "instant_world", "start_cli", "write"]
