"""The plan/apply contract as a user meets it: exit codes, saved plans bound to their target and
content, --target, one owner per connection. Real CLI, real simulator over loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.plan.codec import _digest
from tests.harness import run_cli, write

QUICKSTART = """
stack: quickstart
region: bj
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 100
  - name: web-to-cache
    local_vpc_id: vpc-web001
    peer_vpc_id: vpc-cache01
    bandwidth_in_mbps: 50
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with the quick start's manifest; ``--sim`` keeps its cloud in here."""
    for var in [v for v in os.environ if v.startswith(("BAIDUCLOUD_", "PEERCONN_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PEERCONN_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "net" / "network.yaml", QUICKSTART)
    return tmp_path


def sim_connections(here: Path) -> list[dict]:
    path = here / ".peerconn-sim" / "default.json"
    state = json.loads(path.read_text()) if path.exists() else {"connections": []}
    return [c for c in state["connections"] if not c.get("gone")]


# ------------------------------------------------------------------ exit codes

@pytest.mark.parametrize(("argv", "says"), [
    (["plan", "net", "--sim", "--prallelism", "5"], "did you mean --parallelism?"),
    (["plan", "net", "--sim", "--parallelism", "0"], "0 is out of range (1 to 256)"),
    (["plan", "net", "--sim", "--max-per-vpc", "0"], "out of range"),
    (["plan", "net", "--sim", "--region", "mars"], "unknown region 'mars'"),
    (["apply", "net", "--sim", "--timeout", "-1"], "out of range"),
], ids=["typo", "parallelism-0", "max-per-vpc-0", "region-mars", "timeout-negative"])
def test_a_usage_error_exits_1_never_the_drift_code_2(here, argv, says):
    result = run_cli(*argv, "--detailed-exitcode") if argv[0] == "plan" else run_cli(*argv)
    assert result.code == 1
    assert says in result.err and "Traceback" not in result.err


def test_out_into_a_missing_directory_is_a_one_line_error(here):
    result = run_cli("plan", "net", "--sim", "--out", str(here / "missing" / "p.json"))
    assert result.code == 1 and "Traceback" not in result.err
    assert "cannot write the plan file: No such file or directory" in result.err


def test_plan_with_no_path_plans_the_current_directory(here, monkeypatch):
    monkeypatch.chdir(here / "net")
    result = run_cli("plan", "--sim", "--detailed-exitcode")
    assert result.code == 2, result.err
    assert "Plan: 2 to create" in result.out


def test_a_target_that_matches_nothing_is_an_error_naming_the_closest(here):
    result = run_cli("plan", "net", "--sim", "--target", "app-to-dbb")
    assert result.code == 1
    assert "--target app-to-dbb: no connection or acceptance of that name" in result.err
    assert "did you mean app-to-db" in result.err


# ------------------------------------------------------------ saved plan binding

def saved_plan(here: Path, *options: str) -> Path:
    result = run_cli("plan", "net", *options, "--out", "plan.json")
    assert result.code == 0, result.err
    return here / "plan.json"


def test_the_saved_plan_hint_applies_against_the_same_target(here):
    result = run_cli("plan", "net", "--sim", "--out", "plan.json")
    assert "Apply exactly this plan with: peerconn apply plan.json --sim" in result.err


def test_a_sim_plan_applied_without_sim_is_refused_naming_both_targets(here):
    plan = saved_plan(here, "--sim")
    result = run_cli("apply", str(plan))
    assert result.code == 1
    assert "made against simulator world sha256:" in result.err
    assert "would run against https://bcc.<region>.baidubce.com" in result.err
    assert "add --sim" in result.err


def test_a_plan_made_against_one_world_is_refused_by_another(here):
    plan = saved_plan(here, "--sim")
    world = here / "other-world.yaml"
    default = Path(__file__).resolve().parents[2] / "examples" / "sim-world.yaml"
    world.write_text(default.read_text().replace("per_vpc: 10", "per_vpc: 9"))
    result = run_cli("apply", str(plan), "--sim-world", str(world))
    assert result.code == 1 and "the saved plan is for another target" in result.err
    assert sim_connections(here) == []


def test_a_hand_edited_plan_is_refused_and_nothing_is_sent(here):
    plan = saved_plan(here, "--sim")
    doc = json.loads(plan.read_text())
    doc["changes"][0]["steps"][0]["params"]["bandwidth_in_mbps"] = 999
    plan.write_text(json.dumps(doc, indent=2))
    result = run_cli("apply", str(plan), "--sim")
    assert result.code == 1 and "the plan file was modified" in result.err
    assert run_cli("show", str(plan)).code == 1
    assert sim_connections(here) == []


def test_an_edited_step_with_a_recomputed_digest_is_still_refused(here):
    run_cli("apply", "net", "--sim", "--auto-approve")
    write(here / "net" / "network.yaml", QUICKSTART.replace("bandwidth_in_mbps: 50",
                                                            "bandwidth_in_mbps: 80"))
    plan = saved_plan(here, "--sim")
    doc = json.loads(plan.read_text())
    doc.pop("digest")
    step = doc["changes"][0]["steps"][-1]
    assert step["op"] == "resize"
    step["op"], step["params"], step["wait"] = "release", {}, "gone"  # a resize turned release
    doc["digest"] = _digest(doc)
    plan.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    result = run_cli("apply", str(plan), "--sim")
    assert result.code == 1
    assert "quickstart/web-to-cache: a update change cannot run release" in result.err
    assert len(sim_connections(here)) == 2


def test_show_renders_the_calls_apply_will_make(here):
    plan = saved_plan(here, "--sim")
    shown = run_cli("show", str(plan))
    assert shown.code == 0
    assert "Steps apply will run, in order:" in shown.out
    assert "1. create the new connection in vpc-app01 (bj): bandwidth_in_mbps=100" in shown.out


def test_target_with_a_saved_plan_is_refused(here):
    plan = saved_plan(here, "--sim")
    result = run_cli("apply", str(plan), "--sim", "--target", "app-to-db")
    assert result.code == 1 and "--target cannot be combined with a saved plan" in result.err
    assert sim_connections(here) == []


# ------------------------------------------------------------------- ownership

def test_a_second_stack_declaring_the_reversed_pair_fails_naming_the_owner(here):
    assert run_cli("apply", "net", "--sim", "--auto-approve").code == 0
    write(here / "other" / "o.yaml", """
        stack: other
        region: bj
        connections:
          - name: db-to-app
            local_vpc_id: vpc-db0001
            peer_vpc_id: vpc-app01
            bandwidth_in_mbps: 10
    """)
    result = run_cli("plan", "other", "--sim")
    assert result.code == 1
    assert "other/o.yaml:4:5" in result.err and "is owned by stack 'quickstart'" in result.err
    opted = (here / "other" / "o.yaml").read_text() + \
        "    lifecycle: {adopt_from_stack: quickstart}\n"
    (here / "other" / "o.yaml").write_text(opted)
    taken = run_cli("plan", "other", "--sim")
    assert taken.code == 0 and "bandwidth_in_mbps = 100 -> 10" in taken.out


# ---------------------------------------------------------------------- colour

def coloured(env: dict[str, str], here: Path) -> bool:
    """Run ``peerconn plan`` on a real terminal (a pty) and see whether it paints."""
    leader, follower = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    full.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "plan", "net", "--sim"],
                            cwd=here, env=full, stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := os.read(leader, 65536):
            chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"\x1b[" in b"".join(chunks)


def test_colour_follows_no_color_and_term_dumb(here):
    assert coloured({"TERM": "xterm"}, here)
    assert coloured({"TERM": "xterm", "NO_COLOR": ""}, here)  # set but empty: no effect
    assert not coloured({"TERM": "xterm", "NO_COLOR": "1"}, here)
    assert not coloured({"TERM": "dumb"}, here)


def test_plan_of_a_flood_of_problems_shows_the_first_fifty_and_a_count(here):
    write(here / "flood" / "f.yaml", "stack: s\nregion: bj\nconnections:\n"
          + "".join(f"  - c{i}\n" for i in range(80)))
    result = run_cli("plan", "flood", "--sim")
    assert result.code == 1 and "Traceback" not in result.err
    lines = result.err.splitlines()
    assert sum(line.startswith("Error: ") for line in lines) == 50
    assert "... and 30 more problems (fix these first, or list them all with " \
           "`peerconn validate --all-errors`)" in lines
    assert lines[-1] == "80 problems in 1 file"


def test_sim_equals_world_still_works_with_a_deprecation_note(here):
    world = Path(__file__).resolve().parents[2] / "examples" / "sim-world.yaml"
    result = run_cli("plan", "net", f"--sim={world}", "--detailed-exitcode")
    assert result.code == 2 and "Plan: 2 to create" in result.out
    assert "--sim=FILE is deprecated; use --sim-world FILE" in result.err
    manifest_first = run_cli("plan", "--sim", "net", "--detailed-exitcode")  # a path after --sim
    assert manifest_first.code == 2, manifest_first.err
