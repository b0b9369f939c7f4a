"""SIGINT and SIGTERM for one command run: the only place peerconn touches signal handlers.

Owns: ``Signals``, installed by ``cli.main`` around a command. Outside a graceful section a
first signal ends the command the way Ctrl-C always does (``Stopped`` is raised; the CLI
prints "Interrupted." and exits 128 + the signal number). Inside ``graceful()`` (the part of
apply that changes the cloud) a first signal only sets ``event``, the cancellation token the
executor was given, so the run starts no new call and prints its summary. A second signal
always exits at once, without a traceback: whatever was in flight is abandoned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)

_GRACEFUL = ("\n{name} received: finishing the calls in flight, starting no new ones. "
             "Press Ctrl-C again to stop at once.\n")
_AGAIN = "\n{name} received again: exiting now. Run `peerconn plan` to see what was done.\n"


class Stopped(KeyboardInterrupt):
    """A first signal outside a graceful section; carries the signal number for the exit."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _name(signum: int) -> str:
    return "Interrupt" if signum == signal.SIGINT else "Terminate signal"


def _say(text: str) -> None:
    # os.write, not print: a handler may run while the main thread is inside a write to the
    # same buffered stream, and a re-entrant write there raises.
    with contextlib.suppress(OSError):
        os.write(2, text.encode())


class Signals:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._graceful = False
        self._previous: dict[int, Any] = {}

    @property
    def exit_code(self) -> int | None:
        """128 + the signal that cancelled the run (130 SIGINT, 143 SIGTERM), or None."""
        return 128 + self.signum if self.signum is not None else None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # Python delivers signals to the main thread only; leave them alone
        for signum in HANDLED:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextlib.contextmanager
    def graceful(self) -> Iterator[threading.Event]:
        """While inside, a first signal cancels through the returned event."""
        self._graceful = True
        try:
            yield self.event
        finally:
            self._graceful = False

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None:
            _say(_AGAIN.format(name=_name(signum)))
            os._exit(128 + signum)  # at once: no cleanup may block on a call in flight
        self.signum = signum
        if not self._graceful:
            raise Stopped(signum)
        self.event.set()
        _say(_GRACEFUL.format(name=_name(signum)))
