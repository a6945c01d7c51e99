"""MediaPipe Tasks HandLandmarker as a keypoint backend (the default)."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from gestured.recognition.backends import BackendError, Mode
from gestured.recognition.hand import Hand, Handedness

logger = logging.getLogger(__name__)

MODEL_NAME = "hand_landmarker"


@contextlib.contextmanager
def native_stderr_to_debug() -> Iterator[None]:
    """Send what MediaPipe's C++ side prints to fd 2 (LiteRT INFO lines, glog warnings) to DEBUG.

    Environment variables such as GLOG_minloglevel do not silence them, and a daemon's
    stderr is the user's journal. Only used around start-up, first frame and close.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode("utf-8", "replace").splitlines():
                logger.debug("mediapipe: %s", line)


# Pixels per cvtColor call: OpenCV spreads a whole frame's colour conversion over its
# thread pool, whose idle workers then spin; bands below 2^16 pixels stayed on the calling
# thread when measured (opencv-contrib-python 4.14).
_SERIAL_PIXELS = 60_000


def bgr_to_rgb(frame_bgr: np.ndarray) -> np.ndarray:
    """A new (H, W, 3) uint8 RGB copy of a BGR frame, converted in bands on this thread.

    The whole-frame cvtColor on a 640x360 frame costs about 0.13 ms of wall time but
    0.8-1.2 ms of CPU (the pool's workers spinning after it, competing with the
    landmarker's threads); in bands: 0.16-0.19 ms wall, 0.23-0.26 ms CPU.
    Raises cv2.error when the frame is not 3-channel uint8.
    """
    import cv2

    rgb = np.empty(frame_bgr.shape, dtype=frame_bgr.dtype)  # C-contiguous, as mp.Image needs
    rows = max(1, _SERIAL_PIXELS // max(1, frame_bgr.shape[1]))
    for top in range(0, frame_bgr.shape[0], rows):
        cv2.cvtColor(frame_bgr[top:top + rows], cv2.COLOR_BGR2RGB, dst=rgb[top:top + rows])
    return rgb


def _person_handedness(label: str) -> Handedness:
    """The person's own hand from MediaPipe's label.

    The Tasks HandLandmarker (0.10.15 and later) labels an unmirrored frame with the
    person's own hand (`right-frontal.jpg`, a right palm, comes back "Right"); the old
    `mp.solutions` API assumed a mirrored selfie instead. A mirrored camera is turned back
    by gestured.recognition.backends.MirroredBackend, for every backend.
    """
    label = label.lower()
    if label == "left":
        return "left"
    if label == "right":
        return "right"
    return "unknown"


class MediaPipeBackend:
    """HandLandmarker in VIDEO mode (tracking, for streams) or IMAGE mode (stills)."""

    name = "mediapipe"

    def __init__(
        self,
        mode: Mode = "video",
        num_hands: int = 1,
        model_path: str | Path | None = None,
        offline: bool = False,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        try:
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision
        except ImportError as error:
            raise BackendError(
                f"mediapipe is not installed ({error}): run `python -m pip install mediapipe`"
            ) from error
        if model_path is None:
            from gestured.weights import ensure_model

            model_path = ensure_model(MODEL_NAME, offline=offline)
        self._mp = mp
        self.mode = mode
        running_mode = vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=running_mode,
            num_hands=num_hands,
            min_hand_detection_confidence=min_detection_confidence,
            min_hand_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with native_stderr_to_debug():
                self._landmarker: Any = vision.HandLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise BackendError(
                f"cannot load {model_path}: {reason}; run `gestured models verify`"
            ) from error
        self._last_timestamp_ms = -1
        self._first_call = True

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        height, width = frame_bgr.shape[:2]
        rgb = bgr_to_rgb(frame_bgr)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._first_call:
            self._first_call = False
            with native_stderr_to_debug():
                result = self._run(image, timestamp_ms)
        else:
            result = self._run(image, timestamp_ms)
        return self._hands(result, width, height)

    def _run(self, image: Any, timestamp_ms: int | None) -> Any:
        if self.mode == "video":
            # The graph rejects timestamps that do not increase.
            stamp = self._last_timestamp_ms + 1 if timestamp_ms is None else int(timestamp_ms)
            stamp = max(stamp, self._last_timestamp_ms + 1)
            self._last_timestamp_ms = stamp
            return self._landmarker.detect_for_video(image, stamp)
        return self._landmarker.detect(image)

    def _hands(self, result: Any, width: int, height: int) -> list[Hand]:
        hands = []
        for landmarks, categories in zip(result.hand_landmarks, result.handedness):
            points = np.array([(point.x, point.y, point.z) for point in landmarks], dtype=np.float32)
            category = categories[0]
            hands.append(
                Hand(
                    keypoints=points[:, :2] * np.array([width, height], dtype=np.float32),
                    normalized=points[:, :2].copy(),
                    depth=points[:, 2].copy(),
                    handedness=_person_handedness(category.category_name),
                    score=float(category.score),
                )
            )
        hands.sort(key=lambda hand: hand.score, reverse=True)
        return hands

    def close(self) -> None:
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            with native_stderr_to_debug():
                landmarker.close()

    def __enter__(self) -> "MediaPipeBackend":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
