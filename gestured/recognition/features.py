"""Hand keypoints -> the feature vector the classifier sees (pure numpy, no state).

Design:
- Input is 21 (x, y) *pixel* keypoints in the canonical order (wrist, thumb 1-4,
  index 5-8, middle 9-12, ring 13-16, pinky 17-20) that MediaPipe and OpenPose share.
  Only x and y are used: OpenPose has no depth, and MediaPipe's z is noisy.
- Translation: everything is measured from the wrist.
- Scale: divided by the hand's spread (root mean square distance of the 21 points from
  their centroid), which exists for every pose, even a hand foreshortened edge-on.
- Orientation is kept on purpose: thumbs_up and thumbs_down, point_up / point_left /
  point_right differ only by it. Coordinates and bone directions are in the image's
  axes (x right, y down), never rotated to a canonical hand frame.
- Handedness is not a feature. A left hand is the mirror image of a right hand, so the
  training set holds every sample twice, as taken and mirrored horizontally with
  point_left and point_right swapped (see gestured.training.augment). Either hand then
  works, and the names stay the user's own view on an unmirrored frame.
- Degenerate input (any NaN or infinity, or all points on one spot) gives the all-zero
  vector; the default model is trained to call that `none`.

Layout of the vector (FEATURE_SIZE = 112):
  42  keypoints relative to the wrist, divided by the spread (x0, y0, ... x20, y20)
  40  unit direction of the 20 bones (parent -> child), in image axes
  15  cosine of the bend at each finger joint (1 = straight), 3 per finger
  10  distances between the 5 fingertips, every pair, divided by the spread
   5  fingertip to wrist distances, divided by the spread
"""

from __future__ import annotations

import numpy as np

FEATURE_VERSION = 1

FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
# Each finger's chain starts at the wrist: bone i joins BONE_STARTS[i] -> BONE_ENDS[i].
BONE_STARTS = np.array([start for finger in FINGERS for start in (0, *finger[:3])])
BONE_ENDS = np.array([end for finger in FINGERS for end in finger])
TIPS = np.array([4, 8, 12, 16, 20])
TIP_PAIRS = np.array([(a, b) for a in range(5) for b in range(a + 1, 5)])
# Bones per finger are consecutive in BONE_*; a joint bends between bone k and bone k+1.
JOINT_FIRST_BONES = np.array([finger * 4 + k for finger in range(5) for k in range(3)])

FEATURE_SIZE = 42 + 40 + 15 + 10 + 5
_EPSILON = 1e-6
# hand_features' single gather: 20 bones, then the 10 fingertip pairs, then the 5
# fingertips from the wrist (relative[0] is exactly 0, so tip - wrist == tip).
_VECTOR_STARTS = np.concatenate([BONE_STARTS, TIPS[TIP_PAIRS[:, 1]], np.zeros(5, dtype=int)])
_VECTOR_ENDS = np.concatenate([BONE_ENDS, TIPS[TIP_PAIRS[:, 0]], TIPS])


def batch_features(keypoints: np.ndarray) -> np.ndarray:
    """(N, 21, 2) pixel keypoints -> (N, FEATURE_SIZE) float32 features.

    Rows with a non-finite value or no spread come out as zeros.
    Raises ValueError when the array is not (N, 21, >=2); extra columns (z) are ignored.
    """
    points = np.asarray(keypoints, dtype=np.float64)
    if points.ndim != 3 or points.shape[1] != 21 or points.shape[2] < 2:
        raise ValueError(f"keypoints must have shape (N, 21, 2), got {points.shape}")
    points = points[:, :, :2]
    finite = np.asarray(np.isfinite(points).all(axis=(1, 2)))
    points = np.where(finite[:, None, None], points, 0.0)
    centred = points - points.mean(axis=1, keepdims=True)
    spread = np.sqrt((centred**2).sum(axis=2).mean(axis=1))
    valid = finite & (spread > _EPSILON)
    scale = np.where(valid, spread, 1.0)[:, None, None]
    relative = (points - points[:, :1]) / scale

    bones = relative[:, BONE_ENDS] - relative[:, BONE_STARTS]
    bone_lengths = np.linalg.norm(bones, axis=2, keepdims=True)
    directions = np.divide(bones, bone_lengths, out=np.zeros_like(bones), where=bone_lengths > _EPSILON)
    bends = (directions[:, JOINT_FIRST_BONES] * directions[:, JOINT_FIRST_BONES + 1]).sum(axis=2)

    tips = relative[:, TIPS]
    tip_distances = np.linalg.norm(tips[:, TIP_PAIRS[:, 0]] - tips[:, TIP_PAIRS[:, 1]], axis=2)
    wrist_distances = np.linalg.norm(tips, axis=2)

    features = np.concatenate(
        [
            relative.reshape(len(points), -1),
            directions.reshape(len(points), -1),
            bends,
            tip_distances,
            wrist_distances,
        ],
        axis=1,
    )
    features[~valid] = 0.0
    return features.astype(np.float32)


def hand_features(keypoints: np.ndarray) -> np.ndarray:
    """(21, 2) pixel keypoints of one hand -> (FEATURE_SIZE,) float32 features.

    The daemon's per-frame path: the same operations as `batch_features` in the same order,
    on one hand, so the vector is bit-for-bit the batch's row (tests/recognition/test_features.py checks
    it on random, real and degenerate hands), 0.14-0.15 ms a frame in the daemon's loop
    where the batch path took 0.19-0.22 ms (benchmarks/README.md).
    Raises ValueError when the array is not (21, 2) (or (21, 3); z is ignored).
    """
    points = np.asarray(keypoints)
    if points.ndim != 2 or points.shape[0] != 21 or points.shape[1] < 2:
        raise ValueError(f"keypoints must have shape (21, 2), got {points.shape}")
    points = np.asarray(points[:, :2], dtype=np.float64)
    features = np.zeros(FEATURE_SIZE, dtype=np.float32)
    if not np.isfinite(points).all():
        return features
    centred = points - points.mean(axis=0)
    spread = np.sqrt((centred**2).sum(axis=1).mean())
    if not spread > _EPSILON:
        return features
    relative = (points - points[0]) / spread
    # Bones, fingertip pairs and fingertips from the wrist (at 0): one gather, one norm.
    vectors = relative[_VECTOR_ENDS] - relative[_VECTOR_STARTS]
    squares = vectors * vectors
    lengths = np.sqrt(squares[:, 0] + squares[:, 1])
    bones = vectors[:20]
    directions = np.divide(bones, lengths[:20, None], out=np.zeros_like(bones), where=lengths[:20, None] > _EPSILON)
    products = directions[JOINT_FIRST_BONES] * directions[JOINT_FIRST_BONES + 1]
    features[:42] = relative.ravel()
    features[42:82] = directions.ravel()
    features[82:97] = products.sum(axis=1)  # a reduce, as in batch_features: a -0.0 sum is +0.0
    features[97:] = lengths[20:]
    return features
