"""gestured.training.merge: the built-in set subsampled, `none` giving way, confusions."""

from __future__ import annotations

import numpy as np

from gestured.training.dataset import Dataset
from gestured.training.merge import BUILTIN_PER_LABEL, NONE_FACTOR, confusions, giving_way, subsample


def dataset(labels: list[str]) -> Dataset:
    count = len(labels)
    return Dataset(np.zeros((count, 21, 2)), np.array(labels), np.full(count, "unknown"), np.zeros((count, 2)),
                   np.full(count, "test"), np.full(count, ""))


def test_subsample_caps_each_label_and_keeps_more_none() -> None:
    labels = ["fist"] * (BUILTIN_PER_LABEL + 50) + ["none"] * (BUILTIN_PER_LABEL * NONE_FACTOR + 50) + ["ok"] * 10
    kept = subsample(dataset(labels), np.random.default_rng(0))
    names, counts = np.unique(kept.labels, return_counts=True)
    assert dict(zip(names.tolist(), counts.tolist())) == {"fist": BUILTIN_PER_LABEL, "none": BUILTIN_PER_LABEL * NONE_FACTOR,
                                                          "ok": 10}
    fewer = subsample(dataset(labels), np.random.default_rng(0), per_label=40)
    names, counts = np.unique(fewer.labels, return_counts=True)
    assert dict(zip(names.tolist(), counts.tolist())) == {"fist": 40, "none": 40 * NONE_FACTOR, "ok": 10}


def test_none_samples_inside_the_new_gesture_give_way_and_the_crowd_stays() -> None:
    rng = np.random.default_rng(0)
    crowd = rng.normal(0.0, 1.0, size=(200, 6))  # the `none` cloud
    strays = rng.normal(8.0, 0.3, size=(5, 6))  # `none` samples shaped like the user's gesture
    new = rng.normal(8.0, 0.3, size=(60, 6))
    gives = giving_way(np.concatenate([crowd, strays]), new)
    assert gives[200:].all()
    assert gives[:200].sum() == 0


def test_nothing_gives_way_without_a_new_gesture() -> None:
    assert not giving_way(np.ones((4, 3)), np.empty((0, 3))).any()


def test_confusions_name_both_directions() -> None:
    result = {"confusion": {"labels": ["peace", "none", "point_up"],
                            "matrix": [[90, 8, 2], [12, 180, 0], [1, 0, 50]]}}
    assert confusions(result, ["peace"]) == ["peace: taken for none 8, point_up 2; none 12, point_up 1 taken for peace"]
    clean = {"confusion": {"labels": ["peace", "none"], "matrix": [[10, 0], [0, 5]]}}
    assert confusions(clean, ["peace", "rock"]) == ["peace: taken for nothing else; nothing else taken for peace"]
