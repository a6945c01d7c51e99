"""`gestured check [--config FILE] [--init]`: validate a gestures.yaml and exit.

Prints OK and a summary of the bindings, or every problem as `file:line: path: message`
on stderr and exits 2. `--init` first writes the documented default to the user's
config path (or to --config FILE), never over an existing file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Iterable

from gestured import paths
from gestured.config import ConfigError, default_config_path, read_config
from gestured.config.describe import SUMMARY_LIMIT
from gestured.config.settings import Binding, Settings, describe_action
from gestured.errors import GesturedError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help=f"the file to check (default: {paths.user_config_file()}, "
                             "else the shipped default)")
    parser.add_argument("--init", action="store_true",
                        help="first copy the documented default to the config path "
                             "(refuses to overwrite an existing file)")


def main(args: argparse.Namespace) -> int:
    if args.init:
        target = args.config or paths.user_config_file()
        init_config(target)
        print(f"wrote the documented default to {target}")
    path = args.config or default_config_path()
    try:
        settings, notes = read_config(path, labels=model_labels)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = error.count
        print(f"{path}: {count:,} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 2
    for line in [*notes, *backend_warnings(settings, path), f"OK: {path}", *summarize(settings)]:
        print(line)
    return 0


def backend_warnings(settings: Settings, path: Path) -> list[str]:
    """A warning when `model:` was trained for another keypoint backend than `backend:`
    (its keypoints differ: the model would see hands unlike the ones it learnt)."""
    if settings.model is None:
        return []
    from gestured.recognition.classifier import model_backend

    trained_for = model_backend(settings.model)
    if trained_for is None or trained_for == settings.backend:
        return []
    return [f"{path}: warning: model {settings.model} was trained on {trained_for} keypoints but "
            f"backend is {settings.backend}: set `model: null` to use the shipped {settings.backend} "
            f"model, or `backend: {trained_for}`"]


def init_config(target: Path) -> None:
    """Copy the shipped default to `target` (directory 0700, file 0600).

    Raises GesturedError if `target` exists or the shipped default cannot be found.
    """
    source = paths.shipped_config_file()
    if target.exists():
        raise GesturedError(f"{target} already exists: edit it, or move it away to start again")
    if not source.is_file():
        raise GesturedError(f"the shipped default {source} is missing: reinstall gestured")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as destination, source.open("rb") as original:
        shutil.copyfileobj(original, destination)


def model_labels(model: str | None) -> Iterable[str]:
    """Labels of the configured custom classifier (none extra for the shipped one).

    Raises GesturedError (reported at `model:`) when the model cannot be loaded.
    """
    if model is None:
        return ()
    try:
        from gestured.recognition.classifier import load_classifier
    except ImportError:
        return ()
    try:
        return load_classifier(model).labels
    except (OSError, ValueError) as error:
        raise GesturedError(f"cannot load the model {model}: {getattr(error, 'strerror', None) or error}") from None


def summarize(settings: Settings) -> list[str]:
    """The settings as a few readable lines: globals, then one line per binding."""
    model = settings.model or "shipped"
    hands = f"{settings.num_hands} hand{'s' if settings.num_hands != 1 else ''}"
    lines = [
        f"  backend {settings.backend}, camera {settings.camera}, model {model}, {hands}"
        f"{', mirrored' if settings.mirrored else ''}",
        f"  threshold {settings.threshold:g}, hold {settings.hold:g} s, release {settings.release:g} s",
        f"  {len(settings.bindings)} binding{'s' if len(settings.bindings) != 1 else ''}:",
    ]
    width = max((len(binding.gesture) for binding in settings.bindings), default=0)
    for binding in settings.bindings:
        lines.append(_binding_line(binding, settings, width))
    for app in settings.apps:
        kind = "class_regex" if app.regex else "class"
        lines.append(f"  in apps whose {kind} matches {app.pattern!r}:")
        width = max((len(binding.gesture) for binding in app.bindings), default=0)
        lines += [_binding_line(binding, settings, width) for binding in app.bindings]
    return lines


def _binding_line(binding: Binding, settings: Settings, width: int) -> str:
    extras = binding_overrides(binding, settings)
    suffix = f"  ({', '.join(extras)})" if extras else ""
    return f"    {binding.gesture:<{width}} -> {describe_action(binding.action, limit=SUMMARY_LIMIT)}{suffix}"


def binding_overrides(binding: Binding, settings: Settings) -> list[str]:
    """Per-binding values that differ from the global ones, e.g. `hold 0.4 s`, `right hand`."""
    if binding.motion is not None:
        motion = binding.motion
        reach = "wide" if binding.gesture.startswith("circle") else "travelled"
        extras = [f"{motion.distance:g} hand sizes {reach} within {motion.duration:g} s"]
        return extras + ([f"{binding.hand} hand"] if binding.hand != "any" else [])
    extras = []
    if binding.hold != settings.hold:
        extras.append(f"hold {binding.hold:g} s")
    if binding.threshold != settings.threshold:
        extras.append(f"threshold {binding.threshold:g}")
    if binding.release != settings.release:
        extras.append(f"release {binding.release:g} s")
    if binding.repeat is not None:
        extras.append(f"repeat every {binding.repeat:g} s")
    if binding.hand != "any":
        extras.append(f"{binding.hand} hand")
    return extras
