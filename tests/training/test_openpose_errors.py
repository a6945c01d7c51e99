"""gestured.training.openpose_errors: measuring OpenPose's errors and applying them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gestured.training import openpose_errors
from gestured.training.augment import rotate
from tests.recognition.test_openpose_features import open_hand


def hands(count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` copies of the open hand, jittered, turned and shifted."""
    base = np.repeat(open_hand()[None], count, axis=0) + rng.normal(scale=1.0, size=(count, 21, 2))
    turned = rotate(base, rng.uniform(0, 360, count))
    return turned + rng.uniform(0, 300, size=(count, 1, 2))


def test_measure_finds_a_known_offset_collapse_and_background_peak() -> None:
    rng = np.random.default_rng(0)
    mediapipe = hands(200, rng)
    axes = openpose_errors.hand_axes(mediapipe)
    local = openpose_errors.to_hand_axes(mediapipe, axes)
    local[:, 4] += [0.2, -0.1]  # the thumb tip sits off by a fixed amount in the hand's axes
    openpose = openpose_errors.from_hand_axes(local, axes)
    openpose[:50, 20] = openpose[:50, 4]  # the pinky tip collapses onto the thumb tip in 50 frames
    background = mediapipe.mean(axis=1) + 400  # far from every hand...
    background[:20] = mediapipe[:20, 0] + 200  # ... and in 20 frames the middle tip sits on it
    openpose[:20, 12] = background[:20]
    model = openpose_errors.measure(openpose, background, mediapipe)
    assert model.frames == 200
    np.testing.assert_allclose(model.offsets[4], [0.2, -0.1], atol=0.02)
    assert model.outlier_rate[20] == pytest.approx(0.25)
    assert model.collapse_share[20] == pytest.approx(1.0)
    assert model.partners[20][4] == pytest.approx(1.0)
    assert model.outlier_rate[12] == pytest.approx(0.1)
    assert model.missing_share[12] == pytest.approx(1.0)
    assert model.outlier_rate[0] == 0.0 and model.outlier_rate[4] == 0.0
    assert sum(model.failures_per_hand) == pytest.approx(1.0)
    assert model.failures_per_hand[2] == pytest.approx(0.1)  # 20 hands lost two keypoints
    assert model.failures_per_hand[1] == pytest.approx(0.15)


def test_measure_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="matching"):
        openpose_errors.measure(np.zeros((3, 21, 2)), np.zeros((3, 2)), np.zeros((2, 21, 2)))


def plain_model(**changes: object) -> openpose_errors.ErrorModel:
    model = openpose_errors.ErrorModel(
        frames=1, offsets=[[0.0, 0.0]] * 21, noise=[[0.0, 0.0]] * 21, outlier_rate=[0.5] * 21,
        collapse_share=[0.0] * 21, missing_share=[0.0] * 21, partners=[[0.0] * 21] * 21,
        astray_mean=[0.0, 0.0], astray_std=[0.0, 0.0], failures_per_hand=[1.0] + [0.0] * 21,
    )
    return replace(model, **changes)


def test_apply_moves_keypoints_along_the_hand_not_the_image() -> None:
    rng = np.random.default_rng(1)
    upright = open_hand()[None]
    turned = rotate(upright, np.array([90.0]))
    offsets = [[0.0, 0.0]] * 21
    offsets[8] = [0.5, 0.0]  # index tip: half a spread further along the wrist -> knuckle axis
    model = plain_model(offsets=offsets)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openpose_errors, "GRID_PITCH", (0.0, 0.0))
        moved_upright = openpose_errors.apply(upright, model, rng)[0]
        moved_turned = openpose_errors.apply(turned, model, rng)[0]
    shift_upright = moved_upright[8] - upright[0, 8]
    shift_turned = moved_turned[8] - turned[0, 8]
    assert shift_upright[1] < -5 and abs(shift_upright[0]) < abs(shift_upright[1]) / 4  # up the image
    np.testing.assert_allclose(np.linalg.norm(shift_turned), np.linalg.norm(shift_upright), rtol=1e-4)
    assert abs(shift_turned[1]) < abs(shift_turned[0]) / 4  # turned a quarter: sideways
    np.testing.assert_allclose(np.delete(moved_upright, 8, axis=0), np.delete(upright[0], 8, axis=0), atol=1e-4)


def test_apply_fails_as_many_keypoints_as_the_histogram_says_in_the_measured_ways() -> None:
    rng = np.random.default_rng(2)
    failures = [0.0] * 22
    failures[6] = 1.0  # every hand loses exactly six keypoints
    model = plain_model(failures_per_hand=failures, missing_share=[1.0] * 21)
    result = openpose_errors.apply(hands(50, rng), model, rng)
    assert (np.isnan(result).all(axis=2).sum(axis=1) == 6).all()
    collapsing = plain_model(failures_per_hand=failures, collapse_share=[1.0] * 21,
                             outlier_rate=[0.0] + [0.5] * 20,  # the wrist never fails: all land on it
                             partners=[[1.0] + [0.0] * 20] * 21)
    collapsed = openpose_errors.apply(hands(50, rng), collapsing, rng)
    on_wrist = (np.abs(collapsed - collapsed[:, :1]).max(axis=2) < 1e-3).sum(axis=1) - 1
    assert (on_wrist == 6).all()


def test_apply_is_repeatable_with_the_same_seed() -> None:
    keypoints = hands(20, np.random.default_rng(3))
    model = plain_model(noise=[[0.1, 0.1]] * 21, failures_per_hand=[0.5, 0.5] + [0.0] * 20)
    first = openpose_errors.apply(keypoints, model, np.random.default_rng(7))
    second = openpose_errors.apply(keypoints, model, np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)
