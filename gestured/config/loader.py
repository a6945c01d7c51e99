"""gestures.yaml text -> validated `Settings`, or every problem as `file:line: path: message`.

`parse_config` is pure (text in, Settings out); `read_config` adds the file system:
the permission check, reading, and where relative model paths point.
"""

from __future__ import annotations

import logging
import os
import shlex
from pathlib import Path
from typing import Any, Callable, Iterable

from pydantic import ValidationError

from gestured import paths
from gestured.config.advice import config_warnings
from gestured.config.errors import ConfigError
from gestured.config.marks import LineIndex, dotted, index_lines
from gestured.config.messages import schema_problems, shorten
from gestured.config.permissions import check_permissions
from gestured.config.reading import compose_yaml, read_config_text
from gestured.config.rules import Problem, app_problems, binding_problems, gesture_key_problems
from gestured.config.schema import AppModel, BindingModel, ConfigModel
from gestured.errors import GesturedError
from gestured.output.keynames import parse_combo
from gestured.config.settings import (
    BUILTIN_GESTURES, DYNAMIC_GESTURES, Action, AppBindings, ArmOptions, Binding, DeliberateOptions, GestureDefaults,
    KeyAction, Motion, OpenPoseOptions, Settings, ShellAction, TypeAction, UiOptions, default_motion,
)

logger = logging.getLogger(__name__)

# Known gesture labels, or a hook given the configured model path (None: the shipped model)
# that returns that classifier's labels, raising GesturedError when it cannot load it.
Labels = Iterable[str] | Callable[[str | None], Iterable[str]] | None


def default_config_path() -> Path:
    """The user's gestures.yaml if it exists, else the shipped documented default."""
    user_file = paths.user_config_file()
    return user_file if user_file.exists() else paths.shipped_config_file()


def is_shipped_default(path: Path) -> bool:
    """True for the default that ships with gestured (trusted: it sits beside the code)."""
    try:
        return path.resolve() == paths.shipped_config_file().resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False


def load_settings(path: Path, *, labels: Labels = None) -> Settings:
    """Read, check and validate a gestures.yaml; notes (empty file, shipped default) are logged.

    Raises ConfigError with every problem (permissions, syntax, schema).
    """
    settings, notes = read_config(path, labels=labels)
    for note in notes:
        logger.info("%s", note)
    return settings


def read_config(path: Path, *, labels: Labels = None) -> tuple[Settings, list[str]]:
    """Like load_settings, returning the notes instead of logging them."""
    path = Path(path)
    notes: list[str] = []
    if is_shipped_default(path):
        notes.append(f"using the shipped default {path} "
                     f"(`gestured check --init` copies it to {paths.user_config_file()} to edit)")
    else:
        check_permissions(path)
    text = read_config_text(path)
    settings, parse_notes = parse_config(text, str(path), labels=labels, base_dir=path.parent)
    return settings, notes + parse_notes


def parse_config(text: str, source: str, *, labels: Labels = None,
                 base_dir: Path | None = None) -> tuple[Settings, list[str]]:
    """YAML text -> (Settings, notes). `source` names the file in messages.

    Relative `model` paths are taken from `base_dir`. Raises ConfigError listing every
    problem, sorted by line.
    """
    data, index = _compose(text, source)
    if data is None:
        return Settings(), [f"{source} is empty: using the default settings, with no bindings"]
    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1: the file must be a mapping (backend: ..., bindings: ...)"])
    model_path = _resolve_model(data.get("model"), base_dir)
    problems, gestures = _known_gestures(labels, model_path)
    problems += binding_problems(data.get("bindings"), gestures)
    problems += app_problems(data.get("apps"), gestures)
    problems += gesture_key_problems(data, gestures)
    try:
        config = ConfigModel.model_validate(data)
    except ValidationError as error:
        problems += schema_problems(error)
    if problems or index.duplicates:
        raise ConfigError(_format(problems, index, source))
    settings = _to_settings(config, model_path)
    return settings, config_warnings(settings, data, index, source)


def _compose(text: str, source: str) -> tuple[Any, LineIndex]:
    """Parse once (bounded, see gestured.config.reading): the data and the lines of its values."""
    data, node = compose_yaml(text, source)
    return data, index_lines(node)


def _resolve_model(value: Any, base_dir: Path | None) -> str | None:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        return None  # the schema reports it
    model = Path(os.path.expanduser(value))
    return str(model if model.is_absolute() or base_dir is None else base_dir / model)


def _known_gestures(labels: Labels, model_path: str | None) -> tuple[list[Problem], set[str]]:
    known = set(BUILTIN_GESTURES) | set(DYNAMIC_GESTURES)
    if not callable(labels):
        return [], known | set(labels or ())
    try:
        return [], known | set(labels(model_path))
    except GesturedError as error:
        return [(("model",), str(error))], known


def _format(problems: list[Problem], index: LineIndex, source: str) -> list[str]:
    located = [(index.line_of(path), position, dotted(path), message)
               for position, (path, message) in enumerate(problems)]
    located += [(line, -1, dotted(path), f"duplicate key (first at line {first}): keep one")
                for path, line, first in index.duplicates]
    located.sort()
    lines = [f"{source}:{line}: {where}: {shorten(message)}" for line, _, where, message in located]
    return list(dict.fromkeys(lines))


def _to_settings(config: ConfigModel, model_path: str | None) -> Settings:
    bindings = tuple(_to_binding(str(name), entry, config) for name, entry in config.bindings.items())
    return Settings(
        backend=config.backend, camera=config.camera, model=model_path,
        threshold=config.threshold, hold=config.hold, release=config.release,
        num_hands=config.num_hands, mirrored=config.mirrored, bindings=bindings,
        openpose=OpenPoseOptions(**config.openpose.model_dump()), ui=UiOptions(**config.ui.model_dump()),
        apps=tuple(_to_app(app, config) for app in config.apps),
        deliberate=DeliberateOptions(**config.deliberate.model_dump()),
        gestures={name: GestureDefaults(**entry.model_dump()) for name, entry in config.gestures.items()},
        arm=None if config.arm is None else ArmOptions(**config.arm.model_dump()),
    )


def _to_app(app: AppModel, config: ConfigModel) -> AppBindings:
    bindings = tuple(_to_binding(str(name), entry, config) for name, entry in app.bindings.items())
    if app.match.class_regex is not None:
        return AppBindings(app.match.class_regex, regex=True, bindings=bindings)
    return AppBindings(app.match.class_ or "", bindings=bindings)


def _to_binding(gesture: str, entry: BindingModel, config: ConfigModel) -> Binding:
    def pick(value: Any, fallback: Any) -> Any:
        return fallback if value is None else value

    if gesture in DYNAMIC_GESTURES:
        # A movement fires on the frame it completes; its own cooldown keeps it from repeating.
        shipped = default_motion(gesture)
        motion = Motion(pick(entry.distance, shipped.distance), pick(entry.duration, shipped.duration))
        return Binding(gesture=gesture, action=_to_action(entry), hold=0.0, threshold=0.0, release=0.0,
                       hand=pick(entry.hand, "any"), motion=motion)
    defaults = config.gestures.get(gesture)
    return Binding(
        gesture=gesture, action=_to_action(entry),
        hold=pick(entry.hold, pick(defaults and defaults.hold, config.hold)),
        threshold=pick(entry.threshold, config.threshold),
        release=pick(entry.release, config.release), repeat=entry.repeat,
        hand=pick(entry.hand, "any"),
        max_motion=pick(entry.max_motion, pick(defaults and defaults.max_motion, config.deliberate.max_motion)),
    )


def _to_action(entry: BindingModel) -> Action:
    if entry.key is not None:
        return KeyAction(keys=parse_combo(entry.key))
    if entry.type is not None:
        return TypeAction(text=entry.type)
    use_shell = bool(entry.use_shell)
    if use_shell:
        # One string: subprocess runs argv[0] with /bin/sh -c when use_shell is set.
        argv: tuple[str, ...] = (str(entry.shell),)
    elif isinstance(entry.shell, str):
        argv = tuple(shlex.split(entry.shell))
    else:
        argv = tuple(entry.shell)
    if entry.timeout is None:
        return ShellAction(argv=argv, use_shell=use_shell)
    return ShellAction(argv=argv, use_shell=use_shell, timeout=entry.timeout)
