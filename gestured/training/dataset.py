"""Recorded hand keypoints with their labels: what `gestured record` writes and `train` reads.

A dataset holds N samples, each one hand in one frame. It is stored as `.npz` or `.csv`.

npz (read with `allow_pickle=False`; every string array is fixed-width unicode, never object):

=================  ==============  =====================================================
array              shape, dtype    meaning
=================  ==============  =====================================================
schema_version     (), int         1 (this schema)
keypoints          (N, 21, 2) f32  pixel x, y of the 21 keypoints (x right, y down) in the
                                   frame as captured, unmirrored; canonical order: wrist,
                                   thumb 1-4, index 5-8, middle 9-12, ring 13-16, pinky 17-20
labels             (N,) str        gesture name, e.g. `thumbs_up`, `none`
handedness         (N,) str        `left`, `right` (the person's own hand) or `unknown`
frame_size         (N, 2) int32    frame width, height in pixels (0, 0: unknown, e.g.
                                   converted or synthetic keypoints)
source             (N,) str        where the sample came from (file, camera#frame)
group              (N,) str        samples that are not independent share a group (`record`
                                   makes one per 2 s of a recording); cross-validation keeps
                                   each group on one side of a fold; may be empty
=================  ==============  =====================================================

csv: one header row, then one row per sample, the same fields flattened:
`label, handedness, frame_w, frame_h, source, group, x0, y0, x1, y1, ... x20, y20`.

Keypoints stay in pixels (not features): features are computed at training time, so a
dataset outlives any change to `gestured.recognition.features`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable

import numpy as np

from gestured.errors import GesturedError
from gestured.recognition.hand import NUM_KEYPOINTS
from gestured.recognition.npz import open_npz

SCHEMA_VERSION = 1
SUFFIXES = (".npz", ".csv")
CSV_HEADER = ["label", "handedness", "frame_w", "frame_h", "source", "group"] + [
    f"{axis}{index}" for index in range(NUM_KEYPOINTS) for axis in "xy"
]
_STRING_FIELDS = ("labels", "handedness", "source", "group")


class DatasetError(GesturedError):
    """A dataset file is missing, damaged or of another schema."""


@dataclass
class Dataset:
    """N samples; see the module docstring for each field."""

    keypoints: np.ndarray
    labels: np.ndarray
    handedness: np.ndarray
    frame_size: np.ndarray
    source: np.ndarray
    group: np.ndarray

    def __post_init__(self) -> None:
        self.keypoints = np.asarray(self.keypoints, dtype=np.float32).reshape(-1, NUM_KEYPOINTS, 2)
        self.frame_size = np.asarray(self.frame_size, dtype=np.int32).reshape(-1, 2)
        for name in _STRING_FIELDS:
            setattr(self, name, np.asarray(getattr(self, name), dtype=str).reshape(-1))
        count = len(self.keypoints)
        for field in fields(self):
            if len(getattr(self, field.name)) != count:
                raise DatasetError(
                    f"dataset field {field.name} has {len(getattr(self, field.name))} rows, "
                    f"keypoints has {count}"
                )

    def __len__(self) -> int:
        return len(self.keypoints)

    @classmethod
    def empty(cls) -> "Dataset":
        no_text = np.zeros(0, dtype=str)
        return cls(np.zeros((0, NUM_KEYPOINTS, 2)), no_text, no_text, np.zeros((0, 2)), no_text, no_text)

    @classmethod
    def concat(cls, datasets: Iterable["Dataset"]) -> "Dataset":
        """One dataset holding every sample of `datasets`, in order."""
        parts = list(datasets)
        if not parts:
            return cls.empty()
        return cls(**{
            field.name: np.concatenate([getattr(part, field.name) for part in parts])
            for field in fields(cls)
        })

    def select(self, mask: np.ndarray) -> "Dataset":
        """The samples where `mask` (bool (N,) or indices) selects, in order."""
        return Dataset(**{field.name: getattr(self, field.name)[mask] for field in fields(self)})

    def label_counts(self) -> dict[str, int]:
        """label -> number of samples, sorted by label."""
        names, counts = np.unique(self.labels, return_counts=True)
        return {str(name): int(count) for name, count in zip(names, counts)}


def save_dataset(path: str | Path, dataset: Dataset) -> Path:
    """Write `dataset` as .npz or .csv, chosen by the suffix of `path`; returns the path.

    Raises DatasetError for another suffix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".npz":
        arrays = {field.name: getattr(dataset, field.name) for field in fields(Dataset)}
        with path.open("wb") as out:
            np.savez_compressed(out, schema_version=np.int64(SCHEMA_VERSION), **arrays)
    elif path.suffix == ".csv":
        _write_csv(path, dataset)
    else:
        raise DatasetError(f"{path}: a dataset file ends in .npz or .csv")
    return path


def _write_csv(path: Path, dataset: Dataset) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for index in range(len(dataset)):
            width, height = dataset.frame_size[index]
            # 9 significant digits give back the same float32.
            coordinates = [f"{value:.9g}" for value in dataset.keypoints[index].reshape(-1)]
            writer.writerow([
                dataset.labels[index], dataset.handedness[index], int(width), int(height),
                dataset.source[index], dataset.group[index], *coordinates,
            ])


def load_dataset(path: str | Path) -> Dataset:
    """Read one .npz or .csv dataset; raises DatasetError naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"dataset {path} not found")
    try:
        if path.suffix == ".npz":
            return _read_npz(path)
        if path.suffix == ".csv":
            return _read_csv(path)
    except DatasetError:
        raise
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise DatasetError(f"dataset {path}: unreadable ({error}); record it again with `gestured record`") from error
    raise DatasetError(f"{path}: a dataset file ends in .npz or .csv")


def _read_npz(path: Path) -> Dataset:
    with open_npz(path) as archive:
        version = int(archive["schema_version"]) if "schema_version" in archive.files else None
        if version != SCHEMA_VERSION:
            raise DatasetError(
                f"dataset {path}: schema version {version}, this gestured reads {SCHEMA_VERSION}"
            )
        missing = [field.name for field in fields(Dataset) if field.name not in archive.files]
        if missing:
            raise DatasetError(f"dataset {path}: missing arrays {missing}")
        keypoints = archive["keypoints"]
        if keypoints.shape[1:] != (NUM_KEYPOINTS, 2) or keypoints.dtype.kind != "f":
            raise DatasetError(f"dataset {path}: keypoints must be (N, 21, 2) floats, "
                               f"got {keypoints.shape} {keypoints.dtype}")
        return Dataset(**{field.name: archive[field.name] for field in fields(Dataset)})


def _read_csv(path: Path) -> Dataset:
    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        header = next(reader, None)
        if header != CSV_HEADER:
            raise DatasetError(f"dataset {path}: header must be {','.join(CSV_HEADER[:7])},...,y20")
        rows = [row for row in reader if row]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(CSV_HEADER):
            raise DatasetError(f"dataset {path}:{number}: {len(row)} fields, expected {len(CSV_HEADER)}")
    text = np.array([row[:6] for row in rows], dtype=str).reshape(-1, 6)
    return Dataset(
        keypoints=np.array([row[6:] for row in rows], dtype=np.float32).reshape(-1, NUM_KEYPOINTS, 2),
        labels=text[:, 0],
        handedness=text[:, 1],
        frame_size=text[:, 2:4].astype(np.int32),
        source=text[:, 4],
        group=text[:, 5],
    )


def dataset_files(paths: Iterable[str | Path]) -> list[Path]:
    """Each path itself if a file, else the .npz/.csv files under it (recursively, sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise DatasetError(f"dataset {path} not found")
    return found


def load_datasets(paths: Iterable[str | Path]) -> Dataset:
    """All samples of the .npz/.csv files given, or found under the folders given.

    Raises DatasetError when a path is missing, a file is damaged, or nothing is found.
    """
    paths = list(paths)
    files = dataset_files(paths)
    if not files:
        shown = ", ".join(map(str, paths))
        raise DatasetError(f"no .npz or .csv datasets in {shown}: record one with `gestured record`")
    return Dataset.concat(load_dataset(path) for path in files)
