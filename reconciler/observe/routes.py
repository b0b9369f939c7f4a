"""Which route reads a run needs (specs/planning.md, "Reading routes").

Owns: deciding the route-table reads (``GET /v1/route?vpcId=``, one per VPC) and the VPC
detail reads (``GET /v1/vpc/{id}``, one per VPC) of a run, as ``ListJob`` values the
observation runs in its one bounded pool. A run that declares no route list reads nothing
here, so runs without routes cost what they always did. A run that declares any reads the
table of every VPC its entries touch and can read — so that a release (``ensure: absent``,
prune, the release half of a replace) can delete every rule through that connection, and an
unmanaged side can be shown — plus the one detail the declared rules need: the table's own
VPC when a rule has a custom source (its subnets). Symbolic destinations and the overlap
check take the CIDRs from the accounts' VPC lists, which every run reads anyway. After a
first plan, ``release_route_jobs`` names the tables a release needs in a run without route
lists. Must not decide which rules should exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import (
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    STACK_TAG,
    DesiredAcceptance,
    DesiredConnection,
    DesiredState,
    PairKey,
    PeerConn,
)
from reconciler.observe.jobs import ListJob
from reconciler.observe.live import Context, LiveState
from reconciler.plan import Change, Op

Entry = DesiredConnection | DesiredAcceptance


def _entries(desired: DesiredState) -> list[Entry]:
    return [*desired.connections, *desired.acceptances]


def uses_routes(desired: DesiredState) -> bool:
    """Whether any entry of the run declares a route list (``[]`` included)."""
    return any(entry.routes_local is not None or entry.routes_peer is not None
               for entry in _entries(desired))


def route_jobs_for(desired: DesiredState) -> list[ListJob]:
    """The first wave's route reads: tables, the peer ends' lists, and the VPC details a
    custom source needs. A symbolic destination needs none: the account's VPC list (read for
    the VPC rules, one call per profile and region) carries every ``cidr`` and
    ``secondaryCidr``, and another account's VPC is in it only when the run holds that
    account's entry."""
    if not uses_routes(desired):
        return []
    jobs: dict[ListJob, None] = {}
    for conn in desired.connections:
        jobs[ListJob(Context(conn.profile, conn.region), conn.local_vpc_id, "route_table")] = None
        if conn.peer_account_id is None:
            peer_ctx = Context(conn.profile, conn.peer_region)
            jobs[ListJob(peer_ctx, conn.peer_vpc_id, "route_table")] = None
            # The peer table's next hop is the peer end's localIfId, on the peer VPC's list.
            jobs[ListJob(peer_ctx, conn.peer_vpc_id)] = None
    for acc in desired.acceptances:
        jobs[ListJob(Context(acc.profile, acc.region), acc.local_vpc_id, "route_table")] = None
    for entry in _entries(desired):
        for route in entry.routes:
            if route.custom_source:  # its subnets: only a VPC's detail lists them
                jobs[ListJob(Context(route.profile, route.region), route.table_vpc_id,
                             "vpc_detail")] = None
    return list(jobs)


def prune_route_jobs(desired: DesiredState, live: LiveState) -> list[ListJob]:
    """Second wave: the tables of connections a prune may release (found by the first
    wave's account-wide lists), so their rules can be deleted before the release.

    The local end's table is always readable (its VPC was listed with our keys). The peer
    end's is read, with the peer VPC's peering list (for its ``localIfId``), when the peer
    VPC is among the account's VPCs the run listed — the one sign, from our side, that it
    is ours."""
    if not uses_routes(desired):
        return []
    declared = {entry.pair for entry in _entries(desired)}
    jobs: dict[ListJob, None] = {}
    for manifest in desired.manifests:
        if not manifest.prune:
            continue
        ctx = Context(manifest.profile, manifest.region)
        for view in _owned(live.views(ctx), manifest.stack, declared):
            jobs[ListJob(ctx, view.local_vpc_id, "route_table")] = None
            peer = live.vpc(manifest.profile, view.peer_vpc_id)
            if peer is not None:
                peer_ctx = Context(manifest.profile, peer.region)
                jobs[ListJob(peer_ctx, view.peer_vpc_id, "route_table")] = None
                if live.end(peer_ctx, view.peer_vpc_id, view.local_vpc_id) is None:
                    jobs[ListJob(peer_ctx, view.peer_vpc_id)] = None
    return [job for job in jobs
            if job.kind != "route_table" or not live.route_table_read(job.vpc_id or "")]


def _owned(views: Iterable[PeerConn], stack: str, declared: set[PairKey]) -> list[PeerConn]:
    return [v for v in views
            if v.tag_map.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE
            and v.tag_map.get(STACK_TAG) == stack and v.pair not in declared]


def release_route_jobs(changes: Iterable[Change], live: LiveState) -> list[ListJob]:
    """After a first plan: the tables a release of it needs and the run did not read.

    A release (``ensure: absent``, prune, the release half of a replace) deletes every rule
    through the connection first, in every table the run can read, whether or not the
    manifests declare routes (PRODUCT: no rule is left pointing at a released connection).
    A run that declares none reads no table up front, so this names, for each release, its
    local VPC's table and — same account — the peer VPC's table and peering list (for that
    end's ``localIfId``). Empty when everything was read: then the first plan stands."""
    jobs: dict[ListJob, None] = {}
    for change in changes:
        if not any(step.op == Op.RELEASE for step in change.steps):
            continue
        t = change.target
        jobs[ListJob(Context(t.profile, t.region), t.local_vpc_id, "route_table")] = None
        # Same account: declared so, or (a prune's target, from the live view) the peer VPC
        # is among the account's VPCs the run listed.
        peer = live.vpc(t.profile, t.peer_vpc_id)
        if t.peer_account_id is None or peer is not None:
            peer_ctx = Context(t.profile, peer.region if peer is not None and peer.region
                               else t.peer_region)
            jobs[ListJob(peer_ctx, t.peer_vpc_id, "route_table")] = None
            if live.end(peer_ctx, t.peer_vpc_id, t.local_vpc_id) is None:
                jobs[ListJob(peer_ctx, t.peer_vpc_id)] = None
        # Every end of it the run listed, through whichever profile: the other account's
        # table too when that account's entry is in the run.
        for ctx, view in live.items():
            if t.peer_conn_id and view.peer_conn_id == t.peer_conn_id:
                jobs[ListJob(ctx, view.local_vpc_id, "route_table")] = None
    wanted = [job for job in jobs
              if job.kind != "route_table" or not live.route_table_read(job.vpc_id or "")]
    return wanted if any(job.kind == "route_table" for job in wanted) else []
