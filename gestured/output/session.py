"""Which key injection backend fits this desktop session (pure; no display is opened).

pynput can send keys two ways on Linux:
- `xorg`: the X server's XTEST extension. Reaches X11 windows, and on a Wayland desktop
  only XWayland windows (native Wayland windows and the compositor never see it).
- `uinput`: a virtual kernel keyboard (/dev/uinput). Reaches everything, X11 or Wayland,
  but the user must be allowed to write /dev/uinput (udev rule + `input` group).

`choose_backend(environ, uinput_writable)` decides from the session variables:
XDG_SESSION_TYPE when it says `x11` or `wayland`, else WAYLAND_DISPLAY, else DISPLAY.
A systemd user service often lacks XDG_SESSION_TYPE but has the display variables
the session imported, so both are read. `GESTURED_KEYBOARD_BACKEND` (`auto`, `xorg`,
`uinput`, `none`) overrides the choice, e.g. `xorg` on Wayland when the windows to
control are XWayland windows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping

Backend = Literal["xorg", "uinput"]
SessionType = Literal["x11", "wayland", "none"]

UINPUT_PATH = Path("/dev/uinput")
OVERRIDE_VARIABLE = "GESTURED_KEYBOARD_BACKEND"
OVERRIDE_VALUES = ("auto", "xorg", "uinput", "none")

UINPUT_HINT = (
    "let your user write /dev/uinput (udev rule KERNEL==\"uinput\", GROUP=\"input\", "
    "MODE=\"0660\" and `usermod -aG input $USER`, see README) "
    "or bind the gesture to a `shell` action such as `playerctl play-pause`"
)
IMPORT_HINT = (
    "a systemd user service gets them from "
    "`systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY`"
)


@dataclass(frozen=True)
class SessionChoice:
    """The backend to use (None: keys can't be sent) and one line saying why."""

    backend: Backend | None
    reason: str


def session_type(environ: Mapping[str, str]) -> SessionType:
    """`x11`, `wayland` or `none` from XDG_SESSION_TYPE, WAYLAND_DISPLAY and DISPLAY.

    XDG_SESSION_TYPE wins when it is `x11` or `wayland`; `tty`, `unspecified` or unset
    fall back to which display variable is set (WAYLAND_DISPLAY first).
    """
    declared = environ.get("XDG_SESSION_TYPE", "").strip().lower()
    if declared in ("x11", "wayland"):
        return declared  # type: ignore[return-value]
    if environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    if environ.get("DISPLAY"):
        return "x11"
    return "none"


def uinput_writable(path: Path = UINPUT_PATH) -> bool:
    """True when this process may write the uinput device (exists and os.access W_OK)."""
    return path.exists() and os.access(path, os.W_OK)


def choose_backend(environ: Mapping[str, str], uinput_writable: bool) -> SessionChoice:
    """The key backend for this session.

    In: the environment (os.environ or a test's dict) and whether /dev/uinput is writable.
    Out: a SessionChoice; backend None means keys can't be sent, `reason` says why and
    what to do. Never raises: an unknown override value is reported in `reason`.
    """
    override = environ.get(OVERRIDE_VARIABLE, "auto").strip().lower() or "auto"
    if override not in OVERRIDE_VALUES:
        allowed = ", ".join(OVERRIDE_VALUES)
        return SessionChoice(None, f"{OVERRIDE_VARIABLE}={override!r} is not one of {allowed}")
    if override != "auto":
        return _forced(override, environ, uinput_writable)
    kind = session_type(environ)
    if kind == "x11":
        return _x11(environ)
    if kind == "wayland":
        return _wayland(environ, uinput_writable)
    return SessionChoice(
        None, f"no graphical session: DISPLAY and WAYLAND_DISPLAY are unset ({IMPORT_HINT})"
    )


def _x11(environ: Mapping[str, str]) -> SessionChoice:
    display = environ.get("DISPLAY")
    if not display:
        return SessionChoice(None, f"X11 session but DISPLAY is unset ({IMPORT_HINT})")
    return SessionChoice("xorg", f"X11 session (DISPLAY={display}): keys go through XTEST")


def _wayland(environ: Mapping[str, str], uinput_writable: bool) -> SessionChoice:
    if uinput_writable:
        return SessionChoice(
            "uinput", "Wayland session: keys go through a virtual keyboard on /dev/uinput"
        )
    xwayland = (
        f"; {OVERRIDE_VARIABLE}=xorg would reach XWayland windows only"
        if environ.get("DISPLAY")
        else ""
    )
    return SessionChoice(
        None,
        f"Wayland session and {UINPUT_PATH} is not writable: {UINPUT_HINT}{xwayland}",
    )


def _forced(override: str, environ: Mapping[str, str], uinput_writable: bool) -> SessionChoice:
    if override == "none":
        return SessionChoice(None, f"key actions are switched off ({OVERRIDE_VARIABLE}=none)")
    if override == "uinput":
        if not uinput_writable:
            return SessionChoice(None, f"{OVERRIDE_VARIABLE}=uinput but {UINPUT_PATH} is not writable: {UINPUT_HINT}")
        return SessionChoice("uinput", f"{OVERRIDE_VARIABLE}=uinput: keys go through /dev/uinput")
    display = environ.get("DISPLAY")
    if not display:
        return SessionChoice(None, f"{OVERRIDE_VARIABLE}=xorg but DISPLAY is unset ({IMPORT_HINT})")
    return SessionChoice("xorg", f"{OVERRIDE_VARIABLE}=xorg (DISPLAY={display}): keys go through XTEST")
