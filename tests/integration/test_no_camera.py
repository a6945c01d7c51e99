"""README's first command on a machine without a camera, as a person at a terminal and as
a service would meet it: the real CLI in a subprocess, a pseudo-terminal for the person."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture()
def environment(tmp_path: Path, landmarker_model: Path) -> dict[str, str]:
    if Path("/dev/video0").exists() or Path("/dev/video7").exists():
        pytest.skip("this machine has a camera: these tests need one without")
    environment = dict(os.environ)
    environment.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_RUNTIME_DIR=str(tmp_path / "run"),
                       PYTHONPATH=str(PROJECT_ROOT))
    return environment


def run_at_a_terminal(arguments: list[str], environment: dict[str, str], timeout: float = 60.0) -> tuple[int, str]:
    """Run `gestured ARGUMENTS` with stdin and stderr on a pseudo-terminal; (exit code, what it showed)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "gestured", *arguments], stdin=terminal, stderr=terminal,
                               stdout=terminal, env=environment, cwd=PROJECT_ROOT)
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([controller], [], [], 0.2)[0]:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the process is gone
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(controller)
    return process.wait(timeout=5), shown.decode(errors="replace")


def test_at_a_terminal_no_camera_is_an_error_that_says_what_to_do(environment: dict[str, str]) -> None:
    started = time.monotonic()
    code, shown = run_at_a_terminal(["--dry-run", "--offline"], environment)
    assert code == 2, shown
    assert "camera 0 not found or busy: there is no /dev/video0 (no /dev/video* devices at all)" in shown
    assert "or try a video file or a folder of images: --source FILE" in shown and "Traceback" not in shown
    assert time.monotonic() - started < 30


def test_record_shares_the_policy_and_names_a_missing_index(environment: dict[str, str], tmp_path: Path) -> None:
    code, shown = run_at_a_terminal(["record", "peace", "--source", "7", "--offline", "--out", str(tmp_path)],
                                    environment)
    assert code == 2, shown
    assert "camera 7 not found or busy: there is no /dev/video7" in shown


def test_as_a_service_it_waits_logs_each_try_and_ctrl_c_is_a_failure(environment: dict[str, str]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "gestured", "--dry-run", "--offline"], env=environment,
                               cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("(attempt 2); trying again in 2 s" in line for line in lines):
            line = process.stderr.readline()  # type: ignore[union-attr]
            assert line, f"gestured ended early: {lines}"
            lines.append(line)
        assert process.poll() is None  # still waiting for the camera
        assert any("there is no /dev/video0" in line and "(attempt 1); trying again in 1 s" in line
                   for line in lines)
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "stopped by Ctrl-C before any frame arrived from camera 0" in rest
