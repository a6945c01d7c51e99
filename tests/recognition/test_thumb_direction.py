"""gestured.recognition.thumb_direction: up vs down from where the points lie, whatever their order."""

from __future__ import annotations

import numpy as np

from gestured.recognition.thumb_direction import FEATURE_SIZE, THUMB_CHAIN, batch_features


def thumbs_up() -> np.ndarray:
    """A fist seen from the side, pixels (y grows downward): knuckles stacked, thumb up."""
    points = [(100.0, 200.0)]
    points += [(95.0, 175.0), (92.0, 150.0), (90.0, 128.0), (89.0, 108.0)]  # thumb CMC .. tip
    for finger in range(4):
        y = 160.0 + finger * 12
        points += [(120.0, y), (135.0, y + 2), (128.0, y + 6), (118.0, y + 5)]  # curled finger
    return np.array(points)


def upside_down(hand: np.ndarray) -> np.ndarray:
    turned = hand.copy()
    turned[:, 1] = 400.0 - turned[:, 1]
    return turned


def test_up_and_down_differ_where_the_thumb_tip_lies() -> None:
    up, down = batch_features(np.stack([thumbs_up(), upside_down(thumbs_up())]))
    assert up.shape == (FEATURE_SIZE,) and np.isfinite(up).all()
    share_above_tip = 2 * len(THUMB_CHAIN) + 2 + 42
    assert up[share_above_tip] == 0.0  # nothing is higher than a raised thumb's tip
    assert down[share_above_tip] > 0.9
    thumb_tip_y = 2 * len(THUMB_CHAIN) - 1
    assert up[thumb_tip_y] < -1.0 < 1.0 < down[thumb_tip_y]


def test_swapped_finger_chains_give_the_same_features() -> None:
    """OpenPose may draw the index chain where the ring finger is: the features don't mind."""
    hand = thumbs_up()
    scrambled = hand.copy()
    scrambled[5:9], scrambled[13:17] = hand[13:17], hand[5:9]
    np.testing.assert_allclose(batch_features(scrambled[None]), batch_features(hand[None]), atol=1e-6)


def test_a_missing_thumb_tip_is_flagged_and_moved_onto_its_joint() -> None:
    hand = thumbs_up()
    hand[4] = np.nan
    features = batch_features(hand[None])[0]
    assert np.isfinite(features).all()
    assert features[-len(THUMB_CHAIN):].tolist() == [0.0, 0.0, 0.0, 1.0]
    np.testing.assert_allclose(features[6:8], features[4:6])  # the tip sits on the IP joint


def test_a_collapsed_hand_gives_zeros() -> None:
    hand = thumbs_up()
    hand[1:8] = hand[10]
    assert not batch_features(hand[None]).any()
