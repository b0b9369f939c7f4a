"""YAML scalars for the exported manifest. Pure.

Owns: ``scalar``, the text of a value that YAML reads back as exactly that value — plain when
that is safe, else a double-quoted string with every character YAML may not carry raw escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
# Words YAML 1.1 or 1.2 would read as something other than a string.
_KEYWORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan",
                       "inf"})


def scalar(value: Any) -> str:
    """A YAML scalar that reads back as exactly ``value``: plain when safe, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _KEYWORDS:
        return text
    # A JSON string is a YAML double-quoted scalar with the same value, once the characters
    # YAML may not carry raw (C1 controls, DEL, lone surrogates, NEL) are escaped too.
    return "".join(c if _printable(c) else _escape(c) for c in json.dumps(text,
                                                                          ensure_ascii=False))


def _printable(char: str) -> bool:
    # YAML's printable set, less its extra line breaks (NEL, LS, PS), which it would fold.
    code = ord(char)
    return (0x20 <= code <= 0x7E or code in (0x09, 0x0A, 0x0D)
            or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
            or 0xE000 <= code <= 0xFFFD or code >= 0x10000)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
