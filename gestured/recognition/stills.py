"""Hands in still images (eval, record, training data): extra passes where the first fails.

MediaPipe's palm detector sees the whole frame shrunk to 192x192. Two kinds of hand
are missed by one pass:
- a hand that fills the frame or is cut by its edge (close-ups such as the 100x100
  sign-language digits): `detect_still` retries on the image padded by half its size
  on each side (edge pixels repeated), so the whole hand fits in the detector's view;
- a hand that fills a few percent of a large photo (HaGRID): it retries on overlapping
  tiles, each shrunk much less than the whole frame.
Keypoints are mapped back into the original frame. The passes stop at the first that
finds a hand, and cost up to `2 + sum(rows * columns)` backend calls per image: they
are for stills only (eval, record, training data), never for the live loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gestured.recognition.backends import KeypointBackend, MirroredBackend
from gestured.recognition.hand import Hand


@dataclass(frozen=True)
class TileGrid:
    """`rows` x `columns` overlapping tiles, each `fraction` of the frame's width and height."""

    rows: int
    columns: int
    fraction: float


# Tried in order after a first pass that found nothing; the first grid that finds a hand wins.
DEFAULT_GRIDS: tuple[TileGrid, ...] = (TileGrid(2, 2, 0.6), TileGrid(3, 3, 0.45))
# Padding added on each side for the second pass, as a fraction of the larger side.
PAD_FRACTION = 0.5
# Two detections whose boxes overlap this much (intersection over union) are one hand.
SAME_HAND_IOU = 0.3


def detect_still(
    backend: KeypointBackend,
    image_bgr: np.ndarray,
    grids: tuple[TileGrid, ...] = DEFAULT_GRIDS,
    upscale: float = 1.0,
    pad_fraction: float = PAD_FRACTION,
) -> list[Hand]:
    """Hands in one still BGR image, in the image's own pixel coordinates.

    backend: an IMAGE-mode backend (each call independent of the last).
    grids: tile layouts tried in order when the whole and the padded image give no
    hand; () disables tiling. pad_fraction: 0 disables the padded pass.
    upscale: each tile is resized by this factor before detection (1.0 = as cut).
    Returns the hands of the first pass that found any (best first), else [].
    """
    if isinstance(backend, MirroredBackend):
        # Mirrored across the whole image, once: mirrored inside a padded copy or a tile,
        # a hand would come back mirrored across that crop and then be shifted wrongly.
        width = image_bgr.shape[1]
        return [hand.mirrored(width) for hand in detect_still(backend.inner, image_bgr, grids, upscale, pad_fraction)]
    hands = backend.detect(image_bgr)
    if hands:
        return hands
    height, width = image_bgr.shape[:2]
    if pad_fraction > 0:
        hands = _detect_padded(backend, image_bgr, int(round(pad_fraction * max(width, height))))
        if hands:
            return hands
    for grid in grids:
        found: list[Hand] = []
        for x0, y0, x1, y1 in tile_boxes(width, height, grid):
            tile = image_bgr[y0:y1, x0:x1]
            found.extend(_detect_in_tile(backend, tile, (x0, y0), (width, height), upscale))
        if found:
            return merge_duplicates(found)
    return []


def tile_boxes(width: int, height: int, grid: TileGrid) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) pixel boxes of the grid's tiles, evenly spread, covering the frame.

    A tile is never narrower than 1/columns (or shorter than 1/rows) of the frame, so
    the tiles always cover it.
    """
    tile_width = max(1, int(np.ceil(width * max(grid.fraction, 1.0 / grid.columns))))
    tile_height = max(1, int(np.ceil(height * max(grid.fraction, 1.0 / grid.rows))))
    xs = np.linspace(0, width - tile_width, grid.columns).round().astype(int)
    ys = np.linspace(0, height - tile_height, grid.rows).round().astype(int)
    return [(int(x), int(y), int(x) + tile_width, int(y) + tile_height) for y in ys for x in xs]


def _detect_padded(backend: KeypointBackend, image_bgr: np.ndarray, pad: int) -> list[Hand]:
    import cv2

    height, width = image_bgr.shape[:2]
    padded = cv2.copyMakeBorder(image_bgr, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    shift = np.float32(pad)
    return [
        Hand.from_pixels(
            hand.keypoints - shift,
            (width, height),
            handedness=hand.handedness,
            score=hand.score,
            confidence=hand.confidence,
            depth=hand.depth,
        )
        for hand in backend.detect(padded)
    ]


def _detect_in_tile(
    backend: KeypointBackend,
    tile: np.ndarray,
    offset: tuple[int, int],
    frame_size: tuple[int, int],
    upscale: float,
) -> list[Hand]:
    if upscale != 1.0:
        import cv2

        tile = cv2.resize(tile, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    shift = np.array(offset, dtype=np.float32)
    return [
        Hand.from_pixels(
            hand.keypoints / np.float32(upscale) + shift,
            frame_size,
            handedness=hand.handedness,
            score=hand.score,
            confidence=hand.confidence,
            depth=hand.depth,
        )
        for hand in backend.detect(tile)
    ]


def box_iou(first: Hand, second: Hand) -> float:
    """Intersection over union of two hands' keypoint boxes (0 when disjoint)."""
    ax0, ay0, ax1, ay1 = first.box
    bx0, by0, bx1, by1 = second.box
    inter_w = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    inter_h = max(0.0, min(ay1, by1) - max(ay0, by0))
    intersection = inter_w * inter_h
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - intersection
    return intersection / union if union > 0 else 0.0


def merge_duplicates(hands: list[Hand]) -> list[Hand]:
    """One hand per physical hand (tiles overlap): keep the best-scored of each cluster."""
    kept: list[Hand] = []
    for hand in sorted(hands, key=lambda hand: hand.score, reverse=True):
        if all(box_iou(hand, other) < SAME_HAND_IOU for other in kept):
            kept.append(hand)
    return kept


def palm_size(hand: Hand) -> float:
    """Pixel length of the palm (wrist to the index, middle and pinky knuckles, averaged).

    Unlike the keypoint box this hardly changes between a fist and an open hand.
    """
    wrist = hand.keypoints[0]
    knuckles = hand.keypoints[[5, 9, 17]]
    return float(np.linalg.norm(knuckles - wrist, axis=1).mean())


def pick_hand(hands: list[Hand], frame_size: tuple[int, int]) -> Hand | None:
    """The hand a labelled photo is about: larger, more central, and raised.

    frame_size: (width, height). A hand's weight is its palm size, times a factor
    falling from 1 at the frame's centre to 0.5 at a corner, times one falling from 1
    at the top edge to 0.5 at the bottom (a hand showing a sign is usually raised; the
    other one hangs lower). On HaGRID photos where two hands are found, this picks
    the labelled one more often than the larger hand or the best-scored one.
    Returns None for no hands.
    """
    if not hands:
        return None
    width, height = frame_size
    centre = np.array([width / 2.0, height / 2.0], dtype=np.float32)
    half_diagonal = float(np.linalg.norm(centre)) or 1.0

    def weight(hand: Hand) -> float:
        middle = hand.keypoints.mean(axis=0)
        offset = min(float(np.linalg.norm(middle - centre)) / half_diagonal, 1.0)
        lowness = min(max(float(middle[1]) / (height or 1), 0.0), 1.0)
        return palm_size(hand) * (1.0 - 0.5 * offset) * (1.0 - 0.5 * lowness)

    return max(hands, key=weight)
