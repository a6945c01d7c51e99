"""The daemon loop: frames -> hands -> gestures -> debounced fires -> actions and events.

Everything it uses is passed in (built by `gestured.commands.run`): a source factory,
a keypoint backend, a classifier, an executor (real or dry run), an event sink, a clock.
A fire is dispatched on the frame that completes its hold, before anything else is done
with that frame, so the latency from the first held frame to the action is the hold
time plus one frame's processing.

Control (`stop`, `request_reload`, `toggle_pause`) only sets flags, so it is safe from
signal handlers; the loop acts on them between frames.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterator, Protocol, Sequence

from gestured.capture.frames import Frame, FrameSource
from gestured.config.settings import Binding, Settings
from gestured.errors import GesturedError
from gestured.output.actions import Executor, describe
from gestured.output.focus import FocusProvider
from gestured.recognition.backends import KeypointBackend
from gestured.recognition.classifier import GestureClassifier
from gestured.recognition.hand import Hand
from gestured.recognition.trajectory import Stroke, TrajectoryTracker
from gestured.runtime.context import BindingContext
from gestured.runtime.debounce import Debouncer, Fire, Observation
from gestured.runtime.events import GestureEvent
from gestured.runtime.rate import LandmarkerRate

logger = logging.getLogger(__name__)

FRAME_LOG_INTERVAL = 1.0  # seconds between per-frame DEBUG lines
ERROR_LOG_INTERVAL = 10.0  # seconds between logged frame errors when every frame fails
PAUSE_POLL = 0.5  # seconds between reload checks while paused


class Reloader(Protocol):
    """Settings updates: `poll()` returns new valid settings once, else None;
    `reload_now()` reads the file now (SIGHUP), its result arriving through `poll()`."""

    def poll(self) -> Settings | None: ...

    def reload_now(self) -> None: ...

    def close(self) -> None: ...


class FrameGate(Protocol):
    """Decides per frame whether the backend must run (gestured.capture.motion.MotionGate: skip
    still scenes while no hand is around). `wants_frame(t)` is given to sources that can
    skip decoding; `should_run` then sees only the frames it wanted."""

    def wants_frame(self, now: float) -> bool: ...

    def should_run(self, frame: Frame, now: float) -> bool: ...

    def report(self, now: float, hand_seen: bool) -> None: ...

    def awake(self, now: float) -> bool:
        """True when the backend would run on the frame at `now` (records nothing)."""
        ...

    @property
    def camera_fps(self) -> float | None:
        """The frame rate to ask a camera for now; None: its own."""
        ...


class Preview(Protocol):
    """The --show window; `show` returns False when the user closed it."""

    def show(self, frame: Frame, hands: Sequence[Hand], observations: Sequence[Observation],
             events: Sequence[GestureEvent]) -> bool: ...

    def close(self) -> None: ...


class Daemon:
    """Runs the pipeline until the source ends, `max_frames` is reached or `stop()`."""

    def __init__(
        self,
        *,
        open_source: Callable[[], FrameSource],
        backend: KeypointBackend,
        classifier: GestureClassifier,
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
        load_classifier: Callable[[str | None], GestureClassifier] | None = None,
        after_frame: Callable[[Frame], None] | None = None,
        open_focus: Callable[[], FocusProvider] | None = None,
        always_focus: bool = False,
    ) -> None:
        self._open_source = open_source
        self.backend = backend
        self.classifier = classifier
        self.executor = executor
        self.settings = settings
        self.context = BindingContext(settings, open_focus, always_focus)
        self.debouncer = Debouncer(self.context.apply(settings))
        self.trajectory = TrajectoryTracker(self.context.motions(), settings.mirrored)
        self._on_event = on_event
        self._clock = clock
        self._reloader = reloader
        self._preview = preview
        self._gate = gate
        self._rate = rate
        if rate is not None:
            rate.fit_bindings(settings.bindings)
        self.max_frames = max_frames
        self.survive_errors = survive_errors
        self._load_classifier = load_classifier
        self._after_frame = after_frame  # a measuring hook (gestured bench), called after each frame
        self.frames_processed = 0
        self._source: FrameSource | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._paused = False
        self._reload_requested = False
        self._next_frame_log = 0.0
        self._next_error_log = 0.0
        self._errors_not_logged = 0

    # Control: flags only, safe from signal handlers.
    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._interrupt_source()

    def request_reload(self) -> None:
        self._reload_requested = True
        self._wake.set()

    def toggle_pause(self) -> None:
        self._paused = not self._paused
        self._wake.set()
        if self._paused and self._source is not None and self._source.is_live:
            self._interrupt_source()

    def _interrupt_source(self) -> None:
        interrupt = getattr(self._source, "interrupt", None)
        if interrupt is not None:
            interrupt()

    @property
    def paused(self) -> bool:
        return self._paused

    def run(self) -> int:
        """Process frames until done; always releases the source, preview and executor. Returns 0."""
        try:
            self._loop()
        finally:
            self._close_source()
            if self._preview is not None:
                self._preview.close()
            self.context.close()
            self.executor.close()
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
                return
            self._process_guarded(frame)
            if self._after_frame is not None:
                self._after_frame(frame)
            if self.max_frames is not None and self.frames_processed >= self.max_frames:
                return

    def _start_source(self) -> FrameSource:
        self._source = self._open_source()
        set_frame_filter = getattr(self._source, "set_frame_filter", None)
        if (self._gate is not None or self._rate is not None) and set_frame_filter is not None:
            set_frame_filter(self.wants_frame)
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
            self.debouncer.reset()
            self.trajectory.reset()
        return frames

    def _close_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.close()

    def _apply_settings_updates(self) -> None:
        if self._reloader is None:
            self._reload_requested = False
            return
        if self._reload_requested:
            self._reload_requested = False
            logger.info("reloading the configuration (SIGHUP)")
            try:
                self._reloader.reload_now()
            except Exception as error:  # a bug in reloading must not end the daemon
                logger.error("reloading failed (%s: %s); keeping the settings in use", type(error).__name__, error)
                logger.debug("reload failure", exc_info=True)
        settings = self._reloader.poll()
        if settings is not None:
            self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        """Use new bindings and model now; settings that need a restart (backend, camera...) are reported."""
        for name in ("backend", "camera", "num_hands", "mirrored", "openpose", "ui"):
            if getattr(settings, name) != getattr(self.settings, name):
                logger.warning("%s changed in the configuration: restart gestured to apply it", name)
        if self._load_classifier is not None:
            self._swap_classifier(settings.model)
        elif settings.model != self.settings.model:
            logger.warning("model changed in the configuration: restart gestured to apply it")
        self.settings = settings
        self._use_bindings(self.context.apply(settings))
        self.trajectory.mirrored = settings.mirrored
        logger.debug("now using %d binding(s)", len(settings.bindings))

    def _use_bindings(self, bindings: Sequence[Binding]) -> None:
        self.debouncer.set_bindings(bindings)
        self.trajectory.set_motions(self.context.motions())
        if self._rate is not None:
            self._rate.fit_bindings(bindings)

    def _swap_classifier(self, model: str | None) -> None:
        """Classify with `model` from now on (the loader caches it, so an unchanged one is free);
        a model that can't be loaded keeps the current one."""
        try:
            classifier = self._load_classifier(model)  # type: ignore[misc]
        except GesturedError as error:
            logger.error("%s; still using the previous model", error)
            return
        if classifier is not self.classifier:
            logger.info("now classifying with %s (%s)", model or "the shipped model", ", ".join(classifier.labels))
            self.classifier = classifier

    def _process_guarded(self, frame: Frame) -> None:
        self.frames_processed += 1
        if not self.survive_errors:
            self.process_frame(frame)
            return
        try:
            self.process_frame(frame)
        except Exception:
            now = self._clock()
            if now >= self._next_error_log:
                logger.exception("frame %d failed (%d more failures not logged)", frame.index,
                                 self._errors_not_logged)
                self._next_error_log, self._errors_not_logged = now + ERROR_LOG_INTERVAL, 0
            else:
                self._errors_not_logged += 1

    def wants_frame(self, now: float) -> bool:
        """False when the frame at `now` need not be decoded: the gate is idle and it is not
        time to check for motion, or the gate is awake and the landmarker rate skips it.
        Only reads state, so a capture thread may ask it."""
        if self._gate is not None and not self._gate.wants_frame(now):
            return False
        return self._rate is None or self._rate.wants(now) or not self._awake(now)

    def _awake(self, now: float) -> bool:
        return self._gate is None or self._gate.awake(now)

    def process_frame(self, frame: Frame) -> list[GestureEvent]:
        """Run one frame through the pipeline, dispatching fires first; returns the events.

        A frame the landmarker rate skips while the gate is awake changes nothing (not even
        the debouncer: it says nothing about the hand); one the idle gate keeps from the
        backend counts as a frame without a hand."""
        now = frame.timestamp
        if self._rate is not None and self._awake(now) and not self._rate.wants(now):
            return []
        hands: list[Hand] = []
        if self._gate is None or self._gate.should_run(frame, now):
            hands = self.backend.detect(frame.image, int(now * 1000))
            if self._gate is not None:
                self._gate.report(now, bool(hands))
            observations = [self._observe(hand) for hand in hands]
            if self._rate is not None:
                self._rate.ran(now, observations)
        else:
            observations = []
        self._ask_camera_rate()
        if hands:  # the focused app matters only while a hand is in view (and costs nothing idle)
            changed = self.context.refresh()
            if changed is not None:
                self._use_bindings(changed)
        if self.trajectory.active:
            observations += [_stroke_observation(stroke) for stroke in self.trajectory.update(hands, now)]
        fires = self.debouncer.update(observations, now)
        events = [self._dispatch(fire, frame) for fire in fires]
        if self._preview is not None and not self._preview.show(frame, hands, observations, events):
            self.stop()
        if logger.isEnabledFor(logging.DEBUG):
            self._log_frame(frame, observations)
        return events

    def _ask_camera_rate(self) -> None:
        """Pass the gate's wish for the camera's frame rate (lower in a long idle) to a camera."""
        request = getattr(self._source, "request_frame_rate", None)
        if self._gate is not None and request is not None:
            request(self._gate.camera_fps)

    def _observe(self, hand: Hand) -> Observation:
        prediction = self.classifier.classify(hand)
        return Observation(prediction.label, prediction.confidence, hand.handedness)

    def _dispatch(self, fire: Fire, frame: Frame) -> GestureEvent:
        action = fire.binding.action
        self.executor.execute(action)
        event = GestureEvent(
            gesture=fire.observation.gesture,
            confidence=fire.observation.confidence,
            hand=fire.observation.hand,
            t=frame.timestamp,
            frame=frame.index,
            action=describe(action),
            executed=self.executor.executes,
            held=fire.held,
            repeat=fire.repeat,
            app=self.context.app_class,
        )
        prefix = "" if self.executor.executes else "dry-run: would run "
        logger.info("%s%s for %s (%s, %.2f) at %.2f s", prefix, event.action, event.gesture,
                    event.hand, event.confidence, event.t)
        self._on_event(event)
        return event

    def _log_frame(self, frame: Frame, observations: Sequence[Observation]) -> None:
        now = self._clock()
        if now < self._next_frame_log:
            return
        self._next_frame_log = now + FRAME_LOG_INTERVAL
        seen = ", ".join(f"{obs.hand} {obs.gesture} {obs.confidence:.2f}" for obs in observations)
        logger.debug("frame %d at %.2f s: %s", frame.index, frame.timestamp, seen or "no hand")


def _stroke_observation(stroke: Stroke) -> Observation:
    """A completed movement, seen for one frame with full confidence (its binding has no hold)."""
    return Observation(stroke.gesture, 1.0, stroke.hand)
