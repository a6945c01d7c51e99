"""A procedural hand: 3D finger chains posed by joint angles, turned, projected to 2D.

It fills what the real data lacks, above all variety of `none` (hand shapes that are
none of the 8 gestures, and gestures held at angles that mean nothing, such as an index
pointing down) and the less common views of each gesture. It knows nothing a photo
does not show better: proportions are a typical adult hand, each finger bends in one
plane, the projection is orthographic. Keypoints come out in the canonical order, in
pixels, with the palm about `PALM_PIXELS` long.

Hand frame (a right hand): x toward the thumb side, y from the wrist toward the
knuckles, z out of the palm. A random 3D turn (palm or back toward the camera within
`MAX_YAW` degrees, thumbs from any side, a moderate pitch) is applied, z is dropped, then the in-image rotation is chosen per
label (`ORIENTATIONS`): a thumbs_up's thumb points up, a point_right's index toward the
image's left edge, and so on. Views where that defining finger is foreshortened to
less than half its length are redrawn.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

PALM_PIXELS = 100.0
# Knuckles (MCP) of index, middle, ring, pinky and the thumb's base (CMC), palm length 1.
KNUCKLES = np.array([[0.30, 0.92, 0.0], [0.06, 0.98, 0.0], [-0.16, 0.92, 0.0], [-0.35, 0.80, 0.0]])
THUMB_BASE = np.array([0.24, 0.22, 0.05])
FINGER_BONES = np.array([[0.45, 0.27, 0.22], [0.50, 0.31, 0.24], [0.46, 0.29, 0.23], [0.36, 0.21, 0.20]])
THUMB_BONES = np.array([0.42, 0.32, 0.27])
FINGER_SPLAY = np.array([6.0, 0.0, -6.0, -14.0])  # degrees toward the thumb at rest
THUMB_OUT = np.array([0.85, 0.5, 0.15])  # thumb pointing away from the palm (thumbs up, open)
THUMB_ACROSS = np.array([-0.35, 0.55, 0.8])  # thumb folded over the palm (fist)

# Joint flexion ranges (MCP, PIP, DIP) in degrees for each finger state.
FINGER_STATES = {
    "extended": ((0, 20), (0, 15), (0, 10)),
    "curled": ((60, 95), (80, 110), (30, 70)),
    "half": ((15, 70), (20, 80), (10, 50)),
    "bent": ((35, 85), (0, 20), (0, 15)),  # flexed at the knuckle only (a flat hand folded)
}
# label -> (defining keypoint pair, allowed in-image angles from up in degrees), or None
# for any roll. Angles: 0 up, 90 toward the image's right edge, -90 toward its left edge.
ORIENTATIONS: dict[str, tuple[tuple[int, int], tuple[float, float]] | None] = {
    "thumbs_up": ((2, 4), (-35, 35)),
    "thumbs_down": ((2, 4), (145, 215)),
    "point_up": ((5, 8), (-20, 20)),
    "point_right": ((5, 8), (-110, -70)),
    "point_left": ((5, 8), (70, 110)),
    "open_palm": ((0, 12), (-35, 35)),
    "ok": ((0, 9), (-40, 40)),
    "fist": None,
    "none": None,
    "point_down": ((5, 8), (145, 215)),
    "palm_down": ((0, 9), (135, 225)),
    "palm_sideways": ((0, 9), (70, 110)),
    "flat_bent": None,
    "thumb_sideways": ((2, 4), (70, 110)),
}


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _chain(start: np.ndarray, lengths: np.ndarray, direction: np.ndarray,
           bend_toward: np.ndarray, flexions: np.ndarray) -> list[np.ndarray]:
    """Joint positions after `start` along a chain bending from direction toward bend_toward."""
    points, current, total = [], start, 0.0
    for length, flexion in zip(lengths, flexions):
        total += np.radians(flexion)
        current = current + length * (np.cos(total) * direction + np.sin(total) * bend_toward)
        points.append(current)
    return points


def hand_points(flexion: np.ndarray, splay: np.ndarray, thumb_swing: float,
                thumb_bend: np.ndarray, thumb_to_index: bool = False) -> np.ndarray:
    """(21, 3) keypoints of a right hand in the hand frame.

    flexion: (4, 3) degrees per finger (index..pinky) at MCP, PIP, DIP; splay: (4,) extra
    degrees toward the thumb; thumb_swing: 0 thumb out .. 1 folded across the palm;
    thumb_bend: (2,) degrees at its two outer joints; thumb_to_index: thumb tip on the
    index tip (the ok sign's ring).
    """
    points = np.zeros((21, 3))
    palm_normal = np.array([0.0, 0.0, 1.0])
    for finger in range(4):
        angle = np.radians(FINGER_SPLAY[finger] + splay[finger])
        direction = np.array([np.sin(angle), np.cos(angle), 0.0])
        first = 5 + 4 * finger
        points[first] = KNUCKLES[finger]
        points[first + 1:first + 4] = _chain(KNUCKLES[finger], FINGER_BONES[finger], direction,
                                             palm_normal, flexion[finger])
    direction = _unit((1.0 - thumb_swing) * _unit(THUMB_OUT) + thumb_swing * _unit(THUMB_ACROSS))
    inward = np.array([-1.0, 0.0, 0.6])
    toward_palm = _unit(inward - direction * (inward @ direction))
    points[1] = THUMB_BASE
    points[2] = THUMB_BASE + THUMB_BONES[0] * direction
    if thumb_to_index:
        points[4] = points[8] + np.array([0.03, -0.02, 0.04])
        points[3] = (points[2] + points[4]) / 2.0 + 0.08 * toward_palm
    else:
        points[3:5] = _chain(points[2], THUMB_BONES[1:], direction, toward_palm, thumb_bend)
    return points


def _finger_flexion(states: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    return np.array([[rng.uniform(*limits) for limits in FINGER_STATES[state]] for state in states])


def _pose(fingers: tuple[str, ...], thumb: str, rng: np.random.Generator,
          spread: float = 6.0, thumb_to_index: bool = False) -> np.ndarray:
    """3D points for finger states (index..pinky) and a thumb state out / across / half."""
    flexion = _finger_flexion(fingers, rng)
    if thumb_to_index:
        flexion[0] = [rng.uniform(25, 50), rng.uniform(35, 65), rng.uniform(15, 40)]
    splay = rng.uniform(-3, 3, 4) + np.array([1.0, 0.0, -1.0, -2.0]) * rng.uniform(0, spread)
    swing = {"out": (0.0, 0.3), "across": (0.6, 1.0), "half": (0.3, 0.6)}[thumb]
    bend = rng.uniform(0, 20, 2) if thumb == "out" else rng.uniform(15, 55, 2)
    return hand_points(flexion, splay, rng.uniform(*swing), bend, thumb_to_index)


C, E, H, B = "curled", "extended", "half", "bent"
# Named non-gestures (HaGRID's and sign-language shapes among them).
NONE_SHAPES: tuple[tuple[tuple[str, ...], str], ...] = (
    ((E, E, C, C), "across"), ((E, E, C, C), "out"), ((E, E, E, C), "across"),
    ((E, E, E, E), "across"), ((E, C, C, E), "across"), ((E, C, C, E), "out"),
    ((C, C, C, E), "out"), ((C, C, C, E), "across"), ((C, E, C, C), "across"),
    ((H, H, H, H), "half"), ((H, H, H, H), "out"), ((C, E, E, E), "across"),
    ((E, E, E, C), "out"),
    ((B, B, B, B), "out"), ((B, B, B, B), "half"), ((B, B, B, B), "across"), ((E, B, B, B), "out"),
)
GESTURE_PATTERNS = {((C, C, C, C)), ((E, C, C, C)), ((E, E, E, E))}


def _random_none(rng: np.random.Generator) -> np.ndarray:
    """A shape that is none of the gestures: a named one, or random states off the patterns."""
    if rng.random() < 0.5:
        fingers, thumb = NONE_SHAPES[rng.integers(len(NONE_SHAPES))]
        return _pose(fingers, thumb, rng, spread=10.0)
    while True:
        fingers = tuple(str(state) for state in rng.choice([C, E, H, B], 4))
        if fingers not in GESTURE_PATTERNS:
            return _pose(fingers, str(rng.choice(["out", "across", "half"])), rng, spread=10.0)


SHAPES: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "fist": lambda rng: _pose((C, C, C, C), "across", rng),
    "thumbs_up": lambda rng: _pose((C, C, C, C), "out", rng),
    "thumbs_down": lambda rng: _pose((C, C, C, C), "out", rng),
    "point_up": lambda rng: _pose((E, C, C, C), "across", rng),
    "point_right": lambda rng: _pose((E, C, C, C), "across", rng),
    "point_left": lambda rng: _pose((E, C, C, C), "across", rng),
    "ok": lambda rng: _pose((H, E, E, E), "half", rng, spread=8.0, thumb_to_index=True),
    "open_palm": lambda rng: _pose((E, E, E, E), "out", rng, spread=12.0),
    "none": _random_none,
    "point_down": lambda rng: _pose((E, C, C, C), "across", rng),
    "palm_down": lambda rng: _pose((E, E, E, E), "out", rng, spread=12.0),
    "palm_sideways": lambda rng: _pose((E, E, E, E), str(rng.choice(["out", "half"])), rng, spread=12.0),
    # A flat hand folded at the knuckles (signing, waving, reaching): straight fingers, not open.
    "flat_bent": lambda rng: _pose((B, B, B, B), str(rng.choice(["out", "half", "across"])), rng, spread=4.0),
    "thumb_sideways": lambda rng: _pose((C, C, C, C), "out", rng),
}
# What each generated shape is labelled: the orientation-only non-gestures are `none`.
ORIENTED_NONE = ("point_down", "palm_down", "palm_sideways", "thumb_sideways", "flat_bent")
SHAPE_LABELS = {name: ("none" if name in ORIENTED_NONE else name) for name in SHAPES}


# Thumbs and non-gestures are seen from any side; the other gestures face the camera
# with the palm or the back.
ANY_YAW = ("thumbs_up", "thumbs_down", "thumb_sideways", "none", "flat_bent")
MAX_YAW = 60.0


def _turn_3d(points: np.ndarray, shape: str, rng: np.random.Generator) -> np.ndarray:
    if shape in ANY_YAW:
        yaw = rng.uniform(-180, 180)
    else:
        yaw = rng.uniform(-MAX_YAW, MAX_YAW) + (180.0 if rng.random() < 0.5 else 0.0)
    yaw, pitch = np.radians(yaw), np.radians(rng.uniform(-40, 40))
    around_y = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    around_x = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    return points @ (around_x @ around_y).T


def _orient(flat: np.ndarray, shape: str, rng: np.random.Generator) -> np.ndarray:
    """Rotate 2D image-frame points (y down) so the shape's defining vector meets its range."""
    rule = ORIENTATIONS[shape]
    if rule is None:
        target, current = rng.uniform(-180, 180), 0.0
    else:
        (start, end), (low, high) = rule
        vector = flat[end] - flat[start]
        current = float(np.degrees(np.arctan2(vector[0], -vector[1])))
        target = rng.uniform(low, high)
    # Positive rotation of (x, y-down) points is counter-clockwise on screen, i.e. toward -angle.
    turn = np.radians(current - target)
    cosine, sine = np.cos(turn), np.sin(turn)
    relative = flat - flat[0]
    x, y = relative[:, 0], relative[:, 1]
    return np.stack([x * cosine + y * sine, -x * sine + y * cosine], axis=1)


def generate_shape(shape: str, rng: np.random.Generator) -> np.ndarray:
    """(21, 2) pixel keypoints of one random hand of `shape` (a key of SHAPES)."""
    while True:
        points = _turn_3d(SHAPES[shape](rng), shape, rng)
        rule = ORIENTATIONS[shape]
        if rule is not None:
            start, end = rule[0]
            full = np.linalg.norm(points[end] - points[start])
            if np.linalg.norm(points[end, :2] - points[start, :2]) < 0.5 * full:
                continue
        # Hand frame y (toward the fingers) is image "up", so flip y into image axes.
        flat = points[:, :2] * np.array([1.0, -1.0])
        return (_orient(flat, shape, rng) * PALM_PIXELS + 2.0 * PALM_PIXELS).astype(np.float32)


def generate(counts: dict[str, int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """counts: shape name -> how many. Returns (keypoints (N, 21, 2), labels (N,)),
    shapes in sorted name order, the same for the same seed."""
    rng = np.random.default_rng(seed)
    keypoints, labels = [], []
    for shape in sorted(counts):
        for _ in range(counts[shape]):
            keypoints.append(generate_shape(shape, rng))
            labels.append(SHAPE_LABELS[shape])
    return np.array(keypoints, dtype=np.float32).reshape(-1, 21, 2), np.array(labels, dtype=str)
