"""`gestured ui --loop`: play a video file or image folder again and again, so the page
has something to show from a recording (a demo, a test) for as long as it is open."""

from __future__ import annotations

import threading
from typing import Callable, Iterator

from gestured.capture.frames import Frame, FrameFilter, FrameSource

LOOP_GAP = 0.1  # seconds of media time between the end of one play and the next


class LoopedSource(FrameSource):
    """Opens a source with `open_one()`, plays it, and opens it again at its end.

    Timestamps keep growing across plays (the debouncer needs them not to decrease);
    frame indices are the file's own, so they start again with each play.
    `interrupt()` and `close()` end the loop.
    """

    is_live = False

    def __init__(self, open_one: Callable[[], FrameSource]) -> None:
        self._open_one = open_one
        self._current = open_one()
        self.name = f"{self._current.name} (looped)"
        self._stop = threading.Event()
        self._want: FrameFilter | None = None

    def set_frame_filter(self, want: FrameFilter | None) -> None:
        self._want = want
        self._current.set_frame_filter(want)

    def __iter__(self) -> Iterator[Frame]:
        offset, played = 0.0, 0
        while not self._stop.is_set():
            end = offset
            for frame in self._current:
                end = offset + frame.timestamp
                yield frame.at(end)
                played += 1
            if self._stop.is_set() or played == 0:
                return
            offset = end + LOOP_GAP
            self._current.close()
            self._current = self._open_one()
            self._current.set_frame_filter(self._want)

    def interrupt(self) -> None:
        self._stop.set()
        self._current.interrupt()

    def close(self) -> None:
        self._stop.set()
        self._current.close()
