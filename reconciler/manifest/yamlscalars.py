"""How plain YAML scalars read: naming values for users, and where YAML 1.1 and 1.2 disagree.

Owns: ``describe`` (a value as an error message names it: ``the boolean false``) and
``yaml12_reading`` (how the YAML 1.2 core schema reads a plain scalar, when that differs from
PyYAML's YAML 1.1 reading: ``no``, ``0123``, ``1e3``). Pure functions; knows nothing about files
or manifests.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

_Y12_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_Y12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Y12_INT = re.compile(r"^[-+]?[0-9]+$")
_Y12_OCT = re.compile(r"^0o[0-7]+$")
_Y12_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_Y12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_Y12_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_Y12_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

#: Every YAML 1.2 core-schema reading other than text starts with one of these characters.
_Y12_NOT_TEXT_START = frozenset("~nNtTfF0123456789+-.")


def describe(value: Any) -> str:
    """A value as a user would name it in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return "text"
    return "a " + ("mapping" if isinstance(value, dict) else "list")


def _yaml12_value(raw: str) -> Any:
    """A plain scalar as the YAML 1.2 core schema reads it."""
    if _Y12_NULL.match(raw):
        return None
    if _Y12_BOOL.match(raw):
        return raw.lower() == "true"
    try:
        if _Y12_INT.match(raw):
            return int(raw)
        if _Y12_OCT.match(raw):
            return int(raw[2:], 8)
        if _Y12_HEX.match(raw):
            return int(raw[2:], 16)
    except ValueError:
        return 0
    if _Y12_FLOAT.match(raw):
        return float(raw)
    if _Y12_INF.match(raw):
        return -math.inf if raw.startswith("-") else math.inf
    if _Y12_NAN.match(raw):
        return math.nan
    return raw


def yaml12_reading(raw: str, yaml11_value: Any) -> str | None:
    """How YAML 1.1 and 1.2 differ on a plain scalar, or None when they agree."""
    if raw and raw[0] not in _Y12_NOT_TEXT_START and isinstance(yaml11_value, str):
        return None  # text to both (the common case, decided without a regular expression)
    other = _yaml12_value(raw)
    if type(other) is type(yaml11_value):
        both_nan = isinstance(other, float) and math.isnan(other) and math.isnan(yaml11_value)
        if both_nan or other == yaml11_value:
            return None
    return f"YAML 1.1 reads it as {describe(yaml11_value)}, YAML 1.2 as {describe(other)}"
