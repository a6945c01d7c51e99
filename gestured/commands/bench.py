"""`gestured bench`: time each pipeline stage on video, idle and active.

With no `--source` it plays a built-in set: a hand held still (demo.mp4) and a hand moving
(asl.mp4) from the shared folder's data/videos where found (`gestured.paths.shared_dir`:
`$GESTURED_SHARED_DIR`, else ../shared of the checkout or of the current folder), and an
empty static scene it writes itself (a still room with sensor noise,
mp4v, 640x480, 30 fps). The measurement itself is `gestured.bench.core`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from gestured import paths
from gestured.bench.core import FRAME_SIZE, Clip, ClipRunner, Parts
from gestured.bench.report import summarise
from gestured.config.settings import Binding
from gestured.errors import GesturedError
from gestured.progress import progress

logger = logging.getLogger(__name__)

HAND_CLIPS = (("demo.mp4", "hand_still"), ("asl.mp4", "hand_moving"))
STATIC_SECONDS = 10.0
STATIC_FPS = 30.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", metavar="VIDEO", action="append",
                        help="a video file to measure (repeatable; default: the built-in set)")
    parser.add_argument("--backend", metavar="NAME", default="mediapipe",
                        help="keypoint backend (default: mediapipe); openpose adds the prototype comparison")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--realtime", action="store_true",
                        help="play clips at their own frame rate, as a camera delivers frames")
    parser.add_argument("--seconds", type=float, default=0.0, metavar="N",
                        help="play each clip for at least N seconds of media time, looping it "
                             f"(default: once; the static scene lasts {STATIC_SECONDS:g} s or N)")
    parser.add_argument("--model", metavar="PATH", help="classifier (default: the shipped model)")
    parser.add_argument("--no-gate", action="store_true",
                        help="run the backend on every frame (no idle motion gate), for comparison")
    parser.add_argument("--page", action="store_true",
                        help="measure with the web page open (gestured ui): its feed on the pipeline, "
                             "a client reading the live view the whole time")
    parser.add_argument("--full-rate", action="store_true",
                        help="the daemon runs the landmarker on every frame while awake (no reduced rate "
                             "while no gesture forms), for comparison")


def main(args: argparse.Namespace) -> int:
    notes: list[str] = []
    load_before = [round(value, 2) for value in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="gestured-bench-") as scratch:
        clips = _clips(args, Path(scratch), notes)
        parts = build_parts(args.backend, args.model, notes, gate=not args.no_gate)
        page = contextlib.ExitStack()
        if args.page:
            from gestured.bench.page import watched_page

            parts.listeners = [page.enter_context(watched_page(parts.classifier, Path(scratch))).feed.listen]
            notes.append("--page: the web page's feed on the pipeline, its MJPEG view and stream read throughout")
        runner = ClipRunner(parts, realtime=args.realtime, min_seconds=args.seconds)
        results = []
        try:
            with progress(len(clips), "bench", "clips") as bar:
                for clip in clips:
                    logger.info("playing %s (%s)%s", clip.path, clip.kind, " in real time" if args.realtime else "")
                    try:
                        results.append(runner.run(clip))
                    except OSError as error:
                        raise GesturedError(f"cannot read {clip.path} ({error}): is it a video file OpenCV can "
                                            "read?") from error
                    bar.update(1)
            report = summarise(results)
            if args.backend == "mediapipe" and parts.bare is not None:
                report.update(_battery(results, parts, args, Path(scratch), notes, report))
            if args.backend == "openpose":
                report.update(_openpose(clips, notes))
        finally:
            page.close()
            parts.backend.close()
            if parts.bare is not None:
                parts.bare.close()
    report = {**_context(args), **report, "notes": notes}
    report["load_average_before"] = load_before
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _battery(results: list[Any], bench_parts: Parts, args: argparse.Namespace, scratch: Path,
             notes: list[str], report: dict[str, Any]) -> dict[str, Any]:
    """The battery figures (gestured.bench.battery); the daemon's CPU on the camera path
    replaces the file path's cpu_fraction_active / _idle, which stay as *_files."""
    from gestured.bench.battery import measure_battery, summarise_battery

    parts = battery_parts(bench_parts, args.model, full_rate=args.full_rate, gate=not args.no_gate)
    named = [(result.clip.name, result.clip.path, result.active) for result in results]
    battery_results = measure_battery(named, parts, scratch, realtime=args.realtime)
    notes.append("battery: each clip as MJPG 640x480 into the daemon, "
                 + ("replayed through the camera source in real time" if args.realtime
                    else "frame by frame through the camera's decoding (no pacing, no drops)")
                 + (" (--full-rate: landmarker on every awake frame)" if args.full_rate else ""))
    battery = summarise_battery(battery_results)
    battery["cpu_fraction_active_files"] = report["cpu_fraction_active"]
    battery["cpu_fraction_idle_files"] = report["cpu_fraction_idle"]
    return battery


def battery_parts(bench_parts: Parts, model: str | None, *, full_rate: bool, gate: bool) -> Any:
    """The bench's real parts as gestured.bench.battery needs them: each daemon pass gets a
    fresh, warmed-up landmarker (as a fresh start of `gestured run` has) and a dry run."""
    from gestured.bench.battery import BatteryParts
    from gestured.capture.motion import MotionGate
    from gestured.config.settings import Settings
    from gestured.output.actions import DryRunExecutor
    from gestured.recognition.backends import create_backend
    from gestured.runtime.daemon import Daemon
    from gestured.runtime.debounce import Observation
    from gestured.runtime.pipeline import observation
    from gestured.runtime.rate import LandmarkerRate

    classifier = bench_parts.classifier
    settings = Settings(bindings=bench_bindings(classifier.labels))

    def classify(hand: Any) -> Observation:
        return observation(classifier.labels, classifier.predict_proba(classifier.features_of(hand)[None])[0], hand)

    def make_daemon(source: Any, on_event: Any, after_frame: Any, motion_gate: Any) -> Any:
        backend = create_backend("mediapipe", mode="video", num_hands=1)
        backend.detect(np.zeros((FRAME_SIZE[1], FRAME_SIZE[0], 3), np.uint8), 0)
        return Daemon(open_source=lambda: source, backend=backend, classifier=classifier,
                      executor=DryRunExecutor(), settings=settings, on_event=on_event,
                      gate=motion_gate if gate else None, rate=None if full_rate else LandmarkerRate(),
                      survive_errors=False, after_frame=after_frame)

    return BatteryParts(bare=bench_parts.bare, backend=bench_parts.backend, classify=classify,
                        make_daemon=make_daemon, make_gate=MotionGate, threshold=settings.threshold)


def _clips(args: argparse.Namespace, scratch: Path, notes: list[str]) -> list[Clip]:
    if args.source:
        clips = []
        for source in args.source:
            path = Path(source).expanduser()
            if not path.is_file():
                raise GesturedError(f"no video file {source}: `gestured bench --source` takes video files")
            clips.append(Clip(path.stem, path, "given"))
        notes.append("clips given with --source: a clip counts as active when the backend saw a hand in it")
        return clips
    shared = paths.shared_dir()
    clips = hand_clips(shared / "data" / "videos" if shared is not None else None, notes)
    static = write_static_clip(scratch / "static.mp4", seconds=max(STATIC_SECONDS, args.seconds))
    clips.append(Clip("static", static, "static", False))
    notes.append(f"static: synthesised empty scene, {FRAME_SIZE[0]}x{FRAME_SIZE[1]} mp4v "
                 f"{STATIC_FPS:g} fps, sensor noise sigma 2")
    return clips


def hand_clips(videos: Path | None, notes: list[str]) -> list[Clip]:
    """The hand clips of the built-in set found in `videos`; says in `notes`, and as a
    warning, which were skipped and how to get them."""
    found = videos is not None and all((videos / name).is_file() for name, _kind in HAND_CLIPS)
    if videos is None or not found:
        where = "no shared folder found" if videos is None else f"not all in {videos}"
        message = (f"hand clips {', '.join(name for name, _kind in HAND_CLIPS)}: {where}; set "
                   "GESTURED_SHARED_DIR to the shared folder (the one holding data/videos/demo.mp4) or pass "
                   "--source VIDEO; active numbers cover only the clips played")
        logger.warning("%s", message)
        notes.append(message)
    if videos is None:
        return []
    clips = [Clip(Path(name).stem, videos / name, kind, True) for name, kind in HAND_CLIPS
             if (videos / name).is_file()]
    if clips:
        notes.append(f"hand clips from {videos}: " + ", ".join(f"{clip.path.name} ({clip.kind})" for clip in clips))
    return clips


def write_static_clip(
    path: Path,
    seconds: float = STATIC_SECONDS,
    fps: float = STATIC_FPS,
    size: tuple[int, int] = FRAME_SIZE,
    noise: float = 2.0,
    seed: int = 0,
) -> Path:
    """Write an empty, still scene (a room-like picture plus per-frame sensor noise) as mp4v.

    Returns `path`; raises GesturedError when OpenCV cannot write it.
    """
    import cv2

    rng = np.random.default_rng(seed)
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    scene = np.dstack([70 + 0.08 * xs, 90 + 0.1 * ys, 110 + 0.05 * (xs + ys)])
    for _ in range(8):  # furniture
        x0, y0 = int(rng.integers(0, int(width * 0.8))), int(rng.integers(0, int(height * 0.8)))
        x1, y1 = x0 + int(rng.integers(width // 12, width // 4)), y0 + int(rng.integers(height // 12, height // 4))
        scene[y0:y1, x0:x1] = rng.integers(20, 235, 3)
    scene = cv2.GaussianBlur(scene, (5, 5), 0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise GesturedError(f"cannot write {path} with OpenCV's mp4v encoder")
    try:
        for _ in range(max(1, round(seconds * fps))):
            frame = scene + rng.standard_normal(scene.shape, dtype=np.float32) * noise
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return path


class MediaPipeBareCall:
    """HandLandmarker.detect_for_video alone, with the options the backend uses, on its own
    landmarker (its own tracking state, fed the same frames and timestamps)."""

    def __init__(self, model_path: Path, num_hands: int = 1) -> None:
        import mediapipe
        from mediapipe.tasks.python import BaseOptions, vision

        from gestured.recognition.backends.mediapipe import native_stderr_to_debug

        self._mediapipe = mediapipe
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_hands=num_hands,
            min_hand_detection_confidence=0.5,
            min_hand_presence_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        # Its native start-up, first-frame and close lines go to DEBUG, as the backend's do.
        with native_stderr_to_debug():
            self._landmarker: Any = vision.HandLandmarker.create_from_options(options)
        self._first_call = True

    def prepare(self, frame_bgr: np.ndarray) -> Any:
        rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
        return self._mediapipe.Image(image_format=self._mediapipe.ImageFormat.SRGB, data=rgb)

    def __call__(self, prepared: Any, timestamp_ms: int) -> object:
        if self._first_call:
            from gestured.recognition.backends.mediapipe import native_stderr_to_debug

            self._first_call = False
            with native_stderr_to_debug():
                return self._landmarker.detect_for_video(prepared, timestamp_ms)
        return self._landmarker.detect_for_video(prepared, timestamp_ms)

    def close(self) -> None:
        from gestured.recognition.backends.mediapipe import native_stderr_to_debug

        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            with native_stderr_to_debug():
                landmarker.close()


def build_parts(
    backend_name: str, model: str | None, notes: list[str], gate: bool = True, bare: bool = True
) -> Parts:
    """The real parts: backend, classifier, one binding per gesture, the idle gate, and (for
    mediapipe, when `bare`) the bare HandLandmarker call. Raises GesturedError."""
    from gestured.capture.motion import MotionGate
    from gestured.recognition.backends import create_backend

    classifier = _classifier(model, notes)
    backend = create_backend(backend_name, mode="video", num_hands=1)
    bare_call = None
    if backend_name == "mediapipe" and bare:
        from gestured.weights import ensure_model

        bare_call = MediaPipeBareCall(ensure_model("hand_landmarker"))
    elif bare:
        notes.append(f"no bare call for backend {backend_name}: overhead_ratio is null")
    if not gate:
        notes.append("--no-gate: the backend runs on every frame")
    return Parts(
        backend=backend,
        classifier=classifier,
        bindings=bench_bindings(classifier.labels),
        make_gate=MotionGate if gate else None,
        bare=bare_call,
    )


def bench_bindings(labels: Sequence[str]) -> tuple[Binding, ...]:
    """One dry binding per gesture with the default hold (the gesture's own, see `gestures:` in
    gestures.yaml), threshold, release and max_motion."""
    from gestured.config.settings import NO_GESTURE, GestureDefaults, KeyAction, Settings

    defaults = Settings()

    def binding(label: str) -> Binding:
        own = defaults.gestures.get(label, GestureDefaults())
        return Binding(label, KeyAction(("play_pause",)),
                       defaults.hold if own.hold is None else own.hold, defaults.threshold, defaults.release,
                       max_motion=defaults.deliberate.max_motion if own.max_motion is None else own.max_motion)

    return tuple(binding(label) for label in labels if label != NO_GESTURE)


def _classifier(model: str | None, notes: list[str]) -> Any:
    """The classifier; without --model and without a shipped model, a stand-in of the same size."""
    from gestured.recognition.classifier import LABELS, GestureClassifier, load_classifier

    try:
        return load_classifier(model)
    except (GesturedError, OSError) as error:
        if model is not None:
            raise
        notes.append(f"no shipped classifier ({error}): timed a random-weight stand-in with the "
                     "default layer sizes (112-64-32-9); its timings hold, its gestures do not")
    from gestured.recognition.features import FEATURE_SIZE, FEATURE_VERSION

    rng = np.random.default_rng(0)
    sizes = (FEATURE_SIZE, 64, 32, len(LABELS))
    return GestureClassifier(
        LABELS,
        [rng.standard_normal((a, b)).astype(np.float32) * 0.1 for a, b in zip(sizes, sizes[1:])],
        [np.zeros(b, np.float32) for b in sizes[1:]],
        np.zeros(FEATURE_SIZE, np.float32),
        np.ones(FEATURE_SIZE, np.float32),
        feature_version=FEATURE_VERSION,
    )


def _openpose(clips: list[Clip], notes: list[str]) -> dict[str, Any]:
    """The OpenPose prototype comparison (gestured.bench.openpose) on the first clip's frames."""
    from itertools import islice

    from gestured.bench.openpose import measure_openpose
    from gestured.capture.sources import VideoFileSource
    from gestured.weights import ensure_model

    # Never downloads here: the weights need the licence accepted (`gestured models fetch openpose`).
    prototxt = ensure_model("openpose_hand_prototxt", offline=True)
    weights = ensure_model("openpose_hand", offline=True)
    source = VideoFileSource(clips[0].path, fit=FRAME_SIZE)
    try:
        frames = [frame.image for frame in islice(source, 12)]
    finally:
        source.close()
    notes.append(f"openpose: prototype vs ours on {len(frames)} frames of {clips[0].name}")
    measured = measure_openpose(frames, prototxt, weights)
    return {"openpose": measured, "prototype_ratio": measured["prototype_ratio"]}


def _context(args: argparse.Namespace) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for package in ("mediapipe", "opencv-contrib-python", "numpy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), **versions},
        "backend": args.backend,
        "realtime": bool(args.realtime),
        "gate": not args.no_gate,
        "frame_box": list(FRAME_SIZE),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def _number(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_report(report: dict[str, Any]) -> str:
    """The report as readable text: per clip the stage table, then the headline numbers."""
    lines = [f"gestured bench {report['date']}  backend={report['backend']}  realtime={report['realtime']}  "
             f"gate={report['gate']}  cpus={report['machine']['cpus']}  load average "
             f"{report['load_average_before'][0]} before, {report['load_average'][0]} after"]
    for clip in report["clips"]:
        frames = clip["frames"]
        lines.append(f"\n{clip['name']} ({clip['kind']}, {clip['path']}): {frames['frames']} frames, "
                     f"{clip['media_seconds']:.1f} s at {clip['media_fps']:.1f} fps, "
                     f"{clip['source_size'][0]}x{clip['source_size'][1]} -> "
                     f"{clip['frame_size'][0]}x{clip['frame_size'][1]}")
        lines.append(f"  decoded {frames['decoded']}, skipped {frames['skipped']}, dropped {frames['dropped']}, "
                     f"motion checks {frames['motion_checked']}, backend {frames['backend']}, hand {frames['hand']}")
        lines.append(f"  {'stage':<18}{'median ms':>10}{'p95 ms':>10}{'fps':>10}{'count':>8}")
        for name, stage in clip["stages"].items():
            if stage["count"]:
                lines.append(f"  {name:<18}{_number(stage['median_ms'], 3):>10}{_number(stage['p95_ms'], 3):>10}"
                             f"{_number(stage['fps'], 1):>10}{stage['count']:>8}")
        lines.append(f"  cpu {clip['cpu_seconds']:.3f} s = {_number(clip['cpu_fraction'], 4)} of a core per media "
                     f"second; overhead ratio {_number(clip['overhead_ratio'], 3)}; p95 frame "
                     f"{_number(clip['p95_ms'])} ms; rss {clip['rss_mb_start']} -> {clip['rss_mb_end']} MB")
    lines.append(f"\noverhead_ratio {_number(report['overhead_ratio'], 3)} "
                 f"(paired {_number(report['overhead_ratio_paired'], 3)})   p95_ms {_number(report['p95_ms'])}   "
                 f"cpu_fraction_active {_number(report['cpu_fraction_active'], 4)}   "
                 f"cpu_fraction_idle {_number(report['cpu_fraction_idle'], 4)}   peak_rss_mb {report['peak_rss_mb']}")
    if "prototype_ratio" in report:
        lines.append(f"openpose prototype_ratio {report['prototype_ratio']}")
    lines.extend(f"note: {note}" for note in report["notes"])
    return "\n".join(lines)
