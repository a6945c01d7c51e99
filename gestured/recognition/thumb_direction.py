"""Features that tell thumbs up from thumbs down when OpenPose scrambles the fingers (pure numpy).

On the prototype's OpenPose keypoints the finger chains often zig-zag across the hand or the
thumb chain is drawn up the back of the fist (models/README.md), so features that follow each
finger bone by bone (gestured.recognition.features) mislead. Which way the thumb points shows
in where the points lie, whatever their order: the thumb chain and the wrist about the hand's
centroid, every point's x and y sorted (a permutation-free picture of the hand's extent), how
many points lie above the thumb's tip and above its IP joint, and the thumb tip against the
fingertips' mean. The image's y grows downward and these features are not turned with the
hand: up and down are the image's.

Missing and collapsed keypoints are decided as in gestured.recognition.openpose_features; the
centroid and spread are those of the visible keypoints, and a missing keypoint sits on its
nearest visible ancestor. An unusable hand gives all zeros. Used by the OpenPose model's second
stage (gestured.recognition.classifier's `second_stage`), never alone.
"""

from __future__ import annotations

import numpy as np

from gestured.recognition import openpose_features

FEATURE_VERSION = 1
THUMB_CHAIN = [1, 2, 3, 4]
THUMB_IP, THUMB_TIP = 3, 4
FINGERTIPS = [8, 12, 16, 20]
FEATURE_SIZE = 2 * len(THUMB_CHAIN) + 2 + 2 * 21 + 2 + 2 + len(THUMB_CHAIN)


def _about_centroid(points: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """(N, 21, 2) points about the visible points' centroid, in units of their RMS spread."""
    known = np.nan_to_num(points)
    weights = visible[..., None].astype(np.float64)
    counts = np.maximum(visible.sum(axis=1), 1)[:, None]
    centroid = (known * weights).sum(axis=1) / counts
    offsets = known - centroid[:, None]
    spread = np.sqrt(((offsets**2).sum(axis=2) * visible).sum(axis=1) / counts[:, 0])
    return offsets / np.maximum(spread, 1e-6)[:, None, None]


def _share_above(scaled: np.ndarray, visible: np.ndarray, joint: int) -> np.ndarray:
    """(N,) the share of visible keypoints higher in the image than `joint`."""
    above = (scaled[:, :, 1] < scaled[:, joint : joint + 1, 1]) & visible
    return above.sum(axis=1) / np.maximum(visible.sum(axis=1), 1)


def batch_features(keypoints: np.ndarray) -> np.ndarray:
    """(N, 21, 2) pixel keypoints, NaN where missing -> (N, FEATURE_SIZE) float32.

    Unusable hands (openpose_features.unusable_hands) give all zeros. Raises ValueError for
    another shape.
    """
    points = np.asarray(keypoints, dtype=np.float64)
    if points.ndim != 3 or points.shape[1] != 21 or points.shape[2] < 2:
        raise ValueError(f"keypoints must have shape (N, 21, 2), got {points.shape}")
    points = points[:, :, :2]
    missing = openpose_features.missing_points(points)
    unusable = openpose_features.unusable_hands(points)
    visible = ~missing
    filled = openpose_features.fill_missing(points, missing | unusable[:, None])
    scaled = _about_centroid(filled, visible)
    thumb_against_fingertips = scaled[:, THUMB_TIP] - scaled[:, FINGERTIPS].mean(axis=1)
    features = np.concatenate([
        scaled[:, THUMB_CHAIN].reshape(len(points), -1),
        scaled[:, 0],
        np.sort(scaled[:, :, 0], axis=1),
        np.sort(scaled[:, :, 1], axis=1),
        _share_above(scaled, visible, THUMB_TIP)[:, None],
        _share_above(scaled, visible, THUMB_IP)[:, None],
        thumb_against_fingertips,
        missing[:, THUMB_CHAIN].astype(np.float64),
    ], axis=1)
    features[unusable] = 0.0
    return features.astype(np.float32)
