"""Manifests on disk → a validated ``DesiredState``, or every problem of the run at once.

Owns: which files a run reads (directories recursively, ``*.yaml``/``*.yml`` in sorted order,
hidden entries skipped; explicit files whatever their extension), how they are named in
diagnostics (relative to the working directory when possible), and the pipeline
hardened YAML (``yamlsafe``) → schema (``manifest_models``) → domain values
(``manifest_build``) → rules (``manifest_rules``). ``load_paths`` raises ``ManifestError``
carrying all diagnostics sorted by file and line; no other exception escapes it.
Must not talk to the cloud or read credentials.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler import yamlsafe
from reconciler.errors import Diagnostic, ManifestError
from reconciler.manifest_build import build_manifest
from reconciler.manifest_diagnostics import (
    at,
    dialect_diagnostics,
    error_paths,
    schema_diagnostics,
)
from reconciler.manifest_models import (
    AcceptanceSpec,
    ConnectionSpec,
    ManifestSpec,
    manifest_json_schema,
)
from reconciler.manifest_rules import validate_rules
from reconciler.model import DesiredState, StackManifest

__all__ = ["load_paths", "manifest_json_schema", "validate_rules"]

SUFFIXES = (".yaml", ".yml")
SECTIONS: dict[str, type[BaseModel]] = {"connections": ConnectionSpec, "acceptances": AcceptanceSpec}


def load_paths(paths: Sequence[str | os.PathLike[str]]) -> DesiredState:
    """Read, validate and check every manifest under ``paths``."""
    problems: list[Diagnostic] = []
    manifests: list[StackManifest] = []
    try:
        for display, path in _discover(paths, problems):
            manifest = _load_file(display, path, problems)
            if manifest is not None:
                manifests.append(manifest)
        state = DesiredState(tuple(manifests))
        problems += validate_rules(state)
    except Exception as exc:  # a bug must still surface as a diagnostic, never a traceback
        problems.append(Diagnostic(f"internal error while reading manifests: {exc!r}",
                                   hint="please report this as a peerconn bug"))
    if problems:
        raise ManifestError(sort_diagnostics(problems))
    return state


def sort_diagnostics(problems: Sequence[Diagnostic]) -> list[Diagnostic]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda d: (d.file or "", d.line or 0, d.column or 0,
                                         d.field or "", d.summary))


def _discover(paths: Sequence[str | os.PathLike[str]],
              problems: list[Diagnostic]) -> Iterator[tuple[str, FsPath]]:
    if not paths:
        problems.append(Diagnostic("no manifest paths given"))
    seen: set[FsPath] = set()
    for given in paths:
        for path in _expand(FsPath(given), problems):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield display_name(path), path


def _expand(path: FsPath, problems: list[Diagnostic]) -> list[FsPath]:
    if path.is_dir():
        found = sorted(_walk(path), key=lambda p: p.relative_to(path).as_posix())
        if not found:
            problems.append(Diagnostic("no *.yaml or *.yml files in this directory",
                                       file=display_name(path)))
        return found
    if not path.exists():
        problems.append(Diagnostic("no such file or directory", file=display_name(path)))
        return []
    return [path]


def _walk(root: FsPath) -> Iterator[FsPath]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(SUFFIXES) and not name.startswith("."):
                yield FsPath(folder, name)


def display_name(path: FsPath) -> str:
    """The path relative to the working directory when it lies below it, else as given."""
    try:
        absolute = path.absolute()
        return absolute.relative_to(FsPath.cwd()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _read(display: str, path: FsPath) -> bytes:
    limit = yamlsafe.MAX_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise ManifestError(yamlsafe.too_large(display, size, limit))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ManifestError(Diagnostic(f"cannot read file: {exc.strerror or exc}",
                                       file=display)) from None
    if len(data) > limit:
        raise ManifestError(yamlsafe.too_large(display, len(data), limit))
    return data


def _load_file(display: str, path: FsPath, problems: list[Diagnostic]) -> StackManifest | None:
    try:
        doc = yamlsafe.load(_read(display, path), display)
    except ManifestError as exc:
        problems.extend(exc.diagnostics)
        return None
    return check_document(doc, problems)


def check_document(doc: yamlsafe.YamlDocument, problems: list[Diagnostic]) -> StackManifest | None:
    """Schema-check one parsed file and build what is valid of it."""
    if not isinstance(doc.value, dict):
        problems.append(_not_a_mapping(doc))
        return None
    try:
        spec = ManifestSpec.model_validate(doc.value)
    except ValidationError as exc:
        problems += schema_diagnostics(doc, exc)
        problems += dialect_diagnostics(doc, error_paths(exc))
        return _salvage(doc, exc, problems)
    problems += dialect_diagnostics(doc, ())
    manifest, found = build_manifest(doc, spec, list(enumerate(spec.connections)),
                                     list(enumerate(spec.acceptances)))
    problems += found
    return manifest


def _not_a_mapping(doc: yamlsafe.YamlDocument) -> Diagnostic:
    if doc.value is None:
        return at(doc, (), "the manifest is empty", hint="a manifest needs at least stack and region")
    return at(doc, (), f"the top level must be a mapping, not {yamlsafe.describe(doc.value)}",
              hint="start with 'stack: <name>' and 'region: <region>'")


def _salvage(doc: yamlsafe.YamlDocument, exc: ValidationError,
             problems: list[Diagnostic]) -> StackManifest | None:
    """When only some entries are invalid, keep the rest so cross-entry rules still run."""
    bad: set[tuple[str, int]] = set()
    for path in error_paths(exc):
        if len(path) < 2 or path[0] not in SECTIONS or not isinstance(path[1], int):
            return None
        bad.add((str(path[0]), path[1]))
    value: dict[str, Any] = doc.value
    header = ManifestSpec.model_validate({k: v for k, v in value.items() if k not in SECTIONS})
    good: dict[str, list[Any]] = {}
    for section, model in SECTIONS.items():
        entries = value.get(section) or []
        good[section] = [(i, model.model_validate(e)) for i, e in enumerate(entries)
                         if (section, i) not in bad]
    manifest, found = build_manifest(doc, header, good["connections"], good["acceptances"])
    problems += found
    return manifest
