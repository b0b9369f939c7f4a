"""The API steps behind each change, in the per-connection order of specs/planning.md, with
deterministic tokens (specs/tokens.md). Pure.

Owns: translating a decided change into ``Step`` values (operation, arguments, the account and
end it runs on, what to wait for) and giving each its clientToken (``tokens``). The planner
decides *whether*; this module decides *which calls*.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import (
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    NAME_TAG,
    PEERCONN_NEXTHOP_TYPE,
    STACK_TAG,
    WIRE_TIME_UNIT,
    DesiredAcceptance,
    DesiredConnection,
    PeerConn,
    RouteRule,
    Status,
)
from reconciler.observe.live import Context
from reconciler.plan import OP_ORDER, Op, Ref, Step, Wait
from reconciler.planner.diffing import ConnectionDiff
from reconciler.planner.tokens import client_token


def at(profile: str | None, region: str, vpc_id: str,
       peer_conn_id: str | Ref | None) -> dict[str, Any]:
    """Where a call goes: the account and endpoint, the end it acts on, the connection."""
    return {"profile": profile, "region": region, "vpc_id": vpc_id, "peer_conn_id": peer_conn_id}


class StepBuilder:
    def __init__(self, day: str, plan_id: str = ""):
        self.day = day
        self.plan_id = plan_id

    def _step(self, op: Op, identity: Any, params: dict[str, Any], before: Any, *,
              profile: str | None, region: str, vpc_id: str, peer_conn_id: str | Ref | None,
              wait: Wait = Wait.NONE, reason: str = "") -> Step:
        token = client_token(op.value, identity, params, before, self.day, self.plan_id)
        return Step(op=op, client_token=token, profile=profile, region=region, vpc_id=vpc_id,
                    peer_conn_id=peer_conn_id, params=params, wait=wait, reason=reason)

    # ----------------------------------------------------------- connections
    def create(self, conn: DesiredConnection, replaces: PeerConn | None) -> tuple[Step, ...]:
        tags = {**dict(conn.tags), MANAGED_BY_TAG: MANAGED_BY_VALUE, STACK_TAG: conn.stack,
                NAME_TAG: conn.name}
        billing: dict[str, Any] = {"payment_timing": conn.billing.payment_timing}
        if conn.billing.payment_timing == "Prepaid":
            billing["reservation_length"] = conn.billing.reservation_length or 1
            billing["reservation_time_unit"] = WIRE_TIME_UNIT
        params: dict[str, Any] = {
            "bandwidth_in_mbps": conn.bandwidth_in_mbps,
            "local_vpc_id": conn.local_vpc_id,
            "peer_vpc_id": conn.peer_vpc_id,
            "peer_region": conn.peer_region,
            "billing": billing,
            "tags": dict(sorted(tags.items())),
        }
        for name in ("description", "local_if_name", "peer_account_id", "peer_if_name",
                     "delete_protect"):
            value = getattr(conn, name)
            if value is not None:
                params[name] = value
        identity = [conn.stack, conn.profile, conn.region, conn.local_vpc_id, conn.peer_vpc_id]
        cross = conn.peer_account_id is not None
        steps = [self._step(Op.CREATE, identity, params,
                            replaces.peer_conn_id if replaces else None,
                            profile=conn.profile, region=conn.region, vpc_id=conn.local_vpc_id,
                            peer_conn_id=None, wait=Wait.CONSULTING if cross else Wait.ACTIVE,
                            reason="create the connection with its tags")]
        if conn.dns_sync and not cross:
            steps.append(self._step(Op.OPEN_DNS, identity, {"role": "initiator"}, "new",
                                    profile=conn.profile, region=conn.region,
                                    vpc_id=conn.local_vpc_id,
                                    peer_conn_id=Ref(conn.address, "peer_conn_id"),
                                    wait=Wait.DNS_OPEN, reason="dns_sync: true"))
        return tuple(steps)

    def release(self, conn: DesiredConnection, view: PeerConn) -> tuple[Step, ...]:
        return self._release(Context(conn.profile, conn.region), view)

    def prune(self, ctx: Context, view: PeerConn) -> tuple[Step, ...]:
        return self._release(ctx, view)

    def _release(self, ctx: Context, view: PeerConn) -> tuple[Step, ...]:
        where = at(ctx.profile, ctx.region, view.local_vpc_id, view.peer_conn_id)
        steps = []
        if view.delete_protect:
            steps.append(self._step(Op.PROTECT_OFF, view.peer_conn_id, {"delete_protect": False},
                                    True, reason="release protection off before release",
                                    **where))
        steps.append(self._step(Op.RELEASE, view.peer_conn_id, {}, view.status,
                                wait=Wait.GONE, reason="release", **where))
        return tuple(steps)

    def update(self, conn: DesiredConnection, view: PeerConn,
               diff: ConnectionDiff) -> tuple[Step, ...]:
        where = at(conn.profile, conn.region, conn.local_vpc_id, view.peer_conn_id)
        steps = self._end_steps(view, diff, where)
        if diff.has("bandwidth_in_mbps"):
            steps.append(self._step(Op.RESIZE, view.peer_conn_id,
                                    {"new_bandwidth_in_mbps": diff.target("bandwidth_in_mbps")},
                                    view.bandwidth_in_mbps, wait=Wait.ACTIVE,
                                    reason="bandwidth_in_mbps", **where))
        if diff.has("peer_if_name"):
            steps.append(self._step(Op.UPDATE, [view.peer_conn_id, "peer-end"],
                                    {"local_if_name": diff.target("peer_if_name"),
                                     "end": "acceptor"}, None,
                                    profile=conn.profile, region=conn.peer_region,
                                    vpc_id=conn.peer_vpc_id, peer_conn_id=view.peer_conn_id,
                                    reason="peer_if_name (the acceptor's end)"))
        if diff.has("expired_time"):
            steps.append(self._step(Op.RENEW, view.peer_conn_id,
                                    {"reservation_length": conn.billing.reservation_length or 1,
                                     "reservation_time_unit": WIRE_TIME_UNIT},
                                    view.expired_time, reason="renewal window", **where))
        if diff.has("delete_protect"):
            on = bool(diff.target("delete_protect"))
            steps.append(self._step(Op.PROTECT_ON if on else Op.PROTECT_OFF, view.peer_conn_id,
                                    {"delete_protect": on}, not on, reason="delete_protect",
                                    **where))
        return tuple(sorted(steps, key=lambda s: OP_ORDER[s.op]))

    def _end_steps(self, view: PeerConn, diff: ConnectionDiff,
                   where: dict[str, Any]) -> list[Step]:
        """Update and DNS steps on the caller's own end of the connection."""
        steps = []
        attrs = {n: diff.target(n) for n in ("local_if_name", "description") if diff.has(n)}
        if attrs:
            params = {"local_if_id": view.local_if_id, **attrs}
            before = {n: getattr(view, n) for n in attrs}
            steps.append(self._step(Op.UPDATE, view.peer_conn_id, params, before,
                                    reason=", ".join(sorted(attrs)), **where))
        if diff.has("dns_sync"):
            on = bool(diff.target("dns_sync"))
            steps.append(self._step(Op.OPEN_DNS if on else Op.CLOSE_DNS, view.peer_conn_id,
                                    {"role": view.role or "initiator"}, view.dns_status,
                                    wait=Wait.DNS_OPEN if on else Wait.DNS_CLOSE,
                                    reason="dns_sync", **where))
        return steps

    # ----------------------------------------------------------- acceptances
    def answer(self, acc: DesiredAcceptance, view: PeerConn | None, *,
               made_by: str | None) -> tuple[Step, ...]:
        """``made_by``: the change of this run that creates the request (its id a ``Ref``)."""
        identity = [acc.stack, acc.profile, acc.region, acc.local_vpc_id, acc.peer_vpc_id]
        conn_id: str | Ref | None = view.peer_conn_id if view else None
        if made_by is not None:
            conn_id = Ref(made_by, "peer_conn_id")
        where = at(acc.profile, acc.region, acc.local_vpc_id, conn_id)
        if not acc.accept:
            return (self._step(Op.REJECT, identity, {}, Status.CONSULTING, reason="accept: false",
                               **where),)
        steps = [self._step(Op.ACCEPT, identity, {}, Status.CONSULTING, wait=Wait.ACTIVE,
                            reason="accept: true", **where)]
        attrs = {n: getattr(acc, n) for n in ("local_if_name", "description")
                 if getattr(acc, n) is not None}
        if attrs:
            params = {"local_if_id": view.local_if_id if view else None, **attrs}
            steps.append(self._step(Op.UPDATE, identity, params, "accepted",
                                    reason=", ".join(sorted(attrs)), **where))
        if acc.dns_sync:
            steps.append(self._step(Op.OPEN_DNS, identity, {"role": "acceptor"}, "accepted",
                                    wait=Wait.DNS_OPEN, reason="dns_sync: true", **where))
        return tuple(steps)

    def acceptor_update(self, acc: DesiredAcceptance, view: PeerConn,
                        diff: ConnectionDiff) -> tuple[Step, ...]:
        where = at(acc.profile, acc.region, acc.local_vpc_id, view.peer_conn_id)
        return tuple(self._end_steps(view, diff, where))

    # ----------------------------------------------------------- route rules
    def add_route(self, where: dict[str, Any], table_id: str, source: str, destination: str,
                  nexthop_id: str | None, description: str, reason: str) -> Step:
        """A rule through the connection; ``nexthop_id`` None: the interface of a connection
        this run creates (``where``'s ``peer_conn_id`` is then a ``Ref``)."""
        params: dict[str, Any] = {"route_table_id": table_id, "source_address": source,
                                  "destination_address": destination,
                                  "nexthop_type": PEERCONN_NEXTHOP_TYPE}
        if nexthop_id is not None:
            params["nexthop_id"] = nexthop_id
        params["description"] = description
        return self._step(Op.ADD_ROUTE, ["route", table_id, source, destination], params, None,
                          reason=reason, **where)

    def change_route(self, where: dict[str, Any], rule: RouteRule, description: str,
                     reason: str) -> Step:
        params = {"route_rule_id": rule.route_rule_id, "route_table_id": rule.route_table_id,
                  "source_address": rule.source_address,
                  "destination_address": rule.destination_address,
                  "nexthop_id": rule.nexthop_id, "description": description}
        return self._step(Op.CHANGE_ROUTE, ["route", rule.route_rule_id], params,
                          rule.description, reason=reason, **where)

    def delete_route(self, where: dict[str, Any], rule: RouteRule, reason: str) -> Step:
        params = {"route_rule_id": rule.route_rule_id, "route_table_id": rule.route_table_id,
                  "source_address": rule.source_address,
                  "destination_address": rule.destination_address,
                  "nexthop_id": rule.nexthop_id}
        return self._step(Op.DELETE_ROUTE, ["route", rule.route_rule_id], params, None,
                          reason=reason, **where)
