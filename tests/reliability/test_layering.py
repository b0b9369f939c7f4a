"""The import layering of specs/architecture.md, beyond the client's own rules
(tests/client/test_layering.py pins those: the client never imports the simulator, and
``requests`` stays at its HTTP seam).

- The decision and value modules (planner, plan, diffing, steps, live, tokens, quotas, model,
  errors) never reach ``reconciler.client``, ``requests`` or the simulator, directly or
  through each other; checked on the source (the whole import graph inside the package,
  imports in functions included) and by importing them in a fresh interpreter.
- The simulator never reaches ``reconciler.client``: the two share only the reference.
- The decision modules read neither the clock nor the environment: ``now`` is a parameter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import reconciler

PACKAGE = Path(reconciler.__file__).parent
PURE = ["reconciler.planner", "reconciler.plan", "reconciler.diffing", "reconciler.steps",
        "reconciler.live", "reconciler.tokens", "reconciler.quotas", "reconciler.model",
        "reconciler.errors", "reconciler.vpc_rules"]
DECISIONS = ["reconciler.planner", "reconciler.vpc_rules", "reconciler.diffing", "reconciler.steps",
             "reconciler.tokens", "reconciler.live", "reconciler.plan", "reconciler.quotas"]
FORBIDDEN_FOR_PURE = ("reconciler.client", "reconciler.simulator", "requests")
#: attribute reads that mean "the clock" or "the environment"
AMBIENT = {("os", "environ"), ("os", "getenv"), ("time", "time"), ("time", "monotonic"),
           ("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


def module_path(name: str) -> Path | None:
    parts = name.split(".")[1:]
    for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"),
                      PACKAGE.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


SIMULATOR = sorted(
    ".".join(("reconciler", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__")
    for p in (PACKAGE / "simulator").glob("*.py"))


@cache
def direct_imports(name: str) -> frozenset[str]:
    """Absolute names a module imports (``from a import b`` yields ``a`` and ``a.b``)."""
    path = module_path(name)
    assert path is not None, name
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return frozenset(found)


def reachable(name: str) -> dict[str, str]:
    """Every name imported by ``name`` or the package modules it imports: name -> importer."""
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        for imported in direct_imports(current):
            if imported in seen:
                continue
            seen[imported] = current
            if imported.startswith("reconciler") and module_path(imported) is not None:
                todo.append(imported)
    return seen


def offending(names: dict[str, str], prefixes: tuple[str, ...]) -> list[str]:
    return [f"{importer} imports {imported}" for imported, importer in sorted(names.items())
            if any(imported == p or imported.startswith(p + ".") for p in prefixes)]


def test_the_import_graph_sees_through_the_package():
    # the checks below would pass vacuously if the walk missed imports
    assert "reconciler.quotas" in reachable("reconciler.planner")
    assert offending(reachable("reconciler.connect"), ("requests",))  # via reconciler.client
    assert "reconciler.simulator.engine" in reachable("reconciler.simulator.server")


@pytest.mark.parametrize("name", PURE)
def test_decision_and_value_modules_never_reach_the_client_requests_or_the_simulator(name):
    assert offending(reachable(name), FORBIDDEN_FOR_PURE) == []


@pytest.mark.parametrize("name", SIMULATOR)
def test_the_simulator_never_reaches_the_client(name):
    assert offending(reachable(name), ("reconciler.client",)) == []


def loaded_after_import(modules: list[str]) -> set[str]:
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print('\\n'.join(sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(done.stdout.split())


def test_importing_the_decision_modules_loads_no_client_requests_or_simulator():
    loaded = loaded_after_import(PURE)
    assert set(PURE) <= loaded
    assert not {m for m in loaded if m.split(".")[0] == "requests"
                or m.startswith(("reconciler.client", "reconciler.simulator"))}


def test_importing_the_simulator_loads_no_client():
    loaded = loaded_after_import(SIMULATOR)
    assert "reconciler.simulator.server" in loaded
    assert not {m for m in loaded if m.startswith("reconciler.client")}


def ambient_reads(name: str) -> list[str]:
    path = module_path(name)
    assert path is not None
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                (node.value.id, node.attr) in AMBIENT:
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "time") and \
                any((node.module, a.name) in AMBIENT for a in node.names):
            found.append(f"{path.name}:{node.lineno}: from {node.module} import ...")
    return found


@pytest.mark.parametrize("name", DECISIONS)
def test_decisions_read_neither_the_clock_nor_the_environment(name):
    assert ambient_reads(name) == []
