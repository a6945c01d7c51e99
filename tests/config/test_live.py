"""The classifier cache hot reload loads through and user_settings (gestured/config/live.py);
LiveConfig itself is tested on real files under a real watchdog in tests/commands/test_run.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gestured.config import ConfigError
from gestured.config.live import ClassifierCache, user_settings
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


def test_user_settings_know_the_gesture_being_recorded_and_refuse_a_bad_file(tmp_path: Path) -> None:
    """`gestured record wave` with `wave` bound before it is trained: the file is read (its
    `mirrored:` applies); without that label, or with a bad value, it is refused with file:line."""
    config = tmp_path / "gestures.yaml"
    config.write_text("mirrored: true\nbindings:\n  wave: {key: space}\n")
    config.chmod(0o600)
    assert user_settings(config, also_known=("wave",)).mirrored is True
    with pytest.raises(ConfigError, match=r"gestures.yaml:3: .*wave"):
        user_settings(config)
    config.write_text("mirrored: sometimes\n")
    with pytest.raises(ConfigError, match=r"gestures.yaml:1: mirrored: must be true or false"):
        user_settings(config, also_known=("wave",))
