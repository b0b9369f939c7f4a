"""Routes across interrupted and repeated runs, and how a route plan reads.

Ctrl-C while the new half of a replace waits for ``active`` (the old rules deleted, the old
connection released) stops before any rule is written through a connection that is not up;
plan and apply again then add the rules through the interface that now exists. A rule the
cloud refuses at apply stops only its own change, and the summary counts each rule. The text, Markdown and saved-plan views of a
route plan say the same thing in the order it will run.
"""

from __future__ import annotations

import json
import signal
import subprocess

from tests.e2e.test_routes_lifecycle import (
    FULL,
    PREPAID,
    applied,
    dangling,
    ends,
    expected,
    manifest_of,
    rules,
)
from tests.harness import SimWorld

SLOW = {"create_s": 20, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0}
# FULL, already applied: the connection and its three rules, as a world that starts with them.
OLD = {"id": "peerconn-old000001", "local_vpc_id": "vpc-app01", "peer_vpc_id": "vpc-gzapp01",
       "status": "active", "bandwidth_in_mbps": 10, "local_if_id": "qpif-oldapp0001",
       "peer_if_id": "qpif-oldgz00001",
       "tags": {"managed-by": "peerconn", "peerconn-stack": "net", "peerconn-name": "app-to-gz"}}
OLD_RULES = [
    {"vpc_id": "vpc-app01", "destination": "10.5.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-oldapp0001"},
    {"vpc_id": "vpc-app01", "source": "10.1.1.0/24", "destination": "10.40.0.0/16",
     "nexthop_type": "peerConn", "nexthop_id": "qpif-oldapp0001",
     "description": "to the legacy range"},
    {"vpc_id": "vpc-gzapp01", "destination": "10.1.0.0/16", "nexthop_type": "peerConn",
     "nexthop_id": "qpif-oldgz00001"},
]


def interrupted(world: SimWorld, manifest) -> str:
    """Start ``apply``, Ctrl-C it once BCE accepted the create, and return its output."""
    proc = world.spawn("apply", str(manifest), "--auto-approve")
    assert proc.stdout is not None
    for line in proc.stdout:
        if "create accepted" in line:
            break
    else:
        raise AssertionError("apply ended before its create was accepted: "
                             + proc.communicate()[1])
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err
    return out


def test_ctrl_c_half_way_through_a_replace_leaves_no_rule_behind_and_a_rerun_converges(
        make_world, tmp_path):
    world = make_world(timing=SLOW, connections=[OLD], routes=OLD_RULES)
    assert "No changes." in world.run("plan", str(manifest_of(tmp_path, FULL))).out
    manifest = manifest_of(tmp_path, PREPAID)
    out = interrupted(world, manifest)
    assert ("steps done: delete_route, delete_route, delete_route, release, create; "
            "not done: add_route, add_route, add_route") in out, out
    assert rules(world) == set()  # the old ones went before the release, the new wait

    world.server.advance(30)
    again = world.run("plan", str(manifest))
    assert "will be created" not in again.out and "must be replaced" not in again.out
    assert "routes: 3 to add, 0 to change, 0 to delete." in again.out, again.out
    applied(world, tmp_path, PREPAID)
    (new,) = [c for c in world.live() if not c["gone"]]
    assert new["id"] != OLD["id"] and new["payment_timing"] == "Prepaid"
    assert rules(world) == expected(*ends(world, new)) and dangling(world) == []
    assert "No changes." in world.run("plan", str(manifest)).out


def test_a_route_plan_reads_the_same_in_text_markdown_and_the_saved_plan(make_world,
                                                                         tmp_path):
    world = make_world(connections=[OLD], routes=OLD_RULES)
    changed = (FULL.replace("to the legacy range", "to the archive range")
               .replace("      peer:\n        - destination: local_vpc\n", "      peer: []\n"))
    manifest = manifest_of(tmp_path, changed)
    text = world.run("plan", str(manifest)).out
    # a change of rules only: no empty attribute block, the rules in the order they run
    assert "  # net/app-to-gz will be updated in place (peerconn-old000001)\n" \
        "    - route 10.1.0.0/16 via this connection in rt-" in text, text
    assert 'peerconn "app-to-gz"' not in text
    assert text.index("- route 10.1.0.0/16") < text.index("~ route 10.40.0.0/16 from "
                                                          "10.1.1.0/24")
    assert "): description 'to the legacy range' -> 'to the archive range'" in text
    assert "steps: delete_route -> change_route\n" in text

    plan_file = tmp_path / "plan.json"
    markdown = world.run("plan", str(manifest), "--format", "markdown", "--out", str(plan_file))
    assert markdown.code == 0, markdown.err
    md = markdown.out
    assert md.startswith("### peerconn plan: 0 to create, 0 to update, 0 to replace, 0 to "
                         "release; routes: 0 to add, 1 to change, 1 to delete.\n")
    assert "<summary><code>~ net/app-to-gz</code> will be updated in place " \
        "(peerconn-old000001)</summary>" in md
    body = md[md.index("```diff\n") + 8:md.index("\n```\n")].splitlines()
    assert [line.split("  # ")[0] for line in body] == [
        f"- route 10.1.0.0/16 via this connection in {_table(world, 'vpc-gzapp01')} "
        "(vpc-gzapp01)",
        f"~ route 10.40.0.0/16 from 10.1.1.0/24 via this connection in "
        f"{_table(world, 'vpc-app01')} (vpc-app01)"]
    assert "- **steps:** `delete_route` → `change_route`" in md
    assert "> [!WARNING]" not in md  # no connection is released or replaced
    assert world.run("show", str(plan_file), "--format", "markdown").out == md
    doc = json.loads(world.run("show", str(plan_file), "--format", "json").out)
    assert doc["summary"]["routes"] == {"add": 0, "change": 1, "delete": 1}
    assert [s["op"] for s in doc["changes"][0]["steps"]] == ["delete_route", "change_route"]


def test_a_replace_plan_warns_in_markdown_and_lists_each_rule_it_deletes_and_adds(
        make_world, tmp_path):
    world = make_world(connections=[OLD], routes=OLD_RULES)
    plan_file = tmp_path / "plan.json"
    md = world.run("plan", str(manifest_of(tmp_path, PREPAID)), "--format", "markdown",
                   "--out", str(plan_file)).out
    calls = world.run("show", str(plan_file)).out
    assert "1. delete_route through peerconn-old000001 in vpc-app01 (bj): route_rule_id=" \
        in calls, calls
    assert "3. delete_route through peerconn-old000001 in vpc-gzapp01 (gz):" in calls
    assert ('6. add_route through the new connection in vpc-app01 (bj): route_table_id="rt-'
            in calls)
    assert "> This plan **releases 0** and **replaces 1** peering connection(s): " \
        "`net/app-to-gz`." in md, md
    body = md[md.index("```diff\n") + 8:md.index("\n```\n")].splitlines()
    marks = [line[0] for line in body if " route " in line]
    assert marks == ["-", "-", "-", "+", "+", "+"]
    assert all("# the release half of the replace: " in line and "peerconn-old000001" in line
               for line in body if line.startswith("- route"))
    assert "`release` → `create` → `add_route`" in md


def _table(world: SimWorld, vpc_id: str) -> str:
    (table,) = {r["table"] for r in world.server.route_rules() if r["vpc"] == vpc_id}
    return str(table)


def test_a_rule_the_cloud_refuses_at_apply_stops_its_change_and_says_which_rules_are_left(
        make_world, tmp_path):
    # A table that holds two entries: vpc-app01's system rule and one more (a quota the
    # plan cannot know: BCE's documented limit is 50).
    world = make_world(quotas={"per_vpc": 10, "per_account": 10, "route_rules_per_table": 2})
    manifest = manifest_of(tmp_path, FULL)
    failed = world.run("apply", str(manifest), "--auto-approve")
    assert failed.code == 1, failed.out + failed.err
    assert "Apply failed: 1 failed, 0 not started; 1 created, 0 updated, 0 replaced, " \
        "0 released; routes: 1 added, 0 changed, 0 deleted." in failed.out, failed.out
    assert "Route.QuotaExceeded" in failed.out
    # each rule on its own: one added, two left (not "add_route" once for all three)
    assert "(steps done: create, add_route; not done: add_route, add_route)" in failed.out
    (conn,) = world.live()
    assert rules(world) == {("vpc-app01", "0.0.0.0/0", "10.5.0.0/16", conn["initiator"]["if_id"],
                             "")}
    shown = world.run("plan", str(manifest))
    assert "routes: 2 to add, 0 to change, 0 to delete." in shown.out, shown.out
    assert "will be created" not in shown.out


def test_under_faults_of_every_kind_reruns_converge_without_a_duplicate_rule(make_world,
                                                                            tmp_path):
    world = make_world(faults={"error_rate": 0.3, "kinds": ["500", "503", "throttle", "drop",
                                                            "lost"], "retry_after_s": 0})
    renamed = PREPAID.replace("to the legacy range", "to the archive range")
    for text in (FULL, PREPAID, renamed):  # create, replace, change a rule's description
        manifest = manifest_of(tmp_path, text)
        codes = []
        while 0 not in codes and len(codes) < 6:
            codes.append(world.run("apply", str(manifest), "--auto-approve").code)
        assert 0 in codes, codes
    world.server.set_faults(error_rate=0.0)
    faults = sum(n for op, by in world.stats()["by_operation_outcome"].items()
                 for outcome, n in by.items() if outcome != "200")
    assert faults > 5
    (conn,) = [c for c in world.live() if not c["gone"]]
    assert conn["payment_timing"] == "Prepaid"
    assert rules(world) == {
        (vpc, src, dst, hop, "to the archive range" if dst == "10.40.0.0/16" else desc)
        for vpc, src, dst, hop, desc in expected(*ends(world, conn))}
    assert dangling(world) == []
    assert world.run("plan", str(manifest), "--detailed-exitcode").code == 0
