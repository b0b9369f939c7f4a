"""One module per command; ``handlers`` maps a command name to its function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.cli.commands.apply import cmd_apply
from reconciler.cli.commands.export import cmd_export
from reconciler.cli.commands.graph import cmd_graph
from reconciler.cli.commands.plan import cmd_plan
from reconciler.cli.commands.schema import cmd_schema
from reconciler.cli.commands.show import cmd_show
from reconciler.cli.commands.validate import cmd_validate


def handlers() -> dict[str, Callable[[Any], int]]:
    return {"validate": cmd_validate, "plan": cmd_plan, "show": cmd_show, "apply": cmd_apply,
            "export": cmd_export, "graph": cmd_graph, "schema": cmd_schema}
