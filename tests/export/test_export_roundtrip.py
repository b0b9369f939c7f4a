"""``peerconn export`` end to end: exporting live connections and planning the result at once
shows no changes — for the initiator's and the acceptor's account, same-account, cross-account
and prepaid connections alike."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.manifest import load_paths
from tests.harness import instant_world

WORLD = [
    {"id": "peerconn-same01", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-db0001",
     "bandwidth_in_mbps": 100, "local_if_name": "app-to-db", "peer_if_name": "db-from-app",
     "description": "yes", "dns_sync": True, "delete_protect": True,
     "tags": {"team": "platform", "cost center": "0042", "managed-by": "peerconn",
              "peerconn-stack": "legacy"}},
    {"id": "peerconn-cross01", "local_vpc_id": "vpc-web001", "peer_vpc_id": "vpc-partner1",
     "bandwidth_in_mbps": 30, "local_if_name": "web-out", "description": "to: the partner",
     "peer_if_name": "partner-in", "peer_description": "from main's web tier",
     "peer_dns_sync": True},
    {"id": "peerconn-prepaid1", "local_vpc_id": "vpc-cache01", "peer_vpc_id": "vpc-gzapp01",
     "bandwidth_in_mbps": 40, "payment_timing": "Prepaid", "reservation_length": 6,
     "expires_in_days": 120, "peer_if_name": "gz-end"},
    {"id": "peerconn-down01", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-web001",
     "status": "down"},
    {"id": "peerconn-ask01", "local_vpc_id": "vpc-partner2", "peer_vpc_id": "vpc-relay1",
     "status": "consulting"},
]


@pytest.fixture
def world(make_world):
    return make_world(instant_world(WORLD))


def export(world, out: Path, *args: str) -> dict:
    result = world.run("export", *args, "--out", str(out))
    assert result.code == 0, result.err
    return yaml.safe_load(out.read_text(encoding="utf-8"))


def assert_plans_no_changes(world, *paths: Path) -> None:
    plan = world.run("plan", *map(str, paths), "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out


def by_name(entries: list[dict]) -> dict[str, dict]:
    return {e["name"]: e for e in entries}


def test_initiator_account_export_plans_no_changes(world, tmp_path):
    out = tmp_path / "main.yaml"
    doc = export(world, out, "--vpc", "vpc-app01", "vpc-web001", "vpc-cache01", "--region", "bj")
    conns = by_name(doc["connections"])
    assert sorted(conns) == ["app01-to-db0001", "cache01-to-gzapp01", "web001-to-partner1"]
    assert doc["acceptances"] == []
    assert_plans_no_changes(world, out)


def test_same_account_entry_carries_every_compared_attribute_and_user_tags(world, tmp_path):
    doc = export(world, tmp_path / "m.yaml", "--vpc", "vpc-app01", "--region", "bj")
    entry = by_name(doc["connections"])["app01-to-db0001"]
    assert entry == {
        "name": "app01-to-db0001", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-db0001",
        "peer_region": "bj", "bandwidth_in_mbps": 100, "local_if_name": "app-to-db",
        "peer_if_name": "db-from-app", "description": "yes", "dns_sync": True,
        "delete_protect": True, "billing": {"payment_timing": "Postpaid"},
        "tags": {"cost center": "0042", "team": "platform"},
    }


def test_cross_account_entry_names_the_peer_account_and_no_peer_if_name(world, tmp_path):
    doc = export(world, tmp_path / "m.yaml", "--vpc", "vpc-web001", "--region", "bj")
    entry = by_name(doc["connections"])["web001-to-partner1"]
    assert entry["peer_account_id"] == "acc-partner"
    assert "peer_if_name" not in entry


def test_prepaid_entry_keeps_its_billing_and_explains_the_unobservable_length(world, tmp_path):
    out = tmp_path / "m.yaml"
    doc = export(world, out, "--vpc", "vpc-cache01", "--region", "bj")
    entry = by_name(doc["connections"])["cache01-to-gzapp01"]
    assert entry["peer_region"] == "gz"
    assert entry["peer_if_name"] == "gz-end"
    assert entry["billing"] == {"payment_timing": "Prepaid", "reservation_length": 1}
    assert "reservation_length is not observable" in out.read_text(encoding="utf-8")
    assert_plans_no_changes(world, out)


def test_acceptor_account_export_becomes_acceptances_and_plans_no_changes(world, tmp_path):
    out = tmp_path / "partner.yaml"
    doc = export(world, out, "--vpc", "vpc-partner1", "--region", "bj", "--profile", "partner")
    assert doc["profile"] == "partner"
    assert doc["connections"] == []
    assert doc["acceptances"] == [{
        "name": "partner1-from-web001", "local_vpc_id": "vpc-partner1",
        "peer_vpc_id": "vpc-web001", "peer_account_id": "acc-main", "accept": True,
        "local_if_name": "partner-in", "description": "from main's web tier", "dns_sync": True,
    }]
    assert_plans_no_changes(world, out)


def test_both_accounts_exports_plan_together_without_changes(world, tmp_path):
    main = tmp_path / "both" / "main.yaml"
    main.parent.mkdir()
    export(world, main, "--vpc", "vpc-web001", "--region", "bj", "--stack", "main-net")
    partner = tmp_path / "both" / "partner.yaml"
    export(world, partner, "--vpc", "vpc-partner1", "--region", "bj", "--profile", "partner",
           "--stack", "partner-net")
    assert_plans_no_changes(world, main.parent)


def test_export_from_the_acceptor_vpc_of_a_same_account_connection_gives_the_initiator(
        world, tmp_path):
    doc = export(world, tmp_path / "m.yaml", "--vpc", "vpc-db0001", "--region", "bj")
    (entry,) = doc["connections"]
    assert (entry["name"], entry["local_vpc_id"]) == ("app01-to-db0001", "vpc-app01")
    assert doc["stack"] == "legacy"  # the stack peerconn tagged it with


def test_failed_and_unanswered_connections_are_left_out_with_the_reason(world, tmp_path):
    out = tmp_path / "m.yaml"
    result = world.run("export", "--vpc", "vpc-app01", "--region", "bj", "--out", str(out))
    assert "1 left out" in result.out
    assert "peerconn-down01 (vpc-app01 <-> vpc-web001): status down" in out.read_text()
    partner = tmp_path / "p.yaml"
    world.run("export", "--vpc", "vpc-partner2", "--region", "gz", "--profile", "partner",
        "--out", str(partner))
    main = tmp_path / "relay.yaml"
    world.run("export", "--vpc", "vpc-relay1", "--region", "gz", "--out", str(main))
    assert "waiting for this account's answer" in main.read_text()
    # The initiator's side of the unanswered request is exported and plans no changes.
    assert by_name(yaml.safe_load(partner.read_text())["connections"])["partner2-to-relay1"]
    assert_plans_no_changes(world, partner)


def test_export_to_stdout_is_a_manifest_and_the_summary_goes_to_stderr(world, tmp_path):
    result = world.run("export", "--vpc", "vpc-app01", "--region", "bj", "--stack", "net")
    assert result.code == 0
    assert result.out.startswith("# Exported by `peerconn export`")
    assert "Exported 1 connection(s)" in result.err
    path = tmp_path / "stdout.yaml"
    path.write_text(result.out, encoding="utf-8")
    assert load_paths([path]).stacks == ("net",)


@pytest.mark.parametrize("args, message", [
    pytest.param(["--vpc", "vpc-app01"], "export needs the region", id="no-region"),
    pytest.param(["--vpc", "vpc-app01", "--region", "mars"], "unknown region 'mars'",
                 id="unknown-region"),
    pytest.param(["--vpc", "VPC_1", "--region", "bj"], "is not a VPC id", id="bad-vpc-id"),
    pytest.param(["--vpc", "vpc-app01", "--region", "bj", "--stack", "Prod"],
                 "not a valid stack name", id="bad-stack"),
])
def test_bad_export_options_are_refused_before_any_call(world, args, message):
    result = world.run("export", *args)
    assert result.code == 1
    assert message in result.err
    assert world.stats()["total"] == 0
