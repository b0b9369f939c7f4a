"""The interfaces apply reaches the cloud through: reads and writes apart, typed.

``PeerConnReader`` is what a wait and a read-back need; ``PeerConnWriter`` the mutating calls
a step makes, with ``route`` (``RoutePort``) for the rules through a connection. The client's
``PeerConnApi`` provides both; mypy checks it against these at the
one place the command line hands it to the executor. Apply never sees ``requests``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from reconciler.model import WIRE_TIME_UNIT, Billing, PeerConn, RouteTable
from reconciler.observe import Lister
from reconciler.observe.live import Context


class RoutePort(Protocol):
    """The route-table calls apply makes (``client.route.RouteApi``)."""

    def get_table(self, *, vpc_id: str | None = None,
                  route_table_id: str | None = None) -> RouteTable: ...

    def create_rule(self, *, route_table_id: str, source_address: str,
                    destination_address: str, nexthop_type: str | None = None,
                    nexthop_id: str | None = None, description: str = "",
                    client_token: str | None = None) -> str: ...

    def update_rule(self, route_rule_id: str, *, description: str,
                    client_token: str | None = None) -> None: ...

    def delete_rule(self, route_rule_id: str, *, client_token: str | None = None) -> None: ...


class PeerConnReader(Lister, Protocol):
    """The lists observation makes (``observe.Lister``), and the one detail read apply needs."""

    def list_all(self, *, vpc_id: str | None = None,
                 page_size: int = 1000) -> Iterator[PeerConn]: ...

    def get(self, peer_conn_id: str, *, role: str | None = None) -> PeerConn: ...


class PeerConnWriter(Protocol):
    @property
    def route(self) -> RoutePort: ...

    def create(self, *, bandwidth_in_mbps: int, local_vpc_id: str, peer_vpc_id: str,
               peer_region: str, billing: Billing, description: str | None = None,
               local_if_name: str | None = None, peer_account_id: str | None = None,
               peer_if_name: str | None = None, tags: Mapping[str, str] | None = None,
               resource_group_id: str | None = None, delete_protect: bool | None = None,
               client_token: str | None = None) -> str: ...

    def update(self, peer_conn_id: str, *, local_if_id: str, description: str | None = None,
               local_if_name: str | None = None, client_token: str | None = None) -> None: ...

    def accept(self, peer_conn_id: str, *, client_token: str | None = None) -> None: ...

    def reject(self, peer_conn_id: str, *, client_token: str | None = None) -> None: ...

    def delete(self, peer_conn_id: str, *, client_token: str | None = None) -> None: ...

    def resize(self, peer_conn_id: str, *, new_bandwidth_in_mbps: int,
               client_token: str | None = None) -> None: ...

    def renew(self, peer_conn_id: str, *, reservation_length: int,
              reservation_time_unit: str = WIRE_TIME_UNIT, payment_timing: str | None = None,
              client_token: str | None = None) -> None: ...

    def open_dns_sync(self, peer_conn_id: str, *, role: str,
                      client_token: str | None = None) -> None: ...

    def close_dns_sync(self, peer_conn_id: str, *, role: str,
                       client_token: str | None = None) -> None: ...

    def set_delete_protect(self, peer_conn_id: str, *, delete_protect: bool,
                           client_token: str | None = None) -> None: ...


class PeerConnPort(PeerConnReader, PeerConnWriter, Protocol):
    """Both: what one account at one endpoint offers apply."""

    @property
    def route(self) -> RoutePort: ...


ApiFor = Callable[[Context], PeerConnPort]
