"""The plan: an immutable value that apply executes and nothing else.

``values``: the plan's types; ``codec``: the versioned JSON file; ``binding``: what a saved plan
is bound to. This module re-exports the names the other layers use.
"""

from reconciler.plan.codec import (
    FORMAT,
    FORMAT_VERSION,
    PlanFormatError,
    plan_from_json,
    plan_to_dict,
    plan_to_json,
)
from reconciler.plan.values import (
    OP_ORDER,
    ROUTE_OPS,
    Action,
    Change,
    Expect,
    FieldChange,
    Note,
    NoteLevel,
    Op,
    PeerConnTarget,
    Plan,
    Ref,
    ResourceKind,
    Step,
    Wait,
    fingerprint,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "OP_ORDER", "ROUTE_OPS", "Action", "Change", "Expect", "FieldChange",
           "Note", "NoteLevel", "Op", "PeerConnTarget", "Plan", "PlanFormatError", "Ref",
           "ResourceKind", "Step", "Wait", "fingerprint", "plan_from_json", "plan_to_dict",
           "plan_to_json"]
