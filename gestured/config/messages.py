"""Pydantic's validation errors, reworded for someone editing gestures.yaml."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from gestured.config.marks import Path
from gestured.config.rules import Problem
from gestured.config.schema import (
    APP_KEYS, BINDING_KEYS, GESTURE_KEYS, MATCH_KEYS, SECTION_KEYS, TOP_LEVEL_KEYS, describe_value,
)

_KINDS = {
    "float_type": "a number", "int_type": "a whole number", "bool_type": "true or false",
    "string_type": "text", "dict_type": "a mapping", "model_type": "a mapping",
    "model_attributes_type": "a mapping", "list_type": "a list",
    "finite_number": "a finite number",
}


MESSAGE_LIMIT = 160  # characters of one problem's message: a 50 MB value is not echoed


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` cut to `limit` characters, ending in `...` when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def schema_problems(error: ValidationError) -> list[Problem]:
    """Every error of one validation, as (path, message) pairs."""
    problems: list[Problem] = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        if detail["type"] == "invalid_key":  # `5: x` where a setting name belongs
            path = (*loc[:-1], describe_value(loc[-1]).strip("'"))
            problems.append((path, unknown_setting(path)))
            continue
        if "[key]" not in loc:
            problems.append((loc, reword(detail)))
            continue
        # A mapping key that is not text (`1:`, `yes:`): name it as the YAML file spells it.
        path = (*loc[: loc.index("[key]") - 1], str(loc[loc.index("[key]") - 1]))
        binding_name = (path[:1] == ("bindings",) and len(path) == 2
                        or path[:1] == ("apps",) and len(path) == 4 and path[2] == "bindings")
        if not binding_name:  # binding names: rules.py reports them
            problems.append((path, unknown_setting(path)))
    return problems


def reword(detail: Any) -> str:
    """One pydantic error detail -> a short message that says what is expected."""
    kind, context, value = detail["type"], detail.get("ctx") or {}, detail.get("input")
    if kind == "extra_forbidden":
        return unknown_setting(tuple(detail["loc"]))
    if kind == "missing":
        return "is required"
    if kind in _KINDS:
        return f"must be {_KINDS[kind]}, not {describe_value(value)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"must be {_BOUNDS[kind]} {_bound(context)}, not {describe_value(value)}"
    if kind == "literal_error":
        return f"must be {context.get('expected', 'one of the listed values')}, not {describe_value(value)}"
    message = str(detail["msg"])
    return message[0].lower() + message[1:] if message else kind


_BOUNDS = {"greater_than_equal": "at least", "greater_than": "more than",
           "less_than_equal": "at most", "less_than": "less than"}


def _bound(context: dict[str, Any]) -> str:
    for name in ("ge", "gt", "le", "lt"):
        if name in context:
            return f"{context[name]:g}" if isinstance(context[name], float) else str(context[name])
    return "the limit"


def unknown_setting(loc: Path) -> str:
    """`unknown setting (did you mean 'hold'?)` for a key the schema does not have."""
    if len(loc) == 3 and loc[0] == "bindings" or len(loc) == 5 and loc[0] == "apps":
        known = BINDING_KEYS
    elif len(loc) == 4 and loc[0] == "apps":
        known = MATCH_KEYS
    elif len(loc) == 3 and loc[0] == "apps":
        known = APP_KEYS
    elif len(loc) == 3 and loc[0] == "gestures":
        known = GESTURE_KEYS
    elif len(loc) == 2:
        known = SECTION_KEYS.get(str(loc[0]), TOP_LEVEL_KEYS)
    else:
        known = TOP_LEVEL_KEYS
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"unknown setting (did you mean {close[0]!r}?)"
    return f"unknown setting: use one of {', '.join(known)}"
