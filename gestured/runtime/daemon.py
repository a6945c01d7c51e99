"""The daemon loop: frames -> hands -> gestures -> debounced fires -> actions and events.

Everything it uses is passed in (built by `gestured.commands.run`): a source factory,
a keypoint backend, a classifier, an executor (real or dry run), an event sink, a clock.
A fire is dispatched on the frame that completes its hold, before anything else is done
with that frame, so the latency from the first held frame to the action is the hold
time plus one frame's processing.

Control (`stop`, `request_reload`, `toggle_pause`) only sets flags, so it is safe from
any thread (signals arrive on gestured.runtime.signals' own thread); the loop acts on them
between frames. What it reports of fires and frames
lives in `gestured.runtime.reporting`; settings that change while it runs, in
`gestured.runtime.updates`.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

from gestured.capture.frames import Frame, FrameSource, StageTimer
from gestured.config.settings import Binding, Settings
from gestured.output.actions import Executor
from gestured.output.focus import FocusProvider
from gestured.recognition.backends import KeypointBackend
from gestured.recognition.hand import Hand
from gestured.recognition.trajectory import TrajectoryTracker
from gestured.runtime.context import BindingContext
from gestured.runtime.debounce import Blocked, Debouncer, Observation
from gestured.runtime.deliberate import DeliberateStage
from gestured.runtime.events import GestureEvent, WhyNotFired
from gestured.runtime.pipeline import Classifier, FrameGate, ObservationStage, Pipeline, Verdict
from gestured.runtime.rate import LandmarkerRate
from gestured.runtime.reporting import FireReporter, FrameLog
from gestured.runtime.stages import FocusStage, TrajectoryStage
from gestured.runtime.updates import Reloader, SettingsUpdates, next_classifier, restart_notes

logger = logging.getLogger(__name__)

PAUSE_POLL = 0.5  # seconds between reload checks while paused


class Preview(Protocol):
    """The --show window; `show` returns False when the user closed it; `end(message)`
    holds the last frame with `message` until the user is done with it."""

    def show(self, frame: Frame, hands: Sequence[Hand], observations: Sequence[Observation],
             events: Sequence[GestureEvent], blocked: Sequence[Blocked] = ()) -> bool: ...

    def end(self, message: str) -> None: ...

    def close(self) -> None: ...


class Daemon:
    """Runs the pipeline until the source ends, `max_frames` is reached or `stop()`."""

    def __init__(
        self,
        *,
        open_source: Callable[[], FrameSource],
        backend: KeypointBackend,
        classifier: Classifier,
        executor: Executor,
        settings: Settings,
        on_event: Callable[[GestureEvent], None],
        clock: Callable[[], float] = time.monotonic,
        reloader: Reloader | None = None,
        preview: Preview | None = None,
        gate: FrameGate | None = None,
        rate: LandmarkerRate | None = None,
        max_frames: int | None = None,
        survive_errors: bool = True,
        load_classifier: Callable[[str | None], Classifier] | None = None,
        after_frame: Callable[[Frame], None] | None = None,
        open_focus: Callable[[], FocusProvider] | None = None,
        always_focus: bool = False,
        stages: Sequence[ObservationStage] = (),
        timer: StageTimer | None = None,
        why_not: WhyNotFired | None = None,
    ) -> None:
        self._open_source = open_source
        self.settings = settings
        self._running = settings  # what the source and backend were built with
        self.context = BindingContext(settings, open_focus, always_focus)
        self.fires = FireReporter(executor, on_event, lambda: self.context.app_class)
        # The backend turns a mirrored camera's hands back, so trajectories always see an unmirrored frame.
        self.trajectory = TrajectoryTracker(self.context.motions())
        # Completed movements join last: stages that smooth or steady the poses must not
        # hold back a swipe, which is seen on one frame only.
        self.deliberate = DeliberateStage(settings.deliberate)
        ordered: tuple[ObservationStage, ...] = (
            FocusStage(self.refresh_focus), self.deliberate, *stages, TrajectoryStage(self.trajectory))
        self.pipeline = Pipeline(backend=backend, classifier=classifier, bindings=self.context.apply(settings),
                                 gate=gate, rate=rate, stages=ordered, dispatch=self.fires.dispatch, timer=timer,
                                 deliberate=settings.deliberate, arm=settings.arm)
        self._why_not = why_not
        self._updates = SettingsUpdates(reloader)
        self._preview = preview
        self.max_frames = max_frames
        self.survive_errors = survive_errors
        self._load_classifier = load_classifier
        self._after_frame = after_frame  # a measuring hook (gestured bench), called after each frame
        self.frames_processed = 0
        self._source: FrameSource | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._paused = False
        self._cancelled = False
        self._frame_log = FrameLog(clock)

    # Control: flags only, safe from any thread (the signal thread among them).
    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._interrupt_source()

    def cancel(self) -> None:
        """Ctrl-C: stop; before any frame arrived, run() then fails (returns 130)."""
        self._cancelled = True
        self.stop()

    def request_reload(self) -> None:
        self._updates.request()
        self._wake.set()

    def toggle_pause(self) -> None:
        self._paused = not self._paused
        self._wake.set()
        if self._paused and self._source is not None and self._source.is_live:
            self._interrupt_source()

    def _interrupt_source(self) -> None:
        source = self._source
        if source is not None:
            source.interrupt()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def executor(self) -> Executor:
        return self.fires.executor

    @property
    def backend(self) -> KeypointBackend:
        return self.pipeline.backend

    @property
    def classifier(self) -> Classifier:
        return self.pipeline.classifier

    @property
    def debouncer(self) -> Debouncer:
        return self.pipeline.debouncer

    def run(self) -> int:
        """Process frames until done; always releases the source, preview and executor.

        Returns 0, or 130 when cancelled (Ctrl-C) before any frame arrived: nothing was watched.
        """
        name = None
        try:
            self._loop()
        finally:
            name = self._source.name if self._source is not None else None
            self._close_source()
            if self._preview is not None:
                self._preview.close()
            self.context.close()
            self.executor.close()
        if self._cancelled and not self.frames_processed:
            logger.error("stopped by Ctrl-C before any frame arrived%s", f" from {name}" if name else "")
            return 130
        logger.info("stopped after %d frames", self.frames_processed)
        return 0

    def _loop(self) -> None:
        frames: Iterator[Frame] | None = None
        while not self._stopping.is_set():
            self._apply_settings_updates()
            if self._paused:
                frames = self._wait_paused(frames)
                continue
            if frames is None:
                frames = iter(self._start_source())
            frame = next(frames, None)
            if frame is None:
                if self._paused or self._stopping.is_set():
                    continue
                if self._source is not None and self._source.is_live:
                    self._close_source()  # ended by itself: the next turn opens a fresh one
                    frames = None
                    continue
                if self._preview is not None and self._source is not None:
                    self._preview.end(f"end of {Path(self._source.name).name}: press any key to close")
                return
            self._process_guarded(frame)
            if self._after_frame is not None:
                self._after_frame(frame)
            if self.max_frames is not None and self.frames_processed >= self.max_frames:
                return

    def _start_source(self) -> FrameSource:
        self._source = self._open_source()
        if self.pipeline.gate is not None or self.pipeline.rate is not None:
            self._source.set_frame_filter(self.pipeline.wants_frame)
        logger.info("reading frames from %s", self._source.name)
        return self._source

    def _wait_paused(self, frames: Iterator[Frame] | None) -> Iterator[Frame] | None:
        """While paused: release a camera (a file just waits), then wait for resume or stop."""
        released = self._source is not None and self._source.is_live
        if released:
            self._close_source()
            frames = None
        logger.info("paused (SIGUSR1 resumes)%s", "; camera released" if released else "")
        while self._paused and not self._stopping.is_set():
            self._wake.wait(PAUSE_POLL)
            self._wake.clear()
            self._apply_settings_updates()
        if not self._stopping.is_set():
            logger.info("resumed")
            self.pipeline.reset()
        return frames

    def _close_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.close()

    def _apply_settings_updates(self) -> None:
        settings = self._updates.poll()
        if settings is not None:
            self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        """Use new bindings and model now. A setting that needs a restart (backend,
        camera...) is reported when the file moves it away from what is running, and
        again when it comes back (no restart needed then)."""
        restart_notes(self._running, self.settings, settings)
        if self._load_classifier is not None:
            self.pipeline.classifier = next_classifier(self._load_classifier, settings.model, self.pipeline.classifier)
        elif settings.model != self.settings.model:
            logger.warning("model changed in the configuration: restart gestured to apply it")
        self.settings = settings
        self.deliberate.options = settings.deliberate
        self.pipeline.debouncer.configure(settings.deliberate, settings.arm)
        self._use_bindings(self.context.apply(settings))
        logger.debug("now using %d binding(s)", len(settings.bindings))

    def _use_bindings(self, bindings: Sequence[Binding]) -> None:
        self.pipeline.set_bindings(bindings)
        self.trajectory.set_motions(self.context.motions())

    def _process_guarded(self, frame: Frame) -> None:
        self.frames_processed += 1
        if not self.survive_errors:
            self.process_frame(frame)
            return
        try:
            self.process_frame(frame)
        except Exception:
            self._frame_log.failed(frame)

    def wants_frame(self, now: float) -> bool:
        """See Pipeline.wants_frame: False when the frame at `now` need not be decoded."""
        return self.pipeline.wants_frame(now)

    def process_frame(self, frame: Frame) -> list[GestureEvent]:
        """Run one frame through the pipeline (fires are dispatched inside it); returns the
        events reported since the last frame (a dry run's at once, real actions' once they ran)."""
        result = self.pipeline.process(frame)
        if result.verdict is Verdict.SKIP:
            return []
        source, gate = self._source, self.pipeline.gate
        if source is not None and gate is not None:  # fewer camera frames in a long idle
            source.request_frame_rate(gate.camera_fps)
        events = self.fires.take()
        if self._why_not is not None:
            self._why_not.report(result.blocked, frame.timestamp, frame.index)
        if self._preview is not None and not self._preview.show(frame, result.hands, result.observations, events,
                                                                 result.blocked):
            self.stop()
        self._frame_log.seen(frame, result.observations)
        return events

    def refresh_focus(self, hands: Sequence[Hand]) -> None:
        """Switch to the focused application's bindings; asked only while a hand is in view."""
        if hands:
            changed = self.context.refresh()
            if changed is not None:
                self._use_bindings(changed)
