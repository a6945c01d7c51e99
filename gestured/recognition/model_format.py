"""A classifier on disk: writing it, and reading it back with every field checked.

A model is two files beside each other:

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
as before); gestured.recognition.classifier says what it does. Its arrays sit in the same
npz as `second_weights_0, ..., second_mean, second_std`; the JSON's `second_stage` holds its
`labels`, `feature_version`, `feature_size`, `layer_sizes`, `activation`,
`output_activation`, `features` and `metadata`.

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
from typing import Any, Callable, Sequence

import numpy as np

from gestured.config.settings import NO_GESTURE
from gestured.errors import GesturedError
from gestured.recognition.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from gestured.recognition.feature_sets import DEFAULT_FEATURES, FEATURE_SETS
from gestured.recognition.npz import ArrayHeader, npz_headers, open_npz

FORMAT_NAME = "gestured-classifier"
FORMAT_VERSION = 2  # the newest this gestured reads; a model without a second stage is saved as 1
READABLE_VERSIONS = (1, 2)
SECOND_STAGE_PREFIX = "second_"
MAX_DESCRIPTION_BYTES = 1 << 20
MAX_JSON_DEPTH = 32
MAX_PARAMETERS = 5_000_000  # the shipped model has ~6,500; 5 M float32 weights are 20 MB
DEFAULT_BACKEND = "mediapipe"
RETRAIN_HINT = "retrain it with `gestured train` or point `model:` in gestures.yaml at another model"


class ModelFormatError(GesturedError):
    """A model file is missing, damaged, or made for another version of gestured."""


@dataclass(frozen=True)
class StoredStage:
    """One stage as the files hold it: its JSON fields and its arrays, layer by layer."""

    description: dict[str, Any]
    weights: Sequence[np.ndarray]
    biases: Sequence[np.ndarray]
    mean: np.ndarray
    std: np.ndarray


def model_base(path: str | Path) -> Path:
    """PATH without a trailing .npz / .json (other suffixes are part of the name)."""
    path = Path(path).expanduser()
    return path.with_suffix("") if path.suffix in (".npz", ".json") else path


def _beside(base: Path, suffix: str) -> Path:
    return base.with_name(base.name + suffix)


def write_model(path: str | Path, stage: StoredStage, second_stage: StoredStage | None = None) -> Path:
    """Write PATH.npz and PATH.json (suffix optional) atomically; returns PATH."""
    base = model_base(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    arrays = _named_arrays(stage, "")
    description: dict[str, Any] = {"format": FORMAT_NAME, "format_version": 1, **stage.description}
    if second_stage is not None:
        description["format_version"] = 2
        description["second_stage"] = second_stage.description
        arrays.update(_named_arrays(second_stage, SECOND_STAGE_PREFIX))
    _write_atomically(_beside(base, ".npz"), lambda out: np.savez(out, **arrays))  # type: ignore[arg-type]
    text = json.dumps(description, indent=2, sort_keys=False) + "\n"
    _write_atomically(_beside(base, ".json"), lambda out: out.write(text.encode()))
    return base


def _named_arrays(stage: StoredStage, prefix: str) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {prefix + "mean": stage.mean, prefix + "std": stage.std}
    for index, (weights, biases) in enumerate(zip(stage.weights, stage.biases)):
        arrays[f"{prefix}weights_{index}"] = weights
        arrays[f"{prefix}biases_{index}"] = biases
    return arrays


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


def read_model(path: str | Path) -> tuple[StoredStage, StoredStage | None]:
    """Read and check PATH.npz + PATH.json (suffix optional): the first stage, and the
    second stage or None.

    Raises ModelFormatError (one line, naming the file and what to do) when a file is
    missing or unreadable, the format or feature version differs from this gestured's,
    an array is missing, has the wrong shape, holds objects or non-finite numbers, or
    the labels don't match the output layer.
    """
    base = model_base(path)
    description = _read_description(_beside(base, ".json"))
    arrays = _read_arrays(_beside(base, ".npz"), description)
    second = description.get("second_stage")
    return (_stage_of(description, arrays, ""),
            None if second is None else _stage_of(second, arrays, SECOND_STAGE_PREFIX))


def read_description(path: str | Path) -> dict[str, Any]:
    """The checked JSON of the model at PATH (suffix optional); its arrays are not read.
    Raises ModelFormatError as `read_model` does."""
    base = model_base(path)
    return _read_description(_beside(base, ".json"))


def _stage_of(description: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str) -> StoredStage:
    layers = len(description["layer_sizes"]) - 1
    return StoredStage(
        description,
        [arrays[f"{prefix}weights_{index}"] for index in range(layers)],
        [arrays[f"{prefix}biases_{index}"] for index in range(layers)],
        arrays[prefix + "mean"],
        arrays[prefix + "std"],
    )


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
    if not problems and not set(second["labels"]) <= set(description["labels"]) - {NO_GESTURE}:
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
