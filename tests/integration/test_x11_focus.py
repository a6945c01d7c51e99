"""Per-application bindings with real X windows: two windows with their own WM_CLASS on
Xvfb, focused in turn the way a window manager does it (`_NET_ACTIVE_WINDOW` on the root
plus the input focus), and the provider and binding choice following along."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest

Xlib = pytest.importorskip("Xlib", reason="python-xlib is not installed (pip install .[test])")
import Xlib.display  # noqa: E402
import Xlib.X  # noqa: E402
import Xlib.Xatom  # noqa: E402

from gestured.config import parse_config  # noqa: E402
from gestured.config.apps import bindings_for  # noqa: E402
from gestured.output.focus import FocusedApp  # noqa: E402
from gestured.output.focus.x11 import X11Focus  # noqa: E402
from gestured.config.settings import KeyAction  # noqa: E402

CONFIG = """
bindings:
  thumbs_up: {key: play_pause}
  swipe_left: {key: next_track}
apps:
  - match: {class: "libreoffice-impress"}
    bindings:
      thumbs_up: {key: f5}
      swipe_left: {key: right}
  - match: {class_regex: "^(vlc|mpv)$"}
    bindings:
      thumbs_up: {key: space}
"""


class WindowManager:
    """Plays the window manager: makes windows with a WM_CLASS and activates them."""

    def __init__(self, display_name: str) -> None:
        self.display = Xlib.display.Display(display_name)
        self.root = self.display.screen().root
        self.active_atom = self.display.intern_atom("_NET_ACTIVE_WINDOW")

    def window(self, instance: str, app_class: str, title: str) -> Any:
        window = self.root.create_window(0, 0, 200, 100, 0, self.display.screen().root_depth)
        window.set_wm_class(instance, app_class)
        window.set_wm_name(title)
        window.map()
        self.display.sync()
        return window

    def activate(self, window: Any) -> None:
        self.root.change_property(self.active_atom, Xlib.Xatom.WINDOW, 32, [window.id])
        window.set_input_focus(Xlib.X.RevertToParent, Xlib.X.CurrentTime)
        self.display.sync()

    def forget_ewmh(self, window: Any) -> None:
        """A bare X server: no _NET_ACTIVE_WINDOW, only the input focus."""
        self.root.delete_property(self.active_atom)
        window.set_input_focus(Xlib.X.RevertToParent, Xlib.X.CurrentTime)
        self.display.sync()

    def close(self) -> None:
        self.display.close()


@pytest.fixture
def window_manager(xvfb_display: str) -> Iterator[WindowManager]:
    manager = WindowManager(xvfb_display)
    yield manager
    manager.close()


def wait_until(read: Callable[[], Any], expected: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.02)
        value = read()
    return value


def key_for(settings: Any, app: FocusedApp | None, gesture: str) -> tuple[str, ...]:
    binding = next(binding for binding in bindings_for(settings, app) if binding.gesture == gesture)
    assert isinstance(binding.action, KeyAction)
    return binding.action.keys


def test_focus_follows_the_active_window_and_picks_its_bindings(
        xvfb_display: str, window_manager: WindowManager) -> None:
    settings, _ = parse_config(CONFIG, "gestures.yaml")
    impress = window_manager.window("libreoffice", "libreoffice-impress", "slides.odp - LibreOffice Impress")
    player = window_manager.window("mpv", "mpv", "concert.mkv - mpv")
    editor = window_manager.window("gedit", "Gedit", "notes.txt")
    window_manager.activate(impress)
    provider = X11Focus(xvfb_display)
    provider.start()
    try:
        assert provider.ewmh
        app = wait_until(provider.current, FocusedApp("libreoffice-impress", "libreoffice",
                                                      "slides.odp - LibreOffice Impress"))
        assert app is not None and app.app_class == "libreoffice-impress"
        assert key_for(settings, app, "thumbs_up") == ("f5",)
        assert key_for(settings, app, "swipe_left") == ("right",)

        window_manager.activate(player)
        app = wait_until(provider.current, FocusedApp("mpv", "mpv", "concert.mkv - mpv"))
        assert app == FocusedApp("mpv", "mpv", "concert.mkv - mpv")
        assert key_for(settings, app, "thumbs_up") == ("space",)
        assert key_for(settings, app, "swipe_left") == ("next_track",)  # not overridden: the global one

        window_manager.activate(editor)
        app = wait_until(lambda: provider.current() and provider.current().app_class, "Gedit")
        assert key_for(settings, provider.current(), "thumbs_up") == ("play_pause",)
    finally:
        provider.close()


def test_without_a_window_manager_the_input_focus_is_used(
        xvfb_display: str, window_manager: WindowManager) -> None:
    impress = window_manager.window("libreoffice", "libreoffice-impress", "slides")
    player = window_manager.window("vlc", "vlc", "VLC media player")
    window_manager.forget_ewmh(impress)
    provider = X11Focus(xvfb_display, poll=0.05)
    provider.start()
    try:
        assert not provider.ewmh
        assert wait_until(lambda: provider.current() and provider.current().app_class, "libreoffice-impress") \
            == "libreoffice-impress"
        window_manager.forget_ewmh(player)
        assert wait_until(lambda: provider.current() and provider.current().app_class, "vlc") == "vlc"
    finally:
        provider.close()


class SteeredBackend:
    """A backend showing whatever hand the test sets in `seen` (a camera can't run here)."""

    name = "steered"

    def __init__(self) -> None:
        from tests.fakes import Seen

        self.seen = Seen("none")

    def detect(self, frame_bgr: Any, timestamp_ms: int | None = None) -> list[Any]:
        from tests.fakes import scripted_hand

        return [scripted_hand(self.seen)]

    def close(self) -> None:
        pass


def test_the_daemon_fires_the_focused_apps_binding(xvfb_display: str, window_manager: WindowManager) -> None:
    """Thumbs up held in Impress presses f5, in mpv space, in an editor the global play_pause."""
    from gestured.runtime.daemon import Daemon
    from gestured.capture.frames import Frame
    from tests.fakes import FakeClassifier, RecordingExecutor, Seen, blank_image

    settings, _ = parse_config(CONFIG, "gestures.yaml")
    impress = window_manager.window("libreoffice", "libreoffice-impress", "slides.odp")
    player = window_manager.window("mpv", "mpv", "concert.mkv - mpv")
    editor = window_manager.window("gedit", "Gedit", "notes.txt")
    window_manager.activate(impress)
    backend, executor, events = SteeredBackend(), RecordingExecutor(), []
    daemon = Daemon(open_source=lambda: None, backend=backend, classifier=FakeClassifier(),  # type: ignore[arg-type]
                    executor=executor, settings=settings, on_event=events.append,
                    open_focus=lambda: _started(X11Focus(xvfb_display)), survive_errors=False)
    frame_index = 0

    def play(seen: Seen, frames: int) -> None:
        nonlocal frame_index
        backend.seen = seen
        for _ in range(frames):
            daemon.process_frame(Frame(blank_image(), frame_index / 30, frame_index))
            frame_index += 1

    try:
        for window, app_class in ((impress, "libreoffice-impress"), (player, "mpv"), (editor, "Gedit")):
            window_manager.activate(window)
            deadline = time.monotonic() + 5
            while daemon.context.app_class != app_class and time.monotonic() < deadline:
                play(Seen("none"), 1)  # a hand in view: the daemon reads the focus
                time.sleep(0.02)
            play(Seen("thumbs_up"), 15)
            play(Seen("none"), 15)
    finally:
        daemon.context.close()
    assert [action.keys for action in executor.actions] == [("f5",), ("space",), ("play_pause",)]
    assert [event.app for event in events] == ["libreoffice-impress", "mpv", "Gedit"]


def _started(provider: X11Focus) -> X11Focus:
    provider.start()
    return provider


def test_gestured_apps_prints_the_focused_window(xvfb_display: str, window_manager: WindowManager) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    window_manager.activate(window_manager.window("libreoffice", "libreoffice-impress", "slides.odp"))
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP")}
    environment["DISPLAY"] = xvfb_display
    result = subprocess.run([sys.executable, "-m", "gestured", "apps"], env=environment,
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("focused (x11): class 'libreoffice-impress', instance 'libreoffice', "
                                     "title 'slides.odp'  ->  match: {class: 'libreoffice-impress'}")
