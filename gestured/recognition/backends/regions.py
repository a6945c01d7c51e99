"""Where the hand is, before the slow keypoint net looks closely.

A `RegionFinder` turns a frame into hand boxes; the OpenPose backend crops a square around
each and runs its net there only. `REGION_FINDERS` maps the word a user writes
(`region: mediapipe`) to a factory. Finders:

- "mediapipe": MediaPipe's HandLandmarker (palm detector, then its tracker) in VIDEO mode;
  the box of its 21 landmarks, with its handedness. The default (see gestured.recognition.backends.openpose
  for the measurements behind the choice).
- "tracker": the previous frame's OpenPose keypoints as the next box, asking MediaPipe again
  every `refresh_every` frames or as soon as the hand score drops below `min_score`.
- "motion": the box around what changed since the previous frame (no model; not hand-specific,
  and a held pose stops moving, so it keeps its last box).
- "full": the whole frame, for stills and for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from gestured.recognition.backends import Mode
from gestured.recognition.hand import Hand, Handedness

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Region:
    """A hand box (x0, y0, x1, y1) in frame pixels, and what the finder knows of the hand."""

    box: Box
    handedness: Handedness = "unknown"
    score: float = 1.0


class RegionFinder(Protocol):
    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        """Hand regions in one BGR frame, best first."""
        ...

    def update(self, hands: list[Hand]) -> None:
        """What the keypoint net found in the regions last returned (trackers use it)."""
        ...

    def close(self) -> None:
        ...


class LandmarkerRegions:
    """Boxes from any keypoint backend (by default MediaPipe's HandLandmarker)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        hands = self._backend.detect(frame_bgr, timestamp_ms)
        return [Region(hand.box, hand.handedness, hand.score) for hand in hands]

    def update(self, hands: list[Hand]) -> None:
        pass

    def close(self) -> None:
        self._backend.close()


def keypoint_box(hand: Hand, floor: float = 0.1) -> Box:
    """The box of a hand's keypoints whose confidence reaches `floor` (all of them if none do)."""
    points = hand.keypoints
    if hand.confidence is not None and (hand.confidence >= floor).sum() >= 2:
        points = points[hand.confidence >= floor]
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


class TrackingRegions:
    """The previous hands' keypoint boxes while they stay confident; `inner` otherwise."""

    def __init__(self, inner: RegionFinder, refresh_every: int = 10, min_score: float = 0.3) -> None:
        self._inner = inner
        self.refresh_every = refresh_every
        self.min_score = min_score
        self._tracked: list[Region] = []
        self._since_detection = 0

    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        if self._tracked and self._since_detection < self.refresh_every:
            self._since_detection += 1
            return list(self._tracked)
        self._since_detection = 1
        return self._inner.find(frame_bgr, timestamp_ms)

    def update(self, hands: list[Hand]) -> None:
        # A hand's handedness came from the region that found it: the track keeps it.
        self._tracked = [Region(keypoint_box(hand), hand.handedness, hand.score) for hand in hands]
        if any(hand.score < self.min_score for hand in hands):
            self._tracked = []  # a hand was lost: detect again on the next frame

    def close(self) -> None:
        self._inner.close()


class MotionRegions:
    """The box around pixels that changed since the last frame, on a small grey copy."""

    def __init__(self, width: int = 160, threshold: int = 25, min_fraction: float = 0.002) -> None:
        self.width = width
        self.threshold = threshold
        self.min_fraction = min_fraction
        self._previous: np.ndarray | None = None
        self._last: list[Region] = []

    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        import cv2

        height, width = frame_bgr.shape[:2]
        factor = self.width / width
        small_size = (self.width, max(1, round(height * factor)))
        small = cv2.resize(frame_bgr, small_size, interpolation=cv2.INTER_AREA)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        previous, self._previous = self._previous, grey
        if previous is None:
            return list(self._last)
        changed = cv2.absdiff(grey, previous) > self.threshold
        if changed.mean() < self.min_fraction:
            return list(self._last)  # nothing moved: a held pose stays where it was
        rows, columns = np.nonzero(changed)
        x0, y0 = columns.min() / factor, rows.min() / factor
        x1, y1 = (columns.max() + 1) / factor, (rows.max() + 1) / factor
        self._last = [Region((float(x0), float(y0), float(x1), float(y1)))]
        return list(self._last)

    def update(self, hands: list[Hand]) -> None:
        pass

    def close(self) -> None:
        self._previous = None


class FullFrameRegions:
    """The whole frame as one region."""

    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        height, width = frame_bgr.shape[:2]
        return [Region((0.0, 0.0, float(width - 1), float(height - 1)))]

    def update(self, hands: list[Hand]) -> None:
        pass

    def close(self) -> None:
        pass


def _mediapipe(mode: Mode, num_hands: int, offline: bool, model_path: str | Path | None) -> RegionFinder:
    """MediaPipe's hands as regions; `model_path` None: the verified download."""
    from gestured.recognition.backends.mediapipe import MediaPipeBackend

    return LandmarkerRegions(MediaPipeBackend(mode=mode, num_hands=num_hands, offline=offline, model_path=model_path))


def _tracker(mode: Mode, num_hands: int, offline: bool, model_path: str | Path | None) -> RegionFinder:
    return TrackingRegions(_mediapipe(mode, num_hands, offline, model_path))


def _motion(mode: Mode, num_hands: int, offline: bool, model_path: str | Path | None) -> RegionFinder:
    return MotionRegions()


def _full(mode: Mode, num_hands: int, offline: bool, model_path: str | Path | None) -> RegionFinder:
    return FullFrameRegions()


# name -> factory(mode, num_hands, offline, landmarker model path).
REGION_FINDERS: dict[str, Callable[[Mode, int, bool, str | Path | None], RegionFinder]] = {
    "mediapipe": _mediapipe,
    "tracker": _tracker,
    "motion": _motion,
    "full": _full,
}
