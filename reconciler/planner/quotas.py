"""BCE's peering quotas, checked at plan time so an apply never stops half-way on them. Pure.

Owns: counting, per VPC and per account (credentials profile), the live connections the run
could see plus the planned creates minus the planned releases, and the diagnostics when a
limit would be exceeded. BCE counts a connection against both of its VPCs and both accounts
(reference §9: 10 per VPC, 10 per user). Counts of VPCs or accounts the run did not list are
lower bounds, so this check can miss a violation but never invents one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from reconciler.errors import Diagnostic
from reconciler.observe.live import LiveState
from reconciler.plan import Action, Change


@dataclass(frozen=True, slots=True)
class Limits:
    """Quotas in force (BCE's defaults; raised quotas are passed on the command line)."""

    per_vpc: int = 10
    per_account: int = 10


def _ends(change: Change) -> list[tuple[str | None, str]]:
    """(profile, VPC) of each end this run can attribute: the peer end only within one account."""
    ends = [(change.profile, change.local_vpc_id)]
    if change.target.peer_account_id is None:
        ends.append((change.profile, change.peer_vpc_id))
    return ends


def check(live: LiveState, changes: list[Change], limits: Limits) -> list[Diagnostic]:
    by_vpc: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    by_account: dict[str | None, set[str]] = defaultdict(set)
    for ctx, view in live.items():
        by_vpc[(ctx.profile, view.local_vpc_id)].add(view.peer_conn_id)
        by_account[ctx.profile].add(view.peer_conn_id)
    vpc_delta: dict[tuple[str | None, str], int] = defaultdict(int)
    account_delta: dict[str | None, int] = defaultdict(int)
    for change in changes:
        step = {Action.CREATE: 1, Action.RELEASE: -1}.get(change.action, 0)
        if not step:
            continue
        for end in _ends(change):
            vpc_delta[end] += step
        account_delta[change.profile] += step
    problems = []
    for (profile, vpc), extra in sorted(vpc_delta.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        total = len(by_vpc[(profile, vpc)]) + extra
        if extra > 0 and total > limits.per_vpc:
            problems.append(Diagnostic(
                summary=f"{vpc} would have {total} peering connections; BCE allows "
                        f"{limits.per_vpc} per VPC",
                hint="raise the quota with BCE and pass --max-per-vpc, or peer fewer VPCs"))
    for profile, extra in sorted(account_delta.items(), key=lambda kv: str(kv[0])):
        total = len(by_account[profile]) + extra
        if extra > 0 and total > limits.per_account:
            problems.append(Diagnostic(
                summary=f"account of profile {profile or 'default'} would have at least "
                        f"{total} peering connections; BCE allows {limits.per_account} per "
                        "account",
                hint="raise the quota with BCE and pass --max-per-account"))
    return problems
