"""A fresh clone passes its own tests: nothing under tests/ or .ci/ names a path outside the repo.

Whoever clones the project has only the repository. A test that reads a file beside the clone
(a sibling ``shared/`` directory, a home directory, an absolute path of this machine) passes
here and fails for everyone else, so every such reference is refused by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", ".ci")
TEXT_SUFFIXES = {".py", ".md", ".sh", ".yaml", ".yml", ".json", ".toml", ".txt", ".cfg", ""}

# Path(__file__)...parents[N] followed by any number of .parent: where it lands decides.
PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]((?:\.parent\b)*)")
DOT_PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?((?:\.parent\b)+)")
MARKDOWN_LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)\s]+)\)")
FORBIDDEN = [
    (re.compile(r"\.\./shared\b|\bshared/reference\b"), "the developers' shared/ directory"),
    (re.compile(r"(?<![\w.])/(?:work|root|home|Users)/[\w.-]"), "an absolute path of one machine"),
]


def outside_references(path: Path, text: str, root: Path = ROOT) -> list[str]:
    """Every place in ``text`` (the content of ``path``) that names a path outside ``root``."""
    found: list[str] = []
    here = path.resolve()
    for match in PARENTS.finditer(text):
        target = here.parents[min(int(match.group(1)), len(here.parents) - 1)]
        for _ in range(match.group(2).count(".parent")):
            target = target.parent
        if int(match.group(1)) >= len(here.parents) or not target.is_relative_to(root):
            found.append(f"{match.group(0)} resolves to {target}")
    for match in DOT_PARENTS.finditer(text):
        target = here
        for _ in range(match.group(1).count(".parent")):
            target = target.parent
        if not target.is_relative_to(root):
            found.append(f"{match.group(0)} resolves to {target}")
    if path.suffix == ".md":
        for match in MARKDOWN_LINK.finditer(text):
            target = (here.parent / match.group(1).split("#")[0]).resolve()
            if not target.is_relative_to(root):
                found.append(f"link {match.group(1)} points to {target}")
    for pattern, what in FORBIDDEN:
        found.extend(f"{m.group(0)!r} names {what}" for m in pattern.finditer(text))
    return found


def _scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            scanned = path.is_file() and path.suffix in TEXT_SUFFIXES
            if scanned and "__pycache__" not in path.parts and path != Path(__file__).resolve():
                files.append(path)
    return files


def test_no_file_under_tests_or_ci_names_a_path_outside_the_repository() -> None:
    files = _scanned_files()
    offenders = {str(path.relative_to(ROOT)): refs for path in files
                 if (refs := outside_references(path, path.read_text("utf-8", errors="replace")))}
    assert len(files) > 50 and offenders == {}


@pytest.mark.parametrize("snippet", [
    'TRACES = Path(__file__).resolve().parents[2].parent / "shared/reference/x.json"',
    'TRACES = Path(__file__).resolve().parents[3] / "x.json"',
    "DIR = Path(__file__).parent.parent.parent.parent",
    'open("../shared/PRODUCT.md")',
    'cat /work/shared/reference/bce-wire-traces.json',
], ids=["parents-then-parent", "parents-too-deep", "dot-parent-chain", "relative", "absolute"])
def test_the_check_catches_each_way_of_leaving_the_repository(snippet: str) -> None:
    assert outside_references(ROOT / "tests" / "client" / "conftest.py", snippet) != []


def test_the_check_accepts_paths_inside_the_repository() -> None:
    inside = 'FIX = Path(__file__).resolve().parents[2] / "tests/fixtures/x.json"\nsee [a](../../specs/a.md)'
    assert outside_references(ROOT / "tests" / "client" / "README.md", inside) == []


def test_the_fixtures_the_wire_tests_read_are_in_the_repository() -> None:
    from tests.fixtures import ROUTE_WIRE_TRACES, WIRE_TRACES

    for trace_file in (WIRE_TRACES, ROUTE_WIRE_TRACES):
        assert trace_file.is_file() and trace_file.resolve().is_relative_to(ROOT)
