"""`gestured eval` with real MediaPipe on real seed-thumbs frames (symlinked) and blank images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gestured.cli import main as gestured
from gestured.paths import shipped_models_dir

pytestmark = pytest.mark.slow


def seed_frames(shared_data: Path, label: str, count: int, offset: int) -> list[Path]:
    """`count` seed-thumbs frames of `label`, spread over the clip, starting at `offset`."""
    files = sorted((shared_data / "seed-thumbs" / label).glob("*.jpg"), key=lambda path: int(path.stem))
    return files[offset :: len(files) // count][:count]


def link_folder(folder: Path, files: list[Path]) -> Path:
    folder.mkdir(parents=True)
    for path in files:
        (folder / path.name).symlink_to(path)
    return folder


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """thumbs_up/ and thumbs_down/: 4 symlinked frames each; none/: 2 blank images (no hand);
    mystery/: 1 frame of a label no model knows."""
    import cv2

    root = tmp_path_factory.mktemp("eval")
    for label in ("thumbs_up", "thumbs_down"):
        link_folder(root / label, seed_frames(shared_data, label, 4, offset=50))
    (root / "none").mkdir()
    for index, shade in enumerate((40, 200)):
        cv2.imwrite(str(root / "none" / f"blank{index}.png"), np.full((240, 320, 3), shade, np.uint8))
    link_folder(root / "mystery", seed_frames(shared_data, "thumbs_up", 1, offset=7))
    (root / "notes.txt").write_text("not a label folder")
    return root


@pytest.fixture(scope="module")
def thumbs_model(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, landmarker_model: Path) -> Path:
    """A model trained by `gestured record` + `gestured train` on other frames of the clip."""
    root = tmp_path_factory.mktemp("thumbs-model")
    for label in ("thumbs_up", "thumbs_down"):
        frames = link_folder(root / "frames" / label, seed_frames(shared_data, label, 10, offset=20))
        assert gestured(["record", label, "--source", str(frames), "--out", str(root / "data"), "--offline"]) == 0
    assert gestured(["train", "--data", str(root / "data"), "--out", str(root / "model"), "--folds", "0",
                     "--hidden", "16"]) == 0
    return root / "model"


def run_eval(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = gestured(["eval", "--offline", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_eval_json_reports_every_metric(eval_dir: Path, thumbs_model: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_eval(capsys, "--images", str(eval_dir), "--model", str(thumbs_model), "--json",
                              "--plot", str(tmp_path / "confusion.png"))
    assert code == 0
    report = json.loads(out)  # stdout is the JSON alone: progress and the file line go to stderr
    assert f"wrote the confusion matrix to {tmp_path / 'confusion.png'}" in err
    assert "eval: 10/10 images (100%" in err
    assert report["images"] == 10
    assert report["unknown_labels"] == {"mystery": 1}
    # Every seed frame shows a hand; the blank images don't.
    assert report["detection_rate"] == pytest.approx(8 / 10)
    assert report["per_class"]["none"] == {"precision": 1.0, "recall": 1.0, "support": 2, "detection_rate": 0.0}
    assert report["per_class"]["thumbs_up"]["support"] == 4
    confusion = report["confusion"]
    assert confusion["labels"] == ["thumbs_up", "thumbs_down", "none"]  # the built-in order first
    assert np.asarray(confusion["matrix"]).sum() == 10
    only = report["detected_only"]
    assert only["images"] == 8 and only["per_class"]["none"]["support"] == 0
    assert set(only) >= {"accuracy", "balanced_accuracy", "per_class", "confusion"}
    # Held-out frames of the same clip: orientation alone tells these two apart.
    assert only["balanced_accuracy"] >= 0.75
    assert (tmp_path / "confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_eval_text_output(eval_dir: Path, thumbs_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_eval(capsys, "--images", str(eval_dir), "--model", str(thumbs_model))
    assert code == 0
    assert "skipped mystery/ (1 images): label not known to the model" in out
    assert "detection rate 0.8000" in out
    assert "All images (no hand counts as `none`):" in out
    assert "Images where a hand was detected (8):" in out
    assert out.count("balanced accuracy") == 2


def test_eval_with_the_shipped_model(eval_dir: Path, landmarker_model: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    if not (shipped_models_dir() / "gestures.json").is_file():
        pytest.skip("no shipped model in models/ yet")
    code, out, _ = run_eval(capsys, "--images", str(eval_dir), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["model"] == "shipped default" and report["unknown_labels"] == {"mystery": 1}
    assert report["detection_rate"] > 0
    assert report["per_class"]["none"]["recall"] == 1.0  # blank images have no hand


def test_eval_errors_are_one_line(tmp_path: Path, thumbs_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_eval(capsys, "--images", str(tmp_path / "absent"), "--model", str(thumbs_model))
    assert code == 2 and "is not a folder" in err
    (tmp_path / "empty" / "fist").mkdir(parents=True)
    code, _, err = run_eval(capsys, "--images", str(tmp_path / "empty"), "--model", str(thumbs_model))
    assert code == 2 and "no images in the subfolders" in err
    code, _, err = run_eval(capsys, "--images", str(tmp_path), "--model", str(tmp_path / "nope"))
    assert code == 2 and "gestured train" in err
