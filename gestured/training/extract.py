"""Keypoints from image files, with a cache keyed by each file's sha256.

Extraction is the slow part of building the default model (MediaPipe in IMAGE mode,
plus the tiled second pass of `gestured.recognition.stills.detect_still`), so each image's hands
are stored under the XDG cache dir (`~/.cache/gestured/keypoints/<config>/`), one small
npz per image content. `<config>` names the backend and the detection settings, so a
change to either starts a fresh cache instead of mixing results.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from gestured.paths import APP
from gestured.recognition.backends import KeypointBackend
from gestured.recognition.hand import Hand
from gestured.recognition.stills import DEFAULT_GRIDS, PAD_FRACTION, detect_still

logger = logging.getLogger(__name__)

# Bump when detection changes in a way the cache key below does not capture.
EXTRACTION_VERSION = 2
NUM_HANDS = 2


@dataclass(frozen=True)
class Detection:
    """Every hand found in one image file (maybe none)."""

    keypoints: np.ndarray  # (H, 21, 2) float32 pixels
    scores: np.ndarray  # (H,) float32
    handedness: tuple[str, ...]
    frame_size: tuple[int, int]  # (width, height)

    def hands(self) -> list[Hand]:
        return [
            Hand.from_pixels(points, self.frame_size, score=float(score), handedness=side)
            for points, score, side in zip(self.keypoints, self.scores, self.handedness)
        ]


def cache_root() -> Path:
    """$XDG_CACHE_HOME/gestured/keypoints (default ~/.cache/gestured/keypoints)."""
    value = os.environ.get("XDG_CACHE_HOME")
    base = Path(value) if value and os.path.isabs(value) else Path.home() / ".cache"
    return base / APP / "keypoints"


def config_key(backend_name: str) -> str:
    """Directory name for one detection configuration."""
    grids = "-".join(f"{grid.rows}x{grid.columns}@{grid.fraction}" for grid in DEFAULT_GRIDS)
    return f"v{EXTRACTION_VERSION}-{backend_name}-hands{NUM_HANDS}-pad{PAD_FRACTION}-{grids}"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class KeypointCache:
    """Detections stored as `<root>/<config>/<sha[:2]>/<sha>.npz`."""

    def __init__(self, root: Path, config: str) -> None:
        self.directory = root / config

    def _path(self, digest: str) -> Path:
        return self.directory / digest[:2] / f"{digest}.npz"

    def get(self, digest: str) -> Detection | None:
        path = self._path(digest)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as stored:
            width, height = (int(value) for value in stored["frame_size"])
            return Detection(
                keypoints=stored["keypoints"].astype(np.float32).reshape(-1, 21, 2),
                scores=stored["scores"].astype(np.float32),
                handedness=tuple(str(side) for side in stored["handedness"]),
                frame_size=(width, height),
            )

    def put(self, digest: str, detection: Detection) -> None:
        path = self._path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez(
            partial,
            keypoints=detection.keypoints,
            scores=detection.scores,
            handedness=np.array(detection.handedness, dtype="<U8"),
            frame_size=np.array(detection.frame_size),
        )
        partial.replace(path)


def detect_file(backend: KeypointBackend, path: Path) -> Detection:
    """Run `detect_still` on one image file; raises ValueError when it is not an image."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not an image OpenCV can read")
    height, width = image.shape[:2]
    hands = detect_still(backend, image)
    keypoints = np.array([hand.keypoints for hand in hands], dtype=np.float32).reshape(-1, 21, 2)
    return Detection(
        keypoints=keypoints,
        scores=np.array([hand.score for hand in hands], dtype=np.float32),
        handedness=tuple(hand.handedness for hand in hands),
        frame_size=(width, height),
    )


def extract_files(
    paths: Iterable[Path],
    backend_factory: Callable[[], KeypointBackend],
    cache: KeypointCache | None,
    backend_name: str = "mediapipe",
) -> list[Detection]:
    """One Detection per path, in order; the backend is built only if the cache misses.

    backend_factory: builds an IMAGE-mode backend with NUM_HANDS hands.
    """
    from gestured.progress import progress

    backend: KeypointBackend | None = None
    detections = []
    paths = list(paths)
    try:
        with progress(len(paths), "keypoints", "images") as bar:
            for path in paths:
                digest = file_digest(path)
                detection = cache.get(digest) if cache is not None else None
                if detection is None:
                    if backend is None:
                        backend = backend_factory()
                    detection = detect_file(backend, path)
                    if cache is not None:
                        cache.put(digest, detection)
                detections.append(detection)
                bar.update(1)
    finally:
        if backend is not None:
            backend.close()
    return detections
