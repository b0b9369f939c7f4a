"""Fault injection for the simulator's API routes: latency, errors, drops, lost responses.

Owns: the current fault settings (changeable at runtime through ``POST /__sim/faults``), the
seeded and locked random source that makes a run reproducible, and the draw of what happens to
one request. Must not touch the engine's state: the server decides how a drawn fault is
carried out (a ``lost`` fault commits the change, then hangs up).
"""

from __future__ import annotations

import random
import threading
from typing import Any

from reconciler.simulator.world import FaultSpec


class FaultInjector:
    def __init__(self, spec: FaultSpec, *, seed: int | None = None):
        self._lock = threading.Lock()
        self._initial = spec
        self._default_seed = seed
        self._spec = spec
        self._queue: list[str] = list(spec.next)
        self._rng = random.Random(spec.seed if spec.seed is not None else seed)

    @property
    def spec(self) -> FaultSpec:
        return self._spec

    def update(self, changes: dict[str, Any]) -> FaultSpec:
        """Apply a partial change (validated like the world file's ``faults``)."""
        merged = {**self._spec.model_dump(), **changes}
        spec = FaultSpec.model_validate(merged)
        with self._lock:
            self._spec = spec
            if "next" in changes:
                self._queue = list(spec.next)
            if "seed" in changes:
                self._rng = random.Random(spec.seed)
        return spec

    def reset(self) -> None:
        with self._lock:
            self._spec = self._initial
            self._queue = list(self._initial.next)
            seed = self._initial.seed if self._initial.seed is not None else self._default_seed
            self._rng = random.Random(seed)

    def draw(self) -> str | None:
        """The fault for the next API request, or None: forced ones first, then at random."""
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
            spec = self._spec
            if spec.error_rate <= 0 or not spec.kinds:
                return None
            if self._rng.random() >= spec.error_rate:
                return None
            return self._rng.choice(spec.kinds)
