"""A classifier's second stage (format version 2): it shares the first stage's probability of
its labels among them; models without one are written and read as version 1, as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gestured.recognition import openpose_features, thumb_direction
from gestured.recognition.classifier import GestureClassifier, load_classifier
from gestured.recognition.model_format import ModelFormatError
from tests.recognition.test_thumb_direction import thumbs_up, upside_down


def hands(count: int) -> np.ndarray:
    """Thumbs up and down, moved, resized and jittered, plus arbitrary point clouds."""
    rng = np.random.default_rng(4)
    poses = [thumbs_up(), upside_down(thumbs_up())] * (count // 4)
    poses += [rng.uniform(0, 200, size=(21, 2)) for _ in range(count - len(poses))]
    scale = rng.uniform(0.5, 2.0, size=(count, 1, 1))
    return np.stack(poses) * scale + rng.normal(0, 1.0, size=(count, 21, 2)) + rng.uniform(0, 300, (count, 1, 2))


def first_stage_of(model: GestureClassifier) -> GestureClassifier:
    return GestureClassifier(model.labels, model.weights, model.biases, model.mean, model.std,
                             feature_version=model.feature_version, features=model.features, backend=model.backend)


def direction_stage(up_weight: float) -> GestureClassifier:
    """thumbs_down vs thumbs_up from the thumb tip's height alone (logistic output)."""
    weights = np.zeros((thumb_direction.FEATURE_SIZE, 1))
    weights[2 * len(thumb_direction.THUMB_CHAIN) - 1, 0] = -up_weight  # higher tip (smaller y): up
    return GestureClassifier(["thumbs_down", "thumbs_up"], [weights], [np.zeros(1)],
                             np.zeros(thumb_direction.FEATURE_SIZE), np.ones(thumb_direction.FEATURE_SIZE),
                             feature_version=thumb_direction.FEATURE_VERSION, output_activation="logistic",
                             features="thumb_direction", backend="openpose")


def test_the_shipped_openpose_model_shares_its_thumb_probability_as_its_second_stage_says() -> None:
    model = load_classifier(None, "openpose")
    assert model.second_stage is not None and model.second_stage.labels == ("thumbs_down", "thumbs_up")
    keypoints = hands(40)
    first = first_stage_of(model)
    together = model.predict_proba(model.batch_features(keypoints))
    alone = first.predict_proba(first.batch_features(keypoints))
    shares = model.second_stage.predict_proba(model.second_stage.batch_features(keypoints))
    up, down = model.labels.index("thumbs_up"), model.labels.index("thumbs_down")
    others = [index for index in range(len(model.labels)) if index not in (up, down)]
    np.testing.assert_allclose(together[:, others], alone[:, others], atol=1e-12)
    mass = alone[:, up] + alone[:, down]
    np.testing.assert_allclose(together[:, up], mass * shares[:, 1], atol=1e-12)
    np.testing.assert_allclose(together.sum(axis=1), 1.0, atol=1e-9)
    assert (np.abs(shares[:, 1] - 0.5) > 0.05).any()  # the second stage does decide something


def test_a_two_stage_model_round_trips_as_version_2(tmp_path: Path) -> None:
    shipped = load_classifier(None, "openpose")
    saved = shipped.save(tmp_path / "again")
    description = json.loads(saved.with_suffix(".json").read_text())
    assert description["format_version"] == 2
    assert description["second_stage"]["features"] == "thumb_direction"
    loaded = load_classifier(saved)
    keypoints = hands(12)
    np.testing.assert_array_equal(loaded.predict_proba(loaded.batch_features(keypoints)),
                                  shipped.predict_proba(shipped.batch_features(keypoints)))


def test_a_one_stage_model_is_still_written_as_version_1(tmp_path: Path) -> None:
    first = first_stage_of(load_classifier(None, "openpose"))
    saved = first.save(tmp_path / "single")
    assert json.loads(saved.with_suffix(".json").read_text())["format_version"] == 1
    with np.load(saved.with_suffix(".npz"), allow_pickle=False) as archive:
        assert not [name for name in archive.files if name.startswith("second_")]
    assert load_classifier(saved).second_stage is None


def test_the_second_stage_turns_a_thumb_the_first_stage_points_the_wrong_way() -> None:
    """A first stage that always says thumbs_down, 0.9: the second stage's direction wins."""
    size = openpose_features.FEATURE_SIZE
    model = GestureClassifier(["none", "thumbs_down", "thumbs_up"], [np.zeros((size, 3))],
                              [np.log(np.array([0.1, 0.9, 1e-12]))], np.zeros(size), np.ones(size),
                              feature_version=openpose_features.FEATURE_VERSION, features="openpose",
                              backend="openpose", second_stage=direction_stage(up_weight=20.0))
    up, down = model.predict_proba(model.batch_features(np.stack([thumbs_up(), upside_down(thumbs_up())])))
    assert up.tolist() == pytest.approx([0.1, 0.0, 0.9], abs=1e-6)
    assert down.tolist() == pytest.approx([0.1, 0.9, 0.0], abs=1e-6)


def test_a_second_stage_must_split_first_stage_labels_other_than_none() -> None:
    shipped = load_classifier(None, "openpose")
    for labels in (["none", "thumbs_up"], ["thumbs_down", "wave"]):
        stage = direction_stage(1.0)
        stage = GestureClassifier(labels, stage.weights, stage.biases, stage.mean, stage.std,
                                  feature_version=stage.feature_version, output_activation="logistic",
                                  features="thumb_direction")
        with pytest.raises(ValueError, match="second stage"):
            GestureClassifier(shipped.labels, shipped.weights, shipped.biases, shipped.mean, shipped.std,
                              feature_version=1, features="openpose", second_stage=stage)


def _edit(base: Path, change: dict[str, object] | None = None, second: dict[str, object] | None = None) -> None:
    path = base.with_suffix(".json")
    description = json.loads(path.read_text())
    description.update(change or {})
    description["second_stage"].update(second or {})
    path.write_text(json.dumps(description))


def _drop_second_stage(base: Path) -> None:
    path = base.with_suffix(".json")
    description = json.loads(path.read_text())
    del description["second_stage"]
    path.write_text(json.dumps(description))


def _drop_array(base: Path, name: str) -> None:
    path = base.with_suffix(".npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files if key != name}
    with path.open("wb") as out:
        np.savez(out, **arrays)


BROKEN = {
    "version 1 with a second stage": (lambda base: _edit(base, {"format_version": 1}), "needs format version 2"),
    "version 2 without one": (_drop_second_stage, "needs a \"second_stage\""),
    "labels not in the first stage": (lambda base: _edit(base, second={"labels": ["thumbs_down", "wave"]}),
                                      "first-stage labels"),
    "unknown features": (lambda base: _edit(base, second={"features": "depth"}), "second_stage: unknown features"),
    "missing array": (lambda base: _drop_array(base, "second_weights_0"), "holds arrays"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_second_stage_gives_one_clear_line(tmp_path: Path, case: str) -> None:
    base = load_classifier(None, "openpose").save(tmp_path / "model")
    breaker, expected = BROKEN[case]
    breaker(base)
    with pytest.raises(ModelFormatError) as raised:
        load_classifier(base)
    assert expected in str(raised.value) and "\n" not in str(raised.value)
