"""The client's import rules: never the simulator, and ``requests`` only at the HTTP seam."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reconciler.client

CLIENT_DIR = Path(reconciler.client.__file__).parent
MODULES = sorted(CLIENT_DIR.glob("*.py"))
REQUESTS_ALLOWED = {"transport.py", "errors.py", "api.py"}
PURE = {"signing.py", "codec.py", "retry.py"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_client_never_imports_the_simulator(path):
    assert not any(name.startswith("reconciler.simulator") for name in imports(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_requests_stays_at_the_http_seam(path):
    uses = any(name.split(".")[0] == "requests" for name in imports(path))
    assert not uses or path.name in REQUESTS_ALLOWED


@pytest.mark.parametrize("name", sorted(PURE))
def test_pure_modules_do_no_io(name):
    assert not imports(CLIENT_DIR / name) & {"requests", "socket", "os", "pathlib", "time"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 400
