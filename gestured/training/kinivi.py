"""kinivi's keypoint.csv (real MediaPipe keypoints) converted to gestured's frames and labels.

How the file was made: the webcam frame was mirrored, the 21 landmarks taken in pixels,
the wrist subtracted, and all 42 values divided by their largest absolute value; y grows
downward. Undoing the mirror is negating x (the wrist offset and the common scale do
not matter to scale-invariant features); we then place the hand at a pixel-like scale.

Labels:
- Open -> open_palm when palm and fingers point up (wrist -> middle knuckle and middle
  knuckle -> tip both within `UPRIGHT_DEGREES` of up); `none` when either points
  sideways or down (beyond `SIDEWAYS_DEGREES`: a hand tilted flat, hanging, or folded
  at the knuckles is not the open_palm sign); dropped in between.
- Close -> fist; OK -> ok.
- Pointer -> by the index finger's direction (knuckle 5 -> tip 8) in the unmirrored
  frame: up -> point_up, toward the image's LEFT edge -> point_right, toward its RIGHT
  edge -> point_left (the user's own right/left on an unmirrored camera, as in
  ../shared/data/README.md); anything else (down, diagonal, a finger foreshortened
  toward the camera, another fingertip reaching past the index knuckle) dropped. A
  pointer whose thumb lies along the index past its knuckle is `none`: that is the
  shape of a two-finger sign seen edge-on (asl.mp4), not a point.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

KINIVI_CLASSES = ("Open", "Close", "Pointer", "OK")
PIXEL_SCALE = 100.0  # the converted hand spans about 2 * PIXEL_SCALE pixels
PIXEL_OFFSET = 200.0
UPRIGHT_DEGREES = 45.0  # open_palm: palm and fingers both within this of up
SIDEWAYS_DEGREES = 75.0  # none: palm or fingers beyond this (sideways or down); else dropped
POINT_UP_DEGREES = 30.0
POINT_SIDE_DEGREES = (60.0, 120.0)  # |angle from up| for a sideways point
MIN_INDEX_LENGTH = 0.5  # index knuckle -> tip over wrist -> middle knuckle
# A clean point: no other fingertip reaches further than this along the index, beyond the
# index knuckle, in palm lengths (wrist -> middle knuckle). The thumb's limit matters:
# a thumb laid along the index (ASL H/U seen edge-on) is not a point. See THUMB_ALONG_NONE.
MAX_TIP_ALONG = 0.1
MAX_THUMB_ALONG = 0.25
THUMB_ALONG_NONE = True  # pointers failing only the thumb test become `none`, not dropped


def read_keypoint_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(class ids (N,), values (N, 21, 2)) as stored; raises ValueError on a bad row."""
    class_ids, values = [], []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line_number, row in enumerate(csv.reader(handle), start=1):
            if not row:
                continue
            if len(row) != 43:
                raise ValueError(f"{path}:{line_number}: expected 43 columns, got {len(row)}")
            class_ids.append(int(row[0]))
            values.append([float(value) for value in row[1:]])
    return np.array(class_ids, dtype=int), np.array(values, dtype=np.float32).reshape(-1, 21, 2)


def unmirror(values: np.ndarray) -> np.ndarray:
    """Mirrored, wrist-relative, max-abs-normalised (N, 21, 2) -> unmirrored pixel-like keypoints."""
    points = values.astype(np.float32).copy()
    points[..., 0] *= -1.0
    return points * PIXEL_SCALE + PIXEL_OFFSET


def angle_from_up(vectors: np.ndarray) -> np.ndarray:
    """Degrees from straight up (image axes, y down): 0 up, +90 toward the right edge,
    -90 toward the left edge, +-180 down."""
    return np.degrees(np.arctan2(vectors[..., 0], -vectors[..., 1]))


def pointer_label(keypoints: np.ndarray) -> str | None:
    """point_up / point_left / point_right for one unmirrored pointer hand, or None (drop)."""
    direction = keypoints[8] - keypoints[5]
    palm = float(np.linalg.norm(keypoints[9] - keypoints[0]))
    length = float(np.linalg.norm(direction))
    if palm <= 0 or length < MIN_INDEX_LENGTH * palm:
        return None
    along = (keypoints[[4, 12, 16, 20]] - keypoints[5]) @ (direction / length) / palm
    if (along[1:] > MAX_TIP_ALONG).any():
        return None
    if along[0] > MAX_THUMB_ALONG:
        return "none" if THUMB_ALONG_NONE else None
    angle = float(angle_from_up(direction))
    if abs(angle) <= POINT_UP_DEGREES:
        return "point_up"
    low, high = POINT_SIDE_DEGREES
    if low <= abs(angle) <= high:
        # Fingertip toward the image's left edge is the user's own right.
        return "point_right" if angle < 0 else "point_left"
    return None


def open_label(keypoints: np.ndarray) -> str | None:
    """open_palm for palm and fingers up, none for either sideways or down, None (drop) between."""
    palm = abs(float(angle_from_up(keypoints[9] - keypoints[0])))
    fingers = abs(float(angle_from_up(keypoints[12] - keypoints[9])))
    if max(palm, fingers) <= UPRIGHT_DEGREES:
        return "open_palm"
    if max(palm, fingers) >= SIDEWAYS_DEGREES:
        return "none"
    return None


def kinivi_label(class_name: str, keypoints: np.ndarray) -> str | None:
    """gestured label for one converted kinivi sample, or None to drop it."""
    if class_name == "Close":
        return "fist"
    if class_name == "OK":
        return "ok"
    if class_name == "Pointer":
        return pointer_label(keypoints)
    if class_name == "Open":
        return open_label(keypoints)
    return None


def load_kinivi(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """keypoint.csv -> (keypoints (M, 21, 2) unmirrored pixel-like, labels (M,), row numbers (M,)).

    Rows whose label is dropped (see the module docstring) are left out; row numbers
    (0-based) say which rows remain.
    """
    class_ids, values = read_keypoint_csv(path)
    keypoints = unmirror(values)
    kept_points, kept_labels, kept_rows = [], [], []
    for row, (class_id, points) in enumerate(zip(class_ids, keypoints)):
        if not 0 <= class_id < len(KINIVI_CLASSES):
            continue
        label = kinivi_label(KINIVI_CLASSES[class_id], points)
        if label is not None:
            kept_points.append(points)
            kept_labels.append(label)
            kept_rows.append(row)
    return (
        np.array(kept_points, dtype=np.float32).reshape(-1, 21, 2),
        np.array(kept_labels, dtype=object).astype(str),
        np.array(kept_rows, dtype=int),
    )
