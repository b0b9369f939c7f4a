"""Turning the world file's pre-existing connections into the initial state.

Owns: building a record for each ``ConnectionSpec`` (ends, accounts from VPC ownership,
billing, DNS, status). Must not validate rules beyond what the world schema already did:
a world may deliberately start in states the API would never produce.
"""

from __future__ import annotations

from typing import Protocol

from reconciler.simulator.records import CONSULT_TTL_S, Record, begin, new_end
from reconciler.simulator.store import State
from reconciler.simulator.world import ConnectionSpec, World


class IdSource(Protocol):
    def new_id(self, prefix: str) -> str: ...


def initial_state(world: World, now: float, ids: IdSource) -> State:
    state = State()
    for spec in world.connections:
        rec = _record(world, spec, now, ids, taken=state.conns)
        state.seq += 1
        rec["seq"] = state.seq
        state.conns[rec["id"]] = rec
    return state


def _record(world: World, spec: ConnectionSpec, now: float, ids: IdSource, taken: dict[str, Record]) -> Record:
    owners = world.vpc_index()
    local, peer = owners[spec.local_vpc_id], owners[spec.peer_vpc_id]
    conn_id = spec.id or _fresh(ids, "peerconn-", taken)
    rec: Record = {
        "id": conn_id,
        "initiator": new_end(local[0].id, local[1].id, local[1].region,
                             spec.local_if_id or _fresh(ids, "qpif-", taken)),
        "acceptor": new_end(peer[0].id, peer[1].id, peer[1].region,
                            spec.peer_if_id or _fresh(ids, "qpif-", taken)),
        "bandwidth": spec.bandwidth_in_mbps,
        "payment_timing": spec.payment_timing,
        "reservation_length": spec.reservation_length,
        "created_at": now,
        "expires_at": now + spec.expires_in_days * 86400 if spec.expires_in_days is not None else None,
        "tags": [[k, v] for k, v in spec.tags.items()],
        "delete_protect": spec.delete_protect,
        "status": spec.status,
        "pending": None,
        "consult_deadline": now + CONSULT_TTL_S if spec.status == "consulting" else None,
        "visible_at": 0.0,
        "gone": False,
    }
    rec["initiator"].update(if_name=spec.local_if_name, description=spec.description,
                            dns="open" if spec.dns_sync else "close")
    rec["acceptor"].update(if_name=spec.peer_if_name, description=spec.peer_description,
                           dns="open" if spec.peer_dns_sync else "close")
    if spec.status == "creating":
        final = "active" if local[0].id == peer[0].id else "consulting"
        begin(rec, "creating", final, world.timing.create_s, now)
    return rec


def _fresh(ids: IdSource, prefix: str, taken: dict[str, Record]) -> str:
    # The engine's state is not built yet, so ids drawn here are also checked against the
    # records made so far.
    while True:
        candidate = ids.new_id(prefix)
        if candidate not in taken:
            return candidate
