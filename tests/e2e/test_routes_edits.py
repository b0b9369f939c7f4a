"""Editing the routes of a live connection the way a user does, end to end.

Writing a symbolic destination for the literal CIDR it stands for changes nothing but what it
adds; dropping the ``routes`` key hands the rules back (never touched again); a new source is
a new rule (delete, then add); moving a rule to another connection of the same VPC is one
apply (the plan deletes it from the connection it leaves first, then adds it, the second
change waiting for the first); rules moving both ways at once are refused with the way out.
"""

from __future__ import annotations

from tests.e2e.test_routes_lifecycle import (
    ENTRY,
    FULL,
    applied,
    ends,
    manifest_of,
    rule_ids,
    rules,
    since,
    writes,
)
from tests.harness import SimWorld

DB = """\
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 10
    routes:
      local:
        - destination: {destination}
"""
LEGACY = ("        - destination: 10.40.0.0/16\n          source: 10.1.1.0/24\n"
          "          description: to the legacy range\n")


def db_if(world: SimWorld) -> str:
    (conn,) = [c for c in world.live() if c["acceptor"]["vpc_id"] == "vpc-db0001"]
    return ends(world, conn)[0]


def gz_if(world: SimWorld) -> str:
    (conn,) = [c for c in world.live() if c["acceptor"]["vpc_id"] == "vpc-gzapp01"]
    return ends(world, conn)[0]


def test_a_symbolic_destination_for_its_own_literal_cidr_adds_only_what_it_adds(world,
                                                                                 tmp_path):
    applied(world, tmp_path, DB.format(destination="10.2.0.0/16"))
    ids = rule_ids(world)
    symbolic = DB.format(destination="peer_vpc")
    shown = world.run("plan", str(manifest_of(tmp_path, symbolic)))
    # 10.2.0.0/16 is already there; the secondary CIDR is new
    assert "+ route 10.30.0.0/16 via this connection" in shown.out, shown.out
    assert shown.out.count("+ route ") == 1 and "- route " not in shown.out
    assert "routes: 1 to add, 0 to change, 0 to delete." in shown.out
    before = writes(world)
    applied(world, tmp_path, symbolic)
    assert since(world, before) == {"create": 1, "update": 0, "delete": 0}
    assert set(ids.items()) <= set(rule_ids(world).items())
    assert {r[2] for r in rules(world)} == {"10.2.0.0/16", "10.30.0.0/16"}


def test_dropping_the_routes_key_leaves_the_rules_alone(world, tmp_path):
    applied(world, tmp_path, FULL)
    held = rules(world)
    manifest = manifest_of(tmp_path, ENTRY)
    shown = world.run("plan", str(manifest), "--detailed-exitcode")
    assert shown.code == 0 and "No changes." in shown.out, shown.out
    before = writes(world)
    applied(world, tmp_path, ENTRY)
    resized = ENTRY.replace("bandwidth_in_mbps: 10", "bandwidth_in_mbps: 20")
    applied(world, tmp_path, resized)
    assert since(world, before) == {"create": 0, "update": 0, "delete": 0}
    assert rules(world) == held


def test_a_new_source_is_a_new_rule_deleted_and_added(world, tmp_path):
    applied(world, tmp_path, FULL)
    moved = FULL.replace("source: 10.1.1.0/24", "source: 0.0.0.0/0")
    shown = world.run("plan", str(manifest_of(tmp_path, moved)))
    assert "- route 10.40.0.0/16 from 10.1.1.0/24 via this connection" in shown.out, shown.out
    assert "+ route 10.40.0.0/16 via this connection" in shown.out
    assert "steps: delete_route -> add_route\n" in shown.out
    before = writes(world)
    applied(world, tmp_path, moved)
    assert since(world, before) == {"create": 1, "update": 0, "delete": 1}
    assert ("vpc-app01", "0.0.0.0/0", "10.40.0.0/16", gz_if(world),
            "to the legacy range") in rules(world)
    assert not any(r[1] == "10.1.1.0/24" for r in rules(world))


def test_moving_a_rule_to_another_connection_is_one_apply(world, tmp_path):
    applied(world, tmp_path, FULL + DB.format(destination="peer_vpc"))
    without = FULL.replace(LEGACY, "")
    moved = without + DB.format(destination="peer_vpc") + LEGACY
    shown = world.run("plan", str(manifest_of(tmp_path, moved)))
    assert shown.code == 0, shown.out + shown.err
    assert "- route 10.40.0.0/16 from 10.1.1.0/24 via this connection" in shown.out
    assert "moves here from net/app-to-gz, which deletes it first" in shown.out
    assert "after: net/app-to-gz" in shown.out
    applied(world, tmp_path, moved)
    assert ("vpc-app01", "10.1.1.0/24", "10.40.0.0/16", db_if(world),
            "to the legacy range") in rules(world)
    assert not any(r[2] == "10.40.0.0/16" and r[3] == gz_if(world) for r in rules(world))
    final = world.run("plan", str(manifest_of(tmp_path, moved)), "--detailed-exitcode")
    assert final.code == 0, final.out


def test_rules_moving_both_ways_between_two_connections_are_refused(world, tmp_path):
    applied(world, tmp_path, FULL + DB.format(destination="peer_vpc") + LEGACY.replace(
        "10.40.0.0/16", "10.41.0.0/16"))
    swapped = FULL.replace("10.40.0.0/16", "10.41.0.0/16") + \
        DB.format(destination="peer_vpc") + LEGACY
    before = world.mutating()
    result = world.run("apply", str(manifest_of(tmp_path, swapped)), "--auto-approve")
    assert result.code == 1, result.out + result.err
    assert "route rules move both ways between it and" in result.err
    assert "move them in two applies" in result.err
    assert world.mutating() == before
