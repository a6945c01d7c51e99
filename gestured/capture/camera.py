"""A camera as a frame source that never hangs.

The open runs in a worker thread with a timeout (gestured.capture.opening). A camera that
is missing, busy or disappears is retried with capped exponential backoff, each attempt
logged with the delay before the next; a run at a terminal gives up after
`INTERACTIVE_WAIT` seconds and says what /dev/video* holds (`give_up_after` in
`CameraOptions`), a service waits for ever. Capture runs in its own thread
and keeps only the newest frame, so processing never works through a stale queue; a
frame the loop does not want (the idle gate) is grabbed but never decoded. An MJPG or YUYV
camera hands over its own data (OpenCV's `CAP_PROP_CONVERT_RGB` off), which a `Frame`
decodes only as far as it is used: a small grey picture for the idle gate's motion checks,
the full colour picture for the landmarker (`gestured.capture.encoded`). The gate's wish
for a lower camera frame rate in a long idle spell reaches the camera through
`request_frame_rate`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Iterator

import numpy as np

from gestured.capture.encoded import DecodeError, EncodedImage
from gestured.capture.frames import Frame, FrameSource, SourceError
from gestured.capture.opening import TRY_A_FILE, Backoff, open_with_timeout
from gestured.capture.options import CameraOptions
from gestured.capture.v4l2 import Capture, open_cv_capture

logger = logging.getLogger(__name__)


class _NewestFrame:
    """The newest wanted grab, handed over between the capture thread and the loop.

    The capture thread asks `want_at(clock reading)` after each grab: a frame the loop does
    not want (the idle gate, the landmarker rate) is counted (`grabs`) but neither decoded
    nor handed over, and the capture thread then `rest`s through the frames the loop will
    not want either, so neither thread wakes 30 times a second to throw frames away.
    """

    def __init__(self, want_at: Callable[[float], bool] = lambda _at: True) -> None:
        self._condition = threading.Condition()
        self._image = np.empty((1, 0), np.uint8)  # what put() hands over; read only after a put
        self._captured_at = 0.0
        self._sequence = 0
        self.grabs = 0  # every grab, wanted or not: the camera is alive while this grows
        self.want_at = want_at
        self._asks = 0  # calls of take_after: the loop is done with a frame and its state is new
        self.failed = False
        self.woken = False

    def put(self, image: np.ndarray, captured_at: float) -> None:
        with self._condition:
            self._image, self._captured_at = image, captured_at
            self._sequence += 1
            self._condition.notify_all()

    def fail(self) -> None:
        with self._condition:
            self.failed = True
            self._condition.notify_all()

    def wake(self) -> None:
        """Make a waiting `take_after` return None now (the source is stopping)."""
        with self._condition:
            self.woken = True
            self._condition.notify_all()

    def rest(self, seconds: float) -> None:
        """In the capture thread: wait `seconds`, or less if the loop comes back for a frame
        (what it wants may have changed) or the source is stopping."""
        with self._condition:
            asks = self._asks
            self._condition.wait_for(lambda: self._asks != asks or self.woken, timeout=seconds)

    def take_after(self, sequence: int, timeout: float) -> tuple[int, np.ndarray, float] | None:
        """The newest wanted grab after `sequence`, waiting while grabs come, or up to `timeout`
        after the last one; None when nothing came (camera gone) or the source is stopping."""
        with self._condition:
            self._asks += 1
            self._condition.notify_all()
            while True:
                grabs = self.grabs
                ready = self._condition.wait_for(
                    lambda: self._sequence > sequence or self.failed or self.woken, timeout=timeout
                )
                if ready or self.grabs == grabs:
                    break
            if not ready or self.woken or self._sequence <= sequence:
                return None
            return self._sequence, self._image, self._captured_at


class CameraSource(FrameSource):
    """Frames from a camera, with timestamps in seconds since the source started.

    device: an index or /dev/videoN. options: how it is opened and read (timeouts, mode,
    how long a missing camera is waited for). clock: monotonic seconds; epoch: the clock
    reading that is timestamp 0 (default: when iteration starts). sleep: waits between
    retries (default: interruptible wait). capture_factory: (device, width, height, fourcc)
    -> Capture, for tests and replays. reopen: False ends iteration when the capture stops
    delivering (a replayed recording) instead of reopening it.
    """

    is_live = True

    def __init__(
        self,
        device: int | str,
        options: CameraOptions = CameraOptions(),
        *,
        clock: Callable[[], float] = time.monotonic,
        epoch: float | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Any] | None = None,
        capture_factory: Callable[[int | str, int, int, str], Capture] = open_cv_capture,
        reopen: bool = True,
    ) -> None:
        self.device = device
        self.options = options
        self.name = f"camera {device}"
        # Someone waiting at a terminal gets a few quick tries; a service backs off to 30 s.
        self.backoff = backoff or (Backoff() if options.give_up_after is None else Backoff(0.5, 1.0))
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._clock = clock
        self._epoch = epoch
        self._want: Callable[[float], bool] = lambda _timestamp: True
        self._capture_factory = capture_factory
        self._reader: threading.Thread | None = None
        self._reader_stop = threading.Event()
        self._newest = _NewestFrame()
        self._last_problem: str | None = None
        self.reopen = reopen
        self._requested_fps: float | None = None  # None: the camera's own rate
        self._applied_fps: float | None = None

    def open(self) -> Capture | None:
        """Open the camera, retrying with backoff until it works or `interrupt()`; None if stopped.

        Raises SourceError (what /dev/video* holds, what to do) once `give_up_after`
        seconds would pass before the next try.
        """
        attempts, started, options = 0, self._clock(), self.options
        while not self._stop.is_set():
            attempts += 1
            try:
                capture = open_with_timeout(
                    lambda: self._capture_factory(self.device, options.width, options.height, options.fourcc),
                    options.open_timeout, str(self.device), self._stop,
                )
            except SourceError as error:
                if self._stop.is_set():
                    return None
                delay = self.backoff.next_delay()
                give_up = options.give_up_after
                if give_up is not None and self._clock() - started + delay > give_up:
                    raise SourceError(f"{error}, {TRY_A_FILE}") from None
                self._report_problem(str(error), delay, attempts)
                self._sleep(delay)
                continue
            if attempts > 1 or self._last_problem:
                logger.info("%s opened after %d attempt(s)", self.name, attempts)
            self._last_problem = None
            self.backoff.reset()
            return capture
        return None

    def _report_problem(self, message: str, delay: float, attempt: int | None = None) -> None:
        """Log a failed attempt. A service logs each one with the wait before the next: a
        new problem as a WARNING, the same again at INFO (the backoff keeps that to two a
        minute). Someone at a terminal gets one line, then the verdict (see open())."""
        repeated = message == self._last_problem
        self._last_problem = message
        if self.options.give_up_after is not None:
            logger.log(logging.DEBUG if repeated else logging.INFO, "%s; waiting up to %g s for it",
                       message, self.options.give_up_after)
            return
        counted = f" (attempt {attempt})" if attempt is not None else ""
        logger.log(logging.INFO if repeated else logging.WARNING, "%s%s; trying again in %g s",
                   message, counted, delay)

    def __iter__(self) -> Iterator[Frame]:
        start = self._clock() if self._epoch is None else self._epoch
        index = 0
        while not self._stop.is_set():
            capture = self.open()
            if capture is None:
                return
            self._start_reader(capture, want_at=lambda at: self._want(at - start))
            sequence = 0
            while not self._stop.is_set():
                taken = self._newest.take_after(sequence, self.options.read_timeout)
                if taken is None:
                    break
                sequence, data, captured_at = taken
                frame = self._frame(data, captured_at - start, index)
                if frame is not None:
                    yield frame
                    index += 1
            self._release()
            if not self.reopen:
                return
            if not self._stop.is_set():
                delay = self.backoff.next_delay()
                self._report_problem(f"{self.name} stopped delivering frames (unplugged or suspended?)", delay)
                self._sleep(delay)

    def _frame(self, data: np.ndarray, timestamp: float, index: int) -> Frame | None:
        """A frame over the camera's data, decoded when used; None (logged) for data of no known shape."""
        try:
            return Frame(encoded=EncodedImage.from_capture(data), timestamp=timestamp, index=index)
        except DecodeError as error:
            logger.debug("%s: dropping a frame: %s", self.name, error)
            return None

    def _start_reader(self, capture: Capture, want_at: Callable[[float], bool]) -> None:
        """Start the capture thread; it owns `capture` and releases it when it stops, and
        asks `want_at(clock reading)` after each grab whether the loop wants that frame."""
        self._newest = _NewestFrame(want_at)
        self._reader_stop = threading.Event()
        self._applied_fps = None  # a freshly opened camera runs at its own rate
        newest, reader_stop, clock = self._newest, self._reader_stop, self._clock

        def read_loop() -> None:
            interval: float | None = None  # the camera's frame interval, from back-to-back grabs
            previous: float | None = None  # clock reading of the last grab, None after a rest
            try:
                while not reader_stop.is_set():
                    self._apply_frame_rate(capture)
                    if not capture.grab():
                        newest.fail()
                        return
                    captured_at = clock()
                    newest.grabs += 1
                    if previous is not None and captured_at > previous:
                        interval = captured_at - previous
                    previous = captured_at
                    if not newest.want_at(captured_at):
                        # Not wanted, nor perhaps the next few: rest until about half a frame
                        # before the first one that is (one buffer: a grab waits for a fresh frame).
                        pause = _rest_before_wanted(newest.want_at, captured_at, interval)
                        if pause > 0:
                            newest.rest(pause)
                            previous = None
                        continue
                    ok, image = capture.retrieve()
                    if not ok or image is None:
                        newest.fail()
                        return
                    newest.put(image, captured_at)
            finally:
                capture.release()

        self._reader = threading.Thread(target=read_loop, name=f"capture {self.device}", daemon=True)
        self._reader.start()

    def _release(self) -> None:
        """Stop the capture thread, which releases the camera after its current read().

        A read() stuck on a vanished device is left to its daemon thread rather than
        releasing the capture under it (OpenCV is not safe against that).
        """
        reader, self._reader = self._reader, None
        self._reader_stop.set()
        self._newest.wake()  # out of a rest
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=self.options.read_timeout)
            if reader.is_alive():
                logger.warning("%s: capture thread stuck in read(); leaving it behind", self.name)

    def _apply_frame_rate(self, capture: Capture) -> None:
        """In the capture thread, which owns the capture: ask it for the rate requested last."""
        requested = self._requested_fps
        if requested == self._applied_fps:
            return
        self._applied_fps = requested
        if capture.set_frame_rate(requested):
            logger.debug("%s: now %s frames a second", self.name, requested or "the camera's own")
        else:
            logger.debug("%s: the camera refused %s frames a second", self.name, requested)

    def request_frame_rate(self, fps: float | None) -> None:
        """Ask the camera for `fps` frames a second from the next grab on (None: its own rate).
        Safe from any thread; the capture thread applies it."""
        self._requested_fps = fps

    def set_frame_filter(self, want: Callable[[float], bool] | None) -> None:
        """Ask `want(seconds since start)` before each frame: False leaves the next grab undecoded."""
        self._want = want or (lambda _timestamp: True)

    def interrupt(self) -> None:
        """Make a blocked iteration (waiting for a frame or a retry) return soon; signal-safe."""
        self._stop.set()
        self._newest.wake()

    def close(self) -> None:
        """Stop iterating and release the camera. Safe to call twice."""
        self.interrupt()
        self._release()


MAX_REST_FRAMES = 30  # frames looked ahead for the next one the loop wants


def _rest_before_wanted(want_at: Callable[[float], bool], grabbed_at: float, interval: float | None) -> float:
    """Seconds the capture thread may rest after an unwanted grab at `grabbed_at`: until half
    a frame before the first frame the loop wants (asked of `want_at` at the frame times
    ahead), 0 when that is the next frame or the frame interval is not known yet."""
    if interval is None or interval <= 0:
        return 0.0
    for ahead in range(1, MAX_REST_FRAMES + 1):
        if want_at(grabbed_at + ahead * interval):
            return (ahead - 0.5) * interval if ahead > 1 else 0.0
    return (MAX_REST_FRAMES - 0.5) * interval
