"""The bindings editor's file side: read gestures.yaml, change one binding or `model:`,
validate the result exactly as `gestured check` does, and write it atomically.

ruamel.yaml's round-trip mode keeps the user's comments, key order and flow style; the
edited text is validated with gestured.config.parse_config before it replaces the file,
so a rejected edit never reaches the disk and the daemon keeps its bindings.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from gestured.config import ConfigError, parse_config
from gestured.config.rules import ACTION_KEYS, SHELL_ONLY_KEYS

OPTION_KEYS = ("hold", "threshold", "release", "repeat", "hand")
# `gestures.yaml:14: bindings.ok.key: message` -> line 14, path bindings.ok.key
PROBLEM = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<where>[^:]+): (?P<message>.*)$")


class ShellNotConfirmed(Exception):
    """A shell action was submitted without the user's confirmation that it runs commands."""


@dataclass(frozen=True)
class FieldProblem:
    """One validation problem placed on a form field (`action` for the binding as a whole)."""

    field: str
    text: str  # the full `file:line: path: message` line, as `gestured check` prints it

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "text": self.text}


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the user's long lines
    # `model: null` stays `null` (ruamel writes an empty value by default).
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


class BindingsFile:
    """gestures.yaml as the editor sees it.

    path: the file to edit; when it does not exist yet, `create` makes it (the CLI's
    `check --init`: the documented default) before the first change. labels: the hook
    `gestured check` validates gesture names with.
    """

    def __init__(self, path: Path, labels: Callable[[str | None], Iterable[str]],
                 create: Callable[[Path], None]) -> None:
        self.path = path
        self._labels = labels
        self._create = create

    def read(self) -> dict[str, Any]:
        """{"path", "model", "bindings": [{gesture, action, value, use_shell, timeout, hold,
        threshold, release, repeat, hand}]} from the file as written (not yet validated)."""
        data = self._load(self._text()) or {}
        bindings = data.get("bindings") or {}
        return {
            "path": str(self.path),
            "model": data.get("model"),
            "defaults": {"hold": data.get("hold"), "threshold": data.get("threshold")},
            "bindings": [_binding_view(str(name), entry or {}) for name, entry in bindings.items()],
        }

    def set_binding(self, gesture: str, form: dict[str, Any], *, shell_confirmed: bool) -> list[FieldProblem]:
        """Bind `gesture` as `form` says ({action: key|type|shell, value, use_shell, timeout,
        hold, threshold, release, repeat, hand}; empty options are removed). Returns the
        problems (nothing written) or [] once written. Raises ShellNotConfirmed."""
        if form.get("action") == "shell" and not shell_confirmed:
            raise ShellNotConfirmed(gesture)

        def change(data: Any) -> None:
            from ruamel.yaml.comments import CommentedMap

            if data.get("bindings") is None:
                data["bindings"] = CommentedMap()
            entry = data["bindings"].get(gesture)
            if entry is None:
                entry = data["bindings"][gesture] = CommentedMap()
            last = _last_key(entry)
            _fill_entry(entry, form)
            if last is not None:
                _move_trailing(entry, last, entry, _last_key(entry))

        return self._edit(change, gesture)

    def remove_binding(self, gesture: str) -> list[FieldProblem]:
        """Drop `gesture`'s binding (its comments go with it). Returns problems or []."""

        def change(data: Any) -> None:
            bindings = data.get("bindings") or {}
            if gesture not in bindings:
                return
            names = list(bindings)
            entry = bindings[gesture]
            position = names.index(gesture)
            if position > 0 and _last_key(entry) is not None and _last_key(bindings[names[position - 1]]):
                previous = bindings[names[position - 1]]
                _move_trailing(entry, _last_key(entry), previous, _last_key(previous))
            del bindings[gesture]

        return self._edit(change, gesture)

    def set_model(self, model: str | None) -> list[FieldProblem]:
        """Point `model:` at a trained model's base path (None: the shipped one)."""

        def change(data: Any) -> None:
            data["model"] = model

        return self._edit(change, None)

    def _edit(self, change: Callable[[Any], None], gesture: str | None) -> list[FieldProblem]:
        if not self.path.exists():
            self._create(self.path)
        yaml = _round_trip()
        data = self._load(self._text())
        if data is None:
            from ruamel.yaml.comments import CommentedMap

            data = CommentedMap()
        change(data)
        stream = io.StringIO()
        yaml.dump(data, stream)
        text = stream.getvalue()
        try:
            parse_config(text, str(self.path), labels=self._labels, base_dir=self.path.parent)
        except ConfigError as error:
            return [_place(problem, gesture) for problem in error.problems]
        write_atomically(self.path, text)
        return []

    def _text(self) -> str:
        from gestured import paths

        source = self.path if self.path.exists() else paths.shipped_config_file()
        return source.read_text(encoding="utf-8")

    @staticmethod
    def _load(text: str) -> Any:
        from ruamel.yaml.error import YAMLError

        try:
            return _round_trip().load(text)
        except YAMLError as error:
            raise ConfigError([f"cannot edit: the file is not valid YAML ({error})"]) from None


def _last_key(entry: Any) -> Any:
    return next(reversed(entry), None) if hasattr(entry, "ca") and len(entry) else None


def _move_trailing(source: Any, source_key: Any, target: Any, target_key: Any) -> None:
    """Move the blank lines and comment lines that follow `source[source_key]` to follow
    `target[target_key]`, leaving an inline comment on its own line. ruamel keeps what
    follows a mapping on its last key, so without this a key added at the end of a
    binding would land after the blank line and the comments meant for the next one."""
    if source_key == target_key and source is target:
        return
    slots = source.ca.items.get(source_key)
    token = slots[2] if slots and len(slots) > 2 else None
    if token is None or "\n" not in token.value:
        return
    head, rest = token.value.split("\n", 1)
    if not rest:
        return
    moved = copy.copy(token)
    moved.value = "\n" + rest
    if head.strip():
        token.value = head + "\n"
    else:
        slots[2] = None
    target.ca.items.setdefault(target_key, [None, None, None, None])[2] = moved


def _binding_view(gesture: str, entry: Any) -> dict[str, Any]:
    action = next((key for key in ACTION_KEYS if entry.get(key) is not None), None)
    value = entry.get(action) if action else None
    if isinstance(value, list):
        value = shlex.join(str(part) for part in value)
    view: dict[str, Any] = {"gesture": gesture, "action": action, "value": value}
    for key in (*SHELL_ONLY_KEYS, *OPTION_KEYS):
        view[key] = entry.get(key)
    return view


def _fill_entry(entry: Any, form: dict[str, Any]) -> None:
    """Write the form's action and options into the round-trip mapping, in place, so
    keys that stay keep their place and comments."""
    action = form.get("action")
    for key in (*ACTION_KEYS, *SHELL_ONLY_KEYS):
        if key != action and key in entry:
            del entry[key]
    if action in ACTION_KEYS:
        entry[action] = form.get("value")
    if action == "shell":
        for key in SHELL_ONLY_KEYS:
            _set_or_drop(entry, key, form.get(key))
    for key in OPTION_KEYS:
        _set_or_drop(entry, key, form.get(key))


def _set_or_drop(entry: Any, key: str, value: Any) -> None:
    if value is None or value == "" or value is False or (key == "hand" and value == "any"):
        entry.pop(key, None)
    else:
        entry[key] = value


def _place(problem: str, gesture: str | None) -> FieldProblem:
    match = PROBLEM.match(problem)
    if match is None:
        return FieldProblem("action", problem)
    parts = match["where"].split(".")
    if gesture is not None and parts[:2] == ["bindings", gesture] and len(parts) > 2:
        return FieldProblem(parts[2], problem)
    return FieldProblem(parts[0] if parts[0] == "model" else "action", problem)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename (a reader sees the old or the new file,
    never half of it), keeping the file's permission bits (new files: 0600)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
