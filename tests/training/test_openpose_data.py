"""gestured.training.openpose_data: keypoint CSVs and the seed-thumbs rows matched to photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gestured.errors import GesturedError
from gestured.training import openpose_data


def test_class_column_and_background_peak(tmp_path: Path) -> None:
    header = ",".join([*(str(index) for index in range(44)), "class"])
    row = [float(index) for index in range(42)] + [4.0, 5.0]  # keypoint 2 sits on the peak (4, 5)
    path = tmp_path / "rows.csv"
    path.write_text(f"{header}\n{','.join(map(str, row))},1\n{','.join(map(str, row))},0\n")
    rows = openpose_data.read_keypoint_csv(path)
    assert rows.labels.tolist() == ["thumbs_up", "thumbs_down"]
    assert rows.background is not None and rows.background.tolist() == [[4.0, 5.0]] * 2
    missing = np.isnan(rows.with_missing()).all(axis=2)
    assert missing[0].tolist() == [index == 2 for index in range(21)]


def test_seed_rows_follow_the_photos_and_the_default_split(shared_data: Path) -> None:
    seed = openpose_data.match_seed_rows(shared_data)
    assert len(seed.photos) == 1714 and len(seed.earlier.labels) == 1608
    assert seed.photos[0].name == "1000.jpg" and seed.photos[856].name == "999.jpg"
    assert (seed.split == "test").sum() == 601 and (seed.split == "train").sum() == 1113
    assert seed.kept.sum() == 362 and (seed.kept & (seed.split == "test")).sum() == 109
    numbers = np.array([int(path.stem) for path in seed.photos])
    up = seed.rows.labels == "thumbs_up"
    assert numbers[up & (seed.split == "train")].max() < numbers[up & (seed.split == "test")].min()


def test_rows_that_no_longer_match_the_photos_are_refused(shared_data: Path) -> None:
    files = sorted((shared_data / "seed-thumbs" / "thumbs_up").glob("*.jpg"), key=lambda path: path.name)
    keypoints = openpose_data.match_seed_rows(shared_data).rows.keypoints[: len(files)]
    with pytest.raises(GesturedError, match="no longer line up"):
        openpose_data._check_duplicates(np.roll(keypoints, 1, axis=0), files, "thumbs_up")
