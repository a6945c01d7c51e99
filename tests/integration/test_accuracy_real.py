"""The shipped model with real MediaPipe on real photos from ../shared/data.

A modest slice, so this runs in well under a minute; benchmarks/accuracy.py measures
the full held-out sets (figures in models/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from gestured.errors import GesturedError
from gestured.recognition.backends import KeypointBackend
from gestured.recognition.classifier import GestureClassifier, load_classifier
from gestured.recognition.stills import detect_still, pick_hand
from gestured.training import real

pytestmark = pytest.mark.slow
THUMBS = ("thumbs_up", "thumbs_down")
SMALL_SCALE = 0.15


@pytest.fixture(scope="module")
def backend() -> Iterator[KeypointBackend]:
    pytest.importorskip("mediapipe")
    from gestured.recognition.backends import create_backend

    try:
        backend = create_backend("mediapipe", mode="image", num_hands=2, offline=True)
    except GesturedError as error:
        pytest.skip(f"MediaPipe hand model unavailable: {error}")
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def classifier() -> GestureClassifier:
    return load_classifier()


def classify_file(backend: KeypointBackend, classifier: GestureClassifier, path: Path) -> str | None:
    """The predicted label of the labelled hand in a photo, or None when no hand is found."""
    import cv2

    image = cv2.imread(str(path))
    assert image is not None, path
    hand = pick_hand(detect_still(backend, image), (image.shape[1], image.shape[0]))
    return None if hand is None else classifier.classify(hand).label


def test_held_out_seed_thumbs(shared_data: Path, backend: KeypointBackend, classifier: GestureClassifier) -> None:
    """Frames after the time split (never trained on): every third one, both classes."""
    held_out = [image for image in real.seed_thumbs_images(shared_data) if image.split == "test"]
    sample = held_out[::3]
    assert {image.label for image in sample} == set(THUMBS)
    predictions = [(image.label, classify_file(backend, classifier, image.path)) for image in sample]
    detected = [(label, guess) for label, guess in predictions if guess is not None]
    assert len(detected) >= 0.95 * len(sample)
    wrong = [(label, guess) for label, guess in detected if guess != label]
    assert len(wrong) <= 1, wrong
    assert all(guess in THUMBS for _, guess in detected), "a thumb called another gesture"
    for label in THUMBS:
        recall = np.mean([guess == label for true, guess in detected if true == label])
        assert recall >= 0.95, (label, recall)


def test_right_frontal_is_open_palm(shared_data: Path, backend: KeypointBackend, classifier: GestureClassifier) -> None:
    assert classify_file(backend, classifier, shared_data / "right-frontal.jpg") == "open_palm"


def test_small_hand_found_by_tiles(shared_data: Path, backend: KeypointBackend, classifier: GestureClassifier) -> None:
    """right-frontal.jpg shrunk into a corner of a large dark frame: one pass misses it."""
    import cv2

    photo = cv2.imread(str(shared_data / "right-frontal.jpg"))
    small = cv2.resize(photo, None, fx=SMALL_SCALE, fy=SMALL_SCALE, interpolation=cv2.INTER_AREA)
    canvas = np.full((1200, 1600, 3), 30, dtype=np.uint8)
    top, left = 850, 1150
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    assert backend.detect(canvas) == [], "the first pass found it: make the hand smaller"
    hands = detect_still(backend, canvas)
    assert hands, "the tiled pass should find the small hand"
    x0, y0, x1, y1 = hands[0].box
    assert left - 5 <= x0 < x1 <= left + small.shape[1] + 5
    assert top - 5 <= y0 < y1 <= top + small.shape[0] + 5
    assert classifier.classify(hands[0]).label == "open_palm"





def box_iou(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    width = max(0.0, min(first[2], second[2]) - max(first[0], second[0]))
    height = max(0.0, min(first[3], second[3]) - max(first[1], second[1]))
    area = (first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (second[3] - second[1])
    return width * height / (area - width * height)


def test_hand_cut_by_the_frame_found_by_padding(shared_data: Path, backend: KeypointBackend) -> None:
    """right-frontal.jpg cropped 10% inside the hand's own box and shrunk to 100 px wide
    (like the sign-language close-ups): one pass misses it, the padded pass finds it and
    places the hand partly outside the crop, where it really is."""
    import cv2

    photo = cv2.imread(str(shared_data / "right-frontal.jpg"))
    x0, y0, x1, y1 = backend.detect(photo)[0].box
    inset = 0.1 * max(x1 - x0, y1 - y0)
    left, top, right, bottom = (int(value) for value in (x0 + inset, y0 + inset, x1 - inset, y1 - inset))
    scale = 100.0 / (right - left)
    crop = cv2.resize(photo[top:bottom, left:right], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    assert backend.detect(crop) == [], "the first pass found it: crop tighter"
    hands = detect_still(backend, crop)
    assert len(hands) == 1
    expected = ((x0 - left) * scale, (y0 - top) * scale, (x1 - left) * scale, (y1 - top) * scale)
    assert hands[0].box[0] < 0 and hands[0].box[1] < 0, "keypoints beyond the crop's top-left"
    assert box_iou(hands[0].box, expected) > 0.6
