"""Keypoint CSV files, and the prototype's OpenPose keypoints of the seed thumbs matched to frames.

A keypoint CSV has a header row; columns `0` ... `41` are x0, y0 ... x20, y20 in pixels
(columns `42`, `43`, when present, are the background heatmap's peak) and a label column:
`label` (gesture names) or `class` (the prototype's: 1 = thumbs_up, 0 = thumbs_down).

`seed-thumbs/openpose_keypoints.csv` holds 1,661 rows per class. The last 857 rows of each
class are the 857 photos of that class, in the order of their file names sorted as text
(`1000.jpg` ... `1660.jpg`, `804.jpg` ... `999.jpg`): byte-identical photos follow each other
exactly where identical rows do (`match_seed_rows` checks this every time). The first 804
rows of each class have no photo.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gestured.errors import GesturedError
from gestured.training import real

CLASS_NAMES = {"1": "thumbs_up", "0": "thumbs_down"}
SAME_SPOT_PIXELS = 2.0  # a keypoint this close to the background peak sits on it: missing


@dataclass(frozen=True)
class KeypointRows:
    keypoints: np.ndarray  # (N, 21, 2) float64 pixels, as written
    background: np.ndarray | None  # (N, 2) the background heatmap's peak, when given
    labels: np.ndarray  # (N,) str

    def with_missing(self) -> np.ndarray:
        """(N, 21, 2) keypoints with NaN where a keypoint sits on the background peak."""
        points = self.keypoints.copy()
        if self.background is not None:
            on_peak = np.linalg.norm(points - self.background[:, None], axis=2) <= SAME_SPOT_PIXELS
            points[on_peak] = np.nan
        return points


def read_keypoint_csv(path: Path) -> KeypointRows:
    """Read a keypoint CSV (see the module docstring).

    Raises GesturedError (one line: the file, the row, what to do) when the file is missing,
    has no label column or keypoint columns, or a value is not a number.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise GesturedError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    if not rows:
        raise GesturedError(f"{path} is empty: give a CSV with a header row and one hand per row")
    header = [name.strip() for name in rows[0]]
    label_column = next((header.index(name) for name in ("label", "class") if name in header), None)
    if label_column is None:
        raise GesturedError(f"{path}: no `label` (or `class`) column in the header row")
    missing_columns = [str(index) for index in range(42) if str(index) not in header]
    if missing_columns:
        raise GesturedError(f"{path}: the header lacks keypoint columns {', '.join(missing_columns[:3])}...: "
                            "give columns 0..41 (x0, y0 ... x20, y20)")
    columns = [header.index(str(index)) for index in range(44 if "43" in header else 42)]
    values, labels = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            values.append([float(row[column]) for column in columns])
            label = row[label_column].strip()
        except (ValueError, IndexError):
            raise GesturedError(f"{path}:{number}: expected {len(header)} numbers and a label") from None
        labels.append(CLASS_NAMES.get(label, label) if header[label_column] == "class" else label)
    if not values:
        raise GesturedError(f"{path} has a header but no rows")
    points = np.array(values, dtype=np.float64)
    background = points[:, 42:44] if points.shape[1] == 44 else None
    return KeypointRows(points[:, :42].reshape(-1, 21, 2), background, np.array(labels, dtype=str))


@dataclass(frozen=True)
class SeedRows:
    """The CSV rows of the seed-thumbs photos, with the photos' train/test side."""

    rows: KeypointRows
    photos: list[Path]  # the photo of each row
    split: np.ndarray  # (N,) "train" / "test": test = at or after the first held-out photo (by time)
    kept: np.ndarray  # (N,) bool: the photo survived deduplication (gestured.training.real)
    earlier: KeypointRows  # rows without a photo (the first rows of each class)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def match_seed_rows(shared_data: Path) -> SeedRows:
    """The seed-thumbs CSV rows matched to photos, split as models/README.md splits the photos.

    Raises GesturedError when the CSV's identical rows don't fall where the identical
    photos do (the files changed: the matching would be wrong).
    """
    root = shared_data / "seed-thumbs"
    table = read_keypoint_csv(root / "openpose_keypoints.csv")
    images = real.seed_thumbs_images(shared_data)
    indices, photos, split, kept, earlier = [], [], [], [], []
    for label in ("thumbs_up", "thumbs_down"):
        files = sorted((root / label).glob("*.jpg"), key=lambda path: path.name)
        rows = np.flatnonzero(table.labels == label)
        if len(rows) < len(files):
            raise GesturedError(f"{root}: {len(rows)} {label} rows for {len(files)} photos")
        rows, before = rows[len(rows) - len(files):], rows[: len(rows) - len(files)]
        _check_duplicates(table.keypoints[rows], files, label)
        kept_names = {image.path.name: image.split for image in images if image.label == label}
        first_test = min(int(image.path.stem) for image in images if image.label == label and image.split == "test")
        indices += rows.tolist()
        earlier += before.tolist()
        photos += files
        split += ["test" if int(path.stem) >= first_test else "train" for path in files]
        kept += [path.name in kept_names for path in files]
    return SeedRows(_subset(table, indices), photos, np.array(split), np.array(kept), _subset(table, earlier))


def _subset(table: KeypointRows, indices: list[int]) -> KeypointRows:
    chosen = np.array(indices, dtype=int)
    background = None if table.background is None else table.background[chosen]
    return KeypointRows(table.keypoints[chosen], background, table.labels[chosen])


def _check_duplicates(keypoints: np.ndarray, files: list[Path], label: str) -> None:
    digests = [_digest(path) for path in files]
    same_photo = np.array([a == b for a, b in zip(digests, digests[1:])])
    same_row = (keypoints[1:] == keypoints[:-1]).all(axis=(1, 2))
    if (same_photo != same_row).any():
        raise GesturedError(f"seed-thumbs {label}: the CSV rows no longer line up with the photos "
                            "(identical rows and identical photos differ); check the shared data")
