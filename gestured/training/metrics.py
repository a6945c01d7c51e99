"""Classification metrics for `gestured eval` and `gestured train`: pure functions over labels.

Conventions: the confusion matrix has one row per true label and one column per
predicted label, in `labels` order. Precision of a label never predicted is 0.0 (as is
recall of a label with no samples, which then counts as support 0). Balanced accuracy
is the mean recall over the labels that have samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from gestured.errors import GesturedError


def ordered_labels(true: Sequence[str], predicted: Sequence[str], preferred: Sequence[str] = ()) -> list[str]:
    """`preferred` labels that occur in true or predicted, then the other ones sorted."""
    present = set(true) | set(predicted)
    first = [label for label in dict.fromkeys(preferred) if label in present]
    return first + sorted(present - set(first))


def confusion_matrix(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """(L, L) int counts: [i, j] = samples of labels[i] predicted as labels[j].

    Raises ValueError when true and predicted differ in length or hold a label not in `labels`.
    """
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    index = {label: position for position, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for actual, guess in zip(true, predicted):
        if actual not in index or guess not in index:
            raise ValueError(f"label {actual if actual not in index else guess!r} not in {list(labels)}")
        matrix[index[actual], index[guess]] += 1
    return matrix


def per_class_metrics(matrix: np.ndarray, labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """label -> {"precision", "recall", "support"} from a confusion matrix."""
    result = {}
    for position, label in enumerate(labels):
        hits = float(matrix[position, position])
        support = int(matrix[position].sum())
        predicted = int(matrix[:, position].sum())
        result[label] = {
            "precision": hits / predicted if predicted else 0.0,
            "recall": hits / support if support else 0.0,
            "support": support,
        }
    return result


def compute_metrics(
    true: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """{"accuracy", "balanced_accuracy", "per_class", "confusion": {"labels", "matrix"}}.

    labels: the order of the confusion matrix (default: ordered_labels(true, predicted)).
    With no samples at all, accuracy and balanced accuracy are 0.0.
    """
    labels = list(labels) if labels is not None else ordered_labels(true, predicted)
    matrix = confusion_matrix(true, predicted, labels)
    per_class = per_class_metrics(matrix, labels)
    recalls = [values["recall"] for values in per_class.values() if values["support"] > 0]
    total = int(matrix.sum())
    return {
        "accuracy": float(np.trace(matrix)) / total if total else 0.0,
        "balanced_accuracy": float(np.mean(recalls)) if recalls else 0.0,
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": matrix.tolist()},
    }


def evaluation_report(
    true: Sequence[str],
    predicted: Sequence[str],
    detected: Sequence[bool],
    preferred: Sequence[str] = (),
) -> dict[str, Any]:
    """Metrics over every image plus the same over the images where a hand was found.

    true/predicted/detected: one entry per image (an image without a hand is predicted
    `none` by the caller). Returns compute_metrics(...) for all images, plus "images",
    "detection_rate" (overall), "per_class"[label]["detection_rate"], and "detected_only"
    {"images", "accuracy", "balanced_accuracy", "per_class", "confusion"}.
    """
    labels = ordered_labels(true, predicted, preferred)
    report = compute_metrics(true, predicted, labels)
    found = np.asarray(detected, dtype=bool)
    report["images"] = len(true)
    report["detection_rate"] = float(found.mean()) if len(found) else 0.0
    true_array = np.asarray(true, dtype=str)
    for label, values in report["per_class"].items():
        mask = true_array == label
        values["detection_rate"] = float(found[mask].mean()) if mask.any() else 0.0
    kept = [int(index) for index in np.flatnonzero(found)]
    report["detected_only"] = {
        "images": len(kept),
        **compute_metrics([true[index] for index in kept], [predicted[index] for index in kept], labels),
    }
    return report


def format_metrics(metrics: dict[str, Any], title: str = "") -> str:
    """A plain-text table: per-label precision/recall/support, then the confusion matrix."""
    labels = metrics["confusion"]["labels"]
    width = max([len(label) for label in labels] + [9])
    lines = [title] if title else []
    lines.append(f"{'label':<{width}}  precision  recall  support")
    for label in labels:
        values = metrics["per_class"][label]
        lines.append(f"{label:<{width}}  {values['precision']:9.3f}  {values['recall']:6.3f}"
                     f"  {values['support']:7d}")
    lines.append(f"accuracy {metrics['accuracy']:.4f}   balanced accuracy "
                 f"{metrics['balanced_accuracy']:.4f}")
    lines.append("confusion (rows: true, columns: predicted, in the order above)")
    cell = max(5, max((len(str(count)) for row in metrics["confusion"]["matrix"] for count in row), default=1) + 1)
    for label, row in zip(labels, metrics["confusion"]["matrix"]):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{cell}d}" for count in row))
    return "\n".join(lines)


def plot_confusion(metrics: dict[str, Any], path: str | Path, title: str = "") -> Path:
    """Write the confusion matrix as a PNG; raises GesturedError when matplotlib is missing."""
    try:
        # A bare Figure draws with Agg and touches no global pyplot state or display.
        from matplotlib.figure import Figure
    except ImportError as error:
        raise GesturedError(
            f"--plot needs matplotlib ({error}): run `python -m pip install 'gestured[plot]'`"
        ) from error
    labels = metrics["confusion"]["labels"]
    matrix = np.asarray(metrics["confusion"]["matrix"])
    size = 1.2 + 0.6 * len(labels)
    figure = Figure(figsize=(size + 1.5, size))
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title or f"balanced accuracy {metrics['balanced_accuracy']:.3f}")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        axes.text(column, row, str(count), ha="center", va="center",
                  color="white" if count > threshold else "black")
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=100)
    return path
