"""`gestured eval --keypoints CSV` through the real CLI, on a CSV made here and on the real one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gestured.training.openpose_data import read_keypoint_csv
from tests.recognition.test_openpose_features import open_hand

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_eval(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gestured", "eval", *arguments],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)


def write_csv(path: Path, rows: list[tuple[np.ndarray, str]], background: bool = False) -> Path:
    columns = 44 if background else 42
    lines = [",".join([*(str(index) for index in range(columns)), "label"])]
    for keypoints, label in rows:
        values = keypoints.ravel().tolist() + ([0.0, 0.0] if background else [])
        lines.append(",".join([*(f"{value:g}" for value in values), label]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_collapsed_rows_are_counted_and_called_none(tmp_path: Path) -> None:
    collapsed = open_hand()
    collapsed[1:9] = collapsed[10]
    half_missing = open_hand()
    half_missing[5:] = (0.0, 0.0)  # sixteen keypoints on the background peak (0, 0)
    csv = write_csv(tmp_path / "rows.csv", [
        (open_hand(), "open_palm"), (collapsed, "thumbs_up"), (half_missing, "thumbs_down"),
    ], background=True)
    result = run_eval("--keypoints", str(csv), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["images"] == 3
    assert report["collapsed"] == {"rows": 2, "called_none": 2, "called": {"none": 2}}
    assert report["detected_only"]["images"] == 1
    assert report["per_class"]["thumbs_up"]["recall"] == 0.0  # a collapsed row is no thumbs_up
    assert report["model"] == "shipped model for openpose"


def test_the_text_report_names_the_counts(tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "rows.csv", [(open_hand(), "open_palm"), (open_hand(), "wave")])
    result = run_eval("--keypoints", str(csv))
    assert result.returncode == 0, result.stderr
    assert "skipped 1 rows labelled wave: label not known to the model" in result.stdout
    assert "rows: 1; collapsed or mostly missing: 0, of which called none: 0" in result.stdout


@pytest.mark.parametrize("text, message", [
    ("0,1,label\n1,2,none\n", "the header lacks keypoint columns 2, 3, 4...: give columns 0..41"),
    (",".join(str(index) for index in range(42)) + "\n" + ",".join(["1"] * 42) + "\n",
     "no `label` (or `class`) column in the header row"),
    (",".join([*(str(index) for index in range(42)), "label"]) + "\n" + ",".join(["x"] * 42) + ",none\n",
     ":2: expected 43 numbers and a label"),
    ("", "is empty"),
])
def test_a_bad_csv_is_one_line_that_says_what_to_do(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = run_eval("--keypoints", str(path))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run_eval("--keypoints", str(tmp_path / "absent.csv"))
    assert result.returncode != 0 and "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_the_prototype_csv(shared_data: Path) -> None:
    """The prototype's 3,322 OpenPose rows, scored by the shipped OpenPose model (training
    rows included: a plumbing check; the held-out figures are in models/README.md)."""
    csv = shared_data / "seed-thumbs" / "openpose_keypoints.csv"
    rows = read_keypoint_csv(csv)
    assert rows.keypoints.shape == (3322, 21, 2) and rows.background is not None
    result = run_eval("--keypoints", str(csv), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["images"] == 3322
    assert report["collapsed"]["rows"] > 0
    assert report["collapsed"]["called_none"] == report["collapsed"]["rows"]
    default = json.loads(run_eval("--keypoints", str(csv), "--json", "--backend", "mediapipe").stdout)
    assert default["model"] == "shipped model for mediapipe"
    assert report["balanced_accuracy"] > default["balanced_accuracy"]
