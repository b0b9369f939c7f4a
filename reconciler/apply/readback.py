"""What apply reads back and how it describes what it sees. Pure.

``promises``: the fields the plan promised a change leaves behind, beside what the connection
shows (the "inconsistent result after apply" check); ``create_args``: a create step's
arguments as the client takes them; ``*_of``: the state a wait reports while it waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.model import WIRE_TIME_UNIT, Billing, PeerConn
from reconciler.plan import Change


def dns_of(view: PeerConn | None) -> str:
    return view.dns_status if view is not None else "not visible"


def settling_of(view: PeerConn | None) -> str:
    return f"{view.status}, dnsStatus {view.dns_status}" if view is not None else "not visible"


def bandwidth_of(view: PeerConn | None) -> str:
    return f"{view.bandwidth_in_mbps} Mbps, {view.status}" if view is not None else "not visible"


def promises(change: Change, view: PeerConn,
             peer_end_name: Callable[[], str | None]) -> list[tuple[str, Any, Any]]:
    """(field, what the plan promised, what the connection shows) for the read-back check:
    every field of ``change.expect`` that is set."""
    expect = change.expect
    out: list[tuple[str, Any, Any]] = [
        (name, getattr(expect, name), getattr(view, name))
        for name in ("bandwidth_in_mbps", "local_if_name", "description", "delete_protect",
                     "dns_sync")
        if getattr(expect, name) is not None]
    if expect.peer_if_name is not None:
        out.append(("peer_if_name", expect.peer_if_name, peer_end_name()))
    return out


def create_args(p: dict[str, Any]) -> dict[str, Any]:
    b = p["billing"]
    args = {k: v for k, v in p.items() if k != "billing"}
    args["billing"] = Billing(payment_timing=b["payment_timing"],
                              reservation_length=b.get("reservation_length"),
                              reservation_time_unit=b.get("reservation_time_unit", WIRE_TIME_UNIT))
    return args
