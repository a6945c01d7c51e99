"""The --show window on a real X server (Xvfb): its size, no toolbar, a dry-run title, and
that at the end of a file it waits for a key (sent with xdotool)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

WINDOW_SCRIPT = """
import time
import numpy as np
from gestured.output.preview import PreviewWindow
from gestured.capture.frames import Frame

window = PreviewWindow(dry_run=True)
window.show(Frame(np.zeros((360, 640, 3), np.uint8), 0.0, 0), [], [], [])
print("shown", flush=True)
started = time.monotonic()
window.end("end of demo.mp4: press any key to close")
print(f"ended after {time.monotonic() - started:.1f} s", flush=True)
window.close()
"""


def xdotool(display: str, *arguments: str) -> str:
    result = subprocess.run(["xdotool", *arguments], capture_output=True, text=True, timeout=20,
                            env={**os.environ, "DISPLAY": display})
    return result.stdout.strip()


def test_window_is_sized_for_reading_says_dry_run_and_waits_at_the_end(xvfb_display: str) -> None:
    if shutil.which("xdotool") is None or shutil.which("xwininfo") is None:
        pytest.skip("xdotool and xwininfo are needed (apt-get install xdotool x11-utils; CI installs them)")
    environment = {**os.environ, "DISPLAY": xvfb_display, "PYTHONPATH": str(PROJECT_ROOT)}
    environment.pop("WAYLAND_DISPLAY", None)
    window = subprocess.Popen([sys.executable, "-c", WINDOW_SCRIPT], env=environment, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert window.stdout is not None and window.stdout.readline().strip() == "shown"
        deadline = time.monotonic() + 20
        while not (found := xdotool(xvfb_display, "search", "--name", "^gestured \\(dry run\\)$")):
            assert time.monotonic() < deadline, "no window titled 'gestured (dry run)'"
            time.sleep(0.2)
        identifier = found.splitlines()[0]
        geometry = subprocess.run(["xwininfo", "-id", identifier], capture_output=True, text=True, timeout=20,
                                  env={**os.environ, "DISPLAY": xvfb_display}).stdout
        # A 720p video comes as 640x360 (fitted like a camera frame) and shows at 960x540; a
        # Qt toolbar or status bar would make the window taller than the image.
        assert "Width: 960" in geometry and "Height: 540" in geometry, geometry
        time.sleep(1.0)
        assert window.poll() is None  # the end of the file waits for the user
        xdotool(xvfb_display, "windowfocus", "--sync", identifier, "key", "space")
        output, errors = window.communicate(timeout=20)
    finally:
        window.kill()
    assert window.returncode == 0, errors
    assert output.startswith("ended after ")
