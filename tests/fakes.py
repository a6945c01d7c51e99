"""Small fakes for the parts that can't run here (a camera) or that tests script.

- FakeClock: time that moves only when told.
- ListSource: a frame source playing a list of frames (optionally "live", like a camera).
- ScriptedBackend + FakeClassifier: hands whose gesture is written into their keypoint confidences,
  so a test scripts "right thumbs_up 0.95 on frames 3-12" without a model.
- RecordingKeyboard, RecordingExecutor: remember what they were asked to do.
- FakeCapture, BlockingCaptureFactory: stand-ins for cv2.VideoCapture.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from gestured.capture.frames import Frame, FrameSource
from gestured.config.settings import Action
from gestured.output.actions import RAN, Outcome, Report
from gestured.recognition.classifier import LABELS, Prediction
from gestured.recognition.hand import Hand


class FakeClock:
    """A clock for injection: `clock()` reads it, `advance(seconds)` moves it."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def blank_image(width: int = 64, height: int = 48, value: int = 0) -> np.ndarray:
    return np.full((height, width, 3), value, dtype=np.uint8)


class ListSource(FrameSource):
    """Plays `count` blank frames (or the given images) at `fps`; records close() calls."""

    def __init__(self, count: int = 10, fps: float = 30.0, *, is_live: bool = False,
                 images: Sequence[np.ndarray] | None = None, name: str = "list") -> None:
        self.images = list(images) if images is not None else [blank_image() for _ in range(count)]
        self.fps = fps
        self.is_live = is_live
        self.name = name
        self.closed = 0
        self.interrupted = threading.Event()

    def __iter__(self) -> Iterator[Frame]:
        for index, image in enumerate(self.images):
            if self.interrupted.is_set():
                return
            yield Frame(image=image, timestamp=index / self.fps, index=index)

    def interrupt(self) -> None:
        self.interrupted.set()

    def close(self) -> None:
        self.closed += 1


@dataclass(frozen=True)
class Seen:
    """One scripted hand: which gesture the fake classifier will report for it, and where
    the hand is (its wrist, in pixels of a 640x480 frame; the palm is 100 px long)."""

    gesture: str
    confidence: float = 0.95
    hand: str = "right"
    at: tuple[float, float] = (320.0, 380.0)


# A flat hand, fingers up, wrist at (0, 0), palm (wrist to middle knuckle) 100 px long.
HAND_SHAPE = np.array([
    (0, 0), (-35, -20), (-60, -45), (-75, -70), (-85, -95),
    (-30, -95), (-35, -140), (-37, -170), (-38, -195),
    (0, -100), (0, -150), (0, -182), (0, -208),
    (28, -95), (30, -140), (31, -168), (32, -190),
    (52, -85), (58, -118), (61, -140), (63, -158),
], dtype=np.float32)


def scripted_hand(seen: Seen) -> Hand:
    """A Hand shaped like HAND_SHAPE at `seen.at`, whose keypoint confidences encode `seen`
    for FakeClassifier (the first two: the label's index, the confidence)."""
    code = np.zeros(21, dtype=np.float32)
    code[:2] = (LABELS.index(seen.gesture), seen.confidence)
    return Hand.from_pixels(HAND_SHAPE + np.array(seen.at, dtype=np.float32), (640, 480),
                            handedness=seen.hand, confidence=code)


class ScriptedBackend:
    """Returns the scripted hands for the n-th call (nothing after the script ends)."""

    name = "scripted"

    def __init__(self, script: Sequence[Seen | None | Sequence[Seen]]) -> None:
        self.script = list(script)
        self.timestamps: list[int | None] = []
        self.closed = False

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        call = len(self.timestamps)
        self.timestamps.append(timestamp_ms)
        entry = self.script[call] if call < len(self.script) else None
        if entry is None:
            return []
        seen_list = [entry] if isinstance(entry, Seen) else list(entry)
        return [scripted_hand(seen) for seen in seen_list]

    def close(self) -> None:
        self.closed = True


class FakeClassifier:
    """Reads back what `scripted_hand` wrote into the keypoint confidences."""

    labels = LABELS
    feature_version = 0
    metadata: dict[str, object] = {}

    def features_of(self, hand: Hand) -> np.ndarray:
        """(label index, confidence x 1000): the scripted code."""
        assert hand.confidence is not None, "FakeClassifier reads hands made by scripted_hand"
        return np.array([hand.confidence[0], hand.confidence[1] * 1000], dtype=np.float64)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """The scripted label gets the scripted confidence; the rest is shared by the others."""
        probabilities = np.zeros((len(features), len(LABELS)))
        for row, (label_index, confidence) in zip(probabilities, features):
            row[:] = (1.0 - confidence / 1000) / (len(LABELS) - 1)
            row[int(label_index)] = confidence / 1000
        return probabilities

    def classify(self, hand: Hand) -> Prediction:
        assert hand.confidence is not None, "FakeClassifier reads hands made by scripted_hand"
        label_index, confidence = hand.confidence[:2]
        return Prediction(LABELS[int(label_index)], float(confidence))


class RecordingKeyboard:
    """A Keyboard that remembers the combinations pressed and the text typed."""

    def __init__(self) -> None:
        self.presses: list[tuple[str, ...]] = []
        self.typed: list[str] = []

    def press_combo(self, keys: tuple[str, ...]) -> None:
        self.presses.append(tuple(keys))

    def type_text(self, text: str) -> None:
        self.typed.append(text)


@dataclass
class RecordingExecutor:
    """An Executor that records actions instead of running them, reporting `outcome` for each."""

    outcome: Outcome = RAN
    actions: list[Action] = field(default_factory=list)
    closed: bool = False

    def execute(self, action: Action, report: Report) -> None:
        self.actions.append(action)
        report(self.outcome)

    def close(self) -> None:
        self.closed = True


class FakeCapture:
    """A cv2.VideoCapture stand-in: `frames` grabs, then grab() fails (camera gone).

    The image of grab n is uniformly n % 256; `decoded` counts retrieve() calls.
    """

    def __init__(self, frames: int = 5, opened: bool = True, delay: float = 0.0) -> None:
        self.remaining = frames
        self.opened = opened
        self.delay = delay
        self.released = threading.Event()
        self.reads = 0
        self.decoded = 0

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def grab(self) -> bool:
        if self.delay:
            self.released.wait(self.delay)
        if self.remaining <= 0 or self.released.is_set():
            return False
        self.remaining -= 1
        self.reads += 1
        return True

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        self.decoded += 1
        return True, blank_image(value=self.reads % 256)

    def release(self) -> None:
        self.released.set()


class BlockingCaptureFactory:
    """A capture factory whose open blocks until `unblock` is set (a busy camera)."""

    def __init__(self) -> None:
        self.unblock = threading.Event()
        self.calls = 0
        self.opened: list[FakeCapture] = []

    def __call__(self, device: int | str, width: int, height: int, fourcc: str) -> FakeCapture:
        self.calls += 1
        self.unblock.wait()
        capture = FakeCapture()
        self.opened.append(capture)
        return capture
