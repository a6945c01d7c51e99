"""Which application has the keyboard focus: the answer per-application bindings need.

A `FocusProvider` keeps the answer cached, so `current()` costs an attribute read on the
frame path. Where the answer comes from depends on the desktop session:

- X11: the EWMH `_NET_ACTIVE_WINDOW` property of the root window and that window's
  `WM_CLASS`, refreshed on PropertyNotify in a thread (gestured.output.focus.x11).
- sway (`swaymsg -t get_tree`), Hyprland (`hyprctl activewindow -j`), KDE Plasma on
  Wayland (`kdotool`): asked again when the cached answer is older than half a second
  and someone asks, in a thread, so an idle daemon runs nothing (.compositors).
- GNOME on Wayland has no public interface for it: per-application bindings are off
  there (said once in the log) and the global bindings apply.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol

from gestured.output.session import session_type

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FocusedApp:
    """The focused window: `app_class` (X11 WM_CLASS class, Wayland app id), `instance`
    (X11 WM_CLASS instance name; empty elsewhere) and `title`."""

    app_class: str
    instance: str = ""
    title: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The names a `match:` is tried against: class, then instance when it differs."""
        return (self.app_class,) if self.instance in ("", self.app_class) else (self.app_class, self.instance)


class FocusProvider(Protocol):
    """The cached focused application. `start()` begins watching; `current()` is cheap
    and never blocks; `refresh()` may block to get a fresh answer (for `gestured apps`);
    `close()` stops watching (joined with a timeout)."""

    name: str

    def start(self) -> None: ...

    def current(self) -> FocusedApp | None: ...

    def refresh(self) -> FocusedApp | None: ...

    def close(self) -> None: ...


class NoFocus:
    """Where the focused application can't be known: says why once, answers None."""

    def __init__(self, reason: str) -> None:
        self.name = "none"
        self.reason = reason

    def start(self) -> None:
        logger.info("the focused application is unknown: %s", self.reason)

    def current(self) -> FocusedApp | None:
        return None

    def refresh(self) -> FocusedApp | None:
        return None

    def close(self) -> None:
        pass


GNOME_REASON = ("GNOME on Wayland has no public interface that tells which window is focused "
                "(an X11 session, or an XWayland window with GESTURED_FOCUS=x11, works)")


def choose_focus_provider(environ: Mapping[str, str],
                          which: Callable[[str], str | None] = shutil.which) -> FocusProvider:
    """The provider for this session (not started). `GESTURED_FOCUS` (x11, sway, hyprland,
    kde, none) overrides the choice."""
    from gestured.output.focus.compositors import hyprland_focus, kde_focus, sway_focus
    from gestured.output.focus.x11 import X11Focus

    forced = environ.get("GESTURED_FOCUS", "").strip().lower()
    desktop = environ.get("XDG_CURRENT_DESKTOP", "").lower()
    kind = session_type(environ)
    if forced == "none":
        return NoFocus("GESTURED_FOCUS=none")
    if forced == "x11" or (not forced and kind == "x11"):
        display = environ.get("DISPLAY")
        return X11Focus(display) if display else NoFocus("X11 session but DISPLAY is unset")
    if forced == "sway" or (not forced and environ.get("SWAYSOCK")):
        return sway_focus()
    if forced == "hyprland" or (not forced and environ.get("HYPRLAND_INSTANCE_SIGNATURE")):
        return hyprland_focus()
    if forced == "kde" or (not forced and "kde" in desktop):
        if which("kdotool") is None:
            return NoFocus("KDE on Wayland needs kdotool to read the focused window: install it")
        return kde_focus()
    if kind == "wayland" and "gnome" in desktop:
        return NoFocus(GNOME_REASON)
    if kind == "wayland":
        return NoFocus(f"no way to read the focused window on this Wayland desktop "
                       f"({environ.get('XDG_CURRENT_DESKTOP') or 'unknown'}); sway, Hyprland and KDE work")
    return NoFocus("no graphical session: DISPLAY and WAYLAND_DISPLAY are unset")


def open_focus_provider(environ: Mapping[str, str] | None = None) -> FocusProvider:
    """choose_focus_provider for this process's session, started."""
    provider = choose_focus_provider(os.environ if environ is None else environ)
    provider.start()
    return provider
