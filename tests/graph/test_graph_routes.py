"""Route labels in the Mermaid graph: each edge names the destinations its declared rules send
through it — ``→`` from the initiator's table, ``←`` from the acceptor's — pinned by golden
files (UPDATE_GOLDEN=1 rewrites them); manifests without routes draw what they always drew."""

from __future__ import annotations

from reconciler.manifest import load_paths
from reconciler.render.graph import render_graph
from tests.graph.test_graph import assert_golden
from tests.harness import write
from tests.planner.test_golden_routes import routed_desired, routed_plan

CROSS = """\
stack: main-net
region: bj
connections:
  - name: web-to-partner
    local_vpc_id: vpc-web001
    peer_vpc_id: vpc-partner1
    peer_account_id: acc-partner
    bandwidth_in_mbps: 30
    routes:
      local:
        - destination: 172.20.0.0/16
"""
ACCEPTOR = """\
stack: partner-net
region: bj
profile: partner
acceptances:
  - name: from-web
    local_vpc_id: vpc-partner1
    peer_vpc_id: vpc-web001
    peer_account_id: acc-main
    routes:
      local:
        - destination: 10.3.0.0/16
          source: 172.20.1.0/24
"""


def edges(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "<-->" in line]


def test_graph_of_a_manifest_with_routes_matches_the_golden_file(make_world, tmp_path,
                                                                 monkeypatch):
    routed_desired(tmp_path, monkeypatch)
    result = make_world().run("graph", "net.yaml")
    assert result.code == 0, result.err
    assert_golden("graph-routes.mmd", result.out)
    assert edges(result.out) == [  # old-link is ensure: absent, not drawn without a plan
        'vpc_app01 <-->|"100 Mbps<br/>→ peer_vpc, 10.2.1.0/24 from 10.1.1.0/24<br/>← '
        'local_vpc"| vpc_db0001',
        'vpc_app01 <-->|"50 Mbps<br/>→ peer_vpc"| vpc_web001',
    ]


def test_graph_with_a_plan_keeps_the_route_labels_after_the_change_symbol(tmp_path,
                                                                          monkeypatch):
    desired = routed_desired(tmp_path, monkeypatch)
    text = render_graph(desired, routed_plan(desired))
    assert_golden("graph-routes-plan.mmd", text)
    assert edges(text) == [
        'vpc_app01 <-->|"~ 100 Mbps<br/>→ peer_vpc, 10.2.1.0/24 from 10.1.1.0/24<br/>← '
        'local_vpc"| vpc_db0001',
        'vpc_app01 <-->|"- 10 Mbps"| vpc_old001',
        'vpc_app01 <-->|"+ 50 Mbps<br/>→ peer_vpc"| vpc_web001',
    ]


def test_an_acceptance_in_another_file_adds_its_routes_as_the_way_back(tmp_path):
    main = write(tmp_path / "both" / "main.yaml", CROSS)
    write(tmp_path / "both" / "partner.yaml", ACCEPTOR)
    text = render_graph(load_paths([main.parent]))
    assert edges(text) == [
        'vpc_web001 <-->|"30 Mbps<br/>→ 172.20.0.0/16<br/>← 10.3.0.0/16 from 172.20.1.0/24"| '
        'vpc_partner1']


def test_empty_and_absent_route_lists_leave_the_label_as_it_was(tmp_path):
    plain = write(tmp_path / "a" / "m.yaml", CROSS.replace(
        "    routes:\n      local:\n        - destination: 172.20.0.0/16\n", ""))
    empty = write(tmp_path / "b" / "m.yaml", CROSS.replace(
        "      local:\n        - destination: 172.20.0.0/16\n", "      local: []\n"))
    assert render_graph(load_paths([plain])) == render_graph(load_paths([empty]))
    assert 'vpc_web001 <-->|"30 Mbps"| vpc_partner1' in render_graph(load_paths([empty]))
