"""gestured.recognition.openpose_features: features that tolerate missing and collapsed keypoints."""

from __future__ import annotations

import numpy as np

from gestured.recognition import features as hand_features
from gestured.recognition import openpose_features
from gestured.recognition.openpose_features import FEATURE_SIZE, batch_features, missing_points, unusable_hands


def open_hand() -> np.ndarray:
    """A plausible upright right hand in pixels: wrist at the bottom, fingers up."""
    points = [(100.0, 200.0)]
    for finger, (base_x, spread) in enumerate([(70, 25), (85, 0), (100, 0), (115, 0), (130, 0)]):
        for joint in range(4):
            x = base_x - (spread * joint / 3 if finger == 0 else 0)
            points.append((x, 160.0 - joint * 22 + finger * 3))
    return np.array(points)


def test_a_whole_hand_gives_the_hand_features_and_no_missing_flags() -> None:
    hand = open_hand()[None]
    features = batch_features(hand)
    assert features.shape == (1, FEATURE_SIZE)
    np.testing.assert_array_equal(features[0, : hand_features.FEATURE_SIZE], hand_features.batch_features(hand)[0])
    assert not features[0, hand_features.FEATURE_SIZE :].any()


def test_a_missing_keypoint_is_flagged_and_sits_on_its_parent() -> None:
    hand = open_hand()
    hand[8] = np.nan  # index fingertip
    features = batch_features(hand[None])[0]
    flags = features[hand_features.FEATURE_SIZE :]
    assert np.isfinite(features).all()
    assert flags.tolist() == [1.0 if index == 8 else 0.0 for index in range(21)]
    filled = hand.copy()
    filled[8] = filled[7]
    np.testing.assert_allclose(features[: hand_features.FEATURE_SIZE], hand_features.batch_features(filled[None])[0],
                               rtol=1e-6, atol=1e-6)


def test_three_keypoints_on_one_spot_are_missing_two_are_not() -> None:
    hand = open_hand()
    pair, triple = hand.copy(), hand.copy()
    pair[20] = pair[19]
    triple[19] = triple[20] = triple[18]
    assert not missing_points(pair[None]).any()
    assert missing_points(triple[None])[0].tolist() == [index in (18, 19, 20) for index in range(21)]


def test_a_collapsed_hand_is_unusable_and_gives_zeros() -> None:
    hand = open_hand()
    hand[5:10] = hand[12]  # five keypoints and the middle tip on one spot
    assert unusable_hands(hand[None]).tolist() == [True]
    assert not batch_features(hand[None]).any()


def test_a_mostly_missing_hand_is_unusable() -> None:
    hand = open_hand()
    nearly = hand.copy()
    nearly[11:] = np.nan  # ten missing: eleven left
    mostly = hand.copy()
    mostly[10:] = np.nan  # eleven missing: ten left
    assert unusable_hands(np.stack([hand, nearly, mostly])).tolist() == [False, False, True]


def test_a_missing_wrist_sits_on_the_centroid_of_the_rest() -> None:
    hand = open_hand()
    hand[0] = np.nan
    filled = openpose_features.fill_missing(hand[None], missing_points(hand[None]))[0]
    np.testing.assert_allclose(filled[0], np.nanmean(hand, axis=0))
    np.testing.assert_allclose(filled[1:], hand[1:])


def test_low_confidence_keypoints_become_missing() -> None:
    confidence = np.full(21, 0.8)
    confidence[[4, 8]] = 0.05
    points = openpose_features.points_with_missing(open_hand(), confidence, floor=0.1)
    assert np.isnan(points[[4, 8]]).all() and np.isfinite(np.delete(points, [4, 8], axis=0)).all()
    np.testing.assert_array_equal(openpose_features.points_with_missing(open_hand(), None, 0.1), open_hand())
