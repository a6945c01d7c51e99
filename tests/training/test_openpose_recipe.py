"""gestured.training.openpose_recipe: the shipped OpenPose model is what the recipe builds."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gestured.paths import shipped_models_dir
from gestured.commands.train import BUILTIN_DATASET
from gestured.recognition.classifier import load_classifier
from gestured.recognition.openpose_features import unusable_hands
from gestured.training import openpose_data, openpose_recipe
from gestured.training.dataset import Dataset, load_dataset
from tests.conftest import skip_unless_mediapipe_matches_the_build_host


def test_the_training_digest_sees_a_changed_label_and_a_moved_point() -> None:
    keypoints = np.zeros((3, 21, 2))
    keypoints[1, 4] = np.nan  # a missing keypoint digests like any other value
    labels = np.array(["thumbs_up", "none", "thumbs_down"])
    digest = openpose_recipe.training_digest(keypoints, labels)
    assert openpose_recipe.training_digest(keypoints.astype(np.float32), labels) == digest
    assert openpose_recipe.training_digest(keypoints, labels[::-1]) != digest
    moved = keypoints.copy()
    moved[2, 20, 1] = 1e-6
    assert openpose_recipe.training_digest(moved, labels) != digest


def test_the_recipe_pins_the_lost_mirrors_the_shipped_first_stage_was_trained_with(shared_data: Path) -> None:
    """augment.mirror keeps a row's visible keypoints; the shipped first stage saw the mirror
    images of the 115 kept training rows with a keypoint on the background peak wholly
    missing, and the default recipe still builds that set (models/README.md)."""
    seed_rows = openpose_data.match_seed_rows(shared_data)
    pinned, labels = openpose_recipe.real_openpose(seed_rows, openpose_recipe.DEFAULT_OPENPOSE_RECIPE)
    kept, kept_labels = openpose_recipe.real_openpose(
        seed_rows, replace(openpose_recipe.DEFAULT_OPENPOSE_RECIPE, mirror_rows_with_missing=True))
    rows = len(pinned) // 2
    gaps = np.isnan(pinned[:rows]).any(axis=(1, 2))
    assert rows == 253 and gaps.sum() == 115 and np.array_equal(labels, kept_labels)
    np.testing.assert_array_equal(pinned[:rows], kept[:rows])
    np.testing.assert_array_equal(pinned[rows:][~gaps], kept[rows:][~gaps])
    assert np.isnan(pinned[rows:][gaps][..., 0]).all()
    np.testing.assert_array_equal(pinned[rows:][..., 1], pinned[:rows][..., 1])  # y is not flipped
    assert [int((~unusable_hands(mirrors)).sum()) for mirrors in (pinned[rows:], kept[rows:])] == [133, 248]


def test_the_shipped_openpose_model_is_what_the_recipe_builds(shared_data: Path, rebuilt_builtin_set: Dataset) -> None:
    """models/gestures-openpose.json records the digest of its training set; the recipe
    rebuilds that set (training the MLPs on it is deterministic, `cmp` checked in
    models/README.md). Its MediaPipe hands are the default recipe's, so the digest holds
    where that set rebuilds byte-equal."""
    metadata = json.loads((shipped_models_dir() / "gestures-openpose.json").read_text())["metadata"]
    rebuilt = openpose_recipe.training_set(shared_data)
    assert dict(Counter(rebuilt.labels.tolist())) == metadata["sample_counts"]
    assert rebuilt.summary["samples_by_source"] == metadata["samples_by_source"]
    assert json.loads(json.dumps(rebuilt.summary["recipe_settings"])) == metadata["recipe_settings"]
    skip_unless_mediapipe_matches_the_build_host(rebuilt_builtin_set,
                                                 load_dataset(shipped_models_dir() / BUILTIN_DATASET))
    assert rebuilt.summary["training_sha256"] == metadata["training_sha256"]


def test_the_shipped_second_stage_is_what_the_recipe_builds(shared_data: Path) -> None:
    """The direction stage reads only the prototype's CSV (no MediaPipe keypoints), so it is
    rebuilt here whatever the keypoint cache holds."""
    shipped = load_classifier(None, "openpose").second_stage
    assert shipped is not None
    rebuilt = openpose_recipe.build_direction_stage(openpose_data.match_seed_rows(shared_data),
                                                    openpose_recipe.DEFAULT_OPENPOSE_RECIPE)
    assert rebuilt.metadata == shipped.metadata
    for ours, theirs in zip([*rebuilt.weights, *rebuilt.biases, rebuilt.mean, rebuilt.std],
                            [*shipped.weights, *shipped.biases, shipped.mean, shipped.std]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_the_shipped_openpose_model_scores_its_documented_held_out_figures(shared_data: Path) -> None:
    """models/README.md's figures on the 105 usable kept held-out rows: balanced accuracy
    0.828 (0.808 without the second stage) and the other thumb called on 0 up and 2 down rows
    (1 and 3 without it)."""
    model = load_classifier(None, "openpose")
    seed_rows = openpose_data.match_seed_rows(shared_data)
    figures = openpose_recipe.held_out_figures(model, seed_rows)["kept_photos"]
    assert figures["balanced_accuracy_usable"] == pytest.approx(0.8278, abs=1e-4)
    chosen = (seed_rows.split == "test") & seed_rows.kept
    keypoints, labels = seed_rows.rows.with_missing()[chosen], seed_rows.rows.labels[chosen]
    usable = ~unusable_hands(keypoints)
    called = np.array(model.predict(model.batch_features(keypoints[usable])))
    truth = labels[usable]
    wrong = (int(((truth == "thumbs_up") & (called == "thumbs_down")).sum()),
             int(((truth == "thumbs_down") & (called == "thumbs_up")).sum()))
    assert wrong == (0, 2)
