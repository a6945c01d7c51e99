"""The trajectory stage on scripted palm paths with an injected clock."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pytest

from gestured.recognition.hand import Hand
from gestured.recognition.trajectory import COOLDOWN, TrajectoryTracker
from gestured.config.settings import DYNAMIC_GESTURES, default_motion
from tests.fakes import FakeClock

FPS = 30.0
# One hand in units of palm length, wrist at the origin, fingers up (y grows downward).
KNUCKLES = {5: (-0.35, -1.0), 9: (-0.1, -1.05), 13: (0.15, -1.0), 17: (0.38, -0.9)}
THUMB = {1: (-0.3, -0.2), 2: (-0.5, -0.4), 3: (-0.65, -0.55), 4: (-0.8, -0.65)}


def hand_keypoints(center: tuple[float, float], size: float, pose: str) -> np.ndarray:
    """(21, 2) pixels of an open, pointing or fist hand whose palm centre is `center`."""
    points = np.zeros((21, 2))
    for joint, (x, y) in THUMB.items():
        points[joint] = (x, y)
    for knuckle, (x, y) in KNUCKLES.items():
        extended = pose == "open" or (pose == "pointing" and knuckle == 5)
        reach = (0.45, 0.75, 1.0) if extended else (0.3, 0.15, 0.05)
        for offset, factor in enumerate(reach, start=1):
            points[knuckle + offset] = (x, y * (1 + factor) if extended else y * (1 - factor * 0.5))
        points[knuckle] = (x, y)
    palm = points[[0, 5, 9, 13, 17]].mean(axis=0)
    return (points - palm) * size + np.asarray(center)


def make_hand(center: tuple[float, float], size: float = 60.0, pose: str = "open",
              handedness: str = "right") -> Hand:
    return Hand.from_pixels(hand_keypoints(center, size, pose), (640, 480), handedness=handedness)


def all_bound() -> dict:
    return {gesture: default_motion(gesture) for gesture in DYNAMIC_GESTURES}


def play(tracker: TrajectoryTracker, clock: FakeClock, path: Sequence[tuple[float, float] | None],
         pose: str = "open", size: float = 60.0) -> list[tuple[str, float]]:
    """Feed one frame per path point (None: no hand) at FPS; return (gesture, time) fired."""
    fired = []
    for point in path:
        hands = [] if point is None else [make_hand(point, size, pose)]
        fired += [(stroke.gesture, stroke.time) for stroke in tracker.update(hands, clock())]
        clock.advance(1 / FPS)
    return fired


def still(at: tuple[float, float], seconds: float) -> list[tuple[float, float]]:
    return [at] * round(seconds * FPS)


def move(start: tuple[float, float], end: tuple[float, float], seconds: float,
         ease: Callable[[float], float] = lambda u: u) -> list[tuple[float, float]]:
    steps = round(seconds * FPS)
    return [tuple(np.add(start, np.multiply(np.subtract(end, start), ease((i + 1) / steps))))
            for i in range(steps)]


def smooth(u: float) -> float:
    return 0.5 - 0.5 * np.cos(np.pi * u)


def swipe_path(start: tuple[float, float], end: tuple[float, float], seconds: float = 0.35) -> list:
    return still(start, 0.3) + move(start, end, seconds, smooth) + still(end, 0.3)


def test_a_swipe_fires_once_when_the_hand_stops() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    fired = play(tracker, clock, swipe_path((150, 240), (450, 240)))  # 5 hand sizes to the image's right
    assert [gesture for gesture, _ in fired] == ["swipe_left"]  # the user's left, unmirrored camera
    assert 0.6 <= fired[0][1] <= 0.75  # the movement ends at 0.65 s: fired within a few frames


@pytest.mark.parametrize(("end", "mirrored", "expected"), [
    ((450, 240), True, "swipe_right"),
    ((150, 240), False, "swipe_right"),
    ((300, 60), False, "swipe_up"),
    ((300, 420), True, "swipe_down"),
])
def test_directions_are_the_users_own(end: tuple[float, float], mirrored: bool, expected: str) -> None:
    start = (300, 240) if end[0] == 300 else (600 - end[0], 240)
    tracker, clock = TrajectoryTracker(all_bound(), mirrored=mirrored), FakeClock()
    assert [gesture for gesture, _ in play(tracker, clock, swipe_path(start, end))] == [expected]


def test_a_slow_drift_does_not_fire() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    path = still((150, 240), 0.3) + move((150, 240), (450, 240), 3.0) + still((450, 240), 0.5)
    assert play(tracker, clock, path) == []


def test_a_hand_leaving_the_frame_mid_swipe_does_not_fire() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    half_way = move((150, 240), (450, 240), 0.35, smooth)[:4]  # about one hand size, then gone
    assert play(tracker, clock, still((150, 240), 0.3) + half_way + [None] * 10) == []


def test_a_hand_leaving_after_a_full_swipe_fires() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    path = still((150, 240), 0.3) + move((150, 240), (520, 240), 0.3) + [None] * 10  # gone past LOST_GRACE
    assert [gesture for gesture, _ in play(tracker, clock, path)] == ["swipe_left"]


def test_waving_never_rests_so_never_swipes() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    wave = []
    for _ in range(6):
        wave += move((150, 240), (450, 240), 0.3, smooth) + move((450, 240), (150, 240), 0.3, smooth)
    assert play(tracker, clock, move((150, 300), (150, 240), 0.3) + wave) == []


def test_a_wave_that_pauses_at_its_turn_does_not_swipe() -> None:
    """A real wave (wave_backlit_webcam_b.mov) stops for 0.1-0.2 s at each turn: the stroke
    back is a swipe in shape, but the hand came from where it goes."""
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    wave = []
    for _ in range(3):
        wave += (move((450, 240), (150, 240), 0.5) + still((150, 240), 0.15)
                 + move((150, 240), (450, 240), 0.5) + still((450, 240), 0.15))
    assert play(tracker, clock, still((450, 240), 0.05) + wave) == []


def test_a_swipe_after_a_settled_rest_fires_whichever_way_the_hand_came() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    bring = move((450, 240), (150, 240), 0.5)  # the hand brought into place from the right
    fired = play(tracker, clock, bring + swipe_path((150, 240), (450, 240)))  # rests 0.3 s, swipes back
    assert [gesture for gesture, _ in fired] == ["swipe_left"]
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    raised = move((150, 440), (150, 240), 0.4)  # raised from below: not the swipe's far side
    fired = play(tracker, clock, raised + still((150, 240), 0.12) + move((150, 240), (450, 240), 0.35, smooth)
                 + still((450, 240), 0.3))
    assert [gesture for gesture, _ in fired] == ["swipe_left"]


def test_a_fist_moving_across_does_not_swipe() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    assert play(tracker, clock, swipe_path((150, 240), (450, 240)), pose="fist") == []


def test_a_short_movement_needs_the_bindings_distance() -> None:
    path = swipe_path((250, 240), (420, 240))  # 2.7 hand sizes
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    assert [gesture for gesture, _ in play(tracker, clock, path)] == ["swipe_left"]
    motions = {**all_bound(), "swipe_left": default_motion("swipe_left").__class__(distance=3.0, duration=0.8)}
    tracker, clock = TrajectoryTracker(motions), FakeClock()
    assert play(tracker, clock, path) == []


def test_unbound_gestures_are_not_looked_for() -> None:
    tracker, clock = TrajectoryTracker({"swipe_up": default_motion("swipe_up")}), FakeClock()
    assert play(tracker, clock, swipe_path((150, 240), (450, 240))) == []
    assert not TrajectoryTracker({}).active


def test_the_way_back_after_a_swipe_does_not_swipe_the_other_way() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    there = swipe_path((150, 240), (450, 240))
    back = move((450, 240), (150, 240), 0.4, smooth) + still((150, 240), 0.3)
    assert [gesture for gesture, _ in play(tracker, clock, there + back)] == ["swipe_left"]
    # After the cooldown, a new swipe from rest fires again.
    clock.advance(COOLDOWN)
    assert [gesture for gesture, _ in play(tracker, clock, swipe_path((450, 240), (150, 240)))] == ["swipe_right"]


def test_a_hand_far_away_is_ignored() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    assert play(tracker, clock, swipe_path((200, 240), (300, 240)), size=15.0) == []


def circle_path(center: tuple[float, float], radius: float, seconds: float, clockwise_in_image: bool) -> list:
    steps = round(seconds * FPS)
    sign = 1 if clockwise_in_image else -1
    return [(center[0] + radius * np.cos(sign * 2 * np.pi * i / steps),
             center[1] + radius * np.sin(sign * 2 * np.pi * i / steps)) for i in range(steps + 1)]


@pytest.mark.parametrize(("clockwise_in_image", "mirrored", "expected"), [
    (True, False, "circle_ccw"), (False, False, "circle_cw"), (True, True, "circle_cw"),
])
def test_a_pointing_circle_fires_once(clockwise_in_image: bool, mirrored: bool, expected: str) -> None:
    tracker, clock = TrajectoryTracker(all_bound(), mirrored=mirrored), FakeClock()
    path = still((300, 240), 0.2) + circle_path((300, 240), 50, 1.0, clockwise_in_image) + still((350, 240), 0.5)
    fired = play(tracker, clock, path, pose="pointing")
    assert [gesture for gesture, _ in fired] == [expected]


def test_an_open_hand_circling_is_not_a_circle_gesture() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    path = circle_path((300, 240), 50, 1.0, True) * 2
    assert play(tracker, clock, path, pose="open") == []


def test_a_tiny_pointing_circle_is_not_a_circle() -> None:
    tracker, clock = TrajectoryTracker(all_bound()), FakeClock()
    assert play(tracker, clock, circle_path((300, 240), 10, 1.0, True), pose="pointing") == []
