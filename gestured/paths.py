"""Where gestured keeps its files (XDG base directories)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "gestured"


def shipped_models_dir() -> Path:
    """The models that ship with gestured: the checkout's models/, else the installed copy.

    pyproject installs models/ as data files under <prefix>/share/gestured/models.
    """
    checkout = Path(__file__).resolve().parent.parent / "models"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / APP / "models"


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    base = Path(value) if value and os.path.isabs(value) else Path.home() / fallback
    return base / APP


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state")


def runtime_dir() -> Path:
    """Per-user runtime directory for the lock file; falls back to the state dir."""
    value = os.environ.get("XDG_RUNTIME_DIR")
    return Path(value) / APP if value else state_dir()


def model_dir() -> Path:
    """Downloaded model files: $GESTURED_MODEL_DIR, else ~/.local/share/gestured/models."""
    override = os.environ.get("GESTURED_MODEL_DIR")
    return Path(override) if override else data_dir() / "models"


def user_config_file() -> Path:
    return config_dir() / "gestures.yaml"
