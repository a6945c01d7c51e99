"""The classifier's activation functions, by the names a model's JSON gives them.

Apart from the classifier so that checking a model file (gestured.recognition.model_format)
and running it (gestured.recognition.classifier) read one list of names.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def relu(values: np.ndarray) -> np.ndarray:
    return np.maximum(values, 0.0)


def logistic(values: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -values))  # 1 / (1 + e^-x) without overflow


HIDDEN_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": relu,
    "tanh": np.tanh,
    "logistic": logistic,
    "identity": lambda values: values,
}
OUTPUT_ACTIVATIONS = ("softmax", "logistic")
