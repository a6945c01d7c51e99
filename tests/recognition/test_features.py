"""gestured.recognition.features: invariances, orientation, left/right handling, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from gestured.recognition.classifier import load_classifier
from gestured.recognition.features import FEATURE_SIZE, FEATURE_VERSION, batch_features, hand_features
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


def _random_hands(rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """Random hands of every awkward kind: ordinary, huge, tiny, non-finite, collapsed,
    zero-length bones, overflowing, with a z column, float32 and float64."""
    hands = []
    for index in range(count):
        kind = index % 8
        points = rng.normal(300, 80, (21, 2))
        if kind == 1:
            points = rng.uniform(-1e6, 1e6, (21, 2))
        elif kind == 2:
            points = rng.normal(0, 1e-7, (21, 2)) + 5  # spread below the epsilon
        elif kind == 3:
            points[rng.integers(21)] = rng.choice([np.nan, np.inf, -np.inf])
        elif kind == 4:
            points[:] = points[0]
        elif kind == 5:
            points[rng.integers(0, 21, 5)] = points[0]  # zero-length bones: -0.0 bends
        elif kind == 6:
            points = rng.normal(0, 1e300, (21, 2))  # overflows to inf / nan inside
        elif kind == 7:
            points = np.concatenate([points, rng.normal(0, 1, (21, 1))], axis=1)
        with np.errstate(over="ignore"):
            hands.append(points.astype(np.float32 if index % 3 else np.float64))
    return hands


def _same_bits(one: np.ndarray, two: np.ndarray) -> bool:
    return one.dtype == two.dtype and one.shape == two.shape and one.tobytes() == two.tobytes()


def test_single_hand_path_is_bit_for_bit_the_batch_row() -> None:
    hands = _random_hands(np.random.default_rng(4), 4000)
    hands += [make_hand(shape, seed) for shape in ("fist", "ok", "open_palm", "thumbs_up") for seed in range(5)]
    with np.errstate(all="ignore"):
        mismatches = [index for index, hand in enumerate(hands)
                      if not _same_bits(hand_features(hand), batch_features(hand[None])[0])]
    assert mismatches == []


def test_single_hand_path_matches_the_batch_on_the_shipped_training_set() -> None:
    from gestured.paths import shipped_models_dir
    from gestured.training.dataset import load_dataset

    path = shipped_models_dir() / "gestures-training.npz"
    if not path.is_file():
        pytest.skip("no shipped training set in models/")
    keypoints = load_dataset(path).keypoints
    batch = batch_features(keypoints)
    assert len(keypoints) > 1000
    assert all(_same_bits(hand_features(hand), row) for hand, row in zip(keypoints, batch))
