"""The README's manifest example is a valid manifest: what a newcomer copies first works."""

from __future__ import annotations

import re
from pathlib import Path

from tests.harness import run_cli

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_manifest_example_validates(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    examples = [b for b in blocks if b.startswith("stack:")]
    assert examples, "the README shows a manifest"
    for i, text in enumerate(examples):
        path = tmp_path / f"readme-{i}.yaml"
        path.write_text(text, encoding="utf-8")
        result = run_cli("validate", str(path))
        assert result.code == 0, result.err
        assert result.out.startswith("Success!")


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    return text[start:text.index("\n## ", start + 1)]


def test_the_readme_routes_section_shows_what_a_plan_of_its_manifest_prints(
        make_world, tmp_path, monkeypatch):
    section = _section("Routes through the connection")
    (manifest,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    (shown,) = re.findall(r"  ```\n(.*?)  ```", section, re.S)
    (tmp_path / "network.yaml").write_text(manifest, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the plan names the file as the reader would pass it
    world = make_world()
    plan = world.run("plan", "network.yaml")
    assert plan.code == 0, plan.err
    printed = [line.strip() for line in plan.out.splitlines()]
    for line in shown.splitlines():
        if line.strip() and "…" not in line:
            assert line.strip() in printed, line
