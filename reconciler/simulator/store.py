"""Persistence of the simulated cloud in a JSON file shared between processes.

Owns: the file format of the state (``State`` ↔ JSON), atomic writes (temporary file in the
same directory, then ``os.replace``), reloading when another process changed the file, and an
advisory lock (``flock`` on a sibling ``.lock`` file) that serialises read-modify-write cycles
of concurrent ``--sim`` runs. Must not interpret records or apply rules.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # POSIX only; elsewhere concurrent processes are simply not serialised.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION = 1


@dataclass
class State:
    """Everything that changes while the simulator runs (the world file never changes)."""

    conns: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: dict[str, dict[str, Any]] = field(default_factory=dict)  # custom rules by id
    seq: int = 0
    offset: float = 0.0  # seconds added to the clock by advance()

    def to_json(self, world_digest: str) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "world": world_digest, "seq": self.seq,
                "offset": self.offset, "connections": list(self.conns.values()),
                "tokens": self.tokens, "routes": list(self.routes.values())}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        conns = {rec["id"]: rec for rec in data.get("connections", [])}
        routes = {rule["id"]: rule for rule in data.get("routes", [])}
        return cls(conns=conns, tokens=dict(data.get("tokens", {})), routes=routes,
                   seq=int(data.get("seq", 0)), offset=float(data.get("offset", 0.0)))


class StateStore:
    """One JSON state file plus its lock file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._stamp: tuple[int, int, int] | None = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def read_if_changed(self) -> dict[str, Any] | None:
        """The file's data if it changed since this process last read or wrote it."""
        stamp = self._current_stamp()
        if stamp is None or stamp == self._stamp:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable or torn by a foreign writer: keep what we have
        self._stamp = stamp
        return data if isinstance(data, dict) and data.get("version") == FORMAT_VERSION else None

    def write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)
