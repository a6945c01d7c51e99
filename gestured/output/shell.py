"""Shell actions as processes: each in its own process group, stderr read with a cap,
a timeout that kills the group, and a shutdown that leaves no command running.

A command's stderr is read on a daemon thread that keeps the first `STDERR_KEEP` bytes
and discards the rest (a command writing 200 MB costs nothing), so the waiting worker
never blocks on the pipe: it waits for the command itself, and once that exits it gives
the reader `DRAIN_WAIT` seconds for the last words. A launcher that detaches a child
(`setsid browser &`, `xdg-open`) leaves the pipe to that child; the reader goes on
draining it until the child closes it, so the child never dies of a full or broken pipe.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from typing import IO, Callable

from gestured.config.settings import ShellAction, describe_action

logger = logging.getLogger(__name__)

STDERR_KEEP = 4096  # bytes of a command's stderr kept (STDERR_LIMIT characters are logged)
STDERR_LIMIT = 500
COMMAND_LIMIT = 80  # characters of a command shown in log lines
DRAIN_WAIT = 0.2  # seconds to wait for stderr after the command exited
STOP_GRACE = 1.0  # seconds between SIGTERM and SIGKILL for commands running at shutdown


class StderrTail:
    """Reads `stream` to its end on a daemon thread, keeping the first `keep` bytes."""

    def __init__(self, stream: IO[bytes], keep: int = STDERR_KEEP) -> None:
        self._stream, self._keep = stream, keep
        self._kept = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name="gestured-stderr", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        descriptor = self._stream.fileno()
        try:
            while chunk := os.read(descriptor, 1 << 16):
                with self._lock:
                    room = self._keep - len(self._kept)
                    if room > 0:
                        self._kept += chunk[:room]
        except OSError:
            pass
        finally:
            self._stream.close()

    def text(self, wait: float) -> str:
        """What was kept, after waiting up to `wait` s for the end of the stream."""
        self._thread.join(wait)
        with self._lock:
            return bytes(self._kept).decode(errors="replace").strip()


class CommandRunner:
    """Runs shell actions (`run`) and stops those still running (`terminate_all`)."""

    def __init__(self) -> None:
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._closing = False

    def run(self, action: ShellAction, started: Callable[[], None] = lambda: None) -> int | None:
        """Run `action` to completion in its own process group; kill the group at its timeout.
        Calls `started()` as soon as the process exists.

        Returns the exit code, or None when it was killed at its timeout. Logs the outcome
        (a failure with its stderr, cut, as a warning); stdout is discarded (the daemon's
        stdout carries the events). Raises OSError when the program can't be started.
        """
        process = subprocess.Popen(
            shell_command(action), shell=action.use_shell, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        started()
        with self._lock:
            self._running.add(process)
            closing = self._closing
        if closing:  # started while the daemon stops: don't let it outlive us
            signal_group(process, signal.SIGKILL)
        assert process.stderr is not None
        tail = StderrTail(process.stderr)
        try:
            process.wait(timeout=action.timeout)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait()
            logger.warning("command %s killed after its %g s timeout", describe_action(action, limit=COMMAND_LIMIT),
                           action.timeout)
            return None
        finally:
            with self._lock:
                self._running.discard(process)
        _log_exit(action, process.returncode, tail.text(DRAIN_WAIT))
        return process.returncode

    def terminate_all(self, grace: float = STOP_GRACE) -> int:
        """SIGTERM every running command's process group, SIGKILL what is left after `grace` s.

        Commands started after this call are killed at once. Returns how many were running.
        """
        with self._lock:
            self._closing = True
            running = list(self._running)
        for process in running:
            signal_group(process, signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            signal_group(process, signal.SIGKILL)  # also what remains of its group
        if running:
            logger.info("stopped %d running command(s)", len(running))
        return len(running)


def shell_command(action: ShellAction) -> str | list[str]:
    """What Popen gets: the argv list, or one command line when the binding asks for a shell."""
    if action.use_shell:
        return " ".join(action.argv)
    return list(action.argv)


def signal_group(process: subprocess.Popen[bytes], number: signal.Signals) -> None:
    """Send `number` to the process group `process` leads (gone already: nothing to do)."""
    try:
        os.killpg(process.pid, number)
    except (ProcessLookupError, PermissionError):
        pass


def _log_exit(action: ShellAction, code: int, message: str) -> None:
    if len(message) > STDERR_LIMIT:
        message = message[:STDERR_LIMIT] + "..."
    command = describe_action(action, limit=COMMAND_LIMIT)
    if code == 0:
        logger.debug("command %s exited 0%s", command, f": {message}" if message else "")
    elif code < 0:
        logger.warning("command %s ended by signal %d: %s", command, -code, message or "(no stderr)")
    else:
        logger.warning("command %s exited %d: %s", command, code, message or "(no stderr)")
