"""Is a fingertip path a circle, and which way round? Geometry on an (N, 2) path.

The rule, checked against the real fingertip histories in the kinivi point-history set
(`../shared/data/extra/keypoints/point_history.csv`, tests/test_circles.py): the path
turns at least `MIN_TURN` degrees about its own centre, in one direction, and stays
round (its distance from the centre varies little). Rules suffice there: 91% of the
clockwise and 90% of the counter-clockwise rows pass with the right direction, 0.8% of
the free "move" rows and none of the "stop" rows pass, so no classifier is trained.

Angles are in image coordinates (x right, y down): a positive turn is clockwise as the
image is seen on a screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_TURN = 270.0  # degrees about the centre
MAX_ROUNDNESS = 0.4  # standard deviation / mean of the distance from the centre


@dataclass(frozen=True)
class Turn:
    """How a path winds about its centre: `degrees` (positive = clockwise in the image),
    `roundness` (0 for a perfect circle) and `diameter` (mean distance from the centre x 2)."""

    degrees: float
    roundness: float
    diameter: float


def path_turn(path: np.ndarray) -> Turn:
    """The Turn of an (N, 2) path, N >= 3, in the path's own units."""
    offsets = path - path.mean(axis=0)
    radii = np.linalg.norm(offsets, axis=1)
    angles = np.arctan2(offsets[:, 1], offsets[:, 0])
    steps = (np.diff(angles) + np.pi) % (2 * np.pi) - np.pi
    mean_radius = float(radii.mean())
    roundness = float(radii.std() / mean_radius) if mean_radius > 0 else float("inf")
    return Turn(float(np.degrees(steps.sum())), roundness, 2 * mean_radius)


def circle_direction(turn: Turn, min_diameter: float = 0.0,
                     min_turn: float = MIN_TURN) -> str | None:
    """`cw` or `ccw` (as the image shows it) when `turn` is a circle, else None."""
    if turn.roundness > MAX_ROUNDNESS or turn.diameter < min_diameter:
        return None
    if turn.degrees >= min_turn:
        return "cw"
    if turn.degrees <= -min_turn:
        return "ccw"
    return None
