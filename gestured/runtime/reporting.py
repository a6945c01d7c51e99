"""What the daemon says about its fires and frames.

`FireReporter` hands each fire's action to the executor and reports the outcome once it is
known: one INFO line, the event written out, and kept for the preview until the loop takes
it. `FrameLog` rate-limits what is logged per frame: a failed frame's traceback, and at
DEBUG what each frame held. Neither holds a reference back to the daemon.
"""

from __future__ import annotations

import logging
import queue
from dataclasses import replace
from typing import Callable, Sequence

from gestured.capture.frames import Frame
from gestured.config.settings import describe_action
from gestured.output.actions import Executor
from gestured.runtime.debounce import Fire, Observation
from gestured.runtime.events import GestureEvent

logger = logging.getLogger(__name__)

FRAME_LOG_INTERVAL = 1.0  # seconds between per-frame DEBUG lines
ERROR_LOG_INTERVAL = 10.0  # seconds between logged frame errors when every frame fails


class FireReporter:
    """Fires to the executor, outcomes to `on_event`, the log and the preview.

    app_class: the focused application's class now (named in each event), or None.
    """

    def __init__(self, executor: Executor, on_event: Callable[[GestureEvent], None],
                 app_class: Callable[[], str | None]) -> None:
        self.executor = executor
        self._on_event = on_event
        self._app_class = app_class
        self._reported: queue.SimpleQueue[GestureEvent] = queue.SimpleQueue()

    def dispatch(self, fire: Fire, frame: Frame) -> GestureEvent:
        """Hand the fire's action to the executor; its event goes out once the executor
        reports whether the action ran (at once for a dry run, after the key press or
        the command's start otherwise), so `executed` is never a guess. Returns the fire
        as an event (the pipeline's record of it), its outcome not yet known."""
        action = fire.binding.action
        fired = GestureEvent(
            gesture=fire.observation.gesture,
            confidence=fire.observation.confidence,
            hand=fire.observation.hand,
            t=frame.timestamp,
            frame=frame.index,
            action=describe_action(action),
            executed=False,
            held=fire.held,
            repeat=fire.repeat,
            app=self._app_class(),
        )
        self.executor.execute(
            action, lambda outcome: self._report(replace(fired, executed=outcome.executed, reason=outcome.reason))
        )
        return fired

    def _report(self, event: GestureEvent) -> None:
        """One fired action's outcome: logged, written out, kept for the preview. Any thread."""
        logger.info("%s for %s (%s, %.2f) at %.2f s", event.outcome_text(), event.gesture, event.hand,
                    event.confidence, event.t)
        self._on_event(event)
        self._reported.put(event)

    def take(self) -> list[GestureEvent]:
        """The outcomes reported since the last call, oldest first."""
        events = []
        while not self._reported.empty():
            events.append(self._reported.get_nowait())
        return events


class FrameLog:
    """Per-frame log lines, rate-limited by `clock` (seconds)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._next_frame_log = 0.0
        self._next_error_log = 0.0
        self._errors_not_logged = 0

    def failed(self, frame: Frame) -> None:
        """Log the exception being handled for `frame`: with its traceback at most once every
        ERROR_LOG_INTERVAL seconds, counting the failures in between."""
        now = self._clock()
        if now >= self._next_error_log:
            logger.exception("frame %d failed (%d more failures not logged)", frame.index, self._errors_not_logged)
            self._next_error_log, self._errors_not_logged = now + ERROR_LOG_INTERVAL, 0
        else:
            self._errors_not_logged += 1

    def seen(self, frame: Frame, observations: Sequence[Observation]) -> None:
        """At DEBUG, what `frame` held, at most once every FRAME_LOG_INTERVAL seconds."""
        if not logger.isEnabledFor(logging.DEBUG):
            return
        now = self._clock()
        if now < self._next_frame_log:
            return
        self._next_frame_log = now + FRAME_LOG_INTERVAL
        seen = ", ".join(f"{obs.hand} {obs.gesture} {obs.confidence:.2f}" for obs in observations)
        logger.debug("frame %d at %.2f s: %s", frame.index, frame.timestamp, seen or "no hand")
