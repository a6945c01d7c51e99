"""gestured.training.direction_stage: the OpenPose model's thumbs up/down stage."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from gestured.training import openpose_data
from gestured.training.direction_stage import train_direction_stage, training_rows
from tests.recognition.test_second_stage import hands
from tests.recognition.test_thumb_direction import thumbs_up, upside_down


def test_the_stage_trains_on_rows_and_mirrors_that_keep_their_visible_keypoints(shared_data: Path) -> None:
    keypoints, labels = training_rows(openpose_data.match_seed_rows(shared_data))
    assert np.isnan(keypoints).any() and np.isfinite(keypoints).any(axis=2).sum(axis=1).min() >= 11
    assert len(keypoints) == 496 and sorted(Counter(labels.tolist()).items()) == [("thumbs_down", 278), ("thumbs_up", 218)]


def test_the_stage_learns_up_from_down_in_the_right_label_order() -> None:
    keypoints = hands(80)[:80 // 4 * 2]  # jittered thumbs up and down, alternating
    labels = np.array(["thumbs_up", "thumbs_down"] * (len(keypoints) // 2))
    stage = train_direction_stage(keypoints, labels, 1.0, {"note": "test"})
    assert stage.labels == ("thumbs_down", "thumbs_up") and stage.output_activation == "logistic"
    probe = stage.predict_proba(stage.batch_features(np.stack([thumbs_up(), upside_down(thumbs_up())])))
    assert probe[0, 1] > 0.9 and probe[1, 0] > 0.9
    assert stage.metadata["note"] == "test" and stage.metadata["sample_counts"] == {"thumbs_down": 20, "thumbs_up": 20}


def test_the_stage_trains_on_the_two_thumbs_only() -> None:
    keypoints = hands(8)
    with pytest.raises(ValueError, match="thumbs_down and thumbs_up"):
        train_direction_stage(keypoints, np.array(["thumbs_up", "none"] * 4), 1.0, {})
