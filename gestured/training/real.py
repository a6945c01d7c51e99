"""The labelled photos in ../shared/data, each mapped to a label and a train/test side.

Every function returns `LabelledImage`s sorted by path, so the same files always give
the same lists. Held-out (`split == "test"`) images are never used for training, not
even augmented.

- seed-thumbs: one person, video frames. Byte-identical and near-identical frames are
  dropped (a 16x16 grey thumbnail within `NEAR_DUPLICATE_LEVEL` grey levels, mean
  absolute difference, of a frame already kept, compared with *every* kept frame of
  the class), then each class is split by time (file number): the first
  `SEED_TRAIN_FRACTION` train, the rest test. Since kept frames are pairwise far
  apart, no near-identical pair can straddle the split.
- HaGRID (train split of the data set, a public subset): no person ids are available,
  so each class folder's files sorted by name (random uuids) are cut: the last
  `HAGRID_TEST_FRACTION` are held out. The same person may appear on both sides.
- sign-language digits: each student signed 0-9 under consecutive IMG_NNNN numbers, so
  a new student starts where the digit stops increasing. The last
  `DIGITS_TEST_FRACTION` of students (a contiguous range of numbers) are held out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gestured.capture.sources import IMAGE_SUFFIXES

SEED_TRAIN_FRACTION = 0.7
NEAR_DUPLICATE_LEVEL = 3.0
HAGRID_TEST_FRACTION = 0.25
DIGITS_TEST_FRACTION = 0.2

# HaGRID class -> gestured label. stop_inverted is open_palm: the shared README calls it
# a palm with the fingers down, but its photos show a raised flat hand, fingers UP, with
# the back of the hand to the camera; in 2D keypoints that is the mirror image of the
# other hand's palm, which no feature without depth can tell apart.
HAGRID_LABELS = {
    "like": "thumbs_up", "dislike": "thumbs_down", "fist": "fist", "one": "point_up",
    "ok": "ok", "palm": "open_palm", "stop": "open_palm", "stop_inverted": "open_palm",
    "call": "none", "peace": "none", "peace_inverted": "none", "rock": "none",
    "four": "none", "three": "none", "three2": "none", "two_up": "none",
    "two_up_inverted": "none", "mute": "none",
}
# `none` photos that are `none` only in context: turned, they could be a gesture (mute
# is an index finger held up at the lips, the shape of point_up).
ORIENTED_NONE = ("mute",)
DIGIT_LABELS = {"1": "point_up", "5": "open_palm", "9": "ok"}  # other digits: none


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    label: str
    source: str  # "seed-thumbs", "hagrid", "sign-digits"
    group: str  # what must not straddle train/test: frame, file, or student
    split: str  # "train" or "test"


def is_oriented_none(image: LabelledImage) -> bool:
    """True for a `none` photo whose pose would be a gesture at another angle."""
    return image.source == "hagrid" and image.path.parent.name in ORIENTED_NONE


def _images(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES)


def _number(path: Path) -> int:
    return int("".join(character for character in path.stem if character.isdigit()))


def thumbnail(path: Path) -> np.ndarray:
    """16x16 grey thumbnail as float32 (the near-duplicate test's picture of a frame)."""
    import cv2

    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        raise ValueError(f"{path}: not an image OpenCV can read")
    return cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()


def distinct_frames(paths: list[Path], level: float = NEAR_DUPLICATE_LEVEL) -> list[Path]:
    """Keep, in the given order, each frame not identical or near-identical to a kept one."""
    kept: list[Path] = []
    kept_thumbnails: list[np.ndarray] = []
    seen_digests: set[str] = set()
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen_digests:
            continue
        seen_digests.add(digest)
        small = thumbnail(path)
        if kept_thumbnails and np.abs(np.array(kept_thumbnails) - small).mean(axis=1).min() < level:
            continue
        kept.append(path)
        kept_thumbnails.append(small)
    return kept


def seed_thumbs_images(shared_data: Path) -> list[LabelledImage]:
    """Deduplicated seed thumbs, split by time within each class."""
    images = []
    for label in ("thumbs_up", "thumbs_down"):
        frames = distinct_frames(sorted(_images(shared_data / "seed-thumbs" / label), key=_number))
        cut = int(round(len(frames) * SEED_TRAIN_FRACTION))
        for index, path in enumerate(frames):
            split = "train" if index < cut else "test"
            images.append(LabelledImage(path, label, "seed-thumbs", f"seed:{label}:{path.stem}", split))
    return sorted(images, key=lambda image: image.path)


def hagrid_images(shared_data: Path) -> list[LabelledImage]:
    """HaGRID photos with gestured labels; the last quarter of each class by name is test."""
    images = []
    root = shared_data / "extra" / "hagrid-train"
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        label = HAGRID_LABELS.get(folder.name)
        if label is None:
            continue
        files = _images(folder)
        cut = len(files) - int(round(len(files) * HAGRID_TEST_FRACTION))
        for index, path in enumerate(files):
            split = "train" if index < cut else "test"
            images.append(LabelledImage(path, label, "hagrid", f"hagrid:{path.stem}", split))
    return sorted(images, key=lambda image: image.path)


def digit_students(paths_and_digits: list[tuple[Path, int]]) -> list[int]:
    """Student index per (path, digit), paths in number order: a new student starts
    whenever the digit does not increase."""
    students = []
    student, previous = -1, 10
    for _path, digit in paths_and_digits:
        if digit <= previous:
            student += 1
        students.append(student)
        previous = digit
    return students


def sign_digit_images(shared_data: Path) -> list[LabelledImage]:
    """Sign-language digits; the students with the highest file numbers are test."""
    root = shared_data / "extra" / "sign-language-digits"
    pairs = sorted(
        ((path, int(folder.name)) for folder in root.iterdir() if folder.is_dir() for path in _images(folder)),
        key=lambda pair: _number(pair[0]),
    )
    students = digit_students(pairs)
    first_test_student = int(round((students[-1] + 1) * (1.0 - DIGITS_TEST_FRACTION)))
    images = [
        LabelledImage(
            path,
            DIGIT_LABELS.get(str(digit), "none"),
            "sign-digits",
            f"student:{student}",
            "test" if student >= first_test_student else "train",
        )
        for (path, digit), student in zip(pairs, students)
    ]
    return sorted(images, key=lambda image: image.path)


def all_images(shared_data: Path) -> list[LabelledImage]:
    return seed_thumbs_images(shared_data) + hagrid_images(shared_data) + sign_digit_images(shared_data)
