"""Signals a running daemon obeys.

SIGTERM and SIGINT stop the daemon cleanly (SIGINT, Ctrl-C, before any frame arrived
counts as a failure), SIGHUP reloads gestures.yaml, SIGUSR1 pauses or resumes (the
camera is released while paused).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Callable, Protocol

from gestured.errors import StopRequested

logger = logging.getLogger(__name__)

RESTORE_TIMEOUT = 2.0  # seconds to wait for the signal thread to finish what it read


class Controllable(Protocol):
    """What signals act on (the Daemon); each call must be safe from another thread (the
    signal thread of install_signal_handlers)."""

    def stop(self) -> None: ...

    def cancel(self) -> None: ...

    def request_reload(self) -> None: ...

    def toggle_pause(self) -> None: ...


def install_signal_handlers(target: Controllable) -> Callable[[], None]:
    """Route SIGTERM -> stop, SIGINT -> cancel, SIGHUP -> reload, SIGUSR1 -> pause/resume.

    The actions run on a thread of their own, never inside a signal handler: a handler runs
    on the main thread wherever it was interrupted, so an action taking a lock that the main
    thread held there (an Event's, logging's, its own from a signal a moment before) would
    deadlock the daemon, as a storm of SIGHUPs then SIGTERM once did. The C-level handler
    writes each signal's number to a pipe (signal.set_wakeup_fd), the Python-level one does
    nothing, and the thread reads the pipe and acts, in order.

    Must run on the main thread. Returns a function that restores the previous handlers.
    """
    routes: dict[int, Callable[[], None]] = {
        signal.SIGTERM: target.stop,
        signal.SIGINT: target.cancel,
        signal.SIGHUP: target.request_reload,
        signal.SIGUSR1: target.toggle_pause,
    }
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_wakeup = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    previous = {number: signal.signal(number, _noted) for number in routes}
    thread = threading.Thread(target=_act_on_signals, args=(read_end, routes), name="gestured-signals", daemon=True)
    thread.start()

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_wakeup)
        os.close(write_end)  # the thread acts on what is left in the pipe, then sees its end
        thread.join(RESTORE_TIMEOUT)
        if not thread.is_alive():
            os.close(read_end)

    return restore


class StartupSignals:
    """Signal handling from the first line of `run` until the daemon exists.

    SIGTERM/SIGINT abort the start-up (StopRequested); SIGHUP and SIGUSR1 are remembered
    and replayed on the daemon by `hand_over` (the default action of both would kill us:
    `systemctl reload` right after a start did). A stop is remembered too: should the
    exception land where a library swallows it, `hand_over` stops the daemon at once.
    """

    def __init__(self) -> None:
        self.stopped_by: str | None = None
        self.reload = False
        self.pause_toggles = 0
        self._previous: dict[signal.Signals, object] = {}
        self._restore_handed_over: Callable[[], None] | None = None

    def install(self) -> "StartupSignals":
        """Route the four signals here (main thread only); returns self."""
        routes = {signal.SIGTERM: self._stop, signal.SIGINT: self._stop,
                  signal.SIGHUP: self._reload, signal.SIGUSR1: self._pause}
        for number, handler in routes.items():
            self._previous[number] = signal.signal(number, handler)
        return self

    def _stop(self, number: int, _frame: FrameType | None) -> None:
        self.stopped_by = signal.Signals(number).name
        raise StopRequested(self.stopped_by)

    def _reload(self, _number: int, _frame: FrameType | None) -> None:
        self.reload = True

    def _pause(self, _number: int, _frame: FrameType | None) -> None:
        self.pause_toggles += 1

    def hand_over(self, target: Controllable) -> None:
        """Route the signals to `target` and replay the signals that arrived."""
        self._restore_handed_over = install_signal_handlers(target)
        if self.stopped_by is not None:
            (target.cancel if self.stopped_by == "SIGINT" else target.stop)()
        if self.reload:
            target.request_reload()
        if self.pause_toggles % 2:
            target.toggle_pause()

    def restore(self) -> None:
        """Put back the handlers from before `install` (and end `hand_over`'s routing)."""
        if self._restore_handed_over is not None:
            self._restore_handed_over()
            self._restore_handed_over = None
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def _noted(_number: int, _frame: FrameType | None) -> None:
    """The Python-level handler: nothing (the wakeup pipe carries the signal to its thread)."""


def _act_on_signals(read_end: int, routes: dict[int, Callable[[], None]]) -> None:
    """Read signal numbers from the wakeup pipe and run their actions until the pipe closes."""
    while True:
        try:
            received = os.read(read_end, 512)
        except OSError:
            return
        if not received:
            return
        for number in received:
            action = routes.get(number)
            if action is None:
                continue
            logger.debug("received %s", signal.Signals(number).name)
            try:
                action()
            except Exception:  # an action that fails must not end signal handling
                logger.exception("handling %s failed", signal.Signals(number).name)
