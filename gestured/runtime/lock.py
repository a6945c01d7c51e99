"""One gestured per user: an exclusive lock on a file holding the owner's PID."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from gestured.errors import GesturedError
from gestured.paths import runtime_dir

LOCK_NAME = "gestured.lock"


class AlreadyRunning(GesturedError):
    """Another gestured holds the lock."""


class InstanceLock:
    """An exclusive flock on a file in the runtime directory; the file holds the owner's PID.

    The kernel drops the lock when the process dies, so a crash leaves no stale lock.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or runtime_dir() / LOCK_NAME
        self._file: object | None = None

    def acquire(self) -> "InstanceLock":
        """Take the lock and write our PID. Raises AlreadyRunning naming the PID that holds it,
        GesturedError when the lock file can't be created."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = open(self.path, "a+", encoding="ascii")
        except OSError as error:
            raise GesturedError(
                f"cannot create the lock file {self.path} ({error.strerror}): set XDG_RUNTIME_DIR "
                "to a directory you own (or remove what is in the way)") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(
                f"another gestured is already running (PID {holder}, lock {self.path}): "
                f"stop it first (`systemctl --user stop gestured` or `kill {holder}`)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Drop the lock (the file stays: unlinking a locked file races with a new owner)."""
        handle, self._file = self._file, None
        if handle is not None:
            handle.truncate(0)  # type: ignore[attr-defined]
            handle.close()  # type: ignore[attr-defined]

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()
