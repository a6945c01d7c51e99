"""A model records its keypoint backend; `model: null` picks the shipped one for the backend;
`gestured check` and `gestured run` warn when `model:` and `backend:` disagree."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from gestured.cli import main
from gestured.paths import shipped_models_dir
from gestured.recognition.classifier import load_classifier, model_backend
from gestured.recognition.model_format import ModelFormatError
from gestured.recognition.hand import Hand
from tests.commands.test_check import write_config


def copy_shipped(name: str, target: Path) -> Path:
    for suffix in (".npz", ".json"):
        shutil.copy(shipped_models_dir() / f"{name}{suffix}", target.with_name(target.name + suffix))
    return target


def test_model_null_picks_the_shipped_model_of_the_backend() -> None:
    default, openpose = load_classifier(None), load_classifier(None, "openpose")
    assert (default.backend, default.features) == ("mediapipe", "hand")
    assert (openpose.backend, openpose.features) == ("openpose", "openpose")
    assert set(openpose.labels) == set(default.labels)


def test_a_model_without_the_fields_is_a_mediapipe_hand_model(tmp_path: Path) -> None:
    base = copy_shipped("gestures", tmp_path / "old")
    description = json.loads(base.with_suffix(".json").read_text())
    description.pop("backend", None)
    description.pop("features", None)
    base.with_suffix(".json").write_text(json.dumps(description))
    model = load_classifier(base)
    assert (model.backend, model.features) == ("mediapipe", "hand")
    assert model_backend(base) == "mediapipe"


@pytest.mark.parametrize("field, value, message", [
    ("features", "depth", "unknown features 'depth'"),
    ("backend", 5, '"backend" must be a backend name'),
])
def test_a_bad_field_on_disk_is_a_format_error(tmp_path: Path, field: str, value: object, message: str) -> None:
    base = copy_shipped("gestures-openpose", tmp_path / "bad")
    description = json.loads(base.with_suffix(".json").read_text())
    description[field] = value
    base.with_suffix(".json").write_text(json.dumps(description))
    with pytest.raises(ModelFormatError, match=message):
        load_classifier(base)


def test_save_and_load_keep_the_backend_and_features(tmp_path: Path) -> None:
    saved = load_classifier(None, "openpose").save(tmp_path / "again")
    loaded = load_classifier(saved)
    assert (loaded.backend, loaded.features) == ("openpose", "openpose")


def test_the_openpose_model_calls_a_hand_without_confident_keypoints_none() -> None:
    model = load_classifier(None, "openpose")
    keypoints = np.random.default_rng(0).uniform(100, 200, size=(21, 2))
    hand = Hand.from_pixels(keypoints, (640, 480), confidence=np.full(21, 0.05, dtype=np.float32))
    prediction = model.classify(hand)
    assert (prediction.label, prediction.confidence) == ("none", 1.0)


def test_check_warns_when_model_and_backend_disagree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = copy_shipped("gestures-openpose", tmp_path / "mine")
    path = write_config(tmp_path, f"""
        backend: mediapipe
        model: {model}
        bindings:
          thumbs_up:
            key: play_pause
        """)
    assert main(["check", "--config", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"{path}: warning: model {model} was trained on openpose keypoints but backend is "
                        "mediapipe: set `model: null` to use the shipped mediapipe model, or `backend: openpose`")
    assert lines[1] == f"OK: {path}"


def test_check_is_quiet_when_they_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = copy_shipped("gestures-openpose", tmp_path / "mine")
    path = write_config(tmp_path, f"""
        backend: openpose
        model: {model}
        """)
    assert main(["check", "--config", str(path)]) == 0
    assert "warning" not in capsys.readouterr().out


def test_run_picks_the_openpose_model_and_warns_on_a_mismatch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    from gestured.commands.run import load_configuration

    automatic = write_config(tmp_path, "backend: openpose\n")
    _settings, classifier = load_configuration(automatic)
    assert classifier.backend == "openpose"
    _settings, classifier = load_configuration(automatic, backend="mediapipe")  # `run --backend mediapipe`
    assert classifier.backend == "mediapipe"
    model = copy_shipped("gestures", tmp_path / "mediapipe-model")
    mismatched = write_config(tmp_path, f"backend: openpose\nmodel: {model}\n")
    with caplog.at_level(logging.WARNING, logger="gestured.commands.run"):
        _settings, classifier = load_configuration(mismatched)
    assert classifier.backend == "mediapipe"
    assert "trained on mediapipe keypoints but the backend is openpose" in caplog.text
