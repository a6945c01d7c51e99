"""Frame sources: a camera, a video file or a folder of images, as an iterable of `Frame`.

Files and folders play at media time (timestamp = index / fps), as fast as the CPU allows
unless `realtime` asks for the file's own pace. Cameras live in `gestured.capture.camera`:
opened in a worker thread with a timeout, retried with backoff, captured in their own thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from gestured.capture.frames import Frame, FrameFilter, FrameSource, SourceError, StageTimer
from gestured.capture.options import DEFAULT_FOLDER_FPS, SourceOptions

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
FALLBACK_VIDEO_FPS = 30.0


def _want_all(_timestamp: float) -> bool:
    return True


class _Pacer:
    """In real time, holds each frame back until its media time and drops frames that are
    already more than one frame late (as a camera keeping only its newest frame would)."""

    def __init__(self, realtime: bool, clock: Callable[[], float], wait: Callable[[float], Any]) -> None:
        self.realtime = realtime
        self._clock = clock
        self._wait = wait
        self._start: float | None = None

    def pace(self, timestamp: float, period: float) -> bool:
        """Wait for `timestamp`; False when the frame is too late to be worth decoding."""
        if not self.realtime:
            return True
        if self._start is None:
            self._start = self._clock() - timestamp
        delay = self._start + timestamp - self._clock()
        if delay > 0:
            self._wait(delay)
        return delay > -period


class _PlayedSource(FrameSource):
    """What file and folder sources share: the frame filter, pacing and stopping."""

    is_live = False

    def _start_playing(self, realtime: bool, clock: Callable[[], float], sleep: Callable[[float], Any] | None) -> None:
        self._want: FrameFilter = _want_all
        self._stop = threading.Event()
        self._pacer = _Pacer(realtime, clock, sleep or self._stop.wait)

    def set_frame_filter(self, want: FrameFilter | None) -> None:
        """Ask `want(timestamp)` before decoding each frame; False skips it."""
        self._want = want or _want_all

    def interrupt(self) -> None:
        """Make iteration stop at the next frame (safe from a signal handler)."""
        self._stop.set()

    def close(self) -> None:
        self._stop.set()


class VideoFileSource(_PlayedSource):
    """A video file decoded frame by frame; timestamp = frame index / the file's fps.

    realtime: hold each frame back until its media time (clock, sleep: for tests; the
    default sleep returns early on interrupt()). fit: (width, height) to shrink larger
    frames into, aspect kept, as a camera asked for that mode would deliver them.
    timer: told ("decode", seconds of grab + retrieve + fit) for each frame delivered and
    ("skip" or "drop", seconds of grab) for each frame the filter skipped or that came too
    late in real time (measured with `clock`); `gestured bench` reads the source's cost so.
    Raises SourceError when the file cannot be decoded.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] | None = None,
        fit: tuple[int, int] | None = None,
        timer: StageTimer | None = None,
    ) -> None:
        import cv2

        self.name = str(path)
        self.fit = fit
        self.timer = timer
        self._clock = clock
        # Decode on the calling thread: FFmpeg's frame threads cost ~0.1 ms of CPU a frame
        # more handing frames between threads (the daemon idle on a static scene: 0.018-0.0195
        # of a core against 0.0195-0.0205, benchmarks/README.md).
        # OpenCV's own `[ WARN:0@...] ... can't be used to capture by name` for a file that is
        # no video would only repeat, worse, the error below.
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        try:
            self._capture: Any = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(f"cannot decode video file {path}: is it a video OpenCV can read?")
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if math.isfinite(fps) and fps > 0 else FALLBACK_VIDEO_FPS
        self.size = (int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        count = float(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0)
        self.frame_count = int(count) if math.isfinite(count) and count > 0 else None  # as the file says
        self._start_playing(realtime, clock, sleep)

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        period = 1.0 / self.fps
        while not self._stop.is_set() and self._capture is not None:
            started = self._clock() if self.timer is not None else 0.0
            if not self._capture.grab():
                return
            grab_seconds = self._clock() - started if self.timer is not None else 0.0
            timestamp = index / self.fps
            on_time = self._pacer.pace(timestamp, period)
            if on_time and self._want(timestamp):
                image = self._decode(grab_seconds)
                if image is None:
                    return
                yield Frame(image=image, timestamp=timestamp, index=index)
            elif self.timer is not None:
                self.timer("skip" if on_time else "drop", grab_seconds)
            index += 1

    def _decode(self, grab_seconds: float) -> np.ndarray | None:
        """The grabbed frame, fitted; times grab + retrieve + fit as `decode` for the timer."""
        assert self._capture is not None
        started = self._clock() if self.timer is not None else 0.0
        ok, image = self._capture.retrieve()
        if not ok:
            return None
        image = fit_into(image, self.fit)
        if self.timer is not None:
            self.timer("decode", grab_seconds + self._clock() - started)
        return image

    def close(self) -> None:
        super().close()
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


class ImageFolderSource(_PlayedSource):
    """The images of a folder in name order, played at `fps` (timestamp = index / fps).

    Unreadable and oversized images are skipped with a warning (gestured.capture.images); fit:
    (width, height) to shrink larger ones into, as for video files. Raises SourceError for
    a folder with no images.
    """

    stills = True

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float = DEFAULT_FOLDER_FPS,
        realtime: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] | None = None,
        fit: tuple[int, int] | None = None,
    ) -> None:
        if fps <= 0:
            raise SourceError(f"image folder fps must be positive, got {fps}")
        self.name = str(path)
        self.fps = fps
        self.fit = fit
        self.paths = sorted(
            entry for entry in Path(path).iterdir() if entry.suffix.lower() in IMAGE_SUFFIXES
        )
        if not self.paths:
            raise SourceError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in folder {path}")
        self.frame_count = len(self.paths)
        self._start_playing(realtime, clock, sleep)

    def frame_name(self, frame: Frame) -> str:
        """The image file `frame` was read from."""
        return str(self.paths[frame.index])

    def __iter__(self) -> Iterator[Frame]:
        from gestured.capture.images import read_image

        for index, image_path in enumerate(self.paths):
            if self._stop.is_set():
                return
            timestamp = index / self.fps
            if not (self._pacer.pace(timestamp, 1.0 / self.fps) and self._want(timestamp)):
                continue
            image = read_image(image_path)  # refuses or shrinks a huge one, says why
            if image is not None:
                yield Frame(image=fit_into(image, self.fit), timestamp=timestamp, index=index)



def fit_into(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """`image` shrunk to fit within size = (width, height), aspect kept; as is when it fits."""
    if size is None:
        return image
    height, width = image.shape[:2]
    scale = min(size[0] / width, size[1] / height)
    if scale >= 1.0:
        return image
    import cv2

    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, new_size, interpolation=cv2.INTER_AREA)


def camera_device(spec: str) -> int | str | None:
    """The OpenCV device for a camera spec ("0" -> 0, "/dev/video2" -> "/dev/video2"), else None."""
    text = spec.strip()
    if text.isdigit():
        return int(text)
    if text.startswith("/dev/video"):
        return text
    return None


def open_source(spec: str, options: SourceOptions = SourceOptions()) -> FrameSource:
    """Open a camera index ("0"), a /dev/videoN, a video file or an image folder, as `options`
    say (gestured.capture.options). A camera is opened lazily, on first iteration, and
    retried there; a file or folder is opened now.
    Raises SourceError for a path that does not exist or cannot be read.
    """
    if not str(spec).strip():
        raise SourceError("the source is empty: give a camera index (0), /dev/videoN, "
                          "a video file or an image folder")
    device = camera_device(str(spec))
    if device is not None:
        from gestured.capture.camera import CameraSource

        return CameraSource(device, options.camera, clock=options.clock, epoch=options.epoch)
    path = Path(spec).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, fps=options.fps, realtime=options.realtime, clock=options.clock,
                                 fit=options.fit)
    if path.is_file():
        return VideoFileSource(path, realtime=options.realtime, clock=options.clock, fit=options.fit)
    raise SourceError(
        f"no camera, video file or image folder named {spec!r}: "
        "give a camera index (0), /dev/videoN, a video file or a folder of images"
    )
