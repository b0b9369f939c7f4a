"""``peerconn validate`` as a user runs it: what it prints in each format, and its exit codes.

Driven through the real command line (``reconciler.cli.main``) in this process, with manifests
written to a temporary directory; a few checks run ``python -m reconciler`` as a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import Result, run_cli

GOOD = ("stack: s\nregion: bj\nconnections:\n  - name: a\n    local_vpc_id: vpc-a\n"
        "    peer_vpc_id: vpc-b\n    bandwidth_in_mbps: 10\n")
ACCEPTANCE = ("stack: t\nregion: bj\nacceptances:\n  - name: in\n    local_vpc_id: vpc-c\n"
              "    peer_vpc_id: vpc-d\n    peer_account_id: \"acc-x\"\n")


def run(*argv: str) -> Result:
    return run_cli("validate", *argv)


def flood(entries: int) -> str:
    """A manifest whose every entry has one problem: ``connections[i]: must be a mapping``."""
    return "stack: s\nregion: bj\nconnections:\n" + "".join(f"  - c{i}\n" for i in range(entries))


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_success_ends_with_a_count_of_files_and_entries(here):
    (here / "a.yaml").write_text(GOOD)
    (here / "b.yaml").write_text(ACCEPTANCE)
    code, out, err = run(".")
    assert (code, err) == (0, "")
    assert out == "Success! 2 files valid (1 connection, 1 acceptance).\n"


def test_problems_end_with_a_count_line(here):
    (here / "a.yaml").write_text("stack: S\nregion: bj\n")
    (here / "b.yaml").write_text("stack: s\nregion: xx\nprune: 1\n")
    (here / "c.yaml").write_text(GOOD)
    code, out, err = run(".")
    assert code == 1 and out == ""
    assert err.splitlines()[0].startswith("Error: a.yaml:1:8: stack: invalid value 'S'")
    assert err.splitlines()[-1] == "3 problems in 2 files"


def test_a_flood_shows_the_first_fifty_in_file_order_then_how_many_more(here):
    (here / "f.yaml").write_text(flood(1284))
    code, _, err = run("f.yaml")
    lines = err.splitlines()
    assert code == 1
    shown = [line for line in lines if line.startswith("Error: ")]
    assert len(shown) == 50
    assert shown[0].startswith("Error: f.yaml:4:5: connections[0]: must be a mapping")
    assert shown[49].startswith("Error: f.yaml:53:5: connections[49]: ")
    assert lines[-2:] == ["... and 1,234 more problems (fix these first, or run with --all-errors)",
                          "1,284 problems in 1 file"]


def test_all_errors_shows_every_problem(here):
    (here / "f.yaml").write_text(flood(1284))
    code, _, err = run("f.yaml", "--all-errors")
    assert code == 1
    assert sum(line.startswith("Error: ") for line in err.splitlines()) == 1284
    assert "more problems" not in err
    assert err.splitlines()[-1] == "1,284 problems in 1 file"


def test_json_lists_every_problem_with_counts(here):
    (here / "a.yaml").write_text(GOOD)
    (here / "f.yaml").write_text(flood(60))
    code, out, err = run(".", "--format", "json")
    assert code == 1 and err == ""
    doc = json.loads(out)
    assert doc["format_version"] == 1 and doc["valid"] is False
    assert doc["counts"] == {"files": 2, "problems": 60, "files_with_problems": 1,
                             "connections": None, "acceptances": None}
    assert len(doc["diagnostics"]) == 60
    assert doc["diagnostics"][0] == {
        "file": "f.yaml", "line": 4, "column": 5, "field": "connections[0]",
        "message": "must be a mapping, not text", "detail": None, "hint": None}


def test_json_of_valid_manifests(here):
    (here / "a.yaml").write_text(GOOD)
    code, out, _ = run("a.yaml", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"format_version": 1, "valid": True, "diagnostics": [], "counts": {
        "files": 1, "problems": 0, "files_with_problems": 0, "connections": 1, "acceptances": 0}}


def test_github_format_writes_one_escaped_annotation_per_problem(here):
    folder = here / "a,b:c"
    folder.mkdir()
    (folder / "m.yaml").write_text("stack: s\nregion: bj\ntags: {a: 100%\n")
    code, out, _ = run("a,b:c/m.yaml", "--format", "github")
    assert code == 1
    first, last = out.splitlines()
    assert first == ("::error file=a%2Cb%3Ac/m.yaml,line=3,col=7::flow mapping opened here is "
                     "never closed (found end of file at 4:1)%0Ahint: add the closing '}'")
    assert last == "1 problem in 1 file"


def test_github_format_names_the_field_and_escapes_percent(here):
    (here / "m.yaml").write_text("stack: s\nregion: bj\ndescription: 100%\n")
    _, out, _ = run("m.yaml", "--format", "github")
    assert out.splitlines()[0].startswith(
        "::error file=m.yaml,line=3,col=1::description: unknown field 'description'%0Ahint: ")


def test_github_format_of_a_flood_is_limited_too(here):
    (here / "f.yaml").write_text(flood(80))
    _, out, _ = run("f.yaml", "--format", "github")
    lines = out.splitlines()
    assert sum(line.startswith("::error file=") for line in lines) == 50
    assert lines[-2] == "::error::... and 30 more problems (fix these first, or run with --all-errors)"


def test_a_directory_skips_dot_directories(here):
    (here / "m").mkdir()
    (here / "m" / "a.yaml").write_text(GOOD)
    for hidden in (".github/workflows", ".git", ".x/deeper"):
        (here / "m" / hidden).mkdir(parents=True)
        (here / "m" / hidden / "ci.yaml").write_text("on: push\njobs: {}\n")
    assert run("m") == (0, "Success! 1 file valid (1 connection, 0 acceptances).\n", "")


@pytest.mark.parametrize("argv", [[], ["a.yaml", "--bogus"], ["a.yaml", "--format", "xml"]])
def test_usage_errors_exit_1(here, argv):
    (here / "a.yaml").write_text(GOOD)
    code, _, err = run(*argv)
    assert code == 1
    assert "usage: peerconn validate" in err and "Traceback" not in err


def test_the_real_command_limits_a_flood_and_exits_1_on_usage_errors(here):
    (here / "f.yaml").write_text(flood(51))
    done = subprocess.run([sys.executable, "-m", "reconciler", "validate", "f.yaml"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-2:] == [
        "... and 1 more problem (fix these first, or run with --all-errors)", "51 problems in 1 file"]
    usage = subprocess.run([sys.executable, "-m", "reconciler", "validate", "f.yaml", "--nope"],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 1 and "unrecognized arguments: --nope" in usage.stderr
