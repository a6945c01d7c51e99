"""Reproduce the OpenPose model's held-out figures of models/README.md (default: the shipped one).

    .venv/bin/python benchmarks/openpose_accuracy.py [--shared-data ../shared/data] [--model PATH]
                                                     [--work DIR] [--out results.json]

Writes the held-out rows of seed-thumbs/openpose_keypoints.csv (gestured.training.openpose_data:
the photos after the default model's time split) as two keypoint CSVs under --work, one of
the 109 kept (deduplicated) held-out photos and one of all 601 rows after the split, and runs
`gestured eval --keypoints CSV --json` on each. `wrong_thumb_usable` counts the usable rows
called the *other* thumb (up as down, down as up): with both bound, the wrong action fires,
which is worse than `none`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def write_rows(path: Path, keypoints: np.ndarray, background: np.ndarray, labels: np.ndarray) -> Path:
    """A keypoint CSV (columns 0..43 and label) that `gestured eval --keypoints` reads."""
    header = ",".join([*(str(index) for index in range(44)), "label"])
    lines = [header] + [
        ",".join([*(f"{value:g}" for value in np.concatenate([points.ravel(), peak])), label])
        for points, peak, label in zip(keypoints, background, labels)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def held_out_csvs(shared_data: Path, work: Path) -> dict[str, Path]:
    from gestured.training.openpose_data import match_seed_rows

    seed = match_seed_rows(shared_data)
    assert seed.rows.background is not None
    test = seed.split == "test"
    chosen = {"kept_photos": test & seed.kept, "all_rows_after_split": test}
    return {
        name: write_rows(work / f"{name}.csv", seed.rows.keypoints[mask], seed.rows.background[mask],
                         seed.rows.labels[mask])
        for name, mask in chosen.items()
    }


def evaluate(csv: Path, model: Path | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "gestured", "eval", "--keypoints", str(csv), "--json"]
    if model is not None:
        command += ["--model", str(model)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    report = json.loads(result.stdout)
    usable = report["detected_only"]
    confusion = usable["confusion"]
    return {
        "rows": report["images"],
        "collapsed": report["collapsed"],
        "balanced_accuracy_usable": usable["balanced_accuracy"],
        "balanced_accuracy_all": report["balanced_accuracy"],
        "recall_usable": {label: values["recall"] for label, values in usable["per_class"].items()
                          if values["support"]},
        "called_usable": dict(zip(confusion["labels"], np.sum(confusion["matrix"], axis=0).tolist())),
        "wrong_thumb_usable": wrong_thumb(confusion["labels"], confusion["matrix"]),
    }


def wrong_thumb(labels: list[str], matrix: list[list[int]]) -> dict[str, int]:
    """From a confusion matrix (rows true, columns called): thumbs_up called thumbs_down and back."""
    pairs = {"up_called_down": ("thumbs_up", "thumbs_down"), "down_called_up": ("thumbs_down", "thumbs_up")}
    return {name: int(matrix[labels.index(true)][labels.index(called)]) if {true, called} <= set(labels) else 0
            for name, (true, called) in pairs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        results = {name: evaluate(csv, args.model) for name, csv in held_out_csvs(args.shared_data, work).items()}
    text = json.dumps(results, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
