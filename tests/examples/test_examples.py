"""Every example is validated, planned, applied and re-planned against the simulator.

Then each example's own story is told: cross-account converges in one apply, prune releases
a removed entry while protection holds, multi-region names the far end, prepaid renews, routes
go through each end of the connection.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.harness import instant_world, write

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DIRS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "github")
DAY = 86400


def test_the_examples_are_the_documented_set():
    assert [d.name for d in DIRS] == ["cross-account", "multi-region", "prepaid",
                                      "protect-and-prune", "quickstart", "routes"]


@pytest.mark.parametrize("example", DIRS, ids=lambda p: p.name)
def test_example_validates_plans_applies_and_then_shows_no_changes(example, make_world):
    world = make_world()
    readme = (example / "README.md").read_text(encoding="utf-8")
    assert f"examples/{example.name}" in readme

    assert world.run("validate", str(example)).code == 0
    first = world.run("plan", str(example), "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "to create" in first.out

    applied = world.run("apply", str(example), "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    assert "Apply complete!" in applied.out

    again = world.run("plan", str(example), "--detailed-exitcode")
    assert again.code == 0, again.out
    assert "No changes." in again.out


def test_cross_account_converges_in_one_apply_create_then_accept(make_world):
    world = make_world()
    example = str(EXAMPLES / "cross-account")
    plan = world.run("plan", example)
    assert "Plan: 1 to create, 1 to update" in plan.out
    applied = world.run("apply", example, "--auto-approve")
    assert "main-network/app-to-partner: created" in applied.out
    assert "partner-network/from-main-app: accepted" in applied.out
    (record,) = world.live()
    assert record["status"] == "active"
    assert record["initiator"]["account"] == "acc-main"
    assert record["acceptor"]["account"] == "acc-partner"
    assert record["acceptor"]["if_name"] == "from-main-app"
    assert record["acceptor"]["dns"] == "open"
    routed = {(r["vpc"], r["destination"], r["nexthop_id"]) for r in world.server.route_rules()}
    assert routed == {("vpc-app01", "172.20.0.0/16", record["initiator"]["if_id"]),
                      ("vpc-partner1", "10.1.0.0/16", record["acceptor"]["if_id"])}
    assert world.run("plan", example, "--detailed-exitcode").code == 0


def _guarded_copy(tmp_path: Path, keep: str) -> Path:
    """The protect-and-prune manifest with only the entry named ``keep``."""
    text = (EXAMPLES / "protect-and-prune" / "network.yaml").read_text(encoding="utf-8")
    head, _, entries = text.partition("connections:\n")
    blocks = re.split(r"\n(?=  - name: )", entries.strip("\n"))
    kept = [b for b in blocks if b.startswith(f"  - name: {keep}\n")]
    return write(tmp_path / "pruned" / "network.yaml", head + "connections:\n" + kept[0] + "\n")


def test_prune_releases_an_entry_removed_from_the_manifest(make_world, tmp_path):
    world = make_world()
    assert world.run("apply", str(EXAMPLES / "protect-and-prune"), "--auto-approve").code == 0
    pruned = _guarded_copy(tmp_path, keep="core-link")

    plan = world.run("plan", str(pruned), "--detailed-exitcode")
    assert plan.code == 2
    assert "pruned: guarded/scratch-link is no longer in the manifests" in plan.out
    assert "Plan: 0 to create, 0 to update, 0 to replace, 1 to release." in plan.out

    assert world.run("apply", str(pruned), "--auto-approve").code == 0
    (left,) = world.live()
    assert {left["initiator"]["vpc_id"], left["acceptor"]["vpc_id"]} == {"vpc-web001",
                                                                         "vpc-db0001"}


def test_protection_holds_when_the_protected_entry_is_removed_or_marked_absent(make_world,
                                                                              tmp_path):
    world = make_world()
    assert world.run("apply", str(EXAMPLES / "protect-and-prune"), "--auto-approve").code == 0
    without_core = _guarded_copy(tmp_path, keep="scratch-link")
    plan = world.run("plan", str(without_core), "--detailed-exitcode")
    assert plan.code == 0
    assert "not pruned: release protection is on" in plan.out

    text = (EXAMPLES / "protect-and-prune" / "network.yaml").read_text(encoding="utf-8")
    absent = write(tmp_path / "absent" / "network.yaml", text.replace(
        "    lifecycle: {prevent_destroy: true}\n",
        "    lifecycle: {prevent_destroy: true}\n    ensure: absent\n"))
    refused = world.run("plan", str(absent))
    assert refused.code == 1
    assert "prevent_destroy" in refused.err
    assert len(world.live()) == 2


def test_multi_region_names_the_far_end_in_the_other_region(make_world):
    world = make_world()
    assert world.run("apply", str(EXAMPLES / "multi-region"), "--auto-approve").code == 0
    ends = {r["acceptor"]["vpc_id"]: r for r in world.live()}
    assert ends["vpc-gzapp01"]["acceptor"]["region"] == "gz"
    assert ends["vpc-gzapp01"]["acceptor"]["if_name"] == "from-bj-db"
    assert ends["vpc-cache01"]["initiator"]["region"] == "gz"


def test_routes_go_through_each_end_of_the_connection_on_both_sides(make_world):
    world = make_world()
    example = str(EXAMPLES / "routes")
    plan = world.run("plan", example)
    assert "routes: 4 to add, 0 to change, 0 to delete." in plan.out
    assert world.run("apply", example, "--auto-approve").code == 0
    (record,) = world.live()
    app_if, db_if = record["initiator"]["if_id"], record["acceptor"]["if_id"]
    assert {(r["vpc"], r["source"], r["destination"], r["nexthop_id"], r["description"])
            for r in world.server.route_rules()} == {
        ("vpc-app01", "0.0.0.0/0", "10.2.0.0/16", app_if, ""),
        ("vpc-app01", "0.0.0.0/0", "10.30.0.0/16", app_if, ""),
        ("vpc-db0001", "0.0.0.0/0", "10.1.0.0/16", db_if, ""),
        ("vpc-db0001", "10.30.1.0/24", "10.1.1.0/24", db_if, "reporting subnet to the app subnet"),
    }


def test_prepaid_connection_is_renewed_inside_the_renewal_window(make_world):
    # The planner reads the real clock, so the world starts with the example's connection
    # five days before it expires rather than moving the simulator's clock.
    world = make_world(instant_world([{
        "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-gzapp01", "bandwidth_in_mbps": 50,
        "payment_timing": "Prepaid", "reservation_length": 3, "expires_in_days": 5,
        "description": "reserved link from bj web to the gz application",
        "tags": {"managed-by": "peerconn", "peerconn-stack": "prepaid"},
    }]))
    example = str(EXAMPLES / "prepaid")
    plan = world.run("plan", example, "--detailed-exitcode")
    assert plan.code == 2
    assert "renew" in plan.out and "renew_within_days=7" in plan.out
    assert world.run("apply", example, "--auto-approve").code == 0
    (record,) = world.live()
    assert record["expires_at"] > time.time() + 80 * DAY
    assert world.run("plan", example, "--detailed-exitcode").code == 0
