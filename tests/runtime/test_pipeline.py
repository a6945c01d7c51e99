"""The one frame path (gestured/runtime/pipeline.py): stages, timing hook, listeners, extra stages."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from gestured.capture.frames import Frame
from gestured.config.settings import Binding, KeyAction
from gestured.recognition.classifier import LABELS
from gestured.recognition.hand import Hand
from gestured.runtime.debounce import Observation
from gestured.runtime.pipeline import FrameResult, Pipeline, Verdict
from tests.fakes import FakeClassifier, ScriptedBackend, Seen, blank_image

THUMBS_UP = Binding("thumbs_up", KeyAction(("play_pause",)), hold=0.2, threshold=0.8, release=0.3)


def frames(count: int, fps: float = 10.0) -> list[Frame]:
    return [Frame(blank_image(), index / fps, index) for index in range(count)]


def make_pipeline(script: Sequence[Seen | None], **options: object) -> Pipeline:
    return Pipeline(backend=ScriptedBackend(script), classifier=FakeClassifier(), bindings=[THUMBS_UP],
                    **options)  # type: ignore[arg-type]


def test_a_held_gesture_fires_once_with_every_probability_kept() -> None:
    pipeline = make_pipeline([Seen("thumbs_up", 0.9)] * 5)
    results = [pipeline.process(frame) for frame in frames(5)]
    assert [len(result.fires) for result in results] == [0, 0, 1, 0, 0]
    observation = results[2].observations[0]
    assert (observation.gesture, observation.hand) == ("thumbs_up", "right")
    assert set(observation.probabilities) == set(LABELS)
    assert observation.probabilities["thumbs_up"] == observation.confidence == 0.9
    assert sum(observation.probabilities.values()) == pytest.approx(1.0)


def test_the_timer_hears_each_stage_that_ran_and_nothing_without_a_timer() -> None:
    heard: list[str] = []
    pipeline = make_pipeline([Seen("thumbs_up"), None], timer=lambda name, seconds: heard.append(name))
    pipeline.process(frames(1)[0])
    assert heard == ["keypoints", "features", "classify", "debounce"]
    heard.clear()
    pipeline.process(frames(2)[1])  # no hand: nothing to classify
    assert heard == ["keypoints", "debounce"]
    quiet = make_pipeline([Seen("thumbs_up")], timer_clock=lambda: 1 / 0)  # never read without a timer
    assert quiet.process(frames(1)[0]).hands


def test_dispatch_makes_the_events_and_listeners_get_the_frame_with_binding_state() -> None:
    dispatched: list[float] = []

    def dispatch(fire: object, frame: Frame) -> object:
        dispatched.append(frame.timestamp)
        return "event"

    pipeline = make_pipeline([Seen("thumbs_up")] * 4, dispatch=dispatch)
    seen: list[FrameResult] = []
    unsubscribe = pipeline.subscribe(seen.append)
    results = [pipeline.process(frame) for frame in frames(4)]
    assert dispatched == [0.2] and results[2].events == ("event",)
    assert [result.index for result in seen] == [0, 1, 2, 3]
    status = seen[1].bindings[0]
    assert (status.gesture, status.holding, round(status.held, 3), status.fired) == ("thumbs_up", True, 0.1, False)
    assert seen[3].bindings[0].fired and results[3].bindings == ()  # computed only for listeners
    unsubscribe()
    pipeline.process(Frame(blank_image(), 0.4, 4))
    assert len(seen) == 4


class Veto:
    """An extra stage that turns every observation into `none` (as a steadiness check might)."""

    name = "veto"

    def __init__(self) -> None:
        self.resets = 0

    def update(self, hands: Sequence[Hand], observations: Sequence[Observation],
               timestamp: float) -> Sequence[Observation]:
        assert len(hands) == len(observations)
        return [Observation("none", 1.0, observation.hand) for observation in observations]

    def reset(self) -> None:
        self.resets += 1


def test_observation_stages_sit_between_classifier_and_debouncer() -> None:
    veto = Veto()
    heard: list[str] = []
    pipeline = make_pipeline([Seen("thumbs_up")] * 5, stages=[veto], timer=lambda name, _s: heard.append(name))
    results = [pipeline.process(frame) for frame in frames(5)]
    assert not any(result.fires for result in results)
    assert results[0].observations[0].gesture == "none"
    assert heard[:5] == ["keypoints", "features", "classify", "veto", "debounce"]
    pipeline.reset()
    assert veto.resets == 1


class ClosedGate:
    """An idle gate that never lets the backend run."""

    camera_fps = None

    def __init__(self) -> None:
        self.reports = 0

    def wants_frame(self, now: float) -> bool:
        return True

    def should_run(self, frame: Frame, now: float) -> bool:
        return False

    def awake(self, now: float) -> bool:
        return False

    def report(self, now: float, hand_seen: bool) -> None:
        self.reports += 1


def test_a_gated_frame_skips_the_backend() -> None:
    backend = ScriptedBackend([Seen("thumbs_up")])
    pipeline = Pipeline(backend=backend, classifier=FakeClassifier(), bindings=[THUMBS_UP], gate=ClosedGate())
    result = pipeline.process(frames(1)[0])
    assert (result.verdict, result.hands, backend.timestamps) == (Verdict.IDLE, (), [])
