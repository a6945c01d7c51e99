"""Settings that are valid but will likely disappoint: warnings for `gestured check` and
the daemon's log, each as `file:line: warning: ...`."""

from __future__ import annotations

from typing import Any

from gestured.config.marks import LineIndex
from gestured.config.settings import Settings, ShellAction

# A hold longer than this feels like a gesture that does nothing (the shipped holds are
# 0.25-0.7 s, longer for the poses ordinary hand activity makes by accident).
LONG_HOLD = 1.5


def config_warnings(settings: Settings, data: dict[str, Any], index: LineIndex, source: str) -> list[str]:
    """Holds over LONG_HOLD, shell programs missing from PATH."""
    from gestured.output.actions import missing_program  # it imports this package's settings

    warnings = []
    if settings.hold > LONG_HOLD:
        warnings.append(f"{source}:{index.line_of(('hold',))}: warning: hold: {settings.hold:g} s is so long "
                        "that a gesture seems to do nothing; 0.25-0.7 s is usual")
    raw_bindings = data.get("bindings")
    bindings: dict[str, Any] = raw_bindings if isinstance(raw_bindings, dict) else {}
    for binding in settings.bindings:
        entry = bindings.get(binding.gesture)
        path = ("bindings", binding.gesture)
        if isinstance(entry, dict) and "hold" in entry and binding.hold > LONG_HOLD:
            warnings.append(f"{source}:{index.line_of((*path, 'hold'))}: warning: bindings.{binding.gesture}.hold: "
                            f"{binding.hold:g} s is so long that the gesture seems to do nothing; "
                            "0.25-0.7 s is usual")
        if isinstance(binding.action, ShellAction) and (program := missing_program(binding.action)):
            warnings.append(f"{source}:{index.line_of((*path, 'shell'))}: warning: bindings.{binding.gesture}.shell: "
                            f"{program} is not on PATH, so this command can't start (install it, or give "
                            "its full path)")
    return warnings
