"""BCE's VPC rules at plan time, over the VPCs the observation read. Pure.

Owns: the refusals BCE would otherwise give half-way through an apply (``PeerConn.InvalidVpcId``,
``PeerConn.RegionMismatch``): a ``local_vpc_id`` (of a connection or an acceptance) that the
file's account does not have in the file's region; a same-account ``peer_vpc_id`` the account
does not have at all; a same-account peer VPC in another region than ``peer_region``. Each is a
``Diagnostic`` at the offending field, in validate's style. Only contexts whose VPC list was
read are judged (``LiveState.vpcs_read``), so a state without VPC reads (a saved plan's
re-check, planner unit tests) is never refused. A peer VPC of another account cannot be read
with our credentials and is not checked. Entries with ``ensure: absent`` are not checked: a
release needs no VPC. Never imports the client; reads neither clock nor environment.
"""

from __future__ import annotations

from reconciler.errors import Diagnostic
from reconciler.manifest.rules import at
from reconciler.model import DesiredAcceptance, DesiredConnection, DesiredState
from reconciler.observe.live import Context, LiveState

Entry = DesiredConnection | DesiredAcceptance


def check(desired: DesiredState, live: LiveState) -> list[Diagnostic]:
    """Every VPC rule violation of the run, in manifest order."""
    found: list[Diagnostic] = []
    for conn in desired.connections:
        if conn.ensure == "absent":
            continue
        found += _local(conn, live)
        if conn.peer_account_id is None:
            found += _peer(conn, live)
    for acc in desired.acceptances:
        found += _local(acc, live)
    return found


def _account(profile: str | None) -> str:
    return f"account of profile {profile or 'default'}"


def _local(entry: Entry, live: LiveState) -> list[Diagnostic]:
    ctx = Context(entry.profile, entry.region)
    if not live.vpcs_read(ctx):
        return []
    vpc = live.vpc(entry.profile, entry.local_vpc_id)
    if vpc is not None and vpc.region == entry.region:
        return []
    summary = (f"VPC {entry.local_vpc_id} does not exist in region {entry.region} "
               f"({_account(entry.profile)})")
    if vpc is not None:
        return [at(entry, "local_vpc_id", summary, detail=f"it is in region {vpc.region}",
                   hint=f"a file's VPCs share its region: move this entry to a file with "
                        f"region: {vpc.region}")]
    return [at(entry, "local_vpc_id", summary,
               hint="check the id (peerconn export --vpc ID lists what a VPC has), the "
                    "file's region and its profile")]


def _peer(conn: DesiredConnection, live: LiveState) -> list[Diagnostic]:
    ctx = Context(conn.profile, conn.peer_region)
    if not live.vpcs_read(ctx):
        return []
    vpc = live.vpc(conn.profile, conn.peer_vpc_id)
    if vpc is not None and vpc.region == conn.peer_region:
        return []
    if vpc is not None:
        declared = "peer_region" in conn.field_sources
        detail = "" if declared else f"peer_region defaults to the file's region, {conn.region}"
        return [at(conn, "peer_region",
                   f"peer VPC {conn.peer_vpc_id} is in region {vpc.region}, not "
                   f"{conn.peer_region}; BCE refuses the create (RegionMismatch)",
                   near=("peer_vpc_id",), detail=detail,
                   hint=f"set peer_region: {vpc.region}")]
    return [at(conn, "peer_vpc_id",
               f"VPC {conn.peer_vpc_id} does not exist in region {conn.peer_region} "
               f"({_account(conn.profile)})",
               hint="a VPC of another account needs peer_account_id; otherwise check the id "
                    "and peer_region")]
