"""The classifier cache hot reload loads through (gestured/config/live.py); LiveConfig itself is
tested on real files under a real watchdog in tests/commands/test_run.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gestured.config.live import ClassifierCache
from gestured.paths import shipped_models_dir


def test_a_model_is_loaded_once_per_version_of_its_file_and_per_cache(tmp_path: Path) -> None:
    for suffix in (".npz", ".json"):
        shutil.copy(shipped_models_dir() / f"gestures{suffix}", tmp_path / f"mine{suffix}")
    model = str(tmp_path / "mine")
    cache = ClassifierCache()
    first = cache.classifier(model)
    assert cache.classifier(model) is first
    assert cache.labels(model) == first.labels
    assert ClassifierCache().classifier(model) is not first  # no state shared between caches
    stamp = (tmp_path / "mine.json").stat().st_mtime + 10
    os.utime(tmp_path / "mine.json", (stamp, stamp))  # retrained in place
    assert cache.classifier(model) is not first
    assert cache.classifier(None) is cache.classifier(None, "mediapipe")
