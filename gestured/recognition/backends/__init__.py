"""Keypoint backends: a frame in, the hands in it out.

Every backend follows `KeypointBackend`. `BACKENDS` maps the name a user writes
(`backend: mediapipe` in gestures.yaml, `--backend openpose`) to a factory that
imports the backend's runtime only when it is called.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Protocol

import numpy as np

from gestured.config.settings import OpenPoseOptions, Settings
from gestured.errors import GesturedError
from gestured.recognition.hand import Hand

Mode = Literal["video", "image"]


class BackendError(GesturedError):
    """A backend cannot start: its message is one line that says what to do."""


class KeypointBackend(Protocol):
    name: str

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        """Hands found in one BGR uint8 frame, best first.

        In video mode `timestamp_ms` must increase from call to call (it drives tracking);
        in image mode it is ignored.
        """
        ...

    def close(self) -> None:
        """Release the runtime. Safe to call twice."""
        ...


@dataclass(frozen=True)
class MediaPipeOptions:
    """The MediaPipe backend's own settings (`model_path` None: the verified download)."""

    model_path: Path | None = None
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5


BackendOptions = MediaPipeOptions | OpenPoseOptions

# name -> ("module:class", its options type); the class takes (mode=, num_hands=, offline=,
# and one keyword per field of its options type).
BACKENDS: dict[str, tuple[str, type[BackendOptions]]] = {
    "mediapipe": ("gestured.recognition.backends.mediapipe:MediaPipeBackend", MediaPipeOptions),
    "openpose": ("gestured.recognition.backends.openpose:OpenPoseBackend", OpenPoseOptions),
}
DEFAULT_BACKEND = "mediapipe"


def create_backend(name: str = DEFAULT_BACKEND, *, mode: Mode = "video", num_hands: int = 1, offline: bool = False,
                   mirrored: bool = False, options: BackendOptions | None = None) -> KeypointBackend:
    """Build the backend registered as `name` with its own `options` (None: its defaults).

    mirrored: the camera mirrors its picture, so every hand is turned back (MirroredBackend).
    Raises BackendError with a one-line hint for an unknown name or options of another backend.
    """
    registered = BACKENDS.get(name)
    if registered is None:
        known = ", ".join(sorted(BACKENDS))
        raise BackendError(f"unknown backend {name!r}: choose one of {known}")
    target, options_type = registered
    if options is not None and not isinstance(options, options_type):
        raise BackendError(f"backend {name!r} takes {options_type.__name__}, not {type(options).__name__}")
    module_name, _, factory_name = target.partition(":")
    factory: Callable[..., KeypointBackend] = getattr(importlib.import_module(module_name), factory_name)
    fields = dataclasses.asdict(options if options is not None else options_type())
    backend = factory(mode=mode, num_hands=num_hands, offline=offline, **fields)
    return MirroredBackend(backend) if mirrored else backend


def backend_for(settings: Settings, name: str | None = None, *, mode: Mode = "video", num_hands: int | None = None,
                offline: bool = False) -> KeypointBackend:
    """The backend a user's settings ask for: `name` (None: `backend:`) with its options from
    the settings, mirrored when `mirrored: true`; num_hands None: `num_hands:`. Everything
    that runs a backend on a user's camera or pictures builds it here, so no setting is lost.
    Raises BackendError as create_backend does."""
    name = name or settings.backend
    return create_backend(name, mode=mode, num_hands=settings.num_hands if num_hands is None else num_hands,
                          offline=offline, mirrored=settings.mirrored, options=settings.backend_options(name))


class MirroredBackend:
    """A backend behind a mirroring camera: each hand comes back as an unmirrored camera would
    have seen it (Hand.mirrored), whatever the backend, so gestures and hands keep their names."""

    def __init__(self, inner: KeypointBackend) -> None:
        self.inner = inner
        self.name = inner.name

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        width = frame_bgr.shape[1]
        return [hand.mirrored(width) for hand in self.inner.detect(frame_bgr, timestamp_ms)]

    def close(self) -> None:
        self.inner.close()
