"""Builders for pure planner tests: desired entries and live views without YAML or HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reconciler.model import (
    Billing,
    DesiredAcceptance,
    DesiredConnection,
    DesiredState,
    Lifecycle,
    PeerConn,
    Source,
    StackManifest,
)
from reconciler.observe.live import Context, LiveState

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
CTX = Context(None, "bj")
PARTNER = Context("partner", "bj")


def conn(**kw) -> DesiredConnection:
    base = dict(stack="net", name="app-to-db", region="bj", profile=None,
                local_vpc_id="vpc-app01", peer_vpc_id="vpc-db0001", peer_region="bj",
                bandwidth_in_mbps=100, source=Source("net.yaml", 5, 5))
    declared = set(kw.pop("declared", ())) | {"bandwidth_in_mbps", "local_vpc_id",
                                               "peer_vpc_id", "peer_region"}
    for key in ("local_if_name", "peer_if_name", "description", "dns_sync", "delete_protect",
                "peer_account_id", "tags"):
        if key in kw:
            declared.add(key)
    if "billing" in kw:
        declared.add("billing")
    base.update(kw)
    return DesiredConnection(**base, declared=frozenset(declared))


def acceptance(**kw) -> DesiredAcceptance:
    base = dict(stack="partner", name="inbound", region="bj", profile="partner",
                local_vpc_id="vpc-partner1", peer_vpc_id="vpc-app01",
                peer_account_id="acc-main", source=Source("partner.yaml", 4, 5))
    declared = {k for k in ("local_if_name", "description", "dns_sync") if k in kw}
    base.update(kw)
    return DesiredAcceptance(**base, declared=frozenset(declared))


def view(**kw) -> PeerConn:
    base = dict(peer_conn_id="peerconn-aaa111", role="initiator", status="active",
                bandwidth_in_mbps=100, local_if_id="qpif-local", local_vpc_id="vpc-app01",
                local_region="bj", peer_vpc_id="vpc-db0001", peer_region="bj",
                peer_account_id="acc-main", payment_timing="Postpaid", dns_status="close",
                tags=(("managed-by", "peerconn"), ("peerconn-stack", "net")))
    base.update(kw)
    return PeerConn(**base)


def state(*entries, prune: bool = False) -> DesiredState:
    conns = tuple(e for e in entries if isinstance(e, DesiredConnection))
    accs = tuple(e for e in entries if isinstance(e, DesiredAcceptance))
    manifests = []
    stacks = sorted({e.stack for e in entries} or {"net"})
    for stack in stacks:
        cs = tuple(c for c in conns if c.stack == stack)
        as_ = tuple(a for a in accs if a.stack == stack)
        profile = (cs or as_)[0].profile if (cs or as_) else None
        manifests.append(StackManifest(stack=stack, region="bj", profile=profile, prune=prune,
                                       file=f"{stack}.yaml", connections=cs, acceptances=as_))
    return DesiredState(tuple(manifests))


def live(*views, ctx: Context = CTX, complete: bool = True) -> LiveState:
    pairs = [(v[0], v[1]) if isinstance(v, tuple) else (ctx, v) for v in views]
    return LiveState(pairs, complete=[ctx] if complete else [])


__all__ = ["CTX", "NOW", "PARTNER", "Billing", "Lifecycle", "acceptance", "conn", "live",
           "replace", "state", "view"]


@pytest.fixture
def now() -> datetime:
    return NOW
