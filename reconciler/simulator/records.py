"""Connection records: their JSON-friendly shape, lazy state machines and wire views.

Owns: how one connection is stored (a plain dict, so the state file and ``SimServer.connections()``
see the same thing), the status and DNS transitions computed from timestamps on every read
(no background threads, so an injected clock makes them deterministic), and the PeerConn JSON
each end sees. Must not check business rules or know about HTTP.

Record shape::

    {"id", "seq", "initiator": END, "acceptor": END, "bandwidth", "payment_timing",
     "reservation_length", "created_at", "expires_at", "tags": [[k, v]], "delete_protect",
     "status", "pending": {"to", "at"} | None, "consult_deadline", "visible_at", "gone"}
    END = {"account", "vpc_id", "region", "if_id", "if_name", "description",
           "dns", "dns_pending": {"to", "at"} | None}
"""

from __future__ import annotations

import calendar
import time
from typing import Any

Record = dict[str, Any]
ROLES = ("initiator", "acceptor")
CONSULT_TTL_S = 7 * 86400
# Transitional statuses: the connection is busy and most operations are refused.
BUSY = frozenset({"creating", "starting", "updating", "deleting"})


def other_role(role: str) -> str:
    return "acceptor" if role == "initiator" else "initiator"


def format_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


def parse_time(text: str) -> float:
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


def add_months(epoch: float, months: int) -> float:
    """Calendar months, day clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    t = time.gmtime(int(epoch))
    month_index = t.tm_mon - 1 + months
    year, month = t.tm_year + month_index // 12, month_index % 12 + 1
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return float(calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec, 0, 0, 0)))


def new_end(account: str, vpc_id: str, region: str, if_id: str) -> dict[str, Any]:
    return {"account": account, "vpc_id": vpc_id, "region": region, "if_id": if_id,
            "if_name": "", "description": "", "dns": "close", "dns_pending": None}


def is_cross_account(rec: Record) -> bool:
    return bool(rec["initiator"]["account"] != rec["acceptor"]["account"])


def roles_of(rec: Record, account: str) -> list[str]:
    """The ends of ``rec`` that ``account`` owns (both for a same-account connection)."""
    return [role for role in ROLES if rec[role]["account"] == account]


def begin(rec: Record, transient: str, final: str, delay: float, now: float) -> None:
    """Enter ``transient`` now and ``final`` after ``delay`` seconds (0: at once)."""
    rec["status"] = transient
    rec["pending"] = {"to": final, "at": now + delay}
    settle(rec, now)


def begin_dns(end: dict[str, Any], transient: str, final: str, delay: float, now: float) -> None:
    end["dns"] = transient
    end["dns_pending"] = {"to": final, "at": now + delay}
    _settle_dns(end, now)


def settle(rec: Record, now: float) -> None:
    """Apply every transition whose time has come, in order."""
    while _step(rec, now):
        pass
    for role in ROLES:
        _settle_dns(rec[role], now)


def _step(rec: Record, now: float) -> bool:
    pending = rec["pending"]
    if pending and pending["at"] <= now:
        rec["status"], rec["pending"] = pending["to"], None
        if pending["to"] == "consulting":
            rec["consult_deadline"] = pending["at"] + CONSULT_TTL_S
        if pending["to"] == "deleted":
            rec["gone"] = True
        return True
    deadline = rec.get("consult_deadline")
    if rec["status"] == "consulting" and deadline is not None and deadline <= now:
        # An unanswered request expires after 7 days: the initiator sees consult_failed.
        rec["status"], rec["consult_deadline"] = "consult_failed", None
        return True
    expires = rec.get("expires_at")
    if rec["status"] == "active" and expires is not None and expires <= now:
        rec["status"] = "expired"
        return True
    return False


def _settle_dns(end: dict[str, Any], now: float) -> None:
    pending = end.get("dns_pending")
    if pending and pending["at"] <= now:
        end["dns"], end["dns_pending"] = pending["to"], None


def view(rec: Record, role: str) -> dict[str, Any]:
    """The PeerConn object as ``role``'s end sees it (reference §2)."""
    end, other = rec[role], rec[other_role(role)]
    return {
        "peerConnId": rec["id"],
        "role": role,
        "status": rec["status"],
        "bandwidthInMbps": rec["bandwidth"],
        "description": end["description"],
        "localIfId": end["if_id"],
        "localIfName": end["if_name"],
        "localVpcId": end["vpc_id"],
        "localRegion": end["region"],
        "peerVpcId": other["vpc_id"],
        "peerRegion": other["region"],
        "peerAccountId": other["account"],
        "paymentTiming": rec["payment_timing"],
        "dnsStatus": end["dns"],
        "createdTime": format_time(rec["created_at"]),
        "expiredTime": format_time(rec["expires_at"]) if rec.get("expires_at") else "",
        # Tags are set by the initiator at create time and shown on its side only.
        "tags": [{"tagKey": k, "tagValue": v} for k, v in rec["tags"]] if role == "initiator" else [],
        "deleteProtect": bool(rec["delete_protect"]),
    }
