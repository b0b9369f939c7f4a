"""``peerconn graph`` and ``plan --graph``: the Mermaid topology, pinned by golden files.

Goldens live in tests/golden/ and are compared byte for byte; run with UPDATE_GOLDEN=1 to
rewrite them on purpose (then review the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.manifest import load_paths
from reconciler.model import DesiredState
from reconciler.plan import Action, Change, FieldChange, PeerConnTarget, Plan, ResourceKind
from reconciler.render.graph import render_graph
from tests.harness import write

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CROSS_ACCOUNT = ROOT / "examples" / "cross-account"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_cross_account_topology_matches_the_golden_file(make_world):
    world = make_world()
    result = world.run("graph", str(CROSS_ACCOUNT))
    assert result.code == 0, result.err
    assert_golden("graph-cross-account.mmd", result.out)


def test_cross_account_live_graph_styles_the_planned_create(make_world):
    world = make_world()
    result = world.run("graph", str(CROSS_ACCOUNT), "--live")
    assert result.code == 0, result.err
    assert_golden("graph-cross-account-plan.mmd", result.out)


def test_markdown_plan_embeds_the_same_diagram_above_the_changes(make_world):
    world = make_world()
    diagram = world.run("graph", str(CROSS_ACCOUNT), "--live").out
    plan = world.run("plan", str(CROSS_ACCOUNT), "--format", "markdown", "--graph")
    assert plan.code == 0, plan.err
    fenced = f"```mermaid\n{diagram}```\n"
    assert fenced in plan.out
    assert plan.out.index(fenced) < plan.out.index("<details>")


def test_graph_flag_needs_the_markdown_format(make_world):
    world = make_world()
    result = world.run("plan", str(CROSS_ACCOUNT), "--graph")
    assert result.code == 1
    assert "--graph is only shown in the Markdown plan" in result.err


def test_output_is_deterministic_whatever_the_file_order(tmp_path):
    one = write(tmp_path / "a" / "1.yaml", """
        stack: s
        region: bj
        connections:
          - {name: b, local_vpc_id: vpc-b, peer_vpc_id: vpc-c, bandwidth_in_mbps: 5}
          - {name: a, local_vpc_id: vpc-a, peer_vpc_id: vpc-b, bandwidth_in_mbps: 10}
        """)
    two = write(tmp_path / "b" / "1.yaml", """
        stack: s
        region: bj
        connections:
          - {name: a, local_vpc_id: vpc-a, peer_vpc_id: vpc-b, bandwidth_in_mbps: 10}
          - {name: b, local_vpc_id: vpc-b, peer_vpc_id: vpc-c, bandwidth_in_mbps: 5}
        """)
    assert render_graph(load_paths([one])) == render_graph(load_paths([two]))


def _change(kind: Action, local: str, peer: str, **kw) -> Change:
    target = PeerConnTarget(profile=None, region="bj", local_vpc_id=local, peer_vpc_id=peer,
                            peer_region="bj")
    return Change(address=f"s/{local}", resource=ResourceKind.PEERCONN, action=kind, stack="s",
                  name=local, target=target,
                  reasons=(), fields=kw.pop("fields", ()), steps=(), basis={},
                  fingerprint="", attributes=kw.pop("attributes", {}))


@pytest.fixture
def three_links(tmp_path) -> DesiredState:
    return load_paths([write(tmp_path / "m.yaml", """
        stack: s
        region: bj
        connections:
          - {name: new, local_vpc_id: vpc-a, peer_vpc_id: vpc-b, bandwidth_in_mbps: 10}
          - {name: grow, local_vpc_id: vpc-a, peer_vpc_id: vpc-c, bandwidth_in_mbps: 50}
          - {name: same, local_vpc_id: vpc-b, peer_vpc_id: vpc-c, bandwidth_in_mbps: 5}
        """)])


def test_planned_changes_are_styled_apart_with_symbols_and_a_legend(three_links):
    plan = Plan(created_at="", stacks=("s",), changes=(
        _change(Action.RELEASE, "vpc-a", "vpc-old", attributes={"bandwidth_in_mbps": 7}),
        _change(Action.CREATE, "vpc-a", "vpc-b"),
        _change(Action.UPDATE, "vpc-a", "vpc-c",
                fields=(FieldChange("bandwidth_in_mbps", 20, 50),)),
    ))
    text = render_graph(three_links, plan)
    edges = [line.strip() for line in text.splitlines() if "<-->" in line]
    assert edges == [
        'vpc_a <-->|"+ 10 Mbps"| vpc_b',
        'vpc_a <-->|"~ 20 → 50 Mbps"| vpc_c',
        'vpc_a <-->|"- 7 Mbps"| vpc_old',  # pruned: known only from the plan
        'vpc_b <-->|"5 Mbps"| vpc_c',
    ]
    assert "  linkStyle 0 stroke:#2da44e" in text
    assert "  linkStyle 1 stroke:#bf8700" in text
    assert "  linkStyle 2 stroke:#cf222e" in text
    assert "linkStyle 3" not in text  # unchanged keeps the default style
    for legend in ('legend_create["+ create"]', 'legend_update["~ update"]',
                   'legend_release["- release"]'):
        assert legend in text
    assert '  vpc_old["vpc-old"]' in text  # its account is unknown: outside every group


def test_absent_entries_are_not_part_of_the_wanted_topology(tmp_path):
    state = load_paths([write(tmp_path / "m.yaml", """
        stack: s
        region: bj
        connections:
          - {name: gone, local_vpc_id: vpc-a, peer_vpc_id: vpc-b, bandwidth_in_mbps: 10,
             ensure: absent}
        """)])
    assert "<-->" not in render_graph(state)


def test_an_acceptance_alone_draws_an_inbound_edge_from_the_other_account(tmp_path):
    state = load_paths([write(tmp_path / "m.yaml", """
        stack: s
        region: gz
        profile: partner
        acceptances:
          - {name: in, local_vpc_id: vpc-mine, peer_vpc_id: vpc-theirs,
             peer_account_id: acc-x}
        """)])
    text = render_graph(state)
    assert 'vpc_theirs <-->|"inbound"| vpc_mine' in text
    assert 'subgraph acct1["acc-x"]' in text  # region unknown: directly in the account
    assert 'subgraph acct2_gz["gz"]' in text
