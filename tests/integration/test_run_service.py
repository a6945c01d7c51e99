"""`gestured run` as a real process: lock file, SIGUSR1 pause/resume, SIGHUP reload, SIGTERM.

Real MediaPipe on a real image folder played in real time; a tiny classifier trained
here on random features stands in for the shipped one (these tests are about the
process, not about recognition).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from gestured.recognition.classifier import LABELS
from gestured.recognition.features import FEATURE_SIZE
from gestured.training.mlp import train_classifier

pytestmark = pytest.mark.slow

CONFIG = """\
camera: "0"
model: {model}
hold: 0.25
bindings:
  thumbs_up:
    shell: ["true"]
"""


class Running:
    """A gestured process whose stderr lines are collected by a reader thread."""

    def __init__(self, arguments: list[str], environment: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gestured", *arguments], env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines if text in line]
            if found:
                return found[-1]
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line with {text!r} in stderr:\n" + "\n".join(self.lines))

    def count(self, text: str) -> int:
        return sum(1 for line in self.lines if text in line)

    def finish(self, timeout: float = 20.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self.process.kill()
            self._reader.join(5)


@pytest.fixture()
def setup(tmp_path: Path, shared_data: Path, landmarker_model: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(len(LABELS) * 8, FEATURE_SIZE)).astype(np.float32)
    labels = np.repeat(np.array(LABELS), 8)
    train_classifier(features, labels, hidden_layers=(8,)).save(tmp_path / "tiny")
    config_dir = tmp_path / "config"
    config_dir.mkdir(mode=0o700)
    config = config_dir / "gestures.yaml"
    config.write_text(CONFIG.format(model=tmp_path / "tiny"))
    config.chmod(0o600)
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(600):  # 60 s at 10 fps: never ends during the test
        (frames / f"{index:04d}.jpg").symlink_to(shared_data / "hand.jpg")
    environment = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "runtime"), "DISPLAY": "",
                   "WAYLAND_DISPLAY": ""}
    arguments = ["--config", str(config), "--source", str(frames), "--realtime", "--offline"]
    yield arguments, environment


def test_lock_pause_resume_reload_and_clean_stop(setup: tuple[list[str], dict[str, str]]) -> None:
    arguments, environment = setup
    first = Running(arguments, environment)  # not a dry run: it takes the lock
    try:
        first.wait_for("reading frames from")
        second = Running(arguments, environment)
        assert second.finish() != 0
        refusal = second.wait_for("error:")
        assert f"already running (PID {first.process.pid}" in refusal
        assert second.count("reading frames") == 0  # refused before starting anything

        first.process.send_signal(signal.SIGUSR1)
        first.wait_for("paused (SIGUSR1 resumes)")
        first.process.send_signal(signal.SIGUSR1)
        first.wait_for("resumed")
        first.process.send_signal(signal.SIGHUP)
        first.wait_for("reloading the configuration (SIGHUP)")
        first.process.send_signal(signal.SIGTERM)
        assert first.finish() == 0
        first.wait_for("stopped after")
    finally:
        first.process.kill()
    # The lock went with the process: a new instance starts (and stops on SIGINT, exit 0
    # once it has seen frames; before any frame Ctrl-C is a failure, see test_no_camera).
    third = Running([*arguments, "--log-level", "debug"], environment)
    try:
        third.wait_for("frame 0 at 0.00 s")
        third.process.send_signal(signal.SIGINT)
        assert third.finish() == 0
    finally:
        third.process.kill()


def test_a_dry_run_on_a_file_takes_no_lock(setup: tuple[list[str], dict[str, str]]) -> None:
    """As README says: a second instance that runs actions refuses; a dry run on a file
    or folder takes no lock, so a video can be tried while the service runs."""
    arguments, environment = setup
    first = Running(arguments, environment)
    try:
        first.wait_for("reading frames from")
        trial = Running([*arguments, "--dry-run", "--max-frames", "3"], environment)
        assert trial.finish(60) == 0
        assert trial.count("already running") == 0
    finally:
        first.process.kill()
