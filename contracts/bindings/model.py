"""Model files: JSON with unscaled floats, as the original framework's deployers and simulation export them.

`load_model(path)` checks a file and returns it in contract units (fixed point round(v·1e9),
integer indices and counts); every refusal names the field at fault.
"""
from __future__ import annotations

import json
import math
import pathlib
from dataclasses import dataclass
from typing import Any

from .errors import ModelFileError

TO_FLOAT = 10**9
# The node deployer's default (the browser deployer used 0.5); 1 means 1e9 on chain.
DEFAULT_LEARNING_RATE = 1.0
# Laplace smoothing, alpha = 1 (1e9 on chain).
DEFAULT_SMOOTHING_FACTOR = 1.0

DENSE_PERCEPTRON = "dense perceptron"
SPARSE_PERCEPTRON = "sparse perceptron"
NAIVE_BAYES = "naive bayes"
NEAREST_CENTROID = "nearest centroid classifier"
SPARSE_NEAREST_CENTROID = "sparse nearest centroid classifier"
TYPES = {
    DENSE_PERCEPTRON: DENSE_PERCEPTRON,
    "perceptron": DENSE_PERCEPTRON,
    SPARSE_PERCEPTRON: SPARSE_PERCEPTRON,
    NAIVE_BAYES: NAIVE_BAYES,
    NEAREST_CENTROID: NEAREST_CENTROID,
    "dense nearest centroid classifier": NEAREST_CENTROID,
    SPARSE_NEAREST_CENTROID: SPARSE_NEAREST_CENTROID,
}
# The contract each model type deploys, and whether it takes dense samples (packed entries, norm).
CONTRACTS = {
    DENSE_PERCEPTRON: "DensePerceptron",
    SPARSE_PERCEPTRON: "SparsePerceptron",
    NAIVE_BAYES: "NaiveBayesClassifier",
    NEAREST_CENTROID: "NearestCentroidClassifier",
    SPARSE_NEAREST_CENTROID: "SparseNearestCentroidClassifier",
}
DENSE_TYPES = frozenset({DENSE_PERCEPTRON, NEAREST_CENTROID})

INT64 = (-(2**63), 2**63 - 1)
INT80 = (-(2**79), 2**79 - 1)
UINT32 = (0, 2**32 - 1)
UINT64 = (0, 2**64 - 1)


@dataclass(frozen=True)
class Model:
    """A model in contract units, ready to deploy.

    `weights`: perceptrons' int80 weights (feature i = weights[i]); `sparse_weights`: a sparse
    perceptron's extra [index, weight] pairs. `centroids`: dense NCC int64 vectors, or sparse NCC
    [index, value] pairs, one per class. `class_counts` / `feature_counts`: Naive Bayes samples per
    class and [feature, count] pairs per class. `data_counts`: NCC samples per class."""

    type: str
    classifications: list[str]
    feature_indices: list[int]
    encoder: str | None = None
    weights: list[int] | None = None
    sparse_weights: list[tuple[int, int]] | None = None
    intercept: int = 0
    learning_rate: int = 0
    class_counts: list[int] | None = None
    feature_counts: list[list[tuple[int, int]]] | None = None
    total_num_features: int = 0
    smoothing_factor: int = 0
    centroids: list[list[int]] | list[list[tuple[int, int]]] | None = None
    data_counts: list[int] | None = None

    @property
    def contract(self) -> str:
        return CONTRACTS[self.type]

    @property
    def dense(self) -> bool:
        return self.type in DENSE_TYPES


def load_model(path: str | pathlib.Path) -> Model:
    """Read and check a model file."""
    try:
        text = pathlib.Path(path).read_text()
    except OSError as error:
        raise ModelFileError(f"cannot read the model file {path}: {error.strerror or error}") from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ModelFileError(f"{path} is not JSON: {error}") from None
    try:
        return parse_model(document)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None


def parse_model(document: Any) -> Model:
    """Check a decoded model file and convert it to contract units."""
    if not isinstance(document, dict):
        raise ModelFileError("a model file is a JSON object")
    kind = _required(document, "type")
    if not isinstance(kind, str) or " ".join(kind.lower().split()) not in TYPES:
        raise ModelFileError(f"field 'type': unknown model type {kind!r}; known: {', '.join(sorted(TYPES))}")
    kind = TYPES[" ".join(kind.lower().split())]
    encoder = document.get("encoder")
    if encoder is not None and not isinstance(encoder, str):
        raise ModelFileError("field 'encoder': expected a string")
    common = {"type": kind, "encoder": encoder, "feature_indices": _feature_indices(document)}
    if kind in (DENSE_PERCEPTRON, SPARSE_PERCEPTRON):
        return _perceptron(document, common)
    if kind == NAIVE_BAYES:
        return _naive_bayes(document, common)
    return _nearest_centroid(document, common)


def _perceptron(document: dict[str, Any], common: dict[str, Any]) -> Model:
    classifications = _classifications(document)
    if len(classifications) != 2:
        raise ModelFileError(f"field 'classifications': a perceptron has 2 classes, got {len(classifications)}")
    weights = _list(document, "weights")
    if common["type"] == DENSE_PERCEPTRON and not weights:
        raise ModelFileError("field 'weights': a dense perceptron needs at least one weight")
    fixed = [_fixed(w, f"weights[{i}]", INT80) for i, w in enumerate(weights)]
    intercept_field = "intercept" if "intercept" in document else "bias"
    intercept = _fixed(_required(document, intercept_field, "intercept (or bias)"), intercept_field, INT80)
    rate = _optional(document, "learningRate", DEFAULT_LEARNING_RATE)
    learning_rate = _fixed(rate, "learningRate", UINT32)
    if learning_rate == 0:
        raise ModelFileError("field 'learningRate': must be > 0")
    sparse: list[tuple[int, int]] = []
    if common["type"] == SPARSE_PERCEPTRON:
        pairs = document.get("sparseWeights") or {}
        if not isinstance(pairs, dict):
            raise ModelFileError("field 'sparseWeights': expected an object {index: weight}")
        sparse = [(_index(k, "sparseWeights", UINT64), _fixed(v, f"sparseWeights[{k}]", INT80)) for k, v in pairs.items()]
    elif "sparseWeights" in document and document["sparseWeights"]:
        raise ModelFileError("field 'sparseWeights': only a sparse perceptron has sparse weights")
    indices = common["feature_indices"]
    if indices and len(indices) != len(fixed) + len(sparse):
        raise ModelFileError(
            f"field 'featureIndices': {len(indices)} indices for {len(fixed) + len(sparse)} weights"
            " (weights and sparseWeights together)"
        )
    return Model(classifications=classifications, weights=fixed, sparse_weights=sparse, intercept=intercept,
                 learning_rate=learning_rate, **common)


def _naive_bayes(document: dict[str, Any], common: dict[str, Any]) -> Model:
    classifications = _classifications(document)
    counts = _list(document, "classCounts")
    if len(counts) != len(classifications):
        raise ModelFileError(f"field 'classCounts': {len(counts)} counts for {len(classifications)} classifications")
    class_counts = [_integer(c, f"classCounts[{i}]", UINT64) for i, c in enumerate(counts)]
    per_class = _list(document, "featureCounts")
    if len(per_class) != len(classifications):
        raise ModelFileError(
            f"field 'featureCounts': {len(per_class)} lists for {len(classifications)} classifications"
        )
    feature_counts = []
    for c, pairs in enumerate(per_class):
        if not isinstance(pairs, list):
            raise ModelFileError(f"field 'featureCounts[{c}]': expected a list of [featureIndex, count]")
        feature_counts.append([_pair(p, f"featureCounts[{c}][{j}]", UINT32, UINT32) for j, p in enumerate(pairs)])
    total = _integer(_required(document, "totalNumFeatures"), "totalNumFeatures", (0, 2**256 - 1))
    smoothing = _fixed(_optional(document, "smoothingFactor", DEFAULT_SMOOTHING_FACTOR), "smoothingFactor", UINT32)
    return Model(classifications=classifications, class_counts=class_counts, feature_counts=feature_counts,
                 total_num_features=total, smoothing_factor=smoothing, **common)


def _nearest_centroid(document: dict[str, Any], common: dict[str, Any]) -> Model:
    name = "centroids" if "centroids" in document else "intents"
    classes = _required(document, name, "centroids (or intents)")
    if not isinstance(classes, dict) or not classes:
        raise ModelFileError(f"field '{name}': expected an object {{className: {{centroid, dataCount}}}}")
    sparse = common["type"] == SPARSE_NEAREST_CENTROID
    centroids: list[Any] = []
    data_counts = []
    for class_name, entry in classes.items():
        where = f"{name}.{class_name}"
        if not isinstance(entry, dict):
            raise ModelFileError(f"field '{where}': expected an object {{centroid, dataCount}}")
        centroid = _required(entry, "centroid", f"{where}.centroid")
        data_counts.append(_integer(_required(entry, "dataCount", f"{where}.dataCount"), f"{where}.dataCount", UINT64))
        if sparse:
            centroids.append(_sparse_centroid(centroid, f"{where}.centroid"))
            continue
        if not isinstance(centroid, list) or not centroid:
            raise ModelFileError(f"field '{where}.centroid': expected a non-empty list of numbers")
        if centroids and len(centroid) != len(centroids[0]):
            raise ModelFileError(
                f"field '{where}.centroid': {len(centroid)} dimensions, the first class has {len(centroids[0])}"
            )
        centroids.append([_fixed(v, f"{where}.centroid[{j}]", INT64) for j, v in enumerate(centroid)])
    indices = common["feature_indices"]
    if indices and not sparse and len(indices) != len(centroids[0]):
        raise ModelFileError(f"field 'featureIndices': {len(indices)} indices for {len(centroids[0])} dimensions")
    return Model(classifications=list(classes), centroids=centroids, data_counts=data_counts, **common)


def _sparse_centroid(centroid: Any, where: str) -> list[tuple[int, int]]:
    """{index: value} or a dense list; zeros are left out (an absent feature reads as 0)."""
    if isinstance(centroid, list):
        items = [(j, v) for j, v in enumerate(centroid)]
    elif isinstance(centroid, dict):
        items = [(_index(k, where, UINT64), v) for k, v in centroid.items()]
    else:
        raise ModelFileError(f"field '{where}': expected {{index: value}} or a list of numbers")
    pairs = [(j, _fixed(v, f"{where}[{j}]", UINT64)) for j, v in items]
    return [(j, v) for j, v in pairs if v != 0]


def _feature_indices(document: dict[str, Any]) -> list[int]:
    indices = document.get("featureIndices")
    if indices is None:
        return []
    if not isinstance(indices, list):
        raise ModelFileError("field 'featureIndices': expected a list of integers")
    return [_integer(v, f"featureIndices[{i}]", UINT32) for i, v in enumerate(indices)]


def _classifications(document: dict[str, Any]) -> list[str]:
    names = _list(document, "classifications")
    if not names:
        raise ModelFileError("field 'classifications': at least one class is required")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise ModelFileError(f"field 'classifications[{i}]': expected a string, got {name!r}")
    return names


def _required(document: dict[str, Any], key: str, label: str | None = None) -> Any:
    if key not in document or document[key] is None:
        raise ModelFileError(f"missing field '{label or key}'")
    return document[key]


def _optional(document: dict[str, Any], key: str, default: float) -> Any:
    """An optional field; null counts as absent (the simulation's export writes null)."""
    value = document.get(key)
    return default if value is None else value


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = _required(document, key)
    if not isinstance(value, list):
        raise ModelFileError(f"field '{key}': expected a list, got {type(value).__name__}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ModelFileError(f"field '{where}': expected a number, got {value!r}")
    return value


def _fixed(value: Any, where: str, bounds: tuple[int, int]) -> int:
    """round(v·1e9), within the contract type's range."""
    scaled = _number(value, where) * TO_FLOAT
    if not (math.isfinite(scaled) and bounds[0] <= round(scaled) <= bounds[1]):
        raise ModelFileError(f"field '{where}': {value!r} is out of range once scaled by 1e9")
    return round(scaled)


def _integer(value: Any, where: str, bounds: tuple[int, int]) -> int:
    number = _number(value, where)
    if number != int(number) or not bounds[0] <= int(number) <= bounds[1]:
        raise ModelFileError(f"field '{where}': expected an integer in [{bounds[0]}, {bounds[1]}], got {value!r}")
    return int(number)


def _index(key: Any, where: str, bounds: tuple[int, int]) -> int:
    """A feature index given as a JSON object key (a string of digits)."""
    try:
        return _integer(int(key), where, bounds)
    except (TypeError, ValueError):
        raise ModelFileError(f"field '{where}': the key {key!r} is not a feature index") from None


def _pair(value: Any, where: str, first: tuple[int, int], second: tuple[int, int]) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise ModelFileError(f"field '{where}': expected a pair [index, value], got {value!r}")
    return _integer(value[0], where + "[0]", first), _integer(value[1], where + "[1]", second)
