"""``peerconn apply``: a saved plan (checked against its target, content and steps) or
manifests planned, shown and confirmed; then the executor, with Ctrl-C as a cancel token."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from reconciler.apply.executor import ApplyOptions, Executor
from reconciler.cli.commands.common import (
    connector,
    make_plan,
    out,
    progress,
    read_plan,
    use_colour,
)
from reconciler.cli.connect import Connector
from reconciler.cli.exitcodes import EXIT_ERROR, EXIT_OK
from reconciler.errors import ConfigError, Diagnostic
from reconciler.manifest import load_paths
from reconciler.plan import Plan
from reconciler.plan.binding import Target, step_problems, target_mismatch
from reconciler.render import render_text
from reconciler.render.apply import render_apply


def check_saved_plan(plan: Plan, conn: Connector, args: argparse.Namespace) -> None:
    """A saved plan runs only against what it was made against, and only as it reads."""
    if getattr(args, "target", None):
        raise ConfigError(Diagnostic(
            "--target cannot be combined with a saved plan: it applies exactly what it holds",
            file=args.paths[0],
            hint="make a new plan with `peerconn plan ... --target NAME --out FILE`"))
    planned = Target.from_dict(plan.binding)
    profiles = set(planned.credentials) or {s.profile or "" for c in plan.changes
                                             for s in c.steps}
    endpoint = conn.endpoint_identity()  # first: credentials may not even exist elsewhere
    current = (Target(endpoint, {}) if endpoint != planned.endpoint
               else conn.target(p or None for p in profiles))
    problems = target_mismatch(planned, current)
    if problems:
        hint = ("apply it with the options it was planned with"
                + (" (add --sim)" if planned.endpoint.startswith("simulator") and not
                   current.endpoint.startswith("simulator") else ""))
        raise ConfigError([Diagnostic(f"the saved plan is for another target: {p}",
                                       file=args.paths[0], hint=hint) for p in problems])
    steps = step_problems(plan.changes)
    if steps:
        raise ConfigError([Diagnostic(f"the saved plan does not hold together: {p}",
                                       file=args.paths[0],
                                       hint="make a new plan; never edit a plan file")
                            for p in steps])

def _is_plan_file(paths: list[str]) -> bool:
    if len(paths) != 1 or not Path(paths[0]).is_file():
        return False
    with open(paths[0], "rb") as handle:
        return handle.read(64).lstrip().startswith(b"{")

def _confirm(args: argparse.Namespace) -> bool:
    """Ask for ``yes``. A pipe may answer (``echo yes | peerconn apply dir``) just as a
    terminal can; anything else, including no answer at all (end of input), is a no."""
    if args.auto_approve:
        return True
    out("\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ")
    line = sys.stdin.readline()
    answer = line.strip()
    if not sys.stdin.isatty():
        out(answer + "\n")  # a piped answer is not echoed: show what was read
    if not line:
        print("No answer: standard input ended. Pass --auto-approve to apply unattended.",
              file=sys.stderr)
    return answer == "yes"

def cmd_apply(args: argparse.Namespace) -> int:
    saved = _is_plan_file(args.paths)
    plan = read_plan(args.paths[0]) if saved else None
    desired = None if saved else load_paths(args.paths)
    conn = connector(args)
    try:
        if plan is not None:
            check_saved_plan(plan, conn, args)
        if plan is None:
            assert desired is not None
            plan = make_plan(args, conn, desired)
            out(render_text(plan, colour=use_colour(args)))
            if not plan.has_changes:
                return EXIT_OK
            if not _confirm(args):
                out("Apply cancelled.\n")
                return EXIT_ERROR
        elif not plan.has_changes:
            out("The saved plan has no changes.\n")
            return EXIT_OK
        return _execute(args, conn, plan)
    finally:
        conn.close()

def _execute(args: argparse.Namespace, conn: Connector, plan: Plan) -> int:
    """Run the plan. A signal (set up by ``cli.main``, reaching here as ``args.signals``)
    cancels it gracefully: the summary says how far each change got, and the exit code is
    128 + the signal number."""
    options = ApplyOptions(parallelism=args.parallelism, timeout=args.timeout)
    signals = getattr(args, "signals", None)
    section = signals.graceful() if signals is not None else contextlib.nullcontext(None)
    out("\n")
    with section as cancel:
        executor = Executor(conn.api_for, options=options, progress=progress, cancel=cancel)
        result = executor.apply(plan)
    out("\n" + render_apply(result))
    if result.interrupted and signals is not None and signals.exit_code is not None:
        return signals.exit_code
    return EXIT_OK if result.ok else EXIT_ERROR
