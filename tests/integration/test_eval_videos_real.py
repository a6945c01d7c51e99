"""`gestured eval --videos` end to end: real clips, real MediaPipe, the shipped model and config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LABELS = PROJECT_ROOT / "benchmarks" / "videos.tsv"


def eval_videos(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gestured", "eval", "--offline", *arguments],
                          capture_output=True, text=True, timeout=600)


def test_demo_and_asl_with_every_gesture_bound(shared_data: Path, landmarker_model: Path) -> None:
    result = eval_videos("--videos", str(shared_data / "videos"), "--labels", str(LABELS), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"false_fires", "activity_minutes", "false_fires_per_minute", "held_hit",
                           "held_total", "per_clip"}
    assert report["bound"] == sorted(["thumbs_up", "thumbs_down", "point_up", "ok", "fist", "point_left",
                                      "point_right", "open_palm", "swipe_left", "swipe_right", "swipe_up",
                                      "swipe_down", "circle_cw", "circle_ccw"])
    assert report["per_clip"]["asl.mp4"]["false_fires"] == 0
    held = report["per_clip"]["demo.mp4"]["held"]
    assert [(span["gesture"], span["hit"], span["on_time"]) for span in held] == [
        ("thumbs_up", True, True), ("thumbs_down", True, True)]
    assert (report["held_hit"], report["held_total"], report["false_fires"]) == (2, 2, 0)


def test_a_clip_the_labels_name_but_the_folder_lacks_is_one_line(tmp_path: Path) -> None:
    result = eval_videos("--videos", str(tmp_path), "--labels", str(LABELS))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("gestured: error: ")
    assert "demo.mp4: no such clip" in result.stderr and "Traceback" not in result.stderr


def test_videos_needs_labels(tmp_path: Path) -> None:
    result = eval_videos("--videos", str(tmp_path))
    assert result.returncode == 2 and "--videos needs --labels FILE" in result.stderr
