"""The measurement core of `gestured bench`: play clips through the pipeline, time each stage.

Each clip plays through the daemon's own parts: `gestured.capture.sources.VideoFileSource`
(fitted into 640x480, aspect kept, never enlarged, as `gestured run` plays files) and
`gestured.runtime.pipeline.Pipeline` with the idle gate (`gestured.capture.motion.MotionGate`),
which decides per frame whether to skip it undecoded (`grab()` only), check it for motion,
or run the backend on it. The source's and the pipeline's timing hooks give, per frame, in ms:

  decode            grab + retrieve + fit, decoding on the loop's thread
                    (a frame the gate skips or that comes too late is only grabbed: `grab`)
  motion            the gate's thumbnail difference (frames it checked)
  keypoints         backend.detect(frame) (frames it ran)
  features          the classifier's features of each hand (frames with a hand)
  classify          predict_proba (frames with a hand)
  deliberate        hand tracks, motion and presentation (gestured.runtime.deliberate)
  debounce_bindings Debouncer.update (frames it ran)
  pipeline          Pipeline.admit + Pipeline.analyse, timed around the calls
  frame             decode + pipeline
  bare_backend      the backend's own call alone on the same frame (HandLandmarker
                    detect_for_video on a ready mp.Image, on a second landmarker fed the
                    same frames), timed between admit and analyse on every other frame and
                    just after analyse on the rest

overhead_ratio = median(pipeline) / median(bare_backend) over the frames the backend ran
(with a hand in view: the active clips); overhead_ratio_paired = the median of the
per-frame ratios, which a change in the machine's load during the run moves less.
Decode is outside both sides: the bare call needs a decoded frame too. The bare call's
input preparation (BGR -> RGB, mp.Image) is outside the bare side and inside `keypoints`.
CPU is process CPU time (all threads) minus the CPU of the bare calls, per second of
media time; the CPU of each frame the gate kept idle (no backend), with the wait after
it, is also summed apart, so the idle state's cost is known without the backend seconds
that follow a fresh start. In real time every frame is held back to its media time by the
source's own pacing (the bare calls' wall time is taken off its clock), and a frame more
than one frame interval late is dropped undecoded, as a camera keeping only its newest
frame would. A pipeline slower than the clip's frame rate shows as drops.
"""

from __future__ import annotations

import math
import resource
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, MutableSequence, Protocol, Sequence

import numpy as np

from gestured.capture.frames import Frame
from gestured.capture.motion import MotionGate
from gestured.capture.sources import VideoFileSource
from gestured.config.settings import Binding
from gestured.recognition.backends import KeypointBackend
from gestured.runtime.pipeline import Classifier, FrameResult, Listener, Pipeline, Verdict

FRAME_SIZE = (640, 480)
STAGES = ("decode", "grab", "motion", "keypoints", "features", "classify", "deliberate", "debounce_bindings",
          "pipeline", "frame", "bare_backend")
# Pipeline and source stage names -> the bench's.
STAGE_NAMES = {"motion": "motion", "keypoints": "keypoints", "features": "features", "classify": "classify",
               "deliberate": "deliberate", "debounce": "debounce_bindings", "decode": "decode", "skip": "grab", "drop": "grab"}
WARM_UP_CALLS = 3  # untimed backend and bare calls before the first clip


class BareCall(Protocol):
    """The backend's own inference call, to compare the pipeline with."""

    def prepare(self, frame_bgr: np.ndarray) -> Any: ...

    def __call__(self, prepared: Any, timestamp_ms: int) -> object: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Clip:
    """A video to play. `has_hand`: True/False when known, None to decide from what was seen."""

    name: str
    path: Path
    kind: str  # hand_still, hand_moving, static, given
    has_hand: bool | None = None


@dataclass
class Parts:
    """What the pipeline is built from, per clip (real parts in the CLI, fakes in tests)."""

    backend: KeypointBackend
    classifier: Classifier
    bindings: Sequence[Binding]
    make_gate: Callable[[], MotionGate] | None = MotionGate
    bare: BareCall | None = None
    listeners: Sequence[Listener] = ()  # subscribed to each clip's pipeline (`bench --page`)


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

    result: ClipResult
    pipeline: Pipeline
    gate: MotionGate | None
    offset: float = 0.0  # media seconds added to this pass's timestamps (loops, earlier clips)
    clip_start: float = 0.0  # the offset of the clip's first pass
    bare_wall: float = 0.0  # wall seconds of the bare calls, taken off the pacing clock
    bare_cpu: float = 0.0
    cpu_mark: float | None = None  # CPU clock at the start of the frame being handled
    bare_cpu_at_mark: float = 0.0
    frame_idle: bool = False  # the frame being handled is in the gate's idle state
    decode_ms: float = 0.0


class ClipRunner:
    """Plays clips through the pipeline, one ClipResult per clip.

    frame_box: the size frames are fitted into. max_samples: keep only the latest N timings
    per stage (a long run then measures the pipeline's memory, not the bench's lists).
    wall, cpu and sleep are injected (perf_counter, process_time, time.sleep by default).
    """

    def __init__(
        self,
        parts: Parts,
        *,
        realtime: bool = False,
        min_seconds: float = 0.0,
        frame_box: tuple[int, int] = FRAME_SIZE,
        max_samples: int | None = None,
        wall: Callable[[], float] = time.perf_counter,
        cpu: Callable[[], float] = time.process_time,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.parts = parts
        self.realtime = realtime
        self.min_seconds = min_seconds
        self.frame_box = frame_box
        self.max_samples = max_samples
        self._wall, self._cpu, self._sleep = wall, cpu, sleep
        # Backend timestamps must increase across clips too (VIDEO mode refuses otherwise).
        self._media_base = 0.0
        self._warm = False

    def run(self, clip: Clip) -> ClipResult:
        """Play `clip` once, or looped until `min_seconds` of media time; raises SourceError if unreadable."""
        result = ClipResult(clip)
        if self.max_samples is not None:
            result.samples = {name: deque(maxlen=self.max_samples) for name in STAGES}
        if not self._warm:
            self._warm_up(clip.path)
        gate = self.parts.make_gate() if self.parts.make_gate is not None else None
        state = _Playback(result, self._pipeline(result, gate), gate, offset=self._media_base,
                          clip_start=self._media_base)
        result.rss_mb = (memory_mb()["rss_mb"], 0.0)
        cpu_start = self._cpu()
        self._play(state, clip)
        self._account_cpu(state)
        self._media_base = math.floor(state.offset) + 1.0  # whole seconds: stamps stay exact
        result.cpu_seconds = self._cpu() - cpu_start - state.bare_cpu
        result.rss_mb = (result.rss_mb[0], memory_mb()["rss_mb"])
        return result

    def _pipeline(self, result: ClipResult, gate: MotionGate | None) -> Pipeline:
        def timer(name: str, seconds: float) -> None:
            if name == "motion" and (gate is None or gate.last_score is None):
                return  # the scheduler decided without looking at the frame
            result.samples[STAGE_NAMES[name]].append(seconds * 1000)

        from gestured.config.settings import DeliberateOptions
        from gestured.runtime.deliberate import DeliberateStage

        options = DeliberateOptions()  # the daemon's deliberateness stage, timed as `deliberate`
        pipeline = Pipeline(backend=self.parts.backend, classifier=self.parts.classifier,
                            bindings=self.parts.bindings, gate=gate, timer=timer, timer_clock=self._wall,
                            stages=(DeliberateStage(options),), deliberate=options)
        for listener in self.parts.listeners:
            pipeline.subscribe(listener)
        return pipeline

    def _open(self, path: Path, state: _Playback | None = None) -> VideoFileSource:
        timer = None if state is None else (lambda name, seconds: self._source_stage(state, name, seconds))
        return VideoFileSource(path, realtime=self.realtime and state is not None, fit=self.frame_box,
                               clock=self._paced_clock(state), sleep=self._sleep, timer=timer)

    def _paced_clock(self, state: _Playback | None) -> Callable[[], float]:
        if state is None:
            return self._wall
        return lambda: self._wall() - state.bare_wall

    def _play(self, state: _Playback, clip: Clip) -> None:
        result, start, gate = state.result, state.offset, state.gate
        while True:
            source = self._open(clip.path, state)
            result.media_fps, result.source_size = source.fps, source.size
            if gate is not None:
                offset = state.offset
                source.set_frame_filter(lambda timestamp: gate.wants_frame(timestamp + offset))
            played = 0
            try:
                for frame in source:
                    self._frame(state, frame.at(frame.timestamp + state.offset))
                    played = frame.index + 1
            finally:
                source.close()
            frames = result.counts.get("decoded", 0) + result.counts.get("skipped", 0) + result.counts.get("dropped", 0)
            state.offset = start + frames / result.media_fps
            if played == 0 or state.offset - start >= self.min_seconds:
                break
        result.counts["frames"] = frames
        result.media_seconds = frames / result.media_fps

    def _warm_up(self, path: Path, calls: int = WARM_UP_CALLS) -> None:
        """Run the backend and the bare call a few times untimed (first calls build the graph)."""
        source = self._open(path)
        try:
            frame = next(iter(source), None)
        finally:
            source.close()
        if frame is None:
            return
        stamp_ms = int(self._media_base * 1000)
        for _ in range(calls):
            self.parts.backend.detect(frame.image, stamp_ms)
            if self.parts.bare is not None:
                self.parts.bare(self.parts.bare.prepare(frame.image), stamp_ms)
            stamp_ms += 1
        self._media_base += 1.0
        self._warm = True

    def _source_stage(self, state: _Playback, name: str, seconds: float) -> None:
        """A media frame starts: the source decoded it, or only grabbed it (skipped, dropped)."""
        self._account_cpu(state)
        result = state.result
        result.samples[STAGE_NAMES[name]].append(seconds * 1000)
        _count(result, {"decode": "decoded", "skip": "skipped", "drop": "dropped"}[name])
        state.frame_idle = name == "skip"
        state.decode_ms = seconds * 1000

    def _frame(self, state: _Playback, frame: Frame) -> None:
        """Gate, then the pipeline on one decoded frame, with the bare call on the same frame."""
        result, pipeline = state.result, state.pipeline
        if result.frame_size == (0, 0):
            result.frame_size = (frame.image.shape[1], frame.image.shape[0])
        started = self._wall()
        verdict = pipeline.admit(frame)
        admitted = self._wall()
        run = verdict is Verdict.RUN
        if state.gate is not None and state.gate.last_score is not None:
            _count(result, "motion_checked")
        bare_first = run and result.counts.get("backend", 0) % 2 == 1
        if bare_first:
            self._time_bare(state, frame)
        analysed_from = self._wall()
        outcome = pipeline.analyse(frame, verdict)
        finished = self._wall()
        if run and not bare_first:
            self._time_bare(state, frame)
        state.frame_idle = not run
        if run:
            self._record(state, outcome, (admitted - started + finished - analysed_from) * 1000)

    def _record(self, state: _Playback, outcome: FrameResult, pipeline_ms: float) -> None:
        result = state.result
        _count(result, "backend")
        if outcome.hands:
            _count(result, "hand")
        result.samples["pipeline"].append(pipeline_ms)
        result.samples["frame"].append(state.decode_ms + pipeline_ms)
        result.fires.extend((fire.binding.gesture, round(fire.time - state.clip_start, 3))
                            for fire in outcome.fires)

    def _account_cpu(self, state: _Playback) -> None:
        """Close the previous frame's CPU interval (its work and the wait after it)."""
        now_cpu = self._cpu()
        if state.cpu_mark is not None and state.frame_idle:
            state.result.idle_cpu_seconds += now_cpu - state.cpu_mark - (state.bare_cpu - state.bare_cpu_at_mark)
            _count(state.result, "idle")
        state.cpu_mark, state.bare_cpu_at_mark = now_cpu, state.bare_cpu

    def _time_bare(self, state: _Playback, frame: Frame) -> None:
        """Time the bare backend call on the same frame, outside the CPU and pacing accounts."""
        bare = self.parts.bare
        if bare is None:
            return
        cpu_started, wall_started = self._cpu(), self._wall()
        prepared = bare.prepare(frame.image)
        called = self._wall()
        bare(prepared, int(frame.timestamp * 1000))
        finished = self._wall()
        state.result.samples["bare_backend"].append((finished - called) * 1000)
        state.bare_cpu += self._cpu() - cpu_started
        state.bare_wall += finished - wall_started


def _count(result: ClipResult, name: str) -> None:
    result.counts[name] = result.counts.get(name, 0) + 1
