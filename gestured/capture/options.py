"""How a frame source is opened and played, as typed frozen data.

The command that reads the command line and gestures.yaml builds a `SourceOptions` and
hands it to `gestured.capture.sources.open_source`; a camera gets its `CameraOptions`.
A misspelt option is a TypeError where the options are built, not a setting lost on the way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

DEFAULT_FOLDER_FPS = 10.0


@dataclass(frozen=True)
class CameraOptions:
    """How a camera is opened and read (gestured.capture.camera.CameraSource).

    open_timeout: seconds before a hung open is abandoned. read_timeout: seconds without a
    frame before the camera counts as gone and is reopened. width, height, fourcc: the mode
    asked for. give_up_after: seconds a missing camera is waited for before a SourceError
    (None: for ever, as a service waits; see gestured.capture.opening.give_up_after).
    """

    open_timeout: float = 5.0
    read_timeout: float = 2.0
    width: int = 640
    height: int = 480
    fourcc: str = "MJPG"
    give_up_after: float | None = None


@dataclass(frozen=True)
class SourceOptions:
    """How `open_source` opens and plays what it is given.

    realtime: play video files and image folders at their own pace, as a camera would.
    fps: an image folder's frame rate. fit: (width, height) that larger file and folder
    frames are shrunk into, aspect kept. clock: monotonic seconds (pacing; a camera's
    timestamps). epoch: the clock reading that is a camera's timestamp 0 (None: when its
    iteration starts). camera: a camera's own options.
    """

    realtime: bool = False
    fps: float = DEFAULT_FOLDER_FPS
    fit: tuple[int, int] | None = None
    clock: Callable[[], float] = time.monotonic
    epoch: float | None = None
    camera: CameraOptions = field(default_factory=CameraOptions)
