"""clientToken replay: same request → first result, different request → 409, or ignored."""

from __future__ import annotations

import pytest

from reconciler.errors import ConflictError, ValidationError
from reconciler.simulator import SimServer

from .conftest import StartSim, create, make_api, make_world


def test_a_replayed_create_returns_the_same_id_and_creates_nothing(sim: SimServer) -> None:
    main = make_api(sim)
    first = create(main, client_token="tok-create")
    again = create(main, client_token="tok-create")
    assert again == first
    assert len(sim.connections()) == 1
    assert sim.stats()["by_operation"]["create"] == 2


def test_a_token_reused_with_other_parameters_is_a_mismatch(sim: SimServer) -> None:
    main = make_api(sim)
    create(main, client_token="tok-create")
    with pytest.raises(ConflictError) as err:
        create(main, peer="vpc-web001", client_token="tok-create")
    assert (err.value.status, err.value.code) == (409, "IdempotentParameterMismatch")
    assert len(sim.connections()) == 1


def test_a_replayed_mutation_changes_nothing_more(sim: SimServer) -> None:
    main = make_api(sim)
    conn = create(main)
    sim.advance(5)
    main.resize(conn, new_bandwidth_in_mbps=20, client_token="tok-resize")
    sim.advance(5)
    main.resize(conn, new_bandwidth_in_mbps=20, client_token="tok-resize")
    assert main.get(conn).status == "active"  # no second "updating"
    main.delete(conn, client_token="tok-del")
    sim.advance(5)
    main.delete(conn, client_token="tok-del")  # replay of a success, even though it is gone now


def test_tokens_are_scoped_per_account_and_operation(sim: SimServer) -> None:
    main, partner = make_api(sim), make_api(sim, "partner")
    create(main, client_token="shared")
    create(partner, local="vpc-partner1", peer="vpc-partner2", region="gz", client_token="shared")
    conn = create(main, peer="vpc-web001")
    sim.advance(5)
    main.set_delete_protect(conn, delete_protect=True, client_token="shared")
    assert len(sim.connections()) == 2 + 1


def test_missing_token_is_accepted_and_overlong_is_refused(sim: SimServer) -> None:
    from . import wire
    ak, sk = sim.credentials_for(None)
    body = (b'{"bandwidthInMbps": 10, "localVpcId": "vpc-app01", "peerVpcId": "vpc-db0001", '
            b'"peerRegion": "bj", "billing": {"paymentTiming": "Postpaid"}}')
    assert wire.signed_send(sim.url, ak, sk, "POST", "/v1/peerconn", "", body).status == 200
    reply = wire.signed_send(sim.url, ak, sk, "POST", "/v1/peerconn", "clientToken=" + "x" * 65, body)
    assert reply.status == 400


def test_a_failed_request_does_not_burn_its_token(sim: SimServer) -> None:
    main = make_api(sim)
    with pytest.raises(ValidationError):
        create(main, peer="vpc-app01", client_token="tok")
    create(main, client_token="tok")


def test_ignore_client_tokens_creates_duplicates_requests_allow(start_sim: StartSim) -> None:
    sim = start_sim(make_world(faults={"ignore_client_tokens": True}))
    main = make_api(sim)
    create(main, client_token="tok-create")
    with pytest.raises(ConflictError) as err:  # the pair rule still stops a true duplicate
        create(main, client_token="tok-create")
    assert err.value.code == "PeerConn.PairExists"
    create(main, peer="vpc-web001", client_token="tok-create")  # no mismatch error either
    assert len(sim.connections()) == 2


def test_ignore_client_tokens_can_be_switched_at_runtime(sim: SimServer) -> None:
    main = make_api(sim)
    sim.set_faults(ignore_client_tokens=True)
    create(main, client_token="t")
    create(main, peer="vpc-web001", client_token="t")
    assert len(sim.connections()) == 2
