"""gestured.training.openpose_recipe: the shipped OpenPose model is what the recipe builds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from gestured.paths import shipped_models_dir
from gestured.training import extract, openpose_recipe


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


def test_the_shipped_openpose_model_is_what_the_recipe_builds(shared_data: Path) -> None:
    """models/gestures-openpose.json records the digest of its training set; the recipe
    rebuilds that set (training the MLPs on it is deterministic, `cmp` checked in
    models/README.md)."""
    if not any((extract.cache_root() / extract.config_key("mediapipe")).glob("*/*.npz")):
        pytest.skip("keypoint cache is cold: the recipe would run MediaPipe on every photo (minutes); "
                    "`gestured train --recipe default` fills it")
    metadata = json.loads((shipped_models_dir() / "gestures-openpose.json").read_text())["metadata"]
    rebuilt = openpose_recipe.training_set(shared_data)
    assert dict(Counter(rebuilt.labels.tolist())) == metadata["sample_counts"]
    assert rebuilt.summary["samples_by_source"] == metadata["samples_by_source"]
    assert json.loads(json.dumps(rebuilt.summary["recipe_settings"])) == metadata["recipe_settings"]
    assert rebuilt.summary["training_sha256"] == metadata["training_sha256"]
