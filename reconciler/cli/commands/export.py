"""``peerconn export``: live connections as a manifest. Lists the requested VPCs strictly, then
each connection's other end leniently (to learn whether it is same-account), then the route
tables of the adopted connections' VPCs and — only where a rule could become ``peer_vpc`` /
``local_vpc`` — the other VPC's detail, in the observation's pool; and checks the text with
the manifest loader before anything is written."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reconciler.adopt import (
    Export,
    ExportRequest,
    adopted,
    detail_jobs,
    export_manifest,
    sides_of,
    table_jobs,
)
from reconciler.cli.commands.common import (
    connector,
    out,
)
from reconciler.cli.connect import Connector
from reconciler.cli.exitcodes import EXIT_OK
from reconciler.client.config import ENV_REGION
from reconciler.errors import (
    AuthError,
    ConfigError,
    Diagnostic,
    ManifestError,
    NotFoundError,
    UserError,
    ValidationError,
)
from reconciler.manifest import load_paths
from reconciler.manifest.models import NAME_PATTERN, VPC_ID_PATTERN
from reconciler.model import (
    GONE_STATUSES,
    REGIONS,
    PeerConn,
)
from reconciler.observe import ListJob, observe
from reconciler.observe.live import Context, LiveState


def cmd_export(args: argparse.Namespace) -> int:
    request = _export_request(args)
    conn = connector(args)
    try:
        views, peer_ends = _read_live(conn, request, args.parallelism)
        routes = _read_routes(conn, request, views, peer_ends, args.parallelism)
    finally:
        conn.close()
    result = export_manifest(request, views, peer_ends, routes)
    _check_loads(result)
    summary = (f"Exported {len(result.connections)} connection(s) and "
               f"{len(result.acceptances)} acceptance(s) as stack '{result.stack}'"
               + (f"; {len(result.skipped)} left out (see the comments)" if result.skipped
                  else "") + ".")
    if args.out:
        _write(args.out, result.text)
        out(f"{summary}\nWrote {args.out}. Check it with: peerconn plan {args.out}\n")
    else:
        out(result.text)
        print(summary, file=sys.stderr)  # stdout stays a clean manifest for redirection
    return EXIT_OK

def _export_request(args: argparse.Namespace) -> ExportRequest:
    problems = []
    region = (args.region or os.environ.get(ENV_REGION, "")).strip().lower()
    if not region:
        problems.append(Diagnostic("export needs the region of the VPCs",
                                   hint=f"pass --region (one of {', '.join(REGIONS)}) or set "
                                        f"{ENV_REGION}"))
    elif region not in REGIONS:
        problems.append(Diagnostic(f"unknown region {region!r}",
                                   hint=f"use one of {', '.join(REGIONS)}"))
    problems += [Diagnostic(f"--vpc {vpc!r} is not a VPC id",
                            hint="VPC ids look like vpc-abc123 (lowercase letters and digits)")
                 for vpc in args.vpc if not re.fullmatch(VPC_ID_PATTERN, vpc)]
    if args.stack is not None and not re.fullmatch(NAME_PATTERN, args.stack):
        problems.append(Diagnostic(f"--stack {args.stack!r} is not a valid stack name",
                                   hint="lowercase letters, digits and '-', 1-63 characters"))
    if problems:
        raise ConfigError(problems)
    return ExportRequest(region=region, vpc_ids=tuple(dict.fromkeys(args.vpc)),
                         stack=args.stack, profile=args.profile)

def _read_live(conn: Connector, request: ExportRequest,
               parallelism: int) -> tuple[list[PeerConn], list[PeerConn]]:
    """The requested VPCs' views (any failure fails the export), then what this account can
    list of each connection's other VPC (another account's VPC lists nothing)."""
    ctx = Context(request.profile, request.region)
    live = observe([ListJob(ctx, vpc) for vpc in request.vpc_ids], conn.api_for,
                   parallelism=parallelism)
    views = [v for v in live.views(ctx) if v.status not in GONE_STATUSES]
    others = sorted({(v.peer_region or request.region, v.peer_vpc_id) for v in views})

    def other_end(where: tuple[str, str]) -> list[PeerConn]:
        return _list_if_ours(conn, Context(request.profile, where[0]), where[1])

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        listed = [v for batch in pool.map(other_end, others) for v in batch]
    return views, listed

def _read_routes(conn: Connector, request: ExportRequest, views: list[PeerConn],
                 peer_ends: list[PeerConn], parallelism: int) -> LiveState:
    """One route table per VPC of the adopted entries; then the other VPC's detail where a
    side has rules through its connection (its CIDRs decide whether they are a symbol)."""
    sides = sides_of(request, adopted(request, views, peer_ends)[0])
    live = observe(table_jobs(sides), conn.api_for, parallelism=parallelism)
    more = detail_jobs(sides, live)
    if more:
        live.merge(observe(more, conn.api_for, parallelism=parallelism))
    return live

def _list_if_ours(conn: Connector, ctx: Context, vpc_id: str) -> list[PeerConn]:
    # Another account's VPC lists as empty, or is refused; either way its end is not ours.
    try:
        return list(conn.api_for(ctx).list_all(vpc_id=vpc_id))
    except (NotFoundError, ValidationError):
        return []
    except AuthError as exc:
        if (exc.code or "").lower() == "accessdenied":
            return []
        raise

def _check_loads(result: Export) -> None:
    """Our own loader must accept what we are about to hand the user."""
    with tempfile.TemporaryDirectory(prefix="peerconn-export-") as folder:
        path = Path(folder, "export.yaml")
        path.write_text(result.text, encoding="utf-8")
        try:
            state = load_paths([path])
        except ManifestError as exc:
            detail = "; ".join(d.render().replace(str(path), "export") for d in exc.diagnostics)
            raise UserError(Diagnostic("the exported manifest does not validate; nothing was "
                                       "written", detail=detail,
                                       hint="please report this as a peerconn bug")) from None
    if (len(state.connections), len(state.acceptances)) != \
            (len(result.connections), len(result.acceptances)):
        raise UserError(Diagnostic("the exported manifest does not read back as written",
                                   hint="please report this as a peerconn bug"))

def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(Diagnostic(f"cannot write the manifest: {exc.strerror}",
                                   file=path)) from None
