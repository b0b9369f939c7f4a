"""The planner: desired state + live state + the time → a Plan. Pure.

Owns the decisions: matching manifest entries to live connections by VPC pair, scoping the
comparison to declared fields, choosing the change kind (create / update / replace / release /
accept / reject), the per-connection step order (specs/planning.md), the rules that block a change
at plan time (prevent_destroy, release protection, BCE's own refusals), and pruning. Field
comparison lives in ``diffing``; the API steps for a change in ``steps``. Never imports the
client, never reads the clock or the environment: ``now`` and ``limits`` are parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from reconciler import __version__
from reconciler.errors import Diagnostic, UserError
from reconciler.model import Address, DesiredState
from reconciler.observe.jobs import ListJob
from reconciler.observe.live import Context, LiveState
from reconciler.observe.routes import release_route_jobs
from reconciler.plan import Change, Op, Plan
from reconciler.planner import quotas, vpc_rules
from reconciler.planner.acceptances import AcceptancePlanning
from reconciler.planner.connections import ConnectionPlanning
from reconciler.planner.prune import Pruning
from reconciler.planner.quotas import Limits


def plan_identity(now: datetime) -> str:
    """Which plan this is, from its one clock reading at full precision: two plans made one
    after another differ, a plan reproduced with a fixed ``now`` is the same (specs/tokens.md)."""
    return hashlib.sha256(now.isoformat(timespec="microseconds").encode()).hexdigest()[:16]


class PlanError(UserError):
    """The plan cannot be made: a change is blocked by a rule."""


def build_plan(
    desired: DesiredState,
    live: LiveState,
    *,
    now: datetime,
    targets: tuple[str, ...] = (),
    limits: Limits = Limits(),
) -> Plan:
    planner = _Planner(desired, live, now, limits, plan_identity(now))
    planner.run()
    freed = _freed(planner.changes)
    if planner.errors and freed:
        # A declared rule another entry's change deletes is not taken over but moved: plan
        # again knowing what this plan deletes, the move depending on the delete.
        planner = _Planner(desired, live, now, limits, plan_identity(now))
        planner.freed = freed
        planner.run()
        planner.errors.extend(_move_cycles(planner.changes))
    if planner.errors:
        raise PlanError(planner.errors)
    changes = _select_targets(planner.changes, targets)
    notes = [n for n in planner.notes if not targets or _targeted(n.address, targets)]
    ordered = order(changes)
    return Plan(
        created_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        stacks=desired.stacks,
        changes=tuple(ordered),
        notes=tuple(notes),
        targets=tuple(targets),
        peerconn_version=__version__,
        plan_id=planner.steps.plan_id,
    )


def _freed(changes: list[Change]) -> dict[str, str]:
    """Rule id → the change of this plan that deletes it for good (not a rule the same
    change adds again, as a replace re-points a rule through its new connection)."""
    freed = {}
    for change in changes:
        again = {(s.vpc_id, s.params["source_address"], s.params["destination_address"])
                 for s in change.steps if s.op == Op.ADD_ROUTE}
        for step in change.steps:
            if step.op == Op.DELETE_ROUTE and (step.vpc_id, step.params["source_address"],
                                               step.params["destination_address"]) not in again:
                freed[str(step.params["route_rule_id"])] = change.address
    return freed


def _move_cycles(changes: list[Change]) -> list[Diagnostic]:
    """Changes that wait for each other (rules moving both ways between two entries) could
    never run: refuse them, naming the way out."""
    after = {c.address: set(c.depends_on) for c in changes}
    problems = []
    for change in changes:
        seen, todo = set(), list(after.get(change.address, ()))
        while todo:
            dep = todo.pop()
            if dep == change.address:
                problems.append(Diagnostic(
                    f"{change.address}: route rules move both ways between it and "
                    f"{', '.join(sorted(change.depends_on))}; one apply cannot order that",
                    hint="move them in two applies: first remove them from the entries "
                         "they leave, then declare them where they go"))
                break
            if dep not in seen:
                seen.add(dep)
                todo.extend(after.get(dep, ()))
    return problems


def plan_reading(
    desired: DesiredState,
    live: LiveState,
    read: Callable[[list[ListJob]], LiveState],
    *,
    now: datetime,
    targets: tuple[str, ...] = (),
    limits: Limits = Limits(),
) -> Plan:
    """``build_plan``, then — when the plan releases a connection whose route tables the run
    did not read (a run that declares no route list) — those tables read through ``read``
    and the plan made again, so every rule through a released connection is deleted first
    (specs/planning.md, "Reading routes"). ``live`` gains what was read."""
    plan = build_plan(desired, live, now=now, targets=targets, limits=limits)
    tables = release_route_jobs(plan.changes, live)
    if not tables:
        return plan
    live.merge(read(tables))
    return build_plan(desired, live, now=now, targets=targets, limits=limits)


def order(changes: list[Change]) -> list[Change]:
    """Execution order: releases first, then a topological order of ``depends_on`` that keeps
    manifest order wherever the dependencies allow (Kahn's algorithm, stable)."""
    first = [c for c in changes if c.runs_first]
    rest = [c for c in changes if not c.runs_first]
    placed = {c.address for c in first}
    present = {c.address for c in changes}
    out = list(first)
    while rest:
        ready = next((c for c in rest if all(d in placed or d not in present
                                             for d in c.depends_on)), None)
        if ready is None:  # a cycle cannot be planned; keep the rest in manifest order
            out += rest
            break
        rest.remove(ready)
        out.append(ready)
        placed.add(ready.address)
    return out


def _targeted(address: str, targets: tuple[str, ...]) -> bool:
    named = Address.parse(address)
    return any(named.named_by(target) for target in targets)


def _select_targets(changes: list[Change], targets: tuple[str, ...]) -> list[Change]:
    if not targets:
        return changes
    chosen = {c.address for c in changes if _targeted(c.address, targets)}
    for change in changes:  # dependencies of a targeted change come along
        if change.address in chosen:
            chosen.update(change.depends_on)
    return [c for c in changes if c.address in chosen]




class _Planner(ConnectionPlanning, AcceptancePlanning, Pruning):
    """One plan in the making: the parts per entry kind, driven in the order of specs/planning.md."""

    def run(self) -> None:
        self.errors.extend(vpc_rules.check(self.desired, self.live))
        for conn in self.desired.connections:
            self._plan_connection(conn)
        for manifest in self.desired.manifests:
            if manifest.prune:
                self._plan_prune(manifest.stack, Context(manifest.profile, manifest.region))
        # Last: an acceptance depends on what this run creates, replaces or releases.
        for acc in self.desired.acceptances:
            self._plan_acceptance(acc)
        self._note_left_behind()
        self.check_route_room()
        self.errors.extend(quotas.check(self.live, self.changes, self.limits))












