"""The simulated peerconn service behind the HTTP layer: state, reads, dispatch, idempotency.

Owns: the in-memory state (optionally mirrored to a ``StateStore``), the simulated clock
(injected clock + ``advance`` offset), id generation, the read operations (list with marker
pagination and list lag, get with roles and the not-found behaviour), clientToken replay, and
routing a mutating operation to ``ops`` (the VPC reads go to ``vpcs``, lock-free: VPCs never
change; the route operations to ``route_tables``, under the same lock, tokens and state file). Thread-safe through one lock. Must not parse HTTP,
verify signatures or inject faults.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.simulator import errors as e
from reconciler.simulator import ops, route_tables, vpcs
from reconciler.simulator.paging import max_keys
from reconciler.simulator.records import ROLES, Record, roles_of, settle, view
from reconciler.simulator.seed import initial_state
from reconciler.simulator.store import State, StateStore
from reconciler.simulator.world import World

MAX_TOKEN_LENGTH = 64
_ID_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True, slots=True)
class Call:
    """One API call as the engine needs it (the HTTP layer builds it)."""

    op: str
    account: str
    conn_id: str | None = None
    query: dict[str, str] | None = None
    body: dict[str, Any] | None = None
    client_token: str | None = None


Result = tuple[int, dict[str, Any] | None]  # HTTP status, JSON body (None: empty body)


class Engine:
    def __init__(self, world: World, *, clock: Callable[[], float], rng: random.Random,
                 state_path: Path | None = None):
        self.world = world
        self.timing = world.timing
        self.list_lag_s = world.faults.list_lag_s
        self.ignore_client_tokens = world.faults.ignore_client_tokens
        self._clock = clock
        self._rng = rng
        self._lock = threading.RLock()
        self._digest = hashlib.sha256(world.model_dump_json().encode()).hexdigest()[:16]
        self._store = StateStore(state_path) if state_path else None
        self.vpcs = vpcs.VpcService(world)
        self.routes = route_tables.RouteService(world)
        self.state = State()
        self._load_or_init()

    # -- context for ops -------------------------------------------------------------------

    def now(self) -> float:
        return self._clock() + self.state.offset

    def new_id(self, prefix: str) -> str:
        taken = set(self.state.conns) | set(self.state.routes) | {
            r[role]["if_id"] for r in self.state.conns.values() for role in ROLES}
        while True:
            candidate = prefix + "".join(self._rng.choice(_ID_ALPHABET) for _ in range(12))
            if candidate not in taken:
                return candidate

    def live(self) -> list[Record]:
        now = self.now()
        for rec in self.state.conns.values():
            settle(rec, now)
        return [r for r in self.state.conns.values() if not r["gone"]]

    def insert(self, rec: Record) -> None:
        self.state.seq += 1
        rec["seq"] = self.state.seq
        self.state.conns[rec["id"]] = rec

    def release_routes(self, rec: Record, account: str) -> None:
        """``behaviour.release_with_routes`` for a connection about to be released."""
        self.routes.on_release(self, rec, account)

    # -- public ------------------------------------------------------------------------

    def call(self, call: Call) -> Result:
        if call.op in vpcs.OPERATIONS:  # VPCs never change: no state, no lock
            return self.vpcs.call(call.op, call.account, call.conn_id, call.query or {})
        with self._lock, self._synced() as dirty:
            if call.op == "list":
                return 200, self._list(call.account, call.query or {})
            if call.op == "get":
                return self._get(call.account, call.conn_id or "", (call.query or {}).get("role"))
            if call.op in route_tables.READS:
                return 200, self.routes.read(self, call.op, call.account, call.query or {})
            result, changed = self._idempotent(call)
            dirty.append(changed)
            return result

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock, self._synced() as dirty:
            self.state.offset += seconds
            dirty.append(True)

    def reset(self) -> None:
        with self._lock, self._synced() as dirty:
            self.state = self._initial()
            dirty.append(True)

    def route_records(self) -> list[Record]:
        """Custom route rules that exist (copies), in creation order."""
        with self._lock, self._synced():
            rules = sorted((r for r in self.state.routes.values() if not r["gone"]),
                           key=lambda r: r["seq"])
            return json.loads(json.dumps(rules))

    def records(self, *, include_gone: bool = False) -> list[Record]:
        with self._lock, self._synced():
            recs = self.live()  # settles every record, the gone ones too
            if include_gone:
                recs = list(self.state.conns.values())
            return json.loads(json.dumps(recs))  # a copy: callers must not edit the state

    # -- persistence ---------------------------------------------------------------------

    def _initial(self) -> State:
        # The engine's new_id checks self.state, so the world's rules are seeded into the new
        # state while the old one is still in place; their own ids are checked by seed().
        state = initial_state(self.world, self._clock(), self)
        self.routes.seed(state, self)
        return state

    def _load_or_init(self) -> None:
        if self._store is None:
            self.state = self._initial()
            return
        with self._store.locked():
            data = self._store.read_if_changed()
            if data is not None and data.get("world") == self._digest:
                self.state = State.from_json(data)
            else:  # no file, or one written for another world: start from this world
                self.state = self._initial()
                self._store.write(self.state.to_json(self._digest))

    @contextlib.contextmanager
    def _synced(self) -> Iterator[list[bool]]:
        """Reload what other processes wrote, run the block, save if the block changed state."""
        dirty: list[bool] = []
        if self._store is None:
            yield dirty
            return
        with self._store.locked():
            data = self._store.read_if_changed()
            if data is not None:
                self.state = State.from_json(data)
            yield dirty
            if any(dirty):
                self._store.write(self.state.to_json(self._digest))

    # -- reads ---------------------------------------------------------------------------

    def _list(self, account: str, query: dict[str, str]) -> dict[str, Any]:
        size = max_keys(query.get("maxKeys"))
        items = self._listed(account, query.get("vpcId") or None)
        marker = query.get("marker") or ""
        start = self._marker_index(items, marker) if marker else 0
        end = start + size
        page: dict[str, Any] = {"peerConns": [view(rec, role) for rec, role in items[start:end]],
                                "marker": marker, "isTruncated": end < len(items), "maxKeys": size}
        if end < len(items):
            page["nextMarker"] = items[end][0]["id"]
        return page

    def _listed(self, account: str, vpc: str | None) -> list[tuple[Record, str]]:
        # Only the records this list can show are settled: settling is a function of the
        # clock alone, so the others settle to the same state when next read. (Settling all
        # of them made a list by VPC cost O(all connections): 2 ms each at 1,000.)
        now, items = self.now(), []
        for rec in self.state.conns.values():
            role = _listing_role(rec, account, vpc)
            if role is None:
                continue
            settle(rec, now)
            if rec["gone"] or rec.get("visible_at", 0) > now:
                continue  # gone, or (eventual consistency) not yet in the list index
            items.append((rec, role))
        items.sort(key=lambda item: item[0]["seq"])
        return items

    def _marker_index(self, items: list[tuple[Record, str]], marker: str) -> int:
        # The marker is the first item of the next page; if that one has gone meanwhile,
        # resume at the next one created after it, so pages never repeat or skip.
        known = self.state.conns.get(marker)
        if known is None:
            raise e.invalid(f"marker {marker} is not valid")
        return next((i for i, (rec, _) in enumerate(items) if rec["seq"] >= known["seq"]), len(items))

    def _get(self, account: str, conn_id: str, role: str | None) -> Result:
        rec = self.state.conns.get(conn_id)
        if rec is None or not roles_of(rec, account):
            return self._missing(conn_id, None, role)
        settle(rec, self.now())
        if rec["gone"]:
            return self._missing(conn_id, rec, role)
        return 200, view(rec, self._role_for(rec, account, role))

    def _role_for(self, rec: Record, account: str, role: str | None) -> str:
        mine = roles_of(rec, account)
        if role in (None, ""):
            return mine[0]  # the initiator's end when the caller owns both (see spec)
        if role not in ROLES:
            raise e.invalid("role must be initiator or acceptor")
        if role not in mine:
            raise e.access_denied(f"the {role} end of {rec['id']} is not yours")
        return role

    def _missing(self, conn_id: str, rec: Record | None, role: str | None) -> Result:
        mode = self.world.behaviour.not_found
        if mode == "empty":
            return 200, None
        if mode == "deleted" and rec is not None:
            return 200, view(rec, role if role in ROLES else "initiator")
        raise e.not_found(conn_id)

    # -- writes --------------------------------------------------------------------------

    def _idempotent(self, call: Call) -> tuple[Result, bool]:
        key = self._token_key(call)
        fingerprint = json.dumps([call.conn_id, call.body, _action_query(call.query)], sort_keys=True)
        if key is not None and key in self.state.tokens:
            seen = self.state.tokens[key]
            if seen["fp"] != fingerprint:
                raise e.SimApiError(409, "IdempotentParameterMismatch",
                                    "the clientToken was already used with different parameters")
            return (seen["status"], seen["body"]), False
        result = self._mutate(call)
        if key is not None:
            self.state.tokens[key] = {"fp": fingerprint, "status": result[0], "body": result[1]}
        return result, True

    def _token_key(self, call: Call) -> str | None:
        token = call.client_token
        if self.ignore_client_tokens or not token:
            return None
        if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise e.invalid(f"clientToken must be ASCII and at most {MAX_TOKEN_LENGTH} characters")
        return f"{call.account}|{call.op}|{token}"

    def _mutate(self, call: Call) -> Result:
        if call.op in route_tables.MUTATIONS:
            return 200, self.routes.mutate(self, call.op, call.account, call.conn_id or "",
                                           call.body)
        body = call.body or {}
        if call.op == "create":
            return 200, ops.create(self, call.account, body)
        rec = self._target(call.account, call.conn_id or "")
        query = call.query or {}
        handlers: dict[str, Callable[[], None]] = {
            "update": lambda: ops.update(self, call.account, rec, body),
            "accept": lambda: ops.accept(self, call.account, rec),
            "reject": lambda: ops.reject(self, call.account, rec),
            "delete": lambda: ops.delete(self, call.account, rec),
            "refund": lambda: ops.refund(self, call.account, rec),
            "resize": lambda: ops.resize(self, call.account, rec, body),
            "renew": lambda: ops.renew(self, call.account, rec, body),
            "open_dns": lambda: ops.set_dns(self, call.account, rec, _role(query, body), True),
            "close_dns": lambda: ops.set_dns(self, call.account, rec, _role(query, body), False),
            "delete_protect": lambda: ops.delete_protect(self, call.account, rec, body),
        }
        handlers[call.op]()
        return 200, None

    def _target(self, account: str, conn_id: str) -> Record:
        rec = self.state.conns.get(conn_id)
        if rec is None or not roles_of(rec, account):
            raise e.not_found(conn_id)
        settle(rec, self.now())
        if rec["gone"]:
            raise e.not_found(conn_id)
        return rec


def _role(query: dict[str, str], body: dict[str, Any]) -> str | None:
    # Python sends ?role=...; Go sends it in the query and also as {"role": ...} in the body.
    role = query.get("role") or body.get("role")
    return role if isinstance(role, str) else None


def _action_query(query: dict[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (query or {}).items() if k not in ("clientToken",)}


def _listing_role(rec: Record, account: str, vpc: str | None) -> str | None:
    """The first end of ``rec`` that ``account`` owns and (when given) whose VPC is ``vpc``."""
    for role in ROLES:
        end = rec[role]
        if end["account"] == account and (vpc is None or end["vpc_id"] == vpc):
            return role
    return None
