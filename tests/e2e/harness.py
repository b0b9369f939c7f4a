"""End-to-end harness: the real simulator on loopback and the real CLI, no mocks.

``SimWorld`` starts an in-process simulator (timings 0 unless asked), writes a private
credentials file with one profile per world account, and runs ``peerconn`` commands either
in-process (``run``) or as a real subprocess (``spawn``) against it with ``--endpoint``.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from reconciler.cli import main
from reconciler.simulator import SimServer, load_world
from reconciler.simulator.world import world_from_data
from tests.cli_harness import Result, write_credentials
from tests.cli_harness import write as write_manifest

READ_ONLY = frozenset({"validate", "plan", "show", "export", "graph"})
REPO = Path(__file__).resolve().parents[2]


def world_data(**overrides: Any) -> dict[str, Any]:
    data = yaml.safe_load(load_world(None).model_dump_json())
    data["timing"] = {"create_s": 0, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0}
    for key, value in overrides.items():
        data[key] = value
    return data


class SimWorld:
    def __init__(self, tmp: Path, data: dict[str, Any], *, seed: int | None = 7):
        self.tmp = tmp
        self.data = data
        self.server = SimServer(world_from_data(data), seed=seed).start()
        self.creds = write_credentials(tmp / "credentials", self.server.world)

    @property
    def url(self) -> str:
        return str(self.server.url)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAIDUCLOUD_")}
        env["PEERCONN_CREDENTIALS_FILE"] = str(self.creds)
        env["NO_COLOR"] = "1"
        return env

    def run(self, *args: str, monkeypatch: Any) -> Result:
        monkeypatch.setenv("PEERCONN_CREDENTIALS_FILE", str(self.creds))
        for key in [k for k in os.environ if k.startswith("BAIDUCLOUD_")]:
            monkeypatch.delenv(key)
        out, err = io.StringIO(), io.StringIO()
        argv = [*args, "--endpoint", self.url]
        before = self.mutating()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        if args[0] in READ_ONLY or (args[0] == "apply" and code == 3):
            # Across the whole suite: these never send a mutating request.
            assert self.mutating() == before, f"{args[0]} sent a mutating request"
        return Result(code, out.getvalue(), err.getvalue())

    def spawn(self, *args: str, **kw: Any) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "reconciler", *args, "--endpoint", self.url],
                                env=self.env(), cwd=self.tmp, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)

    def stats(self) -> dict[str, Any]:
        return dict(self.server.stats())

    def mutating(self) -> int:
        return int(self.stats()["mutating"])

    def live(self) -> list[dict[str, Any]]:
        return list(self.server.connections())

    def stop(self) -> None:
        self.server.stop()



__all__ = ["READ_ONLY", "Result", "SimWorld", "world_data", "write_manifest"]
