"""``peerconn validate``: the manifests offline, reported in text, JSON or GitHub annotations."""

from __future__ import annotations

import argparse
import sys

from reconciler.errors import (
    ManifestError,
)
from reconciler.manifest import load_paths


def out(text: str) -> None:
    """Like ``common.out``; not imported from there, which would import the whole planner."""
    sys.stdout.write(text)
    sys.stdout.flush()


def cmd_validate(args: argparse.Namespace) -> int:
    from reconciler.manifest import report

    try:
        outcome = report.valid(load_paths(args.paths))
    except ManifestError as exc:
        shown_all = args.all_errors or args.format == "json"
        outcome = report.invalid(exc, None if shown_all else report.SHOWN)
    return report.report(outcome, args.format, out, sys.stderr.write)
