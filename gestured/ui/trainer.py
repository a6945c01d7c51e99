"""Training from the page: `gestured train --data DATASETS --with-builtin` in a thread,
with its steps reported for a progress bar and the confusion matrix drawn to a PNG.

The samples are merged with the built-in set exactly as `gestured train --with-builtin`
merges them (gestured.training.merge.merge_builtin: subsampled, built-in `none` samples
that look like a new gesture give way, new gestures topped up) and cross-validated with
the same default folds, so the page and the command train the same model.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gestured.errors import GesturedError
from gestured.training.merge import BUILTIN_PER_LABEL

logger = logging.getLogger(__name__)

STEPS = ("reading samples", "cross-validating", "training", "saving")


@dataclass
class TrainingJob:
    """What the page shows about the current (or last) training."""

    state: str = "idle"  # idle, running, done, failed
    step: int = 0
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        progress = 1.0 if self.state == "done" else self.step / len(STEPS)
        step = STEPS[min(self.step, len(STEPS) - 1)] if self.state == "running" else self.state
        return {"state": self.state, "step": step, "progress": round(progress, 2),
                "message": self.message, **self.result}


class Trainer:
    """Trains from `datasets` into a new folder under `models` (one per training)."""

    def __init__(self, datasets: Path, models: Path, builtin_per_label: int = BUILTIN_PER_LABEL) -> None:
        self.datasets = datasets
        self.models = models
        self.builtin_per_label = builtin_per_label
        self._lock = threading.Lock()
        self.job = TrainingJob()

    def start(self) -> dict[str, Any]:
        """Start a training; GesturedError when one is running or there is nothing to train on."""
        with self._lock:
            if self.job.state == "running":
                raise GesturedError("a training is already running")
            if not any(self.datasets.glob("*.npz")):
                raise GesturedError("record some samples first: there is nothing of yours to train on")
            self.job = TrainingJob(state="running")
        threading.Thread(target=self._run, args=(self.job,), name="gestured-train", daemon=True).start()
        return self.job.view()

    def status(self) -> dict[str, Any]:
        return self.job.view()

    def _run(self, job: TrainingJob) -> None:
        try:
            job.result = self._train(job)
            job.state, job.message = "done", f"saved {job.result['model']}"
        except Exception as error:  # shown on the page; the daemon goes on
            logger.exception("training failed")
            job.state, job.message = "failed", str(error)

    def _train(self, job: TrainingJob) -> dict[str, Any]:
        from gestured.commands import train
        from gestured.training.dataset import Dataset, dataset_files, load_datasets
        from gestured.training.merge import confusions, merge_builtin, new_gestures
        from gestured.training.metrics import plot_confusion
        from gestured.training.mlp import cross_validate, default_folds, train_classifier

        recorded = train.with_mirrored(train.without_degenerate(load_datasets([self.datasets])))
        merged = merge_builtin(train.builtin_dataset(train.default_shared_data()), recorded,
                               per_label=self.builtin_per_label)
        features, labels, groups = train.training_data(Dataset.concat([merged.builtin, merged.user]))
        job.step, job.message = 1, f"{len(labels)} samples: {train.describe_counts(labels)}"
        validation = cross_validate(features, labels, groups, folds=default_folds(len(labels)))
        job.step = 2
        metadata = {"data_sources": [str(path) for path in dataset_files([self.datasets])],
                    "with_builtin": True, "builtin_per_label": self.builtin_per_label, "mirrored": True,
                    "cross_validation": {key: validation[key] for key in
                                         ("method", "folds", "accuracy", "balanced_accuracy", "fold_accuracies")}}
        classifier = train_classifier(features, labels, metadata=metadata)
        job.step = 3
        base = classifier.save(self.models / datetime.now().strftime("model-%Y%m%d-%H%M%S"))
        picture = plot_confusion(validation, f"{base}-confusion.png",
                                 title=f"cross-validated accuracy {validation['accuracy']:.3f}")
        return {"model": str(base), "labels": list(classifier.labels), "accuracy": validation["accuracy"],
                "balanced_accuracy": validation["balanced_accuracy"], "method": validation["method"],
                "confusion": picture.name, "samples": int(len(labels)), "gave_way": merged.gave_way,
                "confused": confusions(validation, new_gestures(labels))}
