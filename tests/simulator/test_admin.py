"""The control routes and in-process API: stats, reset, advance, binding to loopback only."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from reconciler.simulator import SimServer, World, default_world_path, load_world
from reconciler.simulator.admin import _is_loopback
from reconciler.simulator.stats import OPERATIONS

from .conftest import StartSim, create, make_api, make_world


def test_stats_count_requests_by_operation_and_outcome(sim: SimServer) -> None:
    main = make_api(sim)
    conn = create(main)
    main.get(conn)
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the count is what matters
        main.accept(conn)
    stats = requests.get(f"{sim.url}/__sim/stats", timeout=5).json()
    assert set(stats) == {"total", "mutating", "by_operation", "by_operation_outcome", "by_outcome"}
    assert set(stats["by_operation"]) == set(OPERATIONS)
    assert (stats["total"], stats["mutating"]) == (3, 2)
    assert stats["by_operation"]["create"] == stats["by_operation"]["get"] == stats["by_operation"]["accept"] == 1
    assert stats["by_outcome"] == {"200": 2, "409": 1}
    assert stats["by_operation_outcome"]["accept"] == {"409": 1}
    assert sim.stats() == requests.get(f"{sim.url}/__sim/stats", timeout=5).json()


def test_reset_restores_the_world_and_zeroes_stats(start_sim: StartSim) -> None:
    sim = start_sim(make_world(connections=[{"id": "peerconn-seed", "local_vpc_id": "vpc-app01",
                                             "peer_vpc_id": "vpc-web001"}]))
    main = make_api(sim)
    create(main)
    main.delete("peerconn-seed")
    sim.set_faults(latency_ms=1)
    assert requests.post(f"{sim.url}/__sim/reset", timeout=5).status_code == 200
    assert [r["id"] for r in sim.connections()] == ["peerconn-seed"]
    assert main.get("peerconn-seed").status == "active"
    assert sim.stats()["total"] == 1 and sim.faults.spec.latency_ms == 0


def test_advance_route_moves_the_clock(sim: SimServer) -> None:
    main = make_api(sim)
    conn = create(main)
    assert requests.post(f"{sim.url}/__sim/advance?seconds=5", timeout=5).json()["advanced"] == 5
    assert main.get(conn).status == "active"
    assert requests.post(f"{sim.url}/__sim/advance?seconds=-1", timeout=5).status_code == 400
    assert requests.post(f"{sim.url}/__sim/nothing", timeout=5).status_code == 404


def test_control_routes_are_not_counted_or_signed(sim: SimServer) -> None:
    requests.get(f"{sim.url}/__sim/stats", timeout=5)
    assert sim.stats()["total"] == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_binding_to_anything_but_loopback_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimServer(make_world(), host=host)


def test_control_routes_refuse_non_loopback_peers() -> None:
    assert _is_loopback("127.0.0.1") and _is_loopback("::1")
    assert not _is_loopback("10.0.0.1") and not _is_loopback("garbage")


def test_ipv6_loopback_works() -> None:
    with SimServer(make_world(), host="::1") as sim:
        assert sim.url.startswith("http://[::1]:")
        assert make_api(sim).list_page().items == ()


def test_credentials_by_profile(sim: SimServer) -> None:
    assert sim.credentials_for(None) == sim.credentials_for("default") == ("AKSIMMAIN000001", "SKSIMMAIN000001")
    assert sim.credentials_for("partner") == ("AKSIMPARTNER001", "SKSIMPARTNER001")
    with pytest.raises(KeyError):
        sim.credentials_for("nobody")


def test_state_file_is_shared_by_servers_in_turn(tmp_path: Path, start_sim: StartSim) -> None:
    state = tmp_path / ".peerconn-sim" / "state.json"
    first = start_sim(make_world(), state_path=state, seed=None)
    conn = create(make_api(first))
    first.stop()
    second = start_sim(make_world(), state_path=state, seed=None)
    assert make_api(second).get(conn).peer_conn_id == conn
    assert [r["id"] for r in second.connections()] == [conn]


def test_concurrent_servers_on_one_state_file_see_each_other(tmp_path: Path, start_sim: StartSim) -> None:
    state = tmp_path / "state.json"
    one, two = (start_sim(make_world(), state_path=state, seed=None) for _ in range(2))
    conn = create(make_api(one))
    from reconciler.errors import ConflictError
    with pytest.raises(ConflictError):
        create(make_api(two))  # the pair already exists in the shared cloud
    assert make_api(two).get(conn).peer_conn_id == conn


def test_default_world_matches_the_example_and_the_brief() -> None:
    example = default_world_path().parents[2] / "examples" / "sim-world.yaml"
    assert example.read_bytes() == default_world_path().read_bytes()
    world = load_world(None)
    assert isinstance(world, World)
    main, partner = world.accounts
    assert (main.id, main.profile, main.access_key) == ("acc-main", "default", "AKSIMMAIN000001")
    assert [v.id for v in main.vpcs] == ["vpc-app01", "vpc-db0001", "vpc-web001", "vpc-cache01",
                                         "vpc-gzapp01", "vpc-relay1"]
    assert [v.region for v in partner.vpcs] == ["bj", "gz"] and main.vpcs[-1].relay
    assert (world.quotas.per_vpc, world.timing.create_s, world.connections) == (10, 2, ())
