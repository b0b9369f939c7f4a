"""The pure half of export: names, scalars and which live view goes where — no HTTP."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.adopt import ExportRequest, entry_name, export_manifest, scalar
from reconciler.manifest import yamlsafe
from reconciler.manifest.models import NAME_PATTERN
from reconciler.model import PeerConn

REQUEST = ExportRequest(region="bj", vpc_ids=("vpc-app01",))


def view(**kw) -> PeerConn:
    base = dict(peer_conn_id="peerconn-1", role="initiator", status="active",
                bandwidth_in_mbps=10, local_vpc_id="vpc-app01", local_region="bj",
                peer_vpc_id="vpc-db0001", peer_region="bj", peer_account_id="acc-main",
                payment_timing="Postpaid", dns_status="close")
    base.update(kw)
    return PeerConn(**base)


@pytest.mark.parametrize("local, peer, joiner, expected", [
    pytest.param("vpc-app01", "vpc-db0001", "to", "app01-to-db0001", id="short"),
    pytest.param("vpc-partner1", "vpc-app01", "from", "partner1-from-app01", id="acceptance"),
    pytest.param("VPC-Ab_1", "vpc-x", "to", "ab1-to-x", id="odd-characters-dropped"),
])
def test_entry_names(local, peer, joiner, expected):
    assert entry_name(local, peer, joiner) == expected


def test_long_vpc_ids_give_short_valid_and_distinct_names():
    a, b, c = "vpc-" + "a" * 60, "vpc-" + "b" * 60, "vpc-" + "b" * 59 + "c"
    names = {entry_name(a, b, "to"), entry_name(a, c, "to"), entry_name(b, a, "to")}
    assert len(names) == 3
    assert all(len(n) <= 63 and re.fullmatch(NAME_PATTERN, n) for n in names)


@pytest.mark.parametrize("text", ["yes", "No", "null", "~", "0042", "1e3", "12:30", "", " x",
                                  "a: b", "#x", "- x", "x\ny", "quote\"d", "中文接口",
                                  "tab\there", "\x85next", "\x7f", "\ud800"])
def test_scalars_read_back_as_the_same_string(text):
    doc = yamlsafe.load(f"k: {scalar(text)}\n".encode(), "t.yaml")
    assert doc.value["k"] == text


@given(st.text(max_size=40))
def test_any_string_reads_back_unchanged(text):
    doc = yamlsafe.load(f"k: {scalar(text)}\n".encode(), "t.yaml")
    assert doc.value["k"] == text


def test_plain_words_stay_plain():
    assert scalar("vpc-app01") == "vpc-app01"
    assert scalar(True) == "true" and scalar(100) == "100"


def test_same_account_connection_seen_from_both_ends_is_one_entry_from_the_initiator():
    initiator = view()
    acceptor = view(role="acceptor", local_vpc_id="vpc-db0001", peer_vpc_id="vpc-app01",
                    local_if_name="db-end")
    for listed, other in (([acceptor, initiator], [acceptor, initiator]),
                          ([acceptor], [initiator]), ([initiator], [acceptor])):
        assert export_manifest(REQUEST, listed, other).text == \
            export_manifest(REQUEST, [initiator], [acceptor]).text
    result = export_manifest(REQUEST, [initiator], [acceptor])
    assert result.connections == ("app01-to-db0001",)
    assert "peer_if_name: db-end" in result.text
    assert "peer_account_id" not in result.text


@pytest.mark.parametrize("live, reason", [
    pytest.param(view(status="deleting"), "status deleting", id="deleting"),
    pytest.param(view(status="expired"), "would be planned as a replace", id="failed"),
    pytest.param(view(role="acceptor", status="consulting", peer_account_id="acc-x"),
                 "waiting for this account's answer", id="unanswered-request"),
    pytest.param(view(local_region="gz"), "vpc-app01 is in region gz, not bj: use --region gz",
                 id="listed-in-the-wrong-region"),
])
def test_connections_left_out_say_why(live, reason):
    result = export_manifest(REQUEST, [live])
    assert result.connections == () and result.acceptances == ()
    assert reason in result.skipped[0]
    assert reason in result.text


def test_default_stack_is_the_shared_peerconn_tag_else_adopted():
    tagged = (("managed-by", "peerconn"), ("peerconn-stack", "net"))
    one = view(tags=tagged)
    other = view(peer_conn_id="peerconn-2", peer_vpc_id="vpc-web001",
                 tags=(("managed-by", "peerconn"), ("peerconn-stack", "other")))
    assert export_manifest(REQUEST, [one]).stack == "net"
    assert export_manifest(REQUEST, [one, other]).stack == "adopted"
    assert export_manifest(REQUEST, [view()]).stack == "adopted"


def test_same_inputs_give_the_same_bytes():
    views = [view(), view(peer_conn_id="peerconn-0", peer_vpc_id="vpc-web001")]
    assert export_manifest(REQUEST, views).text == \
        export_manifest(REQUEST, views[::-1]).text


def test_same_account_connection_initiated_from_another_region_points_there():
    initiator = view(local_region="gz", local_vpc_id="vpc-gz1", peer_vpc_id="vpc-app01")
    acceptor = view(role="acceptor", local_vpc_id="vpc-app01", peer_vpc_id="vpc-gz1",
                    peer_region="gz")
    result = export_manifest(REQUEST, [acceptor], [initiator])
    assert "initiated from vpc-gz1 in region gz; export that VPC with --region gz" in \
        result.skipped[0]
