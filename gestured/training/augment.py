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

A missing keypoint (NaN: OpenPose's, see gestured.recognition.openpose_features) stays
missing and leaves the hand's others finite: the mirror's axis, a spread and a missing
wrist's stand-in pivot come from the visible keypoints. Hands without a NaN (MediaPipe's)
go through exactly the arithmetic they did before missing keypoints were handled.
"""

from __future__ import annotations

import numpy as np

MAX_ROTATION = 15.0
MAX_STRETCH = 0.1
JITTER = 0.015
POINTER_TURN_SPREAD = 15.0
MIRRORED_LABELS = {"point_left": "point_right", "point_right": "point_left"}


def visible_mean(values: np.ndarray) -> np.ndarray:
    """(N, K) values, NaN = missing -> (N, 1) mean of each row's finite values (NaN when a row
    has none). Rows without a NaN get exactly `values.mean(axis=-1)`, so hands without missing
    keypoints (MediaPipe's) are augmented with the same arithmetic as before NaN was handled."""
    mean = values.mean(axis=-1, keepdims=True)
    gaps = np.isnan(mean[:, 0])
    if gaps.any():
        rows = values[gaps]
        finite = np.isfinite(rows)
        counts = finite.sum(axis=-1, keepdims=True)
        total = np.where(finite, rows, 0).sum(axis=-1, keepdims=True)
        mean[gaps] = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
    return mean


def mirror(keypoints: np.ndarray, dtype: type[np.floating] = np.float32) -> np.ndarray:
    """Flip (N, 21, 2) keypoints left-right about the mean x of each hand's visible keypoints
    (missing ones are NaN and stay NaN; one of them must not wipe out the hand's others).
    The result is `dtype`: float32 as training sets keep keypoints; the OpenPose second stage
    keeps the prototype's CSV rows in float64."""
    flipped = keypoints.astype(dtype).copy()
    mean_x = visible_mean(flipped[..., 0])
    flipped[..., 0] = 2.0 * mean_x - flipped[..., 0]
    return flipped


def mirror_labels(labels: np.ndarray) -> np.ndarray:
    """Labels of mirrored samples: point_left <-> point_right, the rest unchanged."""
    return np.array([MIRRORED_LABELS.get(str(label), str(label)) for label in labels], dtype=str)


def rotate(keypoints: np.ndarray, degrees: np.ndarray | float) -> np.ndarray:
    """Rotate (N, 21, 2) keypoints about each wrist (`pivot`), counter-clockwise on screen.

    degrees: one angle, or (N,) angles, one per hand.
    """
    points = keypoints.astype(np.float32)
    radians = np.radians(np.broadcast_to(np.asarray(degrees, dtype=np.float64), points.shape[:1]))
    cosine, sine = np.cos(radians)[:, None], np.sin(radians)[:, None]
    centre = pivot(points)
    relative = points - centre
    # y grows downward, so screen-counter-clockwise is x' = x cos + y sin, y' = -x sin + y cos.
    x, y = relative[..., 0], relative[..., 1]
    turned = np.stack([x * cosine + y * sine, -x * sine + y * cosine], axis=-1)
    return (turned + centre).astype(np.float32)


def pivot(keypoints: np.ndarray) -> np.ndarray:
    """(N, 1, 2): each hand's wrist, or the centroid of its visible keypoints where the wrist
    is missing (NaN). Turning or stretching about another point only moves the hand, which
    the features ignore, and a missing pivot would make every keypoint missing."""
    centre = keypoints[:, :1]
    lost = np.isnan(centre).any(axis=(1, 2))
    if lost.any():
        centre = centre.copy()
        centre[lost, 0] = np.concatenate(
            [visible_mean(keypoints[lost][..., axis]) for axis in (0, 1)], axis=1)
    return centre


def spread(keypoints: np.ndarray) -> np.ndarray:
    """(N,) root mean square distance of each hand's visible (finite) points from their
    centroid."""
    centred = keypoints - keypoints.mean(axis=1, keepdims=True)
    result = np.sqrt((centred**2).sum(axis=2).mean(axis=1))
    gaps = np.isnan(result)
    if gaps.any():
        hands = keypoints[gaps]
        centroid = np.stack([visible_mean(hands[..., axis]) for axis in (0, 1)], axis=-1)
        result[gaps] = np.sqrt(visible_mean(((hands - centroid) ** 2).sum(axis=2))[:, 0])
    return result


def perturb(keypoints: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One randomly perturbed copy of each (N, 21, 2) hand (small rotation, stretch, jitter)."""
    count = len(keypoints)
    turned = rotate(keypoints, rng.uniform(-MAX_ROTATION, MAX_ROTATION, count))
    stretch = 1.0 + rng.uniform(-MAX_STRETCH, MAX_STRETCH, count)
    axis = rng.integers(0, 2, count)
    factors = np.ones((count, 1, 2), dtype=np.float32)
    factors[np.arange(count), 0, axis] = stretch
    centre = pivot(turned)
    stretched = (turned - centre) * factors + centre
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
