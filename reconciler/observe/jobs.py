"""What one observation job is and how it is read.

Owns: ``ListJob`` (one read: a VPC's or the account's peering list, the account's VPC list,
a VPC's route table, or one VPC's detail), the reader protocols the observation reaches the
client through (``Lister`` with its ``vpc`` and ``route`` parts; the planner never sees
them), and ``read_job``, which performs one job. Must not decide which jobs a run needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from reconciler.errors import NotFoundError
from reconciler.model import PeerConn, RouteTable, Vpc
from reconciler.observe.live import Context

JobKind = Literal["peerconn", "vpc", "route_table", "vpc_detail"]


class VpcLister(Protocol):
    def list_all(self, *, page_size: int = 1000) -> Iterator[Vpc]:
        ...

    def get(self, vpc_id: str) -> Vpc:
        ...


class RouteReader(Protocol):
    def get_table(self, *, vpc_id: str | None = None,
                  route_table_id: str | None = None) -> RouteTable:
        ...


class Lister(Protocol):
    @property
    def vpc(self) -> VpcLister:
        ...

    @property
    def route(self) -> RouteReader:
        ...

    def list_all(self, *, vpc_id: str | None = None, page_size: int = 1000) -> Iterator[PeerConn]:
        ...


ApiFor = Callable[[Context], Lister]


@dataclass(frozen=True, slots=True)
class ListJob:
    """One read through ``ctx``. ``peerconn``: a VPC's connections, or (``vpc_id`` None) the
    whole account's; ``vpc``: the account's VPCs in the region (``vpc_id`` None);
    ``route_table``: ``vpc_id``'s route table; ``vpc_detail``: ``vpc_id`` with its subnets."""

    ctx: Context
    vpc_id: str | None
    kind: JobKind = "peerconn"


def read_job(api: Lister, job: ListJob, page_size: int) -> list[Any]:
    """The items one job reads (a table and a detail are one item each, ``None`` when BCE
    says the VPC is not there: that is an answer the plan reports at the manifest's field,
    with the VPC rules, not a failed read; every other error propagates)."""
    if job.kind == "vpc":
        return list(api.vpc.list_all(page_size=page_size))
    if job.kind in ("route_table", "vpc_detail"):
        try:
            if job.kind == "route_table":
                return [api.route.get_table(vpc_id=job.vpc_id)]
            return [api.vpc.get(job.vpc_id or "")]
        except NotFoundError:
            return [None]
    return list(api.list_all(vpc_id=job.vpc_id, page_size=page_size))
