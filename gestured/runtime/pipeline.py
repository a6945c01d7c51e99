"""The frame path, written once: frame -> idle gate -> hands -> observations -> fires.

`Pipeline.process(frame)` asks the idle gate whether the backend must run, finds the
hands, classifies each one (features, then the classifier's probabilities), passes the
observations through any extra `ObservationStage`s (steadiness, smoothing, trajectories),
feeds them to the debouncer and hands every fire to `dispatch` as soon as it is known.
It returns a `FrameResult` and gives it to every subscribed listener.

`gestured run` (through `Daemon`), `gestured eval --videos` (through a dry-run Daemon)
and `gestured bench` all call this class. `timer`, when given, receives the name and the
duration in seconds of each stage that ran: motion, keypoints, features, classify, each
ObservationStage by its `name`, debounce, dispatch (`timer_clock`, perf_counter by
default, measures them). Without a timer nothing is timed.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence, TypeVar

import numpy as np

from gestured.capture.frames import Frame, StageTimer
from gestured.config.settings import ArmOptions, Binding, DeliberateOptions
from gestured.recognition.backends import KeypointBackend
from gestured.recognition.hand import Hand
from gestured.runtime.debounce import Blocked, BindingStatus, Debouncer, Fire, Observation
from gestured.runtime.events import GestureEvent
from gestured.runtime.rate import LandmarkerRate

Dispatch = Callable[[Fire, Frame], GestureEvent]
Result = TypeVar("Result")


class Classifier(Protocol):
    """Names a hand's pose: `features_of(hand)` -> one feature row; `predict_proba` of
    (N, features) -> (N, len(labels)) probabilities."""

    @property
    def labels(self) -> tuple[str, ...]: ...

    def features_of(self, hand: Hand) -> np.ndarray: ...

    def predict_proba(self, features: np.ndarray) -> np.ndarray: ...


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


class Verdict(enum.Enum):
    """What happens to a frame: RUN the backend; IDLE, the gate keeps the backend off (a frame
    without a hand); SKIP, the landmarker rate leaves it out (it changes nothing)."""

    RUN = "run"
    IDLE = "idle"
    SKIP = "skip"


class ObservationStage(Protocol):
    """A step between the classifier and the debouncer (a focus check, trajectories, steadiness).
    `update` gets the frame's hands and the observations so far (on every frame but SKIP ones;
    none on IDLE frames) and returns what the debouncer sees: the same, changed, or more
    (a completed swipe is an observation of its own)."""

    name: str

    def update(self, hands: Sequence[Hand], observations: Sequence[Observation],
               timestamp: float) -> Sequence[Observation]: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class FrameResult:
    """What the pipeline made of one frame.

    verdict: whether the backend ran on it (see Verdict; only RUN has hands). observations:
    one per hand, after the observation stages, each with the classifier's probabilities.
    events: what `dispatch` made of the fires. bindings: the debouncer's per-binding
    state, filled only while a listener is subscribed. frame: the frame itself (not
    decoded here: a listener that shows it decodes it, on its own thread), None on SKIP.
    blocked: why gestures in view did not fire (moving, too short, ...; see
    gestured.runtime.debounce.Blocked).
    """

    index: int
    timestamp: float
    verdict: Verdict
    hands: tuple[Hand, ...]
    observations: tuple[Observation, ...]
    fires: tuple[Fire, ...]
    events: tuple[GestureEvent, ...] = ()
    bindings: tuple[BindingStatus, ...] = ()
    blocked: tuple[Blocked, ...] = ()
    frame: Frame | None = field(default=None, compare=False, repr=False)


Listener = Callable[[FrameResult], None]


class Pipeline:
    """The stages of the frame path, called in order on each frame (see the module docstring)."""

    def __init__(
        self,
        *,
        backend: KeypointBackend,
        classifier: Classifier,
        bindings: Sequence[Binding],
        gate: FrameGate | None = None,
        rate: LandmarkerRate | None = None,
        stages: Sequence[ObservationStage] = (),
        dispatch: Dispatch | None = None,
        timer: StageTimer | None = None,
        timer_clock: Callable[[], float] = time.perf_counter,
        deliberate: DeliberateOptions | None = None,
        arm: ArmOptions | None = None,
    ) -> None:
        self.backend = backend
        self.classifier = classifier
        self.debouncer = Debouncer(bindings, options=deliberate, arm=arm)
        self.gate = gate
        self.rate = rate
        if rate is not None:
            rate.fit_bindings(bindings)
        self.stages = tuple(stages)
        self.timer = timer
        self._timer_clock = timer_clock
        self._dispatch = dispatch
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(result)` after every frame; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def set_bindings(self, bindings: Sequence[Binding]) -> None:
        self.debouncer.set_bindings(bindings)
        if self.rate is not None:
            self.rate.fit_bindings(bindings)

    def wants_frame(self, now: float) -> bool:
        """False when the frame at `now` need not be decoded: the gate is idle and it is not
        time to check for motion, or the gate is awake and the landmarker rate skips it.
        Only reads state, so a capture thread may ask it."""
        if self.gate is not None and not self.gate.wants_frame(now):
            return False
        return self.rate is None or self.rate.wants(now) or not self._awake(now)

    def _awake(self, now: float) -> bool:
        return self.gate is None or self.gate.awake(now)

    def reset(self) -> None:
        """Forget all timing (after a pause: the hand seen before it says nothing now)."""
        self.debouncer.reset()
        for stage in self.stages:
            stage.reset()

    def process(self, frame: Frame) -> FrameResult:
        """Run one frame through every stage; fires are dispatched before this returns."""
        return self.analyse(frame, self.admit(frame))

    def admit(self, frame: Frame) -> Verdict:
        """The landmarker rate's and the idle gate's verdict on `frame`."""
        now = frame.timestamp
        if self.rate is not None and self._awake(now) and not self.rate.wants(now):
            return Verdict.SKIP
        if self.gate is None:
            return Verdict.RUN
        gate = self.gate
        return Verdict.RUN if self._stage("motion", lambda: gate.should_run(frame, now)) else Verdict.IDLE

    def analyse(self, frame: Frame, verdict: Verdict) -> FrameResult:
        """Everything after the gate: hands (on RUN), observations, fires, events. A SKIP frame
        changes nothing, not even the debouncer (it says nothing about the hand)."""
        if verdict is Verdict.SKIP:
            return FrameResult(frame.index, frame.timestamp, verdict, (), (), ())
        hands: tuple[Hand, ...] = ()
        observations: Sequence[Observation] = ()
        if verdict is Verdict.RUN:
            hands, observations = self._detect(frame)
        for stage in self.stages:
            seen = observations
            observations = self._stage(stage.name, lambda: stage.update(hands, seen, frame.timestamp))
        fires = tuple(self._stage("debounce", lambda: self.debouncer.update(observations, frame.timestamp)))
        if self.rate is not None and self.debouncer.holding:
            self.rate.hold_in_progress(frame.timestamp)  # steadiness is judged on every frame
        events: tuple[GestureEvent, ...] = ()
        if fires and self._dispatch is not None:
            dispatch = self._dispatch
            events = self._stage("dispatch", lambda: tuple(dispatch(fire, frame) for fire in fires))
        result = FrameResult(frame.index, frame.timestamp, verdict, hands, tuple(observations), fires, events,
                             blocked=tuple(self.debouncer.blocked), frame=frame)
        if self._listeners:
            self._publish(result)
        return result

    def _detect(self, frame: Frame) -> tuple[tuple[Hand, ...], list[Observation]]:
        now = frame.timestamp
        hands = tuple(self._stage("keypoints", lambda: self.backend.detect(frame.image, int(now * 1000))))
        if self.gate is not None:
            self.gate.report(now, bool(hands))
        observations = self._observe(hands) if hands else []
        if self.rate is not None:
            self.rate.ran(now, observations)
        return hands, observations

    def _observe(self, hands: Sequence[Hand]) -> list[Observation]:
        classifier = self.classifier
        rows = self._stage("features", lambda: np.stack([classifier.features_of(hand) for hand in hands]))
        probabilities = self._stage("classify", lambda: classifier.predict_proba(rows))
        return [observation(classifier.labels, row, hand) for row, hand in zip(probabilities, hands)]

    def _publish(self, result: FrameResult) -> None:
        published = FrameResult(**{**result.__dict__, "bindings": self.debouncer.status(result.timestamp)})
        for listener in tuple(self._listeners):
            listener(published)

    def _stage(self, name: str, call: Callable[[], Result]) -> Result:
        if self.timer is None:
            return call()
        started = self._timer_clock()
        value = call()
        self.timer(name, self._timer_clock() - started)
        return value


def observation(labels: Sequence[str], probabilities: np.ndarray, hand: Hand) -> Observation:
    """The best label of one probability row, with the whole row kept by label."""
    best = int(probabilities.argmax())
    return Observation(labels[best], float(probabilities[best]), hand.handedness,
                       probabilities=dict(zip(labels, probabilities.tolist())))
