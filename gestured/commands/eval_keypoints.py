"""`gestured eval --keypoints CSV`: score a classifier on a keypoint file, no backend run.

For keypoints another program made (the prototype's OpenPose CSV) or when a backend's
weights are not installed. The CSV format is gestured.training.openpose_data's: columns
`0`..`41` (x0, y0 ... x20, y20 in pixels), optionally `42`, `43` (the background heatmap's
peak: a keypoint on it is missing), and `label` (names) or `class` (1 = thumbs_up,
0 = thumbs_down).

A row whose keypoints are collapsed or mostly missing (gestured.recognition.openpose_features.
unusable_hands) can't show a gesture: the report counts them and how many the model
called `none`, and gives the metrics twice, over all rows and over the usable ones.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from gestured.recognition.classifier import LABELS, NONE_LABEL, GestureClassifier
from gestured.errors import GesturedError
from gestured.training.metrics import evaluation_report, format_metrics
from gestured.recognition.openpose_features import unusable_hands
from gestured.training.openpose_data import KeypointRows, read_keypoint_csv


def evaluate_rows(rows: KeypointRows, classifier: GestureClassifier) -> dict[str, Any]:
    """evaluation_report over the rows (`detected` = usable), plus "collapsed" {"rows",
    "called_none", "called"} and "unknown_labels" (label -> rows left out)."""
    known = set(classifier.labels) | {NONE_LABEL}
    chosen = np.array([label in known for label in rows.labels.tolist()], dtype=bool)
    unknown = Counter(label for label in rows.labels[~chosen].tolist())
    if not chosen.any():
        raise GesturedError(f"no row has a label the model knows ({', '.join(sorted(known))}); "
                            f"found {', '.join(sorted(unknown))}")
    keypoints, labels = rows.with_missing()[chosen], rows.labels[chosen].tolist()
    predicted = classifier.predict(classifier.batch_features(keypoints))
    unusable = unusable_hands(keypoints)
    report = evaluation_report(labels, predicted, (~unusable).tolist(), preferred=(*LABELS, *classifier.labels))
    called = Counter(guess for guess, bad in zip(predicted, unusable) if bad)
    report["collapsed"] = {"rows": int(unusable.sum()), "called_none": called.get(NONE_LABEL, 0),
                           "called": dict(sorted(called.items()))}
    report["unknown_labels"] = dict(sorted(unknown.items()))
    return report


def evaluate_file(path: Path, classifier: GestureClassifier) -> dict[str, Any]:
    """evaluate_rows on a CSV file; GesturedError (one line) for a bad file."""
    return evaluate_rows(read_keypoint_csv(path), classifier)


def format_report(report: dict[str, Any]) -> str:
    """The text `gestured eval --keypoints` prints without --json."""
    collapsed = report["collapsed"]
    usable = report["detected_only"]["images"]
    lines = [f"model: {report['model']}"]
    for label, count in report["unknown_labels"].items():
        lines.append(f"skipped {count} rows labelled {label}: label not known to the model")
    lines.append(f"rows: {report['images']}; collapsed or mostly missing: {collapsed['rows']}, "
                 f"of which called none: {collapsed['called_none']}")
    lines += ["", format_metrics(report, "All rows:"), ""]
    lines.append(format_metrics(report["detected_only"], f"Usable rows ({usable}):"))
    return "\n".join(lines)
