"""The hand as every stage after the keypoint backend sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

NUM_KEYPOINTS = 21
# Canonical order shared by OpenPose and MediaPipe.
KEYPOINT_NAMES = (
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)

Handedness = Literal["left", "right", "unknown"]


@dataclass(frozen=True, eq=False)
class Hand:
    """One detected hand in one frame.

    keypoints: (21, 2) float pixel coordinates (x right, y down) in the frame.
    normalized: (21, 2) the same divided by frame width and height.
    confidence: (21,) per-keypoint confidence in [0, 1], or None where the backend has none.
    depth: (21,) relative depth (MediaPipe's z), or None.
    handedness: the person's own hand, for an unmirrored camera frame.
    score: how sure the backend is that this is a hand, in [0, 1].
    """

    keypoints: np.ndarray
    normalized: np.ndarray
    handedness: Handedness = "unknown"
    score: float = 1.0
    confidence: np.ndarray | None = None
    depth: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("keypoints", "normalized"):
            shape = getattr(self, name).shape
            if shape != (NUM_KEYPOINTS, 2):
                raise ValueError(f"Hand.{name} must have shape (21, 2), got {shape}")

    def mirrored(self, width: float) -> Hand:
        """This hand as an unmirrored camera would have seen it in a frame `width` pixels wide:
        x -> width - x (normalised x -> 1 - x), and the left and right hand swapped."""
        keypoints, normalized = self.keypoints.copy(), self.normalized.copy()
        keypoints[:, 0] = width - keypoints[:, 0]
        normalized[:, 0] = 1.0 - normalized[:, 0]
        handedness: Handedness = {"left": "right", "right": "left"}.get(self.handedness, "unknown")  # type: ignore[assignment]
        return Hand(keypoints=keypoints, normalized=normalized, handedness=handedness, score=self.score,
                    confidence=self.confidence, depth=self.depth)

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the frame the hand was found in, recovered from its pixel and
        normalised keypoints; (0, 0) when they can't tell (a keypoint at the origin on both axes)."""
        normalized = np.abs(self.normalized).max(axis=0)
        pixels = np.abs(self.keypoints).max(axis=0)
        if not (normalized > 0).all():
            return (0, 0)
        width, height = np.rint(pixels / normalized)
        return int(width), int(height)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) pixel bounding box of the keypoints."""
        x0, y0 = self.keypoints.min(axis=0)
        x1, y1 = self.keypoints.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @classmethod
    def from_pixels(
        cls,
        keypoints: np.ndarray,
        frame_size: tuple[int, int],
        **fields: object,
    ) -> "Hand":
        """Build a Hand from (21, 2) pixel keypoints and the frame's (width, height)."""
        keypoints = np.asarray(keypoints, dtype=np.float32).reshape(NUM_KEYPOINTS, 2)
        width, height = frame_size
        normalized = keypoints / np.array([width, height], dtype=np.float32)
        return cls(keypoints=keypoints, normalized=normalized, **fields)  # type: ignore[arg-type]
