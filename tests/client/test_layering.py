"""Client modules stay small. The import rules (never the simulator, ``requests`` only at the
HTTP seam, no I/O in signing, decoding and retry) are import-linter contracts in
``pyproject.toml``, checked by ``lint-imports`` in ``.ci/run``."""

from __future__ import annotations

from pathlib import Path

import pytest

import reconciler.client

CLIENT_DIR = Path(reconciler.client.__file__).parent
MODULES = sorted(CLIENT_DIR.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 400
