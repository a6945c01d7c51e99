"""Features that tolerate OpenPose's missing and collapsed keypoints (pure numpy, no state).

OpenPose's hand net draws one heatmap per keypoint and the keypoint is that map's peak.
Where the net is unsure, a keypoint either has a low peak (the backend reports it as a
low confidence), lands on the background's peak, or lands on the same spot as other
keypoints (several maps peak on one blob). Measured on the prototype's keypoints of the
seed thumbs against MediaPipe's of the same frames (models/README.md): a hand where five
or more keypoints share one spot had 15 or more of its 21 keypoints wrong in 95 % of
rows, so such a hand is *collapsed* and classified `none`, never a gesture.

Which keypoints are missing is decided the same way for training rows and live frames:

- a non-finite keypoint is missing (the backend's low-confidence keypoints and the CSV's
  points on the background peak are turned into NaN before this module sees them, by
  `points_with_missing` and the CSV reader);
- keypoints that share a spot (within `SHARED_SPOT` of the hand's spread of each other)
  in a group of `SHARED_GROUP` or more are missing: two neighbouring joints of a folded
  finger may legitimately fall on one heatmap cell, three rarely do.

A hand with a group of `COLLAPSE_GROUP` or more, or with fewer than `MIN_VISIBLE`
keypoints left, is unusable: its feature vector is all zeros, which the model is trained
to call `none`. Otherwise each missing keypoint is put on its nearest visible ancestor
along the finger chain (so its bone has no length and no direction), the 112 features of
`gestured.recognition.features` are computed on that hand, and 21 flags (1 = missing) follow them.
"""

from __future__ import annotations

import numpy as np

from gestured.recognition import features as hand_feature_module

FEATURE_VERSION = 1
FEATURE_SIZE = hand_feature_module.FEATURE_SIZE + 21
SHARED_SPOT = 0.08  # of the hand's spread: closer than this is one spot
SHARED_GROUP = 3
COLLAPSE_GROUP = 5
MIN_VISIBLE = 11

# Each keypoint's parent along its finger chain (the wrist has none).
PARENTS = np.array([0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19])


def _shared_spot_sizes(points: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """(N, 21) how many finite keypoints (itself included) lie on each keypoint's spot."""
    filled = np.where(finite[..., None], points, 0.0)
    count = finite.sum(axis=1)
    centroid = filled.sum(axis=1) / np.maximum(count, 1)[:, None]
    squares = np.where(finite, ((filled - centroid[:, None]) ** 2).sum(axis=2), 0.0)
    spread = np.sqrt(squares.sum(axis=1) / np.maximum(count, 1))
    distances = np.linalg.norm(filled[:, :, None] - filled[:, None, :], axis=3)
    close = (distances <= SHARED_SPOT * spread[:, None, None]) & finite[:, :, None] & finite[:, None, :]
    return np.where(finite, close.sum(axis=2), 0)


def missing_points(keypoints: np.ndarray) -> np.ndarray:
    """(N, 21, 2) keypoints (NaN = missing) -> (N, 21) True where a keypoint is missing:
    non-finite, or sharing its spot with `SHARED_GROUP` - 1 or more others."""
    points = np.asarray(keypoints, dtype=np.float64)[..., :2]
    finite = np.asarray(np.isfinite(points).all(axis=2), dtype=bool)
    return ~finite | (_shared_spot_sizes(points, finite) >= SHARED_GROUP)


def unusable_hands(keypoints: np.ndarray) -> np.ndarray:
    """(N, 21, 2) -> (N,) True for a collapsed hand (`COLLAPSE_GROUP` or more keypoints on
    one spot) or a mostly missing one (fewer than `MIN_VISIBLE` keypoints left)."""
    points = np.asarray(keypoints, dtype=np.float64)[..., :2]
    finite = np.asarray(np.isfinite(points).all(axis=2), dtype=bool)
    sizes = _shared_spot_sizes(points, finite)
    visible = finite & (sizes < SHARED_GROUP)
    return (sizes.max(axis=1) >= COLLAPSE_GROUP) | (visible.sum(axis=1) < MIN_VISIBLE)


def fill_missing(keypoints: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Each missing keypoint moved onto its nearest visible ancestor (a missing wrist onto
    the visible keypoints' centroid). Rows without any visible keypoint come back as NaN."""
    points = np.array(keypoints, dtype=np.float64)[..., :2]
    visible = ~missing
    counts = visible.sum(axis=1)
    centroid = np.where(visible[..., None], points, 0.0).sum(axis=1) / np.maximum(counts, 1)[:, None]
    centroid[counts == 0] = np.nan
    points[:, 0] = np.where(visible[:, :1], points[:, 0], centroid)
    for index in range(1, 21):  # parents come before children, so they are filled already
        parent = points[:, PARENTS[index]]
        points[:, index] = np.where(visible[:, index : index + 1], points[:, index], parent)
    return points


def batch_features(keypoints: np.ndarray) -> np.ndarray:
    """(N, 21, 2) pixel keypoints, NaN where missing -> (N, FEATURE_SIZE) float32.

    Unusable hands (`unusable_hands`) give all zeros. Raises ValueError for another shape.
    """
    points = np.asarray(keypoints, dtype=np.float64)
    if points.ndim != 3 or points.shape[1] != 21 or points.shape[2] < 2:
        raise ValueError(f"keypoints must have shape (N, 21, 2), got {points.shape}")
    points = points[:, :, :2]
    missing = missing_points(points)
    unusable = unusable_hands(points)
    filled = fill_missing(points, missing | unusable[:, None])
    features = np.concatenate(
        [hand_feature_module.batch_features(np.nan_to_num(filled)), missing.astype(np.float32)], axis=1,
    )
    features[unusable] = 0.0
    return features.astype(np.float32)


def points_with_missing(keypoints: np.ndarray, confidence: np.ndarray | None, floor: float) -> np.ndarray:
    """(21, 2) keypoints with NaN where the backend's confidence is below `floor`
    (unchanged when the backend gives no confidence)."""
    points = np.array(keypoints, dtype=np.float64)[:, :2]
    if confidence is not None:
        points[np.asarray(confidence) < floor] = np.nan
    return points
