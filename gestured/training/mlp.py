"""Training the classifier: scikit-learn's MLP fitted, copied into a `GestureClassifier`, cross-validated.

Kept apart from `gestured.recognition.classifier` so the daemon's inference path never imports scikit-learn.
"""

from __future__ import annotations

import logging
import warnings
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

import numpy as np

from gestured.errors import GesturedError
from gestured.recognition import features as feature_module
from gestured.recognition.classifier import GestureClassifier, LabelArray
from gestured.training.metrics import compute_metrics

logger = logging.getLogger(__name__)


def standardisation(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and std of (N, F) features; a constant feature gets std 1."""
    mean = features.mean(axis=0)
    std = features.std(axis=0)
    return mean, np.where(std > 1e-6, std, 1.0)


def fit_mlp(
    features: np.ndarray,
    labels: LabelArray,
    *,
    hidden_layers: Sequence[int] = (64, 32),
    seed: int = 0,
    max_iter: int = 400,
    early_stopping: bool = False,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Fit sklearn's MLPClassifier on standardised features; with early_stopping it
    stops once a held-back tenth stops improving (about four times sooner).

    Returns (fitted MLPClassifier, mean, std); the same seed and data give the same
    weights. Raises GesturedError for fewer than two labels or non-finite features.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    features = np.asarray(features, dtype=np.float64)
    names = np.asarray(labels, dtype=str)
    if features.ndim != 2 or len(features) != len(names):
        raise GesturedError(f"features {features.shape} and {len(names)} labels don't match")
    if not np.isfinite(features).all():
        raise GesturedError("some features are NaN or infinite: check the recorded keypoints")
    if len(set(names.tolist())) < 2:
        raise GesturedError(
            f"training needs at least two labels, got {sorted(set(names.tolist()))}: "
            "record another gesture (or `none`) or add --with-builtin"
        )
    mean, std = standardisation(features)
    model = MLPClassifier(
        hidden_layer_sizes=tuple(hidden_layers), activation="relu", solver="adam",
        alpha=1e-4, max_iter=max_iter, random_state=seed, early_stopping=early_stopping,
    )
    # These matrices are small: one BLAS thread is several times faster than a pool,
    # and far faster when other processes share the cores.
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1):
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit((features - mean) / std, names)
    if any(issubclass(warning.category, ConvergenceWarning) for warning in caught):
        logger.info("training stopped after %d iterations before converging", model.n_iter_)
    return model, mean, std


def from_sklearn(
    model: Any, mean: np.ndarray, std: np.ndarray, *, metadata: dict[str, Any] | None = None
) -> GestureClassifier:
    """Copy a fitted MLPClassifier (trained on `(x - mean) / std`) into a GestureClassifier."""
    return GestureClassifier(
        [str(label) for label in model.classes_],
        model.coefs_,
        model.intercepts_,
        mean,
        std,
        feature_version=feature_module.FEATURE_VERSION,
        activation=model.activation,
        output_activation=model.out_activation_,
        metadata=metadata,
    )


def train_classifier(
    features: np.ndarray,
    labels: LabelArray,
    *,
    hidden_layers: Sequence[int] = (64, 32),
    seed: int = 0,
    metadata: dict[str, Any] | None = None,
) -> GestureClassifier:
    """Train on (N, FEATURE_SIZE) features of the current FEATURE_VERSION and their labels.

    The model's metadata gets the date, seed, layer sizes, per-label sample counts and
    iterations, then `metadata` on top (data sources, cross-validated accuracy, ...).
    Raises GesturedError for fewer than two labels or non-finite features.
    """
    model, mean, std = fit_mlp(features, labels, hidden_layers=hidden_layers, seed=seed)
    names, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
    recorded = {
        "trained": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "hidden_layers": list(hidden_layers),
        "samples": int(len(labels)),
        "sample_counts": {str(name): int(count) for name, count in zip(names, counts)},
        "iterations": int(model.n_iter_),
    }
    return from_sklearn(model, mean, std, metadata={**recorded, **(metadata or {})})


GROUPED = "grouped"
# Cross-validation only estimates. On a large set (`--with-builtin`: about 8,000 samples)
# three folds whose fits stop early, on a held-back tenth of their training part, cost
# about a third of five folds trained to convergence; the saved model always trains to
# convergence. Small sets train in seconds anyway.
LARGE_SET = 2000  # samples
FOLDS = 5
LARGE_SET_FOLDS = 3


def default_folds(samples: int) -> int:
    """How many folds to cross-validate `samples` samples with when nobody says."""
    return LARGE_SET_FOLDS if samples >= LARGE_SET else FOLDS


def _splitter(labels: np.ndarray, groups: np.ndarray | None, folds: int, seed: int) -> tuple[Any, str]:
    """A fold splitter for these labels and groups, and a line describing it."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    names, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        raise GesturedError(
            f"label {str(names[counts.argmin()])!r} has only {counts.min()} sample: "
            "cross-validation needs at least 2 per label (record more, or pass --folds 0)"
        )
    if groups is not None:
        groups_per_label = [len(set(groups[labels == name].tolist())) for name in names]
        if min(groups_per_label) >= 2:
            splits = min(folds, min(groups_per_label))
            splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed)
            return splitter, f"{GROUPED} {splits}-fold (no group on both sides)"
    splits = min(folds, int(counts.min()))
    # Unshuffled: each label's samples are cut in recording order, so consecutive,
    # near-identical frames mostly stay on one side.
    return StratifiedKFold(n_splits=splits), (
        f"{splits}-fold in recording order (groups unused: some label has a single group, "
        "so the estimate may be optimistic)"
    )


def cross_validate(
    features: np.ndarray,
    labels: LabelArray,
    groups: LabelArray | None = None,
    folds: int = 5,
    seed: int = 0,
    *,
    hidden_layers: Sequence[int] = (64, 32),
    on_fold: Callable[[], None] = lambda: None,
    early_stopping: bool | None = None,
) -> dict[str, Any]:
    """Out-of-fold accuracy of the MLP recipe on these features (`on_fold()` after each
    fold; `early_stopping`: see fit_mlp; None: for a LARGE_SET only).

    groups: one name per sample (e.g. a recording); when every label has at least two
    groups the folds never split a group (StratifiedGroupKFold), else the folds follow
    recording order. Returns {"method", "folds", "accuracy", "balanced_accuracy",
    "fold_accuracies", "per_class", "confusion"}. Raises GesturedError for a label
    with fewer than two samples.
    """
    features = np.asarray(features, dtype=np.float64)
    names = np.asarray(labels, dtype=str)
    group_array = None if groups is None else np.asarray(groups, dtype=str)
    splitter, method = _splitter(names, group_array, folds, seed)
    stop_early = len(names) >= LARGE_SET if early_stopping is None else early_stopping
    predicted = names.copy()
    fold_accuracies = []
    split_groups = group_array if method.startswith(GROUPED) else None
    for train_index, test_index in splitter.split(features, names, split_groups):
        model, mean, std = fit_mlp(
            features[train_index], names[train_index], hidden_layers=hidden_layers, seed=seed,
            early_stopping=stop_early
        )
        predicted[test_index] = model.predict((features[test_index] - mean) / std)
        fold_accuracies.append(float((predicted[test_index] == names[test_index]).mean()))
        on_fold()
    result = compute_metrics(names.tolist(), predicted.tolist())
    return {"method": method, "folds": len(fold_accuracies),
            "fold_accuracies": fold_accuracies, **result}
