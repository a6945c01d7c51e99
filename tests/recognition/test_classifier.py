"""The classifier: numpy forward pass vs sklearn, the no-pickle file format, and `none`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gestured.recognition import features
from gestured.recognition.classifier import GestureClassifier, Prediction, load_classifier
from gestured.recognition.model_format import FORMAT_VERSION, ModelFormatError
from gestured.errors import GesturedError
from gestured.paths import shipped_models_dir
from gestured.recognition.hand import Hand
from gestured.training.mlp import cross_validate, fit_mlp, from_sklearn, train_classifier


def random_hand(rng: np.random.Generator) -> np.ndarray:
    """21 (x, y) pixel points of an arbitrary 'pose' in a 100 px box."""
    return rng.uniform(0, 100, size=(21, 2)).astype(np.float32)


def pose_samples(template: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` noisy copies of one pose, moved and resized (features ignore both)."""
    noise = rng.normal(0, 2.0, size=(count, 21, 2))
    scale = rng.uniform(0.5, 3.0, size=(count, 1, 1))
    shift = rng.uniform(0, 400, size=(count, 1, 2))
    return ((template + noise) * scale + shift).astype(np.float32)


@pytest.fixture(scope="module")
def synthetic() -> dict:
    """Three separable poses plus `none`: many unrelated random poses."""
    rng = np.random.default_rng(7)
    templates = {name: random_hand(rng) for name in ("alpha", "beta", "gamma")}
    keypoints, labels = [], []
    for name, template in templates.items():
        keypoints.append(pose_samples(template, 80, rng))
        labels += [name] * 80
    keypoints.append(np.stack([random_hand(rng) for _ in range(400)]))
    labels += ["none"] * 400
    return {
        "templates": templates,
        "features": features.batch_features(np.concatenate(keypoints)),
        "labels": np.array(labels),
        "rng": rng,
    }


@pytest.fixture(scope="module")
def trained(synthetic: dict) -> GestureClassifier:
    return train_classifier(synthetic["features"], synthetic["labels"], hidden_layers=(32, 16), seed=3,
                            metadata={"data_sources": ["synthetic"]})


def test_numpy_forward_pass_matches_sklearn_predict_proba(synthetic: dict) -> None:
    model, mean, std = fit_mlp(synthetic["features"], synthetic["labels"], hidden_layers=(32, 16), seed=1)
    classifier = from_sklearn(model, mean, std)
    probe = synthetic["features"][::7] + synthetic["rng"].normal(0, 0.1, (len(synthetic["features"][::7]), 1))
    expected = model.predict_proba((probe - mean) / std)
    np.testing.assert_allclose(classifier.predict_proba(probe), expected, atol=1e-5)
    assert classifier.labels == tuple(model.classes_)
    assert classifier.predict(probe) == list(model.predict((probe - mean) / std))


def test_two_label_model_uses_logistic_output_like_sklearn(synthetic: dict) -> None:
    keep = np.isin(synthetic["labels"], ["alpha", "beta"])
    model, mean, std = fit_mlp(synthetic["features"][keep], synthetic["labels"][keep], hidden_layers=(8,))
    classifier = from_sklearn(model, mean, std)
    assert classifier.output_activation == "logistic"
    probe = synthetic["features"][:50]
    np.testing.assert_allclose(classifier.predict_proba(probe), model.predict_proba((probe - mean) / std),
                               atol=1e-5)


def test_training_is_deterministic_for_a_seed(synthetic: dict) -> None:
    first = train_classifier(synthetic["features"][::3], synthetic["labels"][::3], hidden_layers=(8,), seed=5)
    second = train_classifier(synthetic["features"][::3], synthetic["labels"][::3], hidden_layers=(8,), seed=5)
    for one, two in zip(first.weights, second.weights):
        np.testing.assert_array_equal(one, two)
    assert first.metadata["sample_counts"]["none"] == 134


def test_training_needs_two_labels(synthetic: dict) -> None:
    with pytest.raises(GesturedError, match="at least two labels"):
        train_classifier(synthetic["features"][:10], ["alpha"] * 10)


def test_classifier_says_none_for_unrelated_poses(synthetic: dict, trained: GestureClassifier) -> None:
    rng = np.random.default_rng(99)
    unrelated = [trained.classify(Hand.from_pixels(random_hand(rng), (640, 480))) for _ in range(50)]
    said_none = sum(prediction.label == "none" for prediction in unrelated)
    assert said_none >= 45, [prediction.label for prediction in unrelated]
    for name, template in synthetic["templates"].items():
        poses = pose_samples(template, 20, rng)
        predictions = [trained.classify(Hand.from_pixels(points, (640, 480))) for points in poses]
        assert [prediction.label for prediction in predictions] == [name] * 20
        assert all(0.5 < prediction.confidence <= 1.0 for prediction in predictions)


def test_classify_returns_the_top_probability(trained: GestureClassifier) -> None:
    hand = Hand.from_pixels(random_hand(np.random.default_rng(1)), (640, 480))
    probabilities = trained.predict_proba(features.hand_features(hand.keypoints))[0]
    prediction = trained.classify(hand)
    assert isinstance(prediction, Prediction)
    assert prediction.label == trained.labels[int(probabilities.argmax())]
    assert prediction.confidence == pytest.approx(float(probabilities.max()))
    assert probabilities.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("given", ["model", "model.npz", "model.json"])
def test_save_and_load_round_trip(tmp_path: Path, trained: GestureClassifier, synthetic: dict, given: str) -> None:
    base = trained.save(tmp_path / "model")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.json", "model.npz"]
    loaded = GestureClassifier.load(tmp_path / given)
    assert base == tmp_path / "model"
    assert loaded.labels == trained.labels
    assert loaded.feature_version == features.FEATURE_VERSION
    assert loaded.metadata == trained.metadata
    np.testing.assert_array_equal(loaded.predict_proba(synthetic["features"]),
                                  trained.predict_proba(synthetic["features"]))
    description = json.loads((tmp_path / "model.json").read_text())
    assert description["layer_sizes"] == [features.FEATURE_SIZE, 32, 16, 4]
    assert description["metadata"]["data_sources"] == ["synthetic"]
    with np.load(tmp_path / "model.npz", allow_pickle=False) as archive:
        assert all(archive[name].dtype == np.float32 for name in archive.files)


def _edit_json(path: Path, **changes: object) -> None:
    description = json.loads(path.read_text())
    description.update(changes)
    path.write_text(json.dumps(description))


def _edit_npz(path: Path, **changes: np.ndarray) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays.update(changes)
    with path.open("wb") as out:
        np.savez(out, **arrays)


BROKEN = {
    "no npz": (lambda base: (base.parent / "model.npz").unlink(), "not found"),
    "no json": (lambda base: (base.parent / "model.json").unlink(), "not found"),
    "not json": (lambda base: (base.parent / "model.json").write_text("{labels: ["), "unreadable JSON"),
    "not a model": (lambda base: (base.parent / "model.json").write_text("[1, 2]"), "not a gestured classifier"),
    "format version": (lambda base: _edit_json(base.parent / "model.json", format_version=FORMAT_VERSION + 1),
                       "format version"),
    "feature version": (lambda base: _edit_json(base.parent / "model.json",
                                                feature_version=features.FEATURE_VERSION + 1), "feature version"),
    "feature size": (lambda base: _edit_json(base.parent / "model.json", feature_size=3), "features"),
    "labels vs outputs": (lambda base: _edit_json(base.parent / "model.json", labels=["a", "b", "c"]),
                          "3 labels but 4"),
    "duplicate labels": (lambda base: _edit_json(base.parent / "model.json", labels=["a", "a", "b", "c"]),
                         "distinct"),
    "activation": (lambda base: _edit_json(base.parent / "model.json", activation="__import__('os')"),
                   "unknown activation"),
    "wrong shape": (lambda base: _edit_npz(base.parent / "model.npz", weights_1=np.zeros((32, 15), np.float32)),
                    "shape"),
    "missing array": (lambda base: _edit_npz(base.parent / "model.npz", extra=np.zeros(1, np.float32)),
                      "holds arrays"),
    "nan": (lambda base: _edit_npz(base.parent / "model.npz", biases_0=np.full(32, np.nan, np.float32)),
            "NaN"),
    "integer weights": (lambda base: _edit_npz(base.parent / "model.npz", biases_2=np.zeros(4, np.int64)),
                        "dtype"),
    "zero std": (lambda base: _edit_npz(base.parent / "model.npz",
                                        std=np.zeros(features.FEATURE_SIZE, np.float32)), "positive"),
    "not a zip": (lambda base: (base.parent / "model.npz").write_bytes(b"PK\x03\x04 garbage"), "not an .npz archive"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_model_file_gives_one_clear_line(tmp_path: Path, trained: GestureClassifier, case: str) -> None:
    base = trained.save(tmp_path / "model")
    breaker, expected = BROKEN[case]
    breaker(base)
    with pytest.raises(ModelFormatError) as raised:
        GestureClassifier.load(base)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message
    assert "gestured train" in message


class _RunsCodeWhenUnpickled:
    """Unpickling this would create `marker` (what a hostile model file would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def test_object_array_in_npz_is_refused_and_never_unpickled(tmp_path: Path, trained: GestureClassifier) -> None:
    base = trained.save(tmp_path / "model")
    marker = tmp_path / "code-ran"
    hostile = np.empty(1, dtype=object)
    hostile[0] = _RunsCodeWhenUnpickled(marker)
    with np.load(tmp_path / "model.npz", allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["weights_0"] = hostile
    with (tmp_path / "model.npz").open("wb") as out:
        np.savez(out, **arrays)  # saving an object array pickles it
    with pytest.raises(ModelFormatError, match="refused"):
        GestureClassifier.load(base)
    assert not marker.exists()


def test_a_lone_npy_array_under_the_npz_name_is_a_format_error(tmp_path: Path, trained: GestureClassifier) -> None:
    base = trained.save(tmp_path / "model")
    with (tmp_path / "model.npz").open("wb") as out:
        np.save(out, np.zeros(3))
    with pytest.raises(ModelFormatError, match="not an .npz archive"):
        GestureClassifier.load(base)


def test_cross_validate_groups_and_reports(synthetic: dict) -> None:
    labels = synthetic["labels"]
    groups = np.array([f"{label}-{index % 4}" for index, label in enumerate(labels)])
    result = cross_validate(synthetic["features"], labels, groups=groups, folds=3, seed=0,
                            hidden_layers=(16,))
    assert result["folds"] == 3
    assert result["method"].startswith("grouped")
    assert len(result["fold_accuracies"]) == 3
    assert result["accuracy"] > 0.9
    assert set(result["per_class"]) == {"alpha", "beta", "gamma", "none"}
    ungrouped = cross_validate(synthetic["features"], labels, groups=np.array(["one"] * len(labels)),
                               folds=2, hidden_layers=(8,))
    assert "groups unused" in ungrouped["method"]


def test_cross_validate_refuses_a_label_with_one_sample(synthetic: dict) -> None:
    labels = synthetic["labels"].astype("<U10")
    labels[0] = "lonely"
    with pytest.raises(GesturedError, match="'lonely' has only 1"):
        cross_validate(synthetic["features"], labels, folds=3)


def test_load_classifier_default_is_the_shipped_model() -> None:
    if not (shipped_models_dir() / "gestures.json").is_file():
        pytest.skip("no shipped model in models/ yet")
    classifier = load_classifier()
    assert "none" in classifier.labels
    assert classifier.feature_version == features.FEATURE_VERSION


def _reference_forward(classifier: GestureClassifier, features_in: np.ndarray) -> np.ndarray:
    """The documented forward pass written out plainly: float64 throughout, ReLU, softmax."""
    values = (features_in.astype(np.float64) - classifier.mean.astype(np.float64)) / classifier.std.astype(np.float64)
    for index, (weights, biases) in enumerate(zip(classifier.weights, classifier.biases)):
        values = values @ weights.astype(np.float64) + biases.astype(np.float64)
        if index < len(classifier.weights) - 1:
            values = np.maximum(values, 0.0)
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def test_inference_path_gives_the_reference_forward_pass(synthetic: dict, trained: GestureClassifier) -> None:
    probe = np.asarray(synthetic["features"][:200], dtype=np.float32)
    np.testing.assert_allclose(trained.predict_proba(probe), _reference_forward(trained, probe), rtol=0, atol=1e-12)
    for row in probe[:50]:  # one hand at a time, as the daemon calls it
        np.testing.assert_allclose(trained.predict_proba(row[None]), _reference_forward(trained, row[None]),
                                   rtol=0, atol=1e-12)
    hand = Hand.from_pixels(random_hand(np.random.default_rng(7)), (640, 480))
    expected = _reference_forward(trained, features.hand_features(hand.keypoints)[None])[0]
    prediction = trained.classify(hand)
    assert prediction.label == trained.labels[int(expected.argmax())]
    assert abs(prediction.confidence - float(expected.max())) < 1e-12


def test_shipped_model_single_hand_predictions_equal_the_batch() -> None:
    if not (shipped_models_dir() / "gestures-training.npz").is_file():
        pytest.skip("no shipped model and training set in models/")
    from gestured.training.dataset import load_dataset

    classifier = load_classifier()
    keypoints = load_dataset(shipped_models_dir() / "gestures-training.npz").keypoints[::50]
    batch = classifier.predict_proba(features.batch_features(keypoints))
    single = np.concatenate([classifier.predict_proba(features.hand_features(hand)[None]) for hand in keypoints])
    np.testing.assert_allclose(single, batch, rtol=0, atol=1e-12)
    np.testing.assert_allclose(batch, _reference_forward(classifier, features.batch_features(keypoints)),
                               rtol=0, atol=1e-12)
