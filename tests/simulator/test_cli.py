"""``sim serve`` through its own argparse parser, and as a real ``peerconn sim serve`` process
stopped with SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.simulator import load_world
from reconciler.simulator.cli import add_parser, run, with_flags


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="peerconn")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def test_flags_are_parsed_and_the_handler_is_run() -> None:
    args = parse("sim", "serve", "--port", "0", "--seed", "3", "--latency-ms", "20", "--error-rate", "0.1",
                 "--fault-kinds", "500,drop", "--ignore-client-tokens", "--list-lag-s", "2")
    assert args.handler is run
    faults = with_flags(load_world(None), args).faults
    assert (faults.latency_ms, faults.error_rate, faults.kinds) == (20, 0.1, ("500", "drop"))
    assert (faults.ignore_client_tokens, faults.list_lag_s, faults.seed) == (True, 2.0, 3)


def test_without_flags_the_world_is_unchanged() -> None:
    world = load_world(None)
    assert with_flags(world, parse("sim", "serve")) is world


def test_bad_flag_values_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="kinds"):
        with_flags(load_world(None), parse("sim", "serve", "--fault-kinds", "teapot"))
    with pytest.raises(ConfigError, match="loopback"):
        run(parse("sim", "serve", "--host", "0.0.0.0"))


def test_serve_prints_url_and_access_keys_but_no_secrets_and_stops_on_sigterm(tmp_path: Path) -> None:
    # SIGTERM, not SIGINT: a child of a process that ignores SIGINT (a test runner started in
    # the background) inherits the ignore, and a Ctrl-C would never reach it.
    state = tmp_path / "state.json"
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "sim", "serve", "--state", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [proc.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
        url = lines[0].split()[-1]
        assert url.startswith("http://127.0.0.1:")
        import requests
        assert requests.get(f"{url}/__sim/stats", timeout=5).json()["total"] == 0
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(lines) + out
    assert proc.returncode == 0
    assert "AKSIMMAIN000001" in text and "AKSIMPARTNER001" in text
    assert "SKSIM" not in text
    assert state.is_file()
