"""What apply and plan say about changes the cloud has not finished, through the real CLI.

A create BCE accepted is counted as created even when ``--timeout`` ran out before it was
active; "No changes" names what is still pending; progress gives the whole change's time and
the state it is waiting on; a piped ``yes`` confirms.
"""

from __future__ import annotations

import io

from reconciler.apply.executor import ApplyOptions, Executor
from tests.harness import world_data, write
from tests.reliability.driver import Driver

SLOW = {"create_s": 20, "accept_s": 0, "resize_s": 0, "dns_s": 15, "delete_s": 0}

TWO = """
stack: net
region: bj
connections:
  - {name: app-to-db, local_vpc_id: vpc-app01, peer_vpc_id: vpc-db0001, bandwidth_in_mbps: 10,
     dns_sync: true}
  - {name: web-to-cache, local_vpc_id: vpc-web001, peer_vpc_id: vpc-cache01,
     bandwidth_in_mbps: 20}
"""


def test_a_create_accepted_but_not_active_at_the_timeout_is_reported_as_created(
        make_world, tmp_path):
    world = make_world(timing=SLOW)
    path = str(write(tmp_path / "m" / "net.yaml", TWO))
    result = world.run("apply", path, "--auto-approve", "--timeout", "1")

    assert result.code == 1
    assert "Apply incomplete: 2 not yet settled, 0 not started; 2 created" in result.out
    assert "net/web-to-cache [id=peerconn-" in result.out
    assert "created, not yet active; timed out after 1s waiting for status active " \
           "(last seen: creating) (steps done: create)" in result.out
    assert "(steps done: create; not done: open_dns)" in result.out
    assert "steps done: none" not in result.out
    assert "Nothing else was changed" not in result.out
    assert "Nothing was changed" not in result.out

    # Planned again, the creating connection is no change, but it is not hidden either.
    plan = world.run("plan", path, "--target", "web-to-cache")
    assert "No changes. The live connections match the manifests, but not everything has " \
           "settled. Still pending:\n  - net/web-to-cache: not yet active (status creating)" \
           in plan.out


def test_nothing_was_changed_only_when_no_step_was_done(make_world, tmp_path):
    # The simulator's quota is stricter than the plan's default, so BCE refuses both creates.
    world = make_world(quotas={"per_vpc": 0, "per_account": 0})
    path = str(write(tmp_path / "m" / "net.yaml", TWO))
    result = world.run("apply", path, "--auto-approve")
    assert result.code == 1, result.out + result.err
    assert "Apply failed: 2 failed, 0 not started; 0 created" in result.out
    assert "(steps done: none; not done: create, open_dns)" in result.out
    assert result.out.rstrip().endswith(
        "Nothing was changed. Run plan and apply again to converge.")


def test_wait_progress_gives_the_change_total_time_and_the_state_it_waits_on(tmp_path):
    # One connection, so that one thread alone moves the shared clock.
    manifest = write(tmp_path / "m" / "net.yaml", TWO.split("  - {name: web")[0])
    with Driver(world_data(timing=SLOW), tmp_path) as driver:
        now = [1000.0]

        def sleep(seconds: float) -> None:  # the run's clock and the simulator's move together
            now[0] += seconds
            driver.server.advance(seconds)

        lines: list[str] = []
        options = ApplyOptions(timeout=600, progress_every=10)
        result = Executor(driver.connector().api_for, options=options, clock=lambda: now[0],
                          sleep=sleep, progress=lines.append).apply(driver.plan([manifest]))
    assert result.ok, result
    text = "\n".join(lines)
    assert "app-to-db: still waiting for status active (now creating)... [10s elapsed]" in text
    dns = [line for line in lines if "still waiting for dnsStatus open" in line]
    assert dns, text
    # The DNS wait began after the 20 s create: its line counts from the change's start.
    elapsed = int(dns[0].rsplit("[", 1)[1].split("s", 1)[0])
    assert elapsed >= 30, dns[0]


def test_a_piped_yes_confirms_and_anything_else_cancels(make_world, tmp_path, monkeypatch):
    world = make_world()
    path = str(write(tmp_path / "m" / "net.yaml", TWO))
    for answer in ("no\n", ""):
        monkeypatch.setattr("sys.stdin", io.StringIO(answer))
        refused = world.run("apply", path)
        assert refused.code == 1 and "Apply cancelled." in refused.out, refused.err
        assert "Traceback" not in refused.out + refused.err
    assert world.mutating() == 0

    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    applied = world.run("apply", path)
    assert applied.code == 0, applied.out + applied.err
    assert "Enter a value: yes\n" in applied.out
    assert "Apply complete! Connections: 2 created" in applied.out
