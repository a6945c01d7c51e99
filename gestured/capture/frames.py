"""What every frame source delivers: `Frame`s in order, through the `FrameSource` protocol."""

from __future__ import annotations

from typing import Callable, Iterator, Protocol

import numpy as np

from gestured.capture.encoded import EncodedImage
from gestured.errors import GesturedError


class SourceError(GesturedError):
    """A source cannot be opened: the message says which and what to do."""


class Frame:
    """One picture with its time in seconds (media time for files, since start for cameras).

    Built from a decoded BGR `image`, or from a camera's own data (`encoded`: JPEG bytes,
    YUYV), which is decoded to `image` on first use; `grey()` gives the idle gate its small
    grey picture without that full decode. Used by one thread at a time.
    """

    __slots__ = ("timestamp", "index", "_image", "_encoded")

    def __init__(self, image: np.ndarray | None = None, timestamp: float = 0.0, index: int = 0, *,
                 encoded: EncodedImage | None = None) -> None:
        if (image is None) == (encoded is None):
            raise ValueError("a Frame needs an image or encoded data, not both")
        self.timestamp = timestamp
        self.index = index
        self._image = image
        self._encoded = encoded

    @property
    def image(self) -> np.ndarray:
        """The BGR picture (decoded now if the frame came encoded); raises DecodeError."""
        if self._image is None:
            assert self._encoded is not None
            self._image = self._encoded.bgr()
        return self._image

    @property
    def decoded(self) -> bool:
        """True once the full picture exists (given decoded, or decoded by `image`)."""
        return self._image is not None

    def grey(self, thumbnail_width: int) -> np.ndarray:
        """A small grey picture for motion checks (see EncodedImage.grey); raises DecodeError."""
        if self._encoded is not None:
            return self._encoded.grey(thumbnail_width)
        image = self.image
        return EncodedImage(image, "bgr", (image.shape[1], image.shape[0])).grey(thumbnail_width)

    def at(self, timestamp: float) -> Frame:
        """The same picture (decoded or not) at another time: looped and chained plays."""
        moved = Frame.__new__(Frame)
        moved.timestamp, moved.index, moved._image, moved._encoded = timestamp, self.index, self._image, self._encoded
        return moved

    def __repr__(self) -> str:
        return f"Frame(index={self.index}, timestamp={self.timestamp:.3f}, decoded={self.decoded})"


FrameFilter = Callable[[float], bool]
# Told each stage's name and duration in seconds (the frame path's timing hook).
StageTimer = Callable[[str, float], None]


class FrameSource(Protocol):
    """Frames in order. Sources subclass it, so the optional members have no-op defaults:
    `interrupt()` makes a blocked iteration return soon (signal-safe); `set_frame_filter(want)`
    installs `want(timestamp) -> bool`, asked before each frame is decoded: False skips the
    frame undecoded (the idle gate); `request_frame_rate(fps)` asks a camera for fewer frames
    in a long idle. Sources that can't do these ignore them."""

    name: str
    is_live: bool
    stills: bool = False  # frames are separate photos, not a stream (an image folder)
    frame_count: int | None = None  # frames it will deliver, where known (a folder's images, a video's)

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def interrupt(self) -> None:
        """Make a blocked iteration return soon; safe from a signal handler."""
        return None

    def set_frame_filter(self, want: FrameFilter | None) -> None:
        """Ask `want(timestamp)` before decoding each frame (None: decode every frame)."""
        return None

    def frame_name(self, frame: Frame) -> str:
        """Where `frame` came from, for a dataset's `source` column."""
        return f"{self.name}#{frame.index}"

    def request_frame_rate(self, fps: float | None) -> None:
        """Deliver about `fps` frames a second from now on (None: the source's own rate)."""
        return None
