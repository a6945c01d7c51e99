"""gestured.features: invariances, orientation, left/right handling, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from gestured.classifier import load_classifier
from gestured.features import FEATURE_SIZE, FEATURE_VERSION, batch_features, hand_features
from gestured.training import augment, procedural


def make_hand(shape: str, seed: int = 0) -> np.ndarray:
    return procedural.generate_shape(shape, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def thumbs_up() -> np.ndarray:
    return make_hand("thumbs_up")


def test_size_and_type(thumbs_up: np.ndarray) -> None:
    features = hand_features(thumbs_up)
    assert features.shape == (FEATURE_SIZE,)
    assert features.dtype == np.float32
    assert np.isfinite(features).all()
    assert isinstance(FEATURE_VERSION, int)


def test_translation_invariant(thumbs_up: np.ndarray) -> None:
    moved = thumbs_up + np.array([313.0, -41.5], dtype=np.float32)
    np.testing.assert_allclose(hand_features(moved), hand_features(thumbs_up), atol=1e-4)


@pytest.mark.parametrize("factor", [0.05, 0.5, 3.0, 40.0])
def test_scale_invariant(thumbs_up: np.ndarray, factor: float) -> None:
    np.testing.assert_allclose(hand_features(thumbs_up * factor), hand_features(thumbs_up), atol=1e-4)


def test_orientation_kept(thumbs_up: np.ndarray) -> None:
    upside_down = augment.rotate(thumbs_up[None], 180.0)[0]
    quarter = augment.rotate(thumbs_up[None], 90.0)[0]
    reference = hand_features(thumbs_up)
    assert np.abs(hand_features(upside_down) - reference).max() > 1.0
    assert np.abs(hand_features(quarter) - reference).max() > 1.0


def test_mirror_is_a_different_vector() -> None:
    pointer = make_hand("point_right")
    assert np.abs(hand_features(augment.mirror(pointer[None])[0]) - hand_features(pointer)).max() > 1.0


@pytest.mark.parametrize("seed", range(5))
def test_shipped_model_keeps_thumb_direction(seed: int) -> None:
    classifier = load_classifier()
    up = make_hand("thumbs_up", seed)
    down = augment.rotate(up[None], 180.0)[0]
    assert classifier.predict(batch_features(np.stack([up, down]))) == ["thumbs_up", "thumbs_down"]


@pytest.mark.parametrize("seed", range(5))
def test_mirrored_point_right_is_point_left(seed: int) -> None:
    """Either hand works: a mirrored hand (the other hand) pointing the other way."""
    classifier = load_classifier()
    pointer = make_hand("point_right", seed)
    mirrored = augment.mirror(pointer[None])[0]
    assert classifier.predict(batch_features(np.stack([pointer, mirrored]))) == ["point_right", "point_left"]


def test_batch_matches_single() -> None:
    hands = np.stack([make_hand(shape) for shape in ("fist", "ok", "open_palm")])
    batch = batch_features(hands)
    for hand, row in zip(hands, batch):
        np.testing.assert_array_equal(hand_features(hand), row)


def test_depth_column_ignored(thumbs_up: np.ndarray) -> None:
    with_depth = np.concatenate([thumbs_up, np.random.default_rng(1).normal(size=(21, 1))], axis=1)
    np.testing.assert_array_equal(hand_features(with_depth), hand_features(thumbs_up))


def test_nan_gives_zeros(thumbs_up: np.ndarray) -> None:
    broken = thumbs_up.copy()
    broken[7, 1] = np.nan
    assert not hand_features(broken).any()
    broken[7, 1] = np.inf
    assert not hand_features(broken).any()


def test_degenerate_gives_zeros_and_means_none() -> None:
    collapsed = np.full((21, 2), 120.0, dtype=np.float32)
    features = hand_features(collapsed)
    assert not features.any()
    assert load_classifier().predict(features[None]) == ["none"]


def test_bad_rows_do_not_spoil_the_batch(thumbs_up: np.ndarray) -> None:
    batch = np.stack([thumbs_up, np.full((21, 2), np.nan)])
    features = batch_features(batch)
    np.testing.assert_array_equal(features[0], hand_features(thumbs_up))
    assert not features[1].any()


@pytest.mark.parametrize("shape", [(20, 2), (21,), (21, 1), (2, 21, 2)])
def test_wrong_shape_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="shape"):
        hand_features(np.zeros(shape))


def test_batch_wrong_shape_raises() -> None:
    with pytest.raises(ValueError, match="shape"):
        batch_features(np.zeros((3, 20, 2)))
