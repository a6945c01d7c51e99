"""The measurement core of `gestured bench`: play clips through the pipeline, time each stage.

Each clip is read with `cv2.VideoCapture`, frame by frame, as the daemon would see it:
frames are fitted into 640x480 (aspect kept, as a camera delivers them), the idle gate
(`gestured.capture.motion.MotionGate`) decides per frame whether to skip it undecoded (`grab()`
only), check it for motion, or run the pipeline on it. Stages timed per frame, in ms:

  decode            grab + retrieve + fit to 640x480, decoding on the loop's thread
                    (a frame the gate skips is only grabbed: `grab`)
  motion            the gate's thumbnail difference (frames it checked)
  keypoints         backend.detect(frame) (frames it ran)
  features          hand_features(hand.keypoints) (frames with a hand)
  classify          predict_proba + best label (frames with a hand)
  debounce_bindings Debouncer.update + building the events of what fired (frames it ran)
  pipeline          motion + keypoints + features + classify + debounce_bindings
  frame             decode + pipeline
  bare_backend      the backend's own call alone on the same frame (HandLandmarker
                    detect_for_video on a ready mp.Image, on a second landmarker fed the
                    same frames), timed just before the pipeline on every other frame and
                    just after it on the rest

overhead_ratio = median(pipeline) / median(bare_backend) over the frames the backend ran
(with a hand in view: the active clips); overhead_ratio_paired = the median of the
per-frame ratios, which a change in the machine's load during the run moves less.
Decode is outside both sides: the bare call needs a decoded frame too. The bare call's
input preparation (BGR -> RGB, mp.Image) is outside the bare side and inside `keypoints`.
CPU is process CPU time (all threads) minus the CPU of the bare calls, per second of
media time; the CPU of each frame the gate kept idle (no backend), with the wait after
it, is also summed apart, so the idle state's cost is known without the backend seconds
that follow a fresh start. In real time, frames the gate looks at are held back to their media time
(those it skips are grabbed at once, so an idle loop wakes at the idle rate only); a
frame more than one frame interval late is dropped undecoded, as a camera keeping only
its newest frame would. A pipeline slower than the clip's frame rate shows as drops.
"""

from __future__ import annotations

import math
import resource
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, MutableSequence, Protocol

import numpy as np

from gestured.capture.frames import Frame
from gestured.capture.motion import Decision, MotionGate
from gestured.recognition.backends import KeypointBackend
from gestured.runtime.debounce import Debouncer, Observation

FRAME_SIZE = (640, 480)
STAGES = ("decode", "grab", "motion", "keypoints", "features", "classify", "debounce_bindings",
          "pipeline", "frame", "bare_backend")
WARM_UP_CALLS = 3  # untimed backend and bare calls before the first clip


class BareCall(Protocol):
    """The backend's own inference call, to compare the pipeline with."""

    def prepare(self, frame_bgr: np.ndarray) -> Any: ...

    def __call__(self, prepared: Any, timestamp_ms: int) -> object: ...

    def close(self) -> None: ...


class Classifier(Protocol):
    labels: tuple[str, ...]

    def predict_proba(self, features: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Clip:
    """A video to play. `has_hand`: True/False when known, None to decide from what was seen."""

    name: str
    path: Path
    kind: str  # hand_still, hand_moving, static, given
    has_hand: bool | None = None


@dataclass
class Pipeline:
    """The stages, built by the caller (real ones in the CLI, fakes in tests)."""

    backend: KeypointBackend
    classifier: Classifier
    features: Callable[[np.ndarray], np.ndarray]
    make_debouncer: Callable[[], Debouncer]
    make_gate: Callable[[], MotionGate] | None = MotionGate
    bare: BareCall | None = None


@dataclass
class ClipResult:
    """What one clip's playback measured: per-stage ms per frame (`samples`, see STAGES),
    frame `counts` (frames, decoded, skipped, dropped, motion_checked, backend, hand, idle),
    CPU seconds (bare calls excluded), the fired gestures and RSS at start and end."""

    clip: Clip
    samples: dict[str, MutableSequence[float]] = field(default_factory=lambda: {name: [] for name in STAGES})
    counts: dict[str, int] = field(default_factory=dict)
    media_fps: float = 0.0
    media_seconds: float = 0.0
    source_size: tuple[int, int] = (0, 0)
    frame_size: tuple[int, int] = (0, 0)
    cpu_seconds: float = 0.0
    idle_cpu_seconds: float = 0.0  # CPU of the frames the gate kept idle (no backend)
    fires: list[tuple[str, float]] = field(default_factory=list)
    rss_mb: tuple[float, float] = (0.0, 0.0)

    @property
    def idle_seconds(self) -> float:
        """Media seconds the gate spent idle."""
        return self.counts.get("idle", 0) / self.media_fps if self.media_fps else 0.0

    @property
    def active(self) -> bool:
        if self.clip.has_hand is not None:
            return self.clip.has_hand
        return self.counts.get("hand", 0) > 0


def fit_size(width: int, height: int, box: tuple[int, int] = FRAME_SIZE) -> tuple[int, int]:
    """(width, height) scaled to fit inside `box`, aspect kept (1280x720 -> 640x360)."""
    scale = min(box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def memory_mb() -> dict[str, float]:
    """This process's resident memory now (`rss_mb`) and at its peak (`peak_rss_mb`), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    now = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024.0
            elif line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024.0)
    except OSError:
        pass
    return {"rss_mb": round(now, 1), "peak_rss_mb": round(peak, 1)}


@dataclass
class _Playback:
    """The state of one clip being played."""

    capture: Any
    result: ClipResult
    gate: MotionGate | None
    debouncer: Debouncer
    origin: float = 0.0  # wall time of media time 0 (moved on by the bare calls' time)
    bare_cpu: float = 0.0
    cpu_mark: float | None = None  # CPU clock at the start of the frame being handled
    bare_cpu_at_mark: float = 0.0
    frame_idle: bool = False  # the frame being handled is in the gate's idle state


class ClipRunner:
    """Plays clips through the pipeline, one ClipResult per clip.

    frame_box: the size frames are fitted into. max_samples: keep only the latest N timings
    per stage (a long run then measures the pipeline's memory, not the bench's lists).
    wall, cpu and sleep are injected (perf_counter, process_time, time.sleep by default).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        realtime: bool = False,
        min_seconds: float = 0.0,
        frame_box: tuple[int, int] = FRAME_SIZE,
        max_samples: int | None = None,
        wall: Callable[[], float] = time.perf_counter,
        cpu: Callable[[], float] = time.process_time,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.pipeline = pipeline
        self.realtime = realtime
        self.min_seconds = min_seconds
        self.frame_box = frame_box
        self.max_samples = max_samples  # keep only the latest N per stage (long runs: bounded memory)
        self._wall, self._cpu, self._sleep = wall, cpu, sleep
        # Backend timestamps must increase across clips too (VIDEO mode refuses otherwise).
        self._stamp_base_ms = 0
        self._last_stamp_ms = 0
        self._warm = False

    def run(self, clip: Clip) -> ClipResult:
        """Play `clip` once, or looped until `min_seconds` of media time; raises OSError if unreadable."""
        import cv2

        capture = open_video(clip.path)
        result = ClipResult(clip)
        if self.max_samples is not None:
            result.samples = {name: deque(maxlen=self.max_samples) for name in STAGES}
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        result.media_fps = fps if math.isfinite(fps) and fps > 0 else 30.0
        width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        result.source_size, result.frame_size = (width, height), fit_size(width, height, self.frame_box)
        if not self._warm:
            self._warm_up(capture, result.frame_size)
            capture.release()
            capture = open_video(clip.path)
        gate = self.pipeline.make_gate() if self.pipeline.make_gate else None
        state = _Playback(capture, result, gate, self.pipeline.make_debouncer())
        result.rss_mb = (memory_mb()["rss_mb"], 0.0)
        cpu_start, state.origin = self._cpu(), self._wall()
        try:
            self._play(state, clip)
        finally:
            state.capture.release()
        self._account_cpu(state)
        self._stamp_base_ms = max(self._stamp_base_ms, self._last_stamp_ms) + 1000
        result.cpu_seconds = self._cpu() - cpu_start - state.bare_cpu
        result.rss_mb = (result.rss_mb[0], memory_mb()["rss_mb"])
        return result

    def _play(self, state: _Playback, clip: Clip) -> None:
        index, loop_start = 0, 0
        while True:
            now = index / state.result.media_fps
            if not self._play_frame(state, now):
                if now >= self.min_seconds or index == loop_start:
                    break
                state.capture.release()
                state.capture, loop_start = open_video(clip.path), index  # loop: media time goes on
                continue
            index += 1
        state.result.counts["frames"] = index
        state.result.media_seconds = index / state.result.media_fps

    def _warm_up(self, capture: Any, size: tuple[int, int], calls: int = WARM_UP_CALLS) -> None:
        """Run the backend and the bare call a few times untimed (first calls build the graph)."""
        frame = read_frame(capture, size)
        if frame is None:
            return
        for _ in range(calls):
            self.pipeline.backend.detect(frame, self._stamp_base_ms)
            if self.pipeline.bare is not None:
                self.pipeline.bare(self.pipeline.bare.prepare(frame), self._stamp_base_ms)
            self._stamp_base_ms += 1
        self._stamp_base_ms += 1000
        self._warm = True

    def _play_frame(self, state: _Playback, now: float) -> bool:
        """Handle the frame at media time `now`; False at the end of the file."""
        self._account_cpu(state)
        result = state.result
        decision = state.gate.scheduler.peek(now) if state.gate is not None else Decision.RUN
        wanted = decision is not Decision.SKIP
        state.frame_idle = decision is not Decision.RUN
        # Every frame waits for its media time, as a camera's frames can't be had earlier.
        late = self._pace(state, now)
        started = self._wall()
        if late or not wanted:
            if not state.capture.grab():
                state.frame_idle = False  # no frame: nothing to count
                return False
            result.samples["grab"].append((self._wall() - started) * 1000)
            _count(result, "dropped" if late else "skipped")
            return True
        frame = read_frame(state.capture, result.frame_size)
        if frame is None:
            state.frame_idle = False
            return False
        decode_ms = (self._wall() - started) * 1000
        result.samples["decode"].append(decode_ms)
        _count(result, "decoded")
        pipeline_ms = self._process(state, frame, now)
        if pipeline_ms is not None:
            state.frame_idle = False
            result.samples["pipeline"].append(pipeline_ms)
            result.samples["frame"].append(decode_ms + pipeline_ms)
        return True

    def _account_cpu(self, state: _Playback) -> None:
        """Close the previous frame's CPU interval (its work and the wait after it)."""
        now_cpu = self._cpu()
        if state.cpu_mark is not None and state.frame_idle:
            state.result.idle_cpu_seconds += now_cpu - state.cpu_mark - (state.bare_cpu - state.bare_cpu_at_mark)
            state.result.counts["idle"] = state.result.counts.get("idle", 0) + 1
        state.cpu_mark, state.bare_cpu_at_mark = now_cpu, state.bare_cpu

    def _pace(self, state: _Playback, now: float) -> bool:
        """In real time: wait for the frame's media time; True when over one interval late."""
        if not self.realtime:
            return False
        delay = state.origin + now - self._wall()
        if delay > 0:
            self._sleep(delay)
        return delay < -1.0 / state.result.media_fps

    def _process(self, state: _Playback, frame: np.ndarray, now: float) -> float | None:
        """Gate, then the pipeline on one frame; its ms when the backend ran, else None.

        The bare call is timed on the same frame, before the pipeline on every other frame
        and after it on the rest, so neither side always finds the caches warm."""
        result, gate = state.result, state.gate
        started = self._wall()
        run = gate is None or gate.should_run(Frame(frame, now, 0), now)
        gated = self._wall()
        if gate is not None and gate.last_score is not None:
            result.samples["motion"].append((gated - started) * 1000)
            _count(result, "motion_checked")
        if not run:
            return None
        stamp_ms = self._stamp_base_ms + int(now * 1000)
        self._last_stamp_ms = stamp_ms
        bare_first = result.counts.get("backend", 0) % 2 == 1
        if bare_first:
            self._time_bare(state, frame, stamp_ms)
        pipeline_ms = (gated - started) * 1000 + self._run_backend(state, frame, now, stamp_ms)
        if not bare_first:
            self._time_bare(state, frame, stamp_ms)
        return pipeline_ms

    def _run_backend(self, state: _Playback, frame: np.ndarray, now: float, stamp_ms: int) -> float:
        """keypoints, features, classify, debounce + bindings on one frame; their total ms."""
        result, samples = state.result, state.result.samples
        started = self._wall()
        hands = self.pipeline.backend.detect(frame, stamp_ms)
        detected = self._wall()
        samples["keypoints"].append((detected - started) * 1000)
        _count(result, "backend")
        observations = [self._observe(hand, result) for hand in hands[:1]]
        classified = self._wall()
        fires = state.debouncer.update(observations, now)
        result.fires.extend((fire.binding.gesture, round(now, 3)) for fire in fires)
        if state.gate is not None:
            state.gate.report(now, bool(hands))
        finished = self._wall()
        samples["debounce_bindings"].append((finished - classified) * 1000)
        if hands:
            _count(result, "hand")
        return (finished - started) * 1000

    def _observe(self, hand: Any, result: ClipResult) -> Observation:
        started = self._wall()
        features = self.pipeline.features(hand.keypoints)
        featured = self._wall()
        probabilities = self.pipeline.classifier.predict_proba(features[np.newaxis])[0]
        best = int(probabilities.argmax())
        result.samples["features"].append((featured - started) * 1000)
        result.samples["classify"].append((self._wall() - featured) * 1000)
        return Observation(self.pipeline.classifier.labels[best], float(probabilities[best]), hand.handedness)

    def _time_bare(self, state: _Playback, frame: np.ndarray, timestamp_ms: int) -> None:
        """Time the bare backend call on the same frame, outside the CPU and pacing accounts."""
        bare = self.pipeline.bare
        if bare is None:
            return
        cpu_started, wall_started = self._cpu(), self._wall()
        prepared = bare.prepare(frame)
        called = self._wall()
        bare(prepared, timestamp_ms)
        finished = self._wall()
        state.result.samples["bare_backend"].append((finished - called) * 1000)
        state.bare_cpu += self._cpu() - cpu_started
        state.origin += finished - wall_started


def open_video(path: Path) -> Any:
    """cv2.VideoCapture on `path`, decoding on the calling thread; raises OSError if unreadable.

    FFmpeg's frame threads (the default) hand every frame between threads, which cost
    ~0.1 ms of CPU a frame more than decoding on the caller (measured on the static scene:
    idle 0.019-0.020 against 0.016-0.017 of a core), and a camera has no such threads.
    On the caller, `grab` shows the decode's real cost too.
    """
    import cv2

    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    if not capture.isOpened():
        capture.release()
        raise OSError(f"cannot decode video file {path}")
    return capture


def read_frame(capture: Any, size: tuple[int, int]) -> np.ndarray | None:
    """grab + retrieve + fit to `size`; None at the end of the file."""
    import cv2

    if not capture.grab():
        return None
    ok, frame = capture.retrieve()
    if not ok or frame is None:
        return None
    if (frame.shape[1], frame.shape[0]) != size:
        shrinking = size[0] < frame.shape[1]
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return frame


def _count(result: ClipResult, name: str) -> None:
    result.counts[name] = result.counts.get(name, 0) + 1
