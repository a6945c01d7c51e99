"""Hot reload without a file watcher: the change description, the debounce timing and
reload_now() on real files (the watchdog-driven tests are in tests/integration/)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from gestured.config import ConfigError, load_settings
from gestured.config.reload import ConfigWatcher, describe_changes, reload_due
from gestured.config.settings import Binding, KeyAction, Settings, ShellAction, TypeAction


def binding(gesture: str, action: object, **timing: object) -> Binding:
    values = {"hold": 0.25, "threshold": 0.7, "release": 0.3, **timing}
    return Binding(gesture, action, **values)  # type: ignore[arg-type]


OLD = Settings(bindings=(
    binding("thumbs_up", KeyAction(("play_pause",))),
    binding("fist", KeyAction(("mute",))),
))


def test_describe_changes_lists_added_changed_and_removed_bindings() -> None:
    new = Settings(bindings=(
        binding("thumbs_up", KeyAction(("play_pause",)), hold=0.4),
        binding("ok", KeyAction(("ctrl", "c"))),
    ))
    assert describe_changes(OLD, new) == "~thumbs_up hold 0.25->0.4, +ok -> key ctrl+c, -fist"


def test_describe_changes_global_settings_and_actions() -> None:
    new = Settings(hold=0.3, backend="openpose", bindings=(
        binding("thumbs_up", ShellAction(("playerctl", "play-pause"))),
        binding("fist", KeyAction(("mute",)), hand="left", repeat=0.5),
    ))
    assert describe_changes(OLD, new) == (
        "backend mediapipe->openpose, hold 0.25->0.3, "
        "~thumbs_up key play_pause => shell playerctl play-pause, ~fist repeat none->0.5 hand any->left")


def test_describe_changes_of_equal_settings_and_long_actions() -> None:
    assert describe_changes(OLD, OLD) == "no changes"
    text = "x" * 100
    new = Settings(bindings=(binding("ok", TypeAction(text)),))
    assert describe_changes(Settings(), new) == f"+ok -> type '{'x' * 51}..."


def test_reload_due_waits_for_quiet_but_not_past_max_delay() -> None:
    assert reload_due(10.0, 10.0, 0.2, 0.8) == pytest.approx(10.2)
    assert reload_due(10.0, 10.5, 0.2, 0.8) == pytest.approx(10.7)
    assert reload_due(10.0, 10.7, 0.2, 0.8) == pytest.approx(10.8)  # a never-ending burst still applies


class Calls:
    def __init__(self) -> None:
        self.changes: list[Settings] = []
        self.errors: list[ConfigError] = []


def make_watcher(path: Path, calls: Calls, settings: Settings | None) -> ConfigWatcher:
    return ConfigWatcher(path, calls.changes.append, calls.errors.append, settings=settings)


def test_reload_now_applies_refuses_and_keeps_the_last_good(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gestured.config.reload")
    path = tmp_path / "gestures.yaml"
    path.write_text("bindings:\n  fist:\n    key: mute\n")
    calls = Calls()
    watcher = make_watcher(path, calls, load_settings(path))
    path.write_text("bindings:\n  fist:\n    key: mute\n  ok:\n    key: ctrl+c\n")
    new = watcher.reload_now()
    assert calls.changes == [new] and watcher.settings == new
    assert caplog.messages[-1] == "reloaded gestures.yaml: +ok -> key ctrl+c"
    path.write_text("bindings:\n  fist:\n    key: mutee\n")
    assert watcher.reload_now() is None
    assert watcher.settings == new and len(calls.changes) == 1
    assert calls.errors[0].problems == [f"{path}:3: bindings.fist.key: unknown key 'mutee' (did you mean 'mute'?)"]
    assert caplog.messages[-2:] == [calls.errors[0].problems[0],
                                    "gestures.yaml not applied: keeping the last good settings"]
    path.write_text("")
    assert watcher.reload_now() is None and watcher.settings == new  # half-written: not "no bindings"


def test_first_load_without_a_baseline_and_an_unchanged_file(tmp_path: Path) -> None:
    path = tmp_path / "gestures.yaml"
    path.write_text("bindings:\n  fist:\n    key: mute\n")
    calls = Calls()
    watcher = make_watcher(path, calls, None)
    assert watcher.settings is None
    first = watcher.reload_now()
    assert calls.changes == [first]
    assert watcher.reload_now() == first and calls.changes == [first]  # saved without changes


def test_a_missing_directory_is_waited_for(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "absent" / "gestures.yaml"
    watcher = make_watcher(path, Calls(), None)
    watcher.start()
    watcher.stop()
    watcher.stop()
    assert (f"not watching gestures.yaml: {path.parent} does not exist yet (watching for it; SIGHUP reloads)"
            in caplog.messages)


def test_config_package_does_not_import_the_watcher() -> None:
    # The package and the watcher used to import each other; now only reload imports config.
    code = "import sys, gestured.config; print('gestured.config.reload' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
    assert ConfigWatcher.__module__ == "gestured.config.reload"
