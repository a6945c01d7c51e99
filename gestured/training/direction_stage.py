"""The OpenPose model's second stage: thumbs up or down, once the first stage says "a thumb".

The nine-label OpenPose model confuses the two thumbs where OpenPose scrambles the finger
chains (models/README.md). This stage is a logistic regression over
gestured.recognition.thumb_direction's scramble-tolerant features, trained on the
prototype's real OpenPose rows only: the kept (deduplicated) training-side photos' rows, as
they are and mirrored, the same rows the first stage reads (no held-out photo's row, nor any
row after the split). It reads no MediaPipe keypoints, so it rebuilds the same from the CSV
on any machine. The classifier (gestured.recognition.classifier) shares the first stage's
thumbs_up + thumbs_down probability between the two as this stage says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gestured.recognition import openpose_features, thumb_direction
from gestured.recognition.classifier import GestureClassifier
from gestured.training import augment, openpose_data
from gestured.training.mlp import standardisation

LABELS = ("thumbs_down", "thumbs_up")


def training_rows(seed_rows: openpose_data.SeedRows) -> tuple[np.ndarray, np.ndarray]:
    """The kept training-side photos' OpenPose rows (NaN on the background peak) and their
    mirror images, without the unusable ones (collapsed or mostly missing)."""
    chosen = (seed_rows.split == "train") & seed_rows.kept
    keypoints = seed_rows.rows.with_missing()[chosen]
    labels = seed_rows.rows.labels[chosen]
    keypoints = np.concatenate([keypoints, augment.mirror(keypoints, np.float64)])
    labels = np.concatenate([labels, labels])  # a mirrored thumb points the same way
    usable = ~openpose_features.unusable_hands(keypoints)
    return keypoints[usable], labels[usable]


def train_direction_stage(keypoints: np.ndarray, labels: np.ndarray, regularisation: float,
                          metadata: dict[str, Any]) -> GestureClassifier:
    """A two-label GestureClassifier (thumbs_down, thumbs_up; logistic output) over
    thumb_direction features. `regularisation` is scikit-learn's C (inverse strength).

    Raises ValueError when the labels are not exactly the two thumbs.
    """
    from sklearn.linear_model import LogisticRegression

    if tuple(sorted(set(labels.tolist()))) != LABELS:
        raise ValueError(f"the direction stage trains on {' and '.join(LABELS)} rows only")
    features = thumb_direction.batch_features(keypoints).astype(np.float64)
    mean, std = standardisation(features)
    model = LogisticRegression(C=regularisation, max_iter=5000).fit((features - mean) / std, labels)
    counts = {label: int((labels == label).sum()) for label in LABELS}
    return GestureClassifier(
        [str(label) for label in model.classes_], [model.coef_.T], [model.intercept_], mean, std,
        feature_version=thumb_direction.FEATURE_VERSION, output_activation="logistic",
        features="thumb_direction", backend="openpose",
        metadata={**metadata, "model": "logistic regression", "regularisation_C": regularisation,
                  "sample_counts": counts},
    )
