"""`gestured record` and `gestured train` with real MediaPipe on real frames from ../shared."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from gestured.capture.frames import Frame, FrameSource
from gestured.capture.sources import ImageFolderSource
from gestured.cli import main as gestured
from gestured.training.recording import Recorder, capture
from gestured.commands.train import BUILTIN_DATASET, builtin_dataset, with_mirrored
from gestured.paths import shipped_models_dir
from gestured.recognition.backends import MediaPipeOptions, create_backend
from gestured.recognition.classifier import load_classifier
from gestured.recognition.hand import Hand
from gestured.training.dataset import Dataset, load_dataset, save_dataset
from tests.conftest import skip_unless_mediapipe_matches_the_build_host

pytestmark = pytest.mark.slow


def seed_frames(shared_data: Path, label: str, count: int, offset: int = 0) -> list[Path]:
    """`count` seed-thumbs frames of `label`, spread over the clip (no near-identical pairs)."""
    files = sorted((shared_data / "seed-thumbs" / label).glob("*.jpg"), key=lambda path: int(path.stem))
    step = len(files) // count
    return files[offset::step][:count]


def link_folder(folder: Path, files: list[Path]) -> Path:
    folder.mkdir(parents=True)
    for path in files:
        (folder / path.name).symlink_to(path)
    return folder


def record(label: str, source: Path, out: Path, *extra: str) -> int:
    return gestured(["record", label, "--source", str(source), "--out", str(out), "--offline", *extra])


def test_record_from_an_image_folder(tmp_path: Path, shared_data: Path, landmarker_model: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    images = seed_frames(shared_data, "thumbs_up", 6)
    assert record("thumbs_up", link_folder(tmp_path / "frames", images), tmp_path / "out") == 0
    captured = capsys.readouterr()
    summary, next_step = captured.out.strip().splitlines()[-2:]
    assert next_step.startswith(f"next: gestured train --data {tmp_path / 'out'} --with-builtin --out ")
    assert "record frames: 6/6 frames (100%" in captured.err  # progress, on stderr
    [written] = list((tmp_path / "out").iterdir())
    assert written.name.startswith("thumbs_up-") and written.suffix == ".npz"
    dataset = load_dataset(written)
    # Every one of these frames shows one clear hand.
    assert len(dataset) == 6
    assert summary.startswith("recorded thumbs_up: 6 samples from 6 frames (0 without a hand)")
    assert summary.endswith(str(written))
    assert set(dataset.labels) == {"thumbs_up"}
    assert [Path(source).name for source in dataset.source] == sorted(path.name for path in images)
    assert (dataset.frame_size == [224, 224]).all()
    assert ((dataset.keypoints >= -20) & (dataset.keypoints <= 244)).all()
    assert set(dataset.handedness) <= {"left", "right"}


def test_record_limits_and_csv(tmp_path: Path, shared_data: Path, landmarker_model: Path) -> None:
    folder = link_folder(tmp_path / "frames", seed_frames(shared_data, "thumbs_down", 8))
    assert record("thumbs_down", folder, tmp_path / "out", "--max-samples", "3", "--format", "csv") == 0
    [written] = list((tmp_path / "out").iterdir())
    assert written.suffix == ".csv"
    assert len(load_dataset(written)) == 3
    assert record("thumbs_down", folder, tmp_path / "every", "--every", "4") == 0
    [written] = list((tmp_path / "every").iterdir())
    assert len(load_dataset(written)) == 2


def test_record_from_a_video_uses_video_mode(tmp_path: Path, shared_data: Path, landmarker_model: Path) -> None:
    video = shared_data / "videos" / "demo.mp4"
    assert record("thumbs_up", video, tmp_path, "--max-samples", "5") == 0
    dataset = load_dataset(next(tmp_path.glob("thumbs_up-*.npz")))
    assert len(dataset) == 5
    assert (dataset.frame_size == [1280, 720]).all()
    assert dataset.source[0].startswith(str(video) + "#")
    assert all(group.endswith(":0") for group in dataset.group)  # the first 2 s of the clip


def test_record_without_a_hand_saves_nothing(tmp_path: Path, landmarker_model: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import cv2

    (tmp_path / "blank").mkdir()
    for index in range(2):
        cv2.imwrite(str(tmp_path / "blank" / f"{index}.png"), np.full((120, 160, 3), 128, np.uint8))
    assert record("fist", tmp_path / "blank", tmp_path / "out") == 2
    assert "no hand found in 2 frames" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_record_refuses_a_label_that_is_no_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert record("../evil", tmp_path, tmp_path / "out") == 2
    assert "use letters, digits" in capsys.readouterr().err


class InterruptedSource(FrameSource):
    """A real image folder that raises KeyboardInterrupt (as Ctrl-C does) after `frames` frames."""

    def __init__(self, folder: Path, frames: int) -> None:
        self.inner = ImageFolderSource(folder)
        self.name, self.is_live, self.paths, self.frames = self.inner.name, False, self.inner.paths, frames

    def __iter__(self) -> Iterator[Frame]:
        for frame in self.inner:
            if frame.index == self.frames:
                raise KeyboardInterrupt
            yield frame

    def close(self) -> None:
        self.inner.close()


def test_ctrl_c_keeps_what_was_captured(tmp_path: Path, shared_data: Path, landmarker_model: Path) -> None:
    source = InterruptedSource(link_folder(tmp_path / "frames", seed_frames(shared_data, "thumbs_up", 5)), 3)
    recorder = Recorder("thumbs_up", session="test")
    backend = create_backend("mediapipe", mode="image", num_hands=2, options=MediaPipeOptions(model_path=landmarker_model))
    try:
        finished = capture(source, backend, recorder, still=True)
    finally:
        backend.close()
    assert finished is False
    assert recorder.samples == 3 and len(recorder.dataset()) == 3


def test_train_on_two_recordings_gives_a_loadable_model(tmp_path: Path, shared_data: Path, landmarker_model: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    for label in ("thumbs_up", "thumbs_down"):
        folder = link_folder(tmp_path / label, seed_frames(shared_data, label, 8, offset=3))
        assert record(label, folder, tmp_path / "data") == 0
    collapsed = Dataset(np.full((1, 21, 2), 50.0), np.array(["thumbs_up"]), np.array(["right"]),
                        np.array([[224, 224]]), np.array(["collapsed"]), np.array(["x"]))
    save_dataset(tmp_path / "broken" / "collapsed.csv", collapsed)
    capsys.readouterr()
    assert gestured(["train", "--data", str(tmp_path / "data"), str(tmp_path / "broken"),
                     "--out", str(tmp_path / "model"), "--folds", "2", "--hidden", "16"]) == 0
    output = capsys.readouterr().out
    assert "note: dropped 1 recorded samples whose keypoints are degenerate" in output
    assert "training on 32 samples: thumbs_down 16, thumbs_up 16" in output  # with mirrored copies
    assert "cross-validated accuracy" in output
    assert "no `none` samples" in output
    classifier = load_classifier(tmp_path / "model")
    assert classifier.labels == ("thumbs_down", "thumbs_up")
    metadata = classifier.metadata
    assert metadata["sample_counts"] == {"thumbs_down": 16, "thumbs_up": 16} and metadata["mirrored"]
    assert len(metadata["data_sources"]) == 3 and metadata["cross_validation"]["folds"] == 2
    for path in (tmp_path / "data").iterdir():
        dataset = load_dataset(path)
        for keypoints in (dataset.keypoints, with_mirrored(dataset).keypoints[len(dataset):]):
            predictions = [classifier.classify(Hand.from_pixels(points, (224, 224))).label for points in keypoints]
            assert predictions == list(dataset.labels)


def test_mirrored_copies_swap_pointing_sides_and_keep_groups() -> None:
    keypoints = np.random.default_rng(0).uniform(0, 100, size=(2, 21, 2)).astype(np.float32)
    dataset = Dataset(keypoints, np.array(["point_left", "wave"]), np.array(["right", "unknown"]),
                      np.array([[640, 480]] * 2), np.array(["a", "b"]), np.array(["g1", "g2"]))
    doubled = with_mirrored(dataset)
    assert doubled.labels.tolist() == ["point_left", "wave", "point_right", "wave"]
    assert doubled.handedness.tolist() == ["right", "unknown", "left", "unknown"]
    assert doubled.group.tolist() == ["g1", "g2", "g1", "g2"]
    np.testing.assert_allclose(doubled.keypoints[2:, :, 1], keypoints[:, :, 1])
    np.testing.assert_allclose(doubled.keypoints[2:, :, 0].mean(axis=1), keypoints[:, :, 0].mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(doubled.keypoints[2:, 0, 0] - doubled.keypoints[2:, 1, 0],
                               -(keypoints[:, 0, 0] - keypoints[:, 1, 0]), rtol=1e-4)


def test_train_with_builtin_adds_a_new_gesture(tmp_path: Path, shared_data: Path, landmarker_model: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A built-in set (here: real thumbs_down frames and random `none` poses) plus a gesture
    of the user's own gives a model that knows all of them."""
    builtin_dir = tmp_path / "models"
    down = link_folder(tmp_path / "down", seed_frames(shared_data, "thumbs_down", 10, offset=9))
    assert record("thumbs_down", down, builtin_dir) == 0
    [recorded] = list(builtin_dir.iterdir())
    rng = np.random.default_rng(0)
    nones = Dataset(rng.uniform(0, 224, (40, 21, 2)), np.full(40, "none"), np.full(40, "unknown"),
                    np.full((40, 2), 224), np.full(40, "random"), np.full(40, ""))
    builtin = Dataset.concat([load_dataset(recorded), nones])
    builtin.group[:] = ""  # as in a set whose samples are independent: each gets its own group
    save_dataset(builtin_dir / BUILTIN_DATASET, builtin)
    recorded.unlink()
    monkeypatch.setattr("gestured.commands.train.shipped_models_dir", lambda: builtin_dir)
    # 25 frames of a folder played at 10 fps: two 2-second groups.
    frames = link_folder(tmp_path / "frames", seed_frames(shared_data, "thumbs_up", 25, offset=5))
    assert record("my_thumb", frames, tmp_path / "data") == 0
    capsys.readouterr()
    assert gestured(["train", "--data", str(tmp_path / "data"), "--with-builtin", "--folds", "3",
                     "--hidden", "16", "--out", str(tmp_path / "model")]) == 0
    output = capsys.readouterr().out
    # The 50 samples (25 frames, mirrored) are topped up to 400 with perturbed copies; random
    # `none` poses that fall inside the new gesture give way (gestured/training/merge.py).
    gave_way = int(re.search(r"note: (\d+) built-in `none` samples that look like your new gesture", output)[1])
    assert f"samples: my_thumb 400, none {40 - gave_way}, thumbs_down 10" in output
    assert "no `none` samples" not in output
    assert "  confused: my_thumb: taken for " in output  # which classes the new one collides with
    assert f"use it: add `model: {tmp_path / 'model'}` to gestures.yaml and bind my_thumb under `bindings:`" in output
    classifier = load_classifier(tmp_path / "model")
    assert classifier.labels == ("my_thumb", "none", "thumbs_down")
    assert classifier.metadata["data_sources"][0].startswith("built-in training set")
    assert classifier.metadata["cross_validation"]["method"].startswith("grouped")


def test_the_shipped_training_set_is_what_the_recipe_builds(shared_data: Path, rebuilt_builtin_set: Dataset) -> None:
    """models/gestures-training.npz (what --with-builtin adds to) is the recipe's own training set."""
    shipped = load_dataset(shipped_models_dir() / BUILTIN_DATASET)
    metadata = load_classifier().metadata
    assert len(shipped) == metadata["samples"]
    assert shipped.label_counts() == metadata["sample_counts"]
    dataset = builtin_dataset(shared_data)
    assert len(set(dataset.group.tolist())) == len(dataset)
    np.testing.assert_array_equal(rebuilt_builtin_set.labels, shipped.labels)
    skip_unless_mediapipe_matches_the_build_host(rebuilt_builtin_set, shipped)
    np.testing.assert_array_equal(rebuilt_builtin_set.keypoints, shipped.keypoints)
