"""The focused window on Wayland compositors that say so through a command.

Parsers are pure (command output in, FocusedApp out) and tested on recorded output.
`CommandFocus` runs the command in its own thread, only when the cached answer is older
than `max_age` and someone asks, so an idle daemon starts no processes and the frame
path never waits for one.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from typing import Any, Callable, Sequence

from gestured.output.focus import FocusedApp

logger = logging.getLogger(__name__)

MAX_AGE = 0.5  # seconds a cached answer is used before the command runs again
COMMAND_TIMEOUT = 2.0
Parser = Callable[[str], "FocusedApp | None"]


def parse_sway_tree(output: str) -> FocusedApp | None:
    """`swaymsg -t get_tree` JSON -> the focused window (app_id, or X11 class for XWayland)."""
    node = _focused_node(json.loads(output))
    if node is None:
        return None
    properties = node.get("window_properties") or {}
    app_class = node.get("app_id") or properties.get("class") or ""
    if not app_class:
        return None
    return FocusedApp(app_class, properties.get("instance") or "", node.get("name") or "")


def _focused_node(tree: dict[str, Any]) -> dict[str, Any] | None:
    """Depth first through nodes and floating_nodes for the one with `focused: true` that is a window."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if node.get("focused") and node.get("type") in ("con", "floating_con") and node.get("pid"):
            return node
        pending += node.get("nodes", []) + node.get("floating_nodes", [])
    return None


def parse_hyprland(output: str) -> FocusedApp | None:
    """`hyprctl activewindow -j` JSON (`{}` with no window) -> the focused window."""
    window = json.loads(output)
    if not isinstance(window, dict) or not window.get("class"):
        return None
    return FocusedApp(window["class"], window.get("initialClass") or "", window.get("title") or "")


def parse_kdotool(output: str) -> FocusedApp | None:
    """`kdotool getactivewindow getwindowclassname getwindowname` -> class line, title line."""
    lines = output.splitlines()
    if not lines or not lines[0].strip():
        return None
    return FocusedApp(lines[0].strip(), "", lines[1].strip() if len(lines) > 1 else "")


class CommandFocus:
    """A FocusProvider that runs `argv` and parses its output, on demand, in a thread."""

    def __init__(self, name: str, argv: Sequence[str], parse: Parser, *,
                 clock: Callable[[], float] = time.monotonic, max_age: float = MAX_AGE,
                 run: Callable[[Sequence[str]], str] | None = None) -> None:
        self.name = name
        self.argv = tuple(argv)
        self._parse = parse
        self._clock = clock
        self._max_age = max_age
        self._run = run or _run_command
        self._answer: FocusedApp | None = None
        self._asked_at = -float("inf")
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_once = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name=f"focus-{self.name}", daemon=True)
        self._thread.start()
        self._wanted.set()

    def current(self) -> FocusedApp | None:
        if self._clock() - self._asked_at >= self._max_age:
            self._wanted.set()
        return self._answer

    def refresh(self) -> FocusedApp | None:
        """Run the command now, on the calling thread (for `gestured apps`)."""
        self._asked_at = self._clock()
        try:
            self._answer = self._parse(self._run(self.argv))
        except (OSError, subprocess.SubprocessError, ValueError) as error:
            self._answer = None
            if not self._failed_once:
                self._failed_once = True
                logger.warning("cannot read the focused window with %s: %s", self.argv[0], error)
        return self._answer

    def _work(self) -> None:
        while not self._stopping.is_set():
            self._wanted.wait()
            self._wanted.clear()
            if not self._stopping.is_set():
                self.refresh()

    def close(self) -> None:
        self._stopping.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout=COMMAND_TIMEOUT + 1)


def _run_command(argv: Sequence[str]) -> str:
    result = subprocess.run(list(argv), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    if result.returncode != 0:
        raise OSError(f"exit status {result.returncode}: {result.stderr.strip()[:200]}")
    return result.stdout


def sway_focus() -> CommandFocus:
    return CommandFocus("sway", ("swaymsg", "-t", "get_tree"), parse_sway_tree)


def hyprland_focus() -> CommandFocus:
    return CommandFocus("hyprland", ("hyprctl", "activewindow", "-j"), parse_hyprland)


def kde_focus() -> CommandFocus:
    return CommandFocus("kde", ("kdotool", "getactivewindow", "getwindowclassname", "getwindowname"),
                        parse_kdotool)
