"""A trainer's model for the README's bounty-market session: nearest centroid on the training set.

    python nearest_centroid.py train.csv test.csv > predictions.txt

Prints one predicted class per test row, in the test set's order (what `sumchain market submit`
reads). Any tool will do; this one needs only the standard library.
"""
import csv
import sys


def main(training_path: str, test_path: str) -> None:
    with open(training_path, newline="") as f:
        training = list(csv.DictReader(f))
    features = [name for name in training[0] if name != "label"]
    sums: dict[str, list[float]] = {}
    for row in training:
        total = sums.setdefault(row["label"], [0.0] * (len(features) + 1))
        for i, name in enumerate(features):
            total[i] += float(row[name])
        total[-1] += 1
    centroids = {label: [v / total[-1] for v in total[:-1]] for label, total in sums.items()}
    with open(test_path, newline="") as f:
        for row in csv.DictReader(f):
            x = [float(row[name]) for name in features]
            print(min(centroids, key=lambda c: sum((a - b) ** 2 for a, b in zip(x, centroids[c]))))


if __name__ == "__main__":
    main(*sys.argv[1:3])
