"""Gesture classifier: a small MLP over hand features, stored without pickle.

Training uses scikit-learn's `MLPClassifier`; its weights are then copied into plain
numpy arrays and inference is a numpy forward pass (ReLU hidden layers, softmax out;
sklearn's logistic output for two-label models), so loading a model never needs sklearn.

On disk a model is two files beside each other:

- `PATH.npz`: `weights_0, biases_0, ..., weights_K, biases_K` (float32, one pair per layer,
  weights shaped (inputs, outputs)), `mean` and `std` (float32, (feature_size,)): features
  are standardised as `(x - mean) / std` before the first layer. Read with
  `allow_pickle=False`, so an object array (which would unpickle) is refused.
- `PATH.json`: `format`, `format_version`, `labels` (output order), `feature_version`,
  `feature_size`, `layer_sizes` ([feature_size, hidden..., outputs]), `activation`,
  `output_activation`, `features` (which feature vector, see gestured.feature_sets;
  `hand` when absent), `backend` (the keypoint backend it was trained for; `mediapipe`
  when absent), `metadata` (training date, data sources, sample counts,
  cross-validated accuracy, seed, ...).

A model may carry a **second stage** (format version 2; version 1 files have none and load
as before): a classifier over some of the first stage's labels, with its own features, that
re-divides the first stage's probability of those labels among them. The OpenPose model's
second stage says thumbs up or down once the first says "a thumb" (models/README.md). Its
arrays sit in the same npz as `second_weights_0, ..., second_mean, second_std`; the JSON's
`second_stage` holds its `labels`, `feature_version`, `feature_size`, `layer_sizes`,
`activation`, `output_activation`, `features` and `metadata`. The model's feature row is the
first stage's features followed by the second stage's.

A file from a stranger can't run code: JSON and npz without pickle hold only data, and
every field is checked before use (`ModelFormatError`, one line saying what to do).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, Union

import numpy as np

from gestured.config.settings import BUILTIN_GESTURES, NO_GESTURE
from gestured.errors import GesturedError
from gestured.paths import shipped_models_dir
from gestured.recognition.feature_sets import DEFAULT_FEATURES, FEATURE_SETS
from gestured.recognition.hand import Hand
from gestured.recognition.npz import ArrayHeader, npz_headers, open_npz


LabelArray = Union[Sequence[str], np.ndarray]

LABELS = (*BUILTIN_GESTURES, NO_GESTURE)
NONE_LABEL = NO_GESTURE
FORMAT_NAME = "gestured-classifier"
FORMAT_VERSION = 2  # the newest this gestured reads; a model without a second stage is saved as 1
READABLE_VERSIONS = (1, 2)
SECOND_STAGE_PREFIX = "second_"
DEFAULT_MODEL_NAME = "gestures"
MAX_DESCRIPTION_BYTES = 1 << 20
MAX_JSON_DEPTH = 32
MAX_PARAMETERS = 5_000_000  # the shipped model has ~6,500; 5 M float32 weights are 20 MB
DEFAULT_BACKEND = "mediapipe"
# The shipped model for each keypoint backend (`model: null` in gestures.yaml picks it).
SHIPPED_MODELS = {"mediapipe": DEFAULT_MODEL_NAME, "openpose": "gestures-openpose"}
RETRAIN_HINT = "retrain it with `gestured train` or point `model:` in gestures.yaml at another model"


class ModelFormatError(GesturedError):
    """A model file is missing, damaged, or made for another version of gestured."""


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # the probability of `label`, in [0, 1]
    probabilities: dict[str, float] | None = None  # every label's; None where not known


def _relu(values: np.ndarray) -> np.ndarray:
    return np.maximum(values, 0.0)


def _logistic(values: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -values))  # 1 / (1 + e^-x) without overflow


HIDDEN_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": _relu,
    "tanh": np.tanh,
    "logistic": _logistic,
    "identity": lambda values: values,
}
OUTPUT_ACTIVATIONS = ("softmax", "logistic")


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
            if hidden is _relu:
                np.maximum(values, 0.0, out=values)
            else:
                values = hidden(values)
        if self.output_activation == "logistic":  # two labels: one output is P(labels[1])
            positive = _logistic(values[:, 0])
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
        base = model_base(path)
        base.parent.mkdir(parents=True, exist_ok=True)
        arrays = self._arrays()
        description: dict[str, Any] = {"format": FORMAT_NAME, "format_version": 1, **self._description()}
        if self.second_stage is not None:
            description["format_version"] = 2
            description["second_stage"] = self.second_stage._description()
            arrays.update({SECOND_STAGE_PREFIX + name: array for name, array in self.second_stage._arrays().items()})
        _write_atomically(base.with_name(base.name + ".npz"), lambda out: np.savez(out, **arrays))  # type: ignore[arg-type]
        text = json.dumps(description, indent=2, sort_keys=False) + "\n"
        _write_atomically(base.with_name(base.name + ".json"), lambda out: out.write(text.encode()))
        return base

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {"mean": self.mean, "std": self.std}
        for index, (weights, biases) in enumerate(zip(self.weights, self.biases)):
            arrays[f"weights_{index}"] = weights
            arrays[f"biases_{index}"] = biases
        return arrays

    def _description(self) -> dict[str, Any]:
        return {
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

    @classmethod
    def load(cls, path: str | Path) -> "GestureClassifier":
        """Read and check PATH.npz + PATH.json (suffix optional).

        Raises ModelFormatError (one line, naming the file and what to do) when a file is
        missing or unreadable, the format or feature version differs from this gestured's,
        an array is missing, has the wrong shape, holds objects or non-finite numbers, or
        the labels don't match the output layer.
        """
        base = model_base(path)
        description = _read_description(base.with_name(base.name + ".json"))
        arrays = _read_arrays(base.with_name(base.name + ".npz"), description)
        second = description.get("second_stage")
        return cls._from_parts(description, arrays, "",
                               None if second is None else cls._from_parts(second, arrays, SECOND_STAGE_PREFIX))

    @classmethod
    def _from_parts(cls, description: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str,
                    second_stage: GestureClassifier | None = None) -> "GestureClassifier":
        layers = len(description["layer_sizes"]) - 1
        return cls(
            description["labels"],
            [arrays[f"{prefix}weights_{index}"] for index in range(layers)],
            [arrays[f"{prefix}biases_{index}"] for index in range(layers)],
            arrays[prefix + "mean"],
            arrays[prefix + "std"],
            feature_version=description["feature_version"],
            activation=description["activation"],
            output_activation=description["output_activation"],
            metadata=description["metadata"],
            features=description["features"],
            backend=description["backend"],
            second_stage=second_stage,
        )


def model_base(path: str | Path) -> Path:
    """PATH without a trailing .npz / .json (other suffixes are part of the name)."""
    path = Path(path).expanduser()
    return path.with_suffix("") if path.suffix in (".npz", ".json") else path


def _write_atomically(path: Path, write: Callable[[Any], object]) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a model is meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _format_error(path: Path, problem: str) -> ModelFormatError:
    return ModelFormatError(f"model {path}: {problem}; {RETRAIN_HINT}")


def _read_description(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise _format_error(path, "file not found (a model is a .npz and a .json side by side)")
    try:
        text = _read_small(path, MAX_DESCRIPTION_BYTES)
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        description = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise _format_error(path, f"unreadable JSON ({error})") from None
    if not isinstance(description, dict) or description.get("format") != FORMAT_NAME:
        raise _format_error(path, f"not a gestured classifier (no \"format\": \"{FORMAT_NAME}\")")
    version = description.get("format_version")
    if version not in READABLE_VERSIONS:
        raise _format_error(
            path, f"format version {version!r}, this gestured reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}",
        )
    for problem in _description_problems(description) + _second_stage_problems(description):
        raise _format_error(path, problem)
    return description


def _second_stage_problems(description: dict[str, Any]) -> list[str]:
    """A version 2 model's `second_stage`: a checked description over first-stage labels."""
    second = description.get("second_stage")
    if description["format_version"] == 1:
        return [] if second is None else ["\"second_stage\" needs format version 2"]
    if not isinstance(second, dict):
        return ["format version 2 needs a \"second_stage\" object"]
    problems = [f"second_stage: {problem}" for problem in _description_problems(second)]
    if not problems and not set(second["labels"]) <= set(description["labels"]) - {NONE_LABEL}:
        problems.append("second_stage: its labels must be first-stage labels other than none")
    return problems


def _read_small(path: Path, limit: int) -> str:
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit // 1024} KiB")
    return data.decode("utf-8")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def _description_problems(description: dict[str, Any]) -> list[str]:
    """Every way the JSON can disagree with itself or with this gestured's features."""
    labels, sizes = description.get("labels"), description.get("layer_sizes")
    version = description.get("feature_version")
    feature_set = FEATURE_SETS.get(description.setdefault("features", DEFAULT_FEATURES))
    if feature_set is None:
        return [f"unknown features {description['features']!r} (this gestured knows {', '.join(FEATURE_SETS)})"]
    backend = description.setdefault("backend", DEFAULT_BACKEND)
    if not isinstance(backend, str) or not backend:
        return ["\"backend\" must be a backend name such as \"mediapipe\""]
    if version != feature_set.version:
        return [f"made for feature version {version!r}, "
                f"this gestured computes version {feature_set.version}"]
    if not isinstance(labels, list) or len(labels) < 2 or not all(
        isinstance(label, str) and label for label in labels
    ) or len(set(labels)) != len(labels):
        return ["\"labels\" must be a list of at least two distinct names"]
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(
        isinstance(size, int) and not isinstance(size, bool) and size > 0 for size in sizes
    ):
        return ["\"layer_sizes\" must be a list of at least two positive integers"]
    if sum(inputs * outputs for inputs, outputs in zip(sizes, sizes[1:])) > MAX_PARAMETERS:
        return [f"layers {sizes} hold more than {MAX_PARAMETERS:,} weights: not a gesture classifier"]
    if sizes[0] != description.get("feature_size") or sizes[0] != feature_set.size:
        return [f"input size {sizes[0]} (feature_size {description.get('feature_size')!r}), "
                f"this gestured computes {feature_set.size} features"]
    if description.get("activation") not in HIDDEN_ACTIVATIONS:
        return [f"unknown activation {description.get('activation')!r}"]
    output = description.get("output_activation")
    expected_outputs = {"softmax": len(labels), "logistic": 1 if len(labels) == 2 else None}
    if output not in OUTPUT_ACTIVATIONS:
        return [f"unknown output activation {output!r}"]
    if sizes[-1] != expected_outputs[output]:
        return [f"{len(labels)} labels but {sizes[-1]} {output} outputs"]
    if not isinstance(description.get("metadata", {}), dict):
        return ["\"metadata\" must be an object"]
    description.setdefault("metadata", {})
    return []


def _read_arrays(path: Path, description: dict[str, Any]) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise _format_error(path, "file not found (a model is a .npz and a .json side by side)")
    expected = _expected_shapes(description["layer_sizes"], "")
    if description.get("second_stage") is not None:
        expected.update(_expected_shapes(description["second_stage"]["layer_sizes"], SECOND_STAGE_PREFIX))
    arrays: dict[str, np.ndarray] = {}
    try:
        _check_headers(path, npz_headers(path), expected)  # before loading: shapes fix the sizes
        with open_npz(path) as archive:
            for name, shape in expected.items():
                arrays[name] = _checked_array(path, name, archive[name], shape)
    except ModelFormatError:
        raise
    except ValueError as error:  # not an npz, object arrays, sizes that disagree with headers
        raise _format_error(path, str(error)) from error
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise _format_error(path, f"unreadable npz ({error})") from error
    for name in ("std", SECOND_STAGE_PREFIX + "std"):
        if name in arrays and not (arrays[name] > 0).all():
            raise _format_error(path, f"\"{name}\" must be positive")
    return arrays


def _expected_shapes(sizes: list[int], prefix: str) -> dict[str, tuple[int, ...]]:
    expected: dict[str, tuple[int, ...]] = {prefix + "mean": (sizes[0],), prefix + "std": (sizes[0],)}
    for index, (inputs, outputs) in enumerate(zip(sizes, sizes[1:])):
        expected[f"{prefix}weights_{index}"] = (inputs, outputs)
        expected[f"{prefix}biases_{index}"] = (outputs,)
    return expected


def _check_headers(path: Path, headers: dict[str, ArrayHeader], expected: dict[str, tuple[int, ...]]) -> None:
    if set(headers) != set(expected):
        raise _format_error(path, f"holds arrays {sorted(headers)[:20]}, expected {sorted(expected)}")
    for name, shape in expected.items():
        if headers[name].dtype.kind != "f":
            raise _format_error(path, f"array {name} has dtype {headers[name].dtype}, expected float")
        if headers[name].shape != shape:
            raise _format_error(path, f"array {name} has shape {headers[name].shape}, expected {shape}")


def _checked_array(path: Path, name: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if array.dtype.kind != "f":
        raise _format_error(path, f"array {name} has dtype {array.dtype}, expected float")
    if array.shape != shape:
        raise _format_error(path, f"array {name} has shape {array.shape}, expected {shape}")
    if not np.isfinite(array).all():
        raise _format_error(path, f"array {name} holds NaN or infinite values")
    return array.astype(np.float32)


def load_classifier(path: str | Path | None = None, backend: str = DEFAULT_BACKEND) -> GestureClassifier:
    """The classifier at `path`, or (`path` None) the shipped model for `backend`."""
    if path is None:
        path = shipped_models_dir() / SHIPPED_MODELS.get(backend, DEFAULT_MODEL_NAME)
    return GestureClassifier.load(path)


def model_backend(path: str | Path) -> str | None:
    """The backend the model at `path` was trained for, from its checked JSON (the weights
    are not read); None when the JSON is unusable (loading the model says why)."""
    base = model_base(path)
    try:
        return str(_read_description(base.with_name(base.name + ".json"))["backend"])
    except ModelFormatError:
        return None
