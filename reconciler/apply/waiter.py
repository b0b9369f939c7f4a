"""Waiting on BCE's asynchronous statuses, with polling coalesced into list calls.

Owns: ``Poller`` (a short-lived cache of ``list`` results per account/region/VPC, so many
connections waiting in one VPC share one list call per poll interval) and ``wait_for`` (poll
until a predicate holds, report progress every ``progress_every`` seconds, give up at the
timeout, stop at once when the run is cancelled). Time enters through ``clock`` and ``sleep``
so tests never wait for real; cancellation enters as ``cancelled`` (a predicate, usually a
``threading.Event``'s ``is_set``), so neither class knows about signals. Waiting holds no
parallelism slot: callers take the API semaphore only around mutating calls.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from reconciler.errors import ApiError
from reconciler.model import PairKey, PeerConn, Status
from reconciler.observe.live import Context

ApiFor = Callable[[Context], Any]


class WaitTimeout(ApiError):
    """A status did not arrive within the wait timeout."""


class Interrupted(Exception):
    """The run was cancelled: no new API call is started; the message says where it stopped."""


def _never() -> bool:
    return False


def status_of(view: PeerConn | None) -> str:
    """What a wait shows as "now ..." by default: the connection's status."""
    return view.status if view is not None else "not visible"


class Poller:
    def __init__(self, api_for: ApiFor, *, clock: Callable[[], float], ttl: float,
                 cancelled: Callable[[], bool] = _never):
        self._api_for = api_for
        self._cancelled = cancelled
        self._clock = clock
        self._ttl = ttl
        # key -> (finished at, ticket taken when the list call started, views)
        self._cache: dict[tuple[Context, str], tuple[float, int, list[PeerConn]]] = {}
        self._locks: dict[tuple[Context, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self._tickets = 0

    def _lock(self, key: tuple[Context, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _ticket(self) -> int:
        """A number that orders asks and list-call starts (not the clock: tests freeze it)."""
        with self._guard:
            self._tickets += 1
            return self._tickets

    def listing(self, ctx: Context, vpc_id: str, *, fresh: bool = False) -> list[PeerConn]:
        """The VPC's list, at most ``ttl`` old; with ``fresh``, from a call that started after
        this one was asked for. Callers that queued for the same VPC while a call was under
        way share the next call instead of each making their own, one after another."""
        key = (ctx, vpc_id)
        asked = self._ticket()
        with self._lock(key):
            cached = self._cache.get(key)
            if cached is not None:
                finished, started, views = cached
                if started > asked if fresh else self._clock() - finished < self._ttl:
                    return views
            if self._cancelled():  # a cached answer is still served: it costs no call
                raise Interrupted(f"interrupted before listing {vpc_id}")
            started = self._ticket()
            views = list(self._api_for(ctx).list_all(vpc_id=vpc_id))
            self._cache[key] = (self._clock(), started, views)
            return views

    def end(self, ctx: Context, vpc_id: str, peer_vpc_id: str, *,
            fresh: bool = False) -> PeerConn | None:
        """The live, not-gone connection for the pair as seen from ``vpc_id``."""
        pair = PairKey.of(vpc_id, peer_vpc_id)
        for view in self.listing(ctx, vpc_id, fresh=fresh):
            if view.local_vpc_id == vpc_id and view.pair == pair and \
                    view.status not in (Status.DELETED,):
                return view
        return None

    def by_id(self, ctx: Context, vpc_id: str, peer_conn_id: str, *,
              fresh: bool = False) -> PeerConn | None:
        for view in self.listing(ctx, vpc_id, fresh=fresh):
            if view.peer_conn_id == peer_conn_id and view.status != Status.DELETED:
                return view
        return None


class Waiter:
    def __init__(self, poller: Poller, *, clock: Callable[[], float],
                 sleep: Callable[[float], object], progress: Callable[[str], None],
                 timeout: float, poll_initial: float, poll_max: float, progress_every: float,
                 cancelled: Callable[[], bool] = _never):
        # The timings have no defaults here: ``executor.ApplyOptions`` is their one home.
        self.poller = poller
        self.clock = clock
        self.sleep = sleep
        self.progress = progress
        self.timeout = timeout
        self.poll_initial = poll_initial
        self.poll_max = poll_max
        self.progress_every = progress_every
        self.cancelled = cancelled

    def interval(self, elapsed: float) -> float:
        """The poll interval after ``elapsed`` seconds of waiting.

        ``poll_initial`` times a power of two, kept at or below a tenth of the time already
        waited (so a poll lands at most ~10% after the status arrived) and capped at
        ``poll_max``. Powers of two make every waiter's grid nest in the finer ones, so
        waiters in one VPC wake together and share one list call through the Poller.
        """
        step = self.poll_initial
        while step * 2 <= min(self.poll_max, elapsed / 10):
            step *= 2
        return min(step, self.poll_max)

    def wait_for(self, label: str, probe: Callable[[], PeerConn | None],
                 done: Callable[[PeerConn | None], bool], what: str, *,
                 since: float | None = None,
                 seen: Callable[[PeerConn | None], str] = status_of) -> PeerConn | None:
        """Poll ``probe`` until ``done`` holds.

        Raises WaitTimeout (naming ``what`` and the last state seen) after ``timeout`` seconds
        of this wait, and Interrupted as soon as the run is cancelled. Progress lines give the
        time since ``since`` (the start of the whole change, so a user sees how long the
        connection has taken, not just this wait) and the state the wait is looking at now.
        """
        start = self.clock()
        since = start if since is None else since
        next_report = start + self.progress_every
        view: PeerConn | None = None
        probed = False
        while True:
            if self.cancelled():
                state = f" (now {seen(view)})" if probed else ""
                raise Interrupted(f"interrupted while waiting for {what}{state}, "
                                  f"{int(self.clock() - since)}s in")
            view, probed = probe(), True
            if done(view):
                return view
            now = self.clock()
            if now - start >= self.timeout:
                raise WaitTimeout(f"timed out after {int(now - start)}s waiting for {what} "
                                  f"(last seen: {seen(view)})", operation=label)
            if now >= next_report:
                self.progress(f"{label}: still waiting for {what} (now {seen(view)})... "
                              f"[{int(now - since)}s elapsed]")
                next_report = now + self.progress_every
            step = self.interval(now - start)
            # Wake on the shared grid (multiples of ``step`` on the clock), not ``now + step``.
            self.sleep(max(0.0, (math.floor(now / step) + 1) * step - now))
