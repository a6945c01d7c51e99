"""gestured.training.openpose_recipe: the shipped OpenPose model is what the recipe builds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from gestured.paths import shipped_models_dir
from gestured.commands.train import BUILTIN_DATASET
from gestured.training import openpose_recipe
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
