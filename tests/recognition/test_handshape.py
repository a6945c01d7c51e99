"""Hand pose from keypoints, against real MediaPipe keypoints (kinivi's keypoint.csv)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from gestured.recognition.handshape import hand_pose, hand_size, palm_center

OPEN, CLOSE, POINTER = 0, 1, 2


def pose_shares(shared_data: Path) -> dict[int, Counter]:
    table = np.loadtxt(shared_data / "extra" / "keypoints" / "keypoint.csv", delimiter=",")
    labels, keypoints = table[:, 0].astype(int), table[:, 1:].reshape(-1, 21, 2)
    return {label: Counter(hand_pose(points) for points in keypoints[labels == label])
            for label in (OPEN, CLOSE, POINTER)}


def test_real_open_hands_read_open_and_fists_do_not(shared_data: Path) -> None:
    shares = pose_shares(shared_data)
    opened, closed, pointer = shares[OPEN], shares[CLOSE], shares[POINTER]
    assert opened["open"] / sum(opened.values()) >= 0.95
    assert (closed["open"] + closed["pointing"]) / sum(closed.values()) <= 0.06
    # "Pointer" there includes loosely bent fingers; most still read as pointing.
    assert pointer["pointing"] / sum(pointer.values()) >= 0.6


def test_size_and_centre_follow_the_hand() -> None:
    points = np.zeros((21, 2))
    points[0], points[5], points[9], points[13], points[17] = (0, 0), (-3, -10), (0, -10), (3, -10), (6, -9)
    assert hand_size(points) == 10.0
    assert hand_size(points * 2 + 7) == 20.0
    assert np.allclose(palm_center(points), points[[0, 5, 9, 13, 17]].mean(axis=0))
