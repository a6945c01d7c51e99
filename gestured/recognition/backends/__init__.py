"""Keypoint backends: a frame in, the hands in it out.

Every backend follows `KeypointBackend`. `BACKENDS` maps the name a user writes
(`backend: mediapipe` in gestures.yaml, `--backend openpose`) to a factory that
imports the backend's runtime only when it is called.
"""

from __future__ import annotations

import importlib
from typing import Callable, Literal, Protocol

import numpy as np

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


# name -> "module:factory"; the factory takes (mode=..., num_hands=..., offline=..., **options).
BACKENDS: dict[str, str] = {
    "mediapipe": "gestured.recognition.backends.mediapipe:MediaPipeBackend",
    "openpose": "gestured.recognition.backends.openpose:OpenPoseBackend",
}
DEFAULT_BACKEND = "mediapipe"


def create_backend(name: str = DEFAULT_BACKEND, **options: object) -> KeypointBackend:
    """Build the backend registered as `name`; raises BackendError with a one-line hint."""
    target = BACKENDS.get(name)
    if target is None:
        known = ", ".join(sorted(BACKENDS))
        raise BackendError(f"unknown backend {name!r}: choose one of {known}")
    module_name, _, factory_name = target.partition(":")
    factory: Callable[..., KeypointBackend] = getattr(importlib.import_module(module_name), factory_name)
    return factory(**options)
