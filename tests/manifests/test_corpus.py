"""Every malformed manifest in corpus/ is refused with a located diagnostic naming the problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest import load_paths

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(CORPUS.iterdir())


def expectations(case: Path) -> list[tuple[Path, str]]:
    files = sorted(case.rglob("*.y*ml")) if case.is_dir() else [case]
    found = []
    for file in files:
        for line in file.read_bytes().decode("utf-8", "replace").splitlines():
            if line.startswith("# expect: "):
                found.append((file, line.removeprefix("# expect: ")))
    return found


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 200


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_manifest_is_refused_with_a_located_diagnostic(case, monkeypatch):
    monkeypatch.chdir(CORPUS)
    expected = expectations(case)
    assert expected, f"{case.name} has no '# expect:' line"
    with pytest.raises(ManifestError) as caught:
        load_paths([case.name])
    diagnostics = caught.value.diagnostics
    for file, text in expected:
        shown = os.path.relpath(file, CORPUS).replace(os.sep, "/")
        matching = [d for d in diagnostics if d.file == shown and d.line and text in d.render()]
        assert matching, f"no diagnostic of {shown} contains {text!r}:\n{caught.value}"
        assert f"{shown}:{matching[0].line}" in str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_count_of_problems_is_the_number_phrased(case, monkeypatch):
    """Invalid entries are counted before they are phrased; both must agree, in file order."""
    monkeypatch.chdir(CORPUS)
    with pytest.raises(ManifestError) as caught:
        load_paths([case.name])
    every = caught.value.first(None)
    assert caught.value.total == len(every) == len(set(every))
    assert caught.value.first(1) == every[:1]
    keys = [(d.file or "", d.line or 0, d.column or 0) for d in every]
    assert keys == sorted(keys)
