"""Short human descriptions of actions and of what changed between two Settings."""

from __future__ import annotations

import dataclasses
from typing import Any

from gestured.config.settings import Binding, Settings, describe_action

SUMMARY_LIMIT = 60  # characters of an action shown in change summaries and `gestured check`

_BINDING_FIELDS = ("hold", "threshold", "release", "repeat", "hand")


def describe_changes(old: Settings, new: Settings) -> str:
    """What changed, e.g. `hold 0.25->0.3, +ok -> key ctrl+c, ~thumbs_up hold 0.25->0.4, -fist`.

    Global settings first, then bindings in the new file's order, removed ones last;
    `no changes` when the two are equal.
    """
    parts = _global_changes(old, new)
    old_bindings = {binding.gesture: binding for binding in old.bindings}
    new_bindings = {binding.gesture: binding for binding in new.bindings}
    for gesture, binding in new_bindings.items():
        before = old_bindings.get(gesture)
        if before is None:
            parts.append(f"+{gesture} -> {describe_action(binding.action, limit=SUMMARY_LIMIT)}")
        elif before != binding:
            parts.append(f"~{gesture} {_binding_changes(before, binding)}")
    parts += [f"-{gesture}" for gesture in old_bindings if gesture not in new_bindings]
    return ", ".join(parts) if parts else "no changes"


def _global_changes(old: Settings, new: Settings) -> list[str]:
    names = [field.name for field in dataclasses.fields(Settings) if field.name != "bindings"]
    return [f"{name} {_value(getattr(old, name))}->{_value(getattr(new, name))}"
            for name in names if getattr(old, name) != getattr(new, name)]


def _binding_changes(old: Binding, new: Binding) -> str:
    changes = []
    if old.action != new.action:
        before, after = (describe_action(binding.action, limit=SUMMARY_LIMIT) for binding in (old, new))
        changes.append(f"{before} => {after}")
    changes += [f"{name} {_value(getattr(old, name))}->{_value(getattr(new, name))}"
                for name in _BINDING_FIELDS if getattr(old, name) != getattr(new, name)]
    return " ".join(changes)


def _value(value: Any) -> str:
    if value is None:
        return "none"
    return f"{value:g}" if isinstance(value, float) else str(value)
