"""Settings that change while the daemon runs.

`SettingsUpdates` is the reloader as the frame loop sees it: `request()` (a flag, safe from
SIGHUP's handler) asks for the file to be read now, and `poll()`, between frames, returns
new valid settings once. `restart_notes` says which changed settings need a restart, and
`next_classifier` loads the model new settings name, keeping the current one when it can't.
"""

from __future__ import annotations

import logging
from typing import Callable, Protocol

from gestured.config.settings import Settings
from gestured.errors import GesturedError
from gestured.runtime.pipeline import Classifier

logger = logging.getLogger(__name__)

# Settings the source and backend were built with: a change applies at the next start.
RESTART_SETTINGS = ("backend", "camera", "num_hands", "mirrored", "openpose", "ui")


class Reloader(Protocol):
    """Settings updates: `poll()` returns new valid settings once, else None;
    `reload_now()` reads the file now (SIGHUP), its result arriving through `poll()`."""

    def poll(self) -> Settings | None: ...

    def reload_now(self) -> None: ...

    def close(self) -> None: ...


class SettingsUpdates:
    """New settings from `reloader` (None: the settings never change), polled by the loop."""

    def __init__(self, reloader: Reloader | None) -> None:
        self._reloader = reloader
        self._requested = False

    def request(self) -> None:
        """Read the file at the next poll (SIGHUP). Only sets a flag: signal-safe."""
        self._requested = True

    def poll(self) -> Settings | None:
        """New valid settings once, else None; reads the file first when a reload was requested."""
        requested, self._requested = self._requested, False
        if self._reloader is None:
            return None
        if requested:
            logger.info("reloading the configuration (SIGHUP)")
            try:
                self._reloader.reload_now()
            except Exception as error:  # a bug in reloading must not end the daemon
                logger.error("reloading failed (%s: %s); keeping the settings in use", type(error).__name__, error)
                logger.debug("reload failure", exc_info=True)
        return self._reloader.poll()


def restart_notes(running: Settings, before: Settings, now: Settings) -> None:
    """Log each setting that needs a restart when the file moves it away from what is
    `running`, and again when it comes back (no restart needed then)."""
    for name in RESTART_SETTINGS:
        was_running, was, is_now = (getattr(each, name) for each in (running, before, now))
        if is_now != was and is_now != was_running:
            logger.warning("%s changed in the configuration: restart gestured to apply it", name)
        elif is_now != was:
            logger.info("%s is back to the running value: no restart needed", name)


def next_classifier(load: Callable[[str | None], Classifier], model: str | None, current: Classifier) -> Classifier:
    """The classifier for `model` (the loader caches it, so an unchanged one is free); `current`
    when it can't be loaded (logged)."""
    try:
        classifier = load(model)
    except GesturedError as error:
        logger.error("%s; still using the previous model", error)
        return current
    if classifier is not current:
        logger.info("now classifying with %s (%s)", model or "the shipped model", ", ".join(classifier.labels))
    return classifier
