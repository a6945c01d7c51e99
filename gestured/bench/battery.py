"""The battery figures of `gestured bench --realtime`: the daemon on a camera's MJPG frames
against the bare landmarker on every frame, and how late a held gesture fires.

Each clip is written as MJPG fitted into 640x480 (what a webcam asked for MJPG sends) and
played twice, in real time:

- full: the bare landmarker call (the bench's BareCall) on every frame, paced at the
  clip's frame rate. `cpu_fraction_full` = the CPU of those calls alone (all threads,
  decoding outside) per media second. The same frames through the pipeline's backend and
  classifier, outside any account, are the reference for the fire latency.
- daemon: a replayed MJPG camera (`gestured.capture.replay`: the camera source's capture
  thread and decode path) into the daemon itself (`Daemon`: idle gate, landmarker rate,
  backend, classifier, debouncer, dry-run bindings). CPU is the process's (all threads,
  the capture thread too) per media second: `cpu_fraction_active` over the clips with a
  hand, `cpu_fraction_idle` over the stretches of the clips without one in which the
  gate was idle (from each idle frame to the next frame delivered).

`idle_ratio` = idle / full of the clips without a hand; `active_ratio` = active / full
of the clips with one. `fire_latency_ms`: per fire, from the first held frame (by the
reference) to the moment the daemon emitted the fire (`gestured.bench.latency`); the
headline is the worst on demo.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from gestured.bench.latency import fire_latency_ms
from gestured.runtime.debounce import Observation

Clock = Callable[[], float]


@dataclass
class BatteryResult:
    """One clip's two passes."""

    name: str
    has_hand: bool
    media_seconds: float = 0.0
    full_cpu: float = 0.0  # CPU seconds of the bare calls
    daemon_cpu: float = 0.0  # process CPU seconds of the daemon pass
    idle_cpu: float = 0.0
    idle_seconds: float = 0.0
    frames: int = 0
    delivered: int = 0  # frames the camera source handed to the daemon (decoded as far as asked)
    fires: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BatteryParts:
    """What the passes need, built by the caller: the bare call (BareCall), the pipeline's
    backend and classify(hand) -> Observation for the reference, make_gate() -> an idle
    gate, make_daemon(source, on_event, after_frame, gate) -> a Daemon with its own backend
    (closed after the pass) reading `source` through `gate` (also read for the idle
    account), and `threshold`, the bindings' confidence threshold."""

    bare: Any
    backend: Any
    classify: Callable[[Any], Observation]
    make_daemon: Callable[..., Any]
    make_gate: Callable[[], Any]
    threshold: float


def full_pass(packets: Sequence[np.ndarray], fps: float, parts: BatteryParts, stamp_ms: int,
              with_reference: bool = True, realtime: bool = True, cpu: Clock = time.process_time,
              wall: Clock = time.perf_counter,
              sleep: Callable[[float], Any] = time.sleep) -> tuple[float, list[Observation | None]]:
    """The bare call on every frame in real time: (its CPU seconds, the reference observations,
    all None without `with_reference`)."""
    import cv2

    spent, reference = 0.0, []
    origin = wall()
    for index, packet in enumerate(packets):
        delay = origin + index / fps - wall()
        if realtime and delay > 0:
            sleep(delay)
        frame = cv2.imdecode(packet, cv2.IMREAD_COLOR)
        prepared = parts.bare.prepare(frame)
        stamp = stamp_ms + int(index * 1000 / fps)
        started = cpu()
        parts.bare(prepared, stamp)
        spent += cpu() - started
        hands = parts.backend.detect(frame, stamp) if with_reference else []
        reference.append(parts.classify(hands[0]) if hands else None)
    return spent, reference


class _DaemonAccount:
    """The daemon pass's CPU, split into the gate's idle stretches and the rest."""

    def __init__(self, gate: Any, result: BatteryResult, cpu: Clock) -> None:
        self._gate, self._result, self._cpu = gate, result, cpu
        self._mark: tuple[float, float, bool] | None = None  # (cpu, media time, idle) of the last frame

    def after_frame(self, frame: Any) -> None:
        now_cpu = self._cpu()
        self._close(now_cpu, frame.timestamp)
        self._mark = (now_cpu, frame.timestamp, not self._gate.awake(frame.timestamp))
        self._result.delivered += 1

    def _close(self, now_cpu: float, now: float) -> None:
        if self._mark is not None and self._mark[2]:
            self._result.idle_cpu += now_cpu - self._mark[0]
            self._result.idle_seconds += now - self._mark[1]

    def finish(self, end_time: float) -> None:
        self._close(self._cpu(), end_time)


def daemon_pass(packets: list[np.ndarray], fps: float, parts: BatteryParts, result: BatteryResult,
                reference: Sequence[Observation | None], realtime: bool = True,
                cpu: Clock = time.process_time) -> None:
    """Play the packets into a fresh dry-run daemon, in real time as a replayed MJPG camera,
    else frame by frame (MjpegFrames: the fire latency is then media time); fill `result`."""
    from gestured.capture.replay import MjpegFrames, replay_camera

    source: Any = MjpegFrames(packets, fps)
    replay: Any = None
    if realtime:
        source, replay = replay_camera(packets, fps)

    def emitted_at(event: Any) -> float:
        """Seconds since the clip began: wall time in real time, else the firing frame's media time."""
        if replay is None:
            return float(event.t)
        return time.monotonic() - (replay.started_at or time.monotonic())

    gate = parts.make_gate()
    account = _DaemonAccount(gate, result, cpu)

    def on_event(event: Any) -> None:
        latency = fire_latency_ms(event.gesture, emitted_at(event), reference, fps, parts.threshold)
        result.fires.append({"gesture": event.gesture, "t": round(event.t, 3), "latency_ms": latency})

    daemon = parts.make_daemon(source, on_event, account.after_frame, gate)
    started = cpu()
    try:
        daemon.run()
    finally:
        daemon.backend.close()
    account.finish(len(packets) / fps)
    result.daemon_cpu = cpu() - started


def summarise_battery(results: Sequence[BatteryResult]) -> dict[str, Any]:
    """The report's battery keys (see the module docstring)."""
    active = [result for result in results if result.has_hand]
    still = [result for result in results if not result.has_hand]
    full_active = _per_second(sum(r.full_cpu for r in active), sum(r.media_seconds for r in active))
    full_still = _per_second(sum(r.full_cpu for r in still), sum(r.media_seconds for r in still))
    cpu_active = _per_second(sum(r.daemon_cpu for r in active), sum(r.media_seconds for r in active))
    cpu_idle = _per_second(sum(r.idle_cpu for r in still), sum(r.idle_seconds for r in still))
    demo = [fire["latency_ms"] for result in results if result.name == "demo" for fire in result.fires
            if fire["latency_ms"] is not None]
    return {
        "cpu_fraction_full": full_active,
        "cpu_fraction_full_static": full_still,
        "cpu_fraction_active": cpu_active,
        "cpu_fraction_idle": cpu_idle,
        "active_ratio": _ratio(cpu_active, full_active),
        "idle_ratio": _ratio(cpu_idle, full_still),
        "fire_latency_ms": max(demo) if demo else None,
        "battery_clips": [{
            "name": r.name, "has_hand": r.has_hand, "media_seconds": round(r.media_seconds, 3),
            "frames": r.frames, "delivered": r.delivered,
            "cpu_fraction_full": _per_second(r.full_cpu, r.media_seconds),
            "cpu_fraction": _per_second(r.daemon_cpu, r.media_seconds),
            "idle_seconds": round(r.idle_seconds, 3),
            "cpu_fraction_idle_state": _per_second(r.idle_cpu, r.idle_seconds),
            "fires": r.fires,
        } for r in results],
    }


def measure_battery(clips: Sequence[tuple[str, Path, bool]], parts: BatteryParts, scratch: Path,
                    realtime: bool = True, stamp_ms: int = 10_000_000) -> list[BatteryResult]:
    """Both passes over each (name, video, has_hand) clip, written as MJPG into `scratch` first;
    in real time, or frame by frame as fast as they run."""
    from gestured.capture.replay import read_packets, write_mjpeg

    results = []
    for name, video, has_hand in clips:
        packets, fps = read_packets(*write_mjpeg(video, scratch / f"{name}.avi"))
        result = BatteryResult(name, has_hand, media_seconds=len(packets) / fps, frames=len(packets))
        result.full_cpu, reference = full_pass(packets, fps, parts, stamp_ms, with_reference=has_hand,
                                               realtime=realtime)
        stamp_ms += int(result.media_seconds * 1000) + 1000
        daemon_pass(packets, fps, parts, result, reference, realtime=realtime)
        results.append(result)
    return results


def _per_second(seconds: float, media: float) -> float | None:
    return round(seconds / media, 4) if media > 0 else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)
