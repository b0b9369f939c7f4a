"""The API calls a plan makes, with their arguments, as ``peerconn show`` prints them.

The plan view says what changes and why; this view says exactly what apply will send, so a
reviewer of a saved plan sees the calls themselves (a hand-edited argument cannot hide behind
the change it claims to belong to). Pure string building.
"""

from __future__ import annotations

from reconciler.plan import ROUTE_OPS, Op, Plan, Ref, Step
from reconciler.render.text import value


def render_steps(plan: Plan) -> str:
    if not plan.changes:
        return ""
    lines = ["Steps apply will run, in order:"]
    for change in plan.changes:
        lines.append(f"  {change.address}")
        lines += [f"    {i}. {_step(step, change.address)}"
                  for i, step in enumerate(change.steps, 1)]
    return "\n".join(lines) + "\n"


def _step(step: Step, change_address: str) -> str:
    ref = step.peer_conn_id
    if isinstance(ref, Ref):
        on = "the new connection" if ref.change == change_address else \
            f"the connection {ref.change} creates"
    elif step.op == Op.CREATE:
        on = "the new connection"
    else:
        on = ref or "the request found at apply time"
    args = ", ".join(f"{k}={value(v)}" for k, v in step.params.items())
    where = f"{on} in {step.vpc_id} ({step.region}{', profile ' + step.profile if step.profile else ''})"
    # a route step acts on a rule in the VPC's table, through the connection
    text = f"{step.op.value} {'through ' if step.op in ROUTE_OPS else ''}{where}"
    if args:
        text += f": {args}"
    if step.wait:
        text += f"; then wait for {step.wait.value.replace('_', ' ')}"
    return text
