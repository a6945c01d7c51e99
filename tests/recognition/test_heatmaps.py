"""Heatmap decoding and crop geometry: known peaks come back where they were put."""

from __future__ import annotations

import numpy as np
import pytest

from gestured.recognition.backends.heatmaps import (
    CropBox,
    decode_heatmaps,
    hand_score,
    heatmap_to_input,
    refine_peak,
    square_crop,
)

INPUT_SIZE = 184  # net input side; the OpenPose net's stride is 8 -> 23x23 heatmaps
HEATMAP_SIDE = 23


def gaussian(shape: tuple[int, int], centre_x: float, centre_y: float, sigma: float) -> np.ndarray:
    rows, columns = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return np.exp(-((columns - centre_x) ** 2 + (rows - centre_y) ** 2) / (2 * sigma**2))


def frame_to_heatmap(point: np.ndarray, crop: CropBox) -> np.ndarray:
    """Written out independently of the module: pixel edges scale, pixel centres sit at +0.5."""
    crop_pixels = point - np.array([crop.x0, crop.y0]) + 0.5  # edge coordinates in the crop
    input_edges = crop_pixels * INPUT_SIZE / crop.size
    return input_edges / (INPUT_SIZE / HEATMAP_SIDE) - 0.5


@pytest.mark.parametrize(
    "crop",
    [CropBox(x0=410, y0=95, size=301), CropBox(x0=-40, y0=-25, size=130), CropBox(x0=7, y0=3, size=600)],
    ids=["inside-frame", "past-top-left", "large"],
)
def test_peaks_between_pixels_come_back_within_one_pixel(crop: CropBox) -> None:
    generator = np.random.default_rng(7)
    # Keypoints anywhere in the crop's middle 70 %, at fractional pixel positions.
    frame_points = np.array([crop.x0, crop.y0]) + crop.size * generator.uniform(0.15, 0.85, size=(21, 2))
    heatmaps = np.zeros((22, HEATMAP_SIDE, HEATMAP_SIDE), dtype=np.float32)
    for index, point in enumerate(frame_points):
        centre_x, centre_y = frame_to_heatmap(point, crop)
        heatmaps[index] = 0.8 * gaussian(heatmaps.shape[1:], centre_x, centre_y, sigma=1.3)
    heatmaps[21] = 1.0  # OpenPose's background channel: brighter than everything, ignored

    points, confidence = decode_heatmaps(heatmaps)
    recovered = crop.to_frame(heatmap_to_input(points, heatmaps.shape[1:], INPUT_SIZE), INPUT_SIZE)

    errors = np.linalg.norm(recovered - frame_points, axis=1)
    assert errors.max() < 1.0, f"worst keypoint off by {errors.max():.2f} px"
    assert confidence.shape == (21,)
    assert np.all((confidence > 0.5) & (confidence <= 0.8 + 1e-6))


def test_blobs_drawn_in_the_input_and_pooled_like_the_net_come_back_within_one_pixel() -> None:
    """Heatmaps made as a stride-8 net makes them: an 8x8 average of an input-sized blob."""
    crop = CropBox(x0=233, y0=-11, size=257)
    generator = np.random.default_rng(3)
    frame_points = np.array([crop.x0, crop.y0]) + crop.size * generator.uniform(0.2, 0.8, size=(21, 2))
    heatmaps = np.zeros((22, HEATMAP_SIDE, HEATMAP_SIDE))
    scale = INPUT_SIZE / crop.size
    for index, point in enumerate(frame_points):
        input_x, input_y = (point - np.array([crop.x0, crop.y0]) + 0.5) * scale - 0.5
        blob = gaussian((INPUT_SIZE, INPUT_SIZE), input_x, input_y, sigma=9.0)
        heatmaps[index] = blob.reshape(HEATMAP_SIDE, 8, HEATMAP_SIDE, 8).mean(axis=(1, 3))

    points, _ = decode_heatmaps(heatmaps)
    recovered = crop.to_frame(heatmap_to_input(points, heatmaps.shape[1:], INPUT_SIZE), INPUT_SIZE)

    assert np.linalg.norm(recovered - frame_points, axis=1).max() < 1.0


def test_refinement_beats_the_grid() -> None:
    heatmap = gaussian((23, 23), 10.37, 6.71, sigma=1.5)
    x, y, value = refine_peak(heatmap)
    assert abs(x - 10.37) < 0.01 and abs(y - 6.71) < 0.01
    assert value == pytest.approx(heatmap.max())


def test_refinement_without_positive_neighbours_fits_the_values() -> None:
    """A peak among negative values (untrained or background) still refines, by a plain parabola."""
    heatmap = np.full((9, 9), -1.0)
    heatmap[4, 3:6] = [-0.2, 0.5, 0.3]  # right neighbour higher: the vertex lies right of 4
    x, y, _ = refine_peak(heatmap)
    assert 4.0 < x < 4.5
    assert y == 4.0  # both vertical neighbours equal: no shift


def test_peak_on_the_border_is_kept_on_the_border() -> None:
    heatmap = gaussian((10, 12), 0.0, 4.4, sigma=1.0)
    x, y, _ = refine_peak(heatmap)
    assert x == 0.0
    assert abs(y - 4.4) < 0.01


def test_flat_heatmap_keeps_the_grid_peak() -> None:
    x, y, value = refine_peak(np.zeros((5, 5)))
    assert (x, y, value) == (0.0, 0.0, 0.0)


def test_decode_needs_enough_channels() -> None:
    with pytest.raises(ValueError, match="21"):
        decode_heatmaps(np.zeros((20, 8, 8)))
    with pytest.raises(ValueError):
        refine_peak(np.zeros((0, 0)))


def test_confidence_is_clipped_to_zero_one() -> None:
    heatmaps = np.full((21, 6, 6), -3.0)
    heatmaps[0, 2, 2] = 7.0
    _, confidence = decode_heatmaps(heatmaps)
    assert confidence[0] == 1.0
    assert np.all(confidence[1:] == 0.0)


def test_hand_score_counts_points_below_the_floor_as_zero() -> None:
    confidence = np.array([0.9] * 10 + [0.05] * 11)
    assert hand_score(confidence, floor=0.1) == pytest.approx(0.9 * 10 / 21)
    assert hand_score(confidence, floor=0.0) == pytest.approx(confidence.mean())
    assert hand_score(np.array([])) == 0.0


def test_square_crop_is_centred_with_margin() -> None:
    crop = square_crop((100.0, 200.0, 199.0, 259.0), margin=0.5)
    assert crop.size == 198  # longer side 99 px, plus 50 % each side
    centre_x = crop.x0 + crop.size / 2 - 0.5  # index coordinate of the crop's centre
    centre_y = crop.y0 + crop.size / 2 - 0.5
    assert abs(centre_x - 149.5) <= 0.5 and abs(centre_y - 229.0) <= 0.5


def test_square_crop_has_a_minimum_size_and_rejects_bad_boxes() -> None:
    assert square_crop((10.0, 10.0, 12.0, 11.0), min_size=32).size == 32
    with pytest.raises(ValueError):
        square_crop((10.0, 10.0, 5.0, 20.0))
    with pytest.raises(ValueError):
        square_crop((0.0, 0.0, 5.0, 5.0), margin=-0.1)


def test_crop_mapping_round_trips_and_scales() -> None:
    crop = CropBox(x0=-12, y0=40, size=92)
    points = np.array([[-12.0 - 0.5 + 0.5, 40.0], [79.0, 131.0], [33.3, 85.7]])
    back = crop.to_frame(crop.from_frame(points, 184), 184)
    np.testing.assert_allclose(back, points, atol=1e-9)
    # The crop's outer pixel edges land on the input's outer edges.
    edges = crop.from_frame(np.array([[-12.5, 39.5], [79.5, 131.5]]), 184)
    np.testing.assert_allclose(edges, [[-0.5, -0.5], [183.5, 183.5]])
