"""``peerconn plan``: observe, plan, render; save the plan bound to its target (``--out``)."""

from __future__ import annotations

import argparse
import sys

from reconciler.cli.commands.common import (
    apply_command,
    connector,
    make_plan,
    out,
    plan_graph,
    render_plan,
    write_plan_file,
)
from reconciler.cli.exitcodes import EXIT_CHANGES, EXIT_OK
from reconciler.manifest import load_paths


def cmd_plan(args: argparse.Namespace) -> int:
    desired = load_paths(args.paths)
    conn = connector(args)
    try:
        plan = make_plan(args, conn, desired)
    finally:
        conn.close()
    args.graph_text = plan_graph(args, desired, plan)
    if args.out:
        write_plan_file(args.out, plan)
    out(render_plan(plan, args.format, args))
    if args.out:  # on stderr: stdout may be the Markdown that becomes the PR comment
        print(f"\nSaved the plan to {args.out}. Apply exactly this plan with: "
              f"{apply_command(args)}", file=sys.stderr)
    if args.detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK
