"""Focused-application providers: which one a session gets, and the Wayland ones on recorded output."""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

import pytest

from gestured.output.focus import GNOME_REASON, FocusedApp, FocusProvider, NoFocus, choose_focus_provider
from gestured.output.focus.compositors import (
    CommandFocus, parse_hyprland, parse_kdotool, parse_sway_tree,
)
from gestured.output.focus.x11 import X11Focus
from tests.fakes import FakeClock

RECORDED = Path(__file__).parent / "data" / "focus"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text(encoding="utf-8")


def test_sway_tree_gives_the_focused_window_xwayland_or_native() -> None:
    assert parse_sway_tree(recorded("sway_get_tree.json")) == FocusedApp(
        "libreoffice-impress", "libreoffice", "slides.odp - LibreOffice Impress")
    native = recorded("sway_get_tree.json").replace('"focused": true', '"focused": false').replace(
        '"app_id": "mpv", "pid": 2702, "focused": false', '"app_id": "mpv", "pid": 2702, "focused": true')
    assert parse_sway_tree(native) == FocusedApp("mpv", "", "mpv - concert.mkv")


def test_sway_with_an_empty_workspace_focused_has_no_app() -> None:
    assert parse_sway_tree(recorded("sway_get_tree_empty_workspace.json")) is None


def test_hyprland_active_window_and_none() -> None:
    assert parse_hyprland(recorded("hyprctl_activewindow.json")) == FocusedApp("mpv", "mpv", "concert.mkv - mpv")
    assert parse_hyprland(recorded("hyprctl_activewindow_none.json")) is None


def test_kdotool_class_and_title() -> None:
    assert parse_kdotool(recorded("kdotool_active.txt")) == FocusedApp("org.kde.okular", "", "slides.pdf — Okular")
    assert parse_kdotool("") is None


@pytest.mark.parametrize(("environ", "expected"), [
    ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, "x11"),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/run/user/1000/sway-ipc.sock"}, "sway"),
    ({"XDG_SESSION_TYPE": "wayland", "HYPRLAND_INSTANCE_SIGNATURE": "abc_1700000000"}, "hyprland"),
    ({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "KDE"}, "kde"),
    ({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "none"),
    ({}, "none"),
    ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0", "GESTURED_FOCUS": "x11"}, "x11"),
])
def test_the_session_picks_its_provider(environ: dict[str, str], expected: str) -> None:
    provider = choose_focus_provider(environ, which=lambda name: f"/usr/bin/{name}")
    assert provider.name == expected
    if expected == "x11":
        assert isinstance(provider, X11Focus)


def test_gnome_wayland_says_once_why_and_keeps_global_bindings(caplog: pytest.LogCaptureFixture) -> None:
    provider = choose_focus_provider({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "GNOME"})
    assert isinstance(provider, NoFocus) and provider.reason == GNOME_REASON
    with caplog.at_level(logging.INFO):
        provider.start()
        assert [provider.current() for _ in range(3)] == [None, None, None]
    assert len(caplog.records) == 1 and "no public interface" in caplog.records[0].getMessage()


@pytest.mark.parametrize(("apps", "warned"), [("apps: [{match: {class: mpv}, bindings: {ok: {key: a}}}]", True),
                                              ("", False)])
def test_a_session_without_focus_warns_only_when_apps_are_bound(
        caplog: pytest.LogCaptureFixture, apps: str, warned: bool) -> None:
    from gestured.config import parse_config
    from gestured.runtime.context import BindingContext

    settings, _ = parse_config(f"bindings: {{ok: {{key: b}}}}\n{apps}\n", "gestures.yaml")
    provider = choose_focus_provider({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "GNOME"})
    with caplog.at_level(logging.INFO):
        context = BindingContext(settings, lambda: _started(provider), always_focus=True)
        context.apply(settings)
        assert context.refresh() is None and context.app is None
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == (1 if warned else 0)
    if warned:
        assert "per-application bindings are off" in warnings[0].getMessage()


def _started(provider: FocusProvider) -> FocusProvider:
    provider.start()
    return provider


def test_kde_without_kdotool_says_to_install_it() -> None:
    provider = choose_focus_provider({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "KDE"},
                                     which=lambda name: None)
    assert isinstance(provider, NoFocus) and "install it" in provider.reason


def fake_command(folder: Path, name: str, output_file: str) -> None:
    """An executable `name` in `folder` that prints a recorded output and counts its runs."""
    script = folder / name
    script.write_text(f"#!/bin/sh\necho run >> {folder / 'runs'}\ncat {RECORDED / output_file}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def wait_for(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize(("environ", "command", "output", "expected"), [
    ({"SWAYSOCK": "/tmp/sway.sock"}, "swaymsg", "sway_get_tree.json", "libreoffice-impress"),
    ({"HYPRLAND_INSTANCE_SIGNATURE": "abc"}, "hyprctl", "hyprctl_activewindow.json", "mpv"),
    ({"XDG_CURRENT_DESKTOP": "KDE"}, "kdotool", "kdotool_active.txt", "org.kde.okular"),
])
def test_compositor_providers_run_their_command_in_a_thread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], command: str,
        output: str, expected: str) -> None:
    fake_command(tmp_path, command, output)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    provider = choose_focus_provider({"XDG_SESSION_TYPE": "wayland", **environ})
    provider.start()
    try:
        wait_for(lambda: provider.current() is not None)
        app = provider.current()
        assert app is not None and app.app_class == expected
    finally:
        provider.close()


def test_command_focus_runs_only_when_asked_and_the_answer_is_old() -> None:
    clock, runs = FakeClock(), []

    def run(argv: object) -> str:
        runs.append(clock())
        return recorded("hyprctl_activewindow.json")

    provider = CommandFocus("hyprland", ("hyprctl",), parse_hyprland, clock=clock, run=run, max_age=0.5)
    provider.start()
    try:
        wait_for(lambda: len(runs) == 1)
        time.sleep(0.05)
        clock.advance(0.2)
        provider.current()  # fresh enough: no new run
        time.sleep(0.05)
        assert len(runs) == 1
        clock.advance(0.4)
        assert provider.current() == FocusedApp("mpv", "mpv", "concert.mkv - mpv")  # the cached answer, at once
        wait_for(lambda: len(runs) == 2)
        assert len(runs) == 2
    finally:
        provider.close()


def test_a_failing_command_gives_no_app_and_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    def run(argv: object) -> str:
        raise OSError("exit status 1: not running under sway")

    provider = CommandFocus("sway", ("swaymsg",), parse_sway_tree, run=run)
    with caplog.at_level(logging.WARNING):
        assert provider.refresh() is None and provider.refresh() is None
    assert len(caplog.records) == 1 and "not running under sway" in caplog.records[0].getMessage()
