"""How a user's own gestures join the built-in training set (`gestured train --with-builtin`).

The built-in set is balanced to 2,500 samples a label, most of them perturbed copies; a
subsample (`BUILTIN_PER_LABEL` a gesture, twice that of `none`, the most varied label)
teaches the same shapes in a third of the time and leaves a user's few hundred samples
less outnumbered. `gestured train --with-builtin` and the page's trainer
(gestured/ui/trainer.py) both merge through `merge_builtin`.

Its `none` samples include poses a user may teach as a gesture of their own (V, three,
four, rock, call: models/README.md). Such a `none` sample *gives way*: it is dropped when
a sample of the user's new gesture lies nearer to it than its `GIVE_WAY_NEIGHBOUR`-th
nearest `none` neighbour, i.e. when it sits inside the user's gesture rather than in the
`none` crowd (distances between standardised features). Dropping, not relabelling: a
built-in sample is never made to say the user's gesture. A new gesture with fewer than
`USER_MINIMUM` samples is topped up with perturbed copies of its own (as the recipe
balances its labels), so 50 photos are not outvoted 16 to 1 by a built-in gesture.
Figures in models/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gestured.config.settings import BUILTIN_GESTURES
from gestured.recognition.classifier import NONE_LABEL
from gestured.recognition.features import batch_features
from gestured.training.dataset import Dataset

BUILTIN_PER_LABEL = 800
NONE_FACTOR = 2  # `none` samples kept per built-in gesture sample
GIVE_WAY_NEIGHBOUR = 5
USER_MINIMUM = 400  # samples of each new gesture, with its mirrored copies


@dataclass(frozen=True)
class Merged:
    """The built-in samples kept, the user's (new gestures topped up), and how many
    `none` samples gave way to the new gestures."""

    builtin: Dataset
    user: Dataset
    gave_way: int


def subsample(dataset: Dataset, rng: np.random.Generator, per_label: int = BUILTIN_PER_LABEL) -> Dataset:
    """At most `per_label` samples of each label (NONE_FACTOR times as many of `none`),
    drawn at random, in their order."""
    keep = np.zeros(len(dataset), dtype=bool)
    for label in np.unique(dataset.labels):
        members = np.flatnonzero(dataset.labels == label)
        cap = per_label * NONE_FACTOR if label == NONE_LABEL else per_label
        keep[rng.choice(members, min(cap, len(members)), replace=False)] = True
    return dataset.select(keep)


def giving_way(none_features: np.ndarray, new_features: np.ndarray, neighbour: int = GIVE_WAY_NEIGHBOUR) -> np.ndarray:
    """True for each `none` sample nearer to a new-gesture sample than to its
    `neighbour`-th nearest other `none` sample (standardised features)."""
    from sklearn.neighbors import NearestNeighbors

    if not len(none_features) or not len(new_features):
        return np.zeros(len(none_features), dtype=bool)
    both = np.concatenate([none_features, new_features])
    std = both.std(axis=0)
    scale = np.where(std > 1e-6, std, 1.0)
    nones, news = (none_features - both.mean(axis=0)) / scale, (new_features - both.mean(axis=0)) / scale
    to_new = NearestNeighbors(n_neighbors=1).fit(news).kneighbors(nones)[0][:, 0]
    count = min(neighbour + 1, len(nones))  # the first neighbour of each sample is itself
    to_none = NearestNeighbors(n_neighbors=count).fit(nones).kneighbors(nones)[0][:, count - 1]
    return to_new < to_none


def merge_builtin(builtin: Dataset, user: Dataset, seed: int = 0, per_label: int = BUILTIN_PER_LABEL) -> Merged:
    """The built-in samples to train beside `user`'s: subsampled (`per_label`, see
    subsample), and without the `none` samples that give way to the user's new gestures
    (labels the built-in set lacks), which are topped up to USER_MINIMUM samples."""
    kept = subsample(builtin, np.random.default_rng(seed), per_label)
    new = ~np.isin(user.labels, np.unique(builtin.labels))
    user = topped_up(user, sorted(set(user.labels[new].tolist())), seed)
    new = ~np.isin(user.labels, np.unique(builtin.labels))
    none = kept.labels == NONE_LABEL
    gives = giving_way(batch_features(kept.keypoints[none]), batch_features(user.keypoints[new]))
    keep = np.ones(len(kept), dtype=bool)
    keep[np.flatnonzero(none)[gives]] = False
    return Merged(kept.select(keep), user, int(gives.sum()))


def topped_up(user: Dataset, new_labels: list[str], seed: int = 0) -> Dataset:
    """`user` plus perturbed copies (gestured.training.augment.perturb, same group and
    source) of each new label's samples up to USER_MINIMUM."""
    from gestured.training.augment import perturb

    rng = np.random.default_rng(seed)
    parts = [user]
    for label in new_labels:
        members = np.flatnonzero(user.labels == label)
        missing = USER_MINIMUM - len(members)
        if missing <= 0 or not len(members):
            continue
        drawn = user.select(np.sort(rng.choice(members, missing, replace=True)))
        parts.append(Dataset(perturb(drawn.keypoints, rng), drawn.labels, drawn.handedness, drawn.frame_size,
                             np.char.add(drawn.source.astype(str), " (perturbed)"), drawn.group))
    return Dataset.concat(parts)


def new_gestures(labels: np.ndarray) -> list[str]:
    """The labels among `labels` that are neither built-in gestures nor `none`, sorted."""
    return sorted(set(np.asarray(labels, dtype=str).tolist()) - set(BUILTIN_GESTURES) - {NONE_LABEL})


def confusions(result: dict[str, Any], labels: list[str], shown: int = 3) -> list[str]:
    """For each of `labels`, which classes cross-validation confused it with, both ways:
    `peace: taken for none 12, point_up 3; none 20 taken for it`."""
    names = list(result["confusion"]["labels"])
    matrix = np.asarray(result["confusion"]["matrix"])
    lines = []
    for label in labels:
        if label not in names:
            continue
        row = names.index(label)
        lost = _largest(matrix[row], names, row, shown)
        gained = _largest(matrix[:, row], names, row, shown)
        lines.append(f"{label}: taken for {lost or 'nothing else'}; {gained or 'nothing else'} "
                     f"taken for {label}")
    return lines


def _largest(counts: np.ndarray, names: list[str], skip: int, shown: int) -> str:
    order = [index for index in np.argsort(-counts, kind="stable") if index != skip and counts[index] > 0]
    return ", ".join(f"{names[index]} {int(counts[index])}" for index in order[:shown])
