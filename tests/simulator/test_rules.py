"""BCE's business rules (reference §1.5), each refused with a BCE-shaped error over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.client import PeerConnApi
from reconciler.errors import ApiError, AuthError, ConflictError, QuotaError, ValidationError
from reconciler.model import Billing
from reconciler.simulator import SimServer

from .conftest import StartSim, create, make_api, make_world, prepaid

CROSS = {"peer": "vpc-partner1", "peer_account_id": "acc-partner"}


def refused(call: Callable[[], object], kind: type[ApiError], code: str) -> ApiError:
    with pytest.raises(kind) as err:
        call()
    assert err.value.code == code, err.value
    assert err.value.request_id
    return err.value


@pytest.mark.parametrize(("kwargs", "kind", "code"), [
    pytest.param({"peer": "vpc-app01"}, ValidationError, "PeerConn.SameVpc", id="local-equals-peer"),
    pytest.param({"local": "vpc-partner1"}, ValidationError, "PeerConn.InvalidVpcId", id="local-vpc-not-callers"),
    pytest.param({"peer": "vpc-nope"}, ValidationError, "PeerConn.InvalidVpcId", id="peer-vpc-unknown"),
    pytest.param({"peer": "vpc-partner1"}, ValidationError, "PeerConn.InvalidVpcId", id="peer-vpc-in-other-account"),
    pytest.param({"peer": "vpc-db0001", "peer_account_id": "acc-partner"}, ValidationError,
                 "PeerConn.InvalidVpcId", id="peer-vpc-not-in-peer-account"),
    pytest.param({**CROSS, "peer_account_id": "acc-ghost"}, ValidationError, "PeerConn.InvalidPeerAccountId",
                 id="unknown-peer-account"),
    pytest.param({"region": "gz"}, ValidationError, "PeerConn.RegionMismatch", id="peer-region-mismatch"),
    pytest.param({"billing": prepaid(1)}, ValidationError, "PeerConn.PrepaidSameRegion", id="same-region-prepaid"),
    pytest.param({"peer": "vpc-gzapp01", "region": "gz", "billing": prepaid(10)}, ValidationError,
                 "InvalidParameter", id="reservation-length-10"),
    pytest.param({"peer": "vpc-gzapp01", "region": "gz",
                  "billing": Billing("Prepaid", 1, "year")}, ValidationError, "InvalidParameter", id="unit-year"),
    pytest.param({**CROSS, "peer_if_name": "x"}, ValidationError, "PeerConn.PeerIfNameCrossAccount",
                 id="peer-if-name-cross-account"),
    pytest.param({"bandwidth_in_mbps": 0}, ValidationError, "InvalidParameter", id="zero-bandwidth"),
])
def test_create_rules(main: PeerConnApi, kwargs: dict[str, Any], kind: type[ApiError], code: str) -> None:
    refused(lambda: create(main, **kwargs), kind, code)
    assert list(main.list_all()) == []


def test_reservation_unit_is_case_insensitive_and_lengths_to_36_are_fine(main: PeerConnApi) -> None:
    create(main, peer="vpc-gzapp01", region="gz", billing=Billing("Prepaid", 36, "month"))


def test_one_connection_per_pair_in_either_direction(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main)
    err = refused(lambda: create(main, local="vpc-db0001", peer="vpc-app01"), ConflictError, "PeerConn.PairExists")
    assert err.status == 409 and conn in err.message
    sim.advance(5)
    main.delete(conn)
    sim.advance(5)
    create(main, local="vpc-db0001", peer="vpc-app01")  # the gone one no longer counts


def test_two_relay_vpcs_cannot_peer(start_sim: StartSim) -> None:
    world = make_world(accounts=[{"id": "a", "access_key": "AK1", "secret_key": "SK1", "vpcs": [
        {"id": "vpc-r1", "region": "gz", "relay": True}, {"id": "vpc-r2", "region": "gz", "relay": True}]}])
    api = make_api(start_sim(world))
    refused(lambda: create(api, local="vpc-r1", peer="vpc-r2", region="gz"), ValidationError,
            "PeerConn.RelayVpcPair")


def test_quota_per_vpc_and_per_account(start_sim: StartSim) -> None:
    api = make_api(start_sim(make_world(quotas={"per_vpc": 2, "per_account": 3})))
    create(api, peer="vpc-db0001")
    create(api, peer="vpc-web001")
    refused(lambda: create(api, peer="vpc-cache01"), QuotaError, "PeerConn.QuotaExceeded")
    create(api, local="vpc-db0001", peer="vpc-web001")
    refused(lambda: create(api, local="vpc-cache01", peer="vpc-gzapp01", region="gz"), QuotaError,
            "PeerConn.QuotaExceeded")


def test_prepaid_bandwidth_only_grows(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main, peer="vpc-gzapp01", region="gz", billing=prepaid(), bandwidth_in_mbps=20)
    sim.advance(5)
    refused(lambda: main.resize(conn, new_bandwidth_in_mbps=10), ValidationError, "PeerConn.PrepaidBandwidthDecrease")
    postpaid = create(main)
    sim.advance(5)
    main.resize(postpaid, new_bandwidth_in_mbps=5)  # postpaid goes either way


def test_active_unexpired_prepaid_cannot_be_released_but_a_failed_one_can(
        sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    conn = create(main, peer="vpc-gzapp01", region="gz", billing=prepaid())
    sim.advance(5)
    refused(lambda: main.delete(conn), ConflictError, "PeerConn.PrepaidNotReleasable")
    failed = create(main, peer="vpc-partner2", region="gz", peer_account_id="acc-partner", billing=prepaid())
    sim.advance(5)
    partner.reject(failed)
    main.delete(failed)
    sim.advance(40 * 86400)
    assert main.get(conn).status == "expired"
    main.delete(conn)  # expired: no longer protected by its term


def test_delete_protect_blocks_release_and_refund(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main, peer="vpc-gzapp01", region="gz", billing=prepaid(), delete_protect=True)
    sim.advance(5)
    refused(lambda: main.delete(conn), ConflictError, "PeerConn.DeleteProtected")
    refused(lambda: main.refund(conn), ConflictError, "PeerConn.DeleteProtected")


def test_dns_only_while_active_and_settled(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main)
    refused(lambda: main.open_dns_sync(conn, role="initiator"), ConflictError, "PeerConn.InvalidStatus")
    sim.advance(5)
    main.open_dns_sync(conn, role="initiator")
    refused(lambda: main.close_dns_sync(conn, role="initiator"), ConflictError, "PeerConn.DnsStatusConflict")
    sim.advance(5)
    main.open_dns_sync(conn, role="initiator")  # already open: nothing to do


def test_accept_and_reject_only_by_the_acceptor_while_consulting(
        sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    same = create(main)
    sim.advance(5)
    refused(lambda: main.accept(same), ConflictError, "PeerConn.InvalidStatus")  # as BCE's Go tests saw
    cross = create(main, **CROSS)
    refused(lambda: partner.accept(cross), ConflictError, "PeerConn.InvalidStatus")  # still creating
    sim.advance(5)
    refused(lambda: main.accept(cross), AuthError, "AccessDenied")
    refused(lambda: main.reject(cross), AuthError, "AccessDenied")
    partner.accept(cross)
    refused(lambda: partner.reject(cross), ConflictError, "PeerConn.InvalidStatus")


def test_cross_account_changes_only_by_the_initiator(
        sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    conn = create(main, peer="vpc-partner2", region="gz", peer_account_id="acc-partner", billing=prepaid())
    sim.advance(5)
    partner.accept(conn)
    sim.advance(5)
    for call in (lambda: partner.delete(conn), lambda: partner.resize(conn, new_bandwidth_in_mbps=50),
                 lambda: partner.renew(conn, reservation_length=1), lambda: partner.refund(conn),
                 lambda: partner.set_delete_protect(conn, delete_protect=True),
                 lambda: partner.open_dns_sync(conn, role="initiator")):
        refused(call, AuthError, "AccessDenied")
    partner.open_dns_sync(conn, role="acceptor")  # its own end is its own


def test_renew_and_refund_are_for_prepaid_only(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main)
    sim.advance(5)
    refused(lambda: main.renew(conn, reservation_length=1), ValidationError, "PeerConn.PostpaidNotRenewable")
    refused(lambda: main.refund(conn), ValidationError, "PeerConn.PostpaidNotRefundable")


def test_update_needs_the_callers_own_local_if_id(sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    conn = create(main, **CROSS)
    sim.advance(5)
    theirs = partner.get(conn).local_if_id
    refused(lambda: main.update(conn, local_if_id=theirs, description="x"), ValidationError,
            "PeerConn.LocalIfIdMismatch")
    partner.update(conn, local_if_id=theirs, description="from partner")
    assert partner.get(conn).description == "from partner"


def test_max_keys_above_1000_is_refused(main: PeerConnApi) -> None:
    refused(lambda: main.list_page(max_keys=1001), ValidationError, "InvalidParameter")
    assert main.list_page(max_keys=1000).max_keys == 1000
