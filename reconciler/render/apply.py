"""Text view of an apply result: the headline, one line per change, and what to do next.

Every sentence is derived from the outcomes: a change is counted as created once BCE accepted
its create (even when it is not active yet), each unfinished change lists the steps it did
and the ones it did not, and the closing line says "Nothing was changed" only when no step
of any change was done (and says the result is unknown when a call was left in flight).
"""

from __future__ import annotations

from reconciler.apply.outcomes import COMPLETE, ApplyResult, ChangeOutcome, Outcome
from reconciler.plan import Action, Op

_DONE_WORD = {
    Action.CREATE: "created", Action.UPDATE: "updated", Action.REPLACE: "replaced",
    Action.RELEASE: "released", Action.ACCEPT: "accepted", Action.REJECT: "rejected",
}
#: The step whose acceptance makes a change count in the tally, by kind (None: any step).
_COUNTS_AFTER = {Action.CREATE: "create", Action.REPLACE: "create",
                 Action.RELEASE: "release"}
_WIDTH = len("not started  ")  # the column the older outcomes line up on
#: BCE's answer (in the simulator, ``release_with_routes: refuse``) to releasing a connection
#: that route rules use
_ROUTES_IN_THE_WAY = "HasRouteRules"


def render_apply(result: ApplyResult) -> str:
    lines = [_headline(result)]
    lines += [_line(o) for o in result.outcomes]
    closing = _closing(result)
    if closing:
        lines.append(closing)
    return "\n".join(lines) + "\n"


_ROUTE_WORDS = {Op.ADD_ROUTE.value: "added", Op.CHANGE_ROUTE.value: "changed",
                Op.DELETE_ROUTE.value: "deleted"}


def _tally(result: ApplyResult) -> str:
    """What was done, counted as the plan's summary line counts it: a change of route rules
    only is not a connection update; its rules are counted under ``routes``."""
    done = {k: 0 for k in ("created", "updated", "replaced", "released")}
    rules = {w: 0 for w in _ROUTE_WORDS.values()}
    for o in result.outcomes:
        if _counts(o) and not _routes_only(o):
            word = _DONE_WORD[o.action]
            done[word if word in done else "updated"] += 1
        for op in o.steps_done:
            if op in _ROUTE_WORDS:
                rules[_ROUTE_WORDS[op]] += 1
    text = ", ".join(f"{n} {w}" for w, n in done.items())
    if any(op in _ROUTE_WORDS for o in result.outcomes for op in o.steps_planned):
        text += "; routes: " + ", ".join(f"{n} {w}" for w, n in rules.items())
    return text


def _routes_only(o: ChangeOutcome) -> bool:
    return bool(o.steps_planned) and all(op in _ROUTE_WORDS for op in o.steps_planned)


def _counts(o: ChangeOutcome) -> bool:
    """Whether the change made its mark on the cloud (what the tally counts)."""
    if o.status in COMPLETE:
        return True
    needed = _COUNTS_AFTER.get(o.action)
    return needed in o.steps_done if needed else bool(o.steps_done)


def _headline(result: ApplyResult) -> str:
    if result.ok:
        return f"Apply complete! Connections: {_tally(result)}."
    counts = result.counts()
    if result.interrupted:
        verb, shown = "interrupted", [s for s in Outcome if counts[s]]
    elif counts[Outcome.FAILED]:
        verb, shown = "failed", [Outcome.FAILED, Outcome.NOT_STARTED, Outcome.UNSETTLED]
    else:
        verb, shown = "incomplete", [Outcome.UNSETTLED, Outcome.NOT_STARTED]
    parts = ", ".join(f"{counts[s]} {s}" for s in shown if counts[s] or s != Outcome.UNSETTLED)
    return f"Apply {verb}: {parts}; {_tally(result)}."


def _line(o: ChangeOutcome) -> str:
    head = f"  {(str(o.status) + '  ').ljust(_WIDTH)}{o.address}"
    ident = f" [id={o.peer_conn_id}]" if o.peer_conn_id else ""
    word = _DONE_WORD[o.action]
    if o.status == Outcome.DONE:
        return f"{head}: {word}{ident}" + (f"; {o.detail}" if o.detail else "")
    if o.status == Outcome.WAITING:
        return f"{head}: {word}{ident}; {o.detail}"
    if o.status == Outcome.NOT_STARTED:
        return head + (f": {o.detail}" if o.detail else "")
    what = o.pending or (f"{word} in part" if o.steps_done else "")
    if o.status == Outcome.INTERRUPTED and not what:
        what = "nothing done yet"
    why = o.error if o.status == Outcome.FAILED else o.detail
    return f"{head}{ident}: " + "; ".join(p for p in (what, why) if p) + f" ({_progress(o)})"


def _progress(o: ChangeOutcome) -> str:
    done = ", ".join(o.steps_done) or "none"
    left = ", ".join(o.steps_left)
    return f"steps done: {done}" + (f"; not done: {left}" if left else "")


def _closing(result: ApplyResult) -> str:
    if result.ok:
        return ""
    if any(o.unknown for o in result.outcomes):
        first = ("The result of a call still in flight is unknown; `peerconn plan` shows what "
                 "the cloud has now.")
    elif any(o.steps_done for o in result.outcomes):
        first = "Only the steps listed as done above were made."
    else:
        first = "Nothing was changed."
    if any(_ROUTES_IN_THE_WAY in o.error for o in result.outcomes):
        # A plan deletes every rule through a connection it releases in every table the run
        # can read; planning again alone would plan the same release (specs/routes.md).
        return (f"{first} Route rules this run cannot read still point at a connection to "
                "release (another account's route table, or one added since the plan): "
                "delete them there, or plan with that account's profile in the same run, "
                "then plan and apply again.")
    return f"{first} Run plan and apply again to converge."
