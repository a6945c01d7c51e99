"""Fired-gesture events: one record per fire, written as a JSON line or a readable line."""

from __future__ import annotations

import json
import logging
import sys
import threading
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, TextIO

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GestureEvent:
    """One fired gesture.

    t: seconds (media time for files, since start for cameras); frame: frame index;
    action: short description ("key play_pause"); executed: True only when the key was
    sent or the command started; reason: why not, when not (gestured.output.actions: dry_run,
    no_display, not_found, queue_full, failed); held: seconds the gesture had been held
    when it fired; repeat: a repeat fire; app: the focused application's class (None
    where unknown).
    """

    gesture: str
    confidence: float
    hand: str
    t: float
    frame: int
    action: str | None
    executed: bool
    held: float = 0.0
    repeat: bool = False
    app: str | None = None  # the focused application's class when it fired, where known
    reason: str | None = None

    def to_json(self) -> str:
        """One JSON object on one line (confidence and times rounded for reading)."""
        record = asdict(self)
        record["confidence"] = round(self.confidence, 4)
        record["t"] = round(self.t, 4)
        record["held"] = round(self.held, 4)
        return json.dumps(record, separators=(", ", ": "))

    def to_text(self) -> str:
        """A readable line: `12.34s frame 203: thumbs_up (right, 0.97) -> pressed play_pause`,
        `... -> dry run: would press play_pause`, `... -> did not press play_pause (no_display)`."""
        repeat = " [repeat]" if self.repeat else ""
        return (
            f"{self.t:7.2f}s frame {self.frame}: {self.gesture}{repeat} "
            f"({self.hand}, {self.confidence:.2f}) -> {self.outcome_text()}"
            + (f" in {self.app}" if self.app else "")
        )

    def outcome_text(self) -> str:
        """What happened to the action, in words ("pressed ctrl+alt+t")."""
        if self.action is None:
            return "no action"
        kind, _, what = self.action.partition(" ")
        verb, done = VERBS.get(kind, (kind, kind))
        if self.executed:
            return f"{done} {what}"
        if self.reason == "dry_run":
            return f"dry run: would {verb} {what}"
        return f"did not {verb} {what} ({self.reason or 'unknown'})"


# action kind -> (verb, past tense) for event lines
VERBS = {"key": ("press", "pressed"), "type": ("type", "typed"), "shell": ("start", "started")}


def event_writer(as_json: bool, stream: TextIO | None = None) -> Callable[[GestureEvent], None]:
    """A function that writes each event as one line to `stream` (stdout) and flushes it."""

    reader_gone = False
    lock = threading.Lock()  # events arrive from the action threads, once their outcome is known

    def write(event: GestureEvent) -> None:
        nonlocal reader_gone
        output = stream or sys.stdout
        with lock:
            if reader_gone:
                return
            try:
                if output is None:  # started with stdout closed (`>&-`)
                    raise OSError("stdout is closed")
                output.write((event.to_json() if as_json else event.to_text()) + "\n")
                output.flush()
            except (OSError, ValueError) as error:
                # `gestured --json | head -1`, `>/dev/full`: the reader left or the disk is full;
                # actions go on, events stop (ValueError: the stream object itself was closed).
                reader_gone = True
                logger.warning("cannot print events (%s): no more events are printed (actions still run)",
                               getattr(error, "strerror", None) or error)

    return write


@dataclass(frozen=True)
class NotFired:
    """A gesture in view that did not fire, and why (debug output; see gestured.runtime.debounce.Blocked)."""

    gesture: str
    hand: str
    reason: str
    t: float
    frame: int

    def to_json(self) -> str:
        return json.dumps({"not_fired": self.gesture, "hand": self.hand, "reason": self.reason,
                           "t": round(self.t, 4), "frame": self.frame}, separators=(", ", ": "))


class WhyNotFired:
    """Says why visible gestures do not fire, once each time the reason changes (not every
    frame): a DEBUG log line, and `sink` (the --json writer in debug mode) if given."""

    def __init__(self, sink: Callable[[NotFired], None] | None = None) -> None:
        self._sink = sink
        self._last: set[tuple[str, str, str]] = set()

    def report(self, blocked: Iterable[Any], t: float, frame: int) -> None:
        """`blocked`: this frame's gestured.runtime.debounce.Blocked items."""
        current: dict[tuple[str, str, str], Any] = {
            (item.gesture, item.hand, item.reason.split(" (")[0]): item for item in blocked}
        for key, item in current.items():
            if key in self._last:
                continue
            logger.debug("%.2f s frame %d: %s (%s hand) not fired: %s", t, frame, item.gesture, item.hand, item.reason)
            if self._sink is not None:
                self._sink(NotFired(item.gesture, item.hand, item.reason, t, frame))
        self._last = set(current)


def json_line_writer(stream: TextIO | None = None) -> Callable[[NotFired], None]:
    """Writes each record's to_json() as one line to `stream` (stdout); a closed reader is ignored."""

    def write(record: NotFired) -> None:
        output = stream or sys.stdout
        try:
            output.write(record.to_json() + "\n")
            output.flush()
        except BrokenPipeError:
            pass

    return write
