"""Pruning: this stack's connections no manifest of the run declares any more, released
unless protected or prepaid. Pure.
"""

from __future__ import annotations

from reconciler.model import (
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    NAME_TAG,
    STACK_TAG,
    Address,
    DesiredState,
    PeerConn,
    Role,
)
from reconciler.observe.live import Context, live_basis
from reconciler.plan import Action, Change, NoteLevel, PeerConnTarget, ResourceKind, fingerprint
from reconciler.planner.base import _live_attributes
from reconciler.planner.routes import RoutePlanning


class Pruning(RoutePlanning):
    def _plan_prune(self, stack: str, ctx: Context) -> None:
        # A pair any manifest of the run declares is wanted, whichever stack declares it now
        # (moving a connection to another stack must not release it).
        wanted = {c.pair for c in self.desired.connections}
        for view in self.live.views(ctx):
            tags = view.tag_map
            if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE or tags.get(STACK_TAG) != stack:
                continue
            if view.role != Role.INITIATOR or view.pair in wanted:
                continue
            if self.live.end(ctx, view.local_vpc_id, view.peer_vpc_id) is None:
                continue
            address = str(Address(stack, view.peer_conn_id))
            if address in self.prune_seen:
                continue  # several files of the stack share this account (and region)
            self.prune_seen.add(address)
            if view.delete_protect:
                self.note(NoteLevel.WARNING, address, "not pruned: release protection is on")
                continue
            if view.release_refused(self.now):
                self.note(NoteLevel.WARNING, address,
                          "not pruned: active prepaid connections cannot be released before "
                          "they expire")
                continue
            self._add_prune(stack, ctx, view, address)

    def _add_prune(self, stack: str, ctx: Context, view: PeerConn, address: str) -> None:
        routes = self._release_routes(ctx, view, "before the prune's release")
        steps = (*routes.steps, *self.steps.prune(ctx, view))
        basis = routes.into(live_basis(view, ("status", "delete_protect", "tags")))
        target = PeerConnTarget(
            profile=ctx.profile, region=ctx.region, local_vpc_id=view.local_vpc_id,
            peer_vpc_id=view.peer_vpc_id, peer_region=view.peer_region or ctx.region,
            peer_account_id=view.peer_account_id, peer_conn_id=view.peer_conn_id)
        change = Change(
            address=address, resource=ResourceKind.PEERCONN, action=Action.RELEASE,
            stack=stack, name=view.peer_conn_id, target=target,
            reasons=(_prune_reason(stack, view, self.desired),),
            fields=(), steps=steps, basis=basis, fingerprint=fingerprint(basis),
            attributes=_live_attributes(view),
        )
        self.changes.append(change)


def _prune_reason(stack: str, view: PeerConn, desired: DesiredState) -> str:
    name = view.tag_map.get(NAME_TAG)
    entry = next((c for c in desired.connections if (c.stack, c.name) == (stack, name)), None)
    if entry is not None:
        return (f"pruned: the old connection of {stack}/{name}, whose pair is now "
                f"{entry.pair} ({entry.source})")
    if name:
        return f"pruned: {stack}/{name} is no longer in the manifests"
    return f"pruned: tagged {STACK_TAG}={stack} and no longer in the manifests"
