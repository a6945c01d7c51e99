"""`gestured bench --json` end to end: real MediaPipe, the shipped classifier, real clips.

Checks what the bench reports and that its numbers agree with each other; speed targets
are the bench's business (benchmarks/README.md), not this test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gestured.paths import shipped_models_dir

pytestmark = pytest.mark.slow


def bench(tmp_path: Path, *arguments: str, shared: Path | None = None) -> dict[str, Any]:
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    if shared is not None:
        environment["GESTURED_SHARED_DIR"] = str(shared)
    result = subprocess.run([sys.executable, "-m", "gestured", "bench", "--json", *arguments],
                            capture_output=True, text=True, timeout=600, env=environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_default_set_plays_hand_clips_and_the_static_scene(
    shared_dir: Path, landmarker_model: Path, tmp_path: Path
) -> None:
    report = bench(tmp_path, shared=shared_dir)
    clips = {clip["name"]: clip for clip in report["clips"]}
    assert list(clips) == ["demo", "asl", "static"]
    assert clips["demo"]["active"] and clips["asl"]["active"] and not clips["static"]["active"]
    assert clips["demo"]["frame_size"] == [640, 360]  # 1280x720 fitted into 640x480
    assert clips["demo"]["frames"]["hand"] >= 0.9 * clips["demo"]["frames"]["frames"]
    assert clips["static"]["frames"]["hand"] == 0
    # Idle on the static scene: after the first idle_after seconds the backend stops.
    assert clips["static"]["frames"]["backend"] < 0.3 * clips["static"]["frames"]["frames"]
    assert clips["static"]["frames"]["skipped"] > 0
    stages = report["stages"]
    backend_frames = clips["demo"]["frames"]["backend"] + clips["asl"]["frames"]["backend"]
    assert stages["keypoints"]["count"] == stages["bare_backend"]["count"] == backend_frames
    assert stages["pipeline"]["median_ms"] >= stages["keypoints"]["median_ms"] > 0
    assert report["overhead_ratio"] > 0 and report["p95_ms"] >= stages["pipeline"]["median_ms"]
    assert 0 <= report["cpu_fraction_idle"] < report["cpu_fraction_active"]
    assert report["peak_rss_mb"] > 50
    if (shipped_models_dir() / "gestures.json").is_file():
        assert [fire["gesture"] for fire in clips["demo"]["fires"]] == ["thumbs_up", "thumbs_down"]
        assert clips["asl"]["fires"] == []


def test_without_shared_data_it_says_so_and_plays_the_static_scene(landmarker_model: Path, tmp_path: Path) -> None:
    report = bench(tmp_path, shared=tmp_path / "no-shared")
    assert [clip["name"] for clip in report["clips"]] == ["static"]
    assert any(note.startswith("hand clips") and "GESTURED_SHARED_DIR" in note for note in report["notes"])
    assert report["p95_ms"] is None  # no hand in view: no active numbers
    assert report["cpu_fraction_idle"] is not None


def test_mediapipe_native_start_up_lines_stay_out_of_bench(landmarker_model: Path) -> None:
    code = ("import numpy as np\n"
            "from gestured.commands.bench import MediaPipeBareCall\n"
            f"bare = MediaPipeBareCall({str(landmarker_model)!r})\n"
            "frame = np.zeros((480, 640, 3), np.uint8)\n"
            "bare(bare.prepare(frame), 0); bare(bare.prepare(frame), 33); bare.close()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # LiteRT's `INFO: [environment.cc:36] ...` went to DEBUG
