"""PeerConnApi behaviour beyond the wire format: decoding, not-found, paging, plumbing."""

from __future__ import annotations

import inspect
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import reconciler.client as client_pkg
from reconciler import model
from reconciler.client import PeerConnApi, RouteApi, VpcApi
from reconciler.client.retry import NO_RETRY
from reconciler.client.transport import host_header
from reconciler.errors import NotFoundError, ServerError

from .conftest import ENDPOINT

ID = "peerconn-abc123"
CONN_URL = f"{ENDPOINT}/v1/peerconn/{ID}"
LIST_URL = re.compile(re.escape(f"{ENDPOINT}/v1/peerconn") + r"(\?.*)?$")


def conn(conn_id: str = ID, **fields) -> dict:
    return {"peerConnId": conn_id, **fields}


@pytest.mark.parametrize("body", [b"", b"  ", b"null", b"{}"], ids=["empty", "blank", "null", "{}"])
def test_get_with_a_2xx_empty_body_is_not_found(rsps, make_api, body):
    rsps.add(responses.GET, CONN_URL, status=200, body=body, headers={"x-bce-request-id": "r1"})
    with pytest.raises(NotFoundError) as info:
        make_api().get(ID)
    assert info.value.request_id == "r1"
    assert ID in str(info.value)


def test_get_404_is_not_found(rsps, make_api):
    rsps.add(
        responses.GET,
        CONN_URL,
        status=404,
        json={"code": "NoSuchObject", "message": "m", "requestId": "r"},
    )
    with pytest.raises(NotFoundError):
        make_api().get(ID)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>",
        b"[]",
        json.dumps({"status": "active"}).encode(),
        b'{"peerConnId": "p", "bandwidthInMbps": "lots"}',
    ],
    ids=["not-json", "array", "no-id", "bad-int"],
)
def test_undecodable_2xx_is_a_final_server_error(rsps, make_api, body):
    rsps.add(responses.GET, CONN_URL, status=200, body=body)
    with pytest.raises(ServerError) as info:
        make_api().get(ID)
    assert info.value.code == "MalformedResponse"
    assert info.value.retryable is False
    assert len(rsps.calls) == 1


def test_decoding_tolerates_absent_and_null_optional_fields(rsps, make_api):
    rsps.add(responses.GET, CONN_URL, json=conn(tags=None, description=None))
    assert make_api().get(ID) == model.PeerConn(peer_conn_id=ID)


def test_decoding_normalises_tags_and_flags(rsps, make_api):
    wire = conn(
        tags=[
            {"tagKey": "team", "tagValue": "pay"},
            {"tagKey": "managed-by", "tagValue": "peerconn"},
        ],
        deleteProtect=True,
        bandwidthInMbps="100",
        dnsStatus="open",
        someFutureField={"x": 1},
    )
    rsps.add(responses.GET, CONN_URL, json=wire)
    got = make_api().get(ID)
    assert got.tags == (("managed-by", "peerconn"), ("team", "pay"))
    assert got.delete_protect is True
    assert got.bandwidth_in_mbps == 100
    assert got.dns_sync is True


def test_the_documented_bandwidth_typo_is_read_too(rsps, make_api):
    rsps.add(responses.GET, CONN_URL, json=conn(bandwithInMbp=30))
    assert make_api().get(ID).bandwidth_in_mbps == 30


def test_role_is_sent_only_when_given(rsps, make_api):
    rsps.add(responses.GET, re.compile(re.escape(CONN_URL) + r"(\?.*)?$"), json=conn())
    api = make_api()
    api.get(ID)
    api.get(ID, role="initiator")
    assert [urlsplit(c.request.url).query for c in rsps.calls] == ["", "role=initiator"]


def page(ids, next_marker=None):
    body = {
        "peerConns": [conn(i) for i in ids],
        "isTruncated": next_marker is not None,
        "maxKeys": 2,
    }
    if next_marker:
        body["nextMarker"] = next_marker
    return body


def test_list_all_follows_next_marker_while_truncated(rsps, make_api):
    rsps.add(responses.GET, LIST_URL, json=page(["p1", "p2"], "p3"))
    rsps.add(responses.GET, LIST_URL, json=page(["p3", "p4"], "p5"))
    rsps.add(responses.GET, LIST_URL, json=page(["p5"]))
    api = make_api()
    ids = [c.peer_conn_id for c in api.list_all(vpc_id="vpc-a", page_size=2)]
    assert ids == ["p1", "p2", "p3", "p4", "p5"]
    queries = [parse_qs(urlsplit(c.request.url).query) for c in rsps.calls]
    assert [q.get("marker") for q in queries] == [None, ["p3"], ["p5"]]
    assert all(q["maxKeys"] == ["2"] and q["vpcId"] == ["vpc-a"] for q in queries)
    assert api.calls["list"] == 3


def test_list_all_without_vpc_sends_no_vpc_id(rsps, make_api):
    rsps.add(responses.GET, LIST_URL, json={"peerConns": [], "isTruncated": False})
    assert list(make_api().list_all()) == []
    assert urlsplit(rsps.calls[0].request.url).query == "maxKeys=1000"


@pytest.mark.parametrize(
    "second",
    [page(["p2"], "p2"), {"peerConns": [], "isTruncated": True}],
    ids=["repeated-marker", "truncated-without-marker"],
)
def test_list_all_refuses_a_paging_loop_instead_of_stopping_early(rsps, make_api, second):
    rsps.add(responses.GET, LIST_URL, json=page(["p1"], "p2"))
    rsps.add(responses.GET, LIST_URL, json=second)
    with pytest.raises(ServerError, match="nextMarker"):
        list(make_api().list_all())


def test_list_page_decodes_an_empty_page(rsps, make_api):
    rsps.add(responses.GET, LIST_URL, json={"peerConns": None})
    assert make_api().list_page() == model.Page(items=())


def test_create_without_an_id_in_the_reply_is_malformed(rsps, make_api):
    rsps.add(responses.POST, LIST_URL, json={})
    with pytest.raises(ServerError, match="peerConnId"):
        make_api().create(
            bandwidth_in_mbps=1,
            local_vpc_id="a",
            peer_vpc_id="b",
            peer_region="bj",
            billing=model.Billing(),
        )


def test_generated_tokens_are_uuid4(rsps, make_api):
    rsps.add(responses.PUT, re.compile(re.escape(CONN_URL) + r"\?.*"), status=200)
    make_api().reject(ID)
    token = parse_qs(urlsplit(rsps.calls[0].request.url).query)["clientToken"][0]
    assert uuid.UUID(token).version == 4


@pytest.mark.parametrize("token", ["", "x" * 65, "tökén"], ids=["empty", "too-long", "non-ascii"])
def test_unusable_client_tokens_are_refused_before_sending(rsps, make_api, token):
    with pytest.raises(ValueError, match="clientToken"):
        make_api().delete(ID, client_token=token)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("bad_id", ["", "a/b", "..", "."])
def test_ids_that_would_change_the_path_are_refused(rsps, make_api, bad_id):
    with pytest.raises(ValueError):
        make_api().get(bad_id)


def test_every_request_has_a_timeout_and_verifies_tls(rsps, make_api):
    rsps.add(responses.GET, CONN_URL, json=conn())
    make_api(timeout=(2, 9)).get(ID)
    kwargs = rsps.calls[0].request.req_kwargs
    assert kwargs["timeout"] == (2, 9)
    assert kwargs["verify"] not in (False, None, "")  # True or a CA bundle path


def test_default_timeout_is_5s_connect_30s_read(rsps, make_api):
    rsps.add(responses.GET, CONN_URL, json=conn())
    make_api().get(ID)
    assert rsps.calls[0].request.req_kwargs["timeout"] == (5, 30)


def test_calls_counter_is_exact_under_a_thread_pool(rsps, make_api):
    rsps.add(responses.GET, CONN_URL, json=conn())
    api = make_api()
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda _: api.get(ID), range(200)))
    assert api.calls["get"] == 200


def test_calls_counts_each_attempt_per_operation(rsps, make_api):
    rsps.add(responses.DELETE, re.compile(re.escape(CONN_URL) + r"\?.*"), status=500)
    with pytest.raises(ServerError):
        make_api(retry=NO_RETRY).delete(ID)
    rsps.add(responses.PUT, re.compile(re.escape(CONN_URL) + r"/deleteProtect\?.*"), status=200)
    api = make_api()
    api.set_delete_protect(ID, delete_protect=False)
    assert dict(api.calls) == {"set_delete_protect": 1}


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        ("https://bcc.bj.baidubce.com", "bcc.bj.baidubce.com"),
        ("https://bcc.bj.baidubce.com:443", "bcc.bj.baidubce.com"),
        ("http://127.0.0.1:80", "127.0.0.1"),
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("http://[::1]:8080", "[::1]:8080"),
    ],
)
def test_host_header_carries_the_port_only_when_not_default(endpoint, host):
    assert host_header(endpoint) == host


def test_public_surface_is_pinned():
    assert sorted(client_pkg.__all__) == [
        "Credentials",
        "PeerConnApi",
        "RetryPolicy",
        "RouteApi",
        "VpcApi",
        "load_credentials",
        "resolve_endpoint",
    ]
    operations = {
        "create",
        "list_page",
        "list_all",
        "get",
        "update",
        "accept",
        "reject",
        "delete",
        "resize",
        "renew",
        "open_dns_sync",
        "close_dns_sync",
        "set_delete_protect",
        "refund",
    }
    public = {name for name in vars(PeerConnApi) if not name.startswith("_")}
    assert public == operations
    for name in operations:
        params = list(inspect.signature(getattr(PeerConnApi, name)).parameters.values())[1:]
        positional = [p.name for p in params if p.kind is not p.KEYWORD_ONLY]
        assert positional in ([], ["peer_conn_id"]), name
    assert {n for n in vars(VpcApi) if not n.startswith("_")} == {
        "calls", "list_page", "list_all", "get"}
    assert {n for n in vars(RouteApi) if not n.startswith("_")} == {
        "calls", "get_table", "list_rules_page", "list_rules", "create_rule", "update_rule",
        "delete_rule", "switch_route"}
    for name in ("update_rule", "delete_rule", "switch_route"):
        params = list(inspect.signature(getattr(RouteApi, name)).parameters.values())[1:]
        assert [p.name for p in params if p.kind is not p.KEYWORD_ONLY] == ["route_rule_id"]


def test_repr_names_the_endpoint_only(make_api):
    assert repr(make_api()) == f"PeerConnApi(endpoint={ENDPOINT!r})"
