"""Where gestured keeps its files (XDG base directories)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "gestured"
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def _checkout_root() -> Path | None:
    """The source checkout gestured runs from (editable install), or None when installed."""
    if (_PACKAGE_PARENT / "pyproject.toml").is_file() and (_PACKAGE_PARENT / "config").is_dir():
        return _PACKAGE_PARENT
    return None


def shipped_path(*parts: str) -> Path:
    """A file shipped beside the package: the checkout's copy, else the one under <prefix>/share."""
    root = _checkout_root()
    if root is not None:
        return root.joinpath(*parts)
    return Path(sys.prefix, "share", APP).joinpath(*parts)


def shared_dir(search: list[Path] | None = None) -> Path | None:
    """The team's shared folder (data/videos, data/extra...): $GESTURED_SHARED_DIR; else
    the first `shared/` holding `data/` beside a folder of `search` or one of its parents
    (default: the checkout gestured runs from, then the current folder, so a pip or pipx
    install run from its clone finds it). None when there is none."""
    override = os.environ.get("GESTURED_SHARED_DIR")
    if override:
        return Path(override).expanduser()
    if search is None:
        root = _checkout_root()
        search = ([root] if root is not None else []) + [Path.cwd()]
    for start in search:
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / "shared" / "data").is_dir():
                return folder / "shared"
    return None


def shipped_models_dir() -> Path:
    """The models that ship with gestured (pyproject installs models/ under <prefix>/share/gestured)."""
    return shipped_path("models")


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


def shipped_config_file() -> Path:
    """The documented default gestures.yaml (installed under <prefix>/share/gestured/config)."""
    return shipped_path("config", "gestures.yaml")
