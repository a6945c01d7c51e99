"""Events say whether the action ran: the real CLI on demo.mp4 (real MediaPipe, the shipped
model), not a dry run, without a display and with a program that is not on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

CONFIG = """\
bindings:
  thumbs_up: {key: play_pause}
  thumbs_down: {shell: [no-such-program-gestured, hello]}
"""


def run_json(tmp_path: Path, video: Path, *options: str) -> tuple[list[dict[str, object]], str, str]:
    config = tmp_path / "gestures.yaml"
    config.write_text(CONFIG)
    environment = {**os.environ, "DISPLAY": "", "WAYLAND_DISPLAY": "", "XDG_RUNTIME_DIR": str(tmp_path / "run"),
                   "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "gestured", "--json", "--offline", "--config", str(config), "--source", str(video),
         *options], capture_output=True, text=True, env=environment, timeout=300, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    return events, result.stdout, result.stderr


def test_nothing_that_did_not_run_is_reported_as_executed(tmp_path: Path, shared_data: Path,
                                                          landmarker_model: Path) -> None:
    events, _, stderr = run_json(tmp_path, shared_data / "videos" / "demo.mp4")
    outcomes = [(event["gesture"], event["action"], event["executed"], event["reason"]) for event in events]
    assert outcomes == [
        ("thumbs_up", "key play_pause", False, "no_display"),
        ("thumbs_down", "shell no-such-program-gestured hello", False, "not_found"),
    ]
    assert "key actions unavailable" in stderr and "no-such-program-gestured is not on PATH" in stderr
    assert "did not press play_pause (no_display) for thumbs_up" in stderr


def test_a_dry_run_says_so(tmp_path: Path, shared_data: Path, landmarker_model: Path) -> None:
    events, _, stderr = run_json(tmp_path, shared_data / "videos" / "demo.mp4", "--dry-run")
    assert [(event["executed"], event["reason"]) for event in events] == [(False, "dry_run")] * 2
    assert "dry run: would press play_pause for thumbs_up" in stderr
