"""``peerconn graph``: the topology as a Mermaid diagram, planned changes coloured with ``--live``."""

from __future__ import annotations

import argparse

from reconciler.cli.commands.common import (
    connector,
    make_plan,
    out,
)
from reconciler.cli.exitcodes import EXIT_OK
from reconciler.manifest import load_paths
from reconciler.plan import Plan
from reconciler.render.graph import render_graph


def cmd_graph(args: argparse.Namespace) -> int:
    desired = load_paths(args.paths)
    plan: Plan | None = None
    if args.live:
        conn = connector(args)
        try:
            plan = make_plan(args, conn, desired)
        finally:
            conn.close()
    out(render_graph(desired, plan))
    return EXIT_OK
