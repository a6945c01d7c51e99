"""gestures.yaml: schema, validation with file:line problems, permission check, hot reload.

`load_settings(path)` is the way in; `ConfigWatcher` (gestured.reload) re-applies the
file when it changes. See config/gestures.yaml for the documented format.
"""

from __future__ import annotations

from typing import Any

from gestured.config.errors import ConfigError
from gestured.config.loader import (
    Labels,
    default_config_path,
    is_shipped_default,
    load_settings,
    parse_config,
    read_config,
)
from gestured.config.permissions import check_permissions
from gestured.settings import BUILTIN_GESTURES

__all__ = [
    "BUILTIN_GESTURES", "ConfigError", "ConfigWatcher", "Labels", "check_permissions",
    "default_config_path", "describe_changes", "is_shipped_default", "load_settings",
    "parse_config", "read_config",
]


def __getattr__(name: str) -> Any:
    # gestured.reload imports this package; import it back only when asked for.
    if name in ("ConfigWatcher", "describe_changes"):
        from gestured import reload

        return getattr(reload, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
