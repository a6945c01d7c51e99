"""The numbers `gestured bench` reports, computed from what `gestured.bench.core` measured.

Pure: lists of per-frame milliseconds and counts in, JSON-ready dicts out (plus this
process's memory from /proc and getrusage). Stage meanings are in `gestured.bench.core`.

Top-level keys of `summarise`:
  stages               per stage: count, median_ms, p95_ms, mean_ms, fps (= 1000 / mean),
                       pooled over the active clips (a hand in view), else over all
  overhead_ratio       median(pipeline) / median(bare_backend), active clips
  overhead_ratio_paired  median of per-frame pipeline / bare_backend, active clips
  p95_ms               p95 of the whole per-frame time (decode + pipeline), active clips;
                       p95_ms_by_clip the same per clip
  cpu_fraction_active  process CPU seconds per media second over the active clips
  cpu_fraction_idle    the same over the frames the gate kept idle, in the clips without
                       a hand (the static scene): the daemon's steady idle cost
  peak_rss_mb, rss_mb  this process's peak (VmHWM / ru_maxrss) and current RSS, MiB
  clips                each clip's own numbers (clip_summary)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gestured.bench.core import STAGES, ClipResult, memory_mb


def stage_summary(samples: Sequence[float]) -> dict[str, float | int | None]:
    """median_ms, p95_ms, mean_ms, fps (1000 / mean) and count of a list of ms."""
    if not samples:
        return {"count": 0, "median_ms": None, "p95_ms": None, "mean_ms": None, "fps": None}
    values = np.asarray(samples, dtype=np.float64)
    mean = float(values.mean())
    return {
        "count": int(values.size),
        "median_ms": round(float(np.median(values)), 4),
        "p95_ms": round(float(np.percentile(values, 95)), 4),
        "mean_ms": round(mean, 4),
        "fps": round(1000.0 / mean, 2) if mean > 0 else None,
    }


def ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float | None:
    """median(numerator) / median(denominator), None when either is empty."""
    if not numerator or not denominator:
        return None
    return round(float(np.median(numerator)) / float(np.median(denominator)), 4)


def paired_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float | None:
    """The median of per-frame ratios numerator[i] / denominator[i] (same frames, timed
    moments apart, so a change in the machine's load cancels out); None when unpaired."""
    if not numerator or len(numerator) != len(denominator):
        return None
    values = np.asarray(numerator, dtype=np.float64) / np.maximum(np.asarray(denominator, dtype=np.float64), 1e-9)
    return round(float(np.median(values)), 4)


def clip_summary(result: ClipResult) -> dict[str, Any]:
    """One clip's numbers as plain JSON data."""
    media = result.media_seconds
    return {
        "name": result.clip.name,
        "path": str(result.clip.path),
        "kind": result.clip.kind,
        "active": result.active,
        "source_size": list(result.source_size),
        "frame_size": list(result.frame_size),
        "media_fps": round(result.media_fps, 3),
        "media_seconds": round(media, 3),
        "frames": {name: result.counts.get(name, 0) for name in
                   ("frames", "decoded", "skipped", "dropped", "motion_checked", "backend", "hand", "idle")},
        "stages": {name: stage_summary(result.samples[name]) for name in STAGES},
        "cpu_seconds": round(result.cpu_seconds, 4),
        "cpu_fraction": round(result.cpu_seconds / media, 4) if media > 0 else None,
        "idle_seconds": round(result.idle_seconds, 3),
        "cpu_fraction_idle_state": _idle_fraction([result]),
        "overhead_ratio": ratio(result.samples["pipeline"], result.samples["bare_backend"]),
        "overhead_ratio_paired": paired_ratio(result.samples["pipeline"], result.samples["bare_backend"]),
        "p95_ms": stage_summary(result.samples["frame"])["p95_ms"],
        "rss_mb_start": result.rss_mb[0],
        "rss_mb_end": result.rss_mb[1],
        "fires": [{"gesture": gesture, "t": t} for gesture, t in result.fires],
    }


def summarise(results: Sequence[ClipResult]) -> dict[str, Any]:
    """The bench's JSON object: per-stage numbers over the active clips (a hand in view),
    `overhead_ratio` and `p95_ms` over them, CPU per media second for active and idle clips,
    peak RSS, and each clip's own numbers under `clips`."""
    active = [result for result in results if result.active]
    idle = [result for result in results if not result.active]
    pooled = active or list(results)
    samples = {name: [value for result in pooled for value in result.samples[name]] for name in STAGES}
    memory = memory_mb()
    return {
        "stages": {name: stage_summary(samples[name]) for name in STAGES},
        "overhead_ratio": ratio(samples["pipeline"], samples["bare_backend"]),
        "overhead_ratio_paired": paired_ratio(samples["pipeline"], samples["bare_backend"]),
        "p95_ms": stage_summary(samples["frame"])["p95_ms"] if active else None,
        "p95_ms_by_clip": {result.clip.name: clip_summary(result)["p95_ms"] for result in active},
        "cpu_fraction_active": _cpu_fraction(active),
        "cpu_fraction_idle": _idle_fraction(idle),
        "peak_rss_mb": memory["peak_rss_mb"],
        "rss_mb": memory["rss_mb"],
        "clips": [clip_summary(result) for result in results],
    }


def _idle_fraction(results: Sequence[ClipResult]) -> float | None:
    """CPU seconds per media second over the frames the gate kept idle."""
    media = sum(result.idle_seconds for result in results)
    if media <= 0:
        return None
    return round(sum(result.idle_cpu_seconds for result in results) / media, 4)


def _cpu_fraction(results: Sequence[ClipResult]) -> float | None:
    media = sum(result.media_seconds for result in results)
    if media <= 0:
        return None
    return round(sum(result.cpu_seconds for result in results) / media, 4)
