"""Plain geometry of one hand's keypoints: where the palm is, how big the hand is, its pose.

Pure functions over (21, 2) pixel keypoints (x right, y down), used by the trajectory
stage: distances there are measured in hand sizes, so a swipe means the same near the
camera and far from it, and a swipe counts only while the hand is open or pointing.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

WRIST = 0
INDEX_MCP, INDEX_PIP, INDEX_TIP = 5, 6, 8
MIDDLE_MCP = 9
PINKY_MCP = 17
PALM_POINTS = (0, 5, 9, 13, 17)  # wrist and the four knuckles
# (knuckle, tip) of index, middle, ring and little finger
FINGERS = ((5, 8), (9, 12), (13, 16), (17, 20))
# A finger is extended when its tip is this much farther from the wrist than its knuckle:
# straight fingers reach about 1.8 to 2 knuckle distances, curled ones stay near 1.
EXTENDED_RATIO = 1.45

Pose = Literal["open", "pointing", "other"]


def palm_center(keypoints: np.ndarray) -> np.ndarray:
    """(x, y) mean of the wrist and the four knuckles: moves with the hand, not the fingers."""
    return keypoints[list(PALM_POINTS)].mean(axis=0)


def hand_size(keypoints: np.ndarray) -> float:
    """The hand's size in pixels: the longer of palm length (wrist to middle knuckle) and
    knuckle width (index to little knuckle), so a hand turned sideways keeps its size."""
    length = float(np.linalg.norm(keypoints[MIDDLE_MCP] - keypoints[WRIST]))
    width = float(np.linalg.norm(keypoints[PINKY_MCP] - keypoints[INDEX_MCP]))
    return max(length, width)


def extended_fingers(keypoints: np.ndarray) -> tuple[bool, bool, bool, bool]:
    """Whether index, middle, ring and little finger are each stretched out."""
    wrist = keypoints[WRIST]
    flags = []
    for knuckle, tip in FINGERS:
        reach = np.linalg.norm(keypoints[tip] - wrist)
        base = max(float(np.linalg.norm(keypoints[knuckle] - wrist)), 1e-6)
        flags.append(bool(reach >= EXTENDED_RATIO * base))
    return flags[0], flags[1], flags[2], flags[3]


def hand_pose(keypoints: np.ndarray) -> Pose:
    """`open` (all four fingers out), `pointing` (only the index out) or `other`."""
    index, middle, ring, little = extended_fingers(keypoints)
    if index and middle and ring and little:
        return "open"
    if index and not (middle or ring or little):
        return "pointing"
    return "other"


def fingertip(keypoints: np.ndarray) -> np.ndarray:
    """(x, y) of the index fingertip."""
    return keypoints[INDEX_TIP]
