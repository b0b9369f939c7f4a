"""The manifest JSON Schema editors use, as ``peerconn schema`` prints or writes it.

Owns: the exact text of the schema file (``render``) and the check that a file holds it
(``is_current``). The schema itself comes from the pydantic models in ``manifest.models``.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.manifest.models import manifest_json_schema


def render() -> str:
    return json.dumps(manifest_json_schema(), indent=2, ensure_ascii=False) + "\n"


def is_current(path: Path) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == render()
