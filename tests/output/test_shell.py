"""Shell actions as real processes (gestured/output/shell.py, issue 11 items 2, 5, 7 and 8):
detached children, hung commands, floods of stderr, a full queue, shutdown."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from gestured.config.settings import ShellAction
from gestured.output.actions import QUEUE_FULL, ActionExecutor, Outcome
from gestured.output.shell import STDERR_KEEP, CommandRunner


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as status:
            return status.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def read_pids(path: Path, count: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(word) for word in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.02)
    raise AssertionError(f"{path} never held {count} pids")


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_child_that_detaches_with_the_pipe_does_not_hold_the_command(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # setsid leaves our process group and keeps stderr: communicate() used to wait forever.
    action = ShellAction((f"setsid sh -c 'echo $$ >> {pids}; exec sleep 1000' &",), use_shell=True, timeout=3)
    started = time.monotonic()
    try:
        assert CommandRunner().run(action) == 0
        assert time.monotonic() - started < 2.0
        (detached,) = read_pids(pids, 1)
        assert alive(detached)  # a launcher's child (a browser) must outlive the launcher
    finally:
        kill_all(read_pids(pids, 1))


def test_a_hung_command_with_a_background_child_is_killed_at_its_timeout(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    pids = tmp_path / "pids"
    action = ShellAction((f"sleep 1000 & echo $! >> {pids}; echo $$ >> {pids}; wait",), use_shell=True, timeout=1)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert CommandRunner().run(action) is None
    assert time.monotonic() - started < 3.0
    assert "killed after its 1 s timeout" in caplog.text
    found = read_pids(pids, 2)
    time.sleep(0.2)
    assert not any(alive(pid) for pid in found)


def test_200_mb_of_stderr_keeps_only_a_bounded_tail(caplog: pytest.LogCaptureFixture) -> None:
    before = _peak_rss_mb()
    script = "import sys; [sys.stderr.buffer.write(b'e' * 1_000_000) for _ in range(200)]; sys.exit(4)"
    with caplog.at_level(logging.WARNING):
        assert CommandRunner().run(ShellAction((sys.executable, "-c", script), timeout=60)) == 4
    assert _peak_rss_mb() - before < 50  # it was 821 MB
    record = next(record for record in caplog.records if "exited 4" in record.getMessage())
    assert record.getMessage().endswith("e" * 100 + "...") and len(record.getMessage()) < 700
    assert STDERR_KEEP < 10_000


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_close_stops_running_commands_and_their_groups_within_3_s(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    executor = ActionExecutor(shell_workers=2)
    command = ShellAction((f"trap '' TERM; sleep 1000 & echo $! >> {pids}; echo $$ >> {pids}; wait",),
                          use_shell=True, timeout=600)
    executor.execute(command)
    executor.execute(ShellAction(("sleep", "1000"), timeout=600))
    executor.execute(ShellAction(("sleep", "1000"), timeout=600))  # queued: dropped at close
    found = read_pids(pids, 2)
    time.sleep(0.2)
    running = [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and _is_sleep_1000(int(entry))]
    started = time.monotonic()
    executor.close()
    assert time.monotonic() - started < 3.0
    time.sleep(0.1)
    assert not any(alive(pid) for pid in found + running)  # the shell ignored SIGTERM: SIGKILL got it


def _is_sleep_1000(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read() == b"sleep\x001000\x00" and os.getpgid(pid) != os.getpgid(0)
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_full_queue_drops_fires_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    executor = ActionExecutor(shell_workers=1, queue_limit=3)
    action = ShellAction(("sleep", "0.3"), timeout=5)
    outcomes: list[Outcome] = []
    with caplog.at_level(logging.INFO):
        futures = [executor.execute(action, outcomes.append) for _ in range(10)]
        results = [future.result(timeout=10) for future in futures]
        executor.close()
    assert results == [None] * 3 + [QUEUE_FULL] * 7
    assert sorted(outcomes, key=str) == [Outcome(False, QUEUE_FULL)] * 7 + [Outcome(True)] * 3  # events say so
    assert sum("dropping" in record.getMessage() for record in caplog.records) == 1
    assert "command queue drained; 7 fire(s) were dropped" in caplog.text


def test_a_command_started_while_closing_is_killed_at_once(tmp_path: Path) -> None:
    runner = CommandRunner()
    runner.terminate_all()
    started = time.monotonic()
    outcome: list[int | None] = []
    thread = threading.Thread(target=lambda: outcome.append(runner.run(ShellAction(("sleep", "1000"), timeout=600))))
    thread.start()
    thread.join(5)
    assert outcome == [-signal.SIGKILL] and time.monotonic() - started < 2.0
