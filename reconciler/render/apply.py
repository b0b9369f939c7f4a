"""Text view of an apply result: per connection done / waiting / failed / not started."""

from __future__ import annotations

from reconciler.executor import ApplyResult
from reconciler.plan import ChangeKind

_DONE_WORD = {
    ChangeKind.CREATE: "created", ChangeKind.UPDATE: "updated", ChangeKind.REPLACE: "replaced",
    ChangeKind.RELEASE: "released", ChangeKind.ACCEPT: "accepted", ChangeKind.REJECT: "rejected",
}


def render_apply(result: ApplyResult) -> str:
    lines: list[str] = []
    done = {k: 0 for k in ("created", "updated", "replaced", "released")}
    for o in result.outcomes:
        word = _DONE_WORD[o.kind]
        if o.status in ("done", "waiting") and word in done:
            done[word] += 1
        elif o.status in ("done", "waiting"):
            done["updated"] += 1
    tally = ", ".join(f"{n} {w}" for w, n in done.items())
    if result.ok:
        lines.append(f"Apply complete! Connections: {tally}.")
    else:
        counts = result.counts()
        lines.append(f"Apply failed: {counts['failed']} failed, {counts['not started']} not "
                     f"started; {tally}.")
    for o in result.outcomes:
        ident = f" [id={o.peer_conn_id}]" if o.peer_conn_id else ""
        if o.status == "done":
            lines.append(f"  done         {o.address}: {_DONE_WORD[o.kind]}{ident}")
        elif o.status == "waiting":
            lines.append(f"  waiting      {o.address}: {_DONE_WORD[o.kind]}{ident}; {o.detail}")
        elif o.status == "failed":
            steps = ", ".join(o.steps_done) or "none"
            lines.append(f"  failed       {o.address}{ident}: {o.error} (steps done: {steps})")
        else:
            why = f": {o.detail}" if o.detail else ""
            lines.append(f"  not started  {o.address}{why}")
    if not result.ok:
        lines.append("Nothing else was changed. Run plan and apply again to converge.")
    return "\n".join(lines) + "\n"
