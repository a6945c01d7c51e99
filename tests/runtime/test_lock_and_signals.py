"""gestured.runtime.lock and gestured.runtime.signals: the instance lock (real flock, real second process) and signal routing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gestured.runtime.lock import AlreadyRunning, InstanceLock
from gestured.errors import exit_code_after_stop, stop_requested_by
from gestured.runtime.signals import StartupSignals, install_signal_handlers


def test_lock_writes_our_pid_and_a_second_lock_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run" / "gestured.lock"
    with InstanceLock(path):
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(AlreadyRunning, match=rf"already running \(PID {os.getpid()}, lock {path}\)"):
            InstanceLock(path).acquire()
    # Released: the next instance gets it.
    with InstanceLock(path):
        pass


def test_lock_held_by_another_process_names_its_pid(tmp_path: Path) -> None:
    path = tmp_path / "gestured.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from gestured.runtime.lock import InstanceLock; "
         f"lock = InstanceLock(Path({str(path)!r})).acquire(); print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning, match=rf"PID {holder.pid}\b.*kill {holder.pid}"):
            InstanceLock(path).acquire()
    finally:
        holder.kill()
        holder.wait()
    # The kernel dropped the dead holder's lock: no stale lock file problem.
    with InstanceLock(path):
        assert path.read_text().strip() == str(os.getpid())


def test_default_lock_lives_in_the_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert InstanceLock().path == tmp_path / "gestured" / "gestured.lock"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def stop(self) -> None:
        self.calls.append("stop")

    def cancel(self) -> None:
        self.calls.append("cancel")

    def request_reload(self) -> None:
        self.calls.append("reload")

    def toggle_pause(self) -> None:
        self.calls.append("pause")


def test_signals_are_routed_and_handlers_restored() -> None:
    recorder = Recorder()
    before = signal.getsignal(signal.SIGHUP)
    restore = install_signal_handlers(recorder)
    try:
        for signal_number in (signal.SIGHUP, signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
            os.kill(os.getpid(), signal_number)
            deadline = time.monotonic() + 1.0
            while len(recorder.calls) < 4 and time.monotonic() < deadline:
                time.sleep(0.01)
                break
    finally:
        restore()
    assert recorder.calls == ["reload", "pause", "stop", "cancel"]
    assert signal.getsignal(signal.SIGHUP) == before


def test_signal_actions_never_run_inside_a_handler_so_a_lock_the_main_thread_holds_cannot_deadlock() -> None:
    """A storm of SIGHUPs then SIGTERM once hung the daemon: the handler's Event.set() ran on
    the main thread while that thread was inside the same Event's lock."""
    lock = threading.Lock()
    recorder, stuck = Recorder(), []

    def reload_under_the_lock() -> None:
        if not lock.acquire(timeout=2.0):  # inside a handler on this thread: never granted
            stuck.append("reload")
            return
        recorder.calls.append("reload")
        lock.release()

    recorder.request_reload = reload_under_the_lock  # type: ignore[method-assign]
    restore = install_signal_handlers(recorder)
    try:
        with lock:
            for _ in range(20):
                os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.3)  # any Python-level handler runs here, holding the lock
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 5.0
        while "stop" not in recorder.calls and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        restore()
    assert stuck == []
    assert "reload" in recorder.calls and recorder.calls[-1] == "stop"


def _spin(seconds: float) -> None:
    """Run Python bytecode for a while: a signal's Python handler runs between two of them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def test_a_stop_while_a_module_defines_a_class_is_found_inside_the_error_python_wraps_it_in() -> None:
    """CI saw `internal error: RuntimeError: Error calling __set_name__` when SIGTERM landed
    while watchdog was being imported: Python 3.11 wraps what __set_name__ raises."""

    class Field:
        def __set_name__(self, owner: type, name: str) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            _spin(1.0)

    startup = StartupSignals().install()
    try:
        with pytest.raises(BaseException) as raised:
            type("Watched", (), {"field": Field()})
    finally:
        startup.restore()
    assert stop_requested_by(raised.value) == "SIGTERM"
    assert exit_code_after_stop("SIGTERM") == 0 and exit_code_after_stop("SIGINT") == 130
    assert stop_requested_by(RuntimeError("a bug")) is None


@pytest.mark.parametrize(("number", "replayed"), [(signal.SIGTERM, "stop"), (signal.SIGINT, "cancel")])
def test_a_stop_that_a_library_swallowed_during_start_up_still_stops_the_daemon(number: int,
                                                                                 replayed: str) -> None:
    startup = StartupSignals().install()
    recorder = Recorder()
    try:
        try:
            os.kill(os.getpid(), number)
            _spin(1.0)
        except BaseException:  # what a careless `except BaseException: pass` in a library does
            pass
        startup.hand_over(recorder)
    finally:
        startup.restore()
    assert recorder.calls == [replayed]
