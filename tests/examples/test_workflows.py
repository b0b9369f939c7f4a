"""The GitHub Actions examples: valid YAML of the expected shape, and every ``peerconn``
invocation in every ``run:`` step parses with the real command-line parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from reconciler.cli import build_parser
from tests.harness import run_cli

GITHUB = Path(__file__).resolve().parents[2] / "examples" / "github"
WORKFLOWS = sorted(GITHUB.glob("*.yml"))
SHELL_OPERATORS = {">", ">>", "2>", "2>&1", "|", "||", "&&", ";", "<"}


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def run_scripts(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"]
            if "run" in step]


def invocations(script: str) -> list[list[str]]:
    """Each ``peerconn ...`` command of a shell script, as argv, shell operators cut off."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        start = 0
        for i, word in enumerate([*words, ";"]):
            if word in SHELL_OPERATORS or re.fullmatch(r"\d?>.*", word) or i == len(words):
                command = words[start:i]
                if command and command[0] == "peerconn":
                    found.append(command[1:])
                start = i + 1
    return found


def usage_flags(command: str) -> set[str]:
    """The long options ``peerconn COMMAND --help`` lists in its usage, as a user reads them."""
    result = run_cli(command, "--help")
    assert result.code == 0, result.err
    usage = result.out.split("\n\n", 1)[0]
    assert usage.startswith(f"usage: peerconn {command} "), usage
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", usage))


ALL = [(w.name, argv) for w in WORKFLOWS for s in run_scripts(load(w)) for argv in invocations(s)]


def test_the_three_workflows_and_their_readme_exist():
    assert [w.name for w in WORKFLOWS] == ["apply.yml", "drift.yml", "plan.yml"]
    assert (GITHUB / "README.md").is_file()


def test_every_workflow_invokes_peerconn():
    assert {name for name, _ in ALL} == {"apply.yml", "drift.yml", "plan.yml"}


@pytest.mark.parametrize("name, argv", ALL, ids=[f"{n}:{' '.join(a)}" for n, a in ALL])
def test_every_peerconn_invocation_parses_with_the_real_parser(name, argv):
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{name}: `peerconn {' '.join(argv)}` does not parse (exit {exc.code})")
    known = usage_flags(args.command)
    for word in argv:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in known, f"{name}: unknown flag {word}"


def test_triggers_permissions_and_credentials():
    plan, apply, drift = (load(GITHUB / f"{n}.yml") for n in ("plan", "apply", "drift"))
    assert "pull_request" in plan["on"]
    assert apply["on"]["push"]["branches"] == ["main"]
    assert "schedule" in drift["on"]
    assert plan["permissions"]["pull-requests"] == "write"
    assert apply["permissions"]["actions"] == "read"
    assert drift["permissions"]["issues"] == "write"
    for workflow in (plan, apply, drift):
        env = workflow["env"]
        assert env["BAIDUCLOUD_ACCESS_KEY"] == "${{ secrets.BAIDUCLOUD_ACCESS_KEY }}"
        assert env["BAIDUCLOUD_SECRET_KEY"] == "${{ secrets.BAIDUCLOUD_SECRET_KEY }}"


def _steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def test_plan_posts_the_comment_and_keeps_the_plan_artifact():
    steps = _steps(load(GITHUB / "plan.yml"))
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/github-script@") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "peerconn-plan"
    assert "plan.json" in upload["with"]["path"]
    assert "--out plan.json --format markdown" in " ".join(run_scripts(load(GITHUB / "plan.yml")))


def test_apply_uses_the_reviewed_artifact_never_a_new_plan_and_explains_a_stale_plan():
    workflow = load(GITHUB / "apply.yml")
    steps = _steps(workflow)
    download = next(s for s in steps
                    if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["name"] == "peerconn-plan"
    assert "run-id" in download["with"]
    commands = [argv for s in run_scripts(workflow) for argv in invocations(s)]
    assert commands == [["apply", "plan.json", "--parallelism", "10"]]
    script = " ".join(run_scripts(workflow))
    assert '"$code" -eq 3' in script and "stale" in script
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_drift_plans_with_detailed_exit_codes_and_reports_drift_in_an_issue():
    workflow = load(GITHUB / "drift.yml")
    commands = [argv for s in run_scripts(workflow) for argv in invocations(s)]
    assert commands == [["plan", "manifests/", "--detailed-exitcode", "--format", "markdown"]]
    script = next(s for s in _steps(workflow) if s.get("uses", "").startswith(
        "actions/github-script@"))["with"]["script"]
    assert "issues.create" in script and "issues.update" in script
