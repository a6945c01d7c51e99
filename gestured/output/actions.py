"""Running a binding's action: key combinations, typed text and shell commands.

`ACTIONS` maps the action kinds users write in gestures.yaml to how each is
run. `ActionExecutor` runs them off the frame loop: key and type actions on one
worker thread (in order, on the thread that owns the keyboard connection), shell
commands on a small pool, each with a timeout that kills its whole process group.
`DryRunExecutor` only says what it would do. Neither ever raises into the loop.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from gestured.config.settings import Action, KeyAction, ShellAction, TypeAction, describe_action
from gestured.errors import GesturedError
from gestured.output.keyboard import Keyboard
from gestured.output.shell import STDERR_LIMIT, CommandRunner, shell_command

logger = logging.getLogger(__name__)

__all__ = ["ACTIONS", "ActionExecutor", "DryRunExecutor", "QUEUE_FULL", "STDERR_LIMIT", "run_command",
           "shell_command"]

QUEUE_LIMIT = 16  # shell commands waiting or running; a fire beyond it is dropped
QUEUE_FULL = "queue_full"  # why a dropped action did not run


class Executor(Protocol):
    """Runs (or pretends to run) actions; `executes` is False for a dry run.

    `execute` returns a Future when the action runs later (its result: None once it ran,
    or why it did not, such as QUEUE_FULL), or None when nothing will run (a dry run).
    """

    executes: bool

    def execute(self, action: Action) -> Future[str | None] | None: ...

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
            from gestured.output.keyboard import open_keyboard

            opener = open_keyboard
        try:
            self._keyboard = opener()
        except GesturedError as error:  # KeyboardUnavailable
            self.unavailable = str(error)
            logger.error("%s (other actions still run)", error)
        return self._keyboard


def run_command(action: ShellAction) -> int | None:
    """Run one shell action outside an executor (see gestured.output.shell.CommandRunner.run)."""
    return CommandRunner().run(action)


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
        executor.commands.run(action)
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
    """Runs actions for real, never blocking the caller and never raising into it.

    At most `queue_limit` shell commands wait or run at once: a fire beyond that is
    dropped (a warning once per overflow, not per fire). `close()` stops running
    commands (SIGTERM, then SIGKILL after STOP_GRACE s) so the daemon exits promptly.
    """

    executes = True

    def __init__(self, open_keyboard: Callable[[], Keyboard] | None = None, shell_workers: int = 4,
                 queue_limit: int = QUEUE_LIMIT) -> None:
        self.keyboard = LazyKeyboard(open_keyboard)
        self.commands = CommandRunner()
        self._keys = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gestured-keys")
        self._shells = ThreadPoolExecutor(max_workers=shell_workers, thread_name_prefix="gestured-shell")
        self._queue_limit = queue_limit
        self._queued = 0  # shell commands submitted and not finished
        self._dropped = 0  # since the queue last overflowed
        self._count_lock = threading.Lock()

    def execute(self, action: Action) -> Future[str | None]:
        """Queue `action`; the future completes when it has run (errors are logged) with None,
        or at once with QUEUE_FULL when it was dropped."""
        kind = ACTIONS[action.kind]
        if kind.on_keyboard_thread:
            logger.debug("queueing %s", describe_action(action))
            return self._keys.submit(self._run_logged, kind, action)
        with self._count_lock:
            full = self._queued >= self._queue_limit
            self._queued += not full
            self._dropped += full
            first_drop = full and self._dropped == 1
        if full:
            return self._drop(action, first_drop)
        logger.debug("queueing %s", describe_action(action))
        return self._shells.submit(self._run_counted, kind, action)

    def _drop(self, action: Action, first_drop: bool) -> Future[str | None]:
        if first_drop:
            logger.warning("%d commands already waiting or running: dropping %s and further fires "
                           "until they finish (shorten the command or lengthen `repeat`)",
                           self._queue_limit, describe(action))
        dropped: Future[str | None] = Future()
        dropped.set_result(QUEUE_FULL)
        return dropped

    def _run_counted(self, kind: ActionKind, action: Action) -> None:
        try:
            self._run_logged(kind, action)
        finally:
            with self._count_lock:
                self._queued -= 1
                dropped, drained = self._dropped, self._queued == 0 and self._dropped > 0
                if drained:
                    self._dropped = 0
            if drained:
                logger.info("command queue drained; %d fire(s) were dropped", dropped)

    def _run_logged(self, kind: ActionKind, action: Action) -> None:
        try:
            kind.run(action, self)
        except Exception:
            logger.exception("action %s failed", describe_action(action))

    def close(self, wait: bool = True) -> None:
        """Drop queued commands, stop running ones (their process groups: SIGTERM, then
        SIGKILL), finish queued key actions when `wait`. Returns within ~STOP_GRACE s."""
        self._shells.shutdown(wait=False, cancel_futures=True)
        self.commands.terminate_all()
        self._shells.shutdown(wait=wait)
        self._keys.shutdown(wait=wait, cancel_futures=not wait)


class DryRunExecutor:
    """Runs nothing: the daemon logs `dry-run: would ...` for each fire instead."""

    executes = False

    def execute(self, action: Action) -> None:
        logger.debug("dry-run: not running %s", describe(action))

    def close(self, wait: bool = True) -> None:
        """Nothing to release."""
