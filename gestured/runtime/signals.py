"""Signals a running daemon obeys.

SIGTERM and SIGINT stop the daemon cleanly (SIGINT, Ctrl-C, before any frame arrived
counts as a failure), SIGHUP reloads gestures.yaml, SIGUSR1 pauses or resumes (the
camera is released while paused).
"""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Callable, Protocol

from gestured.errors import StopRequested

logger = logging.getLogger(__name__)


class Controllable(Protocol):
    """What signals act on (the Daemon); each call must be safe from a signal handler."""

    def stop(self) -> None: ...

    def cancel(self) -> None: ...

    def request_reload(self) -> None: ...

    def toggle_pause(self) -> None: ...


def install_signal_handlers(target: Controllable) -> Callable[[], None]:
    """Route SIGTERM -> stop, SIGINT -> cancel, SIGHUP -> reload, SIGUSR1 -> pause/resume.

    Must run on the main thread. Returns a function that restores the previous handlers.
    """
    routes: dict[signal.Signals, Callable[[], None]] = {
        signal.SIGTERM: target.stop,
        signal.SIGINT: target.cancel,
        signal.SIGHUP: target.request_reload,
        signal.SIGUSR1: target.toggle_pause,
    }
    previous = {}
    for signal_number, action in routes.items():
        previous[signal_number] = signal.signal(signal_number, _handler(signal_number, action))

    def restore() -> None:
        for signal_number, handler in previous.items():
            signal.signal(signal_number, handler)

    return restore


class StartupSignals:
    """Signal handling from the first line of `run` until the daemon exists.

    SIGTERM/SIGINT abort the start-up (StopRequested); SIGHUP and SIGUSR1 are remembered
    and replayed on the daemon by `hand_over` (the default action of both would kill us:
    `systemctl reload` right after a start did).
    """

    def __init__(self) -> None:
        self.reload = False
        self.pause_toggles = 0
        self._previous: dict[signal.Signals, object] = {}

    def install(self) -> "StartupSignals":
        """Route the four signals here (main thread only); returns self."""
        routes = {signal.SIGTERM: self._stop, signal.SIGINT: self._stop,
                  signal.SIGHUP: self._reload, signal.SIGUSR1: self._pause}
        for number, handler in routes.items():
            self._previous[number] = signal.signal(number, handler)
        return self

    def _stop(self, number: int, _frame: FrameType | None) -> None:
        raise StopRequested(signal.Signals(number).name)

    def _reload(self, _number: int, _frame: FrameType | None) -> None:
        self.reload = True

    def _pause(self, _number: int, _frame: FrameType | None) -> None:
        self.pause_toggles += 1

    def hand_over(self, target: Controllable) -> None:
        """Route the signals to `target` and replay the SIGHUP and SIGUSR1 that arrived."""
        install_signal_handlers(target)
        if self.reload:
            target.request_reload()
        if self.pause_toggles % 2:
            target.toggle_pause()

    def restore(self) -> None:
        """Put back the handlers from before `install`."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def _handler(signal_number: signal.Signals, action: Callable[[], None]) -> Callable[[int, FrameType | None], None]:
    def handle(_number: int, _frame: FrameType | None) -> None:
        logger.debug("received %s", signal_number.name)
        action()

    return handle
