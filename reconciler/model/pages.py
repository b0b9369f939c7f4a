"""One page of a marker-paged BCE list (``GET /v1/peerconn``, ``/v1/vpc``, ``/v1/route/rule``).

Pure data: no I/O. Every such list answers the same cursor fields; what differs is the items
(``PeerConn``, ``Vpc``, ``RouteRule``), so one generic value serves all three and one loop
(``client.calls.every_page``) follows them. Re-exported by ``reconciler.model``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """The page's items in the server's order, and where the next page starts."""

    items: tuple[T, ...]
    marker: str = ""
    is_truncated: bool = False
    next_marker: str = ""
    max_keys: int = 0
