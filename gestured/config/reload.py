"""Hot reload: re-apply gestures.yaml when it changes on disk, keeping the last good one.

`ConfigWatcher` watches the config's *directory* with watchdog (editors save by
writing in place, by renaming a temporary file over it, by deleting and re-creating it,
or by truncating then writing), coalesces a burst of events into one reload, and calls
`on_change(settings)` with the new Settings or `on_error(error)` with a ConfigError.
A broken, missing or empty (half-written) file keeps the last good settings.

Threads: `start()` runs watchdog's observer thread and one reload thread of its own;
the callbacks run on that reload thread, or on whichever thread calls `reload_now()`
(the SIGHUP handler, i.e. the main thread). Reloads never overlap (a lock serialises
them), but the callbacks must be safe to call from another thread: hand the Settings
over (assign one attribute, put it on a queue) rather than rebuilding state in place.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from gestured.config.describe import describe_changes
from gestured.config.errors import ConfigError
from gestured.config.loader import load_settings
from gestured.config.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["ConfigWatcher", "describe_changes", "reload_due"]

# "opened" and "closed_no_write" come from our own reads and must not trigger a reload.
RELOAD_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed", "attrib"})


class ConfigWatcher:
    """Watches one gestures.yaml and applies it when it changes (see the module docstring).

    In: `path` of the config, `on_change` / `on_error` callbacks, `loader` (path ->
    Settings, raising ConfigError; pass e.g. `functools.partial(load_settings, labels=...)`),
    `debounce` seconds of quiet before a reload, `max_delay` seconds after the first event
    at most, `settings` the settings already in use (the baseline for the change log).
    """

    def __init__(
        self,
        path: Path,
        on_change: Callable[[Settings], None],
        on_error: Callable[[ConfigError], None],
        *,
        loader: Callable[[Path], Settings] = load_settings,
        debounce: float = 0.2,
        max_delay: float = 0.8,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(os.path.abspath(path))
        self.on_change, self.on_error, self.loader = on_change, on_error, loader
        self.debounce, self.max_delay, self.clock = debounce, max(max_delay, debounce), clock
        self._settings = settings
        self._reload_lock = threading.RLock()
        self._wakeup = threading.Condition()
        self._first_event: float | None = None
        self._due: float | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._observer: Any = None

    @property
    def settings(self) -> Settings | None:
        """The last good settings (None before the first successful load)."""
        return self._settings

    def start(self) -> None:
        """Start watching; a missing directory is logged and leaves only reload_now()."""
        from watchdog.observers import Observer

        directory = self.path.parent
        if not directory.is_dir():
            logger.warning("not watching %s: %s does not exist (SIGHUP still reloads)",
                           self.path.name, directory)
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="gestured-reload", daemon=True)
        self._thread.start()
        self._observer = Observer()
        self._observer.schedule(_EventFilter(self.path.name, self.notify), str(directory))
        self._observer.start()
        logger.debug("watching %s for changes", self.path)

    def stop(self) -> None:
        """Stop both threads; safe to call twice or without start()."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ConfigWatcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def notify(self) -> None:
        """The file changed: schedule a reload after `debounce` s of quiet (`max_delay` at most)."""
        with self._wakeup:
            now = self.clock()
            self._first_event = now if self._first_event is None else self._first_event
            self._due = reload_due(self._first_event, now, self.debounce, self.max_delay)
            self._wakeup.notify_all()

    def reload_now(self) -> Settings | None:
        """Load the file now (SIGHUP). Returns the new settings, or None if it was refused.

        On success with a change: logs one INFO line and calls on_change. On a ConfigError:
        logs every problem, keeps the last good settings and calls on_error.
        """
        with self._reload_lock:
            try:
                settings = self._load()
            except ConfigError as error:
                self._refuse(error)
                return None
            self._apply(settings)
            return settings

    def _load(self) -> Settings:
        if self.path.is_file() and self.path.stat().st_size == 0:  # truncate-then-write
            raise ConfigError([f"{self.path}: is empty (a save in progress?)"])
        return self.loader(self.path)

    def _refuse(self, error: ConfigError) -> None:
        for problem in error.problems:
            logger.error("%s", problem)
        logger.warning("%s not applied: keeping the last good settings", self.path.name)
        self.on_error(error)

    def _apply(self, settings: Settings) -> None:
        previous, self._settings = self._settings, settings
        if previous == settings:
            logger.debug("%s saved without changes", self.path.name)
            return
        if previous is None:
            change = f"loaded {len(settings.bindings)} bindings"
        else:
            change = describe_changes(previous, settings)
        logger.info("reloaded %s: %s", self.path.name, change)
        self.on_change(settings)

    def _run(self) -> None:
        while self._wait_until_due():
            try:
                self.reload_now()
            except Exception:  # a failing callback must not end hot reload
                logger.exception("reloading %s failed", self.path)

    def _wait_until_due(self) -> bool:
        """Block until a scheduled reload is due (True) or stop() was called (False)."""
        with self._wakeup:
            while not self._stopping:
                if self._due is not None and self.clock() >= self._due:
                    self._due = self._first_event = None
                    return True
                timeout = None if self._due is None else self._due - self.clock()
                self._wakeup.wait(timeout)
            return False


def reload_due(first_event: float, last_event: float, debounce: float, max_delay: float) -> float:
    """When a burst of events that began at `first_event` should be reloaded: `debounce`
    seconds after the latest event, but never later than `max_delay` after the first."""
    return min(last_event + debounce, first_event + max_delay)


class _EventFilter:
    """A watchdog event handler that passes on events touching one file name."""

    def __init__(self, file_name: str, on_event: Callable[[], None]) -> None:
        self.file_name = file_name
        self.on_event = on_event

    def dispatch(self, event: Any) -> None:
        if event.event_type not in RELOAD_EVENTS or event.is_directory:
            return
        paths = (event.src_path, getattr(event, "dest_path", "") or "")
        if any(os.path.basename(os.fsdecode(path)) == self.file_name for path in paths):
            self.on_event()
