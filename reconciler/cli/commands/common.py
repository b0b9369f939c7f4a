"""The plumbing every command shares: output, colour, the connector, making, reading and
writing plans, the topology diagram of ``plan --graph``. No command flow of its own."""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from reconciler.cli.connect import Connector, retry_policy, start_embedded_sim
from reconciler.errors import ConfigError, Diagnostic, UserError
from reconciler.model import DesiredAcceptance, DesiredConnection, DesiredState
from reconciler.observe import observe, read_live
from reconciler.plan import Plan, PlanFormatError, plan_from_json, plan_to_json
from reconciler.planner import Limits, plan_reading
from reconciler.render import render_markdown, render_text
from reconciler.render.graph import render_graph


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
    retry = retry_policy(os.environ)  # before the simulator starts: a bad value starts nothing
    uses_sim = args.sim or args.sim_world is not None
    sim = start_embedded_sim(args.sim_world) if uses_sim else None
    return Connector(env=os.environ, endpoint=args.endpoint, default_profile=args.profile,
                     sim=sim, retry=retry)

def render_plan(plan: Plan, fmt: str, args: argparse.Namespace) -> str:
    if fmt == "json":
        return plan_to_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, graph=getattr(args, "graph_text", ""),
                               plan_file=str(getattr(args, "out", None) or getattr(args, "planfile", "")))
    return render_text(plan, colour=use_colour(args))

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
    known = {e.name for e in entries} | {e.address for e in entries}
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
    plan = plan_reading(desired, live,
                        lambda jobs: observe(jobs, conn.api_for, parallelism=args.parallelism),
                        now=plan_time(os.environ), targets=tuple(args.target or ()),
                        limits=limits)
    profiles = {m.profile for m in desired.manifests} | {
        s.profile for c in plan.changes for s in c.steps}
    return replace(plan, binding=conn.target(profiles).as_dict())

def read_plan(path: str) -> Plan:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(Diagnostic(f"cannot read plan file: {exc.strerror}", file=path)) from None
    try:
        return plan_from_json(text)
    except PlanFormatError as exc:
        raise UserError(Diagnostic(str(exc), file=path)) from None

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
    if args.sim_world is not None:
        parts += ["--sim-world", shlex.quote(args.sim_world)]
    elif args.sim:
        parts.append("--sim")
    if args.endpoint:
        parts += ["--endpoint", shlex.quote(args.endpoint)]
    if args.profile:
        parts += ["--profile", shlex.quote(args.profile)]
    return " ".join(parts)

def plan_graph(args: argparse.Namespace, desired: DesiredState, plan: Plan) -> str:
    """The diagram ``plan --graph`` embeds in the Markdown plan ("" when not asked for)."""
    if not getattr(args, "graph", False):
        return ""
    if args.format != "markdown":
        raise ConfigError(Diagnostic("--graph is only shown in the Markdown plan",
                                     hint="add --format markdown, or use `peerconn graph "
                                          "PATH --live` for the diagram alone"))
    return render_graph(desired, plan)
