"""Terraform-shaped text view of a Plan.

One block per connection with its symbol (``+ ~ - -/+``), the declared attributes or the
changed fields with the reason for each, the API steps, then notes and the summary line.
Colour only when the caller says so (the CLI decides: a terminal and no ``NO_COLOR``).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan import Change, ChangeKind, NoteLevel, Plan

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
    else:
        lines += [paint.bold("No changes.") + " The live connections match the manifests.", ""]
    if plan.notes:
        lines.append("Notes:")
        for note in plan.notes:
            mark = "!" if note.level == NoteLevel.WARNING else "-"
            lines.append(f"  {mark} {note.address}: {note.message}")
        lines.append("")
    if plan.changes:
        lines.append(paint.bold(plan.summary_line()))
    return "\n".join(lines) + "\n"


def _block(change: Change, paint: _Paint) -> list[str]:
    symbol = change.kind.symbol
    ident = f" ({change.peer_conn_id})" if change.peer_conn_id else ""
    head = f"  # {paint.bold(change.address)} {change.kind.verb}{ident}"
    out = [head, f"  {paint.sym(symbol)} peerconn {json.dumps(change.name)} {{"]
    if change.fields:
        width = max((len(f.field) for f in change.fields), default=0)
        for f in change.fields:
            mark = "-/+" if f.forces_replacement else "~"
            tail = " # forces replacement" if f.forces_replacement else ""
            out.append(f"      {paint.sym(mark, mark)} {f.field.ljust(width)} = "
                       f"{value(f.before)} -> {value(f.after)}{tail}")
    else:
        mark = "-" if change.kind == ChangeKind.RELEASE else "+"
        attrs = change.attributes
        width = max((len(k) for k in attrs), default=0)
        for key, val in attrs.items():
            out.append(f"      {paint.sym(mark)} {key.ljust(width)} = {value(val)}")
    out.append("    }")
    for reason in change.reasons:
        out.append(f"    why: {reason}")
    if change.depends_on:
        out.append(f"    after: {', '.join(change.depends_on)}")
    out.append("    steps: " + " -> ".join(s.op.value for s in change.steps))
    return out
