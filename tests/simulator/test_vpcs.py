"""The simulator's VPC reads: ``GET /v1/vpc`` and ``GET /v1/vpc/{id}``.

The official Python SDK's recorded VPC requests (bce-route-wire-traces.json) are accepted
unchanged; lists and details come from the world's VPCs, per account, with deterministic
defaults for CIDRs and subnets; paging, filters, stats and fault injection work as for the
peering routes. Driven over loopback by raw HTTP and by the project's client.
"""

from __future__ import annotations

import ipaddress
import json
import time
from typing import Any
from urllib.parse import parse_qsl

import pytest

from reconciler.errors import AuthError, ConfigError, NotFoundError, ServerError, ValidationError
from reconciler.simulator.vpcs import default_cidr
from tests.fixtures import ROUTE_WIRE_TRACES

from . import wire
from .conftest import FAST_RETRY, StartSim, make_api, make_world

AK, SK = "AKIDEXAMPLE000000000", "SKEXAMPLE0000000000000000000000000"
TRACES = [t for t in json.loads(ROUTE_WIRE_TRACES.read_text(encoding="utf-8"))
          if t["label"].startswith("vpc ") or t["label"] == "error 404 on get_vpc (JSON error body)"]


def trace_world() -> Any:
    """The trace's ids: vpc-56rj0s4ha42a is the caller's (with the trace's CIDRs and subnet)."""
    return make_world(accounts=[
        {"id": "acc-1", "access_key": AK, "secret_key": SK, "vpcs": [
            {"id": "vpc-56rj0s4ha42a", "region": "bj", "is_default": True,
             "cidr": "192.168.0.0/16", "secondary_cidrs": ["10.0.1.0/24"],
             "subnets": [{"id": "sbn-IyWRnII7", "cidr": "192.168.0.0/20"}]},
            {"id": "vpc-IyWRtII7", "region": "bj", "is_default": True},
            {"id": "vpc-xktsjku9", "region": "gz"}]},
        {"id": "acc-2", "access_key": "AK2", "secret_key": "SK2",
         "vpcs": [{"id": "vpc-other01", "region": "bj"}]}])


@pytest.mark.parametrize("trace", TRACES, ids=lambda t: t["label"])
def test_recorded_python_sdk_request_is_accepted_unchanged(start_sim: StartSim, trace) -> None:
    sim = start_sim(trace_world())
    (req,) = trace["requests"]
    now = time.time()
    headers = dict(req["headers"])
    headers["Host"] = wire.host_of(sim.url)
    headers["x-bce-date"] = wire.signing.format_timestamp(now)
    headers.pop("Authorization")
    # Signed over the decoded parameters (wire.sign would encode the trace's %2C twice).
    headers["Authorization"] = wire.signing.authorization(
        access_key=AK, secret_key=SK, method=req["method"], path=req["path"],
        params=parse_qsl(req["raw_query"], keep_blank_values=True), headers=headers,
        timestamp=headers["x-bce-date"])
    assert "/1800//" in headers["Authorization"]  # the SDK's empty signed-headers form
    reply = wire.send(sim.url, req["method"], req["path"], req["raw_query"],
                      list(headers.items()))
    body = json.loads(reply.body)
    if trace["sdk_result"] is None:
        assert (reply.status, body["code"]) == (404, trace["exception"]["code"])
        return
    assert reply.status == 200, reply.body
    if "vpc" in trace["sdk_result"]:
        vpc = body["vpc"]
        assert (vpc["vpcId"], vpc["cidr"], vpc["secondaryCidr"], vpc["isDefault"]) == (
            "vpc-56rj0s4ha42a", "192.168.0.0/16", ["10.0.1.0/24"], True)
        assert [(s["subnetId"], s["cidr"]) for s in vpc["subnets"]] == [
            ("sbn-IyWRnII7", "192.168.0.0/20")]
        assert set(trace["sdk_result"]["vpc"]) <= {_snake(k) for k in vpc} | {"status_code"}
    else:
        assert set(body) >= {"marker", "isTruncated", "maxKeys", "vpcs"}
        for item in body["vpcs"]:
            assert "subnets" not in item and "relay" not in item
            sdk_item = trace["sdk_result"]["vpcs"][0]
            assert set(sdk_item) <= {_snake(k) for k in item}
    if "maxKeys=1" in req["raw_query"]:  # isDefault=True (capital T), vpcIds=a%2Cb, marker
        assert [v["vpcId"] for v in body["vpcs"]] == ["vpc-IyWRtII7"]
        assert body["isTruncated"] is False


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def test_list_is_per_account_in_world_order_with_regions(start_sim: StartSim) -> None:
    sim = start_sim(trace_world())
    api = make_api(sim)
    assert [(v.vpc_id, v.region) for v in api.vpc.list_all()] == [
        ("vpc-56rj0s4ha42a", "bj"), ("vpc-IyWRtII7", "bj"), ("vpc-xktsjku9", "gz")]


def test_another_accounts_vpc_is_not_listed_and_not_found(start_sim: StartSim) -> None:
    sim = start_sim()
    partner = make_api(sim, "partner")
    assert [v.vpc_id for v in partner.vpc.list_all()] == ["vpc-partner1", "vpc-partner2"]
    with pytest.raises(NotFoundError) as caught:
        partner.vpc.get("vpc-app01")
    assert caught.value.code == "NoSuchObject"
    with pytest.raises(NotFoundError):
        partner.vpc.get("vpc-nosuch1")


def test_another_accounts_vpc_can_be_403_by_world_switch(start_sim: StartSim) -> None:
    sim = start_sim(make_world(vpc_api={"other_account": 403}))
    with pytest.raises(AuthError) as caught:
        make_api(sim, "partner").vpc.get("vpc-app01")
    assert caught.value.code == "AccessDenied"


def bare_world() -> Any:
    """VPCs without cidr or subnets, as worlds written before the VPC reads have them."""
    return make_world(accounts=[{"id": "a", "access_key": "K", "secret_key": "S", "vpcs": [
        {"id": "vpc-app01", "region": "bj"}, {"id": "vpc-relay1", "region": "gz",
                                              "relay": True}]}])


def test_defaults_are_deterministic_and_existing_worlds_keep_working(start_sim: StartSim) -> None:
    sim = start_sim(bare_world())
    api = make_api(sim)
    app = api.vpc.get("vpc-app01")
    assert (app.cidr, app.secondary_cidrs, app.region, app.relay) == ("10.0.0.0/16", (), "bj",
                                                                     False)
    (subnet,) = app.subnets
    assert subnet.cidr == "10.0.0.0/24" and subnet.subnet_id.startswith("sbn-")
    assert api.vpc.get("vpc-relay1").relay is True
    again = make_api(start_sim(bare_world()), None).vpc.get("vpc-app01")
    assert again == app
    assert default_cidr(1) == "10.1.0.0/16" and default_cidr(256) == "172.16.0.0/24"


def test_the_default_world_has_product_section_8s_cidrs(start_sim: StartSim) -> None:
    api = make_api(start_sim())
    app, db = api.vpc.get("vpc-app01"), api.vpc.get("vpc-db0001")
    assert (app.cidr, [(s.subnet_id, s.cidr) for s in app.subnets]) == (
        "10.1.0.0/16", [("sbn-app01a", "10.1.1.0/24")])
    assert (db.cidr, db.secondary_cidrs) == ("10.2.0.0/16", ("10.30.0.0/16",))
    cidrs = [v.cidr for v in api.vpc.list_all()] + [
        v.cidr for v in make_api(start_sim(), "partner").vpc.list_all()]
    nets = [ipaddress.ip_network(c) for c in cidrs]
    assert len(nets) == 8
    assert not [(a, b) for i, a in enumerate(nets) for b in nets[i + 1:] if a.overlaps(b)]


def test_declared_subnets_may_be_empty(start_sim: StartSim) -> None:
    world = make_world(accounts=[{"id": "a", "access_key": "K", "secret_key": "S", "vpcs": [
        {"id": "vpc-a", "region": "bj", "cidr": "10.9.0.0/16", "subnets": []}]}])
    assert make_api(start_sim(world)).vpc.get("vpc-a").subnets == ()


@pytest.mark.parametrize("vpc, message", [
    ({"cidr": "10.1.0.1/16"}, "not an IPv4 CIDR"),
    ({"cidr": "fd00::/8"}, "not an IPv4 CIDR"),
    ({"secondary_cidrs": ["nope"]}, "not an IPv4 CIDR"),
    ({"cidr": "10.1.0.0/16", "subnets": [{"id": "sbn-1", "cidr": "10.2.0.0/24"}]},
     "not inside"),
    ({"subnets": [{"id": "sbn-1", "cidr": "10.2.0.0/24"}]}, "need the VPC's cidr"),
])
def test_bad_vpc_fields_in_the_world_are_refused(vpc, message) -> None:
    with pytest.raises(ConfigError) as caught:
        make_world(accounts=[{"id": "a", "access_key": "K", "secret_key": "S",
                              "vpcs": [{"id": "vpc-a", "region": "bj", **vpc}]}])
    assert message in str(caught.value)


def test_paging_filters_and_bad_parameters(start_sim: StartSim) -> None:
    sim = start_sim(trace_world())
    api = make_api(sim)
    first = api.vpc.list_page(max_keys=2)
    assert [v.vpc_id for v in first.items] == ["vpc-56rj0s4ha42a", "vpc-IyWRtII7"]
    assert (first.is_truncated, first.next_marker) == (True, "vpc-xktsjku9")
    second = api.vpc.list_page(marker=first.next_marker, max_keys=2)
    assert ([v.vpc_id for v in second.items], second.is_truncated) == (["vpc-xktsjku9"], False)
    assert [v.vpc_id for v in api.vpc.list_all(page_size=1)] == [
        "vpc-56rj0s4ha42a", "vpc-IyWRtII7", "vpc-xktsjku9"]
    assert [v.vpc_id for v in api.vpc.list_all(is_default=False)] == ["vpc-xktsjku9"]
    assert [v.vpc_id for v in api.vpc.list_all(vpc_ids=["vpc-xktsjku9", "vpc-other01"])] == [
        "vpc-xktsjku9"]
    with pytest.raises(ValidationError):
        api.vpc.list_page(marker="vpc-other01")  # another account's id is no marker
    reply = wire.signed_send(sim.url, AK, SK, "GET", "/v1/vpc", "isDefault=maybe")
    assert (reply.status, json.loads(reply.body)["code"]) == (400, "InvalidParameter")
    reply = wire.signed_send(sim.url, AK, SK, "GET", "/v1/vpc", "maxKeys=1001")
    assert reply.status == 400
    reply = wire.signed_send(sim.url, AK, SK, "POST", "/v1/vpc")
    assert reply.status == 405


def test_go_sdk_lowercase_is_default_is_accepted(start_sim: StartSim) -> None:
    sim = start_sim(trace_world())
    reply = wire.signed_send(sim.url, AK, SK, "GET", "/v1/vpc", "isDefault=true")
    assert [v["vpcId"] for v in json.loads(reply.body)["vpcs"]] == [
        "vpc-56rj0s4ha42a", "vpc-IyWRtII7"]


def test_unsigned_vpc_reads_are_refused(start_sim: StartSim) -> None:
    sim = start_sim()
    reply = wire.send(sim.url, "GET", "/v1/vpc", headers=[("Host", wire.host_of(sim.url))])
    assert (reply.status, json.loads(reply.body)["code"]) == (400, "InvalidHTTPAuthHeader")


def test_stats_count_the_vpc_reads_as_non_mutating(start_sim: StartSim) -> None:
    sim = start_sim()
    api = make_api(sim)
    list(api.vpc.list_all())
    api.vpc.get("vpc-app01")
    with pytest.raises(NotFoundError):
        api.vpc.get("vpc-nosuch1")
    stats = sim.stats()
    assert stats["by_operation"]["list_vpcs"] == 1 and stats["by_operation"]["get_vpc"] == 2
    assert stats["by_operation_outcome"]["get_vpc"] == {"200": 1, "404": 1}
    assert stats["mutating"] == 0


def test_faults_apply_to_vpc_reads_and_the_client_retries(start_sim: StartSim) -> None:
    sim = start_sim(make_world(faults={"next": ["503", "throttle", "drop"], "retry_after_s": 0}))
    api = make_api(sim, retry=FAST_RETRY)
    assert len(list(api.vpc.list_all())) == 6
    assert sim.stats()["by_operation_outcome"]["list_vpcs"] == {
        "503": 1, "throttle": 1, "drop": 1, "200": 1}
    assert api.calls["list_vpcs"] == 4
    sim.set_faults(next=["500"])
    with pytest.raises(ServerError):
        make_api(sim).vpc.get("vpc-app01")
