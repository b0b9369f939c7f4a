"""The executor's list cache (``waiter.Poller``): what a fresh read may and may not reuse."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from reconciler.apply.waiter import Poller
from reconciler.model import PeerConn
from reconciler.observe.live import Context

CTX = Context(None, "bj")


class CountingLister:
    """A fake client: each list call returns one view whose id is the call's number."""

    def __init__(self, *, hold_first: threading.Event | None = None):
        self.calls = 0
        self.hold_first = hold_first
        self.first_started = threading.Event()
        self._lock = threading.Lock()

    def list_all(self, *, vpc_id: str | None = None, page_size: int = 1000) -> Iterator[PeerConn]:
        with self._lock:
            self.calls += 1
            number = self.calls
        if number == 1 and self.hold_first is not None:
            self.first_started.set()
            self.hold_first.wait(5)
        yield PeerConn(peer_conn_id=f"call-{number}", local_vpc_id=vpc_id or "")


def poller(lister: CountingLister, clock=time.monotonic, ttl: float = 0.25) -> Poller:
    return Poller(lambda _ctx: lister, clock=clock, ttl=ttl)


def ids(views: list[PeerConn]) -> list[str]:
    return [v.peer_conn_id for v in views]


def test_a_fresh_read_after_a_finished_call_makes_a_new_call():
    lister = CountingLister()
    p = poller(lister)
    assert ids(p.listing(CTX, "vpc-a", fresh=True)) == ["call-1"]
    assert ids(p.listing(CTX, "vpc-a", fresh=True)) == ["call-2"]


def test_a_cached_read_within_the_ttl_reuses_the_last_call():
    now = [100.0]
    lister = CountingLister()
    p = poller(lister, clock=lambda: now[0], ttl=0.25)
    p.listing(CTX, "vpc-a")
    now[0] += 0.1
    assert ids(p.listing(CTX, "vpc-a")) == ["call-1"]
    now[0] += 0.2
    assert ids(p.listing(CTX, "vpc-a")) == ["call-2"]


def test_a_frozen_clock_never_makes_a_fresh_read_reuse_an_older_call():
    lister = CountingLister()
    p = poller(lister, clock=lambda: 0.0)
    p.listing(CTX, "vpc-a", fresh=True)
    assert ids(p.listing(CTX, "vpc-a", fresh=True)) == ["call-2"]


def test_fresh_reads_queued_behind_a_call_in_flight_share_the_next_call_not_that_one():
    release = threading.Event()
    lister = CountingLister(hold_first=release)
    p = poller(lister)
    results: dict[str, list[str]] = {}

    def read(name: str) -> None:
        results[name] = ids(p.listing(CTX, "vpc-a", fresh=True))

    first = threading.Thread(target=read, args=("first",))
    first.start()
    assert lister.first_started.wait(5)
    queued = [threading.Thread(target=read, args=(f"queued-{i}",)) for i in range(3)]
    for thread in queued:
        thread.start()
    time.sleep(0.2)  # the queued readers have asked and wait for the call in flight
    release.set()
    for thread in (first, *queued):
        thread.join(5)

    assert results["first"] == ["call-1"]
    assert {tuple(results[f"queued-{i}"]) for i in range(3)} == {("call-2",)}
    assert lister.calls == 2


def test_different_vpcs_are_never_shared():
    lister = CountingLister()
    p = poller(lister)
    assert p.listing(CTX, "vpc-a", fresh=True)[0].local_vpc_id == "vpc-a"
    assert p.listing(CTX, "vpc-b", fresh=True)[0].local_vpc_id == "vpc-b"
    assert lister.calls == 2
