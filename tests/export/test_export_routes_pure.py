"""The pure half of exporting routes: which rules a side writes, when they become a symbol,
and when a side is left unmanaged — from live views and tables, no HTTP."""

from __future__ import annotations

import pytest
import yaml

from reconciler.adopt import ExportRequest, adopted, detail_jobs, export_manifest, sides_of
from reconciler.adopt import table_jobs as tables
from reconciler.model import PeerConn, RouteRule, RouteTable, Vpc
from reconciler.observe.live import Context, LiveState

REQUEST = ExportRequest(region="bj", vpc_ids=("vpc-app01",))
CTX = Context(None, "bj")


def end(local: str, peer: str, if_id: str, role: str = "initiator", **kw) -> PeerConn:
    base = dict(peer_conn_id="peerconn-1", role=role, status="active", bandwidth_in_mbps=10,
                local_vpc_id=local, local_region="bj", peer_vpc_id=peer, peer_region="bj",
                peer_account_id="acc-main", payment_timing="Postpaid", dns_status="close",
                local_if_id=if_id)
    base.update(kw)
    return PeerConn(**base)


APP = end("vpc-app01", "vpc-db0001", "qpif-app")
DB = end("vpc-db0001", "vpc-app01", "qpif-db", role="acceptor")


def rule(dest: str, hop: str = "qpif-app", source: str = "0.0.0.0/0", text: str = "",
         kind: str = "peerConn", rule_id: str = "rr-1") -> RouteRule:
    return RouteRule(rule_id, "rt-1", source, dest, kind, hop, text)


def state(app_rules=(), db_rules=(), db_cidrs=("10.2.0.0/16", "10.30.0.0/16")) -> LiveState:
    live = LiveState()
    live.add_route_table(CTX, "vpc-app01", RouteTable("rt-app", "vpc-app01", rules=app_rules))
    live.add_route_table(CTX, "vpc-db0001", RouteTable("rt-db", "vpc-db0001", rules=db_rules))
    live.add_vpc_detail(CTX, "vpc-db0001", Vpc("vpc-db0001", cidr=db_cidrs[0],
                                                secondary_cidrs=tuple(db_cidrs[1:])))
    live.add_vpc_detail(CTX, "vpc-app01", Vpc("vpc-app01", cidr="10.1.0.0/16"))
    return live


def routes_text(live: LiveState, views=(APP,), others=(DB,)) -> str:
    text = export_manifest(REQUEST, views, others, live).text
    return text[text.index("    billing:"):]


def test_without_a_rule_through_the_connection_the_output_is_what_it_was_without_routes():
    sys_rule = rule("10.1.1.0/24", hop="", kind="sys", rule_id="")
    live = state(app_rules=(sys_rule, rule("10.2.0.0/16", hop="qpif-other"),
                            rule("192.168.0.0/16", hop="nat-1", kind="nat")))
    assert export_manifest(REQUEST, [APP], [DB], live) == export_manifest(REQUEST, [APP], [DB])


@pytest.mark.parametrize(("app_rules", "expected"), [
    pytest.param((rule("10.2.0.0/16"), rule("10.30.0.0/16")),
                 [{"destination": "peer_vpc"}], id="every-cidr-is-the-symbol"),
    pytest.param((rule("10.2.0.0/16"),), [{"destination": "10.2.0.0/16"}],
                 id="the-primary-alone-stays-literal"),
    pytest.param((rule("10.30.0.0/16", text="b"), rule("10.2.0.0/16", text="a")),
                 [{"destination": "10.2.0.0/16", "description": "a"},
                  {"destination": "10.30.0.0/16", "description": "b"}],
                 id="different-descriptions-stay-literal-in-network-order"),
    pytest.param((rule("10.9.0.0/16"), rule("10.2.0.0/16", text="db"),
                  rule("10.30.0.0/16", text="db")),
                 [{"destination": "peer_vpc", "description": "db"},
                  {"destination": "10.9.0.0/16"}], id="the-symbol-first-with-its-description"),
    pytest.param((rule("10.2.1.0/24", source="10.1.1.0/24"),
                  rule("10.2.0.0/16", source="10.1.1.0/24"),
                  rule("10.30.0.0/16", source="10.1.1.0/24")),
                 [{"destination": "peer_vpc", "source": "10.1.1.0/24"},
                  {"destination": "10.2.1.0/24", "source": "10.1.1.0/24"}],
                 id="per-source"),
])
def test_a_side_writes_its_rules_symbolic_where_they_are_exactly_the_other_vpc(app_rules,
                                                                               expected):
    (entry,) = yaml.safe_load(export_manifest(REQUEST, [APP], [DB],
                                              state(app_rules=app_rules)).text)["connections"]
    # The way back has no rule: no routes.peer, so that table stays unmanaged.
    assert entry["routes"] == {"local": expected}


def test_a_side_holding_a_rule_the_manifest_cannot_declare_is_left_unmanaged_and_said_so():
    text = routes_text(state(app_rules=(rule("10.2.0.0/16"), rule("10.30.0.0/16"),
                                        rule("10.40.0.0/16", text="x" * 201, rule_id="rr-9"))),
                       )
    assert "# routes.local not exported: the rule rr-9 has a description longer than 200" \
        in text
    assert "local:" not in text


def test_a_cross_account_side_is_literal_and_has_no_peer_side():
    cross = end("vpc-app01", "vpc-partner1", "qpif-app", peer_account_id="acc-partner")
    live = state(app_rules=(rule("172.20.0.0/16"),))
    live.add_vpc_detail(CTX, "vpc-partner1", Vpc("vpc-partner1", cidr="172.20.0.0/16"))
    text = routes_text(live, views=(cross,), others=())
    assert "      local:\n        - destination: 172.20.0.0/16\n" in text
    assert "peer:" not in text


def test_reads_are_one_table_per_vpc_and_a_detail_only_where_a_side_has_rules():
    taken, _ = adopted(REQUEST, [APP], [DB])
    sides = sides_of(REQUEST, taken)
    assert [(j.vpc_id, j.kind) for j in tables(sides)] == [("vpc-app01", "route_table"),
                                                         ("vpc-db0001", "route_table")]
    live = LiveState()
    live.add_route_table(CTX, "vpc-app01", RouteTable("rt-app", "vpc-app01",
                                                      rules=(rule("10.2.0.0/16"),)))
    live.add_route_table(CTX, "vpc-db0001", RouteTable("rt-db", "vpc-db0001"))
    assert [(j.vpc_id, j.kind) for j in detail_jobs(sides, live)] == [("vpc-db0001",
                                                                      "vpc_detail")]
