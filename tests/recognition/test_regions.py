"""Hand region finders: the tracker, the motion box, boxes from a keypoint backend."""

from __future__ import annotations

import numpy as np
import pytest

from gestured.recognition.backends.regions import (
    REGION_FINDERS,
    FullFrameRegions,
    LandmarkerRegions,
    MotionRegions,
    Region,
    TrackingRegions,
    keypoint_box,
)
from gestured.recognition.hand import Hand

FRAME = np.zeros((240, 320, 3), dtype=np.uint8)


def hand_at(x0: float, y0: float, side: float, score: float = 0.9, confidence: np.ndarray | None = None) -> Hand:
    generator = np.random.default_rng(int(x0 * 7 + y0))
    points = np.array([x0, y0]) + side * generator.uniform(0, 1, size=(21, 2))
    points[0], points[1] = (x0, y0), (x0 + side, y0 + side)  # pin the box
    return Hand.from_pixels(points, (320, 240), score=score, handedness="left", confidence=confidence)


class CountingFinder:
    """Reports one fixed region and counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.closed = False

    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        self.calls += 1
        return [Region((10.0, 10.0, 50.0, 50.0), "left", 0.8)]

    def update(self, hands: list[Hand]) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_tracker_follows_the_last_keypoints_and_refreshes() -> None:
    inner = CountingFinder()
    tracker = TrackingRegions(inner, refresh_every=3, min_score=0.3)
    assert tracker.find(FRAME)[0].box == (10.0, 10.0, 50.0, 50.0)
    tracker.update([hand_at(100, 60, 40)])
    regions = tracker.find(FRAME)
    assert inner.calls == 1
    assert regions[0].box == pytest.approx((100, 60, 140, 100))
    assert regions[0].handedness == "left"  # kept from the detection that started the track
    tracker.update([hand_at(104, 62, 40)])
    assert tracker.find(FRAME)[0].box == pytest.approx((104, 62, 144, 102))
    tracker.update([hand_at(104, 62, 40)])
    tracker.find(FRAME)  # refresh_every frames since the detection: ask the inner finder again
    assert inner.calls == 2
    tracker.close()
    assert inner.closed


def test_tracker_detects_again_when_the_hand_fades() -> None:
    inner = CountingFinder()
    tracker = TrackingRegions(inner, refresh_every=100, min_score=0.3)
    tracker.find(FRAME)
    tracker.update([hand_at(100, 60, 40, score=0.1)])
    tracker.find(FRAME)
    assert inner.calls == 2
    tracker.update([])
    tracker.find(FRAME)
    assert inner.calls == 3


def test_keypoint_box_leaves_out_unsure_points() -> None:
    confidence = np.full(21, 0.9)
    confidence[1] = 0.01  # the far corner pinned by hand_at
    box = keypoint_box(hand_at(100, 60, 40, confidence=confidence), floor=0.1)
    assert box[0] == 100 and box[2] < 140
    assert keypoint_box(hand_at(100, 60, 40)) == pytest.approx((100, 60, 140, 100))


def test_motion_box_surrounds_what_moved_and_stays_when_nothing_moves() -> None:
    motion = MotionRegions(width=160)
    still = FRAME.copy()
    moved = FRAME.copy()
    moved[100:140, 200:260] = 255
    assert motion.find(still) == []  # first frame: nothing to compare with
    assert motion.find(still) == []
    box = motion.find(moved)[0].box
    assert box[0] == pytest.approx(200, abs=8) and box[2] == pytest.approx(260, abs=8)
    assert box[1] == pytest.approx(100, abs=8) and box[3] == pytest.approx(140, abs=8)
    assert motion.find(moved)[0].box == box  # a held pose keeps its box


def test_landmarker_regions_are_the_backends_hand_boxes() -> None:
    class ScriptedBackend:
        closed = False

        def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
            return [hand_at(30, 40, 50, score=0.7)]

        def close(self) -> None:
            self.closed = True

    scripted = ScriptedBackend()
    regions = LandmarkerRegions(scripted)
    (region,) = regions.find(FRAME, 0)
    assert region == Region(pytest.approx((30, 40, 80, 90)), "left", pytest.approx(0.7))  # type: ignore[arg-type]
    regions.close()
    assert scripted.closed


def test_full_frame_and_registry() -> None:
    assert FullFrameRegions().find(FRAME)[0].box == (0.0, 0.0, 319.0, 239.0)
    assert set(REGION_FINDERS) == {"mediapipe", "tracker", "motion", "full"}
    assert isinstance(REGION_FINDERS["motion"]("video", 1, False, None), MotionRegions)
