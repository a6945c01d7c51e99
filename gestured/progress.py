"""Progress of long work on stderr: a tqdm bar (count, total, rate, ETA) on a terminal, a
plain line every PLAIN_INTERVAL seconds otherwise (a log, a pipe, the journal).

stdout is never touched, so `--json` output stays one clean document.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

PLAIN_INTERVAL = 10.0  # seconds between lines when stderr is not a terminal
PLAIN_FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit} ({percentage:.0f}%, {rate_fmt}, {elapsed} elapsed, {remaining} left)"


class _Lines:
    """A file for tqdm that turns each of its refreshes into one whole line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = ""

    def write(self, text: str) -> int:
        line = text.strip("\r\n\x1b[A ")
        if line and line != self._last:  # tqdm repeats its last state when closed
            self._stream.write(line + "\n")
            self._last = line
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def progress(total: int | None, description: str, unit: str = "items", stream: TextIO | None = None,
             interval: float = PLAIN_INTERVAL, scale: bool = False) -> Any:
    """A tqdm progress bar (use `update(n)` and `close()`, or as a context manager).

    On a terminal it redraws in place; elsewhere it writes a line at most every
    `interval` seconds, and one at the end. scale: show counts as k, M... (bytes).
    """
    from tqdm import tqdm

    output = stream or sys.stderr
    if output.isatty():
        return tqdm(total=total, desc=description, unit=unit, file=output, dynamic_ncols=True,
                    mininterval=0.2, unit_scale=scale)
    return tqdm(total=total, desc=description, unit=unit, file=_Lines(output), mininterval=interval,
                maxinterval=interval, miniters=1, bar_format=PLAIN_FORMAT, ascii=True, unit_scale=scale)
