"""Hot reload against what issue 11 did to it (items 3, 6 and 9), with a real watchdog:
a directory deleted and made again, a symlinked config edited at its target, a save
written in two parts, a FIFO put in the config's place."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gestured.config import load_settings
from gestured.config.reload import ConfigWatcher
from tests.integration.test_reload import CHANGED, GOOD, WAIT, Recorder, gestures, recorder  # noqa: F401 (fixture)


def write_private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    folder = tmp_path / "gestured"
    folder.mkdir(mode=0o700)
    return folder


def watching(path: Path, recorder: Recorder) -> ConfigWatcher:
    return ConfigWatcher(path, recorder.on_change, recorder.on_error, loader=recorder.loader,
                         settings=load_settings(path) if path.exists() else None)


@pytest.fixture
def watched(directory: Path, recorder: Recorder) -> Iterator[Path]:
    config = write_private(directory / "gestures.yaml", GOOD)
    with watching(config, recorder):
        yield config


def test_a_recreated_directory_is_watched_again(watched: Path, recorder: Recorder) -> None:
    shutil.rmtree(watched.parent)
    recorder.next_error()  # the file is gone: refused, the last good settings kept
    watched.parent.mkdir(mode=0o700)
    write_private(watched, CHANGED)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
    write_private(watched, GOOD)  # and the new watch keeps working
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.25}


def test_a_directory_that_appears_later_is_watched(tmp_path: Path, recorder: Recorder) -> None:
    config = tmp_path / "later" / "gestures.yaml"
    with watching(config, recorder):
        time.sleep(0.3)
        config.parent.mkdir(mode=0o700)
        write_private(config, CHANGED)
        assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}


def test_a_symlinked_config_is_watched_at_its_target(tmp_path: Path, directory: Path, recorder: Recorder) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir(mode=0o700)
    target = write_private(dotfiles / "gestures-real.yaml", GOOD)
    link = directory / "gestures.yaml"
    link.symlink_to(target)
    with watching(link, recorder):
        with target.open("w") as handle:  # edited in place where it really lives
            handle.write(CHANGED)
        assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
        other = write_private(dotfiles / "other.yaml", "bindings:\n  fist:\n    key: mute\n")
        link.unlink()
        link.symlink_to(other)  # pointed elsewhere: that file is watched from now on
        assert gestures(recorder.next_change()) == {"fist": 0.7}
        write_private(other, "bindings:\n  fist:\n    key: mute\n    hold: 0.5\n")
        assert gestures(recorder.next_change()) == {"fist": 0.5}


def test_a_save_written_in_two_parts_is_applied_once_whole(watched: Path, recorder: Recorder) -> None:
    with watched.open("w") as handle:
        handle.write("hold: 0.25\n")  # valid on its own, without the bindings
        handle.flush()
        time.sleep(0.5)
        handle.write(CHANGED)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
    time.sleep(1.0)
    assert recorder.changes.empty() and recorder.errors.empty()  # never "-thumbs_up"


def test_a_fifo_in_the_configs_place_never_blocks_the_reload_thread(watched: Path, recorder: Recorder) -> None:
    fifo = watched.with_name("fifo")
    os.mkfifo(fifo, 0o600)
    os.replace(fifo, watched)
    error = recorder.next_error()
    assert error.problems == [f"{watched}: cannot read: it is a FIFO (named pipe); the config must be a regular file"]
    replacement = write_private(watched.with_name("new.yaml"), CHANGED)
    os.replace(replacement, watched)
    assert gestures(recorder.next_change()) == {"thumbs_up": 0.4, "ok": 0.5}
    assert WAIT >= 5.0
