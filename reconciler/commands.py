"""Command handlers: each parses nothing, calls the layers, renders, returns an exit code.

Owns the flow of ``validate``, ``plan``, ``show`` and ``apply``. The parser lives in ``cli``;
decisions live in ``planner`` and ``executor``; text lives in ``render``.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.binding import Target, step_problems, target_mismatch
from reconciler.connect import Connector, start_embedded_sim
from reconciler.errors import ConfigError, Diagnostic, UserError
from reconciler.executor import ApplyOptions, Executor
from reconciler.manifest import load_paths
from reconciler.model import DesiredAcceptance, DesiredConnection, DesiredState
from reconciler.observe import read_live
from reconciler.plan import Plan, PlanFormatError, plan_from_json, plan_to_json
from reconciler.planner import Limits, build_plan
from reconciler.render import render_markdown, render_text
from reconciler.render.apply import render_apply
from reconciler.render.steps import render_steps

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_STALE = 0, 1, 2, 3


def use_colour(args: argparse.Namespace) -> bool:
    """Colour on a terminal, unless --no-color, a non-empty NO_COLOR (no-color.org) or a dumb
    terminal says otherwise."""
    return (not getattr(args, "no_color", False) and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb" and sys.stdout.isatty())


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
        return render_markdown(plan, graph=getattr(args, "graph_text", ""),
                               plan_file=str(getattr(args, "out", None) or getattr(args, "planfile", "")))
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


def check_targets(targets: list[str], desired: DesiredState) -> None:
    """Every ``--target`` names a declared connection or acceptance (by name or STACK/NAME)."""
    entries: list[DesiredConnection | DesiredAcceptance] = [*desired.connections,
                                                            *desired.acceptances]
    known = {e.name for e in entries} | {f"{e.stack}/{e.name}" for e in entries}
    problems = []
    for target in targets:
        if target in known:
            continue
        close = difflib.get_close_matches(target, sorted(known), n=3, cutoff=0.5)
        hint = (f"did you mean {', '.join(close)}?" if close
                else f"declared: {', '.join(sorted(e.name for e in entries)) or 'nothing'}")
        problems.append(Diagnostic(f"--target {target}: no connection or acceptance of that "
                                   "name in the manifests", hint=hint))
    if problems:
        raise ConfigError(problems)


def make_plan(args: argparse.Namespace, conn: Connector, desired: DesiredState) -> Plan:
    check_targets(list(args.target or ()), desired)
    live = read_live(desired, conn.api_for, parallelism=args.parallelism)
    limits = Limits(per_vpc=args.max_per_vpc, per_account=args.max_per_account)
    plan = build_plan(desired, live, now=plan_time(os.environ),
                      targets=tuple(args.target or ()), limits=limits)
    profiles = {m.profile for m in desired.manifests} | {
        s.profile for c in plan.changes for s in c.steps}
    return replace(plan, target=conn.target(profiles).as_dict())


def check_saved_plan(plan: Plan, conn: Connector, args: argparse.Namespace) -> None:
    """A saved plan runs only against what it was made against, and only as it reads."""
    if getattr(args, "target", None):
        raise ConfigError(Diagnostic(
            "--target cannot be combined with a saved plan: it applies exactly what it holds",
            file=args.paths[0],
            hint="make a new plan with `peerconn plan ... --target NAME --out FILE`"))
    planned = Target.from_dict(plan.target)
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
        write_plan_file(args.out, plan)
    out(render_plan(plan, args.format, args))
    if args.out:  # on stderr: stdout may be the Markdown that becomes the PR comment
        print(f"\nSaved the plan to {args.out}. Apply exactly this plan with: "
              f"{apply_command(args)}", file=sys.stderr)
    if args.detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


def write_plan_file(path: str, plan: Plan) -> None:
    try:
        Path(path).write_text(plan_to_json(plan), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(Diagnostic(f"cannot write the plan file: {exc.strerror}", file=path,
                                     hint="--out names a file in an existing, writable "
                                          "directory")) from None


def apply_command(args: argparse.Namespace) -> str:
    """The command that applies the saved plan against the same target it was made with."""
    parts = ["peerconn", "apply", shlex.quote(args.out)]
    if args.sim is not None:
        parts.append(f"--sim={shlex.quote(args.sim)}" if args.sim else "--sim")
    if args.endpoint:
        parts += ["--endpoint", shlex.quote(args.endpoint)]
    if args.profile:
        parts += ["--profile", shlex.quote(args.profile)]
    return " ".join(parts)


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
    plan = read_plan(args.planfile)
    out(render_plan(plan, args.format, args))
    if args.format == "text" and plan.changes:
        out("\n" + render_steps(plan))
    return EXIT_OK


# ------------------------------------------------------------------- apply


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


def handlers() -> dict[str, Any]:
    return {"validate": cmd_validate, "plan": cmd_plan, "show": cmd_show, "apply": cmd_apply}
