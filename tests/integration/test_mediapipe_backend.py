"""The MediaPipe backend on real images: real HandLandmarker, real model file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gestured.backends import BackendError, create_backend
from gestured.backends.mediapipe import MediaPipeBackend


@pytest.fixture()
def palm(shared_data: Path) -> np.ndarray:
    image = cv2.imread(str(shared_data / "right-frontal.jpg"))
    assert image is not None
    return image


def test_image_mode_finds_the_right_palm(landmarker_model: Path, palm: np.ndarray) -> None:
    with MediaPipeBackend(mode="image", model_path=landmarker_model) as backend:
        hands = backend.detect(palm)
    assert len(hands) == 1
    hand = hands[0]
    height, width = palm.shape[:2]
    assert hand.handedness == "right"
    assert hand.score > 0.8
    assert hand.keypoints.shape == (21, 2)
    assert np.all((hand.keypoints >= 0) & (hand.keypoints <= [width, height]))
    np.testing.assert_allclose(hand.normalized * [width, height], hand.keypoints, atol=1e-3)
    # A right palm facing an unmirrored camera has its thumb tip right of its pinky tip.
    assert hand.keypoints[4, 0] > hand.keypoints[20, 0]


def test_mirrored_frame_swaps_handedness_back(landmarker_model: Path, palm: np.ndarray) -> None:
    with MediaPipeBackend(mode="image", model_path=landmarker_model, mirrored=True) as backend:
        hands = backend.detect(cv2.flip(palm, 1))
    assert [hand.handedness for hand in hands] == ["right"]


def test_video_mode_tolerates_repeated_timestamps(landmarker_model: Path, palm: np.ndarray) -> None:
    with MediaPipeBackend(mode="video", model_path=landmarker_model) as backend:
        found = [len(backend.detect(palm, timestamp_ms=stamp)) for stamp in (0, 0, 10, 5)]
    assert found == [1, 1, 1, 1]


def test_no_hand_in_an_empty_frame(landmarker_model: Path) -> None:
    with MediaPipeBackend(mode="image", model_path=landmarker_model) as backend:
        assert backend.detect(np.full((480, 640, 3), 127, np.uint8)) == []


def test_registry_builds_it_and_rejects_unknown_names(landmarker_model: Path) -> None:
    backend = create_backend("mediapipe", mode="image", model_path=landmarker_model)
    backend.close()
    backend.close()
    with pytest.raises(BackendError, match="unknown backend 'mediapip': choose one of mediapipe, openpose"):
        create_backend("mediapip")


def test_a_broken_model_file_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "hand_landmarker.task"
    broken.write_bytes(b"not a model")
    with pytest.raises(BackendError, match="gestured models verify"):
        MediaPipeBackend(mode="image", model_path=broken)
