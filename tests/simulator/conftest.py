"""Fixtures for the simulator tests: small worlds, running servers on 127.0.0.1:0, clients.

Timings are a few simulated seconds and tests move time with ``advance()``; nothing sleeps.
The project's client (``reconciler.client``) drives the server end to end; it never retries
unless a test asks for a fast policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reconciler.client import Credentials, PeerConnApi, RetryPolicy
from reconciler.model import Billing
from reconciler.simulator import SimServer, World, load_world
from reconciler.simulator.world import world_from_data

NO_RETRY = RetryPolicy(max_attempts=1)
FAST_RETRY = RetryPolicy(max_attempts=6, base_delay=0.0, max_delay=0.0, retry_after_cap=0.0)
StartSim = Callable[..., SimServer]
TIMING = {"create_s": 5, "accept_s": 5, "resize_s": 5, "dns_s": 5, "delete_s": 5}


def make_world(**overrides: Any) -> World:
    """The default world with short timings, plus top-level overrides."""
    data = load_world(None).model_dump(mode="json")
    data["timing"] = TIMING
    data.update(overrides)
    return world_from_data(data)


def make_api(sim: SimServer, profile: str | None = None, *, retry: RetryPolicy = NO_RETRY,
             **kwargs: Any) -> PeerConnApi:
    ak, sk = sim.credentials_for(profile)
    return PeerConnApi(Credentials(ak, sk), sim.url, retry=retry, sleep=lambda _s: None, **kwargs)


def create(api: PeerConnApi, local: str = "vpc-app01", peer: str = "vpc-db0001",
           region: str = "bj", **kwargs: Any) -> str:
    kwargs.setdefault("bandwidth_in_mbps", 10)
    kwargs.setdefault("billing", Billing())
    return api.create(local_vpc_id=local, peer_vpc_id=peer, peer_region=region, **kwargs)


def prepaid(months: int = 1) -> Billing:
    return Billing(payment_timing="Prepaid", reservation_length=months, reservation_time_unit="Month")


@pytest.fixture
def start_sim() -> Iterator[Callable[..., SimServer]]:
    """Start a simulator for a custom world; every one started is stopped afterwards."""
    started: list[SimServer] = []

    def start(world: World | None = None, **kwargs: Any) -> SimServer:
        kwargs.setdefault("seed", 7)
        sim = SimServer(world or make_world(), **kwargs).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(start_sim: Callable[..., SimServer]) -> SimServer:
    return start_sim()


@pytest.fixture
def main(sim: SimServer) -> PeerConnApi:
    return make_api(sim)


@pytest.fixture
def partner(sim: SimServer) -> PeerConnApi:
    return make_api(sim, "partner")
