"""Several MLPs averaged, stored as one wider MLP in the ordinary model format.

One MLP trained on this data lands on noticeably different decision boundaries from
seed to seed where the data is thin (a held-out class of 18 photos moves by one photo,
a sign-language video frame flips between labels). Averaging the output logits of a
few members, each trained with its own seed, steadies that. The average is itself an
MLP: the members' first layers side by side, their hidden layers block-diagonal, their
output layers stacked and divided by the member count. So the shipped file is a plain
`GestureClassifier` (ReLU hidden layers, softmax output) that gestured loads and runs
like any other, just wider.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from gestured.recognition import features as feature_module
from gestured.recognition.classifier import GestureClassifier
from gestured.training.mlp import standardisation


def fit_member(standardised: np.ndarray, labels: np.ndarray, hidden_layers: Sequence[int],
               alpha: float, max_iter: int, seed: int) -> Any:
    """One scikit-learn MLPClassifier (ReLU, adam) on already standardised features."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=tuple(hidden_layers), activation="relu", solver="adam",
                          alpha=alpha, max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(standardised, labels)
    return model


def _block_diagonal(blocks: Sequence[np.ndarray]) -> np.ndarray:
    rows, columns = sum(block.shape[0] for block in blocks), sum(block.shape[1] for block in blocks)
    merged = np.zeros((rows, columns), dtype=np.float64)
    row = column = 0
    for block in blocks:
        merged[row:row + block.shape[0], column:column + block.shape[1]] = block
        row, column = row + block.shape[0], column + block.shape[1]
    return merged


def merge_members(members: Sequence[Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weights, biases) of one MLP whose logits are the mean of the members' logits.

    Raises ValueError when the members differ in labels or layer count, or only two
    labels were trained (scikit-learn then has a single logistic output).
    """
    labels = [tuple(member.classes_) for member in members]
    if len(set(labels)) != 1 or len({len(member.coefs_) for member in members}) != 1:
        raise ValueError("ensemble members must share labels and layer count")
    if len(labels[0]) < 3:
        raise ValueError("an ensemble needs three or more labels (softmax output)")
    layers = len(members[0].coefs_)
    weights = [np.hstack([member.coefs_[0] for member in members])]
    biases = [np.concatenate([member.intercepts_[0] for member in members])]
    for layer in range(1, layers - 1):
        weights.append(_block_diagonal([member.coefs_[layer] for member in members]))
        biases.append(np.concatenate([member.intercepts_[layer] for member in members]))
    count = float(len(members))
    if layers > 1:
        weights.append(np.vstack([member.coefs_[-1] for member in members]) / count)
        biases.append(np.mean([member.intercepts_[-1] for member in members], axis=0))
    else:
        weights[0] = weights[0].reshape(weights[0].shape[0], len(members), -1).mean(axis=1)
        biases[0] = biases[0].reshape(len(members), -1).mean(axis=0)
    return weights, biases


def train_ensemble(
    features: np.ndarray, labels: np.ndarray, *, hidden_layers: Sequence[int], members: int,
    alpha: float, max_iter: int, seed: int, metadata: dict[str, Any],
) -> GestureClassifier:
    """`members` MLPs (seeds seed*1000 + k) on standardised features, merged into one model.

    BLAS runs on one thread: the matrices are small, and a fixed summation order keeps
    the weights identical from machine to machine.
    """
    from threadpoolctl import threadpool_limits

    from gestured.progress import progress

    mean, std = standardisation(features)
    standardised = (features - mean) / std
    with threadpool_limits(limits=1), progress(members, "ensemble", "fits") as bar:
        fitted = []
        for index in range(members):
            fitted.append(fit_member(standardised, labels, hidden_layers, alpha, max_iter, seed * 1000 + index))
            bar.update(1)
    weights, biases = merge_members(fitted)
    names, counts = np.unique(labels, return_counts=True)
    recorded = {
        "seed": seed, "hidden_layers": list(hidden_layers), "ensemble_members": members, "alpha": alpha,
        "samples": int(len(labels)),
        "sample_counts": {str(name): int(count) for name, count in zip(names, counts)},
        "iterations": [int(member.n_iter_) for member in fitted],
    }
    return GestureClassifier(
        [str(label) for label in fitted[0].classes_], weights, biases, mean, std,
        feature_version=feature_module.FEATURE_VERSION, activation="relu", output_activation="softmax",
        metadata={**recorded, **metadata},
    )
