"""Off-chain replicas of the five SUM classifiers, in the contracts' own integer arithmetic.

Each replica starts from a :class:`~contracts.bindings.model.Model` (contract units: fixed point
round(v·1e9), integer counts), predicts and trains exactly as its contract does, rounding where
the contract rounds, so a replica fed the same samples in the same order agrees with the chain
bit for bit. The contract tests (tests/test_sum_dense.py, tests/test_sum_sparse.py) check that on
random data; ``sumchain simulate`` checks it at the end of every run. ``document()`` gives the
replica's state back as a model file (``sumchain model deploy`` takes it).

Feature indices (``featureIndices``) are not modelled: the simulation does not use them.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

from .model import (DENSE_PERCEPTRON, NAIVE_BAYES, NEAREST_CENTROID, SPARSE_NEAREST_CENTROID, SPARSE_PERCEPTRON,
                    TO_FLOAT, Model)

MAX_CENTROID_COUNT = 2**191  # NearestCentroidClassifier stops counting here (its count is shared in a slot)
MAX_SPARSE_CENTROID_COUNT = 2**64 - 1


def trunc_div(a: int, b: int) -> int:
    """Solidity's signed division: rounds toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class Replica(Protocol):
    def predict(self, data: Sequence[int]) -> int: ...

    def update(self, data: Sequence[int], label: int) -> None: ...

    def document(self, classifications: list[str]) -> dict[str, Any]: ...


class DensePerceptronReplica:
    """DensePerceptron: class 1 iff intercept·1e9 + Σ wᵢ·xᵢ > 0; a wrong prediction adds ±rate·x/1e9."""

    def __init__(self, weights: Sequence[int], intercept: int, learning_rate: int) -> None:
        self.w, self.b, self.lr = list(weights), intercept, learning_rate

    def predict(self, x: Sequence[int]) -> int:
        return 1 if self.b * TO_FLOAT + sum(a * b for a, b in zip(self.w, x)) > 0 else 0

    def update(self, x: Sequence[int], label: int) -> None:
        target = 1 if label > 0 else 0
        if self.predict(x) != target:
            rate = self.lr if target else -self.lr
            self.w = [w + trunc_div(v * rate, TO_FLOAT) for w, v in zip(self.w, x)]

    def document(self, classifications: list[str]) -> dict[str, Any]:
        return {"type": DENSE_PERCEPTRON, "classifications": classifications,
                "weights": [w / TO_FLOAT for w in self.w], "intercept": self.b / TO_FLOAT,
                "learningRate": self.lr / TO_FLOAT}


class SparsePerceptronReplica:
    """SparsePerceptron: a sample is its present features; class 1 iff intercept + Σ w[i] > 0."""

    def __init__(self, weights: Sequence[int], intercept: int, rate: int,
                 sparse_weights: Sequence[tuple[int, int]] = ()) -> None:
        self.w = {i: v for i, v in enumerate(weights)}
        self.w.update(dict(sparse_weights))
        self.intercept = intercept
        self.rate = rate

    def predict(self, data: Sequence[int]) -> int:
        return 1 if self.intercept + sum(self.w.get(i, 0) for i in data) > 0 else 0

    def update(self, data: Sequence[int], label: int) -> None:
        if self.predict(data) != label:
            delta = self.rate if label > 0 else -self.rate
            for i in data:
                self.w[i] = self.w.get(i, 0) + delta

    def document(self, classifications: list[str]) -> dict[str, Any]:
        return {"type": SPARSE_PERCEPTRON, "classifications": classifications, "weights": [],
                "sparseWeights": {str(i): v / TO_FLOAT for i, v in sorted(self.w.items()) if v},
                "intercept": self.intercept / TO_FLOAT, "learningRate": self.rate / TO_FLOAT}


class NaiveBayesReplica:
    """NaiveBayesClassifier: multinomial counts with additive smoothing, probabilities in 1e9 fixed
    point, multiplied feature by feature with the contract's floor division."""

    def __init__(self, class_counts: Sequence[int], feature_counts: Sequence[Sequence[tuple[int, int]]],
                 total_num_features: int, alpha: int) -> None:
        self.classes: list[dict[str, Any]] = []
        self.T = total_num_features
        self.alpha = alpha
        for n, pairs in zip(class_counts, feature_counts):
            self.add_class(n, pairs)

    def add_class(self, n: int, pairs: Sequence[tuple[int, int]]) -> None:
        self.classes.append({"n": n, "total": 0, "counts": {}})
        self.initialize(pairs, len(self.classes) - 1)

    def initialize(self, pairs: Sequence[tuple[int, int]], c: int) -> None:
        info = self.classes[c]
        for index, count in pairs:
            info["total"] += count - info["counts"].get(index, 0)
            info["counts"][index] = count

    def predict(self, data: Sequence[int]) -> int:
        best, best_class = 0, 0
        for c, info in enumerate(self.classes):
            p = info["n"] * TO_FLOAT
            denominator = TO_FLOAT * info["total"] + self.alpha * self.T
            if denominator == 0:
                p = 0
            else:
                for i in data:
                    p = p * (TO_FLOAT * info["counts"].get(i, 0) + self.alpha) // denominator
            if p > best:
                best, best_class = p, c
        return best_class

    def update(self, data: Sequence[int], c: int) -> None:
        info = self.classes[c]
        info["n"] += 1
        info["total"] += len(data)
        for i in data:
            info["counts"][i] = info["counts"].get(i, 0) + 1

    def document(self, classifications: list[str]) -> dict[str, Any]:
        return {"type": NAIVE_BAYES, "classifications": classifications,
                "classCounts": [info["n"] for info in self.classes],
                "featureCounts": [[[i, n] for i, n in sorted(info["counts"].items())] for info in self.classes],
                "totalNumFeatures": self.T, "smoothingFactor": self.alpha / TO_FLOAT}


class DenseCentroidReplica:
    """NearestCentroidClassifier: the class whose centroid is nearest (Σ trunc((a-b)²/1e9)); an
    update moves the class's centroid to the running mean, truncating each element."""

    def __init__(self, centroids: Sequence[Sequence[int]], counts: Sequence[int]) -> None:
        self.c, self.n = [list(c) for c in centroids], list(counts)

    def predict(self, x: Sequence[int]) -> int:
        distances = [sum(trunc_div((a - b) ** 2, TO_FLOAT) for a, b in zip(x, c)) for c in self.c]
        return distances.index(min(distances))

    def update(self, x: Sequence[int], label: int) -> None:
        n = self.n[label]
        self.c[label] = [trunc_div(c * n + v, n + 1) for c, v in zip(self.c[label], x)]
        if n < MAX_CENTROID_COUNT:
            self.n[label] = n + 1

    def document(self, classifications: list[str]) -> dict[str, Any]:
        return {"type": NEAREST_CENTROID, "centroids": {
            name: {"centroid": [v / TO_FLOAT for v in c], "dataCount": n}
            for name, c, n in zip(classifications, self.c, self.n)}}


class SparseCentroidReplica:
    """SparseNearestCentroidClassifier: each stored value remembers the count it was written at and
    is rescaled lazily (value·written/n); the squared magnitude is kept incrementally."""

    def __init__(self, centroids: Sequence[Sequence[tuple[int, int]]], counts: Sequence[int]) -> None:
        self.classes: list[dict[str, Any]] = []
        for pairs, n in zip(centroids, counts):
            self.add_class(pairs, n)

    def add_class(self, pairs: Sequence[tuple[int, int]], n: int) -> None:
        self.classes.append({"n": n, "mag": 0, "c": {}})
        self.extend(pairs, len(self.classes) - 1)

    def extend(self, pairs: Sequence[tuple[int, int]], c: int) -> None:
        info = self.classes[c]
        for index, value in pairs:
            info["c"][index] = (value, info["n"])
            info["mag"] += value * value

    def value(self, c: int, index: int) -> int:
        info = self.classes[c]
        value, written = info["c"].get(index, (0, 0))
        return value if written == info["n"] else value * written // info["n"]

    def predict(self, data: Sequence[int]) -> int:
        best, best_class = None, 0
        for c, info in enumerate(self.classes):
            update = sum(TO_FLOAT - 2 * self.value(c, i) for i in data)
            distance = info["mag"] + update * TO_FLOAT
            if best is None or distance < best:
                best, best_class = distance, c
        return best_class

    def update(self, data: Sequence[int], c: int) -> None:
        info = self.classes[c]
        n = info["n"]
        new_n = n + 1 if n < MAX_SPARSE_CENTROID_COUNT else n
        info["n"] = new_n
        mag, extra = info["mag"], 0
        for i in data:
            value, written = info["c"].get(i, (0, 0))
            prev = 0 if n == 0 else value * written // n
            mag -= prev * prev
            v = (n * prev + TO_FLOAT) // new_n
            info["c"][i] = (v, new_n)
            extra += v * v
        if n != new_n:
            mag = mag * n * n // (new_n * new_n)
        info["mag"] = mag + extra

    def document(self, classifications: list[str]) -> dict[str, Any]:
        centroids = {}
        for c, (name, info) in enumerate(zip(classifications, self.classes)):
            values = {i: self.value(c, i) for i in sorted(info["c"])} if info["n"] else {}
            centroids[name] = {"centroid": {str(i): v / TO_FLOAT for i, v in values.items() if v},
                               "dataCount": info["n"]}
        return {"type": SPARSE_NEAREST_CENTROID, "centroids": centroids}


def replica(model: Model) -> Replica:
    """The replica of a model as it is deployed."""
    if model.type == DENSE_PERCEPTRON:
        return DensePerceptronReplica(model.weights or [], model.intercept, model.learning_rate)
    if model.type == SPARSE_PERCEPTRON:
        return SparsePerceptronReplica(model.weights or [], model.intercept, model.learning_rate,
                                       model.sparse_weights or [])
    if model.type == NAIVE_BAYES:
        return NaiveBayesReplica(model.class_counts or [], model.feature_counts or [], model.total_num_features,
                                 model.smoothing_factor)
    if model.type == NEAREST_CENTROID:
        return DenseCentroidReplica(model.centroids or [], model.data_counts or [])
    return SparseCentroidReplica(model.centroids or [], model.data_counts or [])  # type: ignore[arg-type]
