"""What every frame source delivers: `Frame`s in order, through the `FrameSource` protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

import numpy as np

from gestured.errors import GesturedError


class SourceError(GesturedError):
    """A source cannot be opened: the message says which and what to do."""


@dataclass(frozen=True)
class Frame:
    """One BGR image with its time in seconds (media time for files, since start for cameras)."""

    image: np.ndarray
    timestamp: float
    index: int


class FrameSource(Protocol):
    """Frames in order.

    Optional, where a source offers them: `interrupt()` makes a blocked iteration return
    soon (signal-safe); `set_frame_filter(want)` installs `want(timestamp) -> bool`,
    asked before each frame is decoded: False skips the frame undecoded (the idle gate).
    """

    name: str
    is_live: bool

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


FrameFilter = Callable[[float], bool]
