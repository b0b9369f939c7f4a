"""Terraform-shaped text view of a Plan.

One block per connection with its symbol (``+ ~ - -/+``), the declared attributes or the
changed fields with the reason for each, the API steps, then notes and the summary line.
Colour only when the caller says so (the CLI decides: a terminal and no ``NO_COLOR``).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan import Action, Change, Note, NoteLevel, Op, Plan, Step

_COLOURS = {"+": "\033[32m", "~": "\033[33m", "-": "\033[31m", "-/+": "\033[35m"}
_BOLD = "\033[1m"
_RESET = "\033[0m"


def value(v: Any) -> str:
    if isinstance(v, str | bool | dict | list) or v is None:
        return json.dumps(v, sort_keys=True)
    return str(v)


class _Paint:
    def __init__(self, colour: bool):
        self.colour = colour

    def sym(self, symbol: str, text: str | None = None) -> str:
        text = symbol if text is None else text
        if not self.colour:
            return text
        return f"{_COLOURS.get(symbol, '')}{text}{_RESET}"

    def bold(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.colour else text


def render_text(plan: Plan, *, colour: bool = False) -> str:
    paint = _Paint(colour)
    lines: list[str] = []
    if plan.changes:
        lines += ["peerconn will perform the following actions:", ""]
        for change in plan.changes:
            lines += _block(change, paint)
            lines.append("")
    notes = list(plan.notes)
    if not plan.changes:
        pending = [n for n in notes if n.message.startswith(PENDING_PREFIXES)]
        notes = [n for n in notes if n not in pending]
        lines += _no_changes(pending, paint)
    if notes:
        lines.append("Notes:")
        for note in notes:
            mark = "!" if note.level == NoteLevel.WARNING else "-"
            lines.append(f"  {mark} {note.address}: {note.message}")
        lines.append("")
    if plan.changes:
        lines.append(paint.bold(plan.summary_line()))
    return "\n".join(lines) + "\n"


#: How the planner's notes about something not settled begin (planner.pending_note, prune's
#: skips, the deferred DNS of a cross-account request): with no changes, those are listed
#: as still pending, so "No changes" never reads as "everything is finished".
PENDING_PREFIXES = ("not yet active", "waiting for ", "not pruned", "dns_sync is opened once")


def _no_changes(pending: list[Note], paint: _Paint) -> list[str]:
    head = paint.bold("No changes.") + " The live connections match the manifests"
    if not pending:
        return [head + ".", ""]
    lines = [head + ", but not everything has settled. Still pending:"]
    lines += [f"  - {n.address}: {n.message}" for n in pending]
    return [*lines, ""]


def _block(change: Change, paint: _Paint) -> list[str]:
    ident = f" ({change.peer_conn_id})" if change.peer_conn_id else ""
    out = [f"  # {paint.bold(change.address)} {change.action.verb}{ident}"]
    if not change.routes_only:  # a change of route rules only shows just the rules
        out += _attributes(change, paint)
    for step in change.route_steps:
        line, why = route_line(step)
        out += [f"    {paint.sym(line[0])}{line[1:]}", f"        why: {why}"]
    for reason in change.reasons:
        out.append(f"    why: {reason}")
    if change.depends_on:
        out.append(f"    after: {', '.join(change.depends_on)}")
    out.append("    steps: " + " -> ".join(s.op.value for s in change.steps))
    return out


def _attributes(change: Change, paint: _Paint) -> list[str]:
    """The ``peerconn "name" { ... }`` block: the fields that change, or all of a create's or
    a release's."""
    out = [f"  {paint.sym(change.action.symbol)} peerconn {json.dumps(change.name)} {{"]
    if change.fields:
        width = max((len(f.field) for f in change.fields), default=0)
        for f in change.fields:
            mark = "-/+" if f.forces_replacement else "~"
            tail = " # forces replacement" if f.forces_replacement else ""
            out.append(f"      {paint.sym(mark, mark)} {f.field.ljust(width)} = "
                       f"{value(f.before)} -> {value(f.after)}{tail}")
    else:
        mark = "-" if change.action == Action.RELEASE else "+"
        attrs = change.attributes
        width = max((len(k) for k in attrs), default=0)
        for key, val in attrs.items():
            out.append(f"      {paint.sym(mark)} {key.ljust(width)} = {value(val)}")
    return [*out, "    }"]


_ROUTE_MARKS = {Op.ADD_ROUTE: "+", Op.CHANGE_ROUTE: "~", Op.DELETE_ROUTE: "-"}


def route_line(step: Step) -> tuple[str, str]:
    """``+ route 10.30.0.0/16 via this connection in rt-… (vpc-app01)`` and the reason."""
    p = step.params
    source = p.get("source_address", "0.0.0.0/0")
    src = "" if source == "0.0.0.0/0" else f" from {source}"
    line = (f"{_ROUTE_MARKS[step.op]} route {p.get('destination_address')}{src} via this "
            f"connection in {p.get('route_table_id')} ({step.vpc_id})")
    return line, step.reason
