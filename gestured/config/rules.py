"""Checks across fields that a per-field schema cannot make, over the raw YAML data.

Each check returns `(path, message)` pairs, so they are reported together with the
schema's problems: gesture names, one action per binding, options that belong to a
shell action, and shell syntax written without `use_shell: true`.
"""

from __future__ import annotations

import difflib
import shlex
from typing import Any, Collection, Iterator

from gestured.config.marks import Path
from gestured.config.settings import DYNAMIC_GESTURES, NO_GESTURE

ACTION_KEYS: tuple[str, ...] = ("key", "type", "shell")
SHELL_ONLY_KEYS: tuple[str, ...] = ("use_shell", "timeout")
# Tokens that mean the user expected a shell; without one they would reach the program as text.
SHELL_OPERATORS = frozenset({"|", "||", "&", "&&", ";", ">", ">>", "<", "2>", "2>&1", "<<"})

Problem = tuple[Path, str]


def binding_problems(bindings: Any, gestures: Collection[str]) -> list[Problem]:
    """Problems in the raw `bindings` mapping; anything not a mapping is left to the schema."""
    if not isinstance(bindings, dict):
        return []
    problems: list[Problem] = []
    for name, entry in bindings.items():
        path: Path = ("bindings", str(name))
        problems += [(path, message) for message in gesture_name_problems(str(name), gestures)]
        if entry is None or isinstance(entry, dict):
            problems += [((*path, *sub), message) for sub, message in action_problems(entry or {})]
            problems += [((*path, *sub), message) for sub, message in motion_problems(str(name), entry or {})]
    return problems


# Options that mean something only for held poses, and only for movements.
HELD_ONLY_KEYS: tuple[str, ...] = ("hold", "threshold", "release", "repeat")
MOTION_KEYS: tuple[str, ...] = ("distance", "duration")


def motion_problems(gesture: str, entry: dict[str, Any]) -> Iterator[Problem]:
    """Timing options a movement can't have (hold...), motion options a pose can't have."""
    dynamic = gesture in DYNAMIC_GESTURES
    for option in HELD_ONLY_KEYS if dynamic else MOTION_KEYS:
        if option in entry:
            yield (option,), (f"only applies to held poses; {gesture!r} is a movement (it takes distance and duration)"
                              if dynamic else f"only applies to movements (swipe_*, circle_*); {gesture!r} is a held pose")


def app_problems(apps: Any, gestures: Collection[str]) -> list[Problem]:
    """Problems in the raw `apps` list: one match per entry, and its bindings."""
    if not isinstance(apps, list):
        return []
    problems: list[Problem] = []
    for position, app in enumerate(apps):
        if not isinstance(app, dict):
            continue
        match = app.get("match")
        if isinstance(match, dict) and len([key for key in ("class", "class_regex") if key in match]) != 1:
            problems.append((("apps", position, "match"), "give exactly one of class (a glob) or class_regex"))
        problems += [(("apps", position, *path), message)
                     for path, message in binding_problems(app.get("bindings"), gestures)]
    return problems


def gesture_key_problems(data: dict[str, Any], gestures: Collection[str]) -> list[Problem]:
    """Unknown gesture names in `gestures:` and `arm.gesture`; other problems are the schema's."""
    problems: list[Problem] = []
    defaults = data.get("gestures")
    if isinstance(defaults, dict):
        for name in defaults:
            problems += [(("gestures", str(name)), message) for message in gesture_name_problems(str(name), gestures)]
    arm = data.get("arm")
    if isinstance(arm, dict) and isinstance(arm.get("gesture"), str):
        problems += [(("arm", "gesture"), message) for message in gesture_name_problems(arm["gesture"], gestures)]
    return problems


def gesture_name_problems(name: str, gestures: Collection[str]) -> list[str]:
    """Why `name` cannot be bound (empty when it can); `gestures` are the known labels."""
    if name == NO_GESTURE:
        return ["'none' means no gesture and cannot be bound"]
    if name in gestures:
        return []
    close = difflib.get_close_matches(name, sorted(gestures), n=1, cutoff=0.6)
    if close:
        return [f"unknown gesture {name!r} (did you mean {close[0]!r}?)"]
    known = ", ".join(sorted(gesture for gesture in gestures if gesture not in DYNAMIC_GESTURES))
    return [f"unknown gesture {name!r}: use {known}, swipe_* or circle_* (a custom model adds more)"]


def action_problems(entry: dict[str, Any]) -> Iterator[Problem]:
    """Problems in one binding's action: exactly one of key/type/shell, shell-only options."""
    actions = [key for key in ACTION_KEYS if entry.get(key) is not None]
    if not actions:
        yield (), "no action: give one of key, type or shell"
    elif len(actions) > 1:
        yield (), f"has {len(actions)} actions ({', '.join(actions)}): give only one"
    has_shell = "shell" in actions
    for option in SHELL_ONLY_KEYS:
        if option in entry and not has_shell:
            yield (option,), "only applies to a shell action"
    if has_shell:
        yield from shell_problems(entry["shell"], entry.get("use_shell"))


def shell_problems(command: Any, use_shell: Any) -> Iterator[Problem]:
    """A list with use_shell, an unsplittable string, or shell syntax without use_shell."""
    if use_shell is True and isinstance(command, list):
        yield ("use_shell",), (
            "needs the command as one string (it runs with /bin/sh -c); "
            "a list runs without a shell: drop use_shell or write one string")
    if use_shell is True or not isinstance(command, str):
        return
    try:
        tokens = shlex.split(command)
    except ValueError as error:
        yield ("shell",), f"cannot split {command!r} into arguments: {str(error).lower()}"
        return
    operators = [token for token in tokens if token in SHELL_OPERATORS]
    if operators:
        yield ("shell",), (
            f"{operators[0]!r} needs a shell, but commands run without one: "
            "add `use_shell: true` to run it with /bin/sh")
