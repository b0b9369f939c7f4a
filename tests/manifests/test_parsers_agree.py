"""libyaml's parser and PyYAML's pure-Python one read every corpus file the same.

The loader uses libyaml when PyYAML has it and the pure-Python parser otherwise (and as a
second reading of some refusals). Whichever runs, a user must see the same values, the same
locations and the same diagnostics, so each corpus file is loaded both ways and compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest import yamlsafe
from tests.manifests.test_corpus import CORPUS

FILES = sorted(p for p in CORPUS.rglob("*.yaml") if p.is_file())


def reading(data: bytes) -> object:
    try:
        doc = yamlsafe.load(data, "f.yaml")
    except ManifestError as exc:
        return [d.render() for d in exc.diagnostics]
    return (doc.value, dict(doc.marks), dict(doc.key_marks), dict(doc.scalars), doc.dialect)


@pytest.mark.skipif(not yamlsafe._FAST, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_both_parsers_read_the_file_the_same(path: Path, monkeypatch):
    data = path.read_bytes()
    fast = reading(data)
    monkeypatch.setattr(yamlsafe, "_FAST", False)
    assert reading(data) == fast
