"""The ``peerconn`` command line: parse → call → render → exit code; nothing else.

Every failure the package raises on purpose is rendered here as a one-line cause (plus
diagnostics) and an exit code; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from reconciler import __version__
from reconciler.errors import PeerconnError, UserError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_STALE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peerconn",
        description="Declarative reconciler for Baidu AI Cloud (BCE) VPC peering connections.",
    )
    parser.add_argument("--version", action="version", version=f"peerconn {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    try:
        return int(args.handler(args))
    except UserError as exc:
        for diag in exc.diagnostics:
            print(f"Error: {diag.render()}", file=sys.stderr)
        return EXIT_ERROR
    except PeerconnError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
