"""``peerconn validate``: the manifests offline, reported in text, JSON or GitHub annotations."""

from __future__ import annotations

import argparse
import sys

from reconciler.cli.commands.common import (
    out,
)
from reconciler.errors import (
    ManifestError,
)
from reconciler.manifest import load_paths


def cmd_validate(args: argparse.Namespace) -> int:
    from reconciler.manifest import report

    try:
        outcome = report.valid(load_paths(args.paths))
    except ManifestError as exc:
        shown_all = args.all_errors or args.format == "json"
        outcome = report.invalid(exc, None if shown_all else report.SHOWN)
    return report.report(outcome, args.format, out, sys.stderr.write)
