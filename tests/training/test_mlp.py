"""gestured.training.mlp through `gestured train`: how many folds a training gets by default."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gestured.cli import main as gestured
from gestured.paths import shipped_models_dir
from gestured.training.dataset import load_dataset, save_dataset
from gestured.training.mlp import FOLDS, LARGE_SET, LARGE_SET_FOLDS

BUILTIN = shipped_models_dir() / "gestures-training.npz"


@pytest.mark.skipif(not BUILTIN.is_file(), reason="no models/gestures-training.npz in this checkout")
@pytest.mark.parametrize(("per_label", "folds"), [(40, FOLDS), (LARGE_SET // 3 + 1, LARGE_SET_FOLDS)])
def test_large_sets_get_fewer_folds_by_default(tmp_path: Path, per_label: int, folds: int,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    builtin = load_dataset(BUILTIN)
    chosen = np.concatenate([np.flatnonzero(builtin.labels == label)[:per_label] for label in ("fist", "ok", "none")])
    subset = builtin.select(np.sort(chosen))
    subset.group = np.char.add("stretch-", (np.arange(len(subset)) % 7).astype(str))
    save_dataset(tmp_path / "data" / "three.npz", subset)
    assert gestured(["train", "--data", str(tmp_path / "data"), "--no-mirror", "--hidden", "8",
                     "--out", str(tmp_path / "model")]) == 0
    assert f"grouped {folds}-fold" in capsys.readouterr().out
    metadata = json.loads((tmp_path / "model.json").read_text())["metadata"]
    assert metadata["cross_validation"]["folds"] == folds
    assert metadata["samples"] == 3 * per_label
