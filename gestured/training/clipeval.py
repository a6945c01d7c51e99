"""Scoring labelled clips: which fires were false, which held gestures fired, how late.

Pure: a labels file is read into `LabelledClip`s, the fires of one clip come in as plain
(gesture, time, repeat) records, and `score_clip` / `summarise` turn them into figures.
Playing the clips through the daemon lives in `gestured.commands.eval`.

Labels (tab-separated, a header line naming at least `file kind gesture from_s to_s`;
other columns are ignored): one row per span. `activity`: ordinary hand activity
between from_s and to_s, where every fire is false. `held`: the named gesture is
deliberately held between from_s and to_s and must fire there. The rest of a clip that
has held spans counts as activity too (ordinary motion or an empty scene).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from gestured.config.settings import NO_GESTURE
from gestured.errors import GesturedError

REQUIRED_COLUMNS = ("file", "kind", "gesture", "from_s", "to_s")
KINDS = ("activity", "held")


@dataclass(frozen=True)
class Span:
    kind: str  # "activity" or "held"
    gesture: str  # the held gesture; "none" for activity
    start: float
    end: float


@dataclass(frozen=True)
class LabelledClip:
    file: str  # relative to the videos folder
    spans: tuple[Span, ...]
    duration: float  # seconds: the `duration_s` column, else the last span's end

    @property
    def held(self) -> tuple[Span, ...]:
        return tuple(span for span in self.spans if span.kind == "held")


@dataclass(frozen=True)
class FiredGesture:
    gesture: str
    t: float
    repeat: bool = False
    held: float = 0.0  # seconds the gesture had been held (still, presented) when it fired


@dataclass
class ClipScore:
    """What happened in one clip. `hits`: per held span, (span, latency in s or None);
    `held`: per held span, the fire's own hold in s (from the frame the gesture was first
    held still) or None."""

    file: str
    activity_seconds: float
    false_fires: list[FiredGesture] = field(default_factory=list)
    hits: list[tuple[Span, float | None]] = field(default_factory=list)
    held: list[float | None] = field(default_factory=list)

    def as_json(self, holds: Mapping[str, float]) -> dict[str, Any]:
        return {
            "activity_minutes": round(self.activity_seconds / 60.0, 4),
            "false_fires": len(self.false_fires),
            "false_fire_gestures": [{"gesture": fire.gesture, "t": round(fire.t, 3)} for fire in self.false_fires],
            "held": [{**_held_json(span, latency, holds), "held_s": None if held is None else round(held, 3)}
                     for (span, latency), held in zip(self.hits, self.held)],
        }


def _held_json(span: Span, latency: float | None, holds: Mapping[str, float]) -> dict[str, Any]:
    budget = holds.get(span.gesture)
    return {
        "gesture": span.gesture, "from_s": span.start, "to_s": span.end, "hit": latency is not None,
        "latency_s": None if latency is None else round(latency, 3),
        "budget_s": None if budget is None else round(budget + LATENCY_SLACK, 3),
        "on_time": latency is not None and budget is not None and latency <= budget + LATENCY_SLACK + 1e-6,
    }


# A held span must fire within its binding's hold plus this, from the span's start.
LATENCY_SLACK = 0.15


def read_labels(path: Path) -> list[LabelledClip]:
    """The clips of a labels file in file order, spans grouped per clip.

    Raises GesturedError (with file:line) for a missing column, an unknown kind or a
    time that is not a number or ends before it starts.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GesturedError(f"cannot read labels file {path}: {getattr(error, 'strerror', error)}") from None
    rows = list(csv.reader(text.splitlines(), delimiter="\t"))
    if not rows:
        raise GesturedError(f"{path}:1: empty labels file: give a header line ({' '.join(REQUIRED_COLUMNS)})")
    header = [name.strip() for name in rows[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise GesturedError(f"{path}:1: the header lacks column(s) {', '.join(missing)} (tab-separated)")
    spans: dict[str, list[Span]] = {}
    durations: dict[str, float] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = dict(zip(header, (cell.strip() for cell in row)))
        where = f"{path}:{line_number}"
        span = _span(values, where)
        file = values["file"]
        spans.setdefault(file, []).append(span)
        durations[file] = max(durations.get(file, 0.0), span.end, _duration(values, where))
    return [LabelledClip(file, tuple(clip_spans), durations[file]) for file, clip_spans in spans.items()]


def _duration(values: dict[str, str], where: str) -> float:
    text = values.get("duration_s", "")
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        raise GesturedError(f"{where}: duration_s must be a number of seconds") from None


def _span(values: dict[str, str], where: str) -> Span:
    if not values.get("file"):
        raise GesturedError(f"{where}: no file name")
    kind = values.get("kind", "")
    if kind not in KINDS:
        raise GesturedError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        start, end = float(values.get("from_s", "")), float(values.get("to_s", ""))
    except ValueError:
        raise GesturedError(f"{where}: from_s and to_s must be numbers of seconds") from None
    if not 0 <= start < end:
        raise GesturedError(f"{where}: the span {start} - {end} s must start at 0 or later and end after it starts")
    gesture = values.get("gesture") or NO_GESTURE
    if kind == "held" and gesture == NO_GESTURE:
        raise GesturedError(f"{where}: a held span names the gesture held")
    return Span(kind, gesture, start, end)


def score_clip(clip: LabelledClip, fires: Iterable[FiredGesture], duration: float) -> ClipScore:
    """Every fire that is not the first fire of a held span's gesture inside that span
    (or a repeat of it there) is false. `duration`: the clip's length in seconds."""
    held = clip.held
    activity = sum(span.end - span.start for span in clip.spans if span.kind == "activity")
    if held:  # the rest of a clip with held spans is ordinary activity too
        activity += max(0.0, duration - sum(span.end - span.start for span in held))
    score = ClipScore(clip.file, activity)
    first_hit: dict[int, float] = {}
    held_for: dict[int, float] = {}
    for fire in sorted(fires, key=lambda fire: fire.t):
        index = next((position for position, span in enumerate(held)
                      if span.gesture == fire.gesture and span.start <= fire.t <= span.end), None)
        if index is None or (index in first_hit and not fire.repeat):
            score.false_fires.append(fire)
        elif index not in first_hit:
            first_hit[index] = fire.t - held[index].start
            held_for[index] = fire.held
    score.hits = [(span, first_hit.get(position)) for position, span in enumerate(held)]
    score.held = [held_for.get(position) for position in range(len(held))]
    return score


def summarise(scores: list[ClipScore], holds: Mapping[str, float]) -> dict[str, Any]:
    """The report: totals, then `per_clip` (file -> ClipScore.as_json)."""
    minutes = sum(score.activity_seconds for score in scores) / 60.0
    false_fires = sum(len(score.false_fires) for score in scores)
    held = [(span, latency) for score in scores for span, latency in score.hits]
    by_gesture: dict[str, int] = {}
    for score in scores:
        for fire in score.false_fires:
            by_gesture[fire.gesture] = by_gesture.get(fire.gesture, 0) + 1
    latencies = [latency for _, latency in held if latency is not None]
    return {
        "false_fires": false_fires,
        "activity_minutes": round(minutes, 4),
        "false_fires_per_minute": round(false_fires / minutes, 3) if minutes else 0.0,
        "false_fires_by_gesture": dict(sorted(by_gesture.items())),
        "held_hit": len(latencies),
        "held_total": len(held),
        "held_on_time": sum(_held_json(span, latency, holds)["on_time"] for span, latency in held),
        "held_on_time_from_hold": sum(
            held_s is not None and span.gesture in holds and held_s <= holds[span.gesture] + LATENCY_SLACK + 1e-6
            for score in scores for (span, _), held_s in zip(score.hits, score.held)),
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "per_clip": {score.file: score.as_json(holds) for score in scores},
    }


def format_summary(report: dict[str, Any]) -> str:
    """The text `gestured eval --videos` prints without --json."""
    lines = [f"{'clip':32s} {'activity min':>12s} {'false':>5s}  held (latency s)  false fires"]
    for file, clip in report["per_clip"].items():
        held = " ".join(
            f"{span['gesture']}:{'miss' if not span['hit'] else format(span['latency_s'], '.2f')}"
            + ("" if span["on_time"] or not span["hit"] else f"(late; held {span['held_s']:.2f})")
            for span in clip["held"]) or "-"
        wrong = ", ".join(f"{fire['gesture']}@{fire['t']:.1f}" for fire in clip["false_fire_gestures"]) or "-"
        lines.append(f"{file:32s} {clip['activity_minutes']:12.2f} {clip['false_fires']:5d}  {held:16s}  {wrong}")
    lines.append("")
    lines.append(f"false fires: {report['false_fires']} in {report['activity_minutes']:.2f} min of activity "
                 f"= {report['false_fires_per_minute']:.2f} a minute "
                 f"({', '.join(f'{name} {count}' for name, count in report['false_fires_by_gesture'].items()) or 'none'})")
    lines.append(f"held spans fired: {report['held_hit']} of {report['held_total']} "
                 f"({report['held_on_time']} within hold + {LATENCY_SLACK:.2f} s of the span start, "
                 f"{report['held_on_time_from_hold']} of the gesture's first still frame)")
    return "\n".join(lines)
