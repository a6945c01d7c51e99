"""gestured.capture.sources: video files and image folders at media time, real files on disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gestured.capture.camera import CameraSource
from gestured.capture.options import CameraOptions, SourceOptions
from gestured.capture.sources import (
    ImageFolderSource,
    SourceError,
    VideoFileSource,
    camera_device,
    open_source,
)
from tests.fakes import FakeClock


def write_video(path: Path, frames: int, fps: float, size: tuple[int, int] = (96, 64)) -> Path:
    """An MJPG .avi whose frame n is uniformly grey level 10 * n."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for index in range(frames):
        writer.write(np.full((size[1], size[0], 3), 10 * index, dtype=np.uint8))
    writer.release()
    return path


def write_folder(folder: Path, count: int) -> Path:
    folder.mkdir()
    for index in range(count):
        cv2.imwrite(str(folder / f"frame_{index:03d}.png"), np.full((8, 8, 3), index, dtype=np.uint8))
    return folder


def test_video_file_plays_at_media_time(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", frames=12, fps=12.5)
    source = open_source(str(path))
    assert isinstance(source, VideoFileSource) and not source.is_live
    frames = list(source)
    source.close()
    assert [frame.index for frame in frames] == list(range(12))
    assert [frame.timestamp for frame in frames] == pytest.approx([index / 12.5 for index in range(12)])
    # Frames come in file order (grey level 10 * n, give or take JPEG rounding).
    assert [round(float(frame.image.mean()) / 10) for frame in frames] == list(range(12))


def test_video_realtime_waits_for_each_frame(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", frames=5, fps=10.0)
    clock = FakeClock(100.0)
    waits: list[float] = []

    def wait(seconds: float) -> None:  # a sleep that moves the fake clock
        waits.append(round(seconds, 6))
        clock.advance(seconds)

    source = VideoFileSource(path, realtime=True, clock=clock, sleep=wait)
    for frame in source:
        clock.advance(0.03)  # processing time per frame
    assert waits == [0.07, 0.07, 0.07, 0.07]
    assert clock.now == pytest.approx(100.43)


def test_video_without_realtime_never_waits(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", frames=5, fps=10.0)
    source = VideoFileSource(path, realtime=False, sleep=lambda seconds: pytest.fail("waited"))
    assert len(list(source)) == 5


def test_image_folder_uses_its_fps_and_skips_unreadable_images(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "images", 4)
    (folder / "frame_001.png").write_bytes(b"not a png")
    (folder / "notes.txt").write_text("ignored")
    source = open_source(str(folder), SourceOptions(fps=5.0))
    assert isinstance(source, ImageFolderSource)
    frames = list(source)
    assert [frame.index for frame in frames] == [0, 2, 3]
    assert [frame.timestamp for frame in frames] == pytest.approx([0.0, 0.4, 0.6])
    assert [int(frame.image[0, 0, 0]) for frame in frames] == [0, 2, 3]


def test_interrupt_stops_a_file_source(tmp_path: Path) -> None:
    source = VideoFileSource(write_video(tmp_path / "clip.avi", frames=10, fps=10.0))
    seen = []
    for frame in source:
        seen.append(frame.index)
        if frame.index == 2:
            source.interrupt()
    assert seen == [0, 1, 2]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.mp4", "no camera, video file or image folder"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no images"),
        (lambda tmp: (tmp / "text.mp4").write_text("hello") and tmp / "text.mp4", "cannot decode video"),
    ],
    ids=["missing", "empty-folder", "not-a-video"],
)
def test_bad_sources_raise_one_clear_error(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        open_source(str(make(tmp_path)))


def test_camera_specs() -> None:
    assert camera_device("0") == 0
    assert camera_device(" 2 ") == 2
    assert camera_device("/dev/video4") == "/dev/video4"
    assert camera_device("clip.mp4") is None
    camera = open_source("/dev/video7", SourceOptions(camera=CameraOptions(open_timeout=0.5)))
    assert isinstance(camera, CameraSource) and camera.is_live and camera.options.open_timeout == 0.5
    camera.close()


def test_source_options_are_typed_and_a_misspelt_one_is_an_error() -> None:
    with pytest.raises(TypeError, match="frame_rate"):
        SourceOptions(frame_rate=5.0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="timeout"):
        CameraOptions(timeout=1.0)  # type: ignore[call-arg]
    camera_options = CameraOptions(width=320, height=240, give_up_after=1.0)
    camera = open_source("3", SourceOptions(fit=(64, 48), camera=camera_options))
    assert isinstance(camera, CameraSource) and camera.options is camera_options  # fit is for files and folders
    camera.close()


def test_frame_filter_skips_frames_undecoded(tmp_path: Path) -> None:
    source = VideoFileSource(write_video(tmp_path / "clip.avi", frames=10, fps=10.0))
    asked: list[float] = []

    def want(timestamp: float) -> bool:
        asked.append(timestamp)
        return round(timestamp * 10) % 3 == 0

    source.set_frame_filter(want)
    frames = list(source)
    assert asked == pytest.approx([index / 10 for index in range(10)])
    assert [frame.index for frame in frames] == [0, 3, 6, 9]
    assert [round(float(frame.image.mean()) / 10) for frame in frames] == [0, 3, 6, 9]
    folder = ImageFolderSource(write_folder(tmp_path / "images", 4), fps=2.0)
    folder.set_frame_filter(lambda timestamp: timestamp >= 1.0)
    assert [frame.index for frame in folder] == [2, 3]


def test_realtime_drops_frames_that_are_already_late(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", frames=10, fps=10.0)
    clock = FakeClock()
    source = VideoFileSource(path, realtime=True, clock=clock, sleep=clock.advance)
    seen = []
    for frame in source:
        seen.append(frame.index)
        clock.advance(0.25 if frame.index == 2 else 0.01)  # one slow frame: 2.5 frame periods
    # At 0.45 s frame 3 (due 0.3 s) is over a frame late and dropped; frame 4 (due 0.4 s)
    # is the newest, the one a camera would hand over.
    assert seen == [0, 1, 2, 4, 5, 6, 7, 8, 9]


def test_fit_shrinks_large_frames_keeping_the_aspect(tmp_path: Path) -> None:
    path = write_video(tmp_path / "wide.avi", frames=2, fps=10.0, size=(1280, 720))
    assert [frame.image.shape for frame in open_source(str(path), SourceOptions(fit=(640, 480)))] == [(360, 640, 3)] * 2
    small = write_video(tmp_path / "small.avi", frames=2, fps=10.0, size=(320, 240))
    assert [frame.image.shape for frame in open_source(str(small), SourceOptions(fit=(640, 480)))] == [(240, 320, 3)] * 2


def test_video_file_decodes_on_the_calling_thread(tmp_path: Path) -> None:
    """FFmpeg, one decoding thread: the daemon's idle CPU (see benchmarks/README.md)."""
    import cv2

    source = VideoFileSource(write_video(tmp_path / "clip.avi", frames=3, fps=10.0))
    try:
        assert source._capture.getBackendName() == "FFMPEG"
        assert source._capture.get(cv2.CAP_PROP_N_THREADS) == 1
        assert len(list(source)) == 3
    finally:
        source.close()


def test_a_file_that_is_no_video_gives_one_line_without_opencvs_warning(tmp_path: Path) -> None:
    import subprocess
    import sys

    text = tmp_path / "notes.txt"
    text.write_text("not a video\n")
    code = ("from gestured.capture.sources import open_source\n"
            "try:\n"
            f"    open_source({str(text)!r})\n"
            "except Exception as error:\n"
            "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith(f"cannot decode video file {text}")
    assert "WARN" not in result.stderr, result.stderr  # OpenCV's raw `[ WARN:0@0.02] ... cap.cpp` line
