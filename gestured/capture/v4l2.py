"""Opening a V4L2 camera through OpenCV, and the part of a capture a camera source uses.

MJPG and YUYV cameras are opened with `CAP_PROP_CONVERT_RGB` off, so OpenCV hands over
the camera's own data (`gestured.capture.encoded` decodes it as far as needed); their
frame rate can change while they stream (`V4l2Capture.set_frame_rate`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np


class Capture(Protocol):
    """The part of cv2.VideoCapture a camera source uses."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)

    def grab(self) -> bool: ...

    def retrieve(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...

    def set_frame_rate(self, fps: float | None) -> bool:
        """Deliver `fps` frames a second (None: the camera's own rate); False if refused."""
        ...


def device_path(device: int | str) -> Path:
    """The V4L2 device node of a camera index or path."""
    return Path(f"/dev/video{device}") if isinstance(device, int) else Path(device)


class _MissingCapture:
    """What opening a camera whose device node does not exist gives (no OpenCV call, no warnings)."""

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return False

    def grab(self) -> bool:
        return False

    def retrieve(self) -> tuple[bool, None]:
        return False, None

    def release(self) -> None:
        pass

    def set_frame_rate(self, fps: float | None) -> bool:
        return False


RAW_FORMATS = ("MJPG", "YUYV")  # what gestured.capture.encoded decodes itself


class V4l2Capture:
    """cv2.VideoCapture on a V4L2 camera, with a frame rate that can change while streaming.

    OpenCV sends VIDIOC_S_PARM at once, which UVC drivers refuse while the camera streams
    (and OpenCV's retry loop then waits on the busy device). Changing the buffer count makes
    OpenCV stop the stream and set the device up again (its `v4l2_reset`), so the rate is
    set on a stopped camera and the next grab starts it again at that rate.
    """

    def __init__(self, capture: Any, full_fps: float) -> None:
        self._capture = capture
        self.full_fps = full_fps

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return bool(self._capture.isOpened())

    def grab(self) -> bool:
        return bool(self._capture.grab())

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        ok, data = self._capture.retrieve()
        return bool(ok), data

    def release(self) -> None:
        self._capture.release()

    def set_frame_rate(self, fps: float | None) -> bool:
        import cv2

        target = self.full_fps if fps is None else fps
        if target <= 0:
            return False
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 2)
        done = bool(self._capture.set(cv2.CAP_PROP_FPS, target))
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return done


def open_cv_capture(device: int | str, width: int, height: int, fourcc: str) -> Capture:
    """cv2.VideoCapture on V4L2 asking for width x height in `fourcc` (where the camera offers it).

    OpenCV's own warnings are silenced: a camera being retried would print them each time.
    """
    if Path("/dev").is_dir() and not device_path(device).exists():
        return _MissingCapture()
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    capture = cv2.VideoCapture(device, cv2.CAP_V4L2)
    if not capture.isOpened():
        return cast(Capture, capture)
    capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*fourcc))
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    if fourcc_name(capture.get(cv2.CAP_PROP_FOURCC)) in RAW_FORMATS:
        capture.set(cv2.CAP_PROP_CONVERT_RGB, 0)  # hand over the camera's own data: decoded as needed
    return V4l2Capture(capture, float(capture.get(cv2.CAP_PROP_FPS) or 30.0))


def fourcc_name(code: float) -> str:
    """OpenCV's numeric FOURCC as its four letters ("MJPG")."""
    value = int(code)
    return "".join(chr((value >> shift) & 0xFF) for shift in (0, 8, 16, 24))
