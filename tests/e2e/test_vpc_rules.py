"""BCE's VPC rules at plan time, end to end: the real CLI against the simulator over loopback.

An unknown local VPC, an unknown same-account peer VPC, a peer VPC in another region than
``peer_region`` says, and an acceptance's unknown local VPC fail ``plan`` and ``apply PATH``
with validate-style locations (file:line:column, field), exit 1, and zero mutating requests.
The VPC lists are read once per (profile, region), next to the peering lists.
"""

from __future__ import annotations

from tests.harness import write

ONE = """
stack: net
region: bj
connections:
  - name: app-to-db
    peer_vpc_id: vpc-db0001
    bandwidth_in_mbps: 10
    local_vpc_id: {local}
"""


def stats(world) -> dict:
    return world.server.stats()


def test_plan_refuses_an_unknown_local_vpc_at_its_field_with_no_mutation(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", ONE.format(local="vpc-nosuch1"))
    result = world.run("plan", str(manifest))
    assert result.code == 1, result.out + result.err
    assert (f"{manifest}:7:19: connections[0].local_vpc_id: VPC vpc-nosuch1 does not exist "
            "in region bj (account of profile default)") in result.err
    assert "Traceback" not in result.err
    assert stats(world)["mutating"] == 0
    assert stats(world)["by_operation"]["list_vpcs"] == 1


def test_apply_path_refuses_the_same_way_before_any_mutation(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", ONE.format(local="vpc-nosuch1"))
    result = world.run("apply", str(manifest), "--auto-approve")
    assert result.code == 1
    assert "connections[0].local_vpc_id: VPC vpc-nosuch1 does not exist in region bj" in result.err
    assert stats(world)["mutating"] == 0
    assert world.server.connections() == []


def test_a_local_vpc_of_another_region_is_not_in_this_files_region(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", ONE.format(local="vpc-gzapp01"))
    result = world.run("plan", str(manifest))
    assert result.code == 1
    assert "connections[0].local_vpc_id: VPC vpc-gzapp01 does not exist in region bj" in result.err
    assert "it is in region gz" in result.err
    assert stats(world)["mutating"] == 0


def test_another_accounts_vpc_is_not_ours(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", ONE.format(local="vpc-partner1"))
    result = world.run("plan", str(manifest))
    assert result.code == 1
    assert "VPC vpc-partner1 does not exist in region bj (account of profile default)" in result.err


PEERS = """
stack: net
region: bj
connections:
  - name: to-nowhere
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-nosuch2
    bandwidth_in_mbps: 10
  - name: wrong-region
    local_vpc_id: vpc-web001
    peer_vpc_id: vpc-gzapp01
    bandwidth_in_mbps: 10
  - name: wrong-declared-region
    local_vpc_id: vpc-cache01
    peer_vpc_id: vpc-db0001
    peer_region: gz
    bandwidth_in_mbps: 10
    billing: {payment_timing: Postpaid}
  - name: cross-account-unchecked
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-unreadable9
    peer_account_id: acc-partner
    bandwidth_in_mbps: 10
acceptances:
  - name: inbound
    local_vpc_id: vpc-nosuch3
    peer_vpc_id: vpc-partner1
    peer_account_id: acc-partner
"""


def test_peer_vpc_rules_and_acceptances_are_all_reported_together(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", PEERS)
    result = world.run("plan", str(manifest))
    assert result.code == 1, result.out
    err = result.err
    assert (f"{manifest}:6:18: connections[0].peer_vpc_id: VPC vpc-nosuch2 does not exist in "
            "region bj (account of profile default)") in err
    # peer_region not declared: located at peer_vpc_id, named peer_region, says the default
    assert (f"{manifest}:10:18: connections[1].peer_region: peer VPC vpc-gzapp01 is in region "
            "gz, not bj; BCE refuses the create (RegionMismatch)") in err
    assert "peer_region defaults to the file's region, bj" in err
    assert (f"{manifest}:15:18: connections[2].peer_region: peer VPC vpc-db0001 is in region "
            "bj, not gz") in err
    assert "hint: set peer_region: bj" in err
    assert "vpc-unreadable9" not in err  # another account's VPC: not checked
    assert (f"{manifest}:25:19: acceptances[0].local_vpc_id: VPC vpc-nosuch3 does not exist in "
            "region bj") in err
    assert err.count("Error: ") == 4
    assert stats(world)["mutating"] == 0
    # one VPC list per (profile, region): default@bj and default@gz
    assert stats(world)["by_operation"]["list_vpcs"] == 2
    assert stats(world)["by_operation"]["get_vpc"] == 0


def test_known_vpcs_plan_and_apply_as_before_with_one_vpc_list_per_region(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", """
        stack: net
        region: bj
        connections:
          - name: app-to-db
            local_vpc_id: vpc-app01
            peer_vpc_id: vpc-db0001
            bandwidth_in_mbps: 10
          - name: app-to-gz
            local_vpc_id: vpc-app01
            peer_vpc_id: vpc-gzapp01
            peer_region: gz
            bandwidth_in_mbps: 10
    """)
    planned = world.run("plan", str(manifest), "--detailed-exitcode")
    assert planned.code == 2, planned.err
    ops = stats(world)["by_operation"]
    assert (ops["list_vpcs"], ops["get_vpc"], ops["get"]) == (2, 0, 0)
    applied = world.run("apply", str(manifest), "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    again = world.run("plan", str(manifest), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def test_ensure_absent_of_a_vanished_vpc_is_not_refused(world, tmp_path):
    manifest = write(tmp_path / "network.yaml", """
        stack: net
        region: bj
        connections:
          - name: gone
            local_vpc_id: vpc-deleted9
            peer_vpc_id: vpc-db0001
            bandwidth_in_mbps: 10
            ensure: absent
    """)
    result = world.run("plan", str(manifest))
    assert result.code == 0, result.err
    assert stats(world)["by_operation"]["list_vpcs"] == 0
