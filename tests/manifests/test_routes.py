"""Route rules in manifests: the values they become, and every refusal through the real CLI.

Valid ``routes`` become ``DesiredRoute`` tuples on the entry (None for a side with no list,
``()`` for an explicit ``[]``); each route case of the corpus is refused by ``peerconn
validate`` with exit 1, ``file:line:column: field: message``, and no traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from textwrap import dedent

import pytest

from reconciler.cli import main
from reconciler.manifest import load_paths
from reconciler.manifest.models import manifest_json_schema
from reconciler.model.routes import DesiredRoute, RouteSide, Symbol, parse_cidr
from tests.manifests.test_corpus import CORPUS, expectations

ROUTE_CASES = sorted(c for c in CORPUS.iterdir() if c.name.startswith(("route-", "dir-route-")))

PRODUCT_EXAMPLE = """\
stack: net
region: bj
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 100
    routes:
      local:
        - destination: peer_vpc
        - destination: 10.30.0.0/16
          source: 10.1.1.0/24
          description: to the db tier's legacy range
      peer:
        - destination: local_vpc
  - name: app-to-web
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-web001
    peer_region: gz
    bandwidth_in_mbps: 10
    routes:
      peer: []
  - name: app-to-cache
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-cache01
    bandwidth_in_mbps: 10
acceptances:
  - name: partner-inbound
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-partner1
    peer_account_id: "8a1b0000"
    routes:
      local:
        - destination: 172.20.0.0/16
"""


@pytest.fixture()
def state(tmp_path: Path):
    (tmp_path / "network.yaml").write_text(PRODUCT_EXAMPLE, encoding="utf-8")
    return load_paths([tmp_path / "network.yaml"])


def test_the_product_example_becomes_desired_routes_with_their_tables(state):
    db, web, cache = state.connections
    assert db.routes_local == (
        DesiredRoute(RouteSide.LOCAL, 0, "vpc-app01", "vpc-db0001", None, "bj", "peer_vpc"),
        DesiredRoute(RouteSide.LOCAL, 1, "vpc-app01", "vpc-db0001", None, "bj", "10.30.0.0/16",
                     "10.1.1.0/24", "to the db tier's legacy range"),
    )
    assert db.routes_peer == (
        DesiredRoute(RouteSide.PEER, 0, "vpc-db0001", "vpc-app01", None, "bj", "local_vpc"),)
    assert (web.routes_local, web.routes_peer) == (None, ())
    assert (cache.routes_local, cache.routes_peer, cache.routes) == (None, None, ())
    (acc,) = state.acceptances
    assert acc.routes_local == (
        DesiredRoute(RouteSide.LOCAL, 0, "vpc-app01", "vpc-partner1", None, "bj", "172.20.0.0/16"),)


def test_a_peer_side_table_is_read_in_the_peer_region(tmp_path):
    text = PRODUCT_EXAMPLE.replace("      peer: []", "      peer:\n        - destination: local_vpc")
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    (route,) = load_paths([tmp_path / "m.yaml"]).connections[1].routes_peer or ()
    assert (route.table_vpc_id, route.region, route.symbolic_vpc_id) == ("vpc-web001", "gz",
                                                                        "vpc-app01")


def test_symbols_name_the_other_end_and_literals_name_none(state):
    db = state.connections[0]
    peer_vpc, literal = db.routes_local or ()
    (local_vpc,) = db.routes_peer or ()
    assert (peer_vpc.symbol, peer_vpc.symbolic_vpc_id) == (Symbol.PEER_VPC, "vpc-db0001")
    assert (local_vpc.symbol, local_vpc.symbolic_vpc_id) == (Symbol.LOCAL_VPC, "vpc-app01")
    assert (literal.symbol, literal.symbolic_vpc_id, literal.custom_source) == (None, None, True)
    assert (peer_vpc.key, peer_vpc.custom_source) == (("0.0.0.0/0", "peer_vpc"), False)


def test_routes_are_not_attributes_compared_with_the_live_connection(state):
    assert all("routes" not in entry.declared for entry in (*state.connections, *state.acceptances))


def test_each_rule_field_is_located_where_it_was_written(state, tmp_path):
    db = state.connections[0]
    literal = (db.routes_local or ())[1]
    where = {k: (v.line, v.column, v.field_path) for k, v in db.field_sources.items()
             if k.startswith("routes")}
    assert where[literal.field("source")] == (12, 19, "connections[0].routes.local[1].source")
    assert where[literal.field("description")][0] == 13
    assert where["routes.peer"][2] == "connections[0].routes.peer"


@pytest.mark.parametrize(("text", "canonical"), [
    pytest.param("10.30.0.0/16", "10.30.0.0/16", id="canonical-is-kept"),
    pytest.param("0.0.0.0/0", "0.0.0.0/0", id="everything"),
    pytest.param("10.1.1.7/32", "10.1.1.7/32", id="one-host"),
])
def test_parse_cidr_keeps_canonical_text(text, canonical):
    assert parse_cidr(text) == canonical


@pytest.mark.parametrize(("text", "says"), [
    pytest.param("10.30.0.1/16", "has host bits set", id="host-bits"),
    pytest.param("10.30.0.0", "is an address, not a CIDR", id="no-prefix"),
    pytest.param("10.30.0.0/016", "is not written canonically", id="padded-prefix"),
    pytest.param("fd00::/8", "IPv6", id="ipv6"),
    pytest.param("ten/8", "is not an IPv4 CIDR", id="text"),
])
def test_parse_cidr_refuses_every_other_spelling(text, says):
    with pytest.raises(ValueError, match=says):
        parse_cidr(text)


def test_the_json_schema_offers_the_route_shape():
    schema = json.dumps(manifest_json_schema())
    defs = manifest_json_schema()["$defs"]
    assert set(defs["RoutesSpec"]["properties"]) == {"local", "peer"}
    assert set(defs["AcceptanceRoutesSpec"]["properties"]) == {"local"}
    assert defs["RouteSpec"]["required"] == ["destination"]
    assert defs["RouteSpec"]["additionalProperties"] is False
    assert "peer_vpc" in schema and "routes" not in defs["DefaultsSpec"]["properties"]


def test_there_is_a_corpus_case_per_route_refusal():
    assert len(ROUTE_CASES) >= 35


@pytest.mark.parametrize("case", ROUTE_CASES, ids=[c.name for c in ROUTE_CASES])
def test_the_real_cli_refuses_each_route_case_with_file_and_line(case, monkeypatch, capsys):
    monkeypatch.chdir(CORPUS)
    code = main(["validate", case.name])
    out, err = capsys.readouterr()
    assert (code, out) == (1, ""), err
    assert "Traceback" not in err
    blocks = err.split("Error: ")[1:]
    for file, text in expectations(case):
        shown = re.escape(file.relative_to(CORPUS).as_posix())
        located = [b for b in blocks if re.match(rf"{shown}:\d+:\d+: ", b)]
        assert any(text in block for block in located), f"no {shown}:LINE:COL with {text!r}:\n{err}"


def test_acceptances_take_no_defaults_and_no_peer_side(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text(dedent("""\
        stack: net
        region: bj
        acceptances:
          - name: in
            local_vpc_id: vpc-app01
            peer_vpc_id: vpc-partner1
            peer_account_id: "p"
            routes: {peer: []}
        """), encoding="utf-8")
    assert main(["validate", str(tmp_path / "m.yaml")]) == 1
    err = capsys.readouterr().err
    assert "m.yaml:8:14: acceptances[0].routes.peer: unknown field 'peer'" in err
    assert "hint: allowed fields: local" in err
