"""Running a binding's action: key combinations, typed text and shell commands.

`ACTIONS` maps the action kinds users write in gestures.yaml to how each is
run. `ActionExecutor` runs them off the frame loop: key and type actions on one
worker thread (in order, on the thread that owns the keyboard connection), shell
commands on a small pool, each with a timeout that kills its whole process group.
`DryRunExecutor` only says what it would do. Neither ever raises into the loop.

Each execute() reports an `Outcome` once it is known: `executed` only when the key was
sent, the text typed or the command started; otherwise the reason (`DRY_RUN`,
`NO_KEYBOARD`, `NOT_FOUND`, `QUEUE_FULL`, `FAILED`). A program missing from PATH and a
full queue are known before anything is queued; a key press is reported by the
keyboard thread once it is sent, a command once its process exists.
"""

from __future__ import annotations

import logging
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from gestured.config.settings import Action, KeyAction, ShellAction, TypeAction, describe_action
from gestured.errors import GesturedError
from gestured.output.keyboard import Keyboard
from gestured.output.shell import STDERR_LIMIT, CommandRunner, shell_command

logger = logging.getLogger(__name__)

__all__ = ["ACTIONS", "ActionExecutor", "DRY_RUN", "DryRunExecutor", "FAILED", "NOT_FOUND", "NO_KEYBOARD",
           "Outcome", "QUEUE_FULL", "RAN", "Report", "STDERR_LIMIT", "missing_program", "run_command",
           "shell_command"]

QUEUE_LIMIT = 16  # shell commands waiting or running; a fire beyond it is dropped
QUEUE_FULL = "queue_full"  # why a dropped action did not run
DRY_RUN = "dry_run"
NO_KEYBOARD = "no_display"  # no display, or no way to send keys in this session
NOT_FOUND = "not_found"  # the command's program is not on PATH
FAILED = "failed"  # raised while running: logged with its traceback


@dataclass(frozen=True)
class Outcome:
    """Whether an action ran: `executed` when the key was sent or the command started,
    else `reason` says why not."""

    executed: bool
    reason: str | None = None


RAN = Outcome(True)
Report = Callable[[Outcome], None]


class Executor(Protocol):
    """Runs (or pretends to run) actions without blocking the caller."""

    def execute(self, action: Action, report: Report) -> object:
        """Start `action`; call `report` once, from any thread, when it is known whether it ran."""

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


def missing_program(action: ShellAction) -> str | None:
    """The program of a shell action that is not on PATH (None when found, or when the
    binding runs a shell, which finds its own programs)."""
    if action.use_shell or shutil.which(action.argv[0]) is not None:
        return None
    return action.argv[0]


@dataclass(frozen=True)
class ActionKind:
    """How one kind of action is run: run(action, executor, report) calls report once."""

    run: Callable[[Any, "ActionExecutor", Report], None]
    on_keyboard_thread: bool


def _on_keyboard(executor: "ActionExecutor", report: Report, send: Callable[[Keyboard], None]) -> None:
    """`send` to the keyboard and report it ran, or report NO_KEYBOARD when keys can't be sent."""
    keyboard = executor.keyboard.get()
    if keyboard is None:
        report(Outcome(False, NO_KEYBOARD))
        return
    send(keyboard)
    report(RAN)


def _press(action: KeyAction, executor: "ActionExecutor", report: Report) -> None:
    _on_keyboard(executor, report, lambda keyboard: keyboard.press_combo(action.keys))


def _type(action: TypeAction, executor: "ActionExecutor", report: Report) -> None:
    _on_keyboard(executor, report, lambda keyboard: keyboard.type_text(action.text))


def _shell(action: ShellAction, executor: "ActionExecutor", report: Report) -> None:
    try:
        executor.commands.run(action, started=lambda: report(RAN))
    except FileNotFoundError as error:
        logger.error("command %s can't start: %s not found (check PATH)", describe_action(action), error.filename)
        report(Outcome(False, NOT_FOUND))


ACTIONS: dict[str, ActionKind] = {
    "key": ActionKind(_press, True),
    "type": ActionKind(_type, True),
    "shell": ActionKind(_shell, False),
}


class ActionExecutor:
    """Runs actions for real, never blocking the caller and never raising into it.

    At most `queue_limit` shell commands wait or run at once: a fire beyond that is
    dropped (a warning once per overflow, not per fire). `close()` stops running
    commands (SIGTERM, then SIGKILL after STOP_GRACE s) so the daemon exits promptly.
    """

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

    def execute(self, action: Action, report: Report = lambda outcome: None) -> Future[str | None]:
        """Queue `action`; the future completes when it has run (errors are logged) with None,
        or at once with QUEUE_FULL or NOT_FOUND when it was dropped. `report` gets the Outcome."""
        kind = ACTIONS[action.kind]
        report = _once(report)
        if kind.on_keyboard_thread:
            logger.debug("queueing %s", describe_action(action))
            return self._keys.submit(self._run_logged, kind, action, report)
        if isinstance(action, ShellAction) and (program := missing_program(action)) is not None:
            logger.error("command %s can't start: %s is not on PATH", describe_action(action), program)
            return _done(NOT_FOUND, report)
        with self._count_lock:
            full = self._queued >= self._queue_limit
            self._queued += not full
            self._dropped += full
            first_drop = full and self._dropped == 1
        if full:
            return self._drop(action, first_drop, report)
        logger.debug("queueing %s", describe_action(action))
        return self._shells.submit(self._run_counted, kind, action, report)

    def _drop(self, action: Action, first_drop: bool, report: Report) -> Future[str | None]:
        if first_drop:
            logger.warning("%d commands already waiting or running: dropping %s and further fires "
                           "until they finish (shorten the command or lengthen `repeat`)",
                           self._queue_limit, describe_action(action))
        return _done(QUEUE_FULL, report)

    def _run_counted(self, kind: ActionKind, action: Action, report: Report) -> None:
        try:
            self._run_logged(kind, action, report)
        finally:
            with self._count_lock:
                self._queued -= 1
                dropped, drained = self._dropped, self._queued == 0 and self._dropped > 0
                if drained:
                    self._dropped = 0
            if drained:
                logger.info("command queue drained; %d fire(s) were dropped", dropped)

    def _run_logged(self, kind: ActionKind, action: Action, report: Report) -> None:
        try:
            kind.run(action, self, report)
        except Exception:
            logger.exception("action %s failed", describe_action(action))
            report(Outcome(False, FAILED))

    def close(self, wait: bool = True) -> None:
        """Drop queued commands, stop running ones (their process groups: SIGTERM, then
        SIGKILL), finish queued key actions when `wait`. Returns within ~STOP_GRACE s."""
        self._shells.shutdown(wait=False, cancel_futures=True)
        self.commands.terminate_all()
        self._shells.shutdown(wait=wait)
        self._keys.shutdown(wait=wait, cancel_futures=not wait)


def _done(reason: str, report: Report) -> Future[str | None]:
    """An action that will not run: reported now, its future already done with `reason`."""
    report(Outcome(False, reason))
    dropped: Future[str | None] = Future()
    dropped.set_result(reason)
    return dropped


def _once(report: Report) -> Report:
    """`report` that passes on only its first call (a command that started, then failed, ran)."""
    lock, reported = threading.Lock(), [False]

    def report_once(outcome: Outcome) -> None:
        with lock:
            first, reported[0] = not reported[0], True
        if first:
            report(outcome)

    return report_once


class DryRunExecutor:
    """Runs nothing: every action is reported as not executed, reason `dry_run`."""

    def execute(self, action: Action, report: Report = lambda outcome: None) -> None:
        logger.debug("dry-run: not running %s", describe_action(action))
        report(Outcome(False, DRY_RUN))

    def close(self, wait: bool = True) -> None:
        """Nothing to release."""
