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
- ``imdb:PATH``: the original's IMDB reviews from a local copy of Keras' ``imdb.npz``, sparse;
  see :func:`load_imdb`.
- ``fitness:PATH``: the original's Endomondo workouts (biking or running) from a local copy of
  FitRec's ``endomondoHR_proper.json``; see :func:`load_fitness`.

Dense rows are ``float64`` arrays of shape ``(n, feature_count)``; sparse rows (``sparse=True``)
are lists of sorted distinct feature indices below ``feature_count``, each present feature having
the value 1. Labels are ``int64`` arrays of class indices ``0..len(classes)-1``.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import pathlib
import re
import zipfile
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.random import PCG64, Generator

__all__ = ["DATASETS", "PREFIXES", "Dataset", "DatasetError", "load", "load_csv", "load_fitness", "load_imdb",
           "load_sklearn", "synthetic_text"]

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
IMDB_PREFIX = "imdb:"
FITNESS_PREFIX = "fitness:"
# A file of the user's, named after the prefix: what it holds (the CLI's help lists them).
PREFIXES: dict[str, str] = {
    CSV_PREFIX: "a CSV file, numeric features and the label in the last column",
    IMDB_PREFIX: "a local copy of Keras' imdb.npz, the original's IMDB reviews: 1,000 most frequent words, sparse",
    FITNESS_PREFIX: "a local copy of FitRec's endomondoHR_proper.json, the original's fitness set: biking or running",
}
# An example file name for each prefix, for the message when the path is missing.
_EXAMPLES = {CSV_PREFIX: "data.csv", IMDB_PREFIX: "imdb.npz", FITNESS_PREFIX: "endomondoHR_proper.json"}


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


def _unreadable(shown: str, error: OSError | UnicodeDecodeError, kind: str) -> DatasetError:
    """The one-line error for a file that cannot be opened or decoded (``kind``: what it should be)."""
    if isinstance(error, FileNotFoundError):
        return DatasetError(f"{shown}: no such file")
    if isinstance(error, IsADirectoryError):
        return DatasetError(f"{shown}: is a directory, not {kind}")
    if isinstance(error, UnicodeDecodeError):
        return DatasetError(f"{shown}: not UTF-8 text")
    return DatasetError(f"{shown}: cannot read: {error.strerror or error}")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
    except (OSError, UnicodeDecodeError) as error:
        raise _unreadable(shown, error, "a CSV file") from None
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


# ------------------------------------------------------------------ IMDB, from Keras' imdb.npz
IMDB_NUM_WORDS = 1000  # the original's ImdbDataModule(num_words=1000)
# keras.datasets.imdb.load_data's defaults, which the original's loader kept: a review starts
# with START, the word of rank w in the file (1 the most frequent) becomes index w + INDEX_FROM,
# and an index at or past num_words becomes OOV. Index 0 (Keras' padding) is never present.
IMDB_START, IMDB_OOV, IMDB_INDEX_FROM = 1, 2, 3
IMDB_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def _imdb_rows(shown: str, key: str, reviews: np.ndarray, num_words: int) -> list[list[int]]:
    """One part's reviews as the original's features: sorted distinct indices below ``num_words``."""
    if reviews.ndim == 0:
        raise DatasetError(f"{shown}: {key} is not an array of reviews")
    rows = []
    for number, review in enumerate(reviews):
        try:
            ranks = np.asarray(review)
        except (ValueError, TypeError):  # a nested ragged list
            ranks = None
        if (ranks is None or ranks.ndim != 1 or (ranks.size and ranks.dtype.kind not in "iu")
                or (ranks.size and ranks.astype(np.int64).min() < 0)):
            raise DatasetError(f"{shown}: {key}[{number}] is not a list of word ranks (non-negative integers)")
        index = ranks.astype(np.int64) + IMDB_INDEX_FROM
        kept = index[index < num_words]
        marks = [IMDB_START, IMDB_OOV] if len(kept) < len(index) else [IMDB_START]
        rows.append(np.unique(np.concatenate([np.array(marks, dtype=np.int64), kept])).tolist())
    return rows


def _imdb_labels(shown: str, key: str, labels: np.ndarray, reviews: int, of: str) -> np.ndarray:
    if labels.ndim != 1:
        raise DatasetError(f"{shown}: {key} is not a 1-D array of labels")
    if len(labels) != reviews:
        raise DatasetError(f"{shown}: {key} has {len(labels):,} labels for the {reviews:,} reviews in {of}")
    valid = np.isin(labels, (0, 1)) if labels.dtype.kind in "iubf" else np.zeros(len(labels), dtype=bool)
    if not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        value = labels[first].item() if isinstance(labels[first], np.generic) else labels[first]
        raise DatasetError(f"{shown}: {key}[{first}] is {value!r}; a label is 0 (negative) or 1 (positive)")
    return labels.astype(np.int64)


def load_imdb(path: str | pathlib.Path, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION,
              num_words: int = IMDB_NUM_WORDS) -> Dataset:
    """The original's IMDB sentiment set, from a local copy of Keras' ``imdb.npz`` (no download).

    The file is the one ``keras.datasets.imdb.load_data`` downloads: an ``.npz`` with object
    arrays ``x_train`` and ``x_test`` (each review a list of word ranks, 1 the most frequent
    word) and ``y_train`` and ``y_test`` (0 negative, 1 positive). It holds pickled lists, so it
    is read with ``allow_pickle=True``, as Keras reads it: load only a file you trust.

    The features are the original's (``ImdbDataLoader``, ``num_words=1000``): Keras' mapping
    with its defaults, then each review's set of indices. So a row is the sorted distinct
    indices among 1 (the start mark, in every review), ``rank + 3`` where that is below
    ``num_words``, and 2 (out of vocabulary) when some word's is not. ``feature_count`` is
    ``num_words``; the classes are the original's ``NEGATIVE`` and ``POSITIVE``.

    Unlike the original, which kept Keras' 25,000/25,000 train/test halves, both halves are
    pooled and split by ``seed`` and ``test_fraction`` like every set here.

    Any problem raises :class:`DatasetError` with one line naming the file: a missing or
    unreadable file, not a zip (``.npz``), a missing array, an array that cannot be read, a
    review that is not a list of non-negative integers, a label that is not 0 or 1, label and
    review counts that differ, a single class.
    """
    shown = str(path)
    file = pathlib.Path(path)
    if num_words <= IMDB_INDEX_FROM:
        raise DatasetError(f"{shown}: num_words must be more than {IMDB_INDEX_FROM} "
                           f"(indices 0-2 are Keras' padding, start and out-of-vocabulary marks), got {num_words}")
    try:
        with open(file, "rb"):
            pass
    except OSError as error:
        raise _unreadable(shown, error, "an .npz file") from None
    if not zipfile.is_zipfile(file):  # checked first: np.load would unpickle any other file
        raise DatasetError(f"{shown}: not an .npz file (Keras' imdb.npz is a zip of {', '.join(IMDB_ARRAYS)})")
    try:
        with np.load(file, allow_pickle=True) as npz:
            missing = [key for key in IMDB_ARRAYS if key not in npz.files]
            if missing:
                raise DatasetError(f"{shown}: no {' or '.join(missing)} array; Keras' imdb.npz has "
                                   f"{', '.join(IMDB_ARRAYS)}")
            arrays = {}
            for key in IMDB_ARRAYS:
                try:
                    arrays[key] = np.asarray(npz[key])
                except Exception as error:  # a broken member or pickle: whatever it raises, one line
                    raise DatasetError(f"{shown}: cannot read {key}: {_one_line(error)}") from None
    except DatasetError:
        raise
    except Exception as error:  # a zip that numpy cannot open as an .npz
        raise DatasetError(f"{shown}: cannot read it as an .npz file: {_one_line(error)}") from None

    rows: list[list[int]] = []
    labels = []
    for part in ("train", "test"):
        x, y = f"x_{part}", f"y_{part}"
        reviews = _imdb_rows(shown, x, arrays[x], num_words)
        labels.append(_imdb_labels(shown, y, arrays[y], len(reviews), x))
        rows += reviews
    label = np.concatenate(labels)
    if len(set(label.tolist())) < 2:
        which = "no reviews" if not len(label) else f"every review labelled {int(label[0])}"
        raise DatasetError(f"{shown}: {which}; both classes (0 and 1) are needed")
    train, test = _split_indices(len(label), seed, test_fraction, shown)
    description = f"{shown}: {len(label):,} IMDB reviews, the {num_words:,} most frequent words, sparse"
    return Dataset("imdb", [rows[i] for i in train], label[train], [rows[i] for i in test], label[test],
                   ["NEGATIVE", "POSITIVE"], True, num_words, description)


# ------------------------------------------------------------------ fitness, from FitRec's Endomondo file
FITNESS_LIMIT = 5000  # the original's fitness runs: train_size 3,500 + test_size 1,500 workouts
FITNESS_SPORTS = {"bike": 0, "run": 1}  # the original's sport_to_label
# The original's quick test before parsing a line (it also skipped lines without a bike or run).
_FITNESS_SPORT = re.compile(r"""['"]sport['"]\s*:\s*['"](?:bike|run)['"]""")


def _fitness_record(shown: str, number: int, line: str) -> dict:
    """One line: a Python dict literal (FitRec's format), or the same as JSON."""
    try:
        record = ast.literal_eval(line.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
    if not isinstance(record, dict):
        raise DatasetError(f"{shown}: line {number}: not a workout record (a Python or JSON dict on one line)")
    return record


def _readings(shown: str, number: int, record: dict, key: str) -> np.ndarray:
    if key not in record:
        raise DatasetError(f"{shown}: line {number}: no {key!r} readings")
    try:
        values = np.asarray(record[key], dtype=np.float64)
    except (ValueError, TypeError):
        values = None
    if values is None or values.ndim != 1 or not values.size or not np.all(np.isfinite(values)):
        raise DatasetError(f"{shown}: line {number}: {key!r} is not a non-empty list of finite numbers")
    return values


def load_fitness(path: str | pathlib.Path, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION,
                 limit: int = FITNESS_LIMIT) -> Dataset:
    """The original's fitness set (biking or running), from a local copy of FitRec's Endomondo file.

    The file is ``endomondoHR_proper.json`` from the FitRec project (UCSD), which the original's
    ``FitnessDataLoader`` reads: one workout a line, written as a Python dict literal (JSON is
    read too), with ``sport``, ``gender``, ``heart_rate`` and ``speed`` (lists of readings) among
    other fields. As in the original:

    - Only ``bike`` (label 0, ``BIKING``) and ``run`` (label 1, ``RUNNING``) workouts that have
      ``speed`` readings are kept, in file order, up to ``limit`` of them (5,000, the original's
      fitness runs: 3,500 to train and 1,500 to test); reading stops there.
    - Six values per workout: mean and median heart rate over the lowest, and the highest,
      lowest, mean and median speed. Each becomes 1 above its median, else 0; then a one-hot
      gender (genders numbered as they first appear). So ``6 + genders`` features, 0 or 1.

    The differences: the medians come from this seeded training split (the original took them
    from the first 70% of the file, before its shuffle, and stored them as int32, which
    truncated the heart-rate ratios' medians to 1); the split is the usual seeded shuffle; and
    the 0/1 features are not standardised.

    Any problem raises :class:`DatasetError` with one line naming the file and, where it applies,
    the line: a missing or unreadable file, a kept line that is not a dict, missing or
    non-numeric ``heart_rate`` or ``speed`` readings, a heart rate of 0 or less, a missing
    ``gender``, no bike or run workouts, only one of the two sports.
    """
    shown = str(path)
    if limit < 2:
        raise DatasetError(f"{shown}: limit must be at least 2 workouts, got {limit}")
    values: list[list[float]] = []
    labels: list[int] = []
    genders: dict[str, int] = {}
    gender_of: list[int] = []
    try:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not _FITNESS_SPORT.search(line):
                    continue
                record = _fitness_record(shown, number, line)
                sport = record.get("sport")
                if sport not in FITNESS_SPORTS or "speed" not in record:
                    continue
                heart = _readings(shown, number, record, "heart_rate")
                speed = _readings(shown, number, record, "speed")
                lowest = heart.min()
                if lowest <= 0:
                    raise DatasetError(f"{shown}: line {number}: a 'heart_rate' reading of {lowest:g}; "
                                       "the features divide by the lowest, so it must be above 0")
                gender = record.get("gender")
                if not isinstance(gender, str):
                    raise DatasetError(f"{shown}: line {number}: no 'gender' (a string)")
                values.append([heart.mean() / lowest, np.median(heart) / lowest,
                               speed.max(), speed.min(), speed.mean(), np.median(speed)])
                gender_of.append(genders.setdefault(gender, len(genders)))
                labels.append(FITNESS_SPORTS[sport])
                if len(labels) >= limit:
                    break
    except (OSError, UnicodeDecodeError) as error:
        raise _unreadable(shown, error, "a workouts file") from None
    if not labels:
        raise DatasetError(f"{shown}: no bike or run workout with speed readings")
    if len(set(labels)) < 2:
        only = next(sport for sport, label in FITNESS_SPORTS.items() if label == labels[0])
        raise DatasetError(f"{shown}: only {only!r} workouts ({len(labels):,}); both bike and run are needed")

    raw = np.array(values)
    y = np.array(labels, dtype=np.int64)
    train, test = _split_indices(len(y), seed, test_fraction, shown)
    above = (raw > np.median(raw[train], axis=0)).astype(np.float64)
    gender = np.zeros((len(y), len(genders)))
    gender[np.arange(len(y)), gender_of] = 1
    x = np.hstack([above, gender])
    description = (f"{shown}: {len(y):,} Endomondo workouts (biking or running), "
                   f"{x.shape[1]} features (6 thresholds, {len(genders)} genders)")
    return Dataset("fitness", x[train], y[train], x[test], y[test], ["BIKING", "RUNNING"], False, x.shape[1],
                   description)


# ------------------------------------------------------------------ dispatch
def load(name: str, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION) -> Dataset:
    """The dataset called ``name`` (a key of :data:`DATASETS`, or a prefix of :data:`PREFIXES`
    and a path, as ``csv:data.csv``), split by ``seed``."""
    loaders: dict[str, Callable[..., Dataset]] = {CSV_PREFIX: load_csv, IMDB_PREFIX: load_imdb,
                                                  FITNESS_PREFIX: load_fitness}
    for prefix, loader in loaders.items():
        if name.startswith(prefix):
            path = name[len(prefix):]
            if not path:
                raise DatasetError(f"{prefix} needs a path, as in {prefix}{_EXAMPLES[prefix]}")
            return loader(path, seed, test_fraction)
    if name == "synthetic-text":
        return synthetic_text(seed, test_fraction)
    if name == "synthetic-imdb":
        dataset = synthetic_text(seed, IMDB_SIZE_TEST / IMDB_SIZE_DOCUMENTS, documents=IMDB_SIZE_DOCUMENTS)
        dataset.name, dataset.description = name, DATASETS[name]
        return dataset
    if name in ("breast-cancer", "digits", "wine"):
        return load_sklearn(name, seed, test_fraction)
    known = ", ".join([*DATASETS, *(prefix + "PATH" for prefix in PREFIXES)])
    raise DatasetError(f"unknown dataset {name!r}; known: {known}")
