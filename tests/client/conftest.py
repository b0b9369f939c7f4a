"""Shared fixtures for the client tests: the SDK's wire traces, fake time, a mocked endpoint.

Every HTTP exchange goes through ``responses``; an unregistered URL fails instead of reaching
the network. Time is a fake clock whose ``sleep`` only advances it, so no test really sleeps.
"""

from __future__ import annotations

import calendar
import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from reconciler.client import Credentials, PeerConnApi, RetryPolicy
from tests.fixtures import WIRE_TRACES

TRACES_FILE = WIRE_TRACES
ENDPOINT = "https://bcc.bj.baidubce.com"
AK, SK = "AKIDEXAMPLE", "SKEXAMPLE"
START = calendar.timegm(time.strptime("2026-11-26T04:46:34Z", "%Y-%m-%dT%H:%M:%SZ"))


def load_traces(path: Path = TRACES_FILE) -> list[dict[str, Any]]:
    assert path.is_file(), f"missing {path}"
    return json.loads(path.read_text(encoding="utf-8"))


class FakeTime:
    """A clock that only moves when something sleeps (or a test advances it)."""

    def __init__(self, start: float = START):
        self.now = float(start)
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class TopOfRange(random.Random):
    """Full jitter at its ceiling, so backoff delays are predictable in tests."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def make_api(fake_time: FakeTime) -> Callable[..., PeerConnApi]:
    def build(
        endpoint: str = ENDPOINT,
        *,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> PeerConnApi:
        return PeerConnApi(
            credentials or Credentials(AK, SK),
            endpoint,
            retry=retry or RetryPolicy(),
            clock=fake_time.clock,
            sleep=fake_time.sleep,
            rng=kwargs.pop("rng", TopOfRange()),
            **kwargs,
        )

    return build
