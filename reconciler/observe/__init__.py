"""Live state through list calls.

Owns: deciding which (account, region, VPC) lists a run needs, reading them with paginated
``GET /v1/peerconn?vpcId=...`` calls in parallel (bounded), and assembling a ``LiveState``.
Only list calls: every field the planner compares is on the list item, so no detail ``get``
is needed (the one field a list item lacks for our purpose, the other end's ``localIfName``,
is read from the other VPC's own list). For the planner's VPC rules (``vpc_rules``) it also
reads, once per (account profile, region) the manifests name, the account's VPCs there
(``GET /v1/vpc``, paged): one call per 1,000 VPCs instead of one detail call per VPC
(specs/planning.md). Those jobs run first, in the same bounded pool as the peering lists.
When the manifests declare routes, the route tables and VPC details ``observe.routes`` names
join the same pool (and, for prune, a second wave after the account-wide lists).
If any read fails the whole observation fails: a plan is never made from an incomplete view.
Job kinds and reader protocols are in ``observe.jobs``. Must not decide anything about changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.model import DesiredState, Role
from reconciler.observe.jobs import ApiFor, Lister, ListJob, RouteReader, VpcLister, read_job
from reconciler.observe.live import Context, LiveState
from reconciler.observe.routes import (
    prune_route_jobs,
    release_route_jobs,
    route_jobs_for,
    uses_routes,
)

__all__ = ["ApiFor", "Context", "ListJob", "Lister", "LiveState", "RouteReader", "VpcLister",
           "jobs_for", "observe", "owner_jobs", "read_live", "release_route_jobs", "uses_routes",
           "vpc_jobs_for"]


def vpc_jobs_for(desired: DesiredState) -> list[ListJob]:
    """The (profile, region) VPC lists the VPC rules need: every local VPC's, and a
    same-account peer VPC's (a peer of another account cannot be read with our keys); and a
    pruning manifest's, whose releases must know whether a peer VPC is the account's own."""
    contexts: dict[Context, None] = {}
    for conn in desired.connections:
        if conn.ensure == "absent":
            continue
        contexts[Context(conn.profile, conn.region)] = None
        if conn.peer_account_id is None:
            contexts[Context(conn.profile, conn.peer_region)] = None
    for acc in desired.acceptances:
        contexts[Context(acc.profile, acc.region)] = None
    for manifest in desired.manifests:
        if manifest.prune:  # what it may release: is the peer VPC ours (routes.release_route_jobs)
            contexts[Context(manifest.profile, manifest.region)] = None
    return [ListJob(ctx, None, "vpc") for ctx in contexts]


def jobs_for(desired: DesiredState) -> list[ListJob]:
    """Every list the plan needs, VPC lists first (they start in the first wave)."""
    jobs: dict[ListJob, None] = dict.fromkeys(vpc_jobs_for(desired))
    for conn in desired.connections:
        ctx = Context(conn.profile, conn.region)
        jobs[ListJob(ctx, conn.local_vpc_id)] = None
        if conn.peer_account_id is None and conn.peer_if_name is not None:
            jobs[ListJob(Context(conn.profile, conn.peer_region), conn.peer_vpc_id)] = None
    for acc in desired.acceptances:
        jobs[ListJob(Context(acc.profile, acc.region), acc.local_vpc_id)] = None
    for manifest in desired.manifests:
        if manifest.prune:
            jobs[ListJob(Context(manifest.profile, manifest.region), None)] = None
    jobs.update(dict.fromkeys(route_jobs_for(desired)))
    return list(jobs)


def observe(jobs: Iterable[ListJob], api_for: ApiFor, *, parallelism: int = 10,
            page_size: int = 1000) -> LiveState:
    """Run every list job; any failure propagates (ApiError) and no state is returned."""
    job_list = list(jobs)

    def run(job: ListJob) -> list[Any]:
        return read_job(api_for(job.ctx), job, page_size)

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        results = list(pool.map(run, job_list))
    live = LiveState(complete=[j.ctx for j in job_list if j.vpc_id is None and j.kind == "peerconn"])
    for job, items in zip(job_list, results, strict=True):
        _store(live, job, items)
    return live


def _store(live: LiveState, job: ListJob, items: list[Any]) -> None:
    if job.kind == "vpc":
        live.add_vpcs(job.ctx, items)
    elif job.kind == "route_table":
        live.add_route_table(job.ctx, job.vpc_id or "", items[0])
    elif job.kind == "vpc_detail":
        live.add_vpc_detail(job.ctx, job.vpc_id or "", items[0])
    else:
        for view in items:
            live.add(job.ctx, view)


def read_live(desired: DesiredState, api_for: ApiFor, *, parallelism: int = 10) -> LiveState:
    """Everything a plan of ``desired`` reads: its lists, then the lists that name owners."""
    live = observe(jobs_for(desired), api_for, parallelism=parallelism)
    more = [*owner_jobs(desired, live), *prune_route_jobs(desired, live)]
    if more:
        live.merge(observe(more, api_for, parallelism=parallelism))
    return live


def owner_jobs(desired: DesiredState, live: LiveState) -> list[ListJob]:
    """Lists that show who owns what the first lists saw only from the acceptor's end.

    A same-account connection initiated from the peer VPC reads, from our end, without tags;
    its owner (the ``peerconn-stack`` tag) is on the initiator's end, in the peer VPC's list.
    """
    jobs: dict[ListJob, None] = {}
    for conn in desired.connections:
        view = live.end(Context(conn.profile, conn.region), conn.local_vpc_id, conn.peer_vpc_id)
        if view is None or view.role != Role.ACCEPTOR or conn.peer_account_id is not None:
            continue
        peer_ctx = Context(conn.profile, conn.peer_region)
        if live.end(peer_ctx, conn.peer_vpc_id, conn.local_vpc_id) is None:
            jobs[ListJob(peer_ctx, conn.peer_vpc_id)] = None
    return list(jobs)
