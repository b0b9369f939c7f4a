"""The engine without HTTP: state machines and list semantics under an injected clock."""

from __future__ import annotations

import random
from typing import Any

import pytest

from reconciler.simulator.engine import Call, Engine
from reconciler.simulator.errors import SimApiError
from reconciler.simulator.records import CONSULT_TTL_S

from .conftest import make_world

T0 = 1_800_000_000.0
MAIN, PARTNER = "acc-main", "acc-partner"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(clock: Clock) -> Engine:
    return Engine(make_world(), clock=clock, rng=random.Random(1))


def body(local: str = "vpc-app01", peer: str = "vpc-db0001", region: str = "bj", **extra: Any) -> dict[str, Any]:
    return {"bandwidthInMbps": 10, "localVpcId": local, "peerVpcId": peer, "peerRegion": region,
            "billing": {"paymentTiming": "Postpaid"}, **extra}


def create(engine: Engine, account: str = MAIN, **kwargs: Any) -> str:
    status, out = engine.call(Call("create", account, body=body(**kwargs)))
    assert status == 200 and out is not None
    return str(out["peerConnId"])


def get(engine: Engine, conn_id: str, account: str = MAIN, role: str | None = None) -> dict[str, Any]:
    status, out = engine.call(Call("get", account, conn_id, query={"role": role} if role else {}))
    assert status == 200 and out is not None
    return out


def act(engine: Engine, op: str, conn_id: str, account: str = MAIN, **query: str) -> None:
    engine.call(Call(op, account, conn_id, query=query))


def test_same_account_create_goes_creating_then_active_after_create_s(engine: Engine, clock: Clock) -> None:
    conn = create(engine)
    assert get(engine, conn)["status"] == "creating"
    clock.now += 4.9
    assert get(engine, conn)["status"] == "creating"
    clock.now += 0.1
    assert get(engine, conn)["status"] == "active"
    assert get(engine, conn, role="acceptor")["status"] == "active"


def test_cross_account_waits_in_consulting_until_accepted(engine: Engine, clock: Clock) -> None:
    conn = create(engine, peer="vpc-partner1", peerAccountId=PARTNER)
    clock.now += 5
    assert get(engine, conn)["status"] == "consulting"
    assert get(engine, conn, PARTNER)["role"] == "acceptor"
    act(engine, "accept", conn, PARTNER)
    assert get(engine, conn)["status"] == "starting"
    clock.now += 5
    assert get(engine, conn)["status"] == "active"


def test_unanswered_request_fails_after_seven_days(engine: Engine, clock: Clock) -> None:
    conn = create(engine, peer="vpc-partner1", peerAccountId=PARTNER)
    clock.now += 5 + CONSULT_TTL_S - 1
    assert get(engine, conn)["status"] == "consulting"
    clock.now += 1
    assert get(engine, conn)["status"] == "consult_failed"


def test_advance_moves_simulated_time(engine: Engine) -> None:
    conn = create(engine, peer="vpc-partner1", peerAccountId=PARTNER)
    engine.advance(5 + CONSULT_TTL_S)
    assert get(engine, conn)["status"] == "consult_failed"


def test_reject_leaves_the_initiator_in_consult_failed(engine: Engine, clock: Clock) -> None:
    conn = create(engine, peer="vpc-partner1", peerAccountId=PARTNER)
    clock.now += 5
    act(engine, "reject", conn, PARTNER)
    assert get(engine, conn)["status"] == "consult_failed"


def test_resize_is_updating_for_resize_s(engine: Engine, clock: Clock) -> None:
    conn = create(engine)
    clock.now += 5
    engine.call(Call("resize", MAIN, conn, query={"resize": ""}, body={"newBandwidthInMbps": 50}))
    view = get(engine, conn)
    assert (view["status"], view["bandwidthInMbps"]) == ("updating", 50)
    clock.now += 5
    assert get(engine, conn)["status"] == "active"


def test_delete_is_deleting_then_gone(engine: Engine, clock: Clock) -> None:
    conn = create(engine)
    clock.now += 5
    act(engine, "delete", conn)
    assert get(engine, conn)["status"] == "deleting"
    clock.now += 5
    assert engine.call(Call("get", MAIN, conn)) == (200, None)  # an empty 200, as BCE answers
    with pytest.raises(SimApiError) as err:
        act(engine, "delete", conn)
    assert (err.value.status, err.value.code) == (404, "NoSuchObject")
    assert engine.records() == []


def test_dns_sync_is_per_end_and_passes_through_syncing_and_closing(engine: Engine, clock: Clock) -> None:
    conn = create(engine)
    clock.now += 5
    act(engine, "open_dns", conn, role="acceptor")
    assert get(engine, conn, role="acceptor")["dnsStatus"] == "syncing"
    assert get(engine, conn, role="initiator")["dnsStatus"] == "close"
    clock.now += 5
    assert get(engine, conn, role="acceptor")["dnsStatus"] == "open"
    act(engine, "close_dns", conn, role="acceptor")
    assert get(engine, conn, role="acceptor")["dnsStatus"] == "closing"
    clock.now += 5
    assert get(engine, conn, role="acceptor")["dnsStatus"] == "close"


def test_prepaid_expires_then_renew_brings_it_back(engine: Engine, clock: Clock) -> None:
    prepaid = {"paymentTiming": "Prepaid", "reservation": {"reservationLength": 1, "reservationTimeUnit": "month"}}
    conn = create(engine, peer="vpc-gzapp01", region="gz", billing=prepaid)
    clock.now += 40 * 86400
    assert get(engine, conn)["status"] == "expired"
    engine.call(Call("renew", MAIN, conn, query={"purchaseReserved": ""},
                     body={"billing": {"reservation": {"reservationLength": 2, "reservationTimeUnit": "Month"}}}))
    view = get(engine, conn)
    assert view["status"] == "active" and view["expiredTime"] > view["createdTime"]


def test_list_pages_follow_creation_order_with_next_item_as_marker(engine: Engine, clock: Clock) -> None:
    ids = [create(engine, peer=p) for p in ("vpc-db0001", "vpc-web001", "vpc-cache01")]
    pages, marker = [], ""
    while True:
        query = {"vpcId": "vpc-app01", "maxKeys": "2", **({"marker": marker} if marker else {})}
        _, page = engine.call(Call("list", MAIN, query=query))
        assert page is not None
        pages.append([c["peerConnId"] for c in page["peerConns"]])
        if not page["isTruncated"]:
            assert "nextMarker" not in page
            break
        marker = page["nextMarker"]
        assert marker == ids[2]
    assert pages == [ids[:2], ids[2:]]


def test_list_hides_new_connections_for_list_lag(engine: Engine, clock: Clock) -> None:
    engine.list_lag_s = 3
    conn = create(engine)
    _, page = engine.call(Call("list", MAIN, query={}))
    assert page is not None and page["peerConns"] == []
    assert get(engine, conn)["peerConnId"] == conn  # GET sees it at once
    clock.now += 3
    _, page = engine.call(Call("list", MAIN, query={}))
    assert page is not None and [c["peerConnId"] for c in page["peerConns"]] == [conn]


def test_zero_timings_make_transitions_immediate(clock: Clock) -> None:
    zero = {k: 0 for k in ("create_s", "accept_s", "resize_s", "dns_s", "delete_s")}
    engine = Engine(make_world(timing=zero), clock=clock, rng=random.Random(1))
    conn = create(engine)
    assert get(engine, conn)["status"] == "active"


def test_state_survives_a_restart_through_the_state_file(tmp_path: Any, clock: Clock) -> None:
    path = tmp_path / "state.json"
    first = Engine(make_world(), clock=clock, rng=random.Random(1), state_path=path)
    conn = create(first)
    clock.now += 5
    second = Engine(make_world(), clock=clock, rng=random.Random(1), state_path=path)
    assert get(second, conn)["status"] == "active"
    act(second, "delete", conn)
    assert get(first, conn)["status"] == "deleting"  # the first engine reloads what changed


def test_a_state_file_of_another_world_is_not_reused(tmp_path: Any, clock: Clock) -> None:
    path = tmp_path / "state.json"
    create(Engine(make_world(), clock=clock, rng=random.Random(1), state_path=path))
    other = make_world(quotas={"per_vpc": 3, "per_account": 3})
    assert Engine(other, clock=clock, rng=random.Random(1), state_path=path).records() == []
