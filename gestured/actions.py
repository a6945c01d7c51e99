"""Running a binding's action: key combinations, typed text and shell commands.

`ACTIONS` maps the action kinds users write in gestures.yaml to how each is
run. `ActionExecutor` runs them off the frame loop: key and type actions on one
worker thread (in order, on the thread that owns the keyboard connection), shell
commands on a small pool, each with a timeout that kills its whole process group.
`DryRunExecutor` only says what it would do. Neither ever raises into the loop.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from gestured.errors import GesturedError
from gestured.settings import Action, KeyAction, ShellAction, TypeAction, describe_action

logger = logging.getLogger(__name__)

STDERR_LIMIT = 500  # characters of a command's stderr kept in the log


class Keyboard(Protocol):
    def press_combo(self, keys: tuple[str, ...]) -> None: ...

    def type_text(self, text: str) -> None: ...


class Executor(Protocol):
    """Runs (or pretends to run) actions; `executes` is False for a dry run."""

    executes: bool

    def execute(self, action: Action) -> None: ...

    def close(self) -> None: ...


class LazyKeyboard:
    """Opens the keyboard at first use; if that fails, says why once and skips key actions."""

    def __init__(self, open_keyboard: Callable[[], Keyboard] | None = None) -> None:
        self._open_keyboard = open_keyboard
        self._keyboard: Keyboard | None = None
        self.unavailable: str | None = None

    def get(self) -> Keyboard | None:
        """The keyboard, or None when it can't be opened (logged once, at the first failure)."""
        if self._keyboard is not None or self.unavailable is not None:
            return self._keyboard
        opener = self._open_keyboard
        if opener is None:
            from gestured.keyboard import open_keyboard as opener
        try:
            self._keyboard = opener()
        except GesturedError as error:  # KeyboardUnavailable
            self.unavailable = str(error)
            logger.error("%s (other actions still run)", error)
        return self._keyboard


def shell_command(action: ShellAction) -> str | list[str]:
    """What Popen gets: the argv list, or one command line when the binding asks for a shell."""
    if action.use_shell:
        return " ".join(action.argv)
    return list(action.argv)


def run_command(action: ShellAction) -> int | None:
    """Run a shell action to completion in its own process group; kill the group at timeout.

    Returns the exit code, or None when it was killed at its timeout. Logs the outcome
    (a failure with its stderr, truncated, as a warning). Its stdout is discarded: the
    daemon's stdout carries the events. Raises OSError when the program can't be started.
    """
    process = subprocess.Popen(
        shell_command(action),
        shell=action.use_shell,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=action.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        logger.warning("command %s killed after its %g s timeout", describe(action), action.timeout)
        return None
    message = stderr.decode(errors="replace").strip()
    if len(message) > STDERR_LIMIT:
        message = message[:STDERR_LIMIT] + "..."
    if process.returncode == 0:
        logger.debug("command %s exited 0%s", describe(action), f": {message}" if message else "")
    else:
        logger.warning("command %s exited %d: %s", describe(action), process.returncode, message or "(no stderr)")
    return process.returncode


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()


@dataclass(frozen=True)
class ActionKind:
    """How one kind of action is run (run gets the executor's resources)."""

    run: Callable[[Any, "ActionExecutor"], None]
    on_keyboard_thread: bool


def _press(action: KeyAction, executor: "ActionExecutor") -> None:
    keyboard = executor.keyboard.get()
    if keyboard is not None:
        keyboard.press_combo(action.keys)


def _type(action: TypeAction, executor: "ActionExecutor") -> None:
    keyboard = executor.keyboard.get()
    if keyboard is not None:
        keyboard.type_text(action.text)


def _shell(action: ShellAction, executor: "ActionExecutor") -> None:
    try:
        run_command(action)
    except FileNotFoundError as error:
        logger.error("command %s can't start: %s not found (check PATH)", describe(action), error.filename)


ACTIONS: dict[str, ActionKind] = {
    "key": ActionKind(_press, True),
    "type": ActionKind(_type, True),
    "shell": ActionKind(_shell, False),
}


def describe(action: Action | None) -> str | None:
    """A short description for logs and events ("key ctrl+alt+t", "shell playerctl play-pause")."""
    if action is None:
        return None
    return describe_action(action)


class ActionExecutor:
    """Runs actions for real, never blocking the caller and never raising into it."""

    executes = True

    def __init__(self, open_keyboard: Callable[[], Keyboard] | None = None, shell_workers: int = 4) -> None:
        self.keyboard = LazyKeyboard(open_keyboard)
        self._keys = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gestured-keys")
        self._shells = ThreadPoolExecutor(max_workers=shell_workers, thread_name_prefix="gestured-shell")

    def execute(self, action: Action) -> Future[None]:
        """Queue `action`; the returned future completes when it has run (errors are logged)."""
        kind = ACTIONS[action.kind]
        pool = self._keys if kind.on_keyboard_thread else self._shells
        logger.debug("queueing %s", describe_action(action))
        return pool.submit(self._run_logged, kind, action)

    def _run_logged(self, kind: ActionKind, action: Action) -> None:
        try:
            kind.run(action, self)
        except Exception:
            logger.exception("action %s failed", describe_action(action))

    def close(self, wait: bool = True) -> None:
        """Finish queued key actions; wait for running commands when `wait` (they have timeouts)."""
        self._keys.shutdown(wait=wait, cancel_futures=not wait)
        self._shells.shutdown(wait=wait, cancel_futures=not wait)


class DryRunExecutor:
    """Runs nothing: the daemon logs `dry-run: would ...` for each fire instead."""

    executes = False

    def execute(self, action: Action) -> None:
        logger.debug("dry-run: not running %s", describe(action))

    def close(self, wait: bool = True) -> None:
        """Nothing to release."""
