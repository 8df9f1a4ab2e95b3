"""A trainer's model for the README's bounty-market session: nearest centroid on the training set.

    python nearest_centroid.py train.csv test.csv > predictions.txt

Prints one predicted class per test row, in the test set's order (what `sumchain market submit`
reads). Any tool will do; this one needs only the standard library.
"""
import csv
import sys


def predict(training: list[dict[str, str]], test: list[dict[str, str]]) -> list[str]:
    """The class of the nearest training centroid for each test row (rows as csv.DictReader gives them)."""
    features = [name for name in training[0] if name != "label"]
    sums: dict[str, list[float]] = {}
    for row in training:
        total = sums.setdefault(row["label"], [0.0] * (len(features) + 1))
        for i, name in enumerate(features):
            total[i] += float(row[name])
        total[-1] += 1
    centroids = {label: [v / total[-1] for v in total[:-1]] for label, total in sums.items()}
    predictions = []
    for row in test:
        x = [float(row[name]) for name in features]
        predictions.append(min(centroids, key=lambda c: sum((a - b) ** 2 for a, b in zip(x, centroids[c]))))
    return predictions


def main(training_path: str, test_path: str) -> None:
    with open(training_path, newline="") as training, open(test_path, newline="") as test:
        print(*predict(list(csv.DictReader(training)), list(csv.DictReader(test))), sep="\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
