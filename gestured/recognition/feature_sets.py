"""The feature vectors a classifier can be trained on, by the name its JSON records.

- `hand` (gestured.recognition.features): 112 values from 21 keypoints; every keypoint must be there.
  The default, and what a model without a `features` field was trained on.
- `openpose` (gestured.recognition.openpose_features): the same 112 computed with missing keypoints
  filled in, plus 21 missing flags; a collapsed or mostly missing hand gives zeros. A
  keypoint is missing where the backend's confidence is below `MISSING_CONFIDENCE`.
- `thumb_direction` (gestured.recognition.thumb_direction): 60 values that tell thumbs up from
  down when the finger chains are scrambled; read by the OpenPose model's second stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from gestured.recognition import features as hand_features
from gestured.recognition import openpose_features, thumb_direction
from gestured.recognition.hand import Hand

DEFAULT_FEATURES = "hand"
# The OpenPose backend's own floor (`keypoint_floor`): a heatmap peak below it is noise.
MISSING_CONFIDENCE = 0.1


@dataclass(frozen=True)
class FeatureSet:
    name: str
    version: int
    size: int
    batch: Callable[[np.ndarray], np.ndarray]  # (N, 21, 2) pixels, NaN = missing -> (N, size)
    of_hand: Callable[[Hand], np.ndarray]  # one hand -> (size,)


def _with_missing(batch: Callable[[np.ndarray], np.ndarray]) -> Callable[[Hand], np.ndarray]:
    """One hand's features with its low-confidence keypoints missing (NaN)."""
    def of_hand(hand: Hand) -> np.ndarray:
        points = openpose_features.points_with_missing(hand.keypoints, hand.confidence, MISSING_CONFIDENCE)
        return batch(points[None])[0]
    return of_hand


FEATURE_SETS: dict[str, FeatureSet] = {
    "hand": FeatureSet(
        "hand", hand_features.FEATURE_VERSION, hand_features.FEATURE_SIZE,
        hand_features.batch_features, lambda hand: hand_features.hand_features(hand.keypoints),
    ),
    "openpose": FeatureSet(
        "openpose", openpose_features.FEATURE_VERSION, openpose_features.FEATURE_SIZE,
        openpose_features.batch_features, _with_missing(openpose_features.batch_features),
    ),
    "thumb_direction": FeatureSet(
        "thumb_direction", thumb_direction.FEATURE_VERSION, thumb_direction.FEATURE_SIZE,
        thumb_direction.batch_features, _with_missing(thumb_direction.batch_features),
    ),
}
