"""The mutating peerconn operations, one function each, applied to the simulator's state.

Owns: what each operation changes in a record (status and DNS transitions with the world's
timings, attributes, billing) once ``rules`` has allowed it. Every function takes the engine
context, the calling account, the connection (already looked up and settled) or the create
body, and returns the response body (``None`` for the empty 200). Must not parse HTTP, check
signatures or handle client tokens (the engine does).
"""

from __future__ import annotations

from typing import Any, Protocol

from reconciler.simulator import errors as e
from reconciler.simulator import rules
from reconciler.simulator.records import (
    Record,
    add_months,
    begin,
    begin_dns,
    new_end,
    roles_of,
    settle,
)
from reconciler.simulator.world import Timing, World


class Context(Protocol):
    """What operations need from the engine."""

    world: World
    timing: Timing
    list_lag_s: float

    def now(self) -> float: ...

    def new_id(self, prefix: str) -> str: ...

    def live(self) -> list[Record]: ...

    def insert(self, rec: Record) -> None: ...

    def release_routes(self, rec: Record, account: str) -> None: ...


Body = dict[str, Any]


def create(ctx: Context, account: str, body: Body) -> Body:
    args = rules.parse_create(body)
    peer_account = rules.check_create(ctx.world, ctx.live(), account, args)
    owners, now = ctx.world.vpc_index(), ctx.now()
    rec: Record = {
        "id": ctx.new_id("peerconn-"),
        "initiator": new_end(account, args.local_vpc, owners[args.local_vpc][1].region, ctx.new_id("qpif-")),
        "acceptor": new_end(peer_account, args.peer_vpc, args.peer_region, ctx.new_id("qpif-")),
        "bandwidth": args.bandwidth,
        "payment_timing": args.payment_timing,
        "reservation_length": args.reservation_length,
        "created_at": now,
        "expires_at": add_months(now, args.reservation_length) if args.reservation_length else None,
        "tags": [list(t) for t in args.tags],
        "delete_protect": args.delete_protect,
        "consult_deadline": None,
        "visible_at": now + ctx.list_lag_s,
        "gone": False,
    }
    rec["initiator"].update(if_name=args.local_if_name, description=args.description)
    rec["acceptor"]["if_name"] = args.peer_if_name or ""
    # Same account: the peer side is accepted automatically; otherwise it waits for the acceptor.
    final = "consulting" if peer_account != account else "active"
    begin(rec, "creating", final, ctx.timing.create_s, now)
    ctx.insert(rec)
    return {"peerConnId": rec["id"]}


def update(ctx: Context, account: str, rec: Record, body: Body) -> None:
    if_id = rules.req_str(body, "localIfId")
    role = next((r for r in roles_of(rec, account) if rec[r]["if_id"] == if_id), None)
    if role is None:
        raise e.rule("LocalIfIdMismatch", f"localIfId {if_id} is not your end of {rec['id']}")
    description, name = rules.opt_str(body, "description"), rules.opt_str(body, "localIfName")
    rules.require_status(rec, _NOT_GONE, "update")
    if description is not None:
        rec[role]["description"] = description
    if name is not None:
        rec[role]["if_name"] = name


def accept(ctx: Context, account: str, rec: Record) -> None:
    _require_acceptor(rec, account, "accept")
    rules.require_status(rec, ("consulting",), "accept")
    rec["consult_deadline"] = None
    begin(rec, "starting", "active", ctx.timing.accept_s, ctx.now())


def reject(ctx: Context, account: str, rec: Record) -> None:
    _require_acceptor(rec, account, "reject")
    rules.require_status(rec, ("consulting",), "reject")
    rec["status"], rec["consult_deadline"] = "consult_failed", None


def delete(ctx: Context, account: str, rec: Record) -> None:
    rules.require_initiator(rec, account, "release")
    if rec["status"] == "deleting":
        return  # already on its way out: a repeated release changes nothing
    rules.check_release(rec, "release", ctx.now())
    rules.check_deletable_billing(rec, ctx.now())
    ctx.release_routes(rec, account)  # last: a refused release must leave the rules alone
    begin(rec, "deleting", "deleted", ctx.timing.delete_s, ctx.now())


def refund(ctx: Context, account: str, rec: Record) -> None:
    rules.require_initiator(rec, account, "refund")
    rules.check_refundable(rec)
    rules.check_release(rec, "refund", ctx.now())
    rules.require_status(rec, ("active", "expired", "consult_failed"), "refund")
    ctx.release_routes(rec, account)
    begin(rec, "deleting", "deleted", ctx.timing.delete_s, ctx.now())


def resize(ctx: Context, account: str, rec: Record, body: Body) -> None:
    rules.require_initiator(rec, account, "resize")
    new = rules.req_int(body, "newBandwidthInMbps")
    rules.require_status(rec, ("active",), "resize")
    if rec["payment_timing"] == "Prepaid" and new < rec["bandwidth"]:
        raise e.rule("PrepaidBandwidthDecrease", "a prepaid connection's bandwidth can only grow")
    rec["bandwidth"] = new
    begin(rec, "updating", "active", ctx.timing.resize_s, ctx.now())


def renew(ctx: Context, account: str, rec: Record, body: Body) -> None:
    rules.require_initiator(rec, account, "renew")
    if rec["payment_timing"] != "Prepaid":
        raise e.rule("PostpaidNotRenewable", "only prepaid connections can be renewed")
    months = rules.reservation(body.get("billing"))
    rules.require_status(rec, ("active", "expired"), "renew")
    now = ctx.now()
    rec["expires_at"] = add_months(max(now, rec["expires_at"] or now), months)
    if rec["status"] == "expired":
        rec["status"] = "active"
    settle(rec, now)


def set_dns(ctx: Context, account: str, rec: Record, role: str | None, opening: bool) -> None:
    if role not in ("initiator", "acceptor"):
        raise e.invalid("role must be initiator or acceptor")
    if role not in roles_of(rec, account):
        raise e.access_denied(f"the {role} end of {rec['id']} is not yours")
    rules.require_status(rec, ("active",), "change DNS sync of")
    end = rec[role]
    if end["dns"] in ("syncing", "closing", "wait"):
        raise e.rule("DnsStatusConflict", f"DNS sync of {rec['id']} is {end['dns']}", 409)
    if end["dns"] == ("open" if opening else "close"):
        return  # already there: nothing to do
    if opening:
        begin_dns(end, "syncing", "open", ctx.timing.dns_s, ctx.now())
    else:
        begin_dns(end, "closing", "close", ctx.timing.dns_s, ctx.now())


def delete_protect(ctx: Context, account: str, rec: Record, body: Body) -> None:
    rules.require_initiator(rec, account, "change release protection of")
    value = rules.opt_bool(body, "deleteProtect")
    if value is None:
        raise e.invalid("deleteProtect is required")
    rules.require_status(rec, _NOT_GONE, "change release protection of")
    rec["delete_protect"] = value


_NOT_GONE = ("creating", "consulting", "consult_failed", "active", "starting", "updating",
             "expired", "down", "error")


def _require_acceptor(rec: Record, account: str, action: str) -> None:
    if rec["acceptor"]["account"] != account:
        raise e.access_denied(f"only the acceptor of {rec['id']} may {action} it")
