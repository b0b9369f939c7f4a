"""The simulator's unsigned control routes under ``/__sim/`` (loopback peers only).

Owns: ``GET /__sim/stats``, ``POST /__sim/reset``, ``POST /__sim/advance?seconds=N``,
``GET|POST /__sim/faults``, ``GET /__sim/connections`` and ``GET /__sim/routes``. They bypass signing and faults by
design: they are the test harness's levers, not part of BCE. Must not be reachable from a
non-loopback peer.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from reconciler.simulator.auth import parse_query
from reconciler.simulator.engine import Engine
from reconciler.simulator.faults import FaultInjector


class SimServer(Protocol):
    """The levers of the running simulator these routes pull (``server.SimServer``)."""

    engine: Engine
    faults: FaultInjector

    def stats(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...
    def advance(self, seconds: float) -> None: ...
    def set_faults(self, **changes: Any) -> BaseModel: ...
    def connections(self) -> list[dict[str, Any]]: ...
    def route_rules(self) -> Any: ...


class _Handler(Protocol):
    """The HTTP request being answered (``server._Handler``)."""

    client_address: Any
    command: str

    def send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None: ...
    def send_error_json(self, status: int, code: str, message: str,
                        extra: dict[str, str] | None = None) -> None: ...


def handle(sim: SimServer, handler: _Handler, raw_path: str, raw_query: str, body: bytes) -> None:
    if not _is_loopback(handler.client_address[0]):
        handler.send_error_json(403, "AccessDenied", "simulator control routes are loopback only")
        return
    query = dict(parse_query(raw_query))
    key = (handler.command, raw_path.rstrip("/"))
    try:
        payload = _answer(sim, key, query, body)
    except (ValueError, ValidationError) as exc:
        handler.send_error_json(400, "InvalidParameter", str(exc).splitlines()[0])
        return
    if payload is None:
        handler.send_error_json(404, "InvalidURI", f"no simulator route {key[0]} {key[1]}")
        return
    handler.send_json(200, payload)


def _answer(sim: SimServer, key: tuple[str, str], query: dict[str, str], body: bytes) -> Any:
    if key == ("GET", "/__sim/stats"):
        return sim.stats()
    if key == ("POST", "/__sim/reset"):
        sim.reset()
        return {"reset": True}
    if key == ("POST", "/__sim/advance"):
        seconds = float(query.get("seconds", "nan"))
        if not seconds >= 0:
            raise ValueError("seconds must be a number >= 0")
        sim.advance(seconds)
        return {"advanced": seconds, "now": sim.engine.now()}
    if key == ("GET", "/__sim/faults"):
        return sim.faults.spec.model_dump()
    if key == ("POST", "/__sim/faults"):
        changes = json.loads(body.decode("utf-8") or "{}")
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object of fault settings")
        return sim.set_faults(**changes).model_dump()
    if key == ("GET", "/__sim/connections"):
        return sim.connections()
    if key == ("GET", "/__sim/routes"):
        return sim.route_rules()
    return None


def _is_loopback(peer: str) -> bool:
    try:
        return ipaddress.ip_address(peer.split("%")[0]).is_loopback
    except ValueError:
        return False
