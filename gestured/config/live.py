"""The configuration in use, kept up to date: one object for hot reload.

`LiveConfig` watches gestures.yaml (gestured.config.reload.ConfigWatcher: the directory,
with watchdog), validates each save, loads the classifier the file names through its
`ClassifierCache` (so a binding's gesture is checked against that model's labels), and
hands the new Settings to the frame loop through `poll()`. A refused save is logged by
the watcher, kept as `last_error`, and changes nothing. `reload_now()` is SIGHUP's path.

Threads: the watcher's thread validates and loads; the loop's thread polls. The hand-over
is one attribute assignment and the cache takes a lock, so neither blocks the other for
longer than a dictionary look-up.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Iterable

from gestured.config.errors import ConfigError
from gestured.config.loader import default_config_path, load_settings
from gestured.config.reload import ConfigWatcher
from gestured.config.settings import Settings
from gestured.recognition.classifier import GestureClassifier, load_classifier
from gestured.recognition.model_format import DEFAULT_BACKEND, model_base

logger = logging.getLogger(__name__)


class ClassifierCache:
    """Classifiers by model path (None: the shipped model for a backend), loaded once per
    version of their file (a model retrained in place is loaded again)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str | None, str | None, float | None], GestureClassifier] = {}
        self._lock = threading.Lock()

    def classifier(self, model: str | None, backend: str = DEFAULT_BACKEND) -> GestureClassifier:
        """The model at `model`, or the shipped one for `backend`; raises ModelFormatError."""
        key = (model, backend if model is None else None, _version(model))
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load_classifier(model, backend)
            return self._loaded[key]

    def labels(self, model: str | None) -> tuple[str, ...]:
        """The `labels` hook of load_settings: the gestures `model` knows."""
        return self.classifier(model).labels


def user_settings(config: Path | None, also_known: Iterable[str] = ()) -> Settings:
    """The settings in `config` (None: the file `gestured run` reads), their bindings checked
    against the labels of the model they name and `also_known` (a gesture being recorded
    may be bound before it is trained). For commands that build a backend from a user's
    settings outside the daemon (record, eval --images). Raises ConfigError."""
    classifiers, extra = ClassifierCache(), tuple(also_known)
    path = config.expanduser() if config is not None else default_config_path()
    return load_settings(path, labels=lambda model: (*classifiers.labels(model), *extra))


def _version(model: str | None) -> float | None:
    if model is None:
        return None
    try:
        return Path(f"{model_base(model)}.json").stat().st_mtime
    except OSError:
        return None


class LiveConfig:
    """gestures.yaml as it is now (see the module docstring). Satisfies the Daemon's Reloader."""

    def __init__(self, path: Path, settings: Settings, classifiers: ClassifierCache) -> None:
        self.classifiers = classifiers
        self.last_error: ConfigError | None = None
        self._pending: Settings | None = None
        self._watcher = ConfigWatcher(path, self._changed, self._refused,
                                      loader=partial(load_settings, labels=classifiers.labels), settings=settings)

    @property
    def path(self) -> Path:
        return self._watcher.path

    @property
    def settings(self) -> Settings | None:
        """The last good settings."""
        return self._watcher.settings

    def start(self) -> LiveConfig:
        """Start watching; returns self."""
        self._watcher.start()
        return self

    def poll(self) -> Settings | None:
        """New valid settings once after each applied save, else None (the loop's thread)."""
        settings, self._pending = self._pending, None
        return settings

    def reload_now(self) -> None:
        """Read the file now (SIGHUP); its result arrives through poll()."""
        self._watcher.reload_now()

    def close(self) -> None:
        self._watcher.stop()

    def _changed(self, settings: Settings) -> None:
        self.last_error = None
        self._pending = settings

    def _refused(self, error: ConfigError) -> None:
        # The watcher has logged every problem; keep the error for whoever shows the state.
        self.last_error = error
