"""What an apply did, change by change: the values the executor fills in and render prints.

Owns: ``Outcome`` (the closed set of ways a change can end), ``ChangeOutcome`` (one change:
its outcome, the steps BCE accepted, the steps left, the call in flight) and ``ApplyResult``.
Values only; no I/O and no decisions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.plan import Action


class Outcome(StrEnum):
    """How one change ended. The value is what the summary prints."""

    DONE = "done"
    WAITING = "waiting"  # done by this run; another account still has to act (accept)
    UNSETTLED = "not yet settled"  # its calls were accepted; the cloud had not finished
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    NOT_STARTED = "not started"


#: Outcomes after which the change needs nothing more from this run.
COMPLETE = frozenset({Outcome.DONE, Outcome.WAITING})


@dataclass
class ChangeOutcome:
    address: str
    action: Action
    status: Outcome = Outcome.NOT_STARTED
    peer_conn_id: str | None = None
    #: operations whose call BCE accepted (or that turned out to need no call), in order
    steps_done: list[str] = field(default_factory=list)
    steps_planned: list[str] = field(default_factory=list)
    #: the operation whose mutating call is under way, "" between calls
    in_flight: str = ""
    #: what an accepted call has not yet led to, e.g. "created, not yet active"; "" when the
    #: last step done also settled
    pending: str = ""
    #: True when apply stopped waiting for a call in flight: its result is not known
    unknown: bool = False
    error: str = ""
    detail: str = ""

    @property
    def steps_left(self) -> list[str]:
        done = Counter(self.steps_done)  # an op may be planned several times (add_route)
        left = []
        for op in self.steps_planned:
            if done[op]:
                done[op] -= 1
            else:
                left.append(op)
        return left


@dataclass
class ApplyResult:
    outcomes: list[ChangeOutcome]
    #: the run was cancelled (a signal in the CLI); the outcomes say how far each change got
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(o.status in COMPLETE for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in Outcome}
        for o in self.outcomes:
            out[str(o.status)] += 1
        return out


