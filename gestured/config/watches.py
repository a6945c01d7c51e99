"""Which directories hot reload must watch for one config path, kept armed over time.

An inotify watch follows a directory's inode: when the directory is deleted and made
again, the old watch is dead and nothing says so. A symlinked config changes where its
target lives, not where the link lives. `ConfigWatches.refresh()` (called on every
event and about once a second) works out the directories that matter now (the link's,
and its target's through every symlink) and their identities (device, inode); when
they differ from what is watched, it re-schedules the observer and reports it, so the
caller reloads once. The event filter matches events in any of those directories whose
file name is the link's or a target's.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable

logger = logging.getLogger(__name__)

Identity = tuple[int, int]  # (st_dev, st_ino) of a directory

# "opened" and "closed_no_write" come from our own reads and must not trigger a reload.
RELOAD_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed", "attrib"})
MAX_LINKS = 8  # symlinks followed from the config path (a loop stops here)


def watched_files(path: Path) -> list[Path]:
    """`path` and each file its symlinks point to, in order, as absolute paths (no loop)."""
    files = [Path(os.path.abspath(path))]
    for _ in range(MAX_LINKS):
        try:
            target = os.readlink(files[-1])
        except OSError:  # not a link, or gone
            break
        following = Path(os.path.abspath(files[-1].parent / target))
        if following in files:
            break
        files.append(following)
    return files


def directory_identities(files: list[Path]) -> dict[Path, Identity | None]:
    """Each file's directory and its (device, inode), None where it does not exist."""
    identities: dict[Path, Identity | None] = {}
    for directory in dict.fromkeys(file.parent for file in files):
        try:
            status = os.stat(directory)
        except OSError:
            identities[directory] = None
        else:
            identities[directory] = (status.st_dev, status.st_ino)
    return identities


class ConfigWatches:
    """The observer's watches for one config path (see the module docstring).

    `observer`: a started watchdog observer; `on_event(event_type)` is called for every
    event that touches the config (event types in RELOAD_EVENTS). Not thread-safe: call refresh()
    from one thread (the reload thread).
    """

    def __init__(self, path: Path, observer: Any, on_event: Callable[[str], None]) -> None:
        self.path = Path(os.path.abspath(path))
        self._observer = observer
        self._on_event = on_event
        self._armed: dict[Path, Identity | None] = {}
        self._handles: list[Any] = []
        self._names: frozenset[str] = frozenset()
        self._stale = False  # a watched directory reported its own deletion

    def refresh(self) -> bool:
        """Re-arm when a watched directory was recreated, appeared, vanished or a link now
        points elsewhere. Returns True when the watches changed after the first arming
        (the file may have changed unseen: reload it)."""
        files = watched_files(self.path)
        identities = directory_identities(files)
        names = frozenset(file.name for file in files)
        if names != self._names:  # a link points at another file name: the same watches do
            self._names = names
        if identities == self._armed and not self._stale:
            return False
        first, self._stale = not self._armed, False
        for handle in self._handles:
            self._observer.unschedule(handle)
        self._handles = []
        for directory, identity in identities.items():
            if identity is not None:
                self._handles.append(self._observer.schedule(_EventFilter(self), str(directory)))
        self._armed = identities
        missing = [str(directory) for directory, identity in identities.items() if identity is None]
        if missing:
            logger.warning("not watching %s: %s does not exist yet (watching for it; SIGHUP reloads)",
                           self.path.name, ", ".join(missing))
        elif not first:
            logger.info("watching %s again (%s)", self.path.name, ", ".join(map(str, identities)))
        return not first

    def matches(self, event: Any) -> bool:
        """True for an event of a kind that may change the config, on one of its file names."""
        if event.event_type not in RELOAD_EVENTS or event.is_directory:
            return False
        paths = (event.src_path, getattr(event, "dest_path", "") or "")
        return any(os.path.basename(os.fsdecode(path)) in self._names for path in paths)

    def dispatch(self, event: Any) -> None:
        if event.is_directory and event.event_type in ("deleted", "moved") \
                and Path(os.fsdecode(event.src_path)) in self._armed:
            self._stale = True  # its watch is dead even if a new one gets the same inode
            self._on_event("deleted")
        elif self.matches(event):
            self._on_event(event.event_type)


class _EventFilter:
    """The handler watchdog calls (on its own thread) for one watched directory."""

    def __init__(self, watches: ConfigWatches) -> None:
        self._watches = watches

    def dispatch(self, event: Any) -> None:
        self._watches.dispatch(event)
