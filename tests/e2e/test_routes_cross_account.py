"""Routes across accounts, end to end: the real CLI against the real simulator.

A cross-account connection is active only once the other account accepts. When one run holds
both accounts' entries, the accept change carries both sides' rules after the accept (the
initiator's change ends before it); when each account runs alone, the acceptor routes after
its accept and the initiator's next plan adds its own. A release deletes the rules in both
accounts' tables first. The acceptor's routes are its own table's only.
"""

from __future__ import annotations

from tests.harness import write as write_manifest

MAIN = """\
stack: main-network
region: bj
profile: default
connections:
  - name: app-to-partner
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-partner1
    peer_account_id: acc-partner
    bandwidth_in_mbps: 20
{extra}"""
PARTNER = """\
stack: partner-network
region: bj
profile: partner
acceptances:
  - name: from-main-app
    local_vpc_id: vpc-partner1
    peer_vpc_id: vpc-app01
    peer_account_id: acc-main
    accept: true
{extra}"""
MAIN_ROUTES = "    routes:\n      local:\n        - destination: peer_vpc\n"
PARTNER_ROUTES = ("    routes:\n      local:\n        - destination: peer_vpc\n"
                  "          description: to main's app tier\n")


def files(tmp_path, main_extra: str = MAIN_ROUTES, partner_extra: str = PARTNER_ROUTES):
    main = write_manifest(tmp_path / "m" / "main.yaml", MAIN.format(extra=main_extra))
    partner = write_manifest(tmp_path / "m" / "partner.yaml", PARTNER.format(extra=partner_extra))
    return main, partner


def rules(world) -> set[tuple[str, str, str, str]]:
    """(VPC, destination, next hop, description) of every custom rule the simulator holds."""
    return {(r["vpc"], r["destination"], r["nexthop_id"], r.get("description", ""))
            for r in world.server.route_rules()}


def ends(world) -> dict[str, str]:
    """VPC → the interface of the one connection's end in it."""
    (conn,) = world.live()
    return {conn["initiator"]["vpc_id"]: conn["initiator"]["if_id"],
            conn["acceptor"]["vpc_id"]: conn["acceptor"]["if_id"]}


def ok(result):
    assert result.code == 0, result.out + result.err
    return result


def test_one_run_creates_accepts_and_routes_both_accounts(world, tmp_path):
    main, _ = files(tmp_path)
    folder = str(main.parent)
    shown = ok(world.run("plan", folder))
    assert "routes.local is added after partner-network/from-main-app accepts" in shown.out
    # Both sides' rules are in the accept's block, after the accept.
    assert "steps: accept -> add_route -> add_route" in shown.out
    assert "main-network/app-to-partner routes.local[0] (" in shown.out
    assert "added after partner-network/from-main-app accepts" in shown.out
    assert "routes: 2 to add, 0 to change, 0 to delete." in shown.out

    applied = ok(world.run("apply", folder, "--auto-approve"))
    assert "; routes: 2 added, 0 changed, 0 deleted." in applied.out
    hop = ends(world)
    assert rules(world) == {
        ("vpc-app01", "172.20.0.0/16", hop["vpc-app01"], ""),
        ("vpc-partner1", "10.1.0.0/16", hop["vpc-partner1"], "to main's app tier")}
    assert "No changes." in ok(world.run("plan", folder)).out


def test_each_account_alone_routes_its_own_side_after_the_accept(world, tmp_path):
    # Alone, neither account can read the other's VPC: each names the CIDR itself.
    literal = "    routes:\n      local:\n        - destination: 172.20.0.0/16\n"
    main, partner = files(tmp_path, main_extra=literal,
                          partner_extra=PARTNER_ROUTES.replace("peer_vpc", "10.1.0.0/16"))
    first = ok(world.run("apply", str(main), "--auto-approve"))
    assert "routes are added once the other account has accepted (next apply)" in first.out
    assert rules(world) == set()

    accepted = ok(world.run("apply", str(partner), "--auto-approve"))
    assert "routes: 1 added" in accepted.out
    hop = ends(world)
    assert rules(world) == {("vpc-partner1", "10.1.0.0/16", hop["vpc-partner1"],
                             "to main's app tier")}

    shown = ok(world.run("plan", str(main)))
    assert "+ route 172.20.0.0/16 via this connection in rt-" in shown.out
    ok(world.run("apply", str(main), "--auto-approve"))
    assert ("vpc-app01", "172.20.0.0/16", hop["vpc-app01"], "") in rules(world)
    assert "No changes." in ok(world.run("plan", str(main.parent))).out


def test_the_acceptors_routes_follow_its_list_after_the_accept(world, tmp_path):
    main, partner = files(tmp_path)
    ok(world.run("apply", str(main.parent), "--auto-approve"))
    hop = ends(world)
    changed = PARTNER_ROUTES.replace("to main's app tier", "app tier, renamed") + \
        "        - destination: 10.9.0.0/16\n"
    write_manifest(partner, PARTNER.format(extra=changed))
    shown = ok(world.run("plan", str(main.parent)))
    assert "will be updated in place" in shown.out
    assert "routes: 1 to add, 1 to change, 0 to delete." in shown.out
    before = {r["id"] for r in world.server.route_rules() if r["vpc"] == "vpc-partner1"}
    ok(world.run("apply", str(main.parent), "--auto-approve"))
    after = {r["id"]: r for r in world.server.route_rules() if r["vpc"] == "vpc-partner1"}
    assert before <= set(after), "a description change updates the rule, it is not re-made"
    assert {(r["destination"], r["nexthop_id"], r["description"]) for r in after.values()} == {
        ("10.1.0.0/16", hop["vpc-partner1"], "app tier, renamed"),
        ("10.9.0.0/16", hop["vpc-partner1"], "")}

    write_manifest(partner, PARTNER.format(extra="    routes: {local: []}\n"))
    ok(world.run("apply", str(main.parent), "--auto-approve"))
    assert {r[0] for r in rules(world)} == {"vpc-app01"}


def test_a_release_deletes_the_rules_in_both_accounts_first(world, tmp_path):
    main, _ = files(tmp_path)
    folder = str(main.parent)
    ok(world.run("apply", folder, "--auto-approve"))
    write_manifest(main, MAIN.format(extra="    ensure: absent\n"))
    shown = ok(world.run("plan", folder))
    assert "steps: delete_route -> delete_route -> release" in shown.out
    assert "(vpc-partner1)\n        why: before the release" in shown.out
    ok(world.run("apply", folder, "--auto-approve"))
    assert world.live() == [] and rules(world) == set()


def test_peer_vpc_of_an_account_the_run_cannot_read_asks_for_a_literal(world, tmp_path):
    main, _ = files(tmp_path)
    result = world.run("plan", str(main))  # the partner's entry is not in this run
    assert result.code == 1
    assert "the CIDRs of vpc-partner1 cannot be read in this run" in result.err
    assert "write the destination as a literal CIDR" in result.err


def test_a_release_under_the_other_accounts_rules_says_what_to_do(world, tmp_path):
    main, _ = files(tmp_path)
    ok(world.run("apply", str(main.parent), "--auto-approve"))
    # The initiator alone cannot read the partner's table: BCE refuses the release.
    write_manifest(main, MAIN.format(extra="    ensure: absent\n"))
    failed = world.run("apply", str(main), "--auto-approve")
    assert failed.code == 1, failed.out + failed.err
    assert "HasRouteRules" in failed.out
    assert "another account's route table" in failed.out
    assert "plan with that account's profile in the same run" in failed.out
    assert len(world.live()) == 1
    assert {r[0] for r in rules(world)} == {"vpc-partner1"}, "its own rule went first"
    # What the message says works: both accounts in one run.
    ok(world.run("apply", str(main.parent), "--auto-approve"))
    assert world.live() == [] and rules(world) == set()


def test_a_cross_account_replace_re_points_rules_no_list_manages(make_world, tmp_path):
    # A connection gone "down" carries rules on both sides; neither file declares routes.
    down = {"id": "peerconn-down00001", "local_vpc_id": "vpc-app01",
            "peer_vpc_id": "vpc-partner1", "status": "down", "local_if_id": "qpif-appdown01",
            "peer_if_id": "qpif-ptrdown01", "tags": {"managed-by": "peerconn",
                                                     "peerconn-stack": "main-network"}}
    world = make_world(connections=[down], routes=[
        {"vpc_id": "vpc-app01", "destination": "172.20.0.0/16", "nexthop_type": "peerConn",
         "nexthop_id": "qpif-appdown01", "description": "to the partner"},
        {"vpc_id": "vpc-partner1", "destination": "10.1.0.0/16", "nexthop_type": "peerConn",
         "nexthop_id": "qpif-ptrdown01"}])
    main, _ = files(tmp_path, main_extra="", partner_extra="")
    shown = ok(world.run("plan", str(main.parent)))
    assert "must be replaced" in shown.out
    assert "steps: delete_route -> delete_route -> release -> create" in shown.out
    assert shown.out.count("re-pointed: ") == 2, shown.out
    ok(world.run("apply", str(main.parent), "--auto-approve"))
    (new,) = [c for c in world.live() if not c["gone"]]
    assert new["status"] == "active" and new["id"] != "peerconn-down00001"
    hop = {new["initiator"]["vpc_id"]: new["initiator"]["if_id"],
           new["acceptor"]["vpc_id"]: new["acceptor"]["if_id"]}
    assert rules(world) == {("vpc-app01", "172.20.0.0/16", hop["vpc-app01"], "to the partner"),
                            ("vpc-partner1", "10.1.0.0/16", hop["vpc-partner1"], "")}
    assert "No changes." in ok(world.run("plan", str(main.parent))).out


def test_an_initiator_alone_is_told_its_replace_would_lose_unmanaged_rules(make_world, tmp_path):
    down = {"id": "peerconn-down00001", "local_vpc_id": "vpc-app01",
            "peer_vpc_id": "vpc-partner1", "status": "down", "local_if_id": "qpif-appdown01",
            "peer_if_id": "qpif-ptrdown01", "tags": {"managed-by": "peerconn",
                                                     "peerconn-stack": "main-network"}}
    world = make_world(connections=[down], routes=[
        {"vpc_id": "vpc-app01", "destination": "172.20.0.0/16", "nexthop_type": "peerConn",
         "nexthop_id": "qpif-appdown01", "description": "hand-made"}])
    main, _ = files(tmp_path, main_extra="", partner_extra="")
    before = world.mutating()
    refused = world.run("apply", str(main), "--auto-approve")
    assert refused.code == 1, refused.out + refused.err
    assert "cannot add them back before acc-partner accepts the new request" in refused.err
    assert world.mutating() == before and len(rules(world)) == 1
    # The way out the message names: declare the rule; it is restored after the accept.
    write_manifest(main, MAIN.format(extra="    routes:\n      local:\n"
                                           "        - destination: 172.20.0.0/16\n"
                                           "          description: hand-made\n"))
    ok(world.run("apply", str(main), "--auto-approve"))
    ok(world.run("apply", str(main.parent / "partner.yaml"), "--auto-approve"))
    ok(world.run("apply", str(main), "--auto-approve"))
    (new,) = [c for c in world.live() if not c["gone"]]
    assert ("vpc-app01", "172.20.0.0/16", new["initiator"]["if_id"], "hand-made") in rules(world)
