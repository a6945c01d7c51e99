"""`gestured eval --videos DIR --labels FILE`: false fires and held hits on labelled clips.

Each clip plays through the daemon itself (`gestured.runtime.daemon.Daemon`, what `gestured run
--dry-run` runs: idle gate, backend, classifier, debouncer, bindings), frames fitted
into the camera mode as `run` does, a fresh backend per clip, media time as the clock.
Its fires are scored by `gestured.training.clipeval`. Without `--config` every built-in gesture
is bound (the shipped gestures.yaml with a binding added for each unbound gesture),
which is what a user who binds them all gets.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any, Callable

import yaml

from gestured import paths
from gestured.config.settings import BUILTIN_GESTURES, DYNAMIC_GESTURES, Settings
from gestured.errors import GesturedError
from gestured.runtime.events import GestureEvent
from gestured.training.clipeval import FiredGesture, LabelledClip, format_summary, read_labels, score_clip, summarise

logger = logging.getLogger(__name__)

UNBOUND_ACTION = {"key": "space"}  # dry run: never pressed, only named in the report


def all_bound_settings() -> Settings:
    """The shipped gestures.yaml with every built-in gesture bound, the poses and the movements
    (swipes, circles) alike; existing bindings kept."""
    from gestured.config.loader import parse_config

    path = paths.shipped_config_file()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bindings = dict(data.get("bindings") or {})
    for gesture in BUILTIN_GESTURES + DYNAMIC_GESTURES:
        bindings.setdefault(gesture, dict(UNBOUND_ACTION))
    data["bindings"] = bindings
    settings, _notes = parse_config(yaml.safe_dump(data), str(path), base_dir=path.parent)
    return settings


def settings_for(config: Path | None) -> Settings:
    """--config's settings, else every built-in gesture bound. Raises ConfigError."""
    if config is None:
        return all_bound_settings()
    from gestured.commands.run import load_configuration

    return load_configuration(config.expanduser())[0]


def play_clip(path: Path, settings: Settings, offline: bool,
              on_blocked: Callable[[str], None] | None = None) -> list[FiredGesture]:
    """The fires of one clip played through a dry-run Daemon, as `gestured run` would.

    on_blocked: given `gesture: reason` each time a visible gesture's reason not to fire changes.
    """
    from gestured.capture.motion import MotionGate
    from gestured.capture.sources import VideoFileSource
    from gestured.commands.run import CAMERA_MODE
    from gestured.config.live import ClassifierCache
    from gestured.output.actions import DryRunExecutor
    from gestured.recognition.backends import backend_for
    from gestured.runtime.daemon import Daemon
    from gestured.runtime.events import WhyNotFired
    from gestured.runtime.rate import LandmarkerRate

    source = VideoFileSource(path, fit=CAMERA_MODE)
    events: list[GestureEvent] = []
    backend = backend_for(settings, offline=offline)
    daemon = Daemon(
        open_source=lambda: source, backend=backend,
        classifier=ClassifierCache().classifier(settings.model, settings.backend),
        executor=DryRunExecutor(), settings=settings, on_event=events.append, gate=MotionGate(),
        rate=LandmarkerRate(), survive_errors=False, why_not=None if on_blocked is None else WhyNotFired(
            lambda record: on_blocked(f"{record.gesture}: {record.reason}")),
    )
    try:
        daemon.run()
    finally:
        backend.close()
    return [FiredGesture(event.gesture, event.t, event.repeat, event.held) for event in events]


def evaluate_clips(folder: Path, clips: list[LabelledClip], settings: Settings, offline: bool) -> dict[str, Any]:
    """The clipeval report over `clips` (files relative to `folder`)."""
    scores = []
    for clip in clips:
        path = folder / clip.file
        if not path.is_file():
            raise GesturedError(f"{path}: no such clip (the labels name it; --videos is the folder holding it)")
        scores.append(score_clip(clip, play_clip(path, settings, offline), clip.duration))
    holds = {binding.gesture: binding.hold for binding in settings.bindings}
    report = summarise(scores, holds)
    report["bound"] = sorted(holds)
    return report


def main(args: argparse.Namespace) -> int:
    if args.labels is None:
        raise GesturedError("--videos needs --labels FILE (tab-separated: file kind gesture from_s to_s)")
    folder = args.videos.expanduser()
    if not folder.is_dir():
        raise GesturedError(f"{folder} is not a folder: give --videos the folder the labels' files are in")
    clips = read_labels(args.labels.expanduser())
    settings = settings_for(args.config)
    report = evaluate_clips(folder, clips, settings, args.offline)
    report["config"] = str(args.config) if args.config else "shipped, every built-in gesture bound (poses, swipes, circles)"
    print(json.dumps(report, indent=2) if args.json else format_summary(report))
    return 0
