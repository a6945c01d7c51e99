"""gestured.ui.trainer: the page trains on what `gestured train --with-builtin` would merge."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from gestured.commands import train
from gestured.paths import shipped_models_dir
from gestured.training.dataset import Dataset, load_dataset, save_dataset
from gestured.training.merge import merge_builtin
from gestured.ui.trainer import Trainer


def test_the_page_merges_the_built_in_set_as_train_does(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the ui extra draws the confusion matrix with matplotlib")
    builtin = load_dataset(shipped_models_dir() / train.BUILTIN_DATASET)
    # A V-like new gesture: open palms with the ring and pinky folded onto the palm,
    # so some built-in `none` V shapes give way to it.
    palms = builtin.select(np.flatnonzero(builtin.labels == "open_palm")[:60])
    palms.keypoints[:, 13:21] = palms.keypoints[:, :1] * 0.6 + palms.keypoints[:, 13:21] * 0.4
    palms.labels = np.full(len(palms), "vee")
    save_dataset(tmp_path / "datasets" / "vee-1.npz", palms)

    trainer = Trainer(tmp_path / "datasets", tmp_path / "trained", builtin_per_label=40)
    trainer.start()
    deadline = time.monotonic() + 300
    while trainer.status()["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    result = trainer.status()
    assert result["state"] == "done", result["message"]

    recorded = train.with_mirrored(train.without_degenerate(palms))
    merged = merge_builtin(builtin, recorded, per_label=40)
    expected = Dataset.concat([merged.builtin, merged.user])
    names, counts = np.unique(expected.labels, return_counts=True)
    metadata = json.loads(Path(f"{result['model']}.json").read_text())["metadata"]
    assert metadata["sample_counts"] == dict(zip(names.tolist(), counts.tolist()))
    assert result["gave_way"] == merged.gave_way
    assert result["confused"] and result["confused"][0].startswith("vee: taken for ")
