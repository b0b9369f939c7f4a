"""The ``maxKeys`` of BCE's marker-paged lists (peering connections, VPCs, route rules): one
reading of the parameter for every list the simulator serves."""

from __future__ import annotations

from reconciler.simulator.errors import invalid

MAX_KEYS = 1000


def max_keys(raw: str | None) -> int:
    """The page size a request asks for: the default when absent, 1 to 1000 otherwise."""
    if raw in (None, ""):
        return MAX_KEYS
    try:
        value = int(raw)
    except ValueError:
        raise invalid("maxKeys must be an integer") from None
    if not 1 <= value <= MAX_KEYS:
        raise invalid(f"maxKeys must be between 1 and {MAX_KEYS}")
    return value
