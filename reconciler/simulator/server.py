"""The simulator's HTTP face: a loopback-only ``ThreadingHTTPServer`` and ``SimServer``.

Owns: binding (127.0.0.1/::1 only), reading requests off the wire, the order in which a
``/v1`` request meets faults → signature check → routing → engine, BCE-shaped responses
(``x-bce-request-id``, ``Content-Length``, JSON content type) and the in-process control API
(``SimServer``) that tests and ``--sim`` use. Admin routes live in ``admin``. Must not
implement business rules or signing details.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from reconciler.simulator import admin
from reconciler.simulator.auth import WireRequest, parse_query, verify
from reconciler.simulator.engine import Call, Engine
from reconciler.simulator.errors import SimApiError, malformed_json
from reconciler.simulator.faults import FaultInjector
from reconciler.simulator.routes import route
from reconciler.simulator.stats import Stats
from reconciler.simulator.world import FaultSpec, World

log = logging.getLogger(__name__)
JSON_TYPE = "application/json;charset=utf-8"
_FAULT_ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "ServiceUnavailable", "The service is temporarily unavailable."),
    "throttle": (429, "RequestLimitExceeded", "Request rate exceeded, slow down."),
}


def loopback_host(host: str) -> str:
    """The bind address for ``host``; anything that is not a loopback address is refused."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"the simulator binds to loopback only, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the simulator binds to loopback only, not {host!r}")
    return host


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # Benchmarks and parallel applies open many connections at once; the default backlog of 5
    # would make the kernel drop or refuse some of them.
    request_queue_size = 128
    sim: SimServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request (killed apply, timeout) is not a server failure.
        log.debug("connection from %s ended abruptly", client_address, exc_info=True)


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add
    # ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        raw_path, _, raw_query = self.path.partition("?")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self.send_error_json(400, "InvalidHTTPRequest", "Content-Length is not a number")
            return
        body = self.rfile.read(length) if length > 0 else b""
        if raw_path.startswith("/__sim/"):
            admin.handle(self.server.sim, self, raw_path, raw_query, body)
        else:
            self.server.sim._serve_api(self, raw_path, raw_query, body)

    def send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-bce-request-id", str(uuid.uuid4()))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def send_error_json(self, status: int, code: str, message: str, extra: dict[str, str] | None = None) -> None:
        request_id = str(uuid.uuid4())
        data = json.dumps({"code": code, "message": message, "requestId": request_id}).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-bce-request-id", request_id)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def hang_up(self) -> None:
        """Close the connection without a response (a dropped or lost reply)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class SimServer:
    """A running (or startable) simulator: the in-process API used by tests and ``--sim``."""

    def __init__(self, world: World, *, host: str = "127.0.0.1", port: int = 0, seed: int | None = None,
                 state_path: Path | None = None, clock: Callable[[], float] | None = None):
        self.world = world
        self._host = loopback_host(host)
        self._port = port
        self._clock = clock or time.time
        self.engine = Engine(world, clock=self._clock, rng=random.Random(seed), state_path=state_path)
        self.faults = FaultInjector(world.faults, seed=seed)
        self._stats = Stats()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> SimServer:
        if self._httpd is not None:
            return self
        v6 = ipaddress.ip_address(self._host).version == 6
        self._httpd = (_HttpServer6 if v6 else _HttpServer)((self._host, self._port), _Handler)
        self._httpd.sim = self
        self._port = self._httpd.server_address[1]
        # A short poll interval keeps stop() fast (shutdown waits for the next poll).
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="peerconn-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd, self._thread = None, None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (``sim serve``)."""
        self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    # -- control -------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def reset(self) -> None:
        """Back to the world's initial state, initial fault settings, zeroed stats."""
        self.faults.reset()
        self._apply_fault_spec(self.faults.spec)
        self.engine.reset()
        self._stats.reset()

    def advance(self, seconds: float) -> None:
        self.engine.advance(seconds)

    def set_faults(self, **changes: Any) -> FaultSpec:
        spec = self.faults.update(changes)
        self._apply_fault_spec(spec)
        return spec

    def world_identity(self) -> str:
        """Names this world (its content, not where it was read from): a plan made against
        one world is refused by another."""
        digest = hashlib.sha256(self.world.model_dump_json().encode()).hexdigest()
        return f"sha256:{digest[:16]}"

    def credentials_for(self, profile: str | None = None) -> tuple[str, str]:
        account = self.world.account_for_profile(profile)
        if account is None:
            raise KeyError(f"no simulator account has profile {profile!r}")
        return account.access_key, account.secret_key

    def connections(self) -> list[dict[str, Any]]:
        """Raw records of the connections that exist (not yet released)."""
        return self.engine.records()

    def route_rules(self) -> list[dict[str, Any]]:
        """Raw records of the custom route rules that exist (system rules are not stored)."""
        return self.engine.route_records()

    def _apply_fault_spec(self, spec: FaultSpec) -> None:
        self.engine.list_lag_s = spec.list_lag_s
        self.engine.ignore_client_tokens = spec.ignore_client_tokens

    # -- the /v1 API -----------------------------------------------------------------------

    def _serve_api(self, handler: _Handler, raw_path: str, raw_query: str, body: bytes) -> None:
        method = handler.command
        pairs = parse_query(raw_query)
        query: dict[str, str] = {}
        for key, value in pairs:
            query.setdefault(key, value)
        op, conn_id, route_error = "unknown", None, None
        try:
            op, conn_id = _route_of(method, raw_path, set(query))
        except SimApiError as exc:
            route_error = exc  # answered after the signature check, like any other error
        fault = self._pre_faults(handler, op)
        if fault == "handled":
            return
        try:
            status, payload = self._process(handler, raw_path, raw_query, body, op, conn_id, query, route_error)
        except SimApiError as exc:
            self._stats.record(op, str(exc.status))
            handler.send_error_json(exc.status, exc.code, exc.message)
            return
        except Exception:  # a simulator bug must still answer like a server would
            log.exception("simulator failure on %s %s", method, raw_path)
            self._stats.record(op, "500")
            handler.send_error_json(500, "InternalError", "simulator internal error")
            return
        if fault == "lost":  # the change is committed; the reply never arrives
            self._stats.record(op, "lost")
            handler.hang_up()
            return
        self._stats.record(op, str(status))
        handler.send_json(status, payload)

    def _pre_faults(self, handler: _Handler, op: str) -> str | None:
        spec = self.faults.spec
        if spec.latency_ms:
            time.sleep(spec.latency_ms / 1000)
        fault = self.faults.draw()
        if fault == "drop":
            self._stats.record(op, "drop")
            handler.hang_up()
            return "handled"
        if fault in _FAULT_ERRORS:
            status, code, message = _FAULT_ERRORS[fault]
            extra = {"Retry-After": str(spec.retry_after_s)} if fault == "throttle" else None
            self._stats.record(op, fault)
            handler.send_error_json(status, code, message, extra)
            return "handled"
        return fault

    def _process(self, handler: _Handler, raw_path: str, raw_query: str, body: bytes, op: str,
                 conn_id: str | None, query: dict[str, str], route_error: SimApiError | None) -> tuple[int, Any]:
        headers: dict[str, str] = {}
        for name, value in handler.headers.items():
            headers.setdefault(name.lower(), value)
        wire = WireRequest(handler.command, raw_path, raw_query, headers, body)
        access_key = verify(wire, self._secret_for, now=self._clock())
        if route_error is not None:
            raise route_error
        account = self.world.account_for_key(access_key)
        assert account is not None  # verify() only passes known keys
        call = Call(op, account.id, conn_id, query, _json_body(body), query.get("clientToken"))
        return self.engine.call(call)

    def _secret_for(self, access_key: str) -> str | None:
        account = self.world.account_for_key(access_key)
        return account.secret_key if account else None


def _route_of(method: str, raw_path: str, keys: set[str]) -> tuple[str, str | None]:
    found = route(method, unquote(raw_path), keys)
    return found.op, found.conn_id


def _json_body(body: bytes) -> dict[str, Any] | None:
    if not body.strip():
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise malformed_json("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise malformed_json("the request body must be a JSON object")
    return data
