"""contracts/bindings/market_data.py: reading datasets, the stratified split, class indices,
predictions files and scoring."""
from __future__ import annotations

import csv
import io
import json
import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.bindings.errors import SumError
from contracts.bindings.market_data import (
    MAX_TEST_SIZE,
    DatasetError,
    class_index,
    classes_of,
    read_csv,
    read_predictions,
    score,
    split_dataset,
)

UINT64_MAX = 2**64 - 1
NAMES = ["cat", "dog", "bird", "fish", "ant", "owl", "Zebra", "1.5", "-3", "x y", "é"]
NUMBERS = [str(i) for i in range(12)]
FEATURE_NAMES = ["x", "y z", "w,v"]  # one with a comma: the header must be quoted correctly
CELLS = ["0", "1.5", "-2", "", "a,b", 'say "hi"', "two\nlines", "é", " pad "]
PROPERTY = settings(max_examples=60, deadline=None)


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def expected_classes(labels) -> list[str] | None:
    if all(v.isascii() and v.isdigit() and int(v) <= UINT64_MAX for v in labels):
        return None
    return sorted(set(labels))


@st.composite
def datasets(draw):
    """A labelled dataset: 1-5 classes (names or whole numbers), 1-30 rows each, 1-3 features,
    the label column anywhere in the header."""
    n_classes = draw(st.integers(1, 5))
    pool = NUMBERS if draw(st.booleans()) else NAMES
    names = draw(st.lists(st.sampled_from(pool), min_size=n_classes, max_size=n_classes, unique=True))
    counts = draw(st.lists(st.integers(1, 30), min_size=n_classes, max_size=n_classes))
    n_features = draw(st.integers(1, 3))
    position = draw(st.integers(0, n_features))
    label_column = draw(st.sampled_from(["label", "class"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    header = FEATURE_NAMES[:n_features]
    header.insert(position, label_column)
    rows = []
    for name, count in zip(names, counts):
        for _ in range(count):
            row = [rng.choice(CELLS) for _ in range(n_features)]
            row.insert(position, name)
            rows.append(row)
    rng.shuffle(rows)
    return {"header": header, "rows": rows, "position": position, "label_column": label_column,
            "counts": dict(zip(names, counts)), "data": csv_bytes(header, rows)}


fractions = st.floats(0, 1, exclude_min=True, exclude_max=True)
seeds = st.integers(0, 2**64 - 1)


# ---- split_dataset: properties ----------------------------------------------------------------

@PROPERTY
@given(ds=datasets(), fraction=fractions, seed=seeds)
def test_split_partitions_the_rows_stratified(ds, fraction, seed):
    """Training rows + relabelled test rows are the original rows; every class keeps a training
    row; each class gives min(round(n*f), n-1) rows to the test set; headers and labels agree."""
    position, label_column = ds["position"], ds["label_column"]
    wanted = {name: min(round(n * fraction), n - 1) for name, n in ds["counts"].items()}
    if sum(wanted.values()) == 0:
        with pytest.raises(DatasetError, match="leaves no test rows"):
            split_dataset(ds["data"], fraction, seed, label_column)
        return
    split = split_dataset(ds["data"], fraction, seed, label_column)
    assert split.seed == seed

    training = parse(split.training)
    assert training[0] == ds["header"]
    training_rows = training[1:]
    test = parse(split.test)
    assert test[0] == [h for i, h in enumerate(ds["header"]) if i != position]
    test_rows = test[1:]
    assert len(split.labels) == len(test_rows) == sum(wanted.values())

    classes = expected_classes(ds["counts"])
    assert split.classes == classes
    assert classes_of(split.training, label_column) == split.classes

    restored = []
    for row, label in zip(test_rows, split.labels):
        name = str(label) if classes is None else classes[label]
        restored.append(row[:position] + [name] + row[position:])
    assert Counter(map(tuple, training_rows + restored)) == Counter(map(tuple, ds["rows"]))

    assert {row[position] for row in training_rows} == set(ds["counts"])
    assert Counter(row[position] for row in restored) == +Counter(wanted)
    for row, label in zip(restored, split.labels):
        assert label == class_index(row[position], split.classes)
        if classes is None:
            assert label == int(row[position])


@PROPERTY
@given(ds=datasets(), fraction=st.floats(0.3, 0.9), seed=seeds)
def test_split_is_deterministic_for_a_seed(ds, fraction, seed):
    try:
        first = split_dataset(ds["data"], fraction, seed, ds["label_column"])
    except DatasetError as error:
        assert "leaves no test rows" in str(error)
        return
    again = split_dataset(ds["data"], fraction, seed, ds["label_column"])
    assert again == first
    assert (again.training, again.test, again.labels) == (first.training, first.test, first.labels)


def test_split_without_a_seed_reports_the_seed_it_used():
    data = csv_bytes(["x", "label"], [[str(i), "ab"[i % 2]] for i in range(40)])
    split = split_dataset(data, 0.25)
    assert isinstance(split.seed, int) and 0 <= split.seed < 2**64
    assert split_dataset(data, 0.25, split.seed) == split
    assert len(split.labels) == 10


def test_split_default_fraction_and_different_seeds():
    data = csv_bytes(["x", "label"], [[str(i), "abc"[i % 3]] for i in range(300)])
    split = split_dataset(data, seed=1)
    assert len(split.labels) == 60  # 0.2 of each class of 100
    assert Counter(split.labels) == {0: 20, 1: 20, 2: 20}
    assert split_dataset(data, seed=2).test != split.test


def test_split_with_no_test_rows_raises():
    one_per_class = csv_bytes(["x", "label"], [["1", "a"], ["2", "b"], ["3", "c"]])
    with pytest.raises(DatasetError, match="leaves no test rows"):
        split_dataset(one_per_class, 0.9, seed=1)
    tiny_fraction = csv_bytes(["x", "label"], [[str(i), "a"] for i in range(10)])
    with pytest.raises(DatasetError, match="leaves no test rows"):
        split_dataset(tiny_fraction, 0.01, seed=1)
    with pytest.raises(DatasetError, match="leaves no test rows"):
        split_dataset(b"x,label\n", 0.5, seed=1)  # a header and no rows


# ---- the test rows are shuffled -----------------------------------------------------------------

SORTED_BY_CLASS = csv_bytes(["x", "label"], [[str(i), name] for name in ("a", "b", "c") for i in range(40)])


def test_test_rows_are_shuffled_for_a_fixed_seed():
    split = split_dataset(SORTED_BY_CLASS, 0.5, seed=7)
    assert Counter(split.labels) == {0: 20, 1: 20, 2: 20}
    assert split.labels != sorted(split.labels)
    assert split.labels != sorted(split.labels, reverse=True)


def test_test_rows_are_shuffled_over_seeds():
    orders = [split_dataset(SORTED_BY_CLASS, 0.5, seed=seed).labels for seed in range(10)]
    assert any(labels != sorted(labels) for labels in orders)
    assert len({tuple(labels) for labels in orders}) > 1  # the seed changes the order


# ---- bad input -----------------------------------------------------------------------------------

def test_dataset_error_is_a_sum_error():
    assert issubclass(DatasetError, SumError)
    with pytest.raises(SumError):
        split_dataset(b"", 0.5, seed=1)


def test_not_utf8():
    with pytest.raises(DatasetError, match="not UTF-8"):
        split_dataset(b"x,label\n\xff\xfe,1\n", 0.5, seed=1)
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_csv(b"\x80label\n")


@pytest.mark.parametrize("data", [b"", b"\n\n\n", b"\xef\xbb\xbf", b"\r\n"])
def test_empty_dataset(data):
    with pytest.raises(DatasetError, match="empty"):
        split_dataset(data, 0.5, seed=1)


def test_missing_label_column_names_it():
    with pytest.raises(DatasetError, match="'label'"):
        split_dataset(b"x,y\n1,2\n3,4\n", 0.5, seed=1)
    with pytest.raises(DatasetError, match="'target'"):
        split_dataset(b"x,label\n1,2\n3,4\n", 0.5, seed=1, label_column="target")
    with pytest.raises(DatasetError, match="'species'"):
        classes_of(b"x,label\n1,2\n", "species")


def test_custom_label_column_and_bom():
    data = b"\xef\xbb\xbfspecies,x\nsetosa,1\nsetosa,2\nvirginica,3\nvirginica,4\n"
    header, rows, column = read_csv(data, "species")
    assert header == ["species", "x"] and column == 0 and len(rows) == 4
    split = split_dataset(data, 0.5, seed=3, label_column="species")
    assert split.classes == ["setosa", "virginica"]
    assert parse(split.test)[0] == ["x"]
    assert sorted(split.labels) == [0, 1]


@pytest.mark.parametrize("data, number, fields", [
    (b"x,label\n1\n2,a\n", 2, 1),
    (b"x,label\n1,a\n2,a,extra\n", 3, 3),
    (b"x,label\n1,a\n2,b\n3,c\n4\n", 5, 1),
])
def test_ragged_row_names_its_number(data, number, fields):
    with pytest.raises(DatasetError, match=f"row {number} has {fields} fields, the header 2"):
        split_dataset(data, 0.5, seed=1)


@pytest.mark.parametrize("fraction", [0, 0.0, 1, 1.0, -0.1, 1.5, math.nan, math.inf])
def test_test_fraction_out_of_range(fraction):
    data = csv_bytes(["x", "label"], [[str(i), "a"] for i in range(10)])
    with pytest.raises(DatasetError, match="test fraction must be between 0 and 1"):
        split_dataset(data, fraction, seed=1)


def test_too_many_test_rows():
    data = b"x,label\n" + b"1,a\n" * 66_000
    with pytest.raises(DatasetError, match=r"65,934 test rows: the market scores at most 65,536"):
        split_dataset(data, 0.999, seed=1)


def test_largest_test_set_is_accepted():
    data = b"x,label\n" + b"1,a\n" * (MAX_TEST_SIZE + 1)
    split = split_dataset(data, 0.99999, seed=1)
    assert len(split.labels) == MAX_TEST_SIZE
    assert split.classes == ["a"] and set(split.labels) == {0}
    assert len(parse(split.training)) == 2  # the header and the one row the class keeps


# ---- classes_of / class_index --------------------------------------------------------------------

def test_whole_number_labels_are_their_own_index():
    training = csv_bytes(["x", "label"], [["1", "0"], ["2", "7"], ["3", str(UINT64_MAX)], ["4", "007"]])
    assert classes_of(training) is None
    assert class_index("0", None) == 0
    assert class_index(" 7 ", None) == 7
    assert class_index("007", None) == 7
    assert class_index(str(UINT64_MAX), None) == UINT64_MAX


@pytest.mark.parametrize("odd", [str(2**64), "-1", "1.5", "+1", "1e3", "١", "", "cat"])
def test_any_non_index_label_makes_the_classes_names(odd):
    training = csv_bytes(["x", "label"], [["1", "9"], ["2", "10"], ["3", odd], ["4", "9"]])
    classes = classes_of(training)
    assert classes == sorted({"9", "10", odd})
    assert classes.index("9") == class_index("9", classes)
    assert class_index(odd, classes) == classes.index(odd)


def test_names_are_sorted_as_strings():
    training = csv_bytes(["label"], [["9"], ["10"], [str(2**64)], ["10"]])
    classes = classes_of(training)
    assert classes == ["10", "18446744073709551616", "9"]
    assert [class_index(v, classes) for v in ("10", str(2**64), "9")] == [0, 1, 2]


def test_class_index_errors():
    with pytest.raises(DatasetError, match="'fox' is not one of the classes"):
        class_index("fox", ["cat", "dog"])
    for bad in ("cat", "-1", "1.5", str(2**64), "", "١"):
        with pytest.raises(DatasetError, match="not a class index"):
            class_index(bad, None)


@PROPERTY
@given(values=st.lists(st.integers(0, UINT64_MAX), min_size=1, max_size=20))
def test_whole_numbers_property(values):
    training = csv_bytes(["x", "label"], [["0", str(v)] for v in values])
    assert classes_of(training) is None
    assert [class_index(str(v), None) for v in values] == values


@PROPERTY
@given(names=st.lists(st.sampled_from(NAMES + NUMBERS), min_size=1, max_size=20))
def test_names_property(names):
    training = csv_bytes(["label", "x"], [[name, "0"] for name in names])
    classes = classes_of(training)
    assert classes == expected_classes(names)
    if classes is None:
        assert [class_index(n, None) for n in names] == [int(n) for n in names]
    else:
        indices = [class_index(n, classes) for n in names]
        assert [classes[i] for i in indices] == names
        assert set(indices) == set(range(len(classes)))


def test_labels_padded_with_spaces_split_and_match_predictions():
    """`1, cat` style CSV: the label ' cat' is the class 'cat' (class_index strips what it looks up)."""
    data = b"x,label\n1, cat\n2, cat\n3, dog\n4, dog\n5,dog\n"
    split = split_dataset(data, 0.5, seed=1)
    assert split.classes == ["cat", "dog"]
    assert classes_of(split.training) == split.classes
    assert sorted(split.labels) == [0, 1]
    assert read_predictions(b"cat\ndog\n", split.classes) == [0, 1]
    numbers = split_dataset(b"x,label\n1, 1\n2, 1\n3, 2\n4, 2\n", 0.5, seed=1)
    assert numbers.classes is None
    assert sorted(numbers.labels) == [1, 2]


# ---- read_predictions ----------------------------------------------------------------------------

ANIMALS = ["cat", "dog", "fish"]


def test_predictions_json_names_and_indices():
    assert read_predictions(b'["cat", "dog", "cat", "fish"]', ANIMALS) == [0, 1, 0, 2]
    assert read_predictions(b'  [0, 5, 18446744073709551615]\n', None) == [0, 5, UINT64_MAX]
    assert read_predictions(b'["3", " 4 "]', None) == [3, 4]


def test_predictions_one_per_line():
    assert read_predictions(b"cat\n\n  dog  \r\n\n\ncat\nfish", ANIMALS) == [0, 1, 0, 2]
    assert read_predictions(b"0\n2\n\n11\n", None) == [0, 2, 11]


@pytest.mark.parametrize("header", ["label", "prediction", "predictions", "Label", "PREDICTION", "Predictions"])
def test_predictions_header_line_is_skipped(header):
    data = f"{header}\ndog\nfish\n".encode()
    assert read_predictions(data, ANIMALS) == [1, 2]
    assert read_predictions(f"\n\n {header} \n3\n".encode(), None) == [3]


def test_predictions_bom_is_tolerated():
    assert read_predictions(b"\xef\xbb\xbfcat\ndog\n", ANIMALS) == [0, 1]
    assert read_predictions(b"\xef\xbb\xbflabel\n1\n", None) == [1]
    assert read_predictions(b'\xef\xbb\xbf["fish"]', ANIMALS) == [2]


@pytest.mark.parametrize("data", [b"", b"  \n\n \r\n", b"label\n", b"[]", b"  [ ]  "])
def test_predictions_empty(data):
    with pytest.raises(DatasetError, match="empty"):
        read_predictions(data, ANIMALS)


def test_predictions_not_utf8():
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_predictions(b"cat\n\xff\n", ANIMALS)


@pytest.mark.parametrize("data", [b"[1, 2", b'["cat",]', b"[cat, dog]", b"[1] 2"])
def test_predictions_malformed_json(data):
    with pytest.raises(DatasetError, match="starts with '\\[' but is not a JSON array"):
        read_predictions(data, None)


@pytest.mark.parametrize("data", [b"[[1]]", b'[1, {"a": 1}]', b"[null]", b"[true]", b"[0, false]", b"[[]]"])
def test_predictions_json_must_be_flat_names_or_indices(data):
    with pytest.raises(DatasetError, match="array of class names or indices"):
        read_predictions(data, None)


def test_predictions_unknown_class_names_its_position():
    with pytest.raises(DatasetError, match="prediction 3: 'fox' is not one of the classes"):
        read_predictions(b"cat\ndog\n\nfox\ncat\n", ANIMALS)
    with pytest.raises(DatasetError, match="prediction 2: 'fox'"):
        read_predictions(b"label\ncat\nfox\n", ANIMALS)  # counted after the header
    with pytest.raises(DatasetError, match="prediction 1: "):
        read_predictions(b'["wolf", "cat"]', ANIMALS)
    with pytest.raises(DatasetError, match="prediction 2: '-1' is not a class index"):
        read_predictions(b"[1, -1]", None)
    with pytest.raises(DatasetError, match="prediction 1: '1.0' is not a class index"):
        read_predictions(b"[1.0]", None)
    with pytest.raises(DatasetError, match="prediction 4: 'labels'"):
        read_predictions(b"cat\ndog\ncat\nlabels\n", ANIMALS)


@PROPERTY
@given(indices=st.lists(st.integers(0, len(ANIMALS) - 1), min_size=1, max_size=30),
       header=st.sampled_from(["", "label\n", "Predictions\n"]))
def test_predictions_round_trip(indices, header):
    names = [ANIMALS[i] for i in indices]
    assert read_predictions(json.dumps(names).encode(), ANIMALS) == indices
    assert read_predictions((header + "\n".join(names) + "\n").encode(), ANIMALS) == indices
    assert read_predictions(json.dumps(indices).encode(), None) == indices


# ---- score ---------------------------------------------------------------------------------------

@PROPERTY
@given(pairs=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=50))
def test_score_counts_equal_pairs(pairs):
    predictions = [p for p, _ in pairs]
    labels = [t for _, t in pairs]
    expected = sum(1 for p, t in pairs if p == t)
    assert score(predictions, labels) == expected
    assert score(labels, predictions) == expected
    assert score(labels, labels) == len(labels)
    assert 0 <= expected <= len(pairs)


def test_score_examples():
    assert score([], []) == 0
    assert score([1, 2, 3], [1, 0, 3]) == 2
    assert score((UINT64_MAX,), [UINT64_MAX]) == 1


def test_score_length_mismatch():
    with pytest.raises(DatasetError, match="2 predictions for 3 test rows"):
        score([1, 2], [1, 2, 3])
    with pytest.raises(DatasetError, match="1 predictions for 0 test rows"):
        score([1], [])


def test_split_then_score_a_perfect_model():
    data = csv_bytes(["x", "label"], [[str(i), ANIMALS[i % 3]] for i in range(60)])
    split = split_dataset(data, 0.3, seed=5)
    names = "\n".join(split.classes[i] for i in split.labels).encode()
    predictions = read_predictions(b"prediction\n" + names, classes_of(split.training))
    assert score(predictions, split.labels) == len(split.labels) == 18
