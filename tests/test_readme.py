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
