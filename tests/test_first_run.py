"""The first run: what a new user sees when something is not set up yet.

Each failure is one line saying the cause, a hint saying what to do, exit code 1, and never a
traceback or a secret. Plus: every command's --help shows examples.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.simulator import SimServer
from tests.harness import ENV_VARS, instant_world, run_cli

QUICKSTART = str(Path(__file__).resolve().parents[1] / "examples" / "quickstart")
SECRET = "SKFIRSTRUN000001"


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    """No BAIDUCLOUD_* variables and no credentials file: a machine peerconn never saw."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PEERCONN_CREDENTIALS_FILE", str(tmp_path / "missing" / "credentials"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sim():
    with SimServer(instant_world(), seed=3) as server:
        yield server


def run(*argv: str) -> tuple[int, str]:
    result = run_cli(*argv)
    assert "Traceback" not in result.err + result.out
    assert SECRET not in result.err + result.out
    return result.code, result.err


def lines(err: str) -> list[str]:
    return err.rstrip("\n").splitlines()


def test_missing_credentials_say_where_to_put_them(bare_env):
    code, err = run("plan", QUICKSTART)
    assert code == 1
    first, *rest = lines(err)
    assert first == "Error: no BCE credentials found"
    assert "BAIDUCLOUD_ACCESS_KEY and BAIDUCLOUD_SECRET_KEY" in rest[-1]
    assert "chmod 600" in rest[-1]


@pytest.mark.parametrize("argv, env_region", [
    pytest.param(["export", "--vpc", "vpc-app01", "--region", "mars"], None, id="flag"),
    pytest.param(["export", "--vpc", "vpc-app01"], "mars", id="environment"),
])
def test_unknown_region_lists_the_known_ones(bare_env, monkeypatch, argv, env_region):
    monkeypatch.setenv("BAIDUCLOUD_ACCESS_KEY", "AKFIRSTRUN000001")
    monkeypatch.setenv("BAIDUCLOUD_SECRET_KEY", SECRET)
    if env_region:
        monkeypatch.setenv("BAIDUCLOUD_REGION", env_region)
    code, err = run(*argv)
    assert code == 1
    assert lines(err) == ["Error: unknown region 'mars'",
                          "  hint: use one of bj, bd, gz, su, fsh, fwh, hkg, sin, cd, yq"]


def test_unknown_region_in_a_manifest_points_at_the_line(bare_env, tmp_path):
    manifest = tmp_path / "net.yaml"
    manifest.write_text("stack: net\nregion: mars\n", encoding="utf-8")
    code, err = run("plan", str(manifest))
    assert code == 1
    assert lines(err)[0].startswith("Error: net.yaml:2:")
    assert "must be one of bj, bd" in lines(err)[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_endpoint_says_nothing_listens_there(bare_env, monkeypatch):
    monkeypatch.setenv("BAIDUCLOUD_ACCESS_KEY", "AKFIRSTRUN000001")
    monkeypatch.setenv("BAIDUCLOUD_SECRET_KEY", SECRET)
    port = _closed_port()
    code, err = run("plan", QUICKSTART, "--endpoint", f"http://127.0.0.1:{port}")
    assert code == 1
    assert lines(err) == [
        f"Error: cannot reach the BCE API at 127.0.0.1:{port}: connection refused",
        "  hint: is the simulator running there? Start one with `peerconn sim serve`, or "
        "pass --sim to run one in-process",
    ]


@pytest.mark.parametrize("access_key, code_name, cause, hint", [
    pytest.param("AKSIMMAIN000001", "SignatureDoesNotMatch",
                 "the secret key does not belong to the access key", "BAIDUCLOUD_SECRET_KEY",
                 id="wrong-secret"),
    pytest.param("AKNOSUCHKEY0001", "InvalidAccessKeyId", "BCE does not know this access key",
                 "BAIDUCLOUD_ACCESS_KEY", id="unknown-access-key"),
])
def test_wrong_keys_are_named_as_the_cause(bare_env, monkeypatch, sim, access_key,
                                           code_name, cause, hint):
    monkeypatch.setenv("BAIDUCLOUD_ACCESS_KEY", access_key)
    monkeypatch.setenv("BAIDUCLOUD_SECRET_KEY", SECRET)
    code, err = run("plan", QUICKSTART, "--endpoint", sim.url)
    assert code == 1
    first, *rest = lines(err)
    assert first.startswith("Error: ") and cause in first and f"({code_name})" in first
    assert rest[-1].startswith("  hint: check " + hint)


def listed_commands() -> list[str]:
    """The commands ``peerconn --help`` lists under COMMAND, as a user reads them."""
    text = run_cli("--help").out
    block = text.split("\n  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    return sorted(re.findall(r"^ {4}([a-z][a-z-]*) ", block, re.M))


COMMANDS = listed_commands()


def test_every_command_is_covered():
    assert COMMANDS == ["apply", "export", "graph", "plan", "schema", "show", "sim", "validate"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text
    assert f"peerconn {command}" in text
