"""Manifests on disk → a validated ``DesiredState``, or every problem of the run at once.

Owns: which files a run reads (directories recursively, ``*.yaml``/``*.yml`` in sorted order,
hidden entries skipped; explicit files whatever their extension), how they are named in
diagnostics (relative to the working directory when possible), and the pipeline
hardened YAML (``yamlsafe``) → schema (``manifest_models``) → domain values
(``manifest_build``) → rules (``manifest_rules``), each entry of a file schema-checked on its
own. ``load_paths`` raises ``ManifestProblems`` (a ``ManifestError``, ``manifest_problems``)
counting every problem and giving them in file order; no other exception escapes it.
Must not talk to the cloud or read credentials.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Iterator, Sequence
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.errors import Diagnostic, ManifestError
from reconciler.manifest import yamlsafe
from reconciler.manifest.build import build_manifest
from reconciler.manifest.diagnostics import at, dialect_diagnostics, schema_problems
from reconciler.manifest.models import (
    AcceptanceSpec,
    ConnectionSpec,
    ManifestSpec,
    manifest_json_schema,
)
from reconciler.manifest.problems import EntryRun, Problems, sort_diagnostics
from reconciler.manifest.rules import validate_rules
from reconciler.model import DesiredState, StackManifest

__all__ = ["load_paths", "manifest_json_schema", "sort_diagnostics", "validate_rules"]

SUFFIXES = (".yaml", ".yml")
SECTIONS: dict[str, type[BaseModel]] = {"connections": ConnectionSpec, "acceptances": AcceptanceSpec}


def load_paths(paths: Sequence[str | os.PathLike[str]]) -> DesiredState:
    """Read, validate and check every manifest under ``paths``.

    Raises ``ManifestProblems`` (a ``ManifestError``) carrying every problem of the run."""
    problems = Problems()
    manifests: list[StackManifest] = []
    files = 0
    # What is built here is trees of plain values and models, without reference cycles: the
    # cyclic collector's passes over them would cost ~20 % of reading a 1 MiB file, for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for display, path in _discover(paths, problems):
            files += 1
            manifest = _load_file(display, path, problems)
            if manifest is not None:
                manifests.append(manifest)
        state = DesiredState(tuple(manifests))
        problems.extend(validate_rules(state))
    except Exception as exc:  # a bug must still surface as a diagnostic, never a traceback
        problems.add(Diagnostic(f"internal error while reading manifests: {exc!r}",
                                hint="please report this as a peerconn bug"))
    finally:
        if collecting:
            gc.enable()
    if problems:
        raise problems.freeze(files)
    return state


def _discover(paths: Sequence[str | os.PathLike[str]],
              problems: Problems) -> Iterator[tuple[str, FsPath]]:
    if not paths:
        problems.add(Diagnostic("no manifest paths given"))
    seen: set[FsPath] = set()
    for given in paths:
        for path in _expand(FsPath(given), problems):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield display_name(path), path


def _expand(path: FsPath, problems: Problems) -> list[FsPath]:
    if path.is_dir():
        found = sorted(_walk(path), key=lambda p: p.relative_to(path).as_posix())
        if not found:
            problems.add(Diagnostic("no *.yaml or *.yml files in this directory",
                                       file=display_name(path)))
        return found
    if not path.exists():
        problems.add(Diagnostic("no such file or directory", file=display_name(path)))
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


def _load_file(display: str, path: FsPath, problems: Problems) -> StackManifest | None:
    try:
        doc = yamlsafe.load(_read(display, path), display)
    except ManifestError as exc:
        problems.extend(exc.diagnostics)
        return None
    return check_document(doc, problems)


def check_document(doc: yamlsafe.YamlDocument, problems: Problems) -> StackManifest | None:
    """Schema-check one parsed file and build what is valid of it.

    The header (everything but the entry lists) is checked as one; each entry on its own, so
    a bad entry costs one count until its problems are shown, and the good ones are kept for
    the rules that span entries. A file whose header is invalid is left out of those rules."""
    if not isinstance(doc.value, dict):
        problems.add(_not_a_mapping(doc))
        return None
    value: dict[str, Any] = doc.value
    header, reported = _check_header(doc, value, problems)
    good: dict[str, list[tuple[int, Any]]] = {}
    for section, model in SECTIONS.items():
        entries = value.get(section)
        good[section] = _check_entries(doc, section, model, entries, problems, reported) \
            if isinstance(entries, list) else []
    problems.extend(dialect_diagnostics(doc, reported))
    if header is None:
        return None
    manifest, found = build_manifest(doc, header, good["connections"], good["acceptances"])
    problems.extend(found)
    return manifest


def _check_header(doc: yamlsafe.YamlDocument, value: dict[str, Any],
                  problems: Problems) -> tuple[ManifestSpec | None, set[yamlsafe.Path]]:
    """The file without its entries (each entry list stands in as ``[]``)."""
    header = {k: [] if k in SECTIONS and isinstance(v, list) else v for k, v in value.items()}
    try:
        return ManifestSpec.model_validate(header), set()
    except ValidationError as exc:
        found, paths = schema_problems(doc, exc)
        problems.extend(found)
        return None, paths


def _check_entries(doc: yamlsafe.YamlDocument, section: str, model: type[BaseModel],
                   entries: list[Any], problems: Problems,
                   reported: set[yamlsafe.Path]) -> list[tuple[int, Any]]:
    """The valid entries of one list; the invalid ones are counted into an ``EntryRun`` (or,
    when they hold YAML 1.1/1.2 ambiguities, phrased now and added to ``reported``).

    Counting needs no pydantic for an entry that is not a mapping (one problem: "must be a
    mapping") nor for an empty one (always as many as ``{}`` has, asked once per list)."""
    good = []
    with_dialect: dict[yamlsafe.Path, list[yamlsafe.Path]] = {}
    for path in doc.dialect:
        if path[:1] == (section,):
            with_dialect.setdefault(path[:2], []).append(path)
    run: EntryRun | None = None
    empty_count = 0  # problems of ``{}``, once known
    validate = model.model_validate
    for index, entry in enumerate(entries):
        if type(entry) is not dict:
            count = 1
        elif entry or not empty_count:
            try:
                good.append((index, validate(entry)))
                continue
            except ValidationError as exc:
                count = exc.error_count()
            if not entry:
                empty_count = count
        else:
            count = empty_count
        if with_dialect and (section, index) in with_dialect:
            where: yamlsafe.Path = (section, index)  # its count depends on the errors' paths
            reported.add(where)
            problems.extend(_entry_problems(doc, section, model, entries, with_dialect[where], index))
            continue
        if run is None:
            run = EntryRun(doc.file, doc.mark((section, index)),
                           functools.partial(_entry_problems, doc, section, model, entries, []))
            problems.add_run(run)
            add_index, add_count = run.indexes.append, run.counts.append
        add_index(index)
        add_count(count)
    return good


def _entry_problems(doc: yamlsafe.YamlDocument, section: str, model: type[BaseModel],
                    entries: list[Any], dialect: list[yamlsafe.Path], index: int) -> list[Diagnostic]:
    """One invalid entry's problems, phrased (it is checked again: that is cheaper than keeping
    every entry's errors until they are shown)."""
    where: yamlsafe.Path = (section, index)
    try:
        model.model_validate(entries[index])
    except ValidationError as exc:
        found, paths = schema_problems(doc, exc, model, where)
        return list(dict.fromkeys(found + dialect_diagnostics(doc, paths, dialect)))
    return []  # pragma: no cover - it failed a moment ago


def _not_a_mapping(doc: yamlsafe.YamlDocument) -> Diagnostic:
    if doc.value is None:
        return at(doc, (), "the manifest is empty", hint="a manifest needs at least stack and region")
    return at(doc, (), f"the top level must be a mapping, not {yamlsafe.describe(doc.value)}",
              hint="start with 'stack: <name>' and 'region: <region>'")
