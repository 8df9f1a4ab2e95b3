"""The simulation's offline datasets (simulation/datasets.py)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as sk

from simulation.datasets import DATASETS, Dataset, DatasetError, load, load_csv, synthetic_text

# name: (rows, features, classes)
BUNDLED = {"breast-cancer": (569, 30, 2), "digits": (1797, 64, 10), "wine": (178, 13, 3)}
SKLEARN = {"breast-cancer": sk.load_breast_cancer, "digits": sk.load_digits, "wine": sk.load_wine}


def _check_labels(data: Dataset) -> None:
    for y in (data.y_train, data.y_test):
        assert y.dtype == np.int64
        assert y.min() >= 0 and y.max() < len(data.classes)


@pytest.mark.parametrize("name", list(BUNDLED))
def test_bundled_shapes_and_labels(name):
    rows, features, classes = BUNDLED[name]
    data = load(name)
    assert data.name == name and not data.sparse and data.feature_count == features
    assert len(data.classes) == classes == data.class_count
    assert data.description == DATASETS[name]
    test_count = round(rows * 0.2)
    assert data.x_test.shape == (test_count, features) and data.x_train.shape == (rows - test_count, features)
    assert data.x_train.dtype == np.float64
    assert len(data.y_train) == rows - test_count and len(data.y_test) == test_count
    _check_labels(data)
    # Every class shows up in training (the sets are big enough for that).
    assert set(data.y_train.tolist()) == set(range(classes))


def test_breast_cancer_keeps_its_own_binary_labels():
    data = load("breast-cancer", seed=3)
    assert data.classes == ["malignant", "benign"]
    bunch = sk.load_breast_cancer()
    # Same label counts as the source: no relabelling, only a split.
    counts = np.bincount(np.concatenate([data.y_train, data.y_test]), minlength=2)
    assert counts.tolist() == np.bincount(bunch.target).tolist()


@pytest.mark.parametrize("name", list(BUNDLED))
def test_standardised_with_training_statistics_only(name):
    data = load(name, seed=5)
    bunch = SKLEARN[name]()
    # Rebuild the split from the raw rows: match each standardised row back through the train stats.
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-9)
    std = data.x_train.std(axis=0)
    assert np.all(np.isclose(std, 1) | np.isclose(std, 0))
    # The test split is not re-centred on its own statistics (it would be exactly 0 then).
    assert not np.allclose(data.x_test.mean(axis=0), 0, atol=1e-9)
    # Undo with the raw training rows' mean/std: the test rows come back to raw source rows.
    order = np.random.Generator(np.random.PCG64(5)).permutation(len(bunch.target))
    test_count = round(len(order) * 0.2)
    raw_train, raw_test = bunch.data[order[test_count:]], bunch.data[order[:test_count]]
    mean, raw_std = raw_train.mean(axis=0), raw_train.std(axis=0)
    raw_std = np.where(raw_std > 0, raw_std, 1.0)
    assert np.allclose(data.x_test * raw_std + mean, raw_test)
    assert np.allclose(data.x_train * raw_std + mean, raw_train)
    assert np.array_equal(data.y_test, bunch.target[order[:test_count]])


def test_constant_training_column_is_only_centred():
    data = load("digits")
    raw = sk.load_digits().data
    constant = np.flatnonzero(raw.std(axis=0) == 0)
    assert len(constant) > 0  # digits has always-blank pixels
    assert np.all(np.isfinite(data.x_train)) and np.all(np.isfinite(data.x_test))
    assert np.all(data.x_train[:, constant] == 0)


@pytest.mark.parametrize("name", [*BUNDLED, "synthetic-text"])
def test_deterministic_given_seed(name):
    a, b, other = load(name, seed=7), load(name, seed=7), load(name, seed=8)
    if a.sparse:
        assert a.x_train == b.x_train and a.x_test == b.x_test
        assert a.x_test != other.x_test
    else:
        assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.x_test, b.x_test)
        assert a.x_test.shape == other.x_test.shape and not np.array_equal(a.x_test, other.x_test)
    assert np.array_equal(a.y_train, b.y_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, other.y_train)


@pytest.mark.parametrize("fraction", [0.1, 0.5])
def test_test_fraction(fraction):
    data = load("wine", test_fraction=fraction)
    assert len(data.y_test) == round(178 * fraction) and len(data.y_train) == 178 - round(178 * fraction)


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_bad_test_fraction(fraction):
    with pytest.raises(DatasetError, match="test_fraction must be between 0 and 1"):
        load("wine", test_fraction=fraction)


# ------------------------------------------------------------------ synthetic text
def test_synthetic_text_rows():
    data = load("synthetic-text", seed=1)
    assert data.sparse and data.feature_count == 1000 and data.classes == ["negative", "positive"]
    assert len(data.x_train) == len(data.y_train) == 1600 and len(data.x_test) == len(data.y_test) == 400
    _check_labels(data)
    for row in [*data.x_train, *data.x_test]:
        assert all(isinstance(i, int) for i in row)
        assert row == sorted(set(row)), "sorted distinct indices"
        assert 0 <= row[0] and row[-1] < data.feature_count
        assert 20 <= len(row) <= 60
    labels = np.concatenate([data.y_train, data.y_test])
    assert np.bincount(labels).tolist() == [1000, 1000]


def _perceptron_accuracy(data: Dataset, epochs: int) -> float:
    weights, bias = np.zeros(data.feature_count), 0.0
    for _ in range(epochs):
        for row, label in zip(data.x_train, data.y_train):
            predicted = 1 if weights[row].sum() + bias > 0 else 0
            if predicted != label:
                step = 1.0 if label == 1 else -1.0
                weights[row] += step
                bias += step
    predictions = np.array([1 if weights[row].sum() + bias > 0 else 0 for row in data.x_test])
    return float(np.mean(predictions == data.y_test))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_synthetic_text_is_learnable_but_not_trivial(seed):
    data = load("synthetic-text", seed=seed)
    single_pass = _perceptron_accuracy(data, epochs=1)
    assert single_pass > 0.70
    assert _perceptron_accuracy(data, epochs=5) < 0.95


def test_synthetic_text_size_options():
    data = synthetic_text(seed=2, documents=300, vocabulary=200, min_words=5, max_words=10)
    assert len(data.x_train) + len(data.x_test) == 300 and data.feature_count == 200
    assert all(5 <= len(row) <= 10 and row[-1] < 200 for row in data.x_train)
    with pytest.raises(DatasetError, match="min_words"):
        synthetic_text(min_words=50, max_words=20)


# ------------------------------------------------------------------ CSV
def _write(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_with_header(tmp_path):
    rows = ["a,b,label"] + [f"{i},{i % 3 * 1.5},{'yes' if i % 2 else 'no'}" for i in range(20)]
    path = _write(tmp_path, "\n".join(rows) + "\n")
    data = load(f"csv:{path}", seed=4)
    assert data.name == "csv-data" and not data.sparse and data.feature_count == 2
    assert data.classes == ["no", "yes"]  # first seen order
    assert data.x_train.shape == (16, 2) and data.x_test.shape == (4, 2)
    _check_labels(data)
    assert np.allclose(data.x_train.mean(axis=0), 0)
    assert path in data.description and "20 rows" in data.description


def test_csv_without_header_blank_lines_and_string_labels(tmp_path):
    path = _write(tmp_path, "1,2,cat\n\n3,4,dog\n5,6,bird\n  \n7,8,cat\n9,10,dog\n")
    data = load_csv(path, test_fraction=0.2)
    assert data.classes == ["cat", "dog", "bird"]
    assert len(data.y_train) + len(data.y_test) == 5 and len(data.y_test) == 1
    assert sorted(np.concatenate([data.y_train, data.y_test]).tolist()) == [0, 0, 1, 1, 2]
    assert np.array_equal(load_csv(path).x_train, data.x_train)


@pytest.mark.parametrize("text, message", [
    ("", "{path}: the file is empty"),
    ("\n  \n\n", "{path}: the file is empty"),
    ("x,y,label\n", "{path}: no data rows after the header"),
    # Row numbers count non-blank rows: the blank line does not count.
    ("a,b,c,d,label\n1,2,3,4,x\n\n1,2,3,4,y\n1,2,3,4,x\n1,2,3,4,y\n1,2,3,4,x\n1,2,x\n",
     "{path}: row 7 has 3 columns, the first row has 5"),
    ("1,2,x\n3,abc,y\n", "{path}: row 2, column 2: 'abc' is not a finite number"),
    ("f1,f2,label\n1,2,x\n3,,y\n", "{path}: row 3, column 2: '' is not a finite number"),
    ("1,2,x\n3,nan,y\n", "{path}: row 2, column 2: 'nan' is not a finite number"),
    ("1,2,x\n3,4,x\n5,6,x\n", "{path}: the label column (the last) has only 1 class ('x'); at least 2 are needed"),
    ("1,2,x\n3,4,\n", "{path}: row 2: the label (last column) is empty"),
    ("1\n2\n", "{path}: row 1 has 1 column; need at least one feature column and the label (last)"),
    ("x,y,label\n1,2,a\n3,4,a\n", "{path}: the label column (the last) has only 1 class ('a'); at least 2 are needed"),
])
def test_csv_errors(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(DatasetError) as caught:
        load(f"csv:{path}")
    assert str(caught.value) == message.format(path=path)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_csv_two_rows_are_enough_to_split(tmp_path):
    path = _write(tmp_path, "1,x\n2,y\n")
    # Two rows: one held out, one to train on, works.
    assert len(load_csv(path).y_train) == 1
    one = _write(tmp_path, "1,x\n", "one.csv")
    with pytest.raises(DatasetError, match="one.csv: the label column"):
        load_csv(one)


def test_csv_missing_file(tmp_path):
    path = str(tmp_path / "nowhere.csv")
    with pytest.raises(DatasetError) as caught:
        load(f"csv:{path}")
    assert str(caught.value) == f"{path}: no such file"


def test_csv_directory_and_empty_path(tmp_path):
    with pytest.raises(DatasetError, match="is a directory"):
        load(f"csv:{tmp_path}")
    with pytest.raises(DatasetError, match="csv: needs a path"):
        load("csv:")


def test_csv_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"1,2,caf\xe9\n3,4,x\n")
    with pytest.raises(DatasetError) as caught:
        load_csv(path)
    assert str(caught.value) == f"{path}: not UTF-8 text"


# ------------------------------------------------------------------ dispatch
def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DatasetError) as caught:
        load("imdb")
    message = str(caught.value)
    assert message.startswith("unknown dataset 'imdb'; known: ")
    for name in [*DATASETS, "csv:PATH"]:
        assert name in message
    assert "\n" not in message


def test_datasets_lists_every_loader_with_one_line():
    assert list(DATASETS) == ["breast-cancer", "digits", "wine", "synthetic-text"]
    for name, text in DATASETS.items():
        assert text and "\n" not in text
        assert load(name).name == name
