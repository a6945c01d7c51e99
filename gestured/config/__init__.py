"""gestures.yaml: schema, validation with file:line problems, permission check, hot reload.

`load_settings(path)` is the way in; `gestured.config.reload` re-applies the file when it
changes. See config/gestures.yaml for the documented format.
"""

from __future__ import annotations

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
from gestured.config.settings import BUILTIN_GESTURES

__all__ = [
    "BUILTIN_GESTURES", "ConfigError", "Labels", "check_permissions", "default_config_path",
    "is_shipped_default", "load_settings", "parse_config", "read_config",
]
