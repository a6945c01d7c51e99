"""Gesture classifier: a small MLP over hand features, stored without pickle.

Training uses scikit-learn's `MLPClassifier`; its weights are then copied into plain
numpy arrays and inference is a numpy forward pass (ReLU hidden layers, softmax out;
sklearn's logistic output for two-label models), so loading a model never needs sklearn.
The files a model is kept in, and the checks on reading them, are
gestured.recognition.model_format's.

A model may carry a **second stage**: a classifier over some of the first stage's labels,
with its own features, that re-divides the first stage's probability of those labels among
them. The OpenPose model's second stage says thumbs up or down once the first says "a thumb"
(models/README.md). The model's feature row is the first stage's features followed by the
second stage's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence, Union

import numpy as np

from gestured.config.settings import BUILTIN_GESTURES, NO_GESTURE
from gestured.paths import shipped_models_dir
from gestured.recognition.activations import HIDDEN_ACTIVATIONS, logistic, relu
from gestured.recognition.feature_sets import DEFAULT_FEATURES, FEATURE_SETS
from gestured.recognition.hand import Hand
from gestured.recognition.model_format import (
    DEFAULT_BACKEND,
    ModelFormatError,
    StoredStage,
    read_description,
    read_model,
    write_model,
)


LabelArray = Union[Sequence[str], np.ndarray]

LABELS = (*BUILTIN_GESTURES, NO_GESTURE)
NONE_LABEL = NO_GESTURE
DEFAULT_MODEL_NAME = "gestures"
# The shipped model for each keypoint backend (`model: null` in gestures.yaml picks it).
SHIPPED_MODELS = {"mediapipe": DEFAULT_MODEL_NAME, "openpose": "gestures-openpose"}


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # the probability of `label`, in [0, 1]
    probabilities: dict[str, float] | None = None  # every label's; None where not known


class GestureClassifier:
    """Standardise, run the layers, return one probability per label."""

    def __init__(
        self,
        labels: Sequence[str],
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        mean: np.ndarray,
        std: np.ndarray,
        *,
        feature_version: int,
        activation: str = "relu",
        output_activation: str = "softmax",
        metadata: dict[str, Any] | None = None,
        features: str = DEFAULT_FEATURES,
        backend: str = DEFAULT_BACKEND,
        second_stage: GestureClassifier | None = None,
    ) -> None:
        self.labels: tuple[str, ...] = tuple(labels)
        self.weights = [np.asarray(layer, dtype=np.float32) for layer in weights]
        self.biases = [np.asarray(layer, dtype=np.float32) for layer in biases]
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.feature_version = int(feature_version)
        self.activation = activation
        self.output_activation = output_activation
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.features = features
        self.backend = backend
        self._feature_set = FEATURE_SETS[features]
        self.second_stage = second_stage
        self._pooled = self._pooled_columns(second_stage)
        # A collapsed or unusable hand gives all-zero features: `none`, whatever the layers say.
        self._none_index = self.labels.index(NONE_LABEL) if NONE_LABEL in self.labels else None
        self._prepare_inference()

    def _prepare_inference(self) -> None:
        """Float64 copies of the stored float32 arrays, made once.

        The forward pass has always run in float64 (float32 weights were cast on every
        call); casting once here gives the very same numbers without the per-call copies.
        """
        self._mean64 = np.ascontiguousarray(self.mean, dtype=np.float64)
        self._std64 = np.ascontiguousarray(self.std, dtype=np.float64)
        self._layers64 = [
            (np.ascontiguousarray(weights, dtype=np.float64), np.ascontiguousarray(biases, dtype=np.float64))
            for weights, biases in zip(self.weights, self.biases)
        ]

    def _pooled_columns(self, second_stage: GestureClassifier | None) -> np.ndarray:
        """Where the second stage's labels are among this stage's outputs (ValueError if absent)."""
        if second_stage is None:
            return np.zeros(0, dtype=int)
        if second_stage.second_stage is not None or not set(second_stage.labels) <= set(self.labels) - {NONE_LABEL}:
            raise ValueError("a second stage is one classifier over some of the first stage's labels, not none")
        return np.array([self.labels.index(label) for label in second_stage.labels])

    @property
    def feature_size(self) -> int:
        """The first stage's feature count (a second stage's features follow them in a row)."""
        return int(self.mean.shape[0])

    @property
    def layer_sizes(self) -> list[int]:
        return [self.feature_size] + [int(layer.shape[1]) for layer in self.weights]

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(N, feature_size [+ the second stage's]) features -> (N, len(labels)) probabilities,
        rows summing to 1. With a second stage, the first stage's probability of the second's
        labels is shared among them as the second stage says."""
        # A fresh float64 copy, so every step below can work in place (fewer temporaries on
        # the daemon's one-hand-per-frame call; the same operations, so the same numbers).
        values = np.array(features, dtype=np.float64, ndmin=2)
        if self.second_stage is None:
            return self._stage_proba(values)
        probabilities = self._stage_proba(values[:, : self.feature_size])
        shares = self.second_stage.predict_proba(values[:, self.feature_size :])
        pooled = probabilities[:, self._pooled].sum(axis=1, keepdims=True)
        probabilities[:, self._pooled] = pooled * shares
        return probabilities

    def _stage_proba(self, values: np.ndarray) -> np.ndarray:
        """This stage's probabilities from its own features (float64, changed in place)."""
        empty = ~values.any(axis=1)
        values -= self._mean64
        values /= self._std64
        hidden = HIDDEN_ACTIVATIONS[self.activation]
        last = len(self._layers64) - 1
        for index, (weights, biases) in enumerate(self._layers64):
            values = values @ weights
            values += biases
            if index == last:
                break
            if hidden is relu:
                np.maximum(values, 0.0, out=values)
            else:
                values = hidden(values)
        if self.output_activation == "logistic":  # two labels: one output is P(labels[1])
            positive = logistic(values[:, 0])
            values = np.column_stack([1.0 - positive, positive])
        else:
            values -= values.max(axis=1, keepdims=True)  # softmax, in place
            np.exp(values, out=values)
            values /= values.sum(axis=1, keepdims=True)
        if self._none_index is not None and empty.any():
            values[empty] = 0.0
            values[empty, self._none_index] = 1.0
        return values

    def batch_features(self, keypoints: np.ndarray) -> np.ndarray:
        """(N, 21, 2) pixel keypoints (NaN = missing) -> this model's features (its own set's,
        then the second stage's)."""
        if self.second_stage is None:
            return self._feature_set.batch(keypoints)
        return np.concatenate([self._feature_set.batch(keypoints), self.second_stage.batch_features(keypoints)],
                              axis=1)

    def predict(self, features: np.ndarray) -> list[str]:
        """(N, feature_size) features -> the N most probable labels."""
        return [self.labels[index] for index in self.predict_proba(features).argmax(axis=1)]

    def features_of(self, hand: Hand) -> np.ndarray:
        """The feature row this model reads for one hand (its own set's, then the second stage's)."""
        if self.second_stage is None:
            return self._feature_set.of_hand(hand)
        return np.concatenate([self._feature_set.of_hand(hand), self.second_stage.features_of(hand)])

    def hand_probabilities(self, hand: Hand) -> np.ndarray:
        """(len(labels),) probabilities for one hand, through this model's own features."""
        return self.predict_proba(self.features_of(hand))[0]

    def classify(self, hand: Hand) -> Prediction:
        """The most probable label for one hand (`none` when the pose is no gesture) and its
        probability, which the debouncer compares with the binding's threshold."""
        probabilities = self.hand_probabilities(hand)
        best = int(probabilities.argmax())
        return Prediction(self.labels[best], float(probabilities[best]),
                          dict(zip(self.labels, probabilities.tolist())))

    def save(self, path: str | Path) -> Path:
        """Write PATH.npz and PATH.json (suffix optional) atomically; returns PATH."""
        return write_model(path, self._stored(), None if self.second_stage is None else self.second_stage._stored())

    def _stored(self) -> StoredStage:
        description = {
            "labels": list(self.labels),
            "feature_version": self.feature_version,
            "feature_size": self.feature_size,
            "layer_sizes": self.layer_sizes,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "features": self.features,
            "backend": self.backend,
            "metadata": self.metadata,
        }
        return StoredStage(description, self.weights, self.biases, self.mean, self.std)

    @classmethod
    def load(cls, path: str | Path) -> "GestureClassifier":
        """Read and check PATH.npz + PATH.json (suffix optional).

        Raises ModelFormatError (one line, naming the file and what to do) when a file is
        missing or unreadable, the format or feature version differs from this gestured's,
        an array is missing, has the wrong shape, holds objects or non-finite numbers, or
        the labels don't match the output layer.
        """
        stage, second = read_model(path)
        return cls._from_stored(stage, None if second is None else cls._from_stored(second))

    @classmethod
    def _from_stored(cls, stage: StoredStage, second_stage: GestureClassifier | None = None) -> "GestureClassifier":
        description = stage.description
        return cls(
            description["labels"],
            stage.weights,
            stage.biases,
            stage.mean,
            stage.std,
            feature_version=description["feature_version"],
            activation=description["activation"],
            output_activation=description["output_activation"],
            metadata=description["metadata"],
            features=description["features"],
            backend=description["backend"],
            second_stage=second_stage,
        )


def load_classifier(path: str | Path | None = None, backend: str = DEFAULT_BACKEND) -> GestureClassifier:
    """The classifier at `path`, or (`path` None) the shipped model for `backend`."""
    if path is None:
        path = shipped_models_dir() / SHIPPED_MODELS.get(backend, DEFAULT_MODEL_NAME)
    return GestureClassifier.load(path)


def model_backend(path: str | Path) -> str | None:
    """The backend the model at `path` was trained for, from its checked JSON (the weights
    are not read); None when the JSON is unusable (loading the model says why)."""
    try:
        return str(read_description(path)["backend"])
    except ModelFormatError:
        return None
