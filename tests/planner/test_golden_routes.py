"""Golden files for a plan with route rules: text, Markdown and JSON, compared byte for byte.

One plan holds every route step in its connection's block: an existing connection whose
rules drift (a symbol expanded to the peer VPC's secondary CIDR added, a description changed,
an undeclared rule deleted, the way back added in the peer's table), a create whose rules go
through the interface it creates, and a release that deletes its rule first. The manifest is
read with the real loader from a relative path, so each reason names its line as a user sees
it. Goldens live in tests/golden/; rewrite them on purpose with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.manifest import load_paths
from reconciler.model import DesiredState, RouteRule, RouteTable, Subnet, Vpc
from reconciler.plan import Plan, plan_from_json, plan_to_json
from reconciler.planner import build_plan
from reconciler.render import render_markdown, render_text
from tests.harness import write
from tests.planner.conftest import CTX, NOW, live, view

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

MANIFEST = """\
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
        - destination: 10.2.1.0/24
          source: 10.1.1.0/24
          description: app subnet to the db tier
      peer:
        - destination: local_vpc
  - name: app-to-web
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-web001
    bandwidth_in_mbps: 50
    routes:
      local:
        - destination: peer_vpc
  - name: old-link
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-old001
    bandwidth_in_mbps: 10
    ensure: absent
"""


def _rule(rule_id: str, dest: str, hop: str, *, table: str = "rt-app01aaaaaaaa",
          source: str = "0.0.0.0/0", text: str = "", kind: str = "peerConn") -> RouteRule:
    return RouteRule(rule_id, table, source, dest, kind, hop, text)


def routed_desired(folder: Path, monkeypatch: pytest.MonkeyPatch) -> DesiredState:
    write(folder / "net.yaml", MANIFEST)
    monkeypatch.chdir(folder)
    return load_paths([Path("net.yaml")])


def routed_plan(desired: DesiredState) -> Plan:
    state = live(
        view(peer_conn_id="peerconn-appdb01", local_if_id="qpif-app2db01"),
        view(peer_conn_id="peerconn-appdb01", role="acceptor", local_vpc_id="vpc-db0001",
             peer_vpc_id="vpc-app01", local_if_id="qpif-db2app01", tags=()),
        view(peer_conn_id="peerconn-old01", peer_vpc_id="vpc-old001", bandwidth_in_mbps=10,
             local_if_id="qpif-app2old01"),
    )
    state.add_route_table(CTX, "vpc-app01", RouteTable("rt-app01aaaaaaaa", "vpc-app01", rules=(
        _rule("", "10.1.1.0/24", "", kind="sys"),
        _rule("rr-app1", "10.2.0.0/16", "qpif-app2db01"),
        _rule("rr-app2", "10.2.1.0/24", "qpif-app2db01", source="10.1.1.0/24", text="db"),
        _rule("rr-app3", "10.40.0.0/16", "qpif-app2db01", text="left over"),
        _rule("rr-app4", "10.50.0.0/16", "qpif-app2old01"),
        _rule("rr-app5", "192.168.0.0/16", "nat-0001", kind="nat"),
    )))
    state.add_route_table(CTX, "vpc-db0001", RouteTable("rt-db0001bbbbbbb", "vpc-db0001"))
    state.add_route_table(CTX, "vpc-web001", RouteTable("rt-web001ccccccc", "vpc-web001"))
    state.add_vpc_detail(CTX, "vpc-app01", Vpc("vpc-app01", cidr="10.1.0.0/16",
                                               subnets=(Subnet("sbn-app01a", "10.1.1.0/24"),)))
    state.add_vpc_detail(CTX, "vpc-db0001", Vpc("vpc-db0001", cidr="10.2.0.0/16",
                                                secondary_cidrs=("10.30.0.0/16",)))
    state.add_vpc_detail(CTX, "vpc-web001", Vpc("vpc-web001", cidr="10.3.0.0/16"))
    return build_plan(desired, state, now=NOW)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "render"), [
    pytest.param("plan-routes.txt", render_text, id="text"),
    pytest.param("plan-routes.md", render_markdown, id="markdown"),
    pytest.param("plan-routes.json", plan_to_json, id="json"),
])
def test_rendered_route_plan_matches_golden(name, render, tmp_path, monkeypatch):
    check_golden(name, render(routed_plan(routed_desired(tmp_path, monkeypatch))))


def test_the_route_plan_holds_every_route_step_and_round_trips(tmp_path, monkeypatch):
    plan = routed_plan(routed_desired(tmp_path, monkeypatch))
    ops = sorted({s.op.value for c in plan.changes for s in c.steps if "route" in s.op.value})
    assert ops == ["add_route", "change_route", "delete_route"]
    assert plan_from_json(plan_to_json(plan)) == plan
