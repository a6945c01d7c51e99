"""Is one movement of the palm a swipe, and which way? Rules on a finished movement.

A movement is the palm's path from the moment it left rest to the moment it stopped,
turned, or left the view (gestured.recognition.trajectory cuts it). It is a swipe when
it is long (in hand sizes), quick, straight and close to one axis, the hand was open
or pointing through most of it, and the hand kept its size (it did not rush at the
camera). Everyday motion mostly fails one of these: waving is short and turns, typing
and washing are small, signing changes shape, reaching changes size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from gestured.recognition.handshape import Pose

STILL_SPEED = 1.5  # hand sizes per second: slower than this, the hand rests
MIN_STRAIGHTNESS = 0.8  # straight-line distance / path length
AXIS_RATIO = 2.0  # the main axis must carry this many times the other (about 27 degrees)
MIN_POSE_SHARE = 0.75  # share of the movement's frames with the hand open or pointing
MAX_SIZE_CHANGE = 1.6  # largest / smallest hand size within the movement
MIN_DURATION = 0.1  # seconds: a faster "movement" is the tracker jumping between hands
MIN_SAMPLES = 3
SWIPE_POSES: frozenset[Pose] = frozenset({"open", "pointing"})

Direction = Literal["left", "right", "up", "down"]


@dataclass(frozen=True, eq=False)
class Sample:
    """The hand in one frame: time, palm centre and index fingertip (pixels), size, pose."""

    time: float
    palm: np.ndarray
    tip: np.ndarray
    size: float
    pose: Pose


@dataclass(frozen=True)
class Movement:
    """A measured movement: `direction` in the image (None when off-axis or not straight),
    `distance` in hand sizes, `duration` in seconds, and whether its shape passes."""

    direction: Direction | None
    distance: float
    duration: float
    shape_ok: bool


def measure(samples: Sequence[Sample]) -> Movement:
    """Measure the palm's movement over `samples` (at least two, in time order)."""
    palms = np.array([sample.palm for sample in samples], dtype=np.float64)
    sizes = np.array([sample.size for sample in samples], dtype=np.float64)
    size = max(float(np.median(sizes)), 1e-6)
    travel = palms[-1] - palms[0]
    straight = float(np.linalg.norm(travel))
    path = float(np.linalg.norm(np.diff(palms, axis=0), axis=1).sum())
    posed = sum(sample.pose in SWIPE_POSES for sample in samples) / len(samples)
    duration = _moving_time(samples, palms, sizes)
    shape_ok = (
        path > 0
        and len(samples) >= MIN_SAMPLES
        and duration >= MIN_DURATION
        and straight / path >= MIN_STRAIGHTNESS
        and posed >= MIN_POSE_SHARE
        and sizes.max() <= MAX_SIZE_CHANGE * max(float(sizes.min()), 1e-6)
    )
    return Movement(_direction(travel), straight / size, duration, shape_ok)


def _moving_time(samples: Sequence[Sample], palms: np.ndarray, sizes: np.ndarray) -> float:
    """Seconds from the start of the first step faster than rest to the end of the last:
    the rest frames that bracket a movement don't count, whatever the frame rate."""
    times = np.array([sample.time for sample in samples])
    spans = np.maximum(np.diff(times), 1e-3)
    speeds = np.linalg.norm(np.diff(palms, axis=0), axis=1) / spans / np.maximum(sizes[1:], 1e-6)
    moving = np.flatnonzero(speeds >= STILL_SPEED)
    if moving.size == 0:
        return 0.0
    return float(times[moving[-1] + 1] - times[moving[0]])


def _direction(travel: np.ndarray) -> Direction | None:
    across, down = float(travel[0]), float(travel[1])
    if abs(across) >= AXIS_RATIO * abs(down) and across != 0:
        return "right" if across > 0 else "left"
    if abs(down) >= AXIS_RATIO * abs(across) and down != 0:
        return "down" if down > 0 else "up"
    return None


def swipe_gesture(direction: Direction, mirrored: bool) -> str:
    """The user's own swipe for an image direction: in an unmirrored camera frame a hand
    moving to the user's left moves toward the image's right edge (as with point_left)."""
    if direction in ("up", "down"):
        return f"swipe_{direction}"
    user_left = (direction == "right") != mirrored
    return "swipe_left" if user_left else "swipe_right"
