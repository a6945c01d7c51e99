"""Key injection through pynput: the adapter between canonical key names and a real keyboard.

`open_keyboard()` picks pynput's backend from the session (`gestured.output.session`):
X11 -> `xorg` (XTEST), Wayland with a writable /dev/uinput -> `uinput`, otherwise it
raises `KeyboardUnavailable` with one line saying why and what to do. pynput is imported
only there: importing it opens an X display and fails without one.

Every key, letters included, is sent by key code rather than as a typed character:
on X11 pynput types characters with XSendEvent, whose synthetic events window managers
ignore for global shortcuts (a `ctrl+alt+t` bound in the desktop would never fire) and
some applications (xterm) drop; on uinput pynput's character table from `dumpkeys` can
add a stray AltGr. A letter therefore means the key at that position of a US layout on
uinput, and the key carrying that keysym on X11.
"""

from __future__ import annotations

import logging
import os
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from gestured.errors import GesturedError
from gestured.output.keynames import PYNPUT_KEYS
from gestured.output.session import UINPUT_PATH, Backend, choose_backend, uinput_writable

logger = logging.getLogger(__name__)

# Canonical character key -> (X keysym name, Linux input event code name).
CHARACTER_KEYS: dict[str, tuple[str, str]] = {
    **{letter: (letter, f"KEY_{letter.upper()}") for letter in string.ascii_lowercase},
    **{digit: (digit, f"KEY_{digit}") for digit in string.digits},
    "minus": ("minus", "KEY_MINUS"),
    "equal": ("equal", "KEY_EQUAL"),
    # The keypad's plus: a key of its own, where `+` on the main block is shift+equal.
    "plus": ("KP_Add", "KEY_KPPLUS"),
    "comma": ("comma", "KEY_COMMA"),
    "period": ("period", "KEY_DOT"),
    "slash": ("slash", "KEY_SLASH"),
    "backslash": ("backslash", "KEY_BACKSLASH"),
    "semicolon": ("semicolon", "KEY_SEMICOLON"),
    "apostrophe": ("apostrophe", "KEY_APOSTROPHE"),
    "grave": ("grave", "KEY_GRAVE"),
    "bracket_left": ("bracketleft", "KEY_LEFTBRACE"),
    "bracket_right": ("bracketright", "KEY_RIGHTBRACE"),
}

PYNPUT_HINTS: dict[str, str] = {
    "xorg": "check that DISPLAY names a running X server this user may open (XAUTHORITY)",
    "uinput": (
        "pynput's uinput backend reads the console keymap with `dumpkeys`: "
        "install kbd and add your user to the `tty` group, or use a `shell` action"
    ),
}


class KeyboardUnavailable(GesturedError):
    """Keys can't be sent in this session; the message says why and what to do."""


class KeyboardError(GesturedError):
    """One key can't be sent (not on this keyboard map, or pynput refused it)."""


class Keyboard(Protocol):
    """Presses canonical key names (see gestured.output.keynames)."""

    def press_combo(self, keys: tuple[str, ...]) -> None:
        """Hold keys[:-1] in order, tap keys[-1], release the held keys in reverse."""

    def type_text(self, text: str) -> None:
        """Type `text` as characters."""


class PynputKeyboard:
    """A Keyboard over a pynput Controller; `resolve_key` turns a canonical name into a pynput key."""

    def __init__(self, controller: Any, resolve_key: Callable[[str], Any], backend: str) -> None:
        self.controller = controller
        self.resolve_key = resolve_key
        self.backend = backend

    def press_combo(self, keys: tuple[str, ...]) -> None:
        """Press a combination such as ("ctrl", "shift", "k") or ("play_pause",).

        Every name is resolved before anything is pressed, so an unknown key presses
        nothing. Whatever was pressed is released (in reverse order) even when a press
        fails. Raises KeyboardError for a key that can't be sent.
        """
        if not keys:
            raise KeyboardError("empty key combination")
        resolved = [self.resolve_key(name) for name in keys]
        pressed: list[Any] = []
        try:
            for key in resolved:
                self.controller.press(key)
                pressed.append(key)
        except Exception as error:
            raise KeyboardError(f"pressing {'+'.join(keys)} failed: {error}") from error
        finally:
            self._release_all(pressed)
        logger.debug("pressed %s via %s", "+".join(keys), self.backend)

    def type_text(self, text: str) -> None:
        """Type `text`; raises KeyboardError for a character the keyboard map lacks."""
        try:
            self.controller.type(text)
        except Exception as error:
            raise KeyboardError(f"typing {text!r} failed: {error}") from error

    def _release_all(self, pressed: list[Any]) -> None:
        """Release in reverse order; one failed release does not keep the others held."""
        failures: list[BaseException] = []
        for key in reversed(pressed):
            try:
                self.controller.release(key)
            except Exception as error:  # keep releasing: a stuck modifier is worse
                failures.append(error)
        if failures:
            raise KeyboardError(f"releasing keys failed: {failures[0]}") from failures[0]


def open_keyboard(
    environ: Mapping[str, str] = os.environ, *, uinput_path: Path = UINPUT_PATH
) -> Keyboard:
    """The keyboard for this session.

    In: the environment to judge the session by, and the uinput device to check.
    Out: a Keyboard sending real key events. Raises KeyboardUnavailable (one line: why
    and what to do) when no backend fits or pynput can't start. Side effect: sets
    PYNPUT_BACKEND_KEYBOARD / PYNPUT_BACKEND_MOUSE (and DISPLAY for X11) in os.environ
    before importing pynput, which reads them at import.
    """
    choice = choose_backend(environ, uinput_writable(uinput_path))
    if choice.backend is None:
        raise KeyboardUnavailable(f"key actions unavailable: {choice.reason}")
    _prepare_pynput(choice.backend, environ)
    try:
        keyboard = OPENERS[choice.backend]()
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise KeyboardUnavailable(
            f"key actions unavailable: {choice.reason}, but pynput could not start "
            f"({first_line}): {PYNPUT_HINTS[choice.backend]}"
        ) from error
    logger.info("key actions: %s", choice.reason)
    return keyboard


def _prepare_pynput(backend: Backend, environ: Mapping[str, str]) -> None:
    """pynput picks its backend from the environment at import; the mouse is never used."""
    os.environ["PYNPUT_BACKEND_KEYBOARD"] = backend
    os.environ["PYNPUT_BACKEND_MOUSE"] = "dummy"
    if backend == "xorg" and environ is not os.environ:
        for name in ("DISPLAY", "XAUTHORITY"):
            if environ.get(name):
                os.environ[name] = environ[name]


def _open_xorg() -> PynputKeyboard:
    """pynput's XTEST controller plus a display connection to check keycodes."""
    import Xlib.display
    import Xlib.XK
    from pynput.keyboard import _xorg as backend  # the backend module, whatever was imported before

    controller = backend.Controller()
    display = Xlib.display.Display()

    def resolve(name: str) -> Any:
        if name in CHARACTER_KEYS:
            key = backend.KeyCode.from_vk(Xlib.XK.string_to_keysym(CHARACTER_KEYS[name][0]))
        else:
            key = _pynput_key(backend, name)
        if not key.vk or display.keysym_to_keycode(key.vk) == 0:
            raise KeyboardError(
                f"key {name!r} is not on this X server's keyboard map: "
                "map it with xmodmap/setxkbmap or bind another key"
            )
        return key

    return PynputKeyboard(controller, resolve, "xorg")


def _open_uinput() -> PynputKeyboard:
    """pynput's uinput controller; keys go by Linux input event code."""
    import evdev
    from pynput.keyboard import _uinput as backend

    controller = backend.Controller()

    def resolve(name: str) -> Any:
        if name in CHARACTER_KEYS:
            return backend.KeyCode.from_vk(getattr(evdev.ecodes, CHARACTER_KEYS[name][1]))
        key = _pynput_key(backend, name)
        if key.vk is None:
            raise KeyboardError(f"key {name!r} has no Linux input event code")
        return key

    return PynputKeyboard(controller, resolve, "uinput")


def _pynput_key(backend: Any, name: str) -> Any:
    """A named key (ctrl, f5, play_pause...) from pynput's Key enum of `backend`."""
    attribute = PYNPUT_KEYS.get(name)
    if attribute is None:
        raise KeyboardError(f"unknown key {name!r}")
    return getattr(backend.Key, attribute).value


OPENERS: dict[str, Callable[[], PynputKeyboard]] = {"xorg": _open_xorg, "uinput": _open_uinput}
