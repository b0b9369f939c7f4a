"""Fault injection: 5xx, throttling, dropped and lost responses, latency, list lag, seeds."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from reconciler.errors import ApiError, NetworkError, ServerError, ThrottledError
from reconciler.simulator import SimServer

from . import wire
from .conftest import FAST_RETRY, StartSim, create, make_api, make_world


def _admin(sim: SimServer, method: str, route: str, body: dict[str, object] | None = None) -> Any:
    reply = requests.request(method, f"{sim.url}/__sim/{route}", json=body, timeout=5)
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.mark.parametrize(("kind", "error", "status", "code"), [
    pytest.param("500", ServerError, 500, "InternalError", id="500"),
    pytest.param("503", ServerError, 503, "ServiceUnavailable", id="503"),
    pytest.param("throttle", ThrottledError, 429, "RequestLimitExceeded", id="throttle"),
])
def test_error_faults_are_bce_shaped_and_retried_by_the_client(sim: SimServer, kind: str, error: type[ApiError],
                                                               status: int, code: str) -> None:
    _admin(sim, "POST", "faults", {"next": [kind]})
    with pytest.raises(error) as err:
        make_api(sim).list_page()
    assert (err.value.status, err.value.code) == (status, code)
    if kind == "throttle":
        assert err.value.retry_after == 1.0
    _admin(sim, "POST", "faults", {"next": [kind, kind]})
    assert make_api(sim, retry=FAST_RETRY).list_page().items == ()
    assert sim.stats()["by_outcome"] == {kind: 3, "200": 1}


def test_drop_closes_the_connection_before_anything_happens(sim: SimServer) -> None:
    sim.set_faults(next=["drop"])
    with pytest.raises(NetworkError):
        create(make_api(sim))
    assert sim.connections() == []
    assert sim.stats()["by_outcome"] == {"drop": 1}


def test_lost_commits_the_change_then_hangs_up(sim: SimServer) -> None:
    ak, sk = sim.credentials_for(None)
    sim.set_faults(next=["lost"])
    body = (b'{"bandwidthInMbps": 10, "localVpcId": "vpc-app01", "peerVpcId": "vpc-db0001", '
            b'"peerRegion": "bj", "billing": {"paymentTiming": "Postpaid"}}')
    with pytest.raises(Exception) as err:  # http.client: RemoteDisconnected, no status line
        wire.signed_send(sim.url, ak, sk, "POST", "/v1/peerconn", "clientToken=tok-lost", body)
    assert "closed" in str(err.value).lower() or "disconnect" in type(err.value).__name__.lower()
    (rec,) = sim.connections()
    # the retry with the same token gets the committed result
    retried = wire.signed_send(sim.url, ak, sk, "POST", "/v1/peerconn", "clientToken=tok-lost", body)
    assert json.loads(retried.body) == {"peerConnId": rec["id"]}
    assert sim.stats()["by_operation_outcome"]["create"] == {"200": 1, "lost": 1}


def test_the_client_recovers_from_a_lost_create_through_its_token(sim: SimServer) -> None:
    sim.set_faults(next=["lost"])
    conn = create(make_api(sim, retry=FAST_RETRY), client_token="tok-retry")
    assert [r["id"] for r in sim.connections()] == [conn]


def test_random_faults_are_reproducible_with_a_seed(start_sim: StartSim) -> None:
    def outcomes() -> list[str]:
        sim = start_sim(make_world(faults={"error_rate": 0.5, "kinds": ["500", "503", "throttle"], "seed": 42}))
        ak, sk = sim.credentials_for(None)
        return [str(wire.signed_send(sim.url, ak, sk, "GET", "/v1/peerconn").status) for _ in range(20)]

    first = outcomes()
    assert first == outcomes()
    assert {"200", "500"} <= set(first)


def test_latency_delays_api_requests_only(sim: SimServer) -> None:
    sim.set_faults(latency_ms=150)
    started = time.perf_counter()
    make_api(sim).list_page()
    assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    _admin(sim, "GET", "stats")
    assert time.perf_counter() - started < 0.15


def test_list_lag_hides_new_connections_from_list_only(sim: SimServer) -> None:
    main = make_api(sim)
    sim.set_faults(list_lag_s=30)
    conn = create(main)
    assert list(main.list_all()) == []
    assert main.get(conn).peer_conn_id == conn
    sim.advance(30)
    assert [c.peer_conn_id for c in main.list_all()] == [conn]


def test_faults_endpoint_validates_and_reports(sim: SimServer) -> None:
    bad = requests.post(f"{sim.url}/__sim/faults", json={"error_rate": 2}, timeout=5)
    assert bad.status_code == 400
    unknown = requests.post(f"{sim.url}/__sim/faults", json={"nonsense": 1}, timeout=5)
    assert unknown.status_code == 400
    assert _admin(sim, "POST", "faults", {"latency_ms": 5})["latency_ms"] == 5
    assert _admin(sim, "GET", "faults")["latency_ms"] == 5
