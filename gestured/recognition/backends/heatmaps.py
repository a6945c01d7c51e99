"""Pure geometry for heatmap keypoint nets: square crops, sub-pixel peaks, mapping back.

Coordinates: a pixel's *index* coordinate is its centre (pixel i spans [i - 0.5, i + 0.5]).
Every mapping here is a scale and an offset between *edges* (index + 0.5), which is how
`cv2.resize` and a net of stride-2 poolings place their samples:

    heatmap -> net input:  edge_in    = edge_heatmap * stride     (stride = input / heatmap)
    net input -> frame:    edge_frame = edge_in / scale + crop.x0 (scale = input / crop.size)

Peaks are refined to sub-pixel precision by fitting a parabola through the argmax and its two
neighbours along each axis, on the logarithm of the heatmap where those three values are
positive: a Gaussian blob (what heatmap nets are trained to draw) is exactly a parabola
there, so its centre comes back exactly; elsewhere the fit is on the values themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Below this a heatmap value is noise: the log fit would amplify it.
_LOG_FLOOR = 1e-6


@dataclass(frozen=True)
class CropBox:
    """A square region of the frame, in whole pixels; it may reach past the frame's edges.

    x0, y0: index of the crop's top-left pixel in the frame; size: its side in pixels.
    """

    x0: int
    y0: int
    size: int

    def scale(self, input_size: int) -> float:
        """Net-input pixels per frame pixel."""
        return input_size / self.size

    def to_frame(self, input_points: np.ndarray, input_size: int) -> np.ndarray:
        """(N, 2) index coordinates in the net input -> (N, 2) index coordinates in the frame."""
        edges = (np.asarray(input_points, dtype=np.float64) + 0.5) / self.scale(input_size)
        return edges + np.array([self.x0, self.y0], dtype=np.float64) - 0.5

    def from_frame(self, frame_points: np.ndarray, input_size: int) -> np.ndarray:
        """(N, 2) frame index coordinates -> net-input index coordinates (inverse of to_frame)."""
        edges = np.asarray(frame_points, dtype=np.float64) - np.array([self.x0, self.y0]) + 0.5
        return edges * self.scale(input_size) - 0.5


def square_crop(
    box: tuple[float, float, float, float],
    margin: float = 0.3,
    min_size: int = 32,
) -> CropBox:
    """The square around a hand box (x0, y0, x1, y1), widened by `margin` of its longer side
    on every side, centred on the box, at least `min_size` pixels.

    Raises ValueError for a box with x1 < x0 or y1 < y0, or a negative margin.
    """
    x0, y0, x1, y1 = box
    if x1 < x0 or y1 < y0 or margin < 0:
        raise ValueError(f"bad hand box {box} or margin {margin}")
    side = max(x1 - x0, y1 - y0) * (1.0 + 2.0 * margin)
    size = max(int(round(side)), min_size)
    centre_x, centre_y = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    # Box corners are index coordinates: the square's edges sit size / 2 from the centre edge.
    left = int(round(centre_x + 0.5 - size / 2.0))
    top = int(round(centre_y + 0.5 - size / 2.0))
    return CropBox(left, top, size)


def _parabola_offset(left: float, centre: float, right: float) -> float:
    """Vertex of the parabola through (-1, left), (0, centre), (1, right), in [-0.5, 0.5]."""
    curvature = left - 2.0 * centre + right
    if curvature >= 0.0:
        return 0.0  # flat or not a maximum: keep the grid peak
    return float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))


def _axis_offset(samples: np.ndarray) -> float:
    left, centre, right = (float(value) for value in samples)
    if min(left, centre, right) > _LOG_FLOOR:
        return _parabola_offset(np.log(left), np.log(centre), np.log(right))
    return _parabola_offset(left, centre, right)


def refine_peak(heatmap: np.ndarray) -> tuple[float, float, float]:
    """The maximum of one (H, W) heatmap as (x, y, value): x, y sub-pixel index coordinates.

    An argmax on the grid's border is refined only along the axis where it has two neighbours.
    Raises ValueError for an empty heatmap.
    """
    if heatmap.size == 0:
        raise ValueError("empty heatmap")
    row, column = np.unravel_index(int(np.argmax(heatmap)), heatmap.shape)
    height, width = heatmap.shape
    value = float(heatmap[row, column])
    x, y = float(column), float(row)
    if 0 < column < width - 1:
        x += _axis_offset(heatmap[row, column - 1 : column + 2])
    if 0 < row < height - 1:
        y += _axis_offset(heatmap[row - 1 : row + 2, column])
    return x, y, value


def decode_heatmaps(heatmaps: np.ndarray, num_keypoints: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Peaks of the first `num_keypoints` channels of (C, H, W) heatmaps (later channels, such
    as OpenPose's background map, are ignored).

    Returns ((num_keypoints, 2) sub-pixel heatmap index coordinates, (num_keypoints,) peak
    values clipped to [0, 1]). Raises ValueError when there are fewer channels than keypoints.
    """
    if heatmaps.ndim != 3 or heatmaps.shape[0] < num_keypoints:
        raise ValueError(f"expected (>= {num_keypoints}, H, W) heatmaps, got {heatmaps.shape}")
    peaks = np.array([refine_peak(channel) for channel in heatmaps[:num_keypoints]])
    return peaks[:, :2], np.clip(peaks[:, 2], 0.0, 1.0)


def heatmap_to_input(points: np.ndarray, heatmap_shape: tuple[int, int], input_size: int) -> np.ndarray:
    """(N, 2) heatmap index coordinates -> net-input index coordinates.

    heatmap_shape is (H, W); the stride along each axis is input_size / that side.
    """
    height, width = heatmap_shape
    stride = np.array([input_size / width, input_size / height], dtype=np.float64)
    return (np.asarray(points, dtype=np.float64) + 0.5) * stride - 0.5


def hand_score(confidence: np.ndarray, floor: float = 0.1) -> float:
    """How sure we are there is a hand: the mean confidence over all keypoints, where a
    keypoint below `floor` (the net saw nothing there) counts as zero."""
    confidence = np.asarray(confidence, dtype=np.float64)
    if confidence.size == 0:
        return 0.0
    return float(np.where(confidence >= floor, confidence, 0.0).mean())
