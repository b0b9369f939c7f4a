"""A faithful local BCE peering-connection service for demos, end-to-end tests and benchmarks.

Real HTTP on loopback, real bce-auth-v1 checks, BCE's state machines, rules, idempotency and
errors, plus fault injection; see specs/simulator.md. Shares nothing with ``reconciler.client``
but the reference: it never imports it.

Layers (each module's docstring says what it owns): ``world`` (YAML schema) → ``records``
(record shape, lazy transitions, views) → ``rules`` → ``ops`` → ``engine`` (+ ``store``,
``seed``) → ``server`` (+ ``auth``, ``routes``, ``faults``, ``stats``, ``admin``) → ``cli``.
"""

from reconciler.simulator.server import SimServer
from reconciler.simulator.world import World, default_world_path, load_world

__all__ = ["SimServer", "World", "default_world_path", "load_world"]
