"""The retry policy as data, and the loop that applies it to one API call.

Owns: which failures are retried (``ApiError.retryable``: network failures, throttling,
500/502/503/504), capped exponential backoff with full jitter, ``Retry-After`` (capped) and the
overall deadline. Must not build or sign requests, and must not read real time or randomness
itself: clock, sleep and the random source are parameters, so tests never sleep. The attempt
callable re-signs every attempt (fresh x-bce-date); the clientToken is chosen by the caller
before the loop, so every attempt carries the same one.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from reconciler.errors import ApiError

T = TypeVar("T")
log = logging.getLogger("peerconn.http")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one API call is tried. Delays are seconds.

    ``max_attempts`` counts the first try. ``deadline`` bounds the whole call from its first
    attempt: no retry is started whose backoff would end past it.
    """

    max_attempts: int = 5
    base_delay: float = 0.3
    max_delay: float = 20.0
    retry_after_cap: float = 60.0
    deadline: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.retry_after_cap, self.deadline) < 0:
            raise ValueError("delays and deadline must not be negative")

    def backoff(self, failed_attempts: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(n-1))]."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failed_attempts - 1))
        return rng.uniform(0.0, ceiling)

    def delay(self, error: ApiError, failed_attempts: int, rng: random.Random) -> float:
        """The pause before the next attempt; a server's Retry-After wins, within the cap."""
        if error.retry_after is not None:
            return min(error.retry_after, self.retry_after_cap)
        return self.backoff(failed_attempts, rng)


NO_RETRY = RetryPolicy(max_attempts=1)


def call_with_retries(
    attempt: Callable[[int], T],
    *,
    policy: RetryPolicy,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    rng: random.Random,
) -> T:
    """Run ``attempt(n)`` for n = 1, 2, ... until it returns or the policy gives up.

    The last error is raised unchanged, so callers see the real cause, not a wrapper.
    """
    started = clock()
    number = 1
    while True:
        try:
            return attempt(number)
        except ApiError as error:
            pause = _next_pause(error, number, policy, rng, clock() - started)
            if pause is None:
                raise
            log.debug(
                "retry %s after %s: attempt %d failed, sleeping %.3fs",
                error.operation,
                type(error).__name__,
                number,
                pause,
            )
            sleep(pause)
            number += 1


def _next_pause(
    error: ApiError, number: int, policy: RetryPolicy, rng: random.Random, elapsed: float
) -> float | None:
    """Seconds to wait before attempt ``number + 1``, or None to give up."""
    if not error.retryable or number >= policy.max_attempts:
        return None
    pause = policy.delay(error, number, rng)
    if elapsed + pause > policy.deadline:
        return None
    return pause
