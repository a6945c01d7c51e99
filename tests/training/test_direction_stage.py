"""gestured.training.direction_stage: the OpenPose model's thumbs up/down stage."""

from __future__ import annotations

import numpy as np
import pytest

from gestured.training.augment import mirror
from gestured.training.direction_stage import mirror_keeping_missing, train_direction_stage
from tests.recognition.test_second_stage import hands
from tests.recognition.test_thumb_direction import thumbs_up, upside_down


def test_a_mirrored_row_keeps_its_visible_keypoints() -> None:
    hand = thumbs_up()
    hand[9] = np.nan  # on the background peak in the prototype's CSV
    flipped = mirror_keeping_missing(hand[None])[0]
    assert np.isnan(flipped[9]).all() and np.isfinite(np.delete(flipped, 9, axis=0)).all()
    visible = np.delete(hand, 9, axis=0)
    np.testing.assert_allclose(np.delete(flipped, 9, axis=0)[:, 0], 2 * visible[:, 0].mean() - visible[:, 0])
    np.testing.assert_array_equal(flipped[:, 1], hand[:, 1])
    assert np.isnan(mirror(hand[None])[..., 0]).all()  # why: augment.mirror's mean x is NaN then


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
