"""The simulation's offline datasets (simulation/datasets.py)."""

from __future__ import annotations

import argparse
import json
import zipfile

import numpy as np
import pytest
from sklearn import datasets as sk

from simulation.datasets import (DATASETS, PREFIXES, Dataset, DatasetError, load, load_csv, load_fitness, load_imdb,
                                 synthetic_text)

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


# ------------------------------------------------------------------ IMDB (Keras' imdb.npz)
def _reviews(rows) -> np.ndarray:
    """An object array of int lists, as Keras' imdb.npz holds them (even when the lengths agree)."""
    array = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        array[i] = list(row)
    return array


def _npz(path, x_train, y_train, x_test, y_test, **arrays) -> str:
    np.savez(path, x_train=_reviews(x_train), y_train=np.asarray(y_train, dtype=np.int64),
             x_test=_reviews(x_test), y_test=np.asarray(y_test, dtype=np.int64), **arrays)
    return str(path)


def _random_reviews(rng, count: int) -> tuple[list[list[int]], np.ndarray]:
    """Reviews of word ranks 1..3,000 (a Zipf-ish spread, so some fall past num_words) and 0/1 labels."""
    rows = [(rng.zipf(1.3, size=rng.integers(0, 40)) % 3000 + 1).tolist() for _ in range(count)]
    return rows, rng.integers(0, 2, size=count)


def _originals_features(reviews: list[list[int]], num_words: int) -> list[list[int]]:
    """The original's pipeline, step by step: keras.datasets.imdb.load_data(num_words) with its
    defaults (start_char=1, index_from=3, oov_char=2, skip_top=0), then ImdbDataLoader's one-hot."""
    xs = [[1] + [w + 3 for w in x] for x in reviews]
    xs = [[w if 0 <= w < num_words else 2 for w in x] for x in xs]
    result = np.zeros((len(xs), num_words), dtype="int")
    for i, x in enumerate(xs):
        for v in x:
            result[i, v] = 1
    return [np.flatnonzero(row).tolist() for row in result]


def test_imdb_rows_are_the_originals_features(tmp_path):
    rng = np.random.default_rng(11)
    (train, y_train), (test, y_test) = _random_reviews(rng, 60), _random_reviews(rng, 40)
    path = _npz(tmp_path / "imdb.npz", train, y_train, test, y_test)
    data = load(f"imdb:{path}", seed=3)
    assert data.name == "imdb" and data.sparse and data.feature_count == 1000
    assert data.classes == ["NEGATIVE", "POSITIVE"]
    assert data.description == f"{path}: 100 IMDB reviews, the 1,000 most frequent words, sparse"
    # Keras' halves are pooled (train first), then the usual seeded split.
    expected = _originals_features(train + test, 1000)
    labels = np.concatenate([y_train, y_test])
    order = np.random.Generator(np.random.PCG64(3)).permutation(100)
    assert len(data.x_test) == 20 and len(data.x_train) == 80
    assert data.x_test == [expected[i] for i in order[:20]]
    assert data.x_train == [expected[i] for i in order[20:]]
    assert np.array_equal(data.y_test, labels[order[:20]]) and np.array_equal(data.y_train, labels[order[20:]])
    _check_labels(data)
    for row in [*data.x_train, *data.x_test]:
        assert all(type(i) is int for i in row) and row == sorted(set(row)) and row[0] == 1 and row[-1] < 1000


def test_imdb_offsets_and_out_of_vocabulary_by_hand(tmp_path):
    # Ranks 1 and 2 are indices 4 and 5; 996 is 999, the last kept; 997 and 5000 are past num_words: OOV (2).
    path = _npz(tmp_path / "imdb.npz", [[1, 2, 2, 996], [997, 5000, 1], []], [0, 1, 0], [[3]], [1])
    data = load_imdb(path, test_fraction=0.25)
    rows = sorted([*data.x_train, *data.x_test])
    assert rows == sorted([[1, 4, 5, 999], [1, 2, 4], [1], [1, 6]])
    small = load_imdb(path, test_fraction=0.25, num_words=5)  # only rank 1 (index 4) is in the vocabulary
    assert sorted([*small.x_train, *small.x_test]) == sorted([[1, 2, 4], [1, 2, 4], [1], [1, 2]])
    assert small.feature_count == 5


def test_imdb_accepts_plain_int_arrays_and_is_seeded(tmp_path):
    # Reviews of equal length saved as a 2-D int array (no pickle) read the same as object arrays.
    path = str(tmp_path / "square.npz")
    np.savez(path, x_train=np.array([[1, 2], [3, 4], [5, 6]]), y_train=np.array([0, 1, 0]),
             x_test=np.array([[7, 8]]), y_test=np.array([1]))
    objects = _npz(tmp_path / "objects.npz", [[1, 2], [3, 4], [5, 6]], [0, 1, 0], [[7, 8]], [1])
    a, b = load_imdb(path, seed=2), load_imdb(objects, seed=2)
    assert a.x_train == b.x_train and a.x_test == b.x_test and np.array_equal(a.y_train, b.y_train)
    assert load_imdb(path, seed=2).x_train == a.x_train
    # Boolean labels are 0/1 too.
    np.savez(path, x_train=_reviews([[1], [2]]), y_train=np.array([False, True]), x_test=_reviews([[3]]),
             y_test=np.array([True]))
    assert sorted(np.concatenate([load_imdb(path).y_train, load_imdb(path).y_test]).tolist()) == [0, 1, 1]


def _npy(path, array: np.ndarray) -> str:
    with open(path, "wb") as file:  # a file object: np.save names it as it is, no .npy added
        np.save(file, array)
    return str(path)


def _write_zip(path, members: dict[str, bytes]) -> str:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return str(path)


@pytest.mark.parametrize("build, message", [
    (lambda p: p.write_text("x_train,y_train\n") and str(p),
     "{path}: not an .npz file (Keras' imdb.npz is a zip of x_train, y_train, x_test, y_test)"),
    (lambda p: _npy(p, np.arange(3)),  # a .npy, not an .npz
     "{path}: not an .npz file (Keras' imdb.npz is a zip of x_train, y_train, x_test, y_test)"),
    (lambda p: np.savez(p, x=_reviews([[1]]), y=np.array([0])) or str(p),
     "{path}: no x_train or y_train or x_test or y_test array; Keras' imdb.npz has x_train, y_train, x_test, y_test"),
    (lambda p: np.savez(p, x_train=_reviews([[1], [2]]), y_train=np.array([0, 1]), x_test=_reviews([[3]])) or str(p),
     "{path}: no y_test array; Keras' imdb.npz has x_train, y_train, x_test, y_test"),
    # A zip whose members are not .npy arrays (numpy hands back their bytes), or broken ones.
    (lambda p: _write_zip(p, {f"{key}.npy": b"not an array" for key in ("x_train", "y_train", "x_test", "y_test")}),
     "{path}: x_train is not an array of reviews"),
    (lambda p: _write_zip(p, {f"{key}.npy": b"\x93NUMPY\x01\x00\x10\x00{broken}      \n"
                              for key in ("x_train", "y_train", "x_test", "y_test")}),
     "{path}: cannot read x_train: ValueError: "),
    # Ragged: the label and review counts differ.
    (lambda p: _npz(p, [[1], [2], [3]], [0, 1], [[4]], [1]),
     "{path}: y_train has 2 labels for the 3 reviews in x_train"),
    (lambda p: _npz(p, [[1], [2]], [0, 1], [[4]], [1, 0]),
     "{path}: y_test has 2 labels for the 1 reviews in x_test"),
    (lambda p: _npz(p, [[1], [2, 1.5]], [0, 1], [[4]], [1]),
     "{path}: x_train[1] is not a list of word ranks (non-negative integers)"),
    (lambda p: _npz(p, [[1], [2]], [0, 1], [[4], [-3]], [1, 0]),
     "{path}: x_test[1] is not a list of word ranks (non-negative integers)"),
    (lambda p: _npz(p, [[1], [[2, 3], [4]]], [0, 1], [[4]], [1]),
     "{path}: x_train[1] is not a list of word ranks (non-negative integers)"),
    (lambda p: _npz(p, [[1], ["the", "film"]], [0, 1], [[4]], [1]),
     "{path}: x_train[1] is not a list of word ranks (non-negative integers)"),
    (lambda p: _npz(p, [[1], [2], [3]], [0, 1, 2], [[4]], [1]),
     "{path}: y_train[2] is 2; a label is 0 (negative) or 1 (positive)"),
    (lambda p: np.savez(p, x_train=_reviews([[1], [2]]), y_train=np.array(["neg", "pos"]), x_test=_reviews([[3]]),
                        y_test=np.array([1])) or str(p),
     "{path}: y_train[0] is 'neg'; a label is 0 (negative) or 1 (positive)"),
    (lambda p: np.savez(p, x_train=np.int64(3), y_train=np.array([0]), x_test=_reviews([[3]]),
                        y_test=np.array([1])) or str(p),
     "{path}: x_train is not an array of reviews"),
    (lambda p: _npz(p, [[1], [2]], [1, 1], [[4]], [1]),
     "{path}: every review labelled 1; both classes (0 and 1) are needed"),
    (lambda p: _npz(p, [], [], [], []),
     "{path}: no reviews; both classes (0 and 1) are needed"),
])
def test_imdb_errors(tmp_path, build, message):
    path = build(tmp_path / "imdb.npz")
    with pytest.raises(DatasetError) as caught:
        load(f"imdb:{path}")
    text = str(caught.value)
    assert text.startswith(message.format(path=path)) if message.endswith(": ") else text == message.format(path=path)
    assert "\n" not in text and isinstance(caught.value, ValueError)


def test_imdb_missing_file_directory_empty_path_and_num_words(tmp_path):
    missing = str(tmp_path / "imdb.npz")
    for name, message in ((f"imdb:{missing}", f"{missing}: no such file"),
                          (f"imdb:{tmp_path}", f"{tmp_path}: is a directory, not an .npz file"),
                          ("imdb:", "imdb: needs a path, as in imdb:imdb.npz")):
        with pytest.raises(DatasetError) as caught:
            load(name)
        assert str(caught.value) == message
    with pytest.raises(DatasetError, match="num_words must be more than 3"):
        load_imdb(missing, num_words=3)


def test_imdb_file_that_is_no_npz_is_not_unpickled(tmp_path):
    """np.load with allow_pickle unpickles any file that is not an .npy or a zip: the loader checks first."""
    import pickle

    path = tmp_path / "imdb.npz"
    path.write_bytes(pickle.dumps({"x_train": [[1]]}))
    with pytest.raises(DatasetError, match="not an .npz file"):
        load_imdb(path)


# ------------------------------------------------------------------ fitness (FitRec's endomondoHR_proper.json)
def _workout(rng, sport: str, gender: str, number: int, speed: bool = True) -> dict:
    """A workout as FitRec's file has it (its fields, in its order); bikes are faster, runs raise the pulse."""
    fast = sport.startswith("bike")
    readings = 50
    record = {
        "altitude": np.round(rng.normal(40, 5, readings), 1).tolist(),
        "gender": gender,
        "heart_rate": rng.integers(95, 130 if fast else 175, readings).tolist(),
        "id": 396826535 + number,
        "latitude": np.round(rng.normal(60.17, 0.01, readings), 6).tolist(),
        "longitude": np.round(rng.normal(24.65, 0.01, readings), 6).tolist(),
        "speed": np.round(rng.gamma(9, 3 if fast else 1.2, readings), 4).tolist(),
        "sport": sport,
        "timestamp": list(range(1408898746, 1408898746 + readings)),
        "url": f"https://www.endomondo.com/users/10921915/workouts/{396826535 + number}",
        "userId": 10921915 + number % 7,
    }
    if not speed:
        del record["speed"]
    return record


def _fitness_file(path, records, extra_lines=()) -> str:
    # repr of a dict is FitRec's line format: a Python literal with single quotes.
    path.write_text("".join(f"{record!r}\n" for record in records) + "".join(extra_lines))
    return str(path)


def _fitness_records(count: int = 60, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    genders = ["male", "female", "unknown"]
    return [_workout(rng, "bike" if i % 3 else "run", genders[i % 5 % 3], i) for i in range(count)]


def _original_values(record: dict) -> list[float]:
    heart, speed = record["heart_rate"], record["speed"]
    return [np.mean(heart) / np.min(heart), np.median(heart) / np.min(heart),
            np.max(speed), np.min(speed), np.mean(speed), np.median(speed)]


def test_fitness_features_labels_and_skipped_workouts(tmp_path):
    rng = np.random.default_rng(9)
    kept = _fitness_records(60)
    lines = []
    for i, record in enumerate(kept):
        lines.append(record)
        if i % 10 == 0:  # other sports and speedless workouts: skipped, as the original skips them
            lines += [_workout(rng, "walk", "male", 900 + i), _workout(rng, "bike (transport)", "male", 950 + i),
                      _workout(rng, "run", "female", 980 + i, speed=False)]
    path = _fitness_file(tmp_path / "endomondoHR_proper.json", lines)
    data = load(f"fitness:{path}", seed=4)
    assert data.name == "fitness" and not data.sparse and data.classes == ["BIKING", "RUNNING"]
    # Six thresholded values and one column per gender, in the order the genders first appear.
    assert data.feature_count == 6 + 3 and data.x_train.shape == (48, 9) and data.x_test.shape == (12, 9)
    assert data.description == (f"{path}: 60 Endomondo workouts (biking or running), "
                                "9 features (6 thresholds, 3 genders)")
    labels = np.array([0 if record["sport"] == "bike" else 1 for record in kept])
    order = np.random.Generator(np.random.PCG64(4)).permutation(60)
    train, test = order[12:], order[:12]
    assert np.array_equal(data.y_train, labels[train]) and np.array_equal(data.y_test, labels[test])
    raw = np.array([_original_values(record) for record in kept])
    threshold = np.median(raw[train], axis=0)  # the training split's medians
    gender = np.zeros((60, 3))
    gender[np.arange(60), [["male", "female", "unknown"].index(r["gender"]) for r in kept]] = 1
    expected = np.hstack([(raw > threshold).astype(float), gender])
    assert np.array_equal(data.x_train, expected[train]) and np.array_equal(data.x_test, expected[test])
    assert set(np.unique(data.x_train).tolist()) == {0.0, 1.0}  # not standardised
    _check_labels(data)
    assert load_fitness(path, seed=4).x_train.tolist() == data.x_train.tolist()


def test_fitness_stops_at_the_limit_and_reads_json_lines(tmp_path):
    records = _fitness_records(30)
    # The broken line after the 20th kept workout is never read with limit=20.
    path = _fitness_file(tmp_path / "workouts.json", records[:20], ["{'sport': 'bike', 'speed': [1, 2\n"])
    assert len(load_fitness(path, limit=20).y_train) == 16
    with pytest.raises(DatasetError, match="line 21: not a workout record"):
        load_fitness(path, limit=21)
    json_path = tmp_path / "workouts-json.json"
    json_path.write_text("".join(json.dumps(record) + "\n" for record in records))
    python_path = _fitness_file(tmp_path / "workouts-python.json", records)
    a, b = load_fitness(json_path, seed=1), load_fitness(python_path, seed=1)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert len(load_fitness(python_path).y_train) + len(load_fitness(python_path).y_test) == 30


def _line(record: dict, **change) -> str:
    record = {**record, **change}
    return repr({key: value for key, value in record.items() if value is not None}) + "\n"


NOT_A_RECORD = "{path}: line 3: not a workout record (a Python or JSON dict on one line)"


@pytest.mark.parametrize("bad, message", [
    ("{'sport': 'run', 'speed': [1.0, 2.0], \n", NOT_A_RECORD),
    ("[{'sport': 'run', 'speed': [1.0]}]\n", NOT_A_RECORD),
    ("HEART", "{path}: line 3: no 'heart_rate' readings"),
    ("HR_TEXT", "{path}: line 3: 'heart_rate' is not a non-empty list of finite numbers"),
    ("SPEED_EMPTY", "{path}: line 3: 'speed' is not a non-empty list of finite numbers"),
    ("SPEED_RAGGED", "{path}: line 3: 'speed' is not a non-empty list of finite numbers"),
    ("SPEED_NAN", "{path}: line 3: 'speed' is not a non-empty list of finite numbers"),
    ("HR_ZERO",
     "{path}: line 3: a 'heart_rate' reading of 0; the features divide by the lowest, so it must be above 0"),
    ("GENDER", "{path}: line 3: no 'gender' (a string)"),
])
def test_fitness_bad_lines(tmp_path, bad, message):
    records = _fitness_records(4)
    good = _line(records[0]) + _line(records[1])
    base = records[2]
    lines = {
        "HEART": _line(base, heart_rate=None), "HR_TEXT": _line(base, heart_rate=["high", "low"]),
        "SPEED_EMPTY": _line(base, speed=[]), "SPEED_RAGGED": _line(base, speed=[[1.0, 2.0], [3.0]]),
        "HR_ZERO": _line(base, heart_rate=[0, 120, 130]),
        "SPEED_NAN": json.dumps({**base, "speed": [1.0, float("nan")]}) + "\n",  # JSON has NaN; a literal has not
        "GENDER": _line(base, gender=None),
    }
    path = tmp_path / "endomondoHR_proper.json"
    path.write_text(good + lines.get(bad, bad) + _line(records[3]))
    with pytest.raises(DatasetError) as caught:
        load(f"fitness:{path}")
    assert str(caught.value) == message.format(path=path) and "\n" not in str(caught.value)


def test_fitness_file_errors(tmp_path):
    rng = np.random.default_rng(2)
    walks = _fitness_file(tmp_path / "walks.json", [_workout(rng, "walk", "male", i) for i in range(5)])
    bikes = _fitness_file(tmp_path / "bikes.json", [_workout(rng, "bike", "male", i) for i in range(5)])
    latin = tmp_path / "latin.json"
    latin.write_bytes(b"{'sport': 'bike', 'gender': 'm\xe9le'}\n")
    missing = str(tmp_path / "nowhere.json")
    for name, message in ((f"fitness:{missing}", f"{missing}: no such file"),
                          (f"fitness:{tmp_path}", f"{tmp_path}: is a directory, not a workouts file"),
                          (f"fitness:{walks}", f"{walks}: no bike or run workout with speed readings"),
                          (f"fitness:{bikes}", f"{bikes}: only 'bike' workouts (5); both bike and run are needed"),
                          (f"fitness:{latin}", f"{latin}: not UTF-8 text"),
                          ("fitness:", "fitness: needs a path, as in fitness:endomondoHR_proper.json")):
        with pytest.raises(DatasetError) as caught:
            load(name)
        assert str(caught.value) == message


# ------------------------------------------------------------------ dispatch
def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DatasetError) as caught:
        load("imdb")
    message = str(caught.value)
    assert message.startswith("unknown dataset 'imdb'; known: ")
    for name in [*DATASETS, "csv:PATH", "imdb:PATH", "fitness:PATH"]:
        assert name in message
    assert "\n" not in message


def test_datasets_lists_every_loader_with_one_line():
    assert list(DATASETS) == ["breast-cancer", "digits", "wine", "synthetic-text", "synthetic-imdb"]
    for name, text in DATASETS.items():
        assert text and "\n" not in text
        assert load(name).name == name
    assert list(PREFIXES) == ["csv:", "imdb:", "fitness:"]
    assert all(text and "\n" not in text for text in PREFIXES.values())


def test_simulate_help_names_every_dataset_and_prefix():
    from sumchain.simulate import add_parser

    commands = argparse.ArgumentParser().add_subparsers()
    add_parser(commands)
    text = " ".join(commands.choices["simulate"].format_help().split())
    for name in [*DATASETS, *(prefix + "PATH" for prefix in PREFIXES)]:
        assert name in text


def test_simulate_runs_the_fitness_and_imdb_files(tmp_path, capsys):
    """`sumchain simulate --dataset fitness:PATH` runs (dense, two classes) and imdb:PATH runs on the
    sparse perceptron; a sparse model refuses the dense fitness set, and a bad file is one line,
    all before any node starts."""
    from sumchain.cli import main

    fitness = _fitness_file(tmp_path / "endomondoHR_proper.json", _fitness_records(60))
    assert main(["simulate", "--dataset", f"fitness:{fitness}", "--days", "1", "--out", str(tmp_path / "runs")]) == 0
    (run,) = (tmp_path / "runs").glob("*-fitness-perceptron-stakeable-simulation_data.json")
    assert len(json.loads(run.read_text())["accuracies"]) >= 2
    capsys.readouterr()
    rng = np.random.default_rng(1)
    imdb = _npz(tmp_path / "imdb.npz", *_random_reviews(rng, 30), *_random_reviews(rng, 10))
    missing = tmp_path / "nowhere.npz"
    assert main(["simulate", "--dataset", f"imdb:{imdb}", "--model", "sparse-perceptron", "--days", "0.2",
                 "--out", str(tmp_path / "imdb-runs")]) == 0
    (run,) = (tmp_path / "imdb-runs").glob("*-imdb-sparse-perceptron-stakeable-simulation_data.json")
    assert json.loads(run.read_text())["model"] == "sparse-perceptron"
    capsys.readouterr()
    for argv, error in (
            (["--dataset", f"fitness:{fitness}", "--model", "naive-bayes", "--rpc", "http://127.0.0.1:9"],
             "--model naive-bayes takes sparse data (feature indices); fitness is dense: "
             "use synthetic-text or imdb:PATH, or a dense model"),
            (["--dataset", f"imdb:{missing}", "--rpc", "http://127.0.0.1:9"], f"{missing}: no such file"),
            (["--dataset", f"fitness:{missing}", "--rpc", "http://127.0.0.1:9"], f"{missing}: no such file")):
        assert main(["simulate", *argv, "--out", str(tmp_path / "runs")]) == 1
        assert capsys.readouterr().err.strip() == f"sumchain simulate: error: {error}"
