"""The MediaPipe backend on real images: real HandLandmarker, real model file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gestured.recognition.backends import BackendError, MediaPipeOptions, create_backend
from gestured.recognition.backends.mediapipe import MediaPipeBackend


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
    backend = create_backend("mediapipe", mode="image", mirrored=True, options=MediaPipeOptions(model_path=landmarker_model))
    try:
        hands = backend.detect(cv2.flip(palm, 1))
    finally:
        backend.close()
    assert [hand.handedness for hand in hands] == ["right"]


# HaGRID `one` photos (index finger up); turned a quarter each way they point sideways.
POINTING_PHOTOS = ("03ce91cd-a4c0-4c24-b99e-333d0c49fa14.jpg", "0dc64e8d-02c3-448b-8fbc-7c123f2dc5ba.jpg",
                   "1d75c68d-9e14-4a87-9a8e-9e308b20e1c8.jpg")
# Counter-clockwise, the fingertip goes to the image's left edge: the user's own right (data/README.md).
DIRECTIONS = {"point_up": None, "point_right": cv2.ROTATE_90_COUNTERCLOCKWISE, "point_left": cv2.ROTATE_90_CLOCKWISE}


@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
def test_a_mirrored_camera_keeps_each_pointing_direction(
    shared_data: Path, landmarker_model: Path, direction: str
) -> None:
    """A mirroring camera's picture of a pointing hand, turned back by `mirrored: true`, gives the
    gesture and hand the unmirrored picture gives (once only the hand's side was swapped, so
    point_left and point_right came out the wrong way round)."""
    from gestured.recognition.classifier import load_classifier

    classifier = load_classifier()
    options = MediaPipeOptions(model_path=landmarker_model)
    plain = create_backend("mediapipe", mode="image", options=options)
    mirrored = create_backend("mediapipe", mode="image", mirrored=True, options=options)
    try:
        for name in POINTING_PHOTOS:
            image = cv2.imread(str(shared_data / "extra" / "hagrid-train" / "one" / name))
            assert image is not None
            code = DIRECTIONS[direction]
            image = image if code is None else cv2.rotate(image, code)
            [seen], [turned_back] = plain.detect(image), mirrored.detect(cv2.flip(image, 1))
            assert classifier.classify(seen).label == direction, name
            assert classifier.classify(turned_back).label == direction, name
            assert turned_back.handedness == seen.handedness != "unknown"
            np.testing.assert_allclose(turned_back.normalized, seen.normalized, atol=0.03)
    finally:
        plain.close()
        mirrored.close()


def test_video_mode_tolerates_repeated_timestamps(landmarker_model: Path, palm: np.ndarray) -> None:
    with MediaPipeBackend(mode="video", model_path=landmarker_model) as backend:
        found = [len(backend.detect(palm, timestamp_ms=stamp)) for stamp in (0, 0, 10, 5)]
    assert found == [1, 1, 1, 1]


def test_no_hand_in_an_empty_frame(landmarker_model: Path) -> None:
    with MediaPipeBackend(mode="image", model_path=landmarker_model) as backend:
        assert backend.detect(np.full((480, 640, 3), 127, np.uint8)) == []


def test_registry_builds_it_and_rejects_unknown_names(landmarker_model: Path) -> None:
    backend = create_backend("mediapipe", mode="image", options=MediaPipeOptions(model_path=landmarker_model))
    backend.close()
    backend.close()
    with pytest.raises(BackendError, match="unknown backend 'mediapip': choose one of mediapipe, openpose"):
        create_backend("mediapip")


def test_a_broken_model_file_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "hand_landmarker.task"
    broken.write_bytes(b"not a model")
    with pytest.raises(BackendError, match="gestured models verify"):
        MediaPipeBackend(mode="image", model_path=broken)


@pytest.mark.parametrize("shape", [(360, 640, 3), (480, 587, 3), (1, 1, 3), (5, 70_000, 3), (999, 3, 3)])
def test_banded_colour_conversion_equals_opencv_whole_frame(shape: tuple[int, int, int]) -> None:
    from gestured.recognition.backends.mediapipe import bgr_to_rgb

    frame = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    for given in (frame, frame[:, ::-1]):  # a contiguous frame and a strided view
        rgb = bgr_to_rgb(given)
        assert rgb.flags.c_contiguous and rgb.dtype == np.uint8
        np.testing.assert_array_equal(rgb, cv2.cvtColor(given, cv2.COLOR_BGR2RGB))


def test_backend_gives_what_the_bare_landmarker_gives_on_the_same_frame(
    landmarker_model: Path, palm: np.ndarray
) -> None:
    """The wrapper (banded BGR->RGB, mp.Image, Hand) hands the landmarker the very input a
    plain whole-frame cvtColor would, and converts its answer without loss."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.HandLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(landmarker_model)),
                                           running_mode=vision.RunningMode.IMAGE, num_hands=1)
    frame = cv2.resize(palm, (640, 360))
    with vision.HandLandmarker.create_from_options(options) as bare:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        result = bare.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    with MediaPipeBackend(mode="image", model_path=landmarker_model) as backend:
        hands = backend.detect(frame)
    assert len(hands) == len(result.hand_landmarks) == 1
    expected = np.array([(point.x, point.y) for point in result.hand_landmarks[0]], dtype=np.float32)
    np.testing.assert_array_equal(hands[0].normalized, expected)
    np.testing.assert_array_equal(hands[0].keypoints, expected * np.array([640, 360], dtype=np.float32))
