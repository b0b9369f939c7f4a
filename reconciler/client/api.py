"""``PeerConnApi``: one method per BCE peering-connection operation (reference §1).

Owns: each operation's method, path, query keys and body (matching the official Python SDK's
wire requests), client-token rules (an explicit token is sent as given; otherwise one uuid4 is
drawn per call, before the retry loop, so every attempt carries it), decoding successes into
``reconciler.model`` values, and building the one ``calls.Caller`` (transport, retries,
``calls`` counter) that this account's other API modules share: ``api.vpc`` is the VPC API
(``vpc.VpcApi``), ``api.route`` the route tables and rules (``route.RouteApi``, with this
token factory), through the same session and counter. Must not decide what to change (the
planner does) or wait for states (the executor does); it never imports the simulator.
Thread-safe: one pooled session, no per-call mutable state on the instance.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from reconciler import __version__, model
from reconciler.client import codec
from reconciler.client.calls import (
    CallCounter,
    Caller,
    checked_token,
    every_page,
    path_segment,
    present,
)
from reconciler.client.config import Credentials
from reconciler.client.retry import RetryPolicy
from reconciler.client.route import RouteApi
from reconciler.client.transport import Params, Reply, SignedTransport, Timeout, new_session
from reconciler.client.vpc import VpcApi
from reconciler.errors import NotFoundError

BASE_PATH = "/v1/peerconn"
DEFAULT_USER_AGENT = f"peerconn/{__version__} python-requests/{requests.__version__}"
__all__ = ["CallCounter", "PeerConnApi", "new_client_token"]


def new_client_token() -> str:
    return str(uuid.uuid4())


class PeerConnApi:
    """The BCE peering-connection API of one account at one endpoint."""

    def __init__(
        self,
        credentials: Credentials,
        endpoint: str,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        timeout: Timeout = (5, 30),
        user_agent: str = DEFAULT_USER_AGENT,
        rng: random.Random | None = None,
        token_factory: Callable[[], str] = new_client_token,
    ):
        self.endpoint = endpoint.rstrip("/")
        self._new_token = token_factory
        transport = SignedTransport(
            credentials,
            self.endpoint,
            session=session or new_session(),
            clock=clock,
            timeout=timeout,
            user_agent=user_agent,
        )
        self._caller = Caller(transport, retry=retry, clock=clock, sleep=sleep, rng=rng)
        self.calls: CallCounter = self._caller.calls
        self.vpc = VpcApi(self._caller)
        self.route = RouteApi(self._caller, token_factory)

    def __repr__(self) -> str:
        return f"PeerConnApi(endpoint={self.endpoint!r})"

    # -- reads ---------------------------------------------------------------------------

    def list_page(
        self, *, vpc_id: str | None = None, marker: str | None = None, max_keys: int | None = None
    ) -> model.Page[model.PeerConn]:
        params = present(vpcId=vpc_id, marker=marker, maxKeys=max_keys)
        reply = self._call("list", "GET", BASE_PATH, params)
        return self._caller.decode("list", reply, codec.decode_list_page)

    def list_all(
        self, *, vpc_id: str | None = None, page_size: int = 1000
    ) -> Iterator[model.PeerConn]:
        """Every connection, following ``nextMarker`` while ``isTruncated``.

        A truncated page without a new marker is an error, not the end: stopping early would
        hide live connections from the planner, which could then try to create duplicates.
        """
        return every_page("list", lambda marker: self.list_page(
            vpc_id=vpc_id, marker=marker, max_keys=page_size))

    def get(self, peer_conn_id: str, *, role: str | None = None) -> model.PeerConn:
        """One connection, seen from ``role``'s end. NotFoundError when it is unknown/deleted."""
        reply = self._call("get", "GET", _conn_path(peer_conn_id), present(role=role))
        if _is_empty(reply):
            # BCE has answered GET on a deleted id with 2xx and no body (reference §1.5).
            raise NotFoundError(
                f"peering connection {peer_conn_id} not found (empty response)",
                status=reply.status,
                request_id=reply.request_id,
                operation="get",
            )
        return self._caller.decode("get", reply, codec.decode_peer_conn)

    # -- writes --------------------------------------------------------------------------

    def create(
        self,
        *,
        bandwidth_in_mbps: int,
        local_vpc_id: str,
        peer_vpc_id: str,
        peer_region: str,
        billing: model.Billing,
        description: str | None = None,
        local_if_name: str | None = None,
        peer_account_id: str | None = None,
        peer_if_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        resource_group_id: str | None = None,
        delete_protect: bool | None = None,
        client_token: str | None = None,
    ) -> str:
        """Create a connection; returns its ``peerConnId``."""
        body = codec.create_body(
            bandwidth_in_mbps=bandwidth_in_mbps,
            local_vpc_id=local_vpc_id,
            peer_vpc_id=peer_vpc_id,
            peer_region=peer_region,
            billing=billing,
            description=description,
            local_if_name=local_if_name,
            peer_account_id=peer_account_id,
            peer_if_name=peer_if_name,
            tags=tags,
            resource_group_id=resource_group_id,
            delete_protect=delete_protect,
        )
        reply = self._mutate("create", "POST", BASE_PATH, client_token, body=body)
        return self._caller.decode("create", reply, codec.decode_created_id)

    def update(
        self,
        peer_conn_id: str,
        *,
        local_if_id: str,
        description: str | None = None,
        local_if_name: str | None = None,
        client_token: str | None = None,
    ) -> None:
        body = codec.update_body(
            local_if_id=local_if_id, description=description, local_if_name=local_if_name
        )
        self._mutate("update", "PUT", _conn_path(peer_conn_id), client_token, body=body)

    def accept(self, peer_conn_id: str, *, client_token: str | None = None) -> None:
        self._action("accept", peer_conn_id, client_token)

    def reject(self, peer_conn_id: str, *, client_token: str | None = None) -> None:
        self._action("reject", peer_conn_id, client_token)

    def refund(self, peer_conn_id: str, *, client_token: str | None = None) -> None:
        self._action("refund", peer_conn_id, client_token)

    def delete(self, peer_conn_id: str, *, client_token: str | None = None) -> None:
        self._mutate("delete", "DELETE", _conn_path(peer_conn_id), client_token)

    def resize(
        self, peer_conn_id: str, *, new_bandwidth_in_mbps: int, client_token: str | None = None
    ) -> None:
        body = {"newBandwidthInMbps": int(new_bandwidth_in_mbps)}
        self._action("resize", peer_conn_id, client_token, body=body)

    def renew(
        self,
        peer_conn_id: str,
        *,
        reservation_length: int,
        reservation_time_unit: str = model.WIRE_TIME_UNIT,
        payment_timing: str | None = None,
        client_token: str | None = None,
    ) -> None:
        body = codec.renew_body(
            length=reservation_length, unit=reservation_time_unit, payment_timing=payment_timing
        )
        self._action("renew", peer_conn_id, client_token, word="purchaseReserved", body=body)

    def open_dns_sync(
        self, peer_conn_id: str, *, role: str, client_token: str | None = None
    ) -> None:
        self._action("open_dns_sync", peer_conn_id, client_token, word="open", role=role)

    def close_dns_sync(
        self, peer_conn_id: str, *, role: str, client_token: str | None = None
    ) -> None:
        self._action("close_dns_sync", peer_conn_id, client_token, word="close", role=role)

    def set_delete_protect(
        self, peer_conn_id: str, *, delete_protect: bool, client_token: str | None = None
    ) -> None:
        path = f"{_conn_path(peer_conn_id)}/deleteProtect"
        body = {"deleteProtect": bool(delete_protect)}
        self._mutate("set_delete_protect", "PUT", path, client_token, body=body)

    # -- plumbing ------------------------------------------------------------------------

    def _action(
        self,
        operation: str,
        peer_conn_id: str,
        client_token: str | None,
        *,
        word: str | None = None,
        role: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """``PUT /v1/peerconn/{id}?<action word>`` — the action is a key with no value."""
        params: dict[str, str | None] = {word or operation: None}
        if role is not None:
            params["role"] = role
        self._mutate(operation, "PUT", _conn_path(peer_conn_id), client_token, params, body)

    def _mutate(
        self,
        operation: str,
        method: str,
        path: str,
        client_token: str | None,
        params: Params | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        # Chosen once, outside the retry loop: a retried attempt must be the same request.
        token = checked_token(client_token) if client_token is not None else self._new_token()
        return self._call(operation, method, path, {**(params or {}), "clientToken": token}, body)

    def _call(
        self, operation: str, method: str, path: str, params: Params, body: Any = None
    ) -> Reply:
        return self._caller.call(operation, method, path, params, body)


def _conn_path(peer_conn_id: str) -> str:
    return f"{BASE_PATH}/{path_segment(peer_conn_id, 'peering connection id')}"


def _is_empty(reply: Reply) -> bool:
    try:
        data = reply.json()
    except ValueError:
        return False
    return data is None or data == {}
