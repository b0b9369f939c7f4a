"""``peerconn show``: a saved plan rendered again, with the exact calls apply will make."""

from __future__ import annotations

import argparse

from reconciler.cli.commands.common import (
    out,
    read_plan,
    render_plan,
)
from reconciler.cli.exitcodes import EXIT_OK
from reconciler.render.steps import render_steps


def cmd_show(args: argparse.Namespace) -> int:
    plan = read_plan(args.planfile)
    out(render_plan(plan, args.format, args))
    if args.format == "text" and plan.changes:
        out("\n" + render_steps(plan))
    return EXIT_OK
