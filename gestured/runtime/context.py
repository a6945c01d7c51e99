"""The bindings in force now: the settings' global bindings and the focused application's.

`BindingContext` owns the focus provider (opened when the settings have `apps:` or when
events should name the application, closed with the context) and answers, cheaply,
which bindings apply and which dynamic gestures the trajectory stage should look for.
"""

from __future__ import annotations

import logging
from typing import Callable

from gestured.config.apps import bindings_for, matching_app
from gestured.errors import GesturedError
from gestured.output.focus import FocusedApp, FocusProvider, NoFocus
from gestured.config.settings import Binding, Motion, Settings

logger = logging.getLogger(__name__)


class BindingContext:
    """Global bindings plus the focused application's, following the focus on `refresh()`.

    `open_focus` builds and starts a FocusProvider; it is called once, when the settings
    first have `apps:` (or at once with `always_focus`, so events can name the app).
    """

    def __init__(self, settings: Settings, open_focus: Callable[[], FocusProvider] | None = None,
                 always_focus: bool = False) -> None:
        self._open_focus = open_focus
        self._always_focus = always_focus
        self._focus: FocusProvider | None = None
        self.app: FocusedApp | None = None
        self.settings = settings
        self.active: tuple[Binding, ...] = settings.bindings

    def apply(self, settings: Settings) -> tuple[Binding, ...]:
        """Use new settings; returns the bindings in force now."""
        self.settings = settings
        self._ensure_focus()
        self.active = bindings_for(settings, self.app)
        return self.active

    def refresh(self) -> tuple[Binding, ...] | None:
        """Read the (cached) focused application; the new bindings when they changed, else None."""
        self._ensure_focus()
        if self._focus is None:
            return None
        app = self._focus.current()
        if app == self.app:
            return None
        before = matching_app(self.settings, self.app)
        self.app = app
        if matching_app(self.settings, app) is before:
            return None
        self.active = bindings_for(self.settings, app)
        logger.info("focused: %s: %s bindings", app.app_class if app else "unknown",
                    "its own" if matching_app(self.settings, app) else "the global")
        return self.active

    def motions(self) -> dict[str, Motion]:
        """Dynamic gestures bound now, with their motion options."""
        return {binding.gesture: binding.motion for binding in self.active if binding.motion is not None}

    @property
    def app_class(self) -> str | None:
        return self.app.app_class if self.app is not None else None

    def close(self) -> None:
        focus, self._focus = self._focus, None
        if focus is not None:
            focus.close()

    def _ensure_focus(self) -> None:
        if self._focus is not None or self._open_focus is None:
            return
        if not (self.settings.apps or self._always_focus):
            return
        opener, self._open_focus = self._open_focus, None
        try:
            self._focus = opener()
        except GesturedError as error:
            logger.warning("cannot watch the focused window (%s): the global bindings apply", error)
            return
        if isinstance(self._focus, NoFocus) and self.settings.apps:
            logger.warning("per-application bindings are off: %s; the global bindings apply", self._focus.reason)
