"""Replay a recording's real MJPG bytes as a V4L2 MJPG camera hands them over, without a camera.

`write_mjpeg` turns any video OpenCV reads into an AVI of JPEG frames (fitted into the
camera mode, 640x480 by default). `MjpegReplay` is a `gestured.capture.camera.Capture`
that plays such a file the way OpenCV's V4L2 backend plays an MJPG camera with
`CAP_PROP_CONVERT_RGB` off and one buffer: `grab()` blocks until the next frame is due (at
the camera's frame rate, which `set_frame_rate(n)` lowers or restores as a camera would;
a late grab waits for the next frame made after it), and
`retrieve()` gives the frame's JPEG bytes as a 1 x N uint8 row, undecoded. A
`CameraSource` built on it runs the same capture thread and decode path as a real camera.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from gestured.capture.frames import Frame, SourceError

if TYPE_CHECKING:
    from gestured.capture.camera import CameraSource

DEFAULT_QUALITY = 85  # JPEG quality of the frames written; webcams' own MJPG is about this


def write_mjpeg(video: Path, out: Path, fit: tuple[int, int] | None = (640, 480),
                quality: int = DEFAULT_QUALITY) -> tuple[Path, float]:
    """Write `video`'s frames (shrunk into `fit`, aspect kept) as MJPG in an AVI; returns
    `out` and the video's frame rate, which the AVI holds rounded to a whole number
    (OpenCV's own MJPG writer, the one that honours `quality`): pass it to read_packets.
    Raises SourceError when `video` can't be read or `out` written."""
    import cv2

    from gestured.capture.sources import fit_into

    reader = cv2.VideoCapture(str(video))
    if not reader.isOpened():
        raise SourceError(f"cannot decode video file {video}: is it a video OpenCV can read?")
    fps = float(reader.get(cv2.CAP_PROP_FPS) or 0.0)
    fps = fps if math.isfinite(fps) and fps > 0 else 30.0
    writer: Any = None
    try:
        while True:
            ok, image = reader.read()
            if not ok:
                break
            image = fit_into(image, fit)
            if writer is None:
                writer = cv2.VideoWriter(str(out), cv2.CAP_OPENCV_MJPEG, cv2.VideoWriter.fourcc(*"MJPG"), fps,
                                         (image.shape[1], image.shape[0]), [cv2.VIDEOWRITER_PROP_QUALITY, quality])
                if not writer.isOpened():
                    raise SourceError(f"cannot write {out} with OpenCV's MJPG writer")
            writer.write(image)
    finally:
        reader.release()
        if writer is not None:
            writer.release()
    if writer is None:
        raise SourceError(f"video file {video} has no frames")
    return out, fps


def read_packets(path: Path, fps: float | None = None) -> tuple[list[np.ndarray], float]:
    """The JPEG bytes of every frame of an MJPG AVI (1 x N uint8 rows, as FFmpeg demuxes them)
    and its frame rate (`fps` when given, else the file's). Raises SourceError when it is not MJPG."""
    import cv2

    reader = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    try:
        if not reader.isOpened():
            raise SourceError(f"cannot open {path}: make it with gestured.capture.replay.write_mjpeg")
        fps = fps or float(reader.get(cv2.CAP_PROP_FPS) or 0.0)
        packets = []
        while True:
            ok, packet = reader.read()
            if not ok:
                break
            packets.append(np.array(packet, dtype=np.uint8).reshape(1, -1))
    finally:
        reader.release()
    if not packets or bytes(packets[0][0, :2]) != b"\xff\xd8":
        raise SourceError(f"{path} holds no MJPG frames: make it with gestured.capture.replay.write_mjpeg")
    return packets, fps if math.isfinite(fps) and fps > 0 else 30.0


class MjpegReplay:
    """A Capture that plays JPEG frames at a camera's pace (see the module's docstring).

    packets: the frames' JPEG bytes; fps: the rate they were recorded at (the camera's
    own rate, the most it delivers). loops: times to play them (the frame index runs on,
    so media time keeps growing). realtime False: no waiting, every frame delivered in turn
    (at the requested rate's spacing in media time). clock and sleep: for tests.
    """

    def __init__(self, packets: list[np.ndarray], fps: float, *, loops: int = 1, realtime: bool = True,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] = time.sleep) -> None:
        if not packets or fps <= 0:
            raise ValueError("a replay needs frames and a positive frame rate")
        self.packets = packets
        self.source_fps = fps
        self.fps = fps  # the rate asked for, at most the recording's
        self.loops = loops
        self.realtime = realtime
        self._clock, self._sleep = clock, sleep
        self._start: float | None = None
        self._media_time = -math.inf  # media time of the last frame grabbed
        self._current: np.ndarray | None = None
        self._open = True
        self.grabs = 0
        self.rate_changes: list[tuple[float, float]] = []  # (media time, fps) of each change asked

    @property
    def duration(self) -> float:
        """Media seconds of all loops."""
        return len(self.packets) * self.loops / self.source_fps

    @property
    def started_at(self) -> float | None:
        """The clock reading at the first grab (media time 0), None before it."""
        return self._start

    @property
    def media_time(self) -> float:
        """Media time of the last frame grabbed (seconds since the replay started)."""
        return max(0.0, self._media_time)

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self._open

    def grab(self) -> bool:
        """Wait for the next frame due at the asked rate; False when the recording is over.
        A grab that comes late waits for the next frame the camera makes, as a V4L2 camera
        with one buffer (how gestured opens them) delivers, not a frame made before it."""
        if not self._open:
            return False
        if self._start is None:
            self._start = self._clock()
        due = self._next_due(self._clock() - self._start if self.realtime else None)
        if due >= self.duration - 1e-9:
            return False
        if self.realtime:
            delay = self._start + due - self._clock()
            if delay > 0:
                self._sleep(delay)
        index = int(due * self.source_fps + 1e-9)
        self._media_time = index / self.source_fps
        self._current = self.packets[index % len(self.packets)]
        self.grabs += 1
        return True

    def _next_due(self, now: float | None = None) -> float:
        """Media time of the next frame at the asked rate (on the recording's frame grid), and
        not before `now` when given."""
        if self._media_time == -math.inf:
            return 0.0
        step = max(1, round(self.source_fps / self.fps))
        base = round(self._media_time * self.source_fps)
        steps = 1
        if now is not None:
            steps = max(1, math.ceil((now * self.source_fps - base) / step - 1e-6))
        return (base + step * steps) / self.source_fps

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        """The last grabbed frame's JPEG bytes (1 x N uint8), undecoded."""
        return (self._current is not None), self._current

    def set_frame_rate(self, fps: float | None) -> bool:
        """Deliver `fps` frames a second from the next grab (at most the recording's rate;
        None: the recording's own rate), as a camera asked for another rate does."""
        if fps is not None and fps <= 0:
            return False
        self.fps = self.source_fps if fps is None else min(float(fps), self.source_fps)
        self.rate_changes.append((self.media_time, self.fps))
        return True

    def release(self) -> None:
        self._open = False
        self._current = None


class MjpegFrames:
    """The same JPEG frames as a frame source without a capture thread or pacing: every
    frame in turn, media-time stamped, decoded by the camera's own code (`Frame` over
    `EncodedImage`) only as far as used; a frame the filter does not want is skipped
    undecoded, and a requested frame rate keeps only frames at that spacing. For measuring
    work per frame where a loaded machine would make a real-time replay drop frames."""

    is_live = False

    def __init__(self, packets: list[np.ndarray], fps: float, name: str = "mjpg frames") -> None:
        self.packets, self.fps, self.name = packets, fps, name
        self._want: Callable[[float], bool] = lambda _timestamp: True
        self._rate: float | None = None
        self._stopped = False

    def __iter__(self) -> Iterator[Frame]:
        from gestured.capture.encoded import EncodedImage

        last = -math.inf
        for index, packet in enumerate(self.packets):
            timestamp = index / self.fps
            spacing = 1.0 / self._rate if self._rate else 0.0
            if self._stopped:
                return
            if timestamp - last < spacing * 0.95:
                continue  # the camera was asked for fewer frames: this one never came
            last = timestamp
            if self._want(timestamp):
                yield Frame(encoded=EncodedImage.from_capture(packet), timestamp=timestamp, index=index)

    def set_frame_filter(self, want: Callable[[float], bool] | None) -> None:
        self._want = want or (lambda _timestamp: True)

    def request_frame_rate(self, fps: float | None) -> None:
        self._rate = fps

    def interrupt(self) -> None:
        self._stopped = True

    def close(self) -> None:
        self._stopped = True


def replay_camera(packets: list[np.ndarray], fps: float) -> tuple[CameraSource, MjpegReplay]:
    """A CameraSource over a real-time MjpegReplay of `packets` at `fps`, with frame
    timestamps in the replay's media time, and the replay; iteration ends with the recording."""
    from gestured.capture.camera import CameraSource

    replay = MjpegReplay(packets, fps)
    source = CameraSource("replay", clock=lambda: replay.media_time, epoch=0.0,
                          capture_factory=lambda *_mode: replay, reopen=False)
    source.is_live = False  # a recording: it ends, and is not reopened or released on pause
    return source, replay
