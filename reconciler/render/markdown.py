"""Markdown view of a Plan, made for a pull-request comment.

A summary heading, a highlighted warning when anything is released or replaced, and one
collapsible block per connection with a ``diff`` code block and the reasons. A plan longer
than a comment allows is cut at a block boundary with a pointer to the saved plan.
"""

from __future__ import annotations

from reconciler.plan import Change, ChangeKind, Plan
from reconciler.render.text import value

#: GitHub's comment limit is 65,536 characters; stay clear of it.
MAX_COMMENT = 60_000


def render_markdown(plan: Plan, *, max_chars: int = MAX_COMMENT, graph: str = "") -> str:
    head = _head(plan)
    if graph and len(graph) > max_chars // 2:
        # A diagram that would crowd out the changes is left out rather than cut.
        head.extend(["> The topology diagram is left out: it is too large for a comment "
                     "(`peerconn graph PATH --live` draws it).", ""])
    elif graph:
        head.extend(["```mermaid", graph.rstrip("\n"), "```", ""])
    blocks = ["\n".join(_block(c)) for c in plan.changes]
    tail = _notes(plan, max_chars // 4)
    out = "\n".join(head) + "\n"
    shown = 0
    for block in blocks:
        if len(out) + len(block) + len(tail) + 300 > max_chars:
            break
        out += block + "\n"
        shown += 1
    if shown < len(blocks):
        out += (f"\n> **{len(blocks) - shown} more change(s) not shown:** this plan is longer "
                "than a comment allows. The full plan is in the saved plan artifact "
                "(`peerconn show plan.json`).\n")
    return out + tail


def _head(plan: Plan) -> list[str]:
    counts = plan.counts()
    if not plan.changes:
        return ["### peerconn plan: no changes", "",
                "The live connections match the manifests.", ""]
    lines = [f"### peerconn plan: {plan.summary_line().removeprefix('Plan: ')}", ""]
    destructive = [c for c in plan.changes
                   if c.kind in (ChangeKind.RELEASE, ChangeKind.REPLACE)]
    if destructive:
        names = ", ".join(f"`{c.address}`" for c in destructive)
        lines += ["> [!WARNING]",
                  f"> This plan **releases {counts['release']}** and **replaces "
                  f"{counts['replace']}** peering connection(s): {names}. Traffic over them "
                  "stops while they are gone.", ""]
    return lines


def _block(change: Change) -> list[str]:
    ident = f" ({change.peer_conn_id})" if change.peer_conn_id else ""
    out = ["<details>",
           f"<summary><code>{change.kind.symbol} {change.address}</code> "
           f"{change.kind.verb}{ident}</summary>", "", "```diff"]
    if change.fields:
        for f in change.fields:
            out.append(f"- {f.field} = {value(f.before)}")
            out.append(f"+ {f.field} = {value(f.after)}")
    else:
        mark = "-" if change.kind == ChangeKind.RELEASE else "+"
        for key, val in change.attributes.items():
            out.append(f"{mark} {key} = {value(val)}")
    out += ["```", ""]
    out += [f"- **why:** {r}" for r in change.reasons]
    out.append("- **steps:** " + " → ".join(f"`{s.op.value}`" for s in change.steps))
    out += ["", "</details>", ""]
    return out


def _notes(plan: Plan, budget: int) -> str:
    """The notes, cut at a whole note once they would take more than ``budget`` characters."""
    if not plan.notes:
        return ""
    lines = ["", "**Notes**", ""]
    used = 0
    for shown, note in enumerate(plan.notes):
        icon = "**warning**" if note.level == "warning" else "note"
        line = f"- {icon} `{note.address}`: {note.message}"
        used += len(line) + 1
        if used > budget:
            lines.append(f"- {len(plan.notes) - shown} more note(s) not shown "
                         "(`peerconn show plan.json`).")
            break
        lines.append(line)
    return "\n".join(lines) + "\n"
