"""Hot reload with real files under a real watchdog observer, one test per editor save style."""

from __future__ import annotations

import logging
import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gestured.config import ConfigError, load_settings
from gestured.config.reload import ConfigWatcher
from gestured.config.settings import KeyAction, Settings

WAIT = 5.0  # generous for a loaded CI machine; a pass normally takes ~0.3 s

GOOD = "bindings:\n  thumbs_up:\n    key: play_pause\n"
CHANGED = "bindings:\n  thumbs_up:\n    key: play_pause\n    hold: 0.4\n  ok:\n    key: ctrl+c\n"


class Recorder:
    """Callbacks that hand results to the test thread through queues (waited on with a timeout)."""

    def __init__(self) -> None:
        self.changes: queue.Queue[Settings] = queue.Queue()
        self.errors: queue.Queue[ConfigError] = queue.Queue()
        self.loads = 0

    def on_change(self, settings: Settings) -> None:
        self.changes.put(settings)

    def on_error(self, error: ConfigError) -> None:
        self.errors.put(error)

    def loader(self, path: Path) -> Settings:
        self.loads += 1
        return load_settings(path)

    def next_change(self) -> Settings:
        return self.changes.get(timeout=WAIT)

    def next_error(self) -> ConfigError:
        return self.errors.get(timeout=WAIT)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "gestures.yaml"
    path.write_text(GOOD)
    path.chmod(0o600)
    return path


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def watcher(config: Path, recorder: Recorder) -> Iterator[ConfigWatcher]:
    with ConfigWatcher(config, recorder.on_change, recorder.on_error, loader=recorder.loader,
                       settings=load_settings(config)) as running:
        yield running


def gestures(settings: Settings) -> dict[str, float]:
    return {binding.gesture: binding.hold for binding in settings.bindings}


def test_in_place_write_applies_with_one_log_line(
    config: Path, recorder: Recorder, watcher: ConfigWatcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gestured.config.reload")
    with config.open("w") as handle:
        handle.write(CHANGED)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
    reload_lines = [record.getMessage() for record in caplog.records if "reloaded" in record.getMessage()]
    assert reload_lines == ["reloaded gestures.yaml: ~thumbs_up hold 0.25->0.4, +ok -> key ctrl+c"]
    loads = recorder.loads
    time.sleep(1.0)  # our own reads (open / close-no-write events) must not trigger reloads
    assert recorder.loads == loads and recorder.changes.empty()


def test_write_temp_then_rename_applies(config: Path, recorder: Recorder, watcher: ConfigWatcher) -> None:
    temporary = config.with_name(".gestures.yaml.swp")
    temporary.write_text(CHANGED)
    temporary.chmod(0o600)
    os.replace(temporary, config)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
    assert watcher.settings is not None and gestures(watcher.settings) == {"thumbs_up": 0.4, "ok": 0.5}


def test_delete_then_create_applies(config: Path, recorder: Recorder, watcher: ConfigWatcher) -> None:
    config.unlink()
    error = recorder.next_error()  # the missing file is refused, the last good settings kept
    assert error.problems == [f"{config}: cannot read: No such file or directory"]
    assert watcher.settings is not None and gestures(watcher.settings) == {"thumbs_up": 0.25}
    config.write_text(CHANGED)
    config.chmod(0o600)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}


def test_truncate_then_write_keeps_the_last_good_settings_meanwhile(
    config: Path, recorder: Recorder, watcher: ConfigWatcher
) -> None:
    with config.open("r+") as handle:
        handle.truncate(0)
        handle.flush()
        error = recorder.next_error()  # the empty, half-written file was seen and refused
        assert error.problems == [f"{config}: is empty (a save in progress?)"]
        assert watcher.settings is not None and gestures(watcher.settings) == {"thumbs_up": 0.25}
        handle.write(CHANGED)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
    assert recorder.changes.empty()


def test_broken_save_keeps_last_good_then_the_fix_applies(
    config: Path, recorder: Recorder, watcher: ConfigWatcher, caplog: pytest.LogCaptureFixture
) -> None:
    config.write_text("bindings:\n  thumbs_up:\n    key: ctrll+t\n")
    error = recorder.next_error()
    assert error.problems == [f"{config}:3: bindings.thumbs_up.key: unknown key 'ctrll' (did you mean 'ctrl'?)"]
    assert watcher.settings is not None and gestures(watcher.settings) == {"thumbs_up": 0.25}
    assert recorder.changes.empty()
    assert any(record.levelno == logging.ERROR and "ctrll" in record.getMessage() for record in caplog.records)
    config.write_text("bindings:\n  thumbs_up:\n    key: ctrl+t\n")
    applied = recorder.next_change()
    assert applied.bindings[0].action == KeyAction(("ctrl", "t"))


def test_a_burst_of_writes_is_one_reload(config: Path, recorder: Recorder) -> None:
    # A longer debounce than the default, so a stalled CI machine still sees one burst.
    with ConfigWatcher(config, recorder.on_change, recorder.on_error, loader=recorder.loader,
                       settings=load_settings(config), debounce=0.5, max_delay=2.0):
        for hold in range(1, 11):
            config.write_text(f"bindings:\n  thumbs_up:\n    key: play_pause\n    hold: 0.{hold:02d}\n")
        assert gestures(recorder.next_change()) == {"thumbs_up": 0.1}
        time.sleep(1.0)  # longer than the debounce: a second reload would have happened by now
    assert recorder.changes.empty() and recorder.errors.empty()
    assert recorder.loads == 1


def test_permissions_are_checked_on_every_reload(config: Path, recorder: Recorder, watcher: ConfigWatcher) -> None:
    config.chmod(0o666)
    config.write_text(CHANGED)
    error = recorder.next_error()
    assert error.problems == [
        f"{config}: refusing to load: the file is writable by group or others (mode 0666); "
        f"run: chmod go-w {config}"]
    config.chmod(0o600)  # an attribute change alone is enough to re-read it
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}


def test_other_files_in_the_directory_are_ignored(config: Path, recorder: Recorder, watcher: ConfigWatcher) -> None:
    (config.parent / "notes.txt").write_text("not the config")
    config.with_name("gestures.yaml.bak").write_text(CHANGED)
    time.sleep(0.6)  # longer than the debounce: a reload would have happened by now
    assert recorder.loads == 0


def test_reload_now_works_while_watching(config: Path, recorder: Recorder, watcher: ConfigWatcher) -> None:
    assert watcher.reload_now() == load_settings(config)  # unchanged: no callback
    assert recorder.changes.empty()
