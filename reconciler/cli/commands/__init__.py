"""One module per command; ``handlers`` maps a command name to its function.

Each command's module is imported when that command runs, not when the parser is built: a
``validate`` or ``schema`` then never imports apply, the executor, the HTTP client, deepdiff
or the simulator (specs/benchmarks.md, start-up).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

COMMANDS = ("validate", "plan", "show", "apply", "export", "graph", "schema")


def _lazy(name: str) -> Callable[[Any], int]:
    def run(args: Any) -> int:
        module = importlib.import_module(f"reconciler.cli.commands.{name}")
        return int(getattr(module, f"cmd_{name}")(args))

    run.__name__ = run.__qualname__ = f"cmd_{name}"
    return run


def handlers() -> dict[str, Callable[[Any], int]]:
    return {name: _lazy(name) for name in COMMANDS}
