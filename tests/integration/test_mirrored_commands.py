"""`mirrored: true` reaches every backend built from a user's settings outside the daemon:
`gestured record`, `gestured eval --images` and the page's teacher turn a mirroring camera's
picture back, so point_right stays point_right (real MediaPipe on real photos from ../shared)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from gestured.cli import main as gestured
from gestured.config.settings import Settings
from gestured.recognition.classifier import load_classifier
from gestured.recognition.hand import Hand
from gestured.training.dataset import Dataset, load_dataset

pytestmark = pytest.mark.slow

# HaGRID `one` photos (index finger up); turned counter-clockwise the fingertip points to the
# image's left edge: the user's own right (data/README.md), point_right.
POINTING_PHOTOS = ("03ce91cd-a4c0-4c24-b99e-333d0c49fa14.jpg", "0dc64e8d-02c3-448b-8fbc-7c123f2dc5ba.jpg",
                   "1d75c68d-9e14-4a87-9a8e-9e308b20e1c8.jpg")


@pytest.fixture(scope="module")
def mirrored_photos(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """point_right/: what a mirroring camera shows of a hand pointing to its owner's right
    (unmirrored, the same pictures read as point_left)."""
    import cv2

    folder = tmp_path_factory.mktemp("mirrored") / "point_right"
    folder.mkdir()
    for name in POINTING_PHOTOS:
        image = cv2.imread(str(shared_data / "extra" / "hagrid-train" / "one" / name))
        assert image is not None, name
        cv2.imwrite(str(folder / name), cv2.flip(cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), 1))
    return folder


def write_config(folder: Path, text: str) -> Path:
    path = folder / "gestures.yaml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def labels_of(dataset: Dataset) -> list[str]:
    """What the shipped classifier reads in each recorded sample."""
    classifier = load_classifier()
    return [classifier.classify(Hand.from_pixels(keypoints.astype(np.float32), (int(size[0]), int(size[1])),
                                                 handedness=str(side))).label
            for keypoints, size, side in zip(dataset.keypoints.reshape(-1, 21, 2), dataset.frame_size,
                                             dataset.handedness)]


def record(folder: Path, out: Path, *extra: str) -> Dataset:
    assert gestured(["record", "point_right", "--source", str(folder), "--out", str(out), "--offline", *extra]) == 0
    [written] = list(out.iterdir())
    return load_dataset(written)


def test_record_turns_a_mirrored_picture_back(tmp_path: Path, mirrored_photos: Path, landmarker_model: Path) -> None:
    mirrored = write_config(tmp_path, "mirrored: true\n")
    turned_back = record(mirrored_photos, tmp_path / "mirrored", "--config", str(mirrored))
    as_seen = record(mirrored_photos, tmp_path / "plain", "--config", str(write_config(tmp_path, "mirrored: false\n")))
    assert labels_of(turned_back) == ["point_right"] * len(POINTING_PHOTOS)
    assert labels_of(as_seen) == ["point_left"] * len(POINTING_PHOTOS)  # the same pictures, read unmirrored
    width = turned_back.frame_size[:, :1].astype(np.float32)
    keypoints = turned_back.keypoints.reshape(-1, 21, 2)
    seen = as_seen.keypoints.reshape(-1, 21, 2)
    np.testing.assert_allclose(keypoints[:, :, 0], width - seen[:, :, 0], atol=1e-3)  # x -> width - x
    np.testing.assert_allclose(keypoints[:, :, 1], seen[:, :, 1], atol=1e-3)
    swapped = {"left": "right", "right": "left"}
    assert list(turned_back.handedness) == [swapped[side] for side in as_seen.handedness]


def test_eval_images_turns_a_mirrored_picture_back(tmp_path: Path, mirrored_photos: Path, landmarker_model: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "mirrored: true\n")
    assert gestured(["eval", "--images", str(mirrored_photos.parent), "--config", str(config), "--offline",
                     "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mirrored"] is True
    assert report["detected_only"]["images"] == len(POINTING_PHOTOS)
    assert report["detected_only"]["accuracy"] == 1.0  # every one read as point_right


def test_the_pages_teacher_turns_a_mirrored_picture_back(tmp_path: Path, mirrored_photos: Path,
                                                         landmarker_model: Path) -> None:
    pytest.importorskip("starlette", reason="the ui extra is not installed: pip install '.[ui]'")
    from gestured.ui.app import recording_backends
    from gestured.ui.teach import Teacher

    teacher = Teacher(tmp_path / "datasets", lambda _listener: lambda: None,
                      recording_backends(Settings(mirrored=True), None, offline=True))
    teacher.import_path("point_right", str(mirrored_photos))
    deadline = time.monotonic() + 120
    while not teacher.status()["take"]["done"] and time.monotonic() < deadline:
        time.sleep(0.1)
    take = teacher.status()["take"]
    assert take["done"] and take["error"] is None, take
    assert labels_of(load_dataset(Path(take["saved"]))) == ["point_right"] * len(POINTING_PHOTOS)
