"""Real key events: gestured's key action, through pynput, into a real X server (Xvfb).

The test process owns an X client (python-xlib) that records the key events a focused
window receives, plus passive grabs on the root window the way a desktop grabs its
global shortcuts and media keys. gestured runs in a subprocess with DISPLAY set to the
Xvfb display (pynput binds its display at import), sending keys through
`gestured.output.actions.ActionExecutor`, the daemon's own key path.
Without any display, the key path and the daemon must say once, clearly, why keys
can't be sent, and keep running.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

Xlib = pytest.importorskip("Xlib", reason="python-xlib is not installed (pip install .[test])")
import Xlib.display  # noqa: E402
import Xlib.X  # noqa: E402
import Xlib.XK  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[2]
Event = tuple[str, str, str]  # (where: "window" | "root", "press" | "release", keysym name)

SEND_KEYS = textwrap.dedent(
    """
    import sys
    from gestured.config.settings import KeyAction
    from gestured.output.actions import ActionExecutor
    from gestured.output.keynames import parse_combo

    executor = ActionExecutor()
    for combo in sys.argv[1:]:
        executor.execute(KeyAction(keys=parse_combo(combo))).result()
    executor.close()
    if executor.keyboard.unavailable:
        sys.exit("keyboard unavailable: " + executor.keyboard.unavailable)
    """
)


class Recorder:
    """A mapped, focused X window recording its key events, plus root-window grabs."""

    def __init__(self, display_name: str) -> None:
        self.display = Xlib.display.Display(display_name)
        Xlib.XK.load_keysym_group("xf86")
        self.root = self.display.screen().root
        self.window = self.root.create_window(
            0, 0, 200, 100, 0, self.display.screen().root_depth,
            event_mask=Xlib.X.KeyPressMask | Xlib.X.KeyReleaseMask | Xlib.X.StructureNotifyMask,
        )
        self.window.map()
        self._wait_for(Xlib.X.MapNotify)
        self.window.set_input_focus(Xlib.X.RevertToParent, Xlib.X.CurrentTime)
        self.display.sync()

    def keycode(self, keysym_name: str) -> int:
        keycode = self.display.keysym_to_keycode(Xlib.XK.string_to_keysym(keysym_name))
        assert keycode, f"{keysym_name} has no keycode in Xvfb's keymap"
        return keycode

    def grab(self, keysym_name: str, modifiers: int) -> None:
        """A passive grab on the root window, as a desktop grabs a global shortcut."""
        self.root.grab_key(self.keycode(keysym_name), modifiers, False, Xlib.X.GrabModeAsync, Xlib.X.GrabModeAsync)
        self.display.sync()

    def ungrab_all(self) -> None:
        self.root.ungrab_key(Xlib.X.AnyKey, Xlib.X.AnyModifier)
        self.display.sync()

    def take_events(self) -> list[Event]:
        """Every key event received so far, in order, with synthetic (XSendEvent) ones flagged."""
        self.display.sync()
        events: list[Event] = []
        while self.display.pending_events():
            event = self.display.next_event()
            if event.type not in (Xlib.X.KeyPress, Xlib.X.KeyRelease):
                continue
            where = "root" if event.window.id == self.root.id else "window"
            if event.send_event:
                where += " (synthetic)"
            kind = "press" if event.type == Xlib.X.KeyPress else "release"
            events.append((where, kind, self._keysym_name(event.detail)))
        return events

    def _keysym_name(self, keycode: int) -> str:
        keysym = self.display.keycode_to_keysym(keycode, 0)
        return _KEYSYM_NAMES.get(keysym, hex(keysym))

    def _wait_for(self, event_type: int) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.display.pending_events() and self.display.next_event().type == event_type:
                return
            time.sleep(0.01)
        raise AssertionError("the recorder window was never mapped")

    def close(self) -> None:
        self.display.close()


def _keysym_names() -> dict[int, str]:
    Xlib.XK.load_keysym_group("xf86")
    names = ["a", "k", "t", "Control_L", "Shift_L", "Alt_L", "XF86_AudioPlay", "XF86_AudioRaiseVolume"]
    return {Xlib.XK.string_to_keysym(name): name for name in names}


_KEYSYM_NAMES = _keysym_names()


@pytest.fixture
def recorder(xvfb_display: str) -> Iterator[Recorder]:
    recorder = Recorder(xvfb_display)
    recorder.take_events()
    yield recorder
    recorder.ungrab_all()
    recorder.close()


def send_keys(display_name: str, *combos: str) -> subprocess.CompletedProcess[str]:
    """gestured's key action, in a subprocess whose only display is the Xvfb one."""
    environment = {key: value for key, value in os.environ.items() if key not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    environment["DISPLAY"] = display_name
    result = subprocess.run(
        [sys.executable, "-c", SEND_KEYS, *combos],
        env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_plain_key_reaches_the_focused_window(recorder: Recorder, xvfb_display: str) -> None:
    send_keys(xvfb_display, "a")
    assert recorder.take_events() == [("window", "press", "a"), ("window", "release", "a")]


def test_combination_presses_modifiers_in_order_and_releases_in_reverse(recorder: Recorder, xvfb_display: str) -> None:
    send_keys(xvfb_display, "ctrl+shift+k")
    assert recorder.take_events() == [
        ("window", "press", "Control_L"),
        ("window", "press", "Shift_L"),
        ("window", "press", "k"),
        ("window", "release", "k"),
        ("window", "release", "Shift_L"),
        ("window", "release", "Control_L"),
    ]


def test_combination_triggers_a_desktop_shortcut_grab(recorder: Recorder, xvfb_display: str) -> None:
    """Only real (XTEST) events activate passive grabs; XSendEvent would miss the shortcut."""
    recorder.grab("t", Xlib.X.ControlMask | Xlib.X.Mod1Mask)
    send_keys(xvfb_display, "ctrl+alt+t")
    assert recorder.take_events() == [
        ("window", "press", "Control_L"),
        ("window", "press", "Alt_L"),
        ("root", "press", "t"),
        ("root", "release", "t"),
        ("window", "release", "Alt_L"),
        ("window", "release", "Control_L"),
    ]


def test_media_keys_reach_the_grab_a_media_daemon_holds(recorder: Recorder, xvfb_display: str) -> None:
    recorder.grab("XF86_AudioPlay", Xlib.X.AnyModifier)
    recorder.grab("XF86_AudioRaiseVolume", Xlib.X.AnyModifier)
    send_keys(xvfb_display, "play_pause", "volume_up")
    assert recorder.take_events() == [
        ("root", "press", "XF86_AudioPlay"),
        ("root", "release", "XF86_AudioPlay"),
        ("root", "press", "XF86_AudioRaiseVolume"),
        ("root", "release", "XF86_AudioRaiseVolume"),
    ]


def test_every_key_name_resolves_or_says_it_is_not_on_the_keymap(xvfb_display: str) -> None:
    """Each name gestures.yaml accepts maps to a keycode on Xvfb, or fails with a clear line."""
    script = textwrap.dedent(
        """
        from gestured.output.keyboard import KeyboardError, open_keyboard
        from gestured.output.keynames import KEY_NAMES
        keyboard = open_keyboard()
        for name in sorted(KEY_NAMES):
            try:
                keyboard.resolve_key(name)
            except KeyboardError as error:
                print(name, error)
        """
    )
    environment = {**os.environ, "DISPLAY": xvfb_display}
    environment.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", script], env=environment, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    unresolved = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    # Xvfb's evdev keymap puts XF86Tools etc. where F13-F20 would be; everything else is there.
    assert set(unresolved) <= {f"f{number}" for number in range(13, 21)}
    assert all("not on this X server's keyboard map" in message for message in unresolved.values())


def _without_display() -> dict[str, str]:
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XAUTHORITY", "GESTURED_KEYBOARD_BACKEND")
    return {key: value for key, value in os.environ.items() if key not in hidden}


def test_without_a_display_the_key_path_says_why_and_what_to_do() -> None:
    script = textwrap.dedent(
        """
        import sys
        from gestured.output.keyboard import KeyboardUnavailable, open_keyboard
        try:
            open_keyboard()
        except KeyboardUnavailable as error:
            print(error)
        print("pynput imported" if "pynput" in sys.modules else "pynput not imported")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], env=_without_display(), cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    message, imported = result.stdout.splitlines()
    assert message.startswith("key actions unavailable: no graphical session: DISPLAY and WAYLAND_DISPLAY are unset")
    assert "systemctl --user import-environment" in message
    assert imported == "pynput not imported"


def test_without_a_display_the_daemon_says_so_once_and_keeps_running(shared_data: Path, tmp_path: Path) -> None:
    """demo.mp4 holds thumbs_up then thumbs_down, bound to keys: later fires still happen."""
    from gestured.paths import shipped_models_dir

    if not (shipped_models_dir() / "gestures.json").is_file():
        pytest.skip(f"no shipped classifier in {shipped_models_dir()} yet (train it: see README)")
    config = tmp_path / "gestured" / "gestures.yaml"
    config.parent.mkdir(mode=0o700)
    config.write_text(
        "bindings:\n"
        "  thumbs_up: {key: play_pause, repeat: 0.2}\n"  # fires again while held
        "  thumbs_down: {key: ctrl+shift+k}\n"
    )
    config.chmod(0o600)
    result = subprocess.run(
        [sys.executable, "-m", "gestured", "run", "--json", "--config", str(config),
         "--source", str(shared_data / "videos" / "demo.mp4")],
        env={**_without_display(), "XDG_RUNTIME_DIR": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)},
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    fired = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    # Every fire after the first came after its key action had failed: the daemon kept going.
    assert [event["gesture"] for event in fired][:1] == ["thumbs_up"] and len(fired) >= 2, result.stdout
    complaints = [line for line in result.stderr.splitlines() if "key actions unavailable" in line]
    assert len(complaints) == 1, result.stderr
    assert "DISPLAY and WAYLAND_DISPLAY are unset" in complaints[0]
