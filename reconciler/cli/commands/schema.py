"""``peerconn schema``: the manifest JSON Schema, for editors (YAML language servers) and CI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reconciler.cli.commands.common import out
from reconciler.cli.exitcodes import EXIT_ERROR, EXIT_OK
from reconciler.errors import ConfigError, Diagnostic
from reconciler.manifest.schema import is_current, render


def cmd_schema(args: argparse.Namespace) -> int:
    if args.out is None:
        out(render())
        return EXIT_OK
    path = Path(args.out)
    if args.check:
        if is_current(path):
            return EXIT_OK
        print(f"Error: {path} is not the current schema; write it with "
              f"`peerconn schema --out {path}`", file=sys.stderr)
        return EXIT_ERROR
    try:
        path.write_text(render(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(Diagnostic(f"cannot write the schema: {exc.strerror}",
                                     file=str(path))) from None
    print(f"Wrote {path}.", file=sys.stderr)
    return EXIT_OK
