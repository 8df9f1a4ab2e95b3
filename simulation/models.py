"""The simulation's five models: how each is trained off-chain before deployment, and how a sample
is sent to its contract.

A model is trained on the first slice of the training data (the original's initial training),
written as a model file (the document ``sumchain model deploy`` reads) and deployed. On chain,
dense models (perceptron, nearest centroid) take unit-norm samples in 1e9 fixed point; sparse
models (sparse perceptron, naive Bayes, sparse nearest centroid) take the sorted indices of the
present features. A dense model given a sparse dataset sees each document as a 0/1 vector over
the vocabulary (the original's IMDB perceptron on 1,000 words); a sparse model needs a sparse
dataset. The perceptrons have two classes; naive Bayes and nearest centroid take any number.

The baseline accuracy is the same model trained on all the training data, predicted by its
integer replica (contracts/bindings/replica.py): the arithmetic the chain uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.linear_model import SGDClassifier

from contracts.bindings.model import (DENSE_PERCEPTRON, NAIVE_BAYES, NEAREST_CENTROID, SPARSE_NEAREST_CENTROID,
                                      SPARSE_PERCEPTRON, parse_model)
from contracts.bindings.replica import replica
from contracts.bindings.trainer import normalize

from .datasets import Dataset

SGD_SEED = 0xDeCA10B  # the original's random_state
SMOOTHING_FACTOR = 1.0  # Laplace smoothing, the original's default


@dataclass(frozen=True)
class ModelKind:
    """One of ``sumchain simulate --model``'s choices."""

    name: str
    type: str  # the model file's "type"
    sparse: bool  # the contract takes feature indices, not a dense vector
    two_classes: bool
    train: Callable[[np.ndarray | list[list[int]], np.ndarray, Dataset], dict[str, Any]]

    def check(self, dataset: Dataset) -> None:
        if self.sparse and not dataset.sparse:
            raise ValueError(f"--model {self.name} takes sparse data (feature indices); {dataset.name} is dense: "
                             "use synthetic-text or imdb:PATH, or a dense model")
        if self.two_classes and dataset.class_count != 2:
            raise ValueError(f"--model {self.name} has two classes; {dataset.name} has {dataset.class_count}: "
                             "use naive-bayes or nearest-centroid")

    def sample(self, dataset: Dataset, row: Any) -> list[int]:
        """One sample as the contract takes it."""
        if self.sparse:
            return [int(i) for i in row]
        return normalize(_dense(dataset, [row])[0])

    def document(self, dataset: Dataset, x: Any, y: np.ndarray) -> dict[str, Any]:
        """The model file of this kind trained on (x, y)."""
        return self.train(x if self.sparse else unit_rows(_dense(dataset, x)), y, dataset)


def _dense(dataset: Dataset, rows: Any) -> np.ndarray:
    if not dataset.sparse:
        return np.asarray(rows, dtype=float)
    dense = np.zeros((len(rows), dataset.feature_count))
    for r, indices in enumerate(rows):
        dense[r, list(indices)] = 1
    return dense


def unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def train_perceptron(x: np.ndarray, y: np.ndarray, fit_intercept: bool = True) -> tuple[np.ndarray, float]:
    """The original's initial perceptron: scikit-learn's SGD perceptron with its "optimal" step size
    eta_t = 1 / (alpha (t0 + t)), which shrinks as training goes on (the original's PerceptronModule).

    The contract has no schedule: it steps by its learning rate on every mistake. A perceptron's
    predictions do not change when its weights, intercept and step are scaled together, so the weights
    and intercept returned are scikit-learn's divided by the step its next update would take, for a
    learning rate of 1: on chain, one sample moves the model as much as one more step of the same
    training would. Trained at a rate of 1 throughout instead, one bad sample taught the model its
    wrong label so well that the bad agent got half of its deposits back (docs/simulation.md)."""
    if len(set(np.asarray(y).tolist())) < 2:  # scikit-learn needs both classes: start on the one seen, a step from 0
        return np.zeros(x.shape[1]), (0.0 if len(y) == 0 or not fit_intercept else 1.0 if y[0] == 1 else -1.0)
    model = SGDClassifier(loss="perceptron", learning_rate="optimal", penalty=None, tol=1e-3,
                          fit_intercept=fit_intercept, random_state=SGD_SEED)
    model.fit(x, y)
    # scikit-learn's t0 for "optimal" (Bottou's heuristic, sklearn/linear_model/_sgd_fast): the first
    # step is typw = alpha^(-1/4) for the perceptron's loss, so t0 = 1 / (typw · alpha); t_ counts the steps + 1.
    t0 = 1 / (model.alpha ** -0.25 * model.alpha)
    next_step = 1 / (model.alpha * (t0 + model.t_ - 1))
    return model.coef_[0] / next_step, float(model.intercept_[0]) / next_step if fit_intercept else 0.0


def _dense_perceptron(x: np.ndarray, y: np.ndarray, dataset: Dataset) -> dict[str, Any]:
    weights, bias = train_perceptron(x, y)
    return {"type": DENSE_PERCEPTRON, "classifications": list(dataset.classes),
            "weights": [float(w) for w in weights], "intercept": bias, "learningRate": 1}


def _sparse_perceptron(x: list[list[int]], y: np.ndarray, dataset: Dataset) -> dict[str, Any]:
    weights, bias = train_perceptron(_dense(dataset, x), y)
    return {"type": SPARSE_PERCEPTRON, "classifications": list(dataset.classes), "weights": [],
            "sparseWeights": {str(i): float(w) for i, w in enumerate(weights) if w},
            "intercept": bias, "learningRate": 1}


def _naive_bayes(x: list[list[int]], y: np.ndarray, dataset: Dataset) -> dict[str, Any]:
    counts: list[dict[int, int]] = [{} for _ in dataset.classes]
    for indices, label in zip(x, y):
        for i in indices:
            counts[label][int(i)] = counts[label].get(int(i), 0) + 1
    return {"type": NAIVE_BAYES, "classifications": list(dataset.classes),
            "classCounts": [int(np.sum(y == c)) for c in range(dataset.class_count)],
            "featureCounts": [[[i, n] for i, n in sorted(c.items())] for c in counts],
            "totalNumFeatures": dataset.feature_count, "smoothingFactor": SMOOTHING_FACTOR}


def _centroids(x: np.ndarray, y: np.ndarray, dataset: Dataset) -> list[tuple[np.ndarray, int]]:
    """Per class, the mean of its samples (zeros for a class with none) and their count."""
    out = []
    for c in range(dataset.class_count):
        members = x[y == c]
        out.append((members.mean(axis=0) if len(members) else np.zeros(x.shape[1]), len(members)))
    return out


def _nearest_centroid(x: np.ndarray, y: np.ndarray, dataset: Dataset) -> dict[str, Any]:
    return {"type": NEAREST_CENTROID, "centroids": {
        name: {"centroid": [float(v) for v in mean], "dataCount": count}
        for name, (mean, count) in zip(dataset.classes, _centroids(x, y, dataset))}}


def _sparse_nearest_centroid(x: list[list[int]], y: np.ndarray, dataset: Dataset) -> dict[str, Any]:
    return {"type": SPARSE_NEAREST_CENTROID, "centroids": {
        name: {"centroid": {str(i): float(v) for i, v in enumerate(mean) if v}, "dataCount": count}
        for name, (mean, count) in zip(dataset.classes, _centroids(_dense(dataset, x), y, dataset))}}


MODELS: dict[str, ModelKind] = {kind.name: kind for kind in (
    ModelKind("perceptron", DENSE_PERCEPTRON, False, True, _dense_perceptron),
    ModelKind("sparse-perceptron", SPARSE_PERCEPTRON, True, True, _sparse_perceptron),
    ModelKind("naive-bayes", NAIVE_BAYES, True, False, _naive_bayes),
    ModelKind("nearest-centroid", NEAREST_CENTROID, False, False, _nearest_centroid),
    ModelKind("sparse-nearest-centroid", SPARSE_NEAREST_CENTROID, True, False, _sparse_nearest_centroid),
)}


def baseline_accuracy(kind: ModelKind, dataset: Dataset) -> float:
    """The kind trained on all the training data, on the hidden test set, in the chain's arithmetic."""
    model = replica(parse_model(kind.document(dataset, dataset.x_train, dataset.y_train)))
    return accuracy_of(model.predict, [kind.sample(dataset, row) for row in dataset.x_test], dataset.y_test)


def accuracy_of(predict: Callable[[Sequence[int]], int], samples: list[list[int]], labels: np.ndarray) -> float:
    return sum(predict(s) == int(y) for s, y in zip(samples, labels)) / len(labels)
