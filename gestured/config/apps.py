"""Which bindings apply now: the global ones, with the focused application's on top.

Pure: the focused application comes in as a FocusedApp (or None when unknown, where
the global bindings apply). The first `apps:` entry whose match fits the window's
class (or its X11 instance name) wins; its bindings replace the global binding of the
same gesture, and add gestures of their own.
"""

from __future__ import annotations

import fnmatch
import re

from gestured.output.focus import FocusedApp
from gestured.config.settings import AppBindings, Binding, Settings


def app_matches(app_bindings: AppBindings, app: FocusedApp) -> bool:
    """True when `app`'s class or instance fits the pattern (glob over the whole name, or
    a regex found anywhere in it); case is ignored."""
    for name in app.names:
        if app_bindings.regex:
            if re.search(app_bindings.pattern, name, re.IGNORECASE):
                return True
        elif fnmatch.fnmatchcase(name.lower(), app_bindings.pattern.lower()):
            return True
    return False


def matching_app(settings: Settings, app: FocusedApp | None) -> AppBindings | None:
    """The first `apps:` entry that fits `app`, or None."""
    if app is None:
        return None
    return next((entry for entry in settings.apps if app_matches(entry, app)), None)


def bindings_for(settings: Settings, app: FocusedApp | None) -> tuple[Binding, ...]:
    """The bindings in force while `app` has the focus."""
    entry = matching_app(settings, app)
    if entry is None:
        return settings.bindings
    overridden = {binding.gesture for binding in entry.bindings}
    kept = tuple(binding for binding in settings.bindings if binding.gesture not in overridden)
    return kept + entry.bindings
