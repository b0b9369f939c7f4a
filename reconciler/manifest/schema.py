"""Writes the manifest JSON Schema file that editors use: ``python -m reconciler.manifest.schema``.

Owns: the committed file's exact text (``render``). ``--check`` exits 1 when the file is out of
date instead of writing it. The schema itself comes from ``manifest_models``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from reconciler.manifest.models import manifest_json_schema

DEFAULT_PATH = Path("specs/manifest.schema.json")


def render() -> str:
    return json.dumps(manifest_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.manifest.schema")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is out of date; run python -m reconciler.manifest.schema",
                  file=sys.stderr)
            return 1
        return 0
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
