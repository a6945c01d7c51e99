"""Shared fixtures: where ../shared lives, and skipping cleanly where it does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("GESTURED_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (data sets, videos, the OpenPose prototxt); skips the test where it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"shared data not found at {SHARED_DIR} (CI has it; a user's clone does not)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def shared_data(shared_dir: Path) -> Path:
    return shared_dir / "data"


@pytest.fixture(scope="session")
def landmarker_model() -> Path:
    """The verified hand_landmarker.task (fetched if missing); skips the test if it can't be had."""
    from gestured.errors import GesturedError
    from gestured.weights import ensure_model

    try:
        return ensure_model("hand_landmarker")
    except GesturedError as error:
        pytest.skip(f"hand_landmarker.task unavailable: {error}")
