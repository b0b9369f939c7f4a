"""Live state as the planner sees it: the views of peering connections read by list calls.

Owns: ``Context`` (which account profile and region a view was read through), ``LiveState``
(an index of views by local VPC and pair, plus the VPCs each account was seen to have, by
region, for the contexts whose VPC list was read) and ``live_basis`` (the live fields a change
relies on, fingerprinted into the plan and re-checked by apply). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from reconciler.model import GONE_STATUSES, PairKey, PeerConn, Status, Vpc


@dataclass(frozen=True, slots=True)
class Context:
    """An account (credentials profile; None = environment/default) at one regional endpoint."""

    profile: str | None
    region: str

    def __str__(self) -> str:
        return f"{self.profile or 'default'}@{self.region}"


class LiveState:
    """Views of live connections, each as seen from the end whose VPC was listed."""

    def __init__(
        self,
        views: Iterable[tuple[Context, PeerConn]] = (),
        *,
        complete: Iterable[Context] = (),
    ):
        self._views: list[tuple[Context, PeerConn]] = []
        self._by_end: dict[tuple[Context, str, PairKey], PeerConn] = {}
        self.complete: frozenset[Context] = frozenset(complete)
        self._vpcs: dict[tuple[str | None, str], Vpc] = {}
        self._vpcs_read: set[Context] = set()
        for ctx, view in views:
            self.add(ctx, view)

    def add_vpcs(self, ctx: Context, vpcs: Iterable[Vpc]) -> None:
        """The whole VPC list read through ``ctx``. A VPC whose body names no region is in
        ``ctx``'s (BCE: the endpoint's region); one naming another region is kept as such."""
        self._vpcs_read.add(ctx)
        for vpc in vpcs:
            located = vpc if vpc.region else replace(vpc, region=ctx.region)
            self._vpcs.setdefault((ctx.profile, vpc.vpc_id), located)

    def vpcs_read(self, ctx: Context) -> bool:
        """Whether ``ctx``'s VPC list was read (only then can a VPC be known to be missing)."""
        return ctx in self._vpcs_read

    def vpc(self, profile: str | None, vpc_id: str) -> Vpc | None:
        """The account's VPC of that id, in whichever region it was seen; None if unseen."""
        return self._vpcs.get((profile, vpc_id))

    def add(self, ctx: Context, view: PeerConn) -> None:
        key = (ctx, view.local_vpc_id, view.pair)
        if key in self._by_end:
            return
        self._views.append((ctx, view))
        self._by_end[key] = view

    def merge(self, other: LiveState) -> None:
        for ctx, view in other._views:
            self.add(ctx, view)

    def end(self, ctx: Context, local_vpc_id: str, peer_vpc_id: str) -> PeerConn | None:
        """The live connection for the pair as seen from ``local_vpc_id``; gone ones excluded."""
        view = self._by_end.get((ctx, local_vpc_id, PairKey.of(local_vpc_id, peer_vpc_id)))
        if view is None or view.status in GONE_STATUSES:
            return None
        return view

    def deleting(self, ctx: Context, local_vpc_id: str, peer_vpc_id: str) -> PeerConn | None:
        view = self._by_end.get((ctx, local_vpc_id, PairKey.of(local_vpc_id, peer_vpc_id)))
        return view if view is not None and view.status == Status.DELETING else None

    def views(self, ctx: Context | None = None) -> list[PeerConn]:
        return [v for c, v in self._views if ctx is None or c == ctx]

    def items(self) -> list[tuple[Context, PeerConn]]:
        """Every (context, view) pair, gone ones excluded."""
        return [(c, v) for c, v in self._views if v.status not in GONE_STATUSES]


def _view_value(view: PeerConn, key: str) -> Any:
    if key == "dns_sync":
        return view.dns_sync
    if key == "tags":
        return dict(view.tags)
    return getattr(view, key)


def live_basis(
    view: PeerConn | None, keys: Iterable[str], peer_view: PeerConn | None = None
) -> dict[str, Any]:
    """The live fields (by manifest attribute name) a change relied on.

    ``peer_if_name`` is the other end's ``localIfName``, read from ``peer_view``.
    """
    if view is None:
        return {"exists": False}
    out: dict[str, Any] = {"exists": True, "peer_conn_id": view.peer_conn_id}
    for key in sorted(set(keys)):
        if key == "peer_if_name":
            out[key] = peer_view.local_if_name if peer_view is not None else None
        else:
            out[key] = _view_value(view, key)
    return out


def basis_keys(basis: Mapping[str, Any]) -> list[str]:
    return [k for k in basis if k not in ("exists", "peer_conn_id")]
