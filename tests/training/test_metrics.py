"""Metrics against small examples worked out by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gestured.errors import GesturedError
from gestured.training.metrics import (
    compute_metrics,
    confusion_matrix,
    evaluation_report,
    format_metrics,
    ordered_labels,
    plot_confusion,
)

# 3 cats, 2 dogs, 1 none; predictions: cat cat dog | dog none | cat
TRUE = ["cat", "cat", "cat", "dog", "dog", "none"]
PREDICTED = ["cat", "cat", "dog", "dog", "none", "cat"]
LABELS = ["cat", "dog", "none"]


def test_confusion_matrix_rows_are_true_labels() -> None:
    matrix = confusion_matrix(TRUE, PREDICTED, LABELS)
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [1, 0, 0]]
    with pytest.raises(ValueError, match="'bird'"):
        confusion_matrix(["bird"], ["cat"], LABELS)


def test_metrics_by_hand() -> None:
    metrics = compute_metrics(TRUE, PREDICTED, LABELS)
    assert metrics["accuracy"] == pytest.approx(3 / 6)
    # recalls: cat 2/3, dog 1/2, none 0/1
    assert metrics["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    # precisions: cat 2/3 (cat predicted 3 times), dog 1/2, none 0/1
    assert metrics["per_class"]["cat"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "support": 3})
    assert metrics["per_class"]["dog"] == pytest.approx({"precision": 1 / 2, "recall": 1 / 2, "support": 2})
    assert metrics["per_class"]["none"] == {"precision": 0.0, "recall": 0.0, "support": 1}
    assert metrics["confusion"] == {"labels": LABELS, "matrix": [[2, 1, 0], [0, 1, 1], [1, 0, 0]]}


def test_balanced_accuracy_skips_labels_without_samples() -> None:
    metrics = compute_metrics(["a", "a", "b"], ["a", "c", "b"], ["a", "b", "c"])
    assert metrics["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "support": 0}
    assert metrics["balanced_accuracy"] == pytest.approx((1 / 2 + 1) / 2)


def test_empty_input_gives_zeros() -> None:
    metrics = compute_metrics([], [], ["a"])
    assert metrics["accuracy"] == 0.0 and metrics["balanced_accuracy"] == 0.0


def test_ordered_labels_prefers_the_given_order() -> None:
    assert ordered_labels(["b", "z"], ["a"], preferred=["z", "none", "a", "z"]) == ["z", "a", "b"]


def test_evaluation_report_adds_detection_and_detected_only() -> None:
    # The last cat and the none image had no hand (so the caller predicted none).
    detected = [True, True, False, True, True, False]
    predicted = ["cat", "cat", "none", "dog", "none", "none"]
    report = evaluation_report(TRUE, predicted, detected, preferred=LABELS)
    assert report["images"] == 6
    assert report["detection_rate"] == pytest.approx(4 / 6)
    assert report["per_class"]["cat"]["detection_rate"] == pytest.approx(2 / 3)
    assert report["per_class"]["none"]["detection_rate"] == 0.0
    assert report["accuracy"] == pytest.approx(4 / 6)
    only = report["detected_only"]
    assert only["images"] == 4
    assert only["accuracy"] == pytest.approx(3 / 4)
    # on detected images: cat 2/2, dog 1/2, no none sample
    assert only["balanced_accuracy"] == pytest.approx((1 + 1 / 2) / 2)
    assert only["confusion"]["labels"] == report["confusion"]["labels"] == LABELS


def test_format_metrics_lists_every_label_and_the_matrix() -> None:
    text = format_metrics(compute_metrics(TRUE, PREDICTED, LABELS), title="test")
    lines = text.splitlines()
    assert lines[0] == "test"
    assert any(line.startswith("cat") and "0.667" in line for line in lines)
    assert "balanced accuracy 0.3889" in text
    assert lines[-3].split() == ["cat", "2", "1", "0"]


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_confusion(compute_metrics(TRUE, PREDICTED, LABELS), tmp_path / "confusion.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    assert matplotlib.image.imread(path).shape[0] > 100
    assert np.isfinite(matplotlib.image.imread(path)).all()


def test_plot_without_matplotlib_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import of it now fails
    with pytest.raises(GesturedError, match=r"gestured\[plot\]"):
        plot_confusion(compute_metrics(TRUE, PREDICTED, LABELS), tmp_path / "confusion.png")
    assert not (tmp_path / "confusion.png").exists()
