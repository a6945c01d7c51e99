"""Geometric augmentation of (N, 21, 2) keypoints, and what each step adds.

- `mirror`: flips x. A right hand becomes a left hand, and a point to one side becomes a
  point to the other, so `mirror_labels` swaps point_left and point_right. This is how
  either hand works without handedness in the features (see gestured.recognition.features).
- `rotate`: in-plane rotation about the wrist, counter-clockwise *as seen on screen* for
  positive degrees (image y grows downward). Small angles (up to `MAX_ROTATION`) keep
  every label. A quarter turn of a point_up hand relabels it (`turn_pointers`): +90
  (counter-clockwise) swings the fingertip to the image's left edge, which is the user's
  point_right on an unmirrored camera; -90 gives point_left.
- `perturb`: a random small rotation, a stretch of one axis by up to `MAX_STRETCH`
  (what a slight out-of-plane tilt does), and Gaussian jitter of each point with
  sigma `JITTER` times the hand's spread (keypoint noise). Uniform scale and translation
  are not added: the features are invariant to them, so they would add nothing.
None of this invents a new hand shape: it only shows known shapes at nearby angles.
"""

from __future__ import annotations

import numpy as np

MAX_ROTATION = 15.0
MAX_STRETCH = 0.1
JITTER = 0.015
POINTER_TURN_SPREAD = 15.0
MIRRORED_LABELS = {"point_left": "point_right", "point_right": "point_left"}


def mirror(keypoints: np.ndarray) -> np.ndarray:
    """Flip (N, 21, 2) keypoints left-right about each hand's own mean x."""
    flipped = keypoints.astype(np.float32).copy()
    mean_x = flipped[..., 0].mean(axis=-1, keepdims=True)
    flipped[..., 0] = 2.0 * mean_x - flipped[..., 0]
    return flipped


def mirror_labels(labels: np.ndarray) -> np.ndarray:
    """Labels of mirrored samples: point_left <-> point_right, the rest unchanged."""
    return np.array([MIRRORED_LABELS.get(str(label), str(label)) for label in labels], dtype=str)


def rotate(keypoints: np.ndarray, degrees: np.ndarray | float) -> np.ndarray:
    """Rotate (N, 21, 2) keypoints about each wrist, counter-clockwise on screen.

    degrees: one angle, or (N,) angles, one per hand.
    """
    points = keypoints.astype(np.float32)
    radians = np.radians(np.broadcast_to(np.asarray(degrees, dtype=np.float64), points.shape[:1]))
    cosine, sine = np.cos(radians)[:, None], np.sin(radians)[:, None]
    relative = points - points[:, :1]
    # y grows downward, so screen-counter-clockwise is x' = x cos + y sin, y' = -x sin + y cos.
    x, y = relative[..., 0], relative[..., 1]
    turned = np.stack([x * cosine + y * sine, -x * sine + y * cosine], axis=-1)
    return (turned + points[:, :1]).astype(np.float32)


def spread(keypoints: np.ndarray) -> np.ndarray:
    """(N,) root mean square distance of each hand's points from their centroid."""
    centred = keypoints - keypoints.mean(axis=1, keepdims=True)
    return np.sqrt((centred**2).sum(axis=2).mean(axis=1))


def perturb(keypoints: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One randomly perturbed copy of each (N, 21, 2) hand (small rotation, stretch, jitter)."""
    count = len(keypoints)
    turned = rotate(keypoints, rng.uniform(-MAX_ROTATION, MAX_ROTATION, count))
    stretch = 1.0 + rng.uniform(-MAX_STRETCH, MAX_STRETCH, count)
    axis = rng.integers(0, 2, count)
    factors = np.ones((count, 1, 2), dtype=np.float32)
    factors[np.arange(count), 0, axis] = stretch
    wrist = turned[:, :1]
    stretched = (turned - wrist) * factors + wrist
    noise = rng.normal(0.0, 1.0, stretched.shape) * (JITTER * spread(stretched))[:, None, None]
    return (stretched + noise).astype(np.float32)


def turn_pointers(
    keypoints: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """point_up hands turned a quarter both ways -> (2N hands, labels point_right/point_left)."""
    count = len(keypoints)
    jitter = rng.uniform(-POINTER_TURN_SPREAD, POINTER_TURN_SPREAD, (2, count))
    to_left_edge = rotate(keypoints, 90.0 + jitter[0])
    to_right_edge = rotate(keypoints, -90.0 + jitter[1])
    labels = np.array(["point_right"] * count + ["point_left"] * count, dtype=str)
    return np.concatenate([to_left_edge, to_right_edge]), labels
