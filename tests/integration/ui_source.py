"""The browser test's camera stand-in: an image folder that shows demo.mp4 (thumbs up,
then thumbs down), then photos of a new gesture, each held for a while."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

CANVAS = (480, 640)  # height, width: what a camera gives
PHOTO_SIDE = 320  # pixels a 100 x 100 sign-language photo is scaled to
FRAMES_PER_PHOTO = 8


def write_source(video: Path, photos: Sequence[Path], out: Path) -> int:
    """Write out/00000.jpg... : every frame of `video` fitted into the canvas, then each
    photo centred on a grey canvas for FRAMES_PER_PHOTO frames. Returns the frame count."""
    import cv2

    out.mkdir(parents=True, exist_ok=True)
    frames: list[np.ndarray] = []
    capture = cv2.VideoCapture(str(video))
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(_fit(image))
    capture.release()
    for photo in photos:
        canvas = np.full((*CANVAS, 3), 128, np.uint8)
        image = cv2.resize(cv2.imread(str(photo)), (PHOTO_SIDE, PHOTO_SIDE), interpolation=cv2.INTER_CUBIC)
        top, left = (CANVAS[0] - PHOTO_SIDE) // 2, (CANVAS[1] - PHOTO_SIDE) // 2
        canvas[top:top + PHOTO_SIDE, left:left + PHOTO_SIDE] = image
        frames += [canvas] * FRAMES_PER_PHOTO
    for index, frame in enumerate(frames):
        cv2.imwrite(str(out / f"{index:05d}.jpg"), frame)
    return len(frames)


def _fit(image: np.ndarray) -> np.ndarray:
    import cv2

    height, width = image.shape[:2]
    scale = min(CANVAS[0] / height, CANVAS[1] / width)
    resized = cv2.resize(image, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((*CANVAS, 3), np.uint8)
    top, left = (CANVAS[0] - resized.shape[0]) // 2, (CANVAS[1] - resized.shape[1]) // 2
    canvas[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return canvas
