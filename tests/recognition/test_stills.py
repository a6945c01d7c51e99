"""gestured.recognition.stills: the extra detection passes, mapping back, and which hand is labelled.

`BlobBackend` stands in for MediaPipe's two failure modes on stills: it sees a white
square only when the square spans at least `min_fraction` of the width of the image it
is given (small hands in large frames) and at most `max_fraction` (close-ups where the
hand fills the frame). The real detector is exercised in tests/integration/test_accuracy_real.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from gestured.recognition.backends import MirroredBackend
from gestured.recognition.hand import Hand
from gestured.recognition.stills import (
    DEFAULT_GRIDS,
    TileGrid,
    detect_still,
    merge_duplicates,
    pick_hand,
    tile_boxes,
)

# A hand drawn in the unit square: keypoints at fixed fractions of the blob's box.
UNIT_HAND = np.random.default_rng(0).uniform(0.0, 1.0, (21, 2)).astype(np.float32)
UNIT_HAND[0] = (0.0, 0.0)
UNIT_HAND[1] = (1.0, 1.0)


class BlobBackend:
    name = "blob"

    def __init__(self, min_fraction: float = 0.2, max_fraction: float = 0.6) -> None:
        self.min_fraction = min_fraction
        self.max_fraction = max_fraction
        self.calls: list[tuple[int, int]] = []

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        height, width = frame_bgr.shape[:2]
        self.calls.append((width, height))
        ys, xs = np.nonzero(frame_bgr[:, :, 0] == 255)
        if len(xs) == 0:
            return []
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        if not self.min_fraction * width <= (x1 - x0) <= self.max_fraction * width:
            return []
        keypoints = UNIT_HAND * np.array([x1 - x0, y1 - y0], dtype=np.float32) + np.array([x0, y0], dtype=np.float32)
        return [Hand.from_pixels(keypoints, (width, height), handedness="right", score=0.9)]

    def close(self) -> None:
        pass


def image_with_blob(width: int, height: int, box: tuple[int, int, int, int]) -> np.ndarray:
    image = np.full((height, width, 3), 40, dtype=np.uint8)
    x0, y0, x1, y1 = box
    image[y0:y1, x0:x1] = 255
    return image


def expected_keypoints(box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return UNIT_HAND * np.array([x1 - x0, y1 - y0]) + np.array([x0, y0])


def test_first_pass_hit_uses_one_call() -> None:
    backend = BlobBackend()
    box = (100, 80, 300, 260)
    hands = detect_still(backend, image_with_blob(512, 683, box))
    assert len(backend.calls) == 1
    np.testing.assert_allclose(hands[0].keypoints, expected_keypoints(box), atol=1e-3)


def test_small_hand_found_by_tiles_and_mapped_back() -> None:
    backend = BlobBackend(min_fraction=0.2)
    box = (400, 520, 470, 580)  # 70 px of 512: missed whole, found in a 0.45 tile (230 px)
    image = image_with_blob(512, 683, box)
    assert detect_still(backend, image, grids=(), pad_fraction=0.0) == []
    hands = detect_still(backend, image)
    assert len(hands) == 1, "overlapping tiles that all see the hand must give one hand"
    np.testing.assert_allclose(hands[0].keypoints, expected_keypoints(box), atol=1e-3)
    np.testing.assert_allclose(hands[0].normalized, hands[0].keypoints / np.array([512, 683]), atol=1e-6)
    assert hands[0].handedness == "right" and hands[0].score == pytest.approx(0.9)


def test_hand_filling_the_frame_found_by_padding() -> None:
    backend = BlobBackend(min_fraction=0.1)
    box = (8, 12, 88, 97)  # 80% of a 100x100 close-up
    hands = detect_still(backend, image_with_blob(100, 100, box))
    assert len(backend.calls) == 2, "the padded pass must come before the tiles"
    assert backend.calls[1] == (200, 200)
    np.testing.assert_allclose(hands[0].keypoints, expected_keypoints(box), atol=1e-3)
    np.testing.assert_allclose(hands[0].normalized, hands[0].keypoints / 100.0, atol=1e-6)


def test_no_hand_tries_every_pass() -> None:
    backend = BlobBackend()
    assert detect_still(backend, np.zeros((90, 120, 3), dtype=np.uint8)) == []
    tiles = sum(grid.rows * grid.columns for grid in DEFAULT_GRIDS)
    assert len(backend.calls) == 2 + tiles


def test_upscaled_tiles_map_back() -> None:
    backend = BlobBackend(min_fraction=0.2)
    box = (30, 40, 95, 110)
    hands = detect_still(backend, image_with_blob(512, 683, box), upscale=2.0, pad_fraction=0.0)
    np.testing.assert_allclose(hands[0].keypoints, expected_keypoints(box), atol=0.6)


@pytest.mark.parametrize("box, width, height", [
    ((100, 80, 300, 260), 512, 683),  # the first pass
    ((8, 12, 88, 97), 100, 100),  # the padded pass
    ((400, 520, 470, 580), 512, 683),  # a tile
], ids=["whole", "padded", "tile"])
def test_a_mirroring_camera_is_turned_back_across_the_whole_image(box: tuple[int, int, int, int], width: int,
                                                                  height: int) -> None:
    """`mirrored: true` in record and eval: every pass gives the hand as an unmirrored camera
    would have seen it (x -> width - x of the whole image, not of the padded copy or tile)."""
    image = image_with_blob(width, height, box)
    [seen] = detect_still(BlobBackend(min_fraction=0.1 if width == 100 else 0.2), image)
    [turned_back] = detect_still(MirroredBackend(BlobBackend(min_fraction=0.1 if width == 100 else 0.2)), image)
    np.testing.assert_allclose(turned_back.keypoints[:, 0], width - seen.keypoints[:, 0], atol=1e-3)
    np.testing.assert_allclose(turned_back.keypoints[:, 1], seen.keypoints[:, 1], atol=1e-3)
    np.testing.assert_allclose(turned_back.normalized, turned_back.keypoints / [width, height], atol=1e-6)
    assert (seen.handedness, turned_back.handedness) == ("right", "left")


@pytest.mark.parametrize("grid", [TileGrid(2, 2, 0.6), TileGrid(3, 3, 0.45), TileGrid(1, 3, 0.5)])
def test_tiles_cover_the_frame(grid: TileGrid) -> None:
    width, height = 512, 683
    covered = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1 in tile_boxes(width, height, grid):
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    assert len(tile_boxes(width, height, grid)) == grid.rows * grid.columns


def hand_at(centre: tuple[float, float], size: float, score: float = 0.9) -> Hand:
    keypoints = (UNIT_HAND - 0.5) * size + np.array(centre, dtype=np.float32)
    return Hand.from_pixels(keypoints, (640, 480), score=score)


def test_merge_keeps_best_scored_of_overlapping() -> None:
    weak, strong = hand_at((100, 100), 80, 0.6), hand_at((104, 98), 80, 0.95)
    elsewhere = hand_at((400, 300), 80, 0.7)
    merged = merge_duplicates([weak, elsewhere, strong])
    assert merged == [strong, elsewhere]


def test_pick_hand_prefers_larger() -> None:
    small, large = hand_at((320, 240), 60), hand_at((100, 380), 150)
    assert pick_hand([small, large], (640, 480)) is large


def test_pick_hand_prefers_central_at_equal_size() -> None:
    corner, centre = hand_at((60, 60), 100), hand_at((330, 250), 100)
    assert pick_hand([corner, centre], (640, 480)) is centre
    assert pick_hand([centre, corner], (640, 480)) is centre


def test_pick_hand_prefers_raised_at_equal_size_and_offset() -> None:
    lowered, raised = hand_at((320, 400), 100), hand_at((320, 80), 100)
    assert pick_hand([lowered, raised], (640, 480)) is raised


def test_pick_hand_none_for_no_hands() -> None:
    assert pick_hand([], (640, 480)) is None
