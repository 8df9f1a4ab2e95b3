"""The simulation's datasets, all offline: nothing is downloaded.

``load(name, seed, test_fraction)`` gives a :class:`Dataset` split into a training part (the data
the agents contribute, in order) and a hidden test part (``test_fraction`` of the rows, 0.2 by
default) on which the model's accuracy is measured. The split is a shuffle by numpy's
``Generator(PCG64(seed))``, so the same name and seed give the same arrays.

- ``breast-cancer``, ``digits``, ``wine``: scikit-learn's bundled copies (``load_breast_cancer``,
  ``load_digits``, ``load_wine``), their own labels (2, 10 and 3 classes). Dense features,
  standardised with the training split's mean and standard deviation (a column constant in the
  training split is only centred), so nothing about the hidden test set leaks into the features.
- ``synthetic-text``: a seeded hashed bag-of-words sentiment set standing in for IMDB; see
  :func:`synthetic_text` for the generator.
- ``csv:PATH``: a user's CSV; see :func:`load_csv` for the format and its errors.

Dense rows are ``float64`` arrays of shape ``(n, feature_count)``; sparse rows (``sparse=True``)
are lists of sorted distinct feature indices below ``feature_count``, each present feature having
the value 1. Labels are ``int64`` arrays of class indices ``0..len(classes)-1``.
"""

from __future__ import annotations

import csv
import math
import pathlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.random import PCG64, Generator

__all__ = ["DATASETS", "Dataset", "DatasetError", "load", "load_csv", "load_sklearn", "synthetic_text"]

DEFAULT_TEST_FRACTION = 0.2

DATASETS: dict[str, str] = {
    "breast-cancer": "scikit-learn's breast cancer set: 569 tumours, 30 features, malignant or benign",
    "digits": "scikit-learn's handwritten digits: 1,797 8x8 images, 64 features, 10 classes",
    "wine": "scikit-learn's wine set: 178 wines, 13 features, 3 cultivars",
    "synthetic-text": "seeded bag-of-words sentiment stand-in for IMDB: 2,000 documents, 1,000 words, sparse",
    "synthetic-imdb": "synthetic-text at IMDB's training size: 26,000 documents (1,000 held out), 1,000 words, sparse",
}
# synthetic-imdb: the original's IMDB run had 25,000 training reviews; a 1,000-document hidden test
# set keeps the on-chain accuracy samples quick.
IMDB_SIZE_DOCUMENTS, IMDB_SIZE_TEST = 26_000, 1_000
_ROWS_AT_ONCE = 2_000
CSV_PREFIX = "csv:"


class DatasetError(ValueError):
    """A dataset that cannot be loaded; the message is one line naming the cause."""


@dataclass(eq=False)
class Dataset:
    """A dataset split into the agents' training data and the hidden test set."""

    name: str
    x_train: np.ndarray | list[list[int]]
    y_train: np.ndarray
    x_test: np.ndarray | list[list[int]]
    y_test: np.ndarray
    classes: list[str]
    sparse: bool
    feature_count: int
    description: str = ""

    @property
    def class_count(self) -> int:
        return len(self.classes)


# ------------------------------------------------------------------ shared steps
def _rng(seed: int) -> Generator:
    return Generator(PCG64(seed))


def _split_indices(n: int, seed: int, test_fraction: float, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle of ``range(n)`` cut into (train, test); test has round(n * fraction) rows, at least 1."""
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        raise DatasetError(f"{name}: test_fraction must be between 0 and 1, got {test_fraction!r}")
    test_count = max(1, round(n * test_fraction))
    if n - test_count < 1:
        raise DatasetError(f"{name}: {n} rows are too few to hold out a test set and still train")
    order = _rng(seed).permutation(n)
    return order[test_count:], order[:test_count]


def _standardise(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both splits scaled by the training split's mean and standard deviation (a constant column: 1)."""
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std


def _dense(name: str, x: np.ndarray, y: np.ndarray, classes: list[str], seed: int, test_fraction: float,
           description: str) -> Dataset:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    train, test = _split_indices(len(y), seed, test_fraction, name)
    x_train, x_test = _standardise(x[train], x[test])
    return Dataset(name, x_train, y[train], x_test, y[test], list(classes), False, x.shape[1], description)


# ------------------------------------------------------------------ scikit-learn's bundled sets
def load_sklearn(name: str, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION) -> Dataset:
    """``breast-cancer``, ``digits`` or ``wine`` from scikit-learn's bundled files (no download)."""
    from sklearn import datasets as sk

    loaders: dict[str, Callable] = {
        "breast-cancer": sk.load_breast_cancer, "digits": sk.load_digits, "wine": sk.load_wine,
    }
    if name not in loaders:
        raise DatasetError(f"{name}: not one of scikit-learn's bundled sets here ({', '.join(loaders)})")
    bunch = loaders[name]()
    classes = [str(c) for c in bunch.target_names]
    return _dense(name, bunch.data, bunch.target, classes, seed, test_fraction, DATASETS[name])


# ------------------------------------------------------------------ synthetic text
# The "language" (each word's frequency and sentiment) is fixed; the documents follow the seed.
_LANGUAGE_SEED = 0x5D7E_C7A1
SENTIMENT_STRENGTH = 0.35


def synthetic_text(seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION, documents: int = 2000,
                   vocabulary: int = 1000, min_words: int = 20, max_words: int = 60) -> Dataset:
    """A hashed bag-of-words binary sentiment set standing in for IMDB (the original's 1,000 words).

    The generator:

    - The language, the same for every seed (its own fixed PCG64 seed): word ``j`` has a Zipf
      frequency, log-weight ``-log(1 + rank_j)`` with the ranks a random permutation of the
      vocabulary (so the index of a word says nothing, as with hashed words); 30% of the words
      carry a sentiment score ``s_j ~ Normal(0, 0.35)``, the others 0.
    - A document (``Generator(PCG64(seed))``): its class is positive or negative, half each, in a
      shuffled order; its length ``L`` is uniform in ``[min_words, max_words]``; its words are ``L``
      distinct words drawn without replacement with weights ``exp(log-weight_j ± s_j)`` (+ for a
      positive document, - for a negative one), by the Gumbel top-k trick (the ``L`` largest
      ``log-weight ± s + Gumbel noise``), all documents at once in numpy.
    - The rows are the sorted word indices; the split is the usual seeded shuffle.

    The classes overlap by design: a perceptron gets roughly 75-85% of the test split right, close
    to the original's IMDB perceptron (79.5% after 8% of the data, 73% on all of it).
    """
    name = "synthetic-text"
    if not 1 <= min_words <= max_words <= vocabulary:
        raise DatasetError(f"{name}: need 1 <= min_words <= max_words <= vocabulary, "
                           f"got {min_words}, {max_words}, {vocabulary}")
    if documents < 2:
        raise DatasetError(f"{name}: need at least 2 documents, got {documents}")
    language = _rng(_LANGUAGE_SEED)
    rank = language.permutation(vocabulary)
    frequency = -np.log1p(rank)
    sentiment = np.zeros(vocabulary)
    carriers = language.choice(vocabulary, int(vocabulary * 0.3), replace=False)
    sentiment[carriers] = language.normal(0.0, SENTIMENT_STRENGTH, len(carriers))

    rng = _rng(seed)
    labels = np.arange(documents, dtype=np.int64) % 2
    rng.shuffle(labels)
    lengths = rng.integers(min_words, max_words + 1, size=documents)
    sign = np.where(labels == 1, 1.0, -1.0)[:, None]
    rows = []
    for first in range(0, documents, _ROWS_AT_ONCE):  # the same draws as all at once, in bounded memory
        last = min(first + _ROWS_AT_ONCE, documents)
        keys = frequency[None, :] + sign[first:last] * sentiment[None, :] + rng.gumbel(size=(last - first, vocabulary))
        order = np.argsort(-keys, axis=1, kind="stable")
        rows += [np.sort(order[i - first, :lengths[i]]).tolist() for i in range(first, last)]

    train, test = _split_indices(documents, seed, test_fraction, name)
    description = (f"{DATASETS[name]}" if (documents, vocabulary) == (2000, 1000) and name in DATASETS
                   else f"seeded bag-of-words sentiment stand-in for IMDB: {documents:,} documents, "
                        f"{vocabulary:,} words, sparse")
    return Dataset(name, [rows[i] for i in train], labels[train], [rows[i] for i in test], labels[test],
                   ["negative", "positive"], True, vocabulary, description)


# ------------------------------------------------------------------ a user's CSV
def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def load_csv(path: str | pathlib.Path, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION) -> Dataset:
    """A user's CSV: numeric feature columns, the label in the last column.

    - The first row is a header when none of its feature cells is a number; otherwise it is data.
    - Labels are any strings (stripped); classes are numbered in the order they first appear.
    - Blank lines are skipped, and rows are numbered counting non-blank rows only (the header is
      row 1 when there is one).
    - Features are standardised with the training split's statistics, as for the bundled sets.
    - The dataset's name is ``csv-<file stem>`` (it goes into the run's file names).

    Any problem raises :class:`DatasetError` with one line naming the file and, where it applies,
    the row: a missing or unreadable file, an empty file, a header with no data, a row with fewer
    than 2 columns, a ragged row, a non-numeric (or infinite/NaN) feature, an empty label, fewer
    than 2 classes, too few rows to split.
    """
    shown = str(path)
    file = pathlib.Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{shown}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{shown}: not UTF-8 text") from None
    except OSError as error:
        raise DatasetError(f"{shown}: cannot read: {error.strerror or error}") from None
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(text.splitlines())]
    except csv.Error as error:
        raise DatasetError(f"{shown}: not valid CSV: {error}") from None
    rows = [row for row in rows if any(row)]
    if not rows:
        raise DatasetError(f"{shown}: the file is empty")
    width = len(rows[0])
    if width < 2:
        raise DatasetError(f"{shown}: row 1 has 1 column; need at least one feature column and the label (last)")
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise DatasetError(f"{shown}: row {number} has {len(row)} columns, the first row has {width}")
    header = all(_number(cell) is None for cell in rows[0][:-1])
    first = 2 if header else 1
    data = rows[1:] if header else rows
    if not data:
        raise DatasetError(f"{shown}: no data rows after the header")

    features = np.empty((len(data), width - 1), dtype=np.float64)
    labels = np.empty(len(data), dtype=np.int64)
    classes: dict[str, int] = {}
    for offset, row in enumerate(data):
        number = first + offset
        for column, cell in enumerate(row[:-1], start=1):
            value = _number(cell)
            if value is None:
                raise DatasetError(f"{shown}: row {number}, column {column}: {cell!r} is not a finite number")
            features[offset, column - 1] = value
        label = row[-1]
        if not label:
            raise DatasetError(f"{shown}: row {number}: the label (last column) is empty")
        labels[offset] = classes.setdefault(label, len(classes))
    if len(classes) < 2:
        only = next(iter(classes))
        raise DatasetError(f"{shown}: the label column (the last) has only 1 class ({only!r}); at least 2 are needed")
    description = f"{shown}: {len(data):,} rows, {width - 1} features, {len(classes)} classes"
    return _dense(f"csv-{file.stem}", features, labels, list(classes), seed, test_fraction, description)


# ------------------------------------------------------------------ dispatch
def load(name: str, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION) -> Dataset:
    """The dataset called ``name`` (a key of :data:`DATASETS`, or ``csv:PATH``), split by ``seed``."""
    if name.startswith(CSV_PREFIX):
        path = name[len(CSV_PREFIX):]
        if not path:
            raise DatasetError("csv: needs a path, as in csv:data.csv")
        return load_csv(path, seed, test_fraction)
    if name == "synthetic-text":
        return synthetic_text(seed, test_fraction)
    if name == "synthetic-imdb":
        dataset = synthetic_text(seed, IMDB_SIZE_TEST / IMDB_SIZE_DOCUMENTS, documents=IMDB_SIZE_DOCUMENTS)
        dataset.name, dataset.description = name, DATASETS[name]
        return dataset
    if name in ("breast-cancer", "digits", "wine"):
        return load_sklearn(name, seed, test_fraction)
    known = ", ".join([*DATASETS, CSV_PREFIX + "PATH"])
    raise DatasetError(f"unknown dataset {name!r}; known: {known}")
