"""Command handlers: each parses nothing, calls the layers, renders, returns an exit code.

Owns the flow of ``validate``, ``plan``, ``show`` and ``apply``. The parser lives in ``cli``;
decisions live in ``planner`` and ``executor``; text lives in ``render``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.connect import Connector, start_embedded_sim
from reconciler.errors import ConfigError, Diagnostic, UserError
from reconciler.executor import ApplyOptions, Executor
from reconciler.manifest import load_paths
from reconciler.model import DesiredState
from reconciler.observe import jobs_for, observe
from reconciler.plan import Plan, PlanFormatError, plan_from_json, plan_to_json
from reconciler.planner import Limits, build_plan
from reconciler.render import render_markdown, render_text
from reconciler.render.apply import render_apply

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_STALE = 0, 1, 2, 3


def use_colour(args: argparse.Namespace) -> bool:
    return (not getattr(args, "no_color", False) and "NO_COLOR" not in os.environ
            and sys.stdout.isatty())


def out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def progress(message: str) -> None:
    out(message + "\n")


def connector(args: argparse.Namespace) -> Connector:
    sim = start_embedded_sim(args.sim or None) if args.sim is not None else None
    return Connector(env=os.environ, endpoint=args.endpoint, default_profile=args.profile,
                     sim=sim)


def render_plan(plan: Plan, fmt: str, args: argparse.Namespace) -> str:
    if fmt == "json":
        return plan_to_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, graph=getattr(args, "graph_text", ""))
    return render_text(plan, colour=use_colour(args))


# ---------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace) -> int:
    from reconciler import manifest_report as report
    from reconciler.errors import ManifestError

    try:
        outcome = report.valid(load_paths(args.paths))
    except ManifestError as exc:
        shown_all = args.all_errors or args.format == "json"
        outcome = report.invalid(exc, None if shown_all else report.SHOWN)
    return report.report(outcome, args.format, out, sys.stderr.write)


# -------------------------------------------------------------------- plan


def plan_time(env: Mapping[str, str]) -> datetime:
    """The plan's one clock reading: now, or ``PEERCONN_PLAN_TIME`` (ISO 8601, UTC) so that
    a plan can be reproduced byte for byte (golden files, determinism tests)."""
    fixed = env.get("PEERCONN_PLAN_TIME")
    if not fixed:
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(fixed.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise ConfigError(Diagnostic(f"PEERCONN_PLAN_TIME={fixed!r} is not an ISO 8601 time",
                                     hint="e.g. 2026-11-26T12:00:00Z")) from None


def make_plan(args: argparse.Namespace, conn: Connector, desired: DesiredState) -> Plan:
    live = observe(jobs_for(desired), conn.api_for, parallelism=args.parallelism)
    limits = Limits(per_vpc=args.max_per_vpc, per_account=args.max_per_account)
    return build_plan(desired, live, now=plan_time(os.environ), targets=tuple(args.target or ()),
                      limits=limits)


def cmd_plan(args: argparse.Namespace) -> int:
    desired = load_paths(args.paths)
    conn = connector(args)
    try:
        plan = make_plan(args, conn, desired)
    finally:
        conn.close()
    from reconciler.commands_extra import plan_graph  # it imports this module

    args.graph_text = plan_graph(args, desired, plan)
    if args.out:
        Path(args.out).write_text(plan_to_json(plan), encoding="utf-8")
    out(render_plan(plan, args.format, args))
    if args.out:  # on stderr: stdout may be the Markdown that becomes the PR comment
        print(f"\nSaved the plan to {args.out}. Apply exactly this plan with: "
              f"peerconn apply {args.out}", file=sys.stderr)
    if args.detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


# -------------------------------------------------------------------- show


def read_plan(path: str) -> Plan:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(Diagnostic(f"cannot read plan file: {exc.strerror}", file=path)) from None
    try:
        return plan_from_json(text)
    except PlanFormatError as exc:
        raise UserError(Diagnostic(str(exc), file=path)) from None


def cmd_show(args: argparse.Namespace) -> int:
    out(render_plan(read_plan(args.planfile), args.format, args))
    return EXIT_OK


# ------------------------------------------------------------------- apply


def _is_plan_file(paths: list[str]) -> bool:
    if len(paths) != 1 or not Path(paths[0]).is_file():
        return False
    with open(paths[0], "rb") as handle:
        return handle.read(64).lstrip().startswith(b"{")


def _confirm(args: argparse.Namespace) -> bool:
    if args.auto_approve:
        return True
    if not sys.stdin.isatty():
        raise ConfigError(Diagnostic(
            "refusing to apply without confirmation: standard input is not a terminal",
            hint="review the plan and pass --auto-approve, or apply a saved plan file"))
    out("\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ")
    return sys.stdin.readline().strip() == "yes"


def cmd_apply(args: argparse.Namespace) -> int:
    saved = _is_plan_file(args.paths)
    plan = read_plan(args.paths[0]) if saved else None
    desired = None if saved else load_paths(args.paths)
    conn = connector(args)
    try:
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
    options = ApplyOptions(parallelism=args.parallelism, timeout=args.timeout)
    executor = Executor(conn.api_for, options=options, progress=progress)
    out("\n")
    result = executor.apply(plan)
    out("\n" + render_apply(result))
    return EXIT_OK if result.ok else EXIT_ERROR


def handlers() -> dict[str, Any]:
    return {"validate": cmd_validate, "plan": cmd_plan, "show": cmd_show, "apply": cmd_apply}
