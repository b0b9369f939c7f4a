"""Markdown view of a Plan, made for a pull-request comment.

A summary heading, a highlighted warning when anything is released or replaced, and one
collapsible block per connection with a ``diff`` code block and the reasons. A plan longer
than a comment allows is cut at a block boundary with a pointer to the saved plan.
"""

from __future__ import annotations

from reconciler.plan import Action, Change, NoteLevel, Op, Plan
from reconciler.render.text import route_line, value

#: GitHub's comment limit is 65,536 characters; stay clear of it.
MAX_COMMENT = 60_000


def render_markdown(plan: Plan, *, max_chars: int = MAX_COMMENT, graph: str = "",
                    plan_file: str = "") -> str:
    """``plan_file``: where the full plan is saved (``plan --out``), for the truncation pointer."""
    head = _head(plan) + _warnings(plan, max_chars // 4)
    if graph and len(graph) > max_chars // 2:
        # A diagram that would crowd out the changes is left out rather than cut.
        head.extend(["> The topology diagram is left out: it is too large for a comment "
                     "(`peerconn graph PATH --live` draws it).", ""])
    elif graph:
        head.extend(["```mermaid", graph.rstrip("\n"), "```", ""])
    blocks = ["\n".join(_block(c)) for c in plan.changes]
    tail = _notes(plan, max_chars // 4, plan_file)
    out = "\n".join(head) + "\n"
    shown = 0
    for block in blocks:
        if len(out) + len(block) + len(tail) + 300 > max_chars:
            break
        out += block + "\n"
        shown += 1
    if shown < len(blocks):
        out += (f"\n> **{len(blocks) - shown} more change(s) not shown:** this plan is longer "
                f"than a comment allows. {_full_plan(plan_file)}\n")
    return out + tail


def _head(plan: Plan) -> list[str]:
    counts = plan.counts()
    if not plan.changes:
        return ["### peerconn plan: no changes", "",
                "The live connections match the manifests.", ""]
    lines = [f"### peerconn plan: {plan.summary_line().removeprefix('Plan: ')}", ""]
    destructive = [c for c in plan.changes
                   if c.action in (Action.RELEASE, Action.REPLACE)]
    if destructive:
        names = ", ".join(f"`{c.address}`" for c in destructive)
        lines += ["> [!WARNING]",
                  f"> This plan **releases {counts['release']}** and **replaces "
                  f"{counts['replace']}** peering connection(s): {names}. Traffic over them "
                  "stops while they are gone.", ""]
    renewals = [c for c in plan.changes if any(s.op == Op.RENEW for s in c.steps)]
    if renewals:
        names = ", ".join(f"`{c.address}`" for c in renewals)
        lines += ["> [!IMPORTANT]",
                  f"> This plan **renews {len(renewals)}** prepaid connection(s): {names}. "
                  "A renewal is billed.", ""]
    return lines


def _warnings(plan: Plan, budget: int) -> list[str]:
    """Warning notes go above the changes, where a reviewer reads first (cut at a whole note
    beyond ``budget`` characters)."""
    warnings = [n for n in plan.notes if n.level == NoteLevel.WARNING]
    if not warnings:
        return []
    lines, used = ["**Warnings**", ""], 0
    for shown, note in enumerate(warnings):
        line = f"- **warning** `{note.address}`: {note.message}"
        used += len(line) + 1
        if used > budget:
            lines.append(f"- {len(warnings) - shown} more warning(s) not shown.")
            break
        lines.append(line)
    return [*lines, ""]


def _full_plan(plan_file: str) -> str:
    if plan_file:
        return f"The full plan: `peerconn show {plan_file}`."
    return "Save the full plan with `peerconn plan ... --out FILE` and read it with `peerconn show FILE`."


def _block(change: Change) -> list[str]:
    ident = f" ({change.peer_conn_id})" if change.peer_conn_id else ""
    out = ["<details>",
           f"<summary><code>{change.action.symbol} {change.address}</code> "
           f"{change.action.verb}{ident}</summary>", "", "```diff"]
    if change.routes_only:
        pass  # only its route rules change: listed below
    elif change.fields:
        for f in change.fields:
            forced = "  # forces replacement" if f.forces_replacement else ""
            out.append(f"- {f.field} = {value(f.before)}")
            out.append(f"+ {f.field} = {value(f.after)}{forced}")
    else:
        mark = "-" if change.action == Action.RELEASE else "+"
        for key, val in change.attributes.items():
            out.append(f"{mark} {key} = {value(val)}")
    for step in change.route_steps:
        line, why = route_line(step)
        out.append(f"{line}  # {why}")
    out += ["```", ""]
    out += [f"- **why:** {r}" for r in change.reasons]
    out.append("- **steps:** " + " → ".join(f"`{s.op.value}`" for s in change.steps))
    out += ["", "</details>", ""]
    return out


def _notes(plan: Plan, budget: int, plan_file: str) -> str:
    """The informational notes (warnings are above the changes), cut at a whole note once
    they would take more than ``budget`` characters."""
    infos = [n for n in plan.notes if n.level != NoteLevel.WARNING]
    if not infos:
        return ""
    lines = ["", "**Notes**", ""]
    used = 0
    for shown, note in enumerate(infos):
        line = f"- note `{note.address}`: {note.message}"
        used += len(line) + 1
        if used > budget:
            lines.append(f"- {len(infos) - shown} more note(s) not shown. "
                         f"{_full_plan(plan_file)}")
            break
        lines.append(line)
    return "\n".join(lines) + "\n"
