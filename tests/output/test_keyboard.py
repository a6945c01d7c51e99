"""The pynput adapter (gestured/output/keyboard.py): press order, release on error, backend choice.

A recording stand-in for pynput's Controller checks the order of presses; the real
controller against a real X server is in tests/integration/test_xvfb_keys.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gestured.errors import GesturedError
from gestured.output.keyboard import CHARACTER_KEYS, KeyboardError, KeyboardUnavailable, PynputKeyboard, open_keyboard
from gestured.output.keynames import KEY_NAMES, PYNPUT_KEYS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class RecordingController:
    """pynput's Controller surface (press/release/type), recording calls; can fail on one key."""

    def __init__(self, fail_press: str | None = None, fail_release: str | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail_press = fail_press
        self.fail_release = fail_release

    def press(self, key: str) -> None:
        if key == self.fail_press:
            raise RuntimeError(f"cannot press {key}")
        self.calls.append(("press", key))

    def release(self, key: str) -> None:
        self.calls.append(("release", key))
        if key == self.fail_release:
            raise RuntimeError(f"cannot release {key}")

    def type(self, text: str) -> None:
        if text == "fail":
            raise RuntimeError("InvalidCharacterException")
        self.calls.append(("type", text))


def resolve(name: str) -> str:
    if name == "nosuchkey":
        raise KeyboardError(f"unknown key {name!r}")
    return name.upper()


def keyboard_with(controller: RecordingController) -> PynputKeyboard:
    return PynputKeyboard(controller, resolve, "test")


def test_combo_holds_modifiers_in_order_taps_the_key_and_releases_in_reverse() -> None:
    controller = RecordingController()
    keyboard_with(controller).press_combo(("ctrl", "shift", "k"))
    assert controller.calls == [
        ("press", "CTRL"), ("press", "SHIFT"), ("press", "K"),
        ("release", "K"), ("release", "SHIFT"), ("release", "CTRL"),
    ]


def test_single_key_is_a_tap() -> None:
    controller = RecordingController()
    keyboard_with(controller).press_combo(("play_pause",))
    assert controller.calls == [("press", "PLAY_PAUSE"), ("release", "PLAY_PAUSE")]


def test_failed_press_releases_what_was_held() -> None:
    controller = RecordingController(fail_press="K")
    with pytest.raises(KeyboardError, match="pressing ctrl\\+shift\\+k failed: cannot press K"):
        keyboard_with(controller).press_combo(("ctrl", "shift", "k"))
    assert controller.calls == [("press", "CTRL"), ("press", "SHIFT"), ("release", "SHIFT"), ("release", "CTRL")]


def test_failed_release_still_releases_the_other_keys() -> None:
    controller = RecordingController(fail_release="SHIFT")
    with pytest.raises(KeyboardError, match="releasing keys failed"):
        keyboard_with(controller).press_combo(("ctrl", "shift", "k"))
    assert controller.calls[-3:] == [("release", "K"), ("release", "SHIFT"), ("release", "CTRL")]


def test_unknown_key_presses_nothing() -> None:
    controller = RecordingController()
    with pytest.raises(KeyboardError):
        keyboard_with(controller).press_combo(("ctrl", "nosuchkey"))
    assert controller.calls == []


def test_empty_combo_is_refused() -> None:
    with pytest.raises(KeyboardError):
        keyboard_with(RecordingController()).press_combo(())


def test_type_text_and_its_failure() -> None:
    controller = RecordingController()
    keyboard = keyboard_with(controller)
    keyboard.type_text("hello")
    assert controller.calls == [("type", "hello")]
    with pytest.raises(KeyboardError, match="typing 'fail' failed"):
        keyboard.type_text("fail")


def test_errors_are_user_errors() -> None:
    assert issubclass(KeyboardUnavailable, GesturedError)
    assert issubclass(KeyboardError, GesturedError)


def test_every_name_gestures_yaml_accepts_has_a_key() -> None:
    assert KEY_NAMES <= set(CHARACTER_KEYS) | set(PYNPUT_KEYS)


def test_character_keys_have_x_keysyms_and_linux_event_codes() -> None:
    evdev = pytest.importorskip("evdev", reason="evdev (pynput's uinput dependency) is not installed")
    import Xlib.XK

    for name, (keysym_name, event_code_name) in CHARACTER_KEYS.items():
        assert Xlib.XK.string_to_keysym(keysym_name), name
        assert isinstance(getattr(evdev.ecodes, event_code_name), int), name


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "no graphical session"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "/dev/uinput is not writable"),
        ({"XDG_SESSION_TYPE": "x11"}, "DISPLAY is unset"),
    ],
)
def test_open_keyboard_refuses_sessions_without_a_backend(environ: dict[str, str], expected: str, tmp_path: Path) -> None:
    with pytest.raises(KeyboardUnavailable, match=expected) as caught:
        open_keyboard(environ, uinput_path=tmp_path / "missing-uinput")
    assert str(caught.value).startswith("key actions unavailable: ")
    assert "\n" not in str(caught.value)


def run_isolated(script: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter without display variables: pynput binds its backend at import."""
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XAUTHORITY", "GESTURED_KEYBOARD_BACKEND")
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env.update(environment)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)


def test_importing_the_adapter_does_not_import_pynput() -> None:
    result = run_isolated("import sys, gestured.output.keyboard; print('pynput' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_uinput_backend_that_cannot_start_says_why(tmp_path: Path) -> None:
    """Here /dev/uinput can't be opened and `dumpkeys` is usually absent: pynput must fail cleanly."""
    if shutil.which("dumpkeys") and os.access("/dev/uinput", os.W_OK):
        pytest.skip("this machine has a working uinput setup; the failure path can't be provoked")
    fake_device = tmp_path / "uinput"
    fake_device.touch(mode=0o600)
    result = run_isolated(
        f"""
        from pathlib import Path
        from gestured.output.keyboard import KeyboardUnavailable, open_keyboard
        try:
            open_keyboard({{"WAYLAND_DISPLAY": "wayland-0"}}, uinput_path=Path({str(fake_device)!r}))
        except KeyboardUnavailable as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    message = result.stdout.strip()
    assert message.startswith("key actions unavailable: Wayland session: keys go through a virtual keyboard")
    assert "pynput could not start" in message
    assert "dumpkeys" in message and "tty" in message
