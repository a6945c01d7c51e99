"""Dataset files: npz and csv round trips, folders of datasets, and damaged files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gestured.training.dataset import CSV_HEADER, Dataset, DatasetError, load_dataset, load_datasets, save_dataset


def make_dataset(count: int, label: str = "thumbs_up", seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset(
        keypoints=rng.uniform(0, 640, size=(count, 21, 2)).astype(np.float32),
        labels=np.full(count, label),
        handedness=np.array([("right", "left", "unknown")[index % 3] for index in range(count)]),
        frame_size=np.full((count, 2), [640, 480]),
        source=np.array([f"/videos/clip, \"one\".mp4#{index}" for index in range(count)]),
        group=np.array([f"session:{index // 2}" for index in range(count)]),
    )


def assert_same(first: Dataset, second: Dataset) -> None:
    np.testing.assert_array_equal(first.keypoints, second.keypoints)
    for name in ("labels", "handedness", "source", "group"):
        assert getattr(first, name).tolist() == getattr(second, name).tolist(), name
    np.testing.assert_array_equal(first.frame_size, second.frame_size)


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_round_trip_is_exact(tmp_path: Path, suffix: str) -> None:
    dataset = make_dataset(5)
    path = save_dataset(tmp_path / f"data{suffix}", dataset)
    loaded = load_dataset(path)
    assert loaded.keypoints.dtype == np.float32 and loaded.keypoints.shape == (5, 21, 2)
    assert_same(dataset, loaded)


def test_npz_holds_no_objects_and_a_schema_version(tmp_path: Path) -> None:
    save_dataset(tmp_path / "data.npz", make_dataset(3))
    with np.load(tmp_path / "data.npz", allow_pickle=False) as archive:
        assert int(archive["schema_version"]) == 1
        assert all(archive[name].dtype != object for name in archive.files)


def test_csv_header_and_row_layout(tmp_path: Path) -> None:
    dataset = make_dataset(2)
    save_dataset(tmp_path / "data.csv", dataset)
    lines = (tmp_path / "data.csv").read_text().splitlines()
    assert lines[0].split(",")[:8] == ["label", "handedness", "frame_w", "frame_h", "source", "group", "x0", "y0"]
    assert lines[0].endswith("x20,y20") and len(CSV_HEADER) == 48
    assert lines[1].startswith("thumbs_up,right,640,480,")


def test_empty_dataset_round_trip(tmp_path: Path) -> None:
    for suffix in (".npz", ".csv"):
        loaded = load_dataset(save_dataset(tmp_path / f"empty{suffix}", Dataset.empty()))
        assert len(loaded) == 0 and loaded.keypoints.shape == (0, 21, 2)


def test_load_datasets_reads_folders_and_files(tmp_path: Path) -> None:
    save_dataset(tmp_path / "a" / "up.npz", make_dataset(3, "thumbs_up"))
    save_dataset(tmp_path / "a" / "sub" / "down.csv", make_dataset(2, "thumbs_down"))
    save_dataset(tmp_path / "b.npz", make_dataset(4, "none", seed=1))
    (tmp_path / "a" / "notes.txt").write_text("ignored")
    combined = load_datasets([tmp_path / "a", tmp_path / "b.npz"])
    assert len(combined) == 9
    assert combined.label_counts() == {"none": 4, "thumbs_down": 2, "thumbs_up": 3}


def test_concat_keeps_order() -> None:
    first, second = make_dataset(2, "a"), make_dataset(3, "b", seed=2)
    joined = Dataset.concat([first, second])
    assert joined.labels.tolist() == ["a", "a", "b", "b", "b"]
    np.testing.assert_array_equal(joined.keypoints[2:], second.keypoints)
    assert len(Dataset.concat([])) == 0


def test_mismatched_fields_are_refused() -> None:
    with pytest.raises(DatasetError, match="labels has 1 rows"):
        Dataset(np.zeros((2, 21, 2)), np.array(["a"]), np.full(2, "right"), np.ones((2, 2)), np.full(2, "s"),
                np.full(2, "g"))


def _write_npz(path: Path, **arrays: Any) -> None:
    with path.open("wb") as out:
        np.savez(out, **arrays)


def test_bad_files_give_dataset_errors(tmp_path: Path) -> None:
    good = make_dataset(2)
    fields = {name: getattr(good, name) for name in ("keypoints", "labels", "handedness", "frame_size",
                                                      "source", "group")}
    cases = {}
    _write_npz(tmp_path / "old.npz", schema_version=np.int64(99), **fields)
    cases["old.npz"] = "schema version 99"
    _write_npz(tmp_path / "partial.npz", schema_version=np.int64(1), keypoints=good.keypoints)
    cases["partial.npz"] = "missing arrays"
    _write_npz(tmp_path / "shape.npz", schema_version=np.int64(1), **{**fields, "keypoints": np.zeros((2, 5, 2))})
    cases["shape.npz"] = "keypoints must be"
    objects = np.empty(2, dtype=object)
    _write_npz(tmp_path / "objects.npz", schema_version=np.int64(1), **{**fields, "labels": objects})
    cases["objects.npz"] = "unreadable"
    (tmp_path / "header.csv").write_text("a,b,c\n1,2,3\n")
    cases["header.csv"] = "header must be"
    save_dataset(tmp_path / "short.csv", good)
    with (tmp_path / "short.csv").open("a") as out:
        out.write("fist,right,640,480,s,g,1,2\n")
    cases["short.csv"] = "short.csv:4: 8 fields"
    save_dataset(tmp_path / "text.csv", good)
    with (tmp_path / "text.csv").open("a") as out:
        out.write("fist,right,640,480,s,g," + ",".join(["x"] * 42) + "\n")
    cases["text.csv"] = "unreadable"
    (tmp_path / "data.txt").write_text("")
    cases["data.txt"] = "ends in .npz or .csv"
    cases["missing.npz"] = "not found"
    for name, expected in cases.items():
        with pytest.raises(DatasetError, match=expected):
            load_dataset(tmp_path / name)


def test_load_datasets_with_nothing_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="gestured record"):
        load_datasets([tmp_path])
    with pytest.raises(DatasetError, match="not found"):
        load_datasets([tmp_path / "absent"])


def test_select_keeps_every_field_in_step() -> None:
    dataset = make_dataset(4)
    chosen = dataset.select(np.array([True, False, False, True]))
    assert chosen.source.tolist() == [dataset.source[0], dataset.source[3]]
    np.testing.assert_array_equal(chosen.keypoints, dataset.keypoints[[0, 3]])
    assert len(dataset.select(np.array([], dtype=int))) == 0
