"""Which key backend each kind of session gets (gestured/output/session.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gestured.output.session import choose_backend, session_type, uinput_writable

X11 = {"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}
WAYLAND = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}
XWAYLAND = {**WAYLAND, "DISPLAY": ":0"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (X11, "x11"),
        (WAYLAND, "wayland"),
        (XWAYLAND, "wayland"),
        # A systemd user service usually sees only the imported display variables.
        ({"DISPLAY": ":1"}, "x11"),
        ({"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":1"}, "wayland"),
        ({"XDG_SESSION_TYPE": "tty", "DISPLAY": ":1"}, "x11"),
        ({"XDG_SESSION_TYPE": "tty"}, "none"),
        ({"XDG_SESSION_TYPE": "X11", "DISPLAY": ":0"}, "x11"),
        ({}, "none"),
        ({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, "none"),
    ],
)
def test_session_type(environ: dict[str, str], expected: str) -> None:
    assert session_type(environ) == expected


@pytest.mark.parametrize("uinput", [True, False])
def test_x11_uses_xtest_whether_or_not_uinput_is_writable(uinput: bool) -> None:
    choice = choose_backend(X11, uinput)
    assert choice.backend == "xorg"
    assert "DISPLAY=:0" in choice.reason


def test_x11_session_without_display_variable_says_how_to_import_it() -> None:
    choice = choose_backend({"XDG_SESSION_TYPE": "x11"}, True)
    assert choice.backend is None
    assert "DISPLAY is unset" in choice.reason
    assert "systemctl --user import-environment" in choice.reason


@pytest.mark.parametrize("environ", [WAYLAND, XWAYLAND])
def test_wayland_with_writable_uinput_uses_uinput(environ: dict[str, str]) -> None:
    assert choose_backend(environ, True).backend == "uinput"


def test_wayland_without_uinput_points_to_the_udev_rule_and_shell_actions() -> None:
    choice = choose_backend(WAYLAND, False)
    assert choice.backend is None
    assert "/dev/uinput is not writable" in choice.reason
    assert 'KERNEL=="uinput"' in choice.reason and "input" in choice.reason
    assert "playerctl play-pause" in choice.reason
    assert "XWayland" not in choice.reason  # no DISPLAY: don't offer what can't work


def test_wayland_without_uinput_but_with_xwayland_does_not_silently_fall_back() -> None:
    """XTEST on XWayland misses native Wayland windows: refuse, and name the opt-in."""
    choice = choose_backend(XWAYLAND, False)
    assert choice.backend is None
    assert "GESTURED_KEYBOARD_BACKEND=xorg would reach XWayland windows only" in choice.reason


def test_no_display_at_all_says_so() -> None:
    choice = choose_backend({}, True)
    assert choice.backend is None
    assert choice.reason.startswith("no graphical session: DISPLAY and WAYLAND_DISPLAY are unset")


@pytest.mark.parametrize(
    ("override", "environ", "uinput", "expected"),
    [
        ("xorg", XWAYLAND, False, "xorg"),
        ("xorg", WAYLAND, False, None),  # no DISPLAY to send to
        ("uinput", X11, True, "uinput"),
        ("uinput", X11, False, None),
        ("none", X11, True, None),
        ("auto", X11, False, "xorg"),
        ("", X11, False, "xorg"),
        ("XORG", XWAYLAND, False, "xorg"),
        ("wayland", X11, True, None),  # not a backend
    ],
)
def test_override(override: str, environ: dict[str, str], uinput: bool, expected: str | None) -> None:
    choice = choose_backend({**environ, "GESTURED_KEYBOARD_BACKEND": override}, uinput)
    assert choice.backend == expected
    assert choice.reason


def test_unknown_override_names_the_allowed_values() -> None:
    choice = choose_backend({**X11, "GESTURED_KEYBOARD_BACKEND": "wayland"}, True)
    assert "auto, xorg, uinput, none" in choice.reason


def test_uinput_writable_checks_the_real_file(tmp_path: Path) -> None:
    device = tmp_path / "uinput"
    assert not uinput_writable(device)
    device.touch(mode=0o600)
    assert uinput_writable(device)
    if os.geteuid() != 0:  # root may write anything
        device.chmod(0o400)
        assert not uinput_writable(device)
