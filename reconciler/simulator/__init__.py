"""A faithful local BCE peering-connection service for demos, end-to-end tests and benchmarks.

Real HTTP on loopback, real bce-auth-v1 checks, BCE's state machines, rules, idempotency and
errors, plus fault injection; see specs/simulator.md. Shares nothing with ``reconciler.client``
but the reference: it never imports it.

Layers (each module's docstring says what it owns): ``world`` (YAML schema) → ``records``
(record shape, lazy transitions, views) → ``rules`` → ``ops`` → ``engine`` (+ ``store``,
``seed``) → ``server`` (+ ``auth``, ``routes``, ``faults``, ``stats``, ``admin``) → ``cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.simulator.world import World, default_world_path, load_world

if TYPE_CHECKING:
    from reconciler.simulator.server import SimServer

__all__ = ["SimServer", "World", "default_world_path", "load_world"]


def __getattr__(name: str) -> Any:
    """``SimServer`` on first use: the command line's parser imports this package (for
    ``sim serve``'s options) and must not pay for the engine and the HTTP server."""
    if name == "SimServer":
        from reconciler.simulator.server import SimServer

        return SimServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
