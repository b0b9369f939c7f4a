"""Every operation, driven by the project's client against the running simulator."""

from __future__ import annotations

import pytest

from reconciler.client import PeerConnApi
from reconciler.errors import NotFoundError
from reconciler.simulator import SimServer, World
from reconciler.simulator.world import world_from_data

from . import wire
from .conftest import StartSim, create, make_api, make_world, prepaid


def test_create_then_get_shows_every_field_from_the_initiator(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main, description="app to db", local_if_name="app-side", peer_if_name="db-side",
                  tags={"team": "payments"}, delete_protect=True)
    sim.advance(5)
    got = main.get(conn)
    assert (got.role, got.status, got.bandwidth_in_mbps) == ("initiator", "active", 10)
    assert (got.local_vpc_id, got.peer_vpc_id, got.local_region, got.peer_region) == (
        "vpc-app01", "vpc-db0001", "bj", "bj")
    assert got.peer_account_id == "acc-main"  # filled in even within one account
    assert got.local_if_id.startswith("qpif-") and got.local_if_name == "app-side"
    assert (got.description, got.payment_timing, got.expired_time) == ("app to db", "Postpaid", "")
    assert got.tag_map == {"team": "payments"} and got.delete_protect is True
    assert len(got.created_time) == 20 and got.created_time.endswith("Z")


def test_acceptor_view_swaps_the_ends_and_hides_tags(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main, peer_if_name="db-side", tags={"team": "payments"})
    initiator, acceptor = main.get(conn, role="initiator"), main.get(conn, role="acceptor")
    assert (acceptor.local_vpc_id, acceptor.peer_vpc_id) == ("vpc-db0001", "vpc-app01")
    assert acceptor.local_if_name == "db-side" and acceptor.local_if_id != initiator.local_if_id
    assert acceptor.tags == ()


def test_cross_account_accept_makes_it_active(sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    conn = create(main, peer="vpc-partner1", peer_account_id="acc-partner")
    sim.advance(5)
    assert main.get(conn).status == "consulting"
    seen = partner.get(conn)
    assert (seen.role, seen.peer_account_id, seen.local_vpc_id) == ("acceptor", "acc-main", "vpc-partner1")
    partner.accept(conn)
    sim.advance(5)
    assert main.get(conn).status == partner.get(conn).status == "active"


def test_cross_account_reject_fails_the_request(sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    conn = create(main, peer="vpc-partner1", peer_account_id="acc-partner")
    sim.advance(5)
    partner.reject(conn)
    assert main.get(conn).status == "consult_failed"
    main.delete(conn)  # a failed request can be released
    sim.advance(5)
    with pytest.raises(NotFoundError):
        main.get(conn)


def test_update_changes_the_callers_end_at_once(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main)
    sim.advance(5)
    acceptor = main.get(conn, role="acceptor")
    main.update(conn, local_if_id=acceptor.local_if_id, description="db side", local_if_name="from-app")
    after = main.get(conn, role="acceptor")
    assert (after.description, after.local_if_name) == ("db side", "from-app")
    assert main.get(conn, role="initiator").description == ""


def test_resize_renew_refund_of_a_prepaid_connection(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main, peer="vpc-gzapp01", region="gz", billing=prepaid(1))
    sim.advance(5)
    before = main.get(conn)
    assert before.payment_timing == "Prepaid" and before.expired_time
    main.resize(conn, new_bandwidth_in_mbps=20)
    sim.advance(5)
    main.renew(conn, reservation_length=3, reservation_time_unit="month")
    after = main.get(conn)
    assert after.bandwidth_in_mbps == 20 and after.expired_time > before.expired_time
    main.refund(conn)
    assert main.get(conn).status == "deleting"


def test_dns_open_and_close_reach_their_targets(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main)
    sim.advance(5)
    main.open_dns_sync(conn, role="initiator")
    assert main.get(conn).dns_status == "syncing"
    sim.advance(5)
    assert main.get(conn).dns_sync is True
    main.close_dns_sync(conn, role="initiator")
    sim.advance(5)
    assert main.get(conn).dns_status == "close"


def test_delete_protect_switch_then_release(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main, delete_protect=True)
    sim.advance(5)
    main.set_delete_protect(conn, delete_protect=False)
    assert main.get(conn).delete_protect is False
    main.delete(conn)
    assert main.get(conn).status == "deleting"
    sim.advance(5)
    assert sim.connections() == []


def test_list_by_vpc_shows_each_connection_from_that_vpcs_end(sim: SimServer, main: PeerConnApi) -> None:
    conn = create(main)
    sim.advance(5)
    (from_db,) = main.list_all(vpc_id="vpc-db0001")
    assert (from_db.peer_conn_id, from_db.role, from_db.local_vpc_id) == (conn, "acceptor", "vpc-db0001")
    (from_app,) = main.list_all(vpc_id="vpc-app01")
    assert from_app.role == "initiator"
    assert [c.peer_conn_id for c in main.list_all()] == [conn]
    assert list(main.list_all(vpc_id="vpc-web001")) == []


def test_each_account_sees_only_its_own_side(sim: SimServer, main: PeerConnApi, partner: PeerConnApi) -> None:
    mine = create(main)
    shared = create(main, peer="vpc-partner1", peer_account_id="acc-partner")
    assert [c.peer_conn_id for c in partner.list_all()] == [shared]
    with pytest.raises(NotFoundError):
        partner.get(mine)
    assert {c.peer_conn_id for c in main.list_all()} == {mine, shared}


def test_pagination_across_several_pages(start_sim: StartSim) -> None:
    sim = start_sim(make_world(quotas={"per_vpc": 50, "per_account": 50}))
    main, partner = make_api(sim), make_api(sim, "partner")
    vpcs = ["vpc-db0001", "vpc-web001", "vpc-cache01", "vpc-gzapp01"]
    ids = [create(main, local=a, peer=b, region="gz" if b == "vpc-gzapp01" else "bj")
           for i, a in enumerate(["vpc-app01", *vpcs]) for b in vpcs[i:] if a != b]
    assert len(ids) == 10
    pages, marker = [], None
    while True:
        page = main.list_page(marker=marker, max_keys=3)
        pages.append([c.peer_conn_id for c in page.items])
        if not page.is_truncated:
            break
        marker = page.next_marker
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert [c for page in pages for c in page] == ids
    assert [c.peer_conn_id for c in main.list_all(page_size=4)] == ids
    assert list(partner.list_all()) == []


MAIN_KEYS = ("AKSIMMAIN000001", "SKSIMMAIN000001")


def _world_without_behaviour() -> World:
    data = make_world().model_dump(mode="json")
    del data["behaviour"]
    return world_from_data(data)


def test_by_default_get_of_a_released_connection_is_an_empty_200(start_sim: StartSim) -> None:
    # What the official Go SDK's tests and the Terraform provider expect (specs/simulator.md).
    sim = start_sim(_world_without_behaviour())
    main = make_api(sim)
    conn = create(main)
    sim.advance(10)
    main.delete(conn)
    sim.advance(10)
    for conn_id in (conn, "peerconn-nosuchthing"):
        reply = wire.signed_send(sim.url, *MAIN_KEYS, "GET", f"/v1/peerconn/{conn_id}")
        assert (reply.status, reply.body) == (200, b"")
        with pytest.raises(NotFoundError, match="empty response"):
            main.get(conn_id)


def test_get_of_an_unknown_id_can_answer_404(start_sim: StartSim) -> None:
    sim = start_sim(make_world(behaviour={"not_found": "404"}))
    reply = wire.signed_send(sim.url, *MAIN_KEYS, "GET", "/v1/peerconn/peerconn-nosuchthing")
    assert reply.status == 404 and b"NoSuchObject" in reply.body
    with pytest.raises(NotFoundError):
        make_api(sim).get("peerconn-nosuchthing")


def test_another_accounts_connection_reads_as_not_there(start_sim: StartSim) -> None:
    sim = start_sim(make_world())
    theirs = create(make_api(sim, "partner"), local="vpc-partner1", peer="vpc-partner2",
                    region="gz")
    reply = wire.signed_send(sim.url, *MAIN_KEYS, "GET", f"/v1/peerconn/{theirs}")
    assert (reply.status, reply.body) == (200, b"")


def test_a_released_connection_can_read_as_deleted(start_sim: StartSim) -> None:
    sim = start_sim(make_world(behaviour={"not_found": "deleted"}))
    main = make_api(sim)
    conn = create(main)
    sim.advance(5)
    main.delete(conn)
    sim.advance(5)
    assert main.get(conn).status == "deleted"
    assert list(main.list_all()) == []


def test_pre_existing_connections_from_the_world(start_sim: StartSim) -> None:
    world = make_world(connections=[
        {"id": "peerconn-partner0001", "local_vpc_id": "vpc-partner1", "peer_vpc_id": "vpc-app01",
         "status": "consulting"},
        {"local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-gzapp01", "payment_timing": "Prepaid",
         "reservation_length": 1, "expires_in_days": 3, "tags": {"k": "v"}, "dns_sync": True,
         "delete_protect": True, "description": "legacy"},
    ])
    sim = start_sim(world)
    main = make_api(sim)
    inbound = main.get("peerconn-partner0001")
    assert (inbound.role, inbound.status, inbound.peer_account_id) == ("acceptor", "consulting", "acc-partner")
    main.accept("peerconn-partner0001")
    legacy = next(c for c in main.list_all(vpc_id="vpc-gzapp01"))
    assert legacy.role == "acceptor"
    legacy = main.get(legacy.peer_conn_id)
    assert (legacy.payment_timing, legacy.dns_status, legacy.delete_protect) == ("Prepaid", "open", True)
    assert legacy.tag_map == {"k": "v"} and legacy.expired_time
