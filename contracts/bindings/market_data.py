"""The bounty market's data off chain: splitting a labelled dataset, class indices, predictions, scoring.

    split = split_dataset(pathlib.Path("iris.csv").read_bytes(), test_fraction=0.2, seed=1)
    split.training      # CSV bytes: the header and the training rows, labels included (published)
    split.test          # CSV bytes: the header and the test rows without the label column (published)
    split.labels        # the test rows' class indices (kept secret until revealed on chain)

Datasets are CSV with a header row and a label column (`label` unless told). Class indices are
what the contract compares (uint64): when every label of the training set is a whole number
0..2^64-1 the label *is* the index; otherwise the classes are the training set's distinct labels
sorted, and a label's index is its position there. Both sides derive the classes from the
published training set alone (`classes_of`), which is why the split is stratified: every class
keeps at least one row in the training set. The test rows are shuffled, so their order says
nothing about their classes.
"""
from __future__ import annotations

import csv
import io
import json
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import SumError

DEFAULT_LABEL_COLUMN = "label"
MAX_TEST_SIZE = 65_536  # VCOUNTEQ's (VectorMath.MAX_LENGTH) limit: BountyMarket refuses larger test sets
UINT64 = 2**64


class DatasetError(SumError):
    """A dataset or predictions file that cannot be used; the message says which row or value."""


@dataclass(frozen=True)
class Split:
    """A dataset split for a request: the two published files and the secret test labels."""

    training: bytes
    test: bytes
    labels: list[int]
    classes: list[str] | None  # None: the labels are the indices themselves
    seed: int


def read_csv(data: bytes, label_column: str = DEFAULT_LABEL_COLUMN) -> tuple[list[str], list[list[str]], int]:
    """(header, rows, index of the label column) of a CSV with a header row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError("the dataset is not UTF-8 text (CSV with a header row)") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise DatasetError("the dataset is empty: CSV with a header row expected")
    header, body = rows[0], rows[1:]
    if label_column not in header:
        raise DatasetError(f"no {label_column!r} column in the header {header}: name the label column")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetError(f"row {number} has {len(row)} fields, the header {len(header)}")
    return header, body, header.index(label_column)


def classes_of(training: bytes, label_column: str = DEFAULT_LABEL_COLUMN) -> list[str] | None:
    """The classes a request's training set defines: None when its labels are whole numbers (each
    label is its own index), else its distinct labels sorted (a label's index is its position)."""
    _, rows, column = read_csv(training, label_column)
    return _classes(row[column] for row in rows)


def _classes(labels: Iterable[str]) -> list[str] | None:
    """classes_of for the training set's labels."""
    values = {label.strip() for label in labels}  # class_index strips the labels it looks up
    if all(_is_index(v) for v in values):
        return None
    return sorted(values)


def class_index(value: str, classes: list[str] | None) -> int:
    """The index of one label (or prediction) under `classes` (see classes_of)."""
    text = value.strip()
    if classes is None:
        if not _is_index(text):
            raise DatasetError(f"{value!r} is not a class index (a whole number 0..2^64-1)")
        return int(text)
    if text in classes:
        return classes.index(text)
    raise DatasetError(f"{value!r} is not one of the classes {classes}")


def split_dataset(data: bytes, test_fraction: float = 0.2, seed: int | None = None,
                  label_column: str = DEFAULT_LABEL_COLUMN) -> Split:
    """Split a labelled CSV into a training set and an unlabelled test set, stratified by class.

    Each class gives round(count * test_fraction) of its rows to the test set, but always keeps one
    in the training set; the same data and seed give the same split (a random seed when None)."""
    if not 0 < test_fraction < 1:
        raise DatasetError(f"the test fraction must be between 0 and 1, got {test_fraction}")
    header, rows, column = read_csv(data, label_column)
    seed = secrets.randbits(64) if seed is None else seed
    rng = random.Random(seed)
    by_class: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_class.setdefault(row[column], []).append(i)
    test_rows: list[int] = []
    for label in sorted(by_class):
        members = by_class[label]
        rng.shuffle(members)
        test_rows += members[:min(round(len(members) * test_fraction), len(members) - 1)]
    if not test_rows:
        raise DatasetError(f"a test fraction of {test_fraction} leaves no test rows from {len(rows)} rows "
                           f"(each class keeps one row for training)")
    if len(test_rows) > MAX_TEST_SIZE:
        raise DatasetError(f"{len(test_rows):,} test rows: the market scores at most {MAX_TEST_SIZE:,}")
    rng.shuffle(test_rows)
    chosen = set(test_rows)
    training = [row for i, row in enumerate(rows) if i not in chosen]
    classes = _classes(row[column] for row in training)
    features = [i for i in range(len(header)) if i != column]
    test = _write_csv([header[i] for i in features], [[rows[r][i] for i in features] for r in test_rows])
    labels = [class_index(rows[r][column], classes) for r in test_rows]
    return Split(_write_csv(header, training), test, labels, classes, seed)


def read_predictions(data: bytes, classes: list[str] | None) -> list[int]:
    """A predictions file as class indices: a JSON array, or one prediction per line, in the test
    set's row order (class names, or indices when the classes are whole numbers); a first line
    `label` or `prediction` is a header."""
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise DatasetError("the predictions file is not UTF-8 text") from None
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            raise DatasetError("the predictions file starts with '[' but is not a JSON array") from None
        if not isinstance(values, list) or any(isinstance(v, (bool, dict, list)) or v is None for v in values):
            raise DatasetError("the predictions JSON must be an array of class names or indices")
        items = [str(v) for v in values]
    else:
        items = [line.strip() for line in text.splitlines() if line.strip()]
        if items and items[0].lower() in ("label", "prediction", "predictions"):
            items = items[1:]
    if not items:
        raise DatasetError("the predictions file is empty")
    out = []
    for number, item in enumerate(items, start=1):
        try:
            out.append(class_index(item, classes))
        except DatasetError as error:
            raise DatasetError(f"prediction {number}: {error}") from None
    return out


def score(predictions: Sequence[int], labels: Sequence[int]) -> int:
    """How many predictions equal their label: what the contract computes with VCOUNTEQ."""
    if len(predictions) != len(labels):
        raise DatasetError(f"{len(predictions)} predictions for {len(labels)} test rows")
    return sum(p == t for p, t in zip(predictions, labels))


def _is_index(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) < UINT64


def _write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()
