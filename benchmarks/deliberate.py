"""What each deliberateness layer does to false fires and held gestures (issue 10).

    .venv/bin/python benchmarks/deliberate.py [--shared-data ../shared/data] [--cache DIR]
                                               [--model PATH] [--ablate] [--loo]

MediaPipe runs once per clip (VIDEO mode, frames fitted into 640x480 as `gestured run`
does, one hand as the shipped gestures.yaml asks) and the hands are cached under
--cache. Each variant of gestures.yaml then replays the cached hands through the real
`Daemon` (the runtime's tracks, classifier, debouncer and bindings; dry run) and is scored
by the same code as `gestured eval --videos` (gestured.training.clipeval) on
clips.tsv and benchmarks/videos.tsv. The replay has the reduced landmarker rate but no
idle gate (it never sees pixels), so its figures can differ a little from `gestured
eval --videos`, which is the measurement of record.

--ablate: the layers added one at a time, with every built-in gesture bound and with
the shipped bindings. --loo: the timing knobs (max_motion, the fist/open_palm hold, the
points/ok hold) chosen on all clips but one and scored on that one, for each clip.
"""

from __future__ import annotations

import argparse
import itertools
import logging
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SIDES = {0: "unknown", 1: "left", 2: "right"}
OFF = {"max_motion": 1000.0, "min_size": 0.0, "evidence": False}
BEFORE_HOLDS = {"point_left": {"hold": 0.3}, "point_right": {"hold": 0.3}}  # the shipped bindings' before
RATE = True  # the reduced landmarker rate, as `gestured run` uses it
THUMBS = {"thumbs_up": {"max_motion": 5.0}, "thumbs_down": {"max_motion": 5.0}}


def holds(big: float, point: float) -> dict[str, dict[str, float]]:
    return {"fist": {"hold": big}, "open_palm": {"hold": big}, "point_up": {"hold": point},
            "point_left": {"hold": point}, "point_right": {"hold": point}, "ok": {"hold": point}}


def cache_hands(clip: Path, cache: Path) -> Path:
    """cache/<stem>.npz: per frame t, keypoints (21, 2), handedness code, frame size, hand count."""
    from gestured.capture.options import SourceOptions
    from gestured.capture.sources import open_source
    from gestured.commands.run import CAMERA_MODE
    from gestured.recognition.backends import create_backend

    out = cache / f"{clip.stem}.npz"
    if out.is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    backend = create_backend("mediapipe", mode="video", num_hands=1, offline=True)
    source = open_source(str(clip), SourceOptions(fit=CAMERA_MODE))
    rows: dict[str, list[Any]] = {"t": [], "keypoints": [], "side": [], "size": [], "n": []}
    try:
        for frame in source:
            hands = backend.detect(frame.image, int(frame.timestamp * 1000))
            rows["t"].append(frame.timestamp)
            rows["keypoints"].append(hands[0].keypoints if hands else np.full((21, 2), np.nan, np.float32))
            rows["side"].append({"left": 1, "right": 2}.get(hands[0].handedness, 0) if hands else 0)
            rows["size"].append(frame.image.shape[1::-1])
            rows["n"].append(len(hands))
    finally:
        backend.close()
        source.close()
    np.savez(out, **{name: np.array(values) for name, values in rows.items()})
    return out


class Replay:
    """A keypoint backend that returns the cached hands of one clip, frame by frame."""

    name = "replay"

    def __init__(self, data: dict[str, np.ndarray]) -> None:
        self.data = data

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[Any]:
        """The hands cached for the frame at `timestamp_ms` (frames may be skipped by the rate)."""
        from gestured.recognition.hand import Hand

        index = int(np.abs(self.data["t"] * 1000 - (timestamp_ms or 0)).argmin())
        if not self.data["n"][index]:
            return []
        return [Hand.from_pixels(self.data["keypoints"][index], tuple(self.data["size"][index]),
                                 handedness=SIDES[int(self.data["side"][index])])]  # type: ignore[arg-type]

    def close(self) -> None:
        pass


class CachedFrames:
    """Blank frames of the clip's size at the cached times (the replay never looks at pixels)."""

    name, is_live = "cache", False

    def __init__(self, data: dict[str, np.ndarray]) -> None:
        width, height = data["size"][0]
        self.data, self.image = data, np.zeros((int(height), int(width), 3), np.uint8)
        self.want: Any = None

    def __iter__(self) -> Iterator[Any]:
        from gestured.capture.frames import Frame

        for index, timestamp in enumerate(self.data["t"]):
            if self.want is None or self.want(float(timestamp)):  # the landmarker rate's skips
                yield Frame(self.image, float(timestamp), index)

    def set_frame_filter(self, want: Any) -> None:
        self.want = want

    def request_frame_rate(self, fps: float | None) -> None:
        pass

    def interrupt(self) -> None:
        pass

    def close(self) -> None:
        pass


def settings_from(overrides: dict[str, Any], bind_all: bool) -> Any:
    """The shipped gestures.yaml with `overrides` merged in (sections merged key by key)."""
    from gestured.config.loader import parse_config
    from gestured.config.settings import BUILTIN_GESTURES

    data = yaml.safe_load((PROJECT_ROOT / "config" / "gestures.yaml").read_text())
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    if bind_all:
        data["bindings"] = {**{gesture: {"key": "space"} for gesture in BUILTIN_GESTURES}, **(data["bindings"] or {})}
    return parse_config(yaml.safe_dump(data), "variant")[0]


def play(settings: Any, clips: list[tuple[Any, Path]], classifier: Any) -> dict[str, Any]:
    """The clipeval report of `settings` over the cached clips."""
    from gestured.output.actions import DryRunExecutor
    from gestured.runtime.daemon import Daemon
    from gestured.runtime.rate import LandmarkerRate
    from gestured.training.clipeval import FiredGesture, score_clip, summarise

    scores = []
    for clip, cached in clips:
        data = dict(np.load(cached))
        events: list[Any] = []
        Daemon(open_source=lambda: CachedFrames(data), backend=Replay(data), classifier=classifier,  # type: ignore[arg-type]
               executor=DryRunExecutor(), settings=settings, on_event=events.append, survive_errors=False,
               rate=LandmarkerRate() if RATE else None).run()
        fires = [FiredGesture(event.gesture, event.t, event.repeat, event.held) for event in events]
        scores.append(score_clip(clip, fires, clip.duration))
    return summarise(scores, {binding.gesture: binding.hold for binding in settings.bindings})


def ablate(clips: list[tuple[Any, Path]], classifier: Any, model: str | None) -> None:
    everything = {**holds(0.7, 0.5), **THUMBS}
    variants = [
        ("before: none of the layers", {"deliberate": OFF, "gestures": BEFORE_HOLDS}),
        ("per-gesture holds only", {"deliberate": OFF, "gestures": holds(0.7, 0.5)}),
        ("steadiness only", {"deliberate": {**OFF, "max_motion": 0.7}, "gestures": {**BEFORE_HOLDS, **THUMBS}}),
        ("steadiness + holds", {"deliberate": {**OFF, "max_motion": 0.7}, "gestures": everything}),
        ("+ evidence over the hold", {"deliberate": {**OFF, "max_motion": 0.7, "evidence": True},
                                      "gestures": everything}),
        ("+ presentation (min_size 0.1): the shipped defaults", {"deliberate": {}, "gestures": everything}),
    ]
    print("| layers | bound | false fires | per minute | held hit | by gesture |\n|---|---|---|---|---|---|")
    for name, overrides in variants:
        for bind_all in (True, False):
            report = play(settings_from({**overrides, "model": model}, bind_all), clips, classifier)
            by_gesture = ", ".join(f"{gesture} {count}" for gesture, count in report["false_fires_by_gesture"].items())
            print(f"| {name} | {'all 8' if bind_all else 'shipped 4'} | {report['false_fires']} | "
                  f"{report['false_fires_per_minute']:.2f} | {report['held_hit']}/{report['held_total']} | "
                  f"{by_gesture or '-'} |", flush=True)


def leave_one_out(clips: list[tuple[Any, Path]], classifier: Any, model: str | None) -> None:
    grid = list(itertools.product([0.5, 0.7, 1.0], [0.5, 0.7, 1.0], [0.3, 0.5, 0.7]))
    per_clip: dict[tuple[float, ...], dict[str, dict[str, Any]]] = {}
    for motion, big, point in grid:
        settings = settings_from({"model": model, "deliberate": {"max_motion": motion},
                                  "gestures": {**holds(big, point), **THUMBS}}, bind_all=True)
        per_clip[(motion, big, point)] = play(settings, clips, classifier)["per_clip"]
    names = list(next(iter(per_clip.values())))

    def cost(knobs: tuple[float, ...], chosen: list[str]) -> tuple[float, tuple[float, ...]]:
        """False fires, a missed held span counted as ten; ties go to the shorter holds."""
        result = per_clip[knobs]
        return sum(result[name]["false_fires"] + 10 * sum(not span["hit"] for span in result[name]["held"])
                   for name in chosen), knobs

    false_fires = missed = 0
    minutes = 0.0
    print("| held-out clip | knobs chosen on the others (max_motion, fist/palm hold, points/ok hold) | "
          "false fires | held missed |\n|---|---|---|---|")
    for name in names:
        knobs = min(per_clip, key=lambda knobs: cost(knobs, [other for other in names if other != name]))
        result = per_clip[knobs][name]
        missed_here = sum(not span["hit"] for span in result["held"])
        false_fires, missed, minutes = (false_fires + result["false_fires"], missed + missed_here,
                                        minutes + result["activity_minutes"])
        print(f"| {name} | {knobs} | {result['false_fires']} | {missed_here} |")
    print(f"\nleave-one-clip-out: {false_fires} false fires in {minutes:.2f} min "
          f"({false_fires / minutes:.2f} a minute), {missed} held span(s) missed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared-data", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gestured" / "deliberate-bench")
    parser.add_argument("--model", default=None, help="classifier (default: the shipped one)")
    parser.add_argument("--ablate", action="store_true")
    parser.add_argument("--loo", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from gestured.recognition.classifier import load_classifier
    from gestured.training.clipeval import read_labels

    videos = args.shared_data / "videos"
    clips = [(clip, cache_hands(videos / "clips" / clip.file, args.cache))
             for clip in read_labels(videos / "clips" / "clips.tsv")]
    clips += [(clip, cache_hands(videos / clip.file, args.cache))
              for clip in read_labels(PROJECT_ROOT / "benchmarks" / "videos.tsv")]
    classifier = load_classifier(args.model)
    if args.ablate:
        ablate(clips, classifier, args.model)
    if args.loo:
        leave_one_out(clips, classifier, args.model)


if __name__ == "__main__":
    main()
