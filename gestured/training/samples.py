"""Labelled keypoints with where each came from, and how a training set is balanced."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from gestured.training import augment


@dataclass(frozen=True)
class Samples:
    """keypoints (N, 21, 2) float32 pixels; labels, sources (N,) str."""

    keypoints: np.ndarray
    labels: np.ndarray
    sources: np.ndarray

    def __post_init__(self) -> None:
        if not (len(self.keypoints) == len(self.labels) == len(self.sources)):
            raise ValueError("keypoints, labels and sources must have the same length")

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def of(cls, keypoints: np.ndarray, labels: np.ndarray | list[str], source: str) -> "Samples":
        """Samples all from one source."""
        labels = np.asarray(labels, dtype=str)
        return cls(np.asarray(keypoints, dtype=np.float32).reshape(-1, 21, 2), labels,
                   np.full(len(labels), source, dtype=object).astype(str))

    @classmethod
    def concat(cls, *parts: "Samples") -> "Samples":
        parts = tuple(part for part in parts if len(part))
        if not parts:
            return cls(np.zeros((0, 21, 2), np.float32), np.array([], str), np.array([], str))
        return cls(
            np.concatenate([part.keypoints for part in parts]).astype(np.float32),
            np.concatenate([part.labels for part in parts]).astype(str),
            np.concatenate([part.sources for part in parts]).astype(str),
        )

    def select(self, mask: np.ndarray) -> "Samples":
        return Samples(self.keypoints[mask], self.labels[mask], self.sources[mask])

    def counts(self) -> dict[str, dict[str, int]]:
        """source -> label -> number of samples, sorted."""
        table: dict[str, dict[str, int]] = {}
        for (source, label), count in sorted(Counter(zip(self.sources, self.labels)).items()):
            table.setdefault(str(source), {})[str(label)] = count
        return table


def cap_per_source(samples: Samples, cap: int, rng: np.random.Generator) -> Samples:
    """At most `cap` samples of each (source, label), chosen at random, order kept."""
    keep = np.zeros(len(samples), dtype=bool)
    pairs = sorted(set(zip(samples.sources.tolist(), samples.labels.tolist())))
    for source, label in pairs:
        indices = np.flatnonzero((samples.sources == source) & (samples.labels == label))
        if len(indices) > cap:
            indices = np.sort(rng.choice(indices, cap, replace=False))
        keep[indices] = True
    return samples.select(keep)


def with_mirrors(samples: Samples) -> Samples:
    """Each sample and its left-right mirror (point_left <-> point_right), source + ':mirror'."""
    mirrored = Samples(
        augment.mirror(samples.keypoints),
        augment.mirror_labels(samples.labels),
        np.char.add(samples.sources.astype(str), ":mirror"),
    )
    return Samples.concat(samples, mirrored)


def balance(samples: Samples, per_label: int, rng: np.random.Generator) -> Samples:
    """Each label brought to `per_label` samples.

    A label with more is subsampled; one with fewer keeps all its samples and adds
    perturbed copies (augment.perturb) of randomly drawn ones, source + ':perturbed'.
    """
    parts = []
    for label in sorted(set(samples.labels.tolist())):
        indices = np.flatnonzero(samples.labels == label)
        if len(indices) >= per_label:
            parts.append(samples.select(np.sort(rng.choice(indices, per_label, replace=False))))
            continue
        drawn = rng.choice(indices, per_label - len(indices), replace=True)
        extra = Samples(
            augment.perturb(samples.keypoints[drawn], rng),
            samples.labels[drawn],
            np.char.add(samples.sources[drawn].astype(str), ":perturbed"),
        )
        parts.append(Samples.concat(samples.select(indices), extra))
    return Samples.concat(*parts)
