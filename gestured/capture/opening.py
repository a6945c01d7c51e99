"""Opening a camera without hanging, and what to tell whoever waits for it.

OpenCV can block forever opening a busy camera: `open_with_timeout` runs the open in a
worker thread and gives up after a timeout. Between tries `Backoff` spaces the attempts
(1, 2, 4 ... s, capped). `give_up_after` says how long a missing camera is waited for (a
few seconds for someone at a terminal, for ever for a service), and `device_hint` what
/dev/video* holds when it is not there.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from gestured.capture.frames import SourceError
from gestured.capture.v4l2 import Capture


class Backoff:
    """Delays 1, 2, 4 ... seconds, capped at `maximum`; `reset()` after a success."""

    def __init__(self, initial: float = 1.0, maximum: float = 30.0, factor: float = 2.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._next = initial

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * self.factor, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial


def open_with_timeout(open_capture: Callable[[], Capture], timeout: float, name: str,
                      stop: threading.Event | None = None) -> Capture:
    """Run `open_capture` in a worker thread; raise SourceError if it takes over `timeout` s
    (or `stop` is set meanwhile). A capture that opens after it was given up on is
    released by the worker when it finally returns.
    """
    result: dict[str, Any] = {}
    done, abandoned = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            result["capture"] = open_capture()
        except Exception as error:  # OpenCV raises cv2.error for some devices
            result["error"] = error
        done.set()
        if abandoned.is_set() and "capture" in result:
            result["capture"].release()

    threading.Thread(target=worker, name=f"open {name}", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not done.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
        if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
            abandoned.set()
            if done.is_set() and "capture" in result:  # finished just now: the worker may have missed it
                result["capture"].release()
            raise SourceError(f"camera {name} did not open within {timeout:g} s: is another program using it?")
    if "error" in result:
        raise SourceError(f"camera {name} failed to open: {result['error']}")
    capture = result["capture"]
    if not capture.isOpened():
        capture.release()
        raise SourceError(f"camera {name} not found or busy: {device_hint(name)}")
    return capture


# A person at a terminal is told within this many seconds that the camera isn't there.
INTERACTIVE_WAIT = 5.0
TRY_A_FILE = "or try a video file or a folder of images: --source FILE"


def give_up_after(wait_for_camera: bool, streams: tuple[Any, ...] = ()) -> float | None:
    """How long a missing camera is waited for: INTERACTIVE_WAIT seconds when someone
    watches (stdin and stderr are a terminal), for ever for a service or with
    --wait-for-camera (None). `streams` defaults to (sys.stdin, sys.stderr)."""
    import sys

    watched = all(stream is not None and stream.isatty() for stream in (streams or (sys.stdin, sys.stderr)))
    return INTERACTIVE_WAIT if watched and not wait_for_camera else None


def device_hint(name: str, devices: list[str] | None = None) -> str:
    """What to check for camera `name` ("7" or "/dev/video7"): whether such a device exists
    and which ones do (`devices`: the /dev/video* paths, read from /dev when None)."""
    import glob

    found = sorted(glob.glob("/dev/video*")) if devices is None else devices
    path = f"/dev/video{name}" if name.isdigit() else name
    listing = f"cameras here: {', '.join(found)}" if found else "no /dev/video* devices at all"
    if path not in found:
        return f"there is no {path} ({listing}); give another --source or `camera:`"
    return f"{path} exists: is another program using it? ({listing})"
