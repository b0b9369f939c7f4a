"""Golden files for the rendered plan: text, Markdown and JSON, compared byte for byte.

The plan covers every change kind (create, update, replace, release, accept) and notes.
Goldens live in tests/golden/; rewrite them on purpose with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.plan import plan_from_json, plan_to_json
from reconciler.planner import build_plan
from reconciler.render import render_markdown, render_text
from tests.planner.conftest import (
    NOW,
    PARTNER,
    Billing,
    acceptance,
    conn,
    live,
    state,
    view,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def sample_plan():
    desired = state(
        conn(name="app-to-db", dns_sync=True, delete_protect=True, description="app to db"),
        conn(name="web-to-cache", local_vpc_id="vpc-web001", peer_vpc_id="vpc-cache01",
             bandwidth_in_mbps=200, description="web tier"),
        conn(name="to-gz", peer_vpc_id="vpc-gzapp01", peer_region="gz",
             billing=Billing("Prepaid", 3)),
        conn(name="old-link", local_vpc_id="vpc-web001", peer_vpc_id="vpc-old001",
             ensure="absent"),
        acceptance(dns_sync=True),
    )
    views = live(
        view(peer_conn_id="peerconn-web1", local_vpc_id="vpc-web001", peer_vpc_id="vpc-cache01",
             bandwidth_in_mbps=100, description="old text"),
        view(peer_conn_id="peerconn-gz1", peer_vpc_id="vpc-gzapp01", peer_region="gz"),
        view(peer_conn_id="peerconn-old1", local_vpc_id="vpc-web001", peer_vpc_id="vpc-old001",
             tags=()),
        (PARTNER, view(peer_conn_id="peerconn-in1", role="acceptor", status="consulting",
                       local_vpc_id="vpc-partner1", peer_vpc_id="vpc-app01", tags=())),
    )
    return build_plan(desired, views, now=NOW)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "render"),
    [
        pytest.param("plan.txt", lambda p: render_text(p), id="text"),
        pytest.param("plan-color.txt", lambda p: render_text(p, colour=True), id="text-colour"),
        pytest.param("plan.md", lambda p: render_markdown(p), id="markdown"),
        pytest.param("plan.json", plan_to_json, id="json"),
    ],
)
def test_rendered_plan_matches_golden(name, render):
    check_golden(name, render(sample_plan()))


def test_sample_plan_has_every_change_kind():
    kinds = {c.action.value for c in sample_plan().changes}
    assert kinds == {"create", "update", "replace", "release", "accept"}


def test_json_round_trip_is_lossless():
    plan = sample_plan()
    assert plan_from_json(plan_to_json(plan)) == plan


def test_no_changes_text():
    plan = build_plan(state(conn()), live(view()), now=NOW)
    assert render_text(plan) == "No changes. The live connections match the manifests.\n\n"
