"""How OpenPose's hand keypoints differ from MediaPipe's, measured, and applied to MediaPipe hands.

`measure(openpose, background, mediapipe)` compares the two backends' keypoints of the same
frames. Everything is measured in the MediaPipe hand's own axes (origin at the wrist, `u`
from the wrist to the middle finger's knuckle, `v` a quarter turn from it, unit = the hand's
spread), so it applies to a hand at any angle and size:

- per keypoint, the *offset* (mean residual) and *noise* (its standard deviation) over the
  keypoints that agree (residual within `AGREE` spreads);
- per keypoint, how often it does not agree (*outlier rate*), and how such a keypoint
  fails: on the same spot as other keypoints (*collapse*, and onto which keypoints),
  on the background heatmap's peak (*missing*), or elsewhere (*astray*, with the spread
  of where it lands);
- per hand, how many keypoints fail together (a histogram: failures are not independent).

`apply(keypoints, model, rng)` gives MediaPipe hands OpenPose's errors: every keypoint is
offset and jittered, then a number of keypoints drawn from the histogram fail in the
measured ways (a missing keypoint becomes NaN, as the backend's low-confidence keypoints
do), and the result is snapped to a heatmap grid of random pitch, as the prototype's
keypoints are (`GRID_PITCH`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

AGREE = 0.5  # spreads: a residual beyond this is a failed keypoint
SAME_SPOT_PIXELS = 2.0  # the prototype's keypoints sit on a ~4.9 px grid: within 2 px is one cell
GRID_PITCH = (0.0, 0.2)  # spreads: the heatmap pitch drawn for the snapping of `apply`


@dataclass(frozen=True)
class ErrorModel:
    """Measured OpenPose-vs-MediaPipe errors (lists, so the model's JSON can hold them)."""

    frames: int
    offsets: list[list[float]]  # (21, 2) mean residual of agreeing keypoints, hand axes, spreads
    noise: list[list[float]]  # (21, 2) its standard deviation
    outlier_rate: list[float]  # (21,)
    collapse_share: list[float]  # (21,) of the outliers: on the spot of other keypoints
    missing_share: list[float]  # (21,) of the outliers: on the background peak
    partners: list[list[float]]  # (21, 21) where a collapsing keypoint lands, rows sum to 1
    astray_mean: list[float]  # (2,) where an astray keypoint lands, hand axes, spreads
    astray_std: list[float]  # (2,)
    failures_per_hand: list[float]  # (22,) share of hands with 0..21 failed keypoints

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hand_axes(keypoints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(N, 21, 2) -> origin (N, 2), u (N, 2), v (N, 2), spread (N,) of each hand."""
    origin = keypoints[:, 0]
    along = keypoints[:, 9] - origin
    length = np.linalg.norm(along, axis=1, keepdims=True)
    u = np.divide(along, length, out=np.tile([0.0, -1.0], (len(keypoints), 1)), where=length > 1e-9)
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)
    centred = keypoints - keypoints.mean(axis=1, keepdims=True)
    spread = np.sqrt((centred**2).sum(axis=2).mean(axis=1))
    return origin, u, v, np.maximum(spread, 1e-9)


def to_hand_axes(points: np.ndarray, axes: tuple[np.ndarray, ...]) -> np.ndarray:
    origin, u, v, spread = axes
    offsets = points - origin[:, None]
    local = np.stack([(offsets * u[:, None]).sum(axis=2), (offsets * v[:, None]).sum(axis=2)], axis=2)
    return local / spread[:, None, None]


def from_hand_axes(local: np.ndarray, axes: tuple[np.ndarray, ...]) -> np.ndarray:
    origin, u, v, spread = axes
    scaled = local * spread[:, None, None]
    return origin[:, None] + scaled[..., :1] * u[:, None] + scaled[..., 1:] * v[:, None]


def measure(openpose: np.ndarray, background: np.ndarray, mediapipe: np.ndarray) -> ErrorModel:
    """The error model from (N, 21, 2) OpenPose keypoints, their (N, 2) background peaks and
    (N, 21, 2) MediaPipe keypoints of the same N frames (pixels of the same image).

    Raises ValueError when the shapes disagree or no frame is given.
    """
    openpose, mediapipe = np.asarray(openpose, float), np.asarray(mediapipe, float)
    background = np.asarray(background, float)
    if openpose.shape != mediapipe.shape or openpose.shape[1:] != (21, 2) or not len(openpose):
        raise ValueError(f"need matching (N, 21, 2) keypoints, got {openpose.shape} and {mediapipe.shape}")
    axes = hand_axes(mediapipe)
    residual = to_hand_axes(openpose, axes) - to_hand_axes(mediapipe, axes)
    failed = np.linalg.norm(residual, axis=2) > AGREE
    on_background = np.linalg.norm(openpose - background[:, None], axis=2) <= SAME_SPOT_PIXELS
    close = np.linalg.norm(openpose[:, :, None] - openpose[:, None], axis=3) <= SAME_SPOT_PIXELS
    close &= ~np.eye(21, dtype=bool)
    collapsed = failed & ~on_background & close.any(axis=2)
    missing = failed & on_background
    astray = failed & ~on_background & ~collapsed
    agreeing = np.where(~failed[..., None], residual, np.nan)
    outliers = np.maximum(failed.sum(axis=0), 1)
    partners = (close & collapsed[:, :, None]).sum(axis=0).astype(float)
    partners /= np.maximum(partners.sum(axis=1, keepdims=True), 1)
    landing = to_hand_axes(openpose, axes)[astray]
    return ErrorModel(
        frames=len(openpose),
        offsets=_rounded(np.nan_to_num(np.nanmean(agreeing, axis=0))),
        noise=_rounded(np.nan_to_num(np.nanstd(agreeing, axis=0))),
        outlier_rate=_rounded(failed.mean(axis=0)),
        collapse_share=_rounded(collapsed.sum(axis=0) / outliers),
        missing_share=_rounded(missing.sum(axis=0) / outliers),
        partners=_rounded(partners),
        astray_mean=_rounded(landing.mean(axis=0) if len(landing) else np.zeros(2)),
        astray_std=_rounded(landing.std(axis=0) if len(landing) else np.zeros(2)),
        failures_per_hand=_rounded(np.bincount(failed.sum(axis=1), minlength=22) / len(openpose)),
    )


def _rounded(values: np.ndarray) -> Any:
    return np.round(np.asarray(values, dtype=float), 4).tolist()


def apply(keypoints: np.ndarray, model: ErrorModel, rng: np.random.Generator) -> np.ndarray:
    """(N, 21, 2) MediaPipe-like keypoints -> the same hands with OpenPose's errors (NaN =
    a missing keypoint). Deterministic for a given generator state."""
    points = np.asarray(keypoints, dtype=np.float64)[..., :2]
    count = len(points)
    axes = hand_axes(points)
    local = to_hand_axes(points, axes)
    local += np.asarray(model.offsets) + rng.normal(size=local.shape) * np.asarray(model.noise)
    failed = _failing_keypoints(count, model, rng)
    kind = rng.random((count, 21))
    collapse_share, missing_share = np.asarray(model.collapse_share), np.asarray(model.missing_share)
    collapsing = failed & (kind < collapse_share)
    missing = failed & ~collapsing & (kind < collapse_share + missing_share)
    astray = failed & ~collapsing & ~missing
    landing = np.asarray(model.astray_mean) + rng.normal(size=local.shape) * np.asarray(model.astray_std)
    local = np.where(astray[..., None], landing, local)
    partners = np.asarray(model.partners)
    for hand, joint in zip(*np.nonzero(collapsing)):
        weights = partners[joint]
        if weights.sum() > 0:
            local[hand, joint] = local[hand, rng.choice(21, p=weights / weights.sum())]
    result = from_hand_axes(local, axes)
    result = _snap_to_grid(result, axes[3], rng)
    result[missing] = np.nan
    return result.astype(np.float32)


def _failing_keypoints(count: int, model: ErrorModel, rng: np.random.Generator) -> np.ndarray:
    """(count, 21) which keypoints fail: how many per hand from the histogram, which ones
    weighted by each keypoint's outlier rate."""
    histogram = np.asarray(model.failures_per_hand, dtype=float)
    failures = rng.choice(22, size=count, p=histogram / histogram.sum())
    rates = np.asarray(model.outlier_rate, dtype=float) + 1e-6
    keys = rng.random((count, 21)) ** (1.0 / rates)  # weighted sampling without replacement
    order = np.argsort(-keys, axis=1)
    failed = np.zeros((count, 21), dtype=bool)
    rows = np.repeat(np.arange(count), 21).reshape(count, 21)
    failed[rows, order] = np.arange(21)[None, :] < failures[:, None]
    return failed


def _snap_to_grid(points: np.ndarray, spread: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each hand snapped to a square grid of random pitch (in spreads) and phase."""
    pitch = rng.uniform(*GRID_PITCH, size=len(points)) * spread
    phase = rng.uniform(0.0, 1.0, size=(len(points), 1, 2)) * pitch[:, None, None]
    safe = np.maximum(pitch, 1e-9)[:, None, None]
    snapped = np.round((points - phase) / safe) * safe + phase
    return np.where(pitch[:, None, None] > 1e-9, snapped, points)
