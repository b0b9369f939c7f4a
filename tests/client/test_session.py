"""The client's own HTTP session, seen from a real loopback server: connections kept and reused
by a thread pool, and no retry of urllib3's underneath ours (one call, one request)."""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from reconciler.client.transport import new_session

WORKERS = 16  # what the old adapter-attribute check pinned: a 16-thread pool is served


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.connections: set[tuple[str, int]] = set()
        self.requests = 0
        self.together = threading.Barrier(WORKERS, timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a connection serves request after request
    server: Server

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.connections.add(self.client_address)
            self.server.requests += 1
        if self.path == "/hang-up":
            self.close_connection = True  # no status line at all: the peer just goes away
            return
        self.server.together.wait()  # all WORKERS requests in flight at once
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_a_16_thread_pool_keeps_its_16_connections_across_rounds(server, caplog):
    session = new_session()
    caplog.set_level(logging.WARNING, logger="urllib3")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for _ in range(3):
            codes = list(pool.map(lambda _: session.get(server.url, timeout=15).status_code,
                                  range(WORKERS)))
            assert codes == [200] * WORKERS
    # A smaller pool would discard the extra connections after each round and open new ones.
    assert len(server.connections) == WORKERS
    assert server.requests == 3 * WORKERS
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_a_hang_up_is_one_request_and_one_error_no_hidden_retry(server):
    with pytest.raises(requests.ConnectionError):
        new_session().get(f"{server.url}/hang-up", timeout=5)
    assert server.requests == 1
