"""gestured.capture.camera: open timeout, backoff, newest-frame capture, release — with fake captures."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from gestured.capture.camera import CameraSource, _NewestFrame, _rest_before_wanted
from gestured.capture.frames import SourceError
from gestured.capture.opening import INTERACTIVE_WAIT, Backoff, give_up_after, open_with_timeout
from gestured.capture.options import CameraOptions
from tests.fakes import BlockingCaptureFactory, FakeCapture, FakeClock


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(initial=1.0, maximum=30.0)
    assert [backoff.next_delay() for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    backoff.reset()
    assert backoff.next_delay() == 1


def test_open_that_blocks_forever_times_out_with_a_clear_message() -> None:
    factory = BlockingCaptureFactory()
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"camera 0 did not open within 0.3 s: is another program using it\?"):
        open_with_timeout(lambda: factory(0, 640, 480, "MJPG"), 0.3, "0")
    assert time.monotonic() - started < 2.0
    # The abandoned open finishing later releases what it opened.
    factory.unblock.set()
    deadline = time.monotonic() + 2.0
    while not factory.opened and time.monotonic() < deadline:
        time.sleep(0.01)
    assert factory.opened[0].released.wait(2.0)


def test_missing_camera_message() -> None:
    with pytest.raises(SourceError, match="camera /dev/video9 not found or busy"):
        open_with_timeout(lambda: FakeCapture(opened=False), 1.0, "/dev/video9")


def test_retries_with_backoff_and_logs_a_repeated_problem_once(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []
    delays: list[float] = []

    def factory(device: int | str, width: int, height: int, fourcc: str) -> FakeCapture:
        attempts.append(1)
        return FakeCapture(opened=len(attempts) > 7)  # the camera appears on the 8th try

    camera = CameraSource(0, capture_factory=factory, sleep=delays.append)
    with caplog.at_level(logging.DEBUG, logger="gestured.capture.camera"):
        capture = camera.open()
    assert capture is not None and capture.isOpened()
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "camera 0 not found or busy" in warnings[0].getMessage()
    # Every attempt is logged with the wait before the next one.
    retries = [record.getMessage() for record in caplog.records if "trying again in" in record.getMessage()]
    assert [message.rsplit("(attempt ", 1)[1] for message in retries] == [
        "1); trying again in 1 s", "2); trying again in 2 s", "3); trying again in 4 s", "4); trying again in 8 s",
        "5); trying again in 16 s", "6); trying again in 30 s", "7); trying again in 30 s"]
    assert any("opened after 8 attempt(s)" in record.getMessage() for record in caplog.records)
    camera.close()


def test_asks_for_640x480_mjpg() -> None:
    asked = []

    def factory(device: int | str, width: int, height: int, fourcc: str) -> FakeCapture:
        asked.append((device, width, height, fourcc))
        return FakeCapture()

    camera = CameraSource("/dev/video3", capture_factory=factory)
    camera.open()
    assert asked == [("/dev/video3", 640, 480, "MJPG")]


def test_blocked_open_is_retried_and_interrupt_ends_the_wait() -> None:
    factory = BlockingCaptureFactory()
    camera = CameraSource(0, CameraOptions(open_timeout=0.2), capture_factory=factory, backoff=Backoff(0.1, 0.2))
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(list(camera)))
    thread.start()
    time.sleep(0.9)
    camera.interrupt()
    thread.join(3.0)
    assert not thread.is_alive()
    assert result == [[]]
    assert factory.calls >= 2  # timed out, backed off, tried again


def test_keeps_only_the_newest_frame_and_releases_on_close() -> None:
    capture = FakeCapture(frames=200, delay=0.002)
    camera = CameraSource(0, capture_factory=lambda *args: capture, clock=time.monotonic)
    indices, images = [], []
    for frame in camera:
        indices.append(frame.index)
        images.append(int(frame.image[0, 0, 0]))  # = the capture's read count at that frame
        # Slow processing: let at least 5 more captures happen before asking for the next.
        deadline = time.monotonic() + 5.0
        while capture.reads < images[-1] + 5 and time.monotonic() < deadline:
            time.sleep(0.002)
        if len(indices) == 5:
            break
    camera.close()
    assert indices == [0, 1, 2, 3, 4]
    # Each frame handed over is the newest at the time, not the next one in a queue.
    assert all(later - earlier >= 5 for earlier, later in zip(images, images[1:]))
    assert capture.released.wait(2.0)


def test_camera_that_disappears_is_reopened() -> None:
    captures: list[FakeCapture] = []
    delays: list[float] = []

    def factory(*_args: object) -> FakeCapture:
        captures.append(FakeCapture(frames=3))
        return captures[-1]

    camera = CameraSource(0, CameraOptions(read_timeout=0.5), capture_factory=factory, sleep=delays.append)
    frames = []
    for frame in camera:
        frames.append(frame)
        if len(frames) == 4:
            break
    camera.close()
    assert len(captures) >= 2  # the first ran dry (unplugged), the source opened it again
    assert delays and delays[0] == 1
    assert all(capture.released.is_set() for capture in captures)
    timestamps = [frame.timestamp for frame in frames]
    assert timestamps == sorted(timestamps) and [frame.index for frame in frames] == [0, 1, 2, 3]


def test_real_opencv_on_a_missing_or_non_camera_device_says_not_found() -> None:
    from gestured.capture.v4l2 import open_cv_capture

    assert not open_cv_capture(57, 640, 480, "MJPG").isOpened()  # no /dev/video57: OpenCV not asked
    with pytest.raises(SourceError, match="camera /dev/null not found or busy"):
        open_with_timeout(lambda: open_cv_capture("/dev/null", 640, 480, "MJPG"), 5.0, "/dev/null")


def test_frames_the_filter_does_not_want_are_grabbed_but_not_decoded() -> None:
    class RecordingCapture(FakeCapture):
        def __init__(self) -> None:
            super().__init__(frames=10_000, delay=0.002)
            self.decoded_at: list[int] = []  # the grab count at each retrieve()

        def retrieve(self) -> tuple[bool, np.ndarray | None]:
            self.decoded_at.append(self.reads)
            return super().retrieve()

    capture = RecordingCapture()
    camera = CameraSource(0, capture_factory=lambda *args: capture)
    # The filter wants frames only from the 30th grab on (counted by the capture, not timed,
    # so a loaded machine that opens the camera late changes nothing).
    camera.set_frame_filter(lambda timestamp: capture.reads >= 30)
    frame = next(iter(camera))
    grabs_before_first_frame = int(frame.image[0, 0, 0])
    camera.close()
    assert grabs_before_first_frame >= 30  # every grab before the filter wanted one ...
    assert capture.decoded_at and min(capture.decoded_at) >= 30  # ... was left undecoded


def test_rest_lasts_until_half_a_frame_before_the_first_frame_wanted() -> None:
    interval = 1 / 30
    want_from_one_second = lambda at: at >= 1.0  # noqa: E731
    assert _rest_before_wanted(want_from_one_second, 0.8, interval) == pytest.approx(5.5 * interval)
    assert _rest_before_wanted(want_from_one_second, 0.99, interval) == 0.0  # the next frame is wanted
    assert _rest_before_wanted(want_from_one_second, 0.8, None) == 0.0  # no frame interval measured yet
    assert _rest_before_wanted(lambda at: False, 0.0, interval) == pytest.approx(29.5 * interval)


def test_a_rest_ends_when_the_loop_comes_back_or_the_source_stops() -> None:
    for end in ("loop asks", "wake"):
        newest = _NewestFrame()
        resting = threading.Thread(target=newest.rest, args=(30.0,))
        resting.start()
        time.sleep(0.05)
        if end == "loop asks":
            assert newest.take_after(0, timeout=0.01) is None  # done with its frame: what it wants may change
        else:
            newest.wake()
        resting.join(timeout=5.0)
        assert not resting.is_alive(), end


def test_interrupt_cuts_a_hung_open_short() -> None:
    factory = BlockingCaptureFactory()
    camera = CameraSource(0, CameraOptions(open_timeout=30.0), capture_factory=factory)
    threading.Timer(0.2, camera.interrupt).start()
    started = time.monotonic()
    assert camera.open() is None
    assert time.monotonic() - started < 2.0
    factory.unblock.set()


def test_at_a_terminal_a_missing_camera_is_an_error_after_the_wait() -> None:
    clock = FakeClock()
    attempts: list[int] = []

    def factory(device: int | str, width: int, height: int, fourcc: str) -> FakeCapture:
        attempts.append(1)
        return FakeCapture(opened=False)

    camera = CameraSource(7, CameraOptions(give_up_after=5.0), capture_factory=factory, sleep=clock.advance,
                          clock=clock)
    with pytest.raises(SourceError, match=r"camera 7 not found or busy: .*, or try a video file or a folder "
                                          r"of images: --source FILE$"):
        camera.open()
    # Tries at 0, 0.5, 1.5, 2.5, 3.5 and 4.5 s; the next would be past the 5 s wait.
    assert len(attempts) == 6 and clock.now == 4.5
    camera.close()


def test_terminal_or_not_decides_how_long_to_wait() -> None:
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    terminal, pipe = Stream(True), Stream(False)
    assert give_up_after(False, (terminal, terminal)) == INTERACTIVE_WAIT
    assert give_up_after(True, (terminal, terminal)) is None  # --wait-for-camera
    assert give_up_after(False, (pipe, terminal)) is None  # stdin not a terminal: a service
    assert give_up_after(False, (terminal, pipe)) is None  # stderr to the journal
