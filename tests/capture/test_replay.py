"""gestured.capture.replay: real MJPG bytes from the shared videos through the camera's own path.

A CameraSource over an MjpegReplay runs the capture thread, the newest-frame handover and
the frame decoding a V4L2 MJPG camera uses; only the device is replaced.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gestured.capture.frames import SourceError
from gestured.capture.motion import MotionGate
from gestured.capture.replay import MjpegReplay, read_packets, replay_camera, write_mjpeg

from tests.conftest import SHARED_DIR

VIDEOS = SHARED_DIR / "data" / "videos"


@pytest.fixture(scope="module")
def asl_mjpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (VIDEOS / "asl.mp4").is_file():
        pytest.skip(f"shared videos absent ({VIDEOS}): the replay is tested on real JPEG frames of asl.mp4")
    path, fps = write_mjpeg(VIDEOS / "asl.mp4", tmp_path_factory.mktemp("replay") / "asl.avi")
    assert fps == pytest.approx(30.0)
    return path


def test_write_mjpeg_keeps_every_frame_as_a_jpeg(asl_mjpeg: Path) -> None:
    packets, fps = read_packets(asl_mjpeg)
    assert fps == pytest.approx(30.0) and len(packets) == 102  # asl.mp4: 102 frames at 30 fps
    assert all(packet.shape[0] == 1 and bytes(packet[0, :2]) == b"\xff\xd8" for packet in packets)
    assert cv2.imdecode(packets[0], cv2.IMREAD_COLOR).shape == (360, 440, 3)


def test_camera_source_decodes_replayed_mjpg_only_as_far_as_asked(asl_mjpeg: Path) -> None:
    packets, fps = read_packets(asl_mjpeg)
    source, replay = replay_camera(packets[:30], fps)
    frames = list(source)  # one real-time second; ends with the recording (reopen=False)
    assert len(frames) >= 15, "a loaded machine may drop a few frames, as a camera's newest-frame queue does"
    for frame in frames:
        index = round(frame.timestamp * fps)  # timestamps are the replay's media time
        assert 0 <= index < 30 and frame.timestamp == pytest.approx(index / fps)
        grey = frame.grey(64)  # the idle gate's picture: a 1/4-scale grey decode, 110x90
        assert grey.shape == (90, 110) and not frame.decoded
        expected = cv2.imdecode(packets[index], cv2.IMREAD_COLOR)
        assert np.array_equal(frame.image, expected) and frame.decoded
    assert not replay.isOpened()  # the source released it at the end


def test_gate_checks_replayed_frames_without_decoding_them(asl_mjpeg: Path) -> None:
    packets, fps = read_packets(asl_mjpeg)
    still = [packets[0]] * 105 + packets[:45]  # 3.5 s of a still frame, then the signing
    source, _ = replay_camera(still, fps)
    gate = MotionGate()
    looked = []
    source.set_frame_filter(gate.wants_frame)
    for frame in source:
        run = gate.should_run(frame, frame.timestamp)
        looked.append((frame.timestamp, run, frame.decoded))
        if run:
            gate.report(frame.timestamp, hand_seen=False)
    checked = [(t, decoded) for t, run, decoded in looked if not run]
    assert checked and not any(decoded for _, decoded in checked)  # motion checks stayed grey
    assert not any(run for t, run, _ in looked if 2.1 <= t < 3.5)  # idle after the first 2 s
    assert any(run for t, run, _ in looked if t >= 3.5)  # the signing wakes it


def test_requested_frame_rate_reaches_the_replayed_camera(asl_mjpeg: Path) -> None:
    packets, fps = read_packets(asl_mjpeg)
    source, replay = replay_camera(packets[:60], fps)
    times = []
    for frame in source:
        times.append(frame.timestamp)
        if len(times) == 5:
            source.request_frame_rate(10.0)
        if frame.timestamp >= 1.2:
            source.request_frame_rate(None)  # restored on the next grab
    slow = [t for t in times if 0.5 <= t < 1.2]
    assert slow and all(b - a >= 0.09 for a, b in zip(slow, slow[1:]))
    assert [change[1] for change in replay.rate_changes] == [10.0, 30.0]
    assert any(b - a < 0.05 for a, b in zip(times[-6:], times[-5:]))  # 30 a second again


def test_capture_thread_rests_through_frames_the_loop_will_not_want(asl_mjpeg: Path) -> None:
    """Idle checks want one frame in six: the capture thread grabs about two frames for each
    one wanted (the frame after it, then the wanted one after a rest), not all six."""
    packets, fps = read_packets(asl_mjpeg)
    source, replay = replay_camera(packets[:90], fps)  # three real-time seconds
    source.set_frame_filter(lambda timestamp: round(timestamp * fps) % 6 == 0)
    indices = [round(frame.timestamp * fps) for frame in source]
    assert len(indices) >= 8 and all(index % 6 == 0 for index in indices)
    assert replay.grabs <= 3 * len(indices) + 3, f"{replay.grabs} grabs for {len(indices)} frames wanted"


def test_a_late_grab_waits_for_the_next_frame_made_after_it() -> None:
    """One buffer, as gestured opens V4L2 cameras: a grab never hands over a frame made
    before it was called, so a capture thread back from a rest gets a fresh frame."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    packets = [np.full((1, 4), index, np.uint8) for index in range(30)]
    replay = MjpegReplay(packets, 30.0, clock=lambda: now[0], sleep=sleep)
    assert replay.grab() and replay.media_time == 0.0
    now[0] = 0.11  # a rest of 3.3 frames: frames 1-3 were made and dropped meanwhile
    assert replay.grab() and replay.media_time == pytest.approx(4 / 30)
    assert slept == [pytest.approx(4 / 30 - 0.11)]
    assert replay.grab() and replay.media_time == pytest.approx(5 / 30)  # on time: the next one
    replay.set_frame_rate(10.0)
    now[0] = 0.3
    assert replay.grab() and replay.media_time == pytest.approx(11 / 30)  # the 10 fps grid from frame 5


def test_read_packets_refuses_a_video_that_is_not_mjpg(tmp_path: Path) -> None:
    path = tmp_path / "static.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    for _ in range(3):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    with pytest.raises(SourceError, match="holds no MJPG frames"):
        read_packets(path)
