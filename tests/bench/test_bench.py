"""gestured.bench.core: the measurement core on tiny synthetic clips with a fake backend.

Time is a fake clock that only the fakes advance, so every number the bench reports is
known exactly; no test depends on how fast this machine is.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from gestured.bench.core import STAGES, WARM_UP_CALLS, Clip, ClipRunner, Parts
from gestured.bench.report import paired_ratio, ratio, summarise
from gestured.capture.motion import IdleScheduler, MotionGate
from gestured.commands.bench import bench_bindings, format_report, write_static_clip
from gestured.recognition.classifier import LABELS
from gestured.recognition.features import hand_features
from gestured.recognition.hand import Hand

FPS = 20.0
SIZE = (160, 120)
BACKEND_MS, BARE_MS = 10.0, 9.0


class FakeClock:
    """Wall and CPU seconds that move only when a fake does work or the runner sleeps."""

    def __init__(self) -> None:
        self.wall_seconds = 0.0
        self.cpu_seconds = 0.0
        self.sleeps = 0

    def wall(self) -> float:
        return self.wall_seconds

    def cpu(self) -> float:
        return self.cpu_seconds

    def work(self, milliseconds: float) -> None:
        self.wall_seconds += milliseconds / 1000
        self.cpu_seconds += milliseconds / 1000

    def sleep(self, seconds: float) -> None:
        self.wall_seconds += seconds
        self.sleeps += 1


class FakeBackend:
    """Finds a 'hand' where the frame has a bright block; costs BACKEND_MS of fake time."""

    name = "fake"

    def __init__(self, clock: FakeClock, cost_ms: float = BACKEND_MS) -> None:
        self.clock, self.cost_ms = clock, cost_ms
        self.stamps: list[int] = []

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        self.clock.work(self.cost_ms)
        self.stamps.append(int(timestamp_ms or 0))
        bright = np.argwhere(frame_bgr.max(axis=2) > 240)
        if len(bright) < 50:
            return []
        (y0, x0), (y1, x1) = bright.min(axis=0), bright.max(axis=0)
        angles = np.linspace(0, 2 * np.pi, 21, endpoint=False)
        keypoints = np.column_stack([(x0 + x1) / 2 + (x1 - x0) / 2 * np.cos(angles),
                                     (y0 + y1) / 2 + (y1 - y0) / 2 * np.sin(angles)])
        height, width = frame_bgr.shape[:2]
        return [Hand.from_pixels(keypoints, (width, height), handedness="right")]

    def close(self) -> None:
        pass


class FakeBare:
    """The 'bare backend call': costs BARE_MS of fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls = 0

    def prepare(self, frame_bgr: np.ndarray) -> np.ndarray:
        return frame_bgr

    def __call__(self, prepared: np.ndarray, timestamp_ms: int) -> object:
        self.calls += 1
        self.clock.work(BARE_MS)
        return None

    def close(self) -> None:
        pass


class ThumbsUpClassifier:
    """Says thumbs_up, sure of it, for every hand."""

    labels = LABELS

    def features_of(self, hand: Hand) -> np.ndarray:
        return hand_features(hand.keypoints)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        probabilities = np.zeros((len(features), len(self.labels)))
        probabilities[:, self.labels.index("thumbs_up")] = 0.95
        probabilities[:, self.labels.index("none")] = 0.05
        return probabilities


def write_clip(path: Path, frames: int, hand_frames: range) -> Path:
    """A still noisy scene; on `hand_frames` a bright block moves across it."""
    import cv2

    rng = np.random.default_rng(0)
    base = np.full((SIZE[1], SIZE[0], 3), 90, np.float32)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    for index in range(frames):
        frame = np.clip(base + rng.normal(0, 2, base.shape), 0, 255).astype(np.uint8)
        if index in hand_frames:
            x = 20 + (index * 3) % 80
            frame[40:90, x : x + 40] = 255
        writer.write(frame)
    writer.release()
    return path


def make_pipeline(clock: FakeClock, gate: bool = True) -> Parts:
    return Parts(
        backend=FakeBackend(clock),
        classifier=ThumbsUpClassifier(),
        bindings=bench_bindings(LABELS),
        make_gate=(lambda: MotionGate(scheduler=IdleScheduler(idle_after=1.0, idle_fps=5.0))) if gate else None,
        bare=FakeBare(clock),
    )


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Clip, Clip]:
    folder = tmp_path_factory.mktemp("clips")
    hand = Clip("hand", write_clip(folder / "hand.mp4", 40, range(0, 40)), "hand_moving", True)
    static = write_static_clip(folder / "static.mp4", seconds=4.0, fps=FPS, size=SIZE)
    return hand, Clip("static", static, "static", False)


def run(clips: tuple[Clip, ...], realtime: bool = False, gate: bool = True,
        min_seconds: float = 0.0) -> tuple[dict, FakeClock, Parts]:
    clock = FakeClock()
    pipeline = make_pipeline(clock, gate)
    runner = ClipRunner(pipeline, realtime=realtime, min_seconds=min_seconds, frame_box=SIZE,
                        wall=clock.wall, cpu=clock.cpu, sleep=clock.sleep)
    report = summarise([runner.run(clip) for clip in clips])
    return json.loads(json.dumps(report)), clock, pipeline


def test_report_has_the_documented_keys(clips: tuple[Clip, Clip]) -> None:
    report, _, _ = run(clips)
    for key in ("stages", "overhead_ratio", "overhead_ratio_paired", "cpu_fraction_idle",
                "cpu_fraction_active", "peak_rss_mb", "p95_ms", "p95_ms_by_clip", "clips"):
        assert key in report
    assert set(report["stages"]) == set(STAGES)
    for stage in report["stages"].values():
        assert set(stage) == {"count", "median_ms", "p95_ms", "mean_ms", "fps"}
    assert [clip["name"] for clip in report["clips"]] == ["hand", "static"]
    assert report["peak_rss_mb"] >= report["rss_mb"] > 0
    assert "hand" in format_report({"date": "d", "backend": "fake", "realtime": False, "gate": True,
                                    "machine": {"cpus": 2}, "load_average": [0.0], "load_average_before": [0.0],
                                    "notes": ["a note"], **report})


def test_stage_times_and_ratio_follow_from_the_fake_costs(clips: tuple[Clip, Clip]) -> None:
    report, _, pipeline = run(clips[:1])
    hand = report["clips"][0]
    # Only the fakes move the clock: every backend frame takes BACKEND_MS, every bare call BARE_MS.
    assert report["stages"]["keypoints"]["median_ms"] == pytest.approx(BACKEND_MS)
    assert report["stages"]["bare_backend"]["median_ms"] == pytest.approx(BARE_MS)
    assert report["stages"]["pipeline"]["p95_ms"] == pytest.approx(BACKEND_MS)
    assert report["overhead_ratio"] == pytest.approx(BACKEND_MS / BARE_MS, abs=1e-4)
    assert report["overhead_ratio_paired"] == pytest.approx(BACKEND_MS / BARE_MS, abs=1e-4)
    assert report["p95_ms"] == pytest.approx(BACKEND_MS)
    assert hand["frames"]["backend"] == 40
    assert pipeline.bare.calls == 40 + WARM_UP_CALLS  # type: ignore[union-attr]
    # CPU per media second counts the pipeline, never the bare calls.
    assert report["cpu_fraction_active"] == pytest.approx(40 * BACKEND_MS / 1000 / (40 / FPS), abs=1e-3)


def test_counts_are_consistent(clips: tuple[Clip, Clip]) -> None:
    report, _, pipeline = run(clips)
    for clip in report["clips"]:
        frames, stages = clip["frames"], clip["stages"]
        assert frames["decoded"] + frames["skipped"] + frames["dropped"] == frames["frames"]
        assert stages["decode"]["count"] == frames["decoded"]
        assert stages["grab"]["count"] == frames["skipped"] + frames["dropped"]
        assert stages["motion"]["count"] == frames["motion_checked"]
        assert stages["keypoints"]["count"] == stages["pipeline"]["count"] == frames["backend"]
        assert stages["bare_backend"]["count"] == frames["backend"]
        assert stages["features"]["count"] == stages["classify"]["count"] == frames["hand"]
        assert clip["media_seconds"] == pytest.approx(frames["frames"] / FPS)
    stamps = pipeline.backend.stamps  # type: ignore[attr-defined]
    assert stamps == sorted(set(stamps))  # VIDEO mode needs increasing timestamps, across clips too


def test_static_scene_goes_idle_and_skips_the_backend(clips: tuple[Clip, Clip]) -> None:
    report, _, _ = run(clips[1:])
    static = report["clips"][0]
    assert static["active"] is False
    assert static["frames"]["hand"] == 0
    # First frame wakes the gate (nothing to compare with), then idle_after = 1 s of backend.
    assert static["frames"]["backend"] == 1 * FPS
    assert static["frames"]["idle"] == static["frames"]["frames"] - 1 * FPS
    assert static["frames"]["motion_checked"] == pytest.approx(3 * 5, abs=1)  # 3 idle s at 5 checks/s
    # Idle frames did no backend work: the fake clock says their CPU is exactly zero.
    assert report["cpu_fraction_idle"] == 0.0
    assert static["cpu_fraction"] == pytest.approx(FPS * BACKEND_MS / 1000 / 4.0, abs=1e-3)


def test_held_gesture_fires_once(clips: tuple[Clip, Clip]) -> None:
    report, _, _ = run(clips[:1])
    assert [fire["gesture"] for fire in report["clips"][0]["fires"]] == ["thumbs_up"]


def test_without_gate_every_frame_runs_the_backend(clips: tuple[Clip, Clip]) -> None:
    report, _, _ = run(clips[1:], gate=False)
    static = report["clips"][0]
    assert static["frames"]["backend"] == static["frames"]["frames"] == 4 * FPS
    assert report["cpu_fraction_idle"] is None  # no idle state without a gate


def test_realtime_paces_and_drops_frames_when_too_slow(clips: tuple[Clip, Clip]) -> None:
    clock = FakeClock()
    pipeline = make_pipeline(clock)
    pipeline.backend = FakeBackend(clock, cost_ms=120.0)  # slower than 1/FPS = 50 ms
    runner = ClipRunner(pipeline, realtime=True, frame_box=SIZE, wall=clock.wall, cpu=clock.cpu, sleep=clock.sleep)
    result = runner.run(clips[0])
    assert result.counts["dropped"] > 0
    assert result.counts["backend"] + result.counts["dropped"] == result.counts["frames"]
    # Played in real time: the wall clock (less the bare calls) covers the media time.
    assert clock.wall_seconds - result.counts["backend"] * BARE_MS / 1000 >= result.media_seconds - 1 / FPS


def test_realtime_holds_every_frame_to_its_media_time(clips: tuple[Clip, Clip]) -> None:
    """Idle or not, a frame can't be had before a camera delivers it."""
    clock = FakeClock()
    pipeline = make_pipeline(clock)
    pipeline.bare = None
    seen: list[tuple[float, float]] = []
    detect = pipeline.backend.detect

    def timed_detect(frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        seen.append((clock.wall_seconds, (timestamp_ms or 0) / 1000))
        return detect(frame_bgr, timestamp_ms)

    pipeline.backend.detect = timed_detect  # type: ignore[method-assign]
    runner = ClipRunner(pipeline, realtime=True, frame_box=SIZE, wall=clock.wall, cpu=clock.cpu, sleep=clock.sleep)
    result = runner.run(clips[1])
    assert result.counts["skipped"] > 0
    assert clock.sleeps >= result.counts["frames"] - result.counts["backend"]
    assert clock.wall_seconds >= result.media_seconds - 1 / FPS
    timed = seen[WARM_UP_CALLS:]  # the warm-up calls come first, before the clip starts
    start_wall, start_media = timed[0]
    # Backend stamps are whole milliseconds.
    assert all(wall - start_wall >= media - start_media - 1e-3 for wall, media in timed)


def test_looping_reaches_min_seconds_with_increasing_media_time(clips: tuple[Clip, Clip]) -> None:
    report, _, pipeline = run(clips[:1], min_seconds=5.0)
    hand = report["clips"][0]
    assert hand["media_seconds"] >= 5.0
    assert hand["frames"]["frames"] % 40 == 0
    stamps = pipeline.backend.stamps  # type: ignore[attr-defined]
    assert stamps == sorted(set(stamps))


def test_max_samples_bounds_the_timing_lists(clips: tuple[Clip, Clip]) -> None:
    clock = FakeClock()
    runner = ClipRunner(make_pipeline(clock), min_seconds=6.0, max_samples=7, frame_box=SIZE,
                        wall=clock.wall, cpu=clock.cpu, sleep=clock.sleep)
    result = runner.run(clips[0])
    assert result.counts["backend"] == 120
    assert len(result.samples["keypoints"]) == 7
    assert summarise([result])["stages"]["keypoints"]["count"] == 7


def test_ratios_of_medians_and_of_pairs() -> None:
    pipeline, bare = [10.0, 11.0, 30.0], [9.0, 10.0, 10.0]
    assert ratio(pipeline, bare) == pytest.approx(11.0 / 10.0)
    assert paired_ratio(pipeline, bare) == pytest.approx(10.0 / 9.0, abs=1e-4)  # of 1.111, 1.1, 3.0
    assert ratio([], bare) is None
    assert paired_ratio(pipeline, bare[:2]) is None


def test_frames_are_fitted_as_the_daemon_fits_them(clips: tuple[Clip, Clip]) -> None:
    """The bench plays through the daemon's VideoFileSource: larger frames shrink into the box
    with their aspect kept, smaller ones are never enlarged."""
    clock = FakeClock()
    shrunk = ClipRunner(make_pipeline(clock), frame_box=(80, 80), wall=clock.wall, cpu=clock.cpu,
                        sleep=clock.sleep).run(clips[0])
    assert shrunk.source_size == SIZE and shrunk.frame_size == (80, 60)
    kept = ClipRunner(make_pipeline(clock), frame_box=(640, 480), wall=clock.wall, cpu=clock.cpu,
                      sleep=clock.sleep).run(clips[0])
    assert kept.frame_size == SIZE


def test_clip_set_names_what_it_plays_and_what_it_skips(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import argparse

    from gestured.commands.bench import _clips, hand_clips
    from gestured.errors import GesturedError

    notes: list[str] = []
    with caplog.at_level(logging.WARNING, logger="gestured.commands.bench"):
        assert hand_clips(None, notes) == []
    assert any("demo.mp4, asl.mp4: no shared folder found; set GESTURED_SHARED_DIR" in note for note in notes)
    assert "set GESTURED_SHARED_DIR to the shared folder" in caplog.text  # said on stderr, not only in the notes
    (tmp_path / "asl.mp4").write_bytes(b"")
    notes = []
    assert [clip.kind for clip in hand_clips(tmp_path, notes)] == ["hand_moving"]
    assert any("asl.mp4 (hand_moving)" in note for note in notes)
    assert any(f"not all in {tmp_path}" in note for note in notes)
    with pytest.raises(GesturedError, match="no video file"):
        _clips(argparse.Namespace(source=[str(tmp_path / "nope.mp4")], seconds=0.0), tmp_path, [])
