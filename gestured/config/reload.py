"""Hot reload: re-apply gestures.yaml when it changes on disk, keeping the last good one.

`ConfigWatcher` watches the config's *directory* with watchdog (editors save by
writing in place, by renaming a temporary file over it, by deleting and re-creating it,
or by truncating then writing), coalesces a burst of events into one reload, and calls
`on_change(settings)` with the new Settings or `on_error(error)` with a ConfigError.
A broken, missing or empty (half-written) file keeps the last good settings.

A save is applied only once it is over: while its writer keeps the file open after
writing (no close event yet) the reload waits, up to WRITE_GRACE s, and two looks at the
file QUIET_CHECK s apart must agree. The watches follow the config's symlinks to their
targets and are re-armed when a directory is deleted and made again, or appears late
(gestured.config.watches, checked every REARM_INTERVAL s).

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
from gestured.config.watches import ConfigWatches

logger = logging.getLogger(__name__)

__all__ = ["ConfigWatcher", "describe_changes", "reload_due"]

REARM_INTERVAL = 1.0  # seconds between checks that the watched directories are still the same
QUIET_CHECK = 0.1  # seconds between the two looks that must agree before a reload
WRITE_GRACE = 2.0  # seconds a reload waits for a writer that keeps the file open to close it


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
        self._watches: ConfigWatches | None = None
        self._writing = False

    @property
    def settings(self) -> Settings | None:
        """The last good settings (None before the first successful load)."""
        return self._settings

    def start(self) -> None:
        """Start watching (the config's directory and its symlinks' targets, re-armed when
        one is recreated: see gestured.config.watches)."""
        from watchdog.observers import Observer

        self._stopping = False
        self._observer = Observer()
        self._observer.start()
        self._watches = ConfigWatches(self.path, self._observer, self.notify)
        self._watches.refresh()
        self._thread = threading.Thread(target=self._run, name="gestured-reload", daemon=True)
        self._thread.start()
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

    def notify(self, event_type: str = "modified") -> None:
        """The file changed: schedule a reload after `debounce` s of quiet (`max_delay` at most;
        up to `WRITE_GRACE` s while a writer still holds the file open after writing)."""
        with self._wakeup:
            now = self.clock()
            self._first_event = now if self._first_event is None else self._first_event
            self._due = reload_due(self._first_event, now, self.debounce, self.max_delay)
            self._writing = event_type == "modified" or (self._writing and event_type in ("attrib", "opened"))
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
        while (due := self._wait_until_due()) is not None:
            if self._watches is not None and self._watches.refresh():
                self.notify("created")  # re-armed: the file may have changed unseen
                continue
            if not due:
                continue
            if not self._settled():
                self.notify()  # still being written: look again after the next quiet spell
                continue
            try:
                self.reload_now()
            except Exception:  # a failing callback must not end hot reload
                logger.exception("reloading %s failed", self.path)

    def _settled(self) -> bool:
        """Two looks at the file QUIET_CHECK s apart agree (size, time, inode): not mid-save."""
        first = _signature(self.path)
        time.sleep(QUIET_CHECK)
        return _signature(self.path) == first

    def _wait_until_due(self) -> bool | None:
        """Block until a reload is due (True), REARM_INTERVAL passed (False: check the
        watches) or stop() was called (None)."""
        with self._wakeup:
            deadline = self.clock() + REARM_INTERVAL
            while not self._stopping:
                now = self.clock()
                if self._due is not None and now >= self._due and not self._held_open(now):
                    self._due = self._first_event = None
                    return True
                if now >= deadline:
                    return False
                wake = deadline
                if self._due is not None and self._first_event is not None:
                    held = self._held_open(now)
                    wake = min(deadline, self._first_event + WRITE_GRACE if held else self._due)
                self._wakeup.wait(max(0.0, wake - now))
            return None

    def _held_open(self, now: float) -> bool:
        # Modified and not yet closed by its writer: a save in progress, for WRITE_GRACE s at most.
        return self._writing and self._first_event is not None and now < self._first_event + WRITE_GRACE


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ino


def reload_due(first_event: float, last_event: float, debounce: float, max_delay: float) -> float:
    """When a burst of events that began at `first_event` should be reloaded: `debounce`
    seconds after the latest event, but never later than `max_delay` after the first."""
    return min(last_event + debounce, first_event + max_delay)
