"""gestured.output.actions: real subprocesses for shell actions, a recording keyboard for keys."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import pytest

from gestured.config.settings import KeyAction, ShellAction, TypeAction, describe_action
from gestured.errors import GesturedError
from gestured.output.actions import (ACTIONS, DRY_RUN, FAILED, NO_KEYBOARD, NOT_FOUND, ActionExecutor, DryRunExecutor,
                                     Outcome, run_command)
from tests.fakes import RecordingKeyboard


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); count it as gone.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_registry_covers_every_action_kind() -> None:
    assert set(ACTIONS) == {"key", "type", "shell"}
    assert describe_action(KeyAction(("ctrl", "alt", "t"))) == "key ctrl+alt+t"
    assert describe_action(TypeAction("hi")) == "type 'hi'"
    assert describe_action(ShellAction(("playerctl", "play-pause"))) == "shell playerctl play-pause"
    assert describe_action(ShellAction(("echo a; echo b",), use_shell=True)) == "shell (sh) echo a; echo b"


def test_hung_command_and_its_children_are_killed_at_the_timeout(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    pid_file = tmp_path / "child.pid"
    # sh starts a background sleep (a grandchild) and waits: killing only sh would leak it.
    action = ShellAction(("sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"), timeout=0.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="gestured.output.actions"):
        assert run_command(action) is None
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 3.0
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 2.0
    while pid_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_alive(grandchild)
    assert "killed after its 0.5 s timeout" in caplog.text


def test_exit_code_and_truncated_stderr_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    script = "import sys; sys.stderr.write('boom ' + 'x' * 2000); sys.exit(3)"
    with caplog.at_level(logging.INFO, logger="gestured.output.actions"):
        assert run_command(ShellAction((sys.executable, "-c", script))) == 3
    record = next(record for record in caplog.records if "exited 3" in record.getMessage())
    assert record.levelno == logging.WARNING
    assert "boom xxx" in record.getMessage() and record.getMessage().endswith("...")
    assert len(record.getMessage()) < 900


def test_without_shell_a_semicolon_is_just_an_argument(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    assert run_command(ShellAction(("echo", "hello;", "touch", str(marker)))) == 0
    assert not marker.exists()
    assert run_command(ShellAction((f"echo hello; touch {marker}",), use_shell=True)) == 0
    assert marker.exists()


def test_shell_actions_do_not_block_the_caller(tmp_path: Path) -> None:
    executor = ActionExecutor(open_keyboard=RecordingKeyboard)
    outcomes: list[Outcome] = []
    started = time.monotonic()
    future = executor.execute(ShellAction(("sleep", "30"), timeout=0.5), outcomes.append)
    assert future is not None
    assert time.monotonic() - started < 0.2
    deadline = time.monotonic() + 5
    while not outcomes and time.monotonic() < deadline:
        time.sleep(0.01)
    assert outcomes == [Outcome(True)] and not future.done()  # reported as started, still running
    future.result(timeout=5)
    executor.close()
    assert outcomes == [Outcome(True)]


def test_missing_program_is_logged_and_the_executor_goes_on(caplog: pytest.LogCaptureFixture,
                                                            tmp_path: Path) -> None:
    executor = ActionExecutor(open_keyboard=RecordingKeyboard)
    marker = tmp_path / "after"
    outcomes: list[Outcome] = []
    with caplog.at_level(logging.INFO, logger="gestured.output.actions"):
        assert executor.execute(ShellAction(("no-such-program-gestured",)), outcomes.append).result() == NOT_FOUND
        assert outcomes == [Outcome(False, NOT_FOUND)]  # known before anything was queued
        executor.execute(ShellAction(("touch", str(marker))), outcomes.append).result(timeout=5)  # type: ignore[union-attr]
        # Through a shell, the shell is what starts: it ran (the shell's exit status 127 is logged).
        executor.execute(ShellAction(("no-such-program-gestured",), use_shell=True),
                         outcomes.append).result(timeout=5)  # type: ignore[union-attr]
    executor.close()
    assert "no-such-program-gestured is not on PATH" in caplog.text
    assert marker.exists()
    assert outcomes == [Outcome(False, NOT_FOUND), Outcome(True), Outcome(True)]


def test_key_and_type_go_to_the_keyboard_opened_lazily() -> None:
    opened: list[RecordingKeyboard] = []

    def open_keyboard() -> RecordingKeyboard:
        opened.append(RecordingKeyboard())
        return opened[-1]

    executor = ActionExecutor(open_keyboard=open_keyboard)
    outcomes: list[Outcome] = []
    assert opened == []  # nothing opened before the first key action
    executor.execute(KeyAction(("ctrl", "alt", "t")), outcomes.append)
    executor.execute(TypeAction("hello"), outcomes.append)
    executor.execute(KeyAction(("play_pause",)), outcomes.append).result(timeout=5)  # type: ignore[union-attr]
    executor.close()
    assert outcomes == [Outcome(True)] * 3
    assert len(opened) == 1
    assert opened[0].presses == [("ctrl", "alt", "t"), ("play_pause",)]
    assert opened[0].typed == ["hello"]


class Unavailable(GesturedError):
    pass


def test_unavailable_keyboard_is_reported_once_and_shell_still_runs(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def open_keyboard() -> RecordingKeyboard:
        calls.append(1)
        raise Unavailable("key actions unavailable: Wayland session without uinput")

    executor = ActionExecutor(open_keyboard=open_keyboard)
    marker = tmp_path / "ran"
    outcomes: list[Outcome] = []
    with caplog.at_level(logging.INFO, logger="gestured.output.actions"):
        for _ in range(3):
            executor.execute(KeyAction(("play_pause",)), outcomes.append)
        executor.execute(ShellAction(("touch", str(marker))), outcomes.append).result(timeout=5)  # type: ignore[union-attr]
        executor.close()
    assert sorted(outcomes, key=str) == [Outcome(False, NO_KEYBOARD)] * 3 + [Outcome(True)]
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Wayland session without uinput" in errors[0].getMessage()
    assert calls == [1]
    assert marker.exists()


def test_a_failing_action_is_logged_with_its_traceback_and_later_ones_run(
        caplog: pytest.LogCaptureFixture) -> None:
    class BrokenKeyboard(RecordingKeyboard):
        def press_combo(self, keys: tuple[str, ...]) -> None:
            if keys == ("f13",):
                raise RuntimeError("X server went away")
            super().press_combo(keys)

    keyboard = BrokenKeyboard()
    executor = ActionExecutor(open_keyboard=lambda: keyboard)
    outcomes: list[Outcome] = []
    with caplog.at_level(logging.ERROR, logger="gestured.output.actions"):
        executor.execute(KeyAction(("f13",)), outcomes.append)
        executor.execute(KeyAction(("a",)), outcomes.append).result(timeout=5)  # type: ignore[union-attr]
    executor.close()
    assert outcomes == [Outcome(False, FAILED), Outcome(True)]
    failure = next(record for record in caplog.records if "failed" in record.getMessage())
    assert failure.exc_info is not None and "X server went away" in str(failure.exc_info[1])
    assert keyboard.presses == [("a",)]


def test_dry_run_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    executor = DryRunExecutor()
    outcomes: list[Outcome] = []
    executor.execute(ShellAction(("touch", str(marker))), outcomes.append)
    assert outcomes == [Outcome(False, DRY_RUN)]
    executor.close()
    time.sleep(0.1)
    assert not marker.exists()
