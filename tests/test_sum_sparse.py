"""The sparse SUM classifiers (SparsePerceptron, NaiveBayesClassifier, SparseNearestCentroidClassifier)
against plain-Python integer references, the original's scenarios, every revert reason, and
chunked deployment of 1000-feature models, in both modes (`sum_node`: native store and precompiles,
and the plain-Solidity fallback). Model state read back is compared across the two modes.
"""
from __future__ import annotations

import random

import pytest

from web3.exceptions import ContractLogicError

from contracts.bindings.replica import NaiveBayesReplica, SparseCentroidReplica, SparsePerceptronReplica
from tests.sum_support import TO_FLOAT, artifact, revert_reason, to_fixed

TX_CAP = 16_777_216
# State read back in each mode, compared by the last test once both modes have run.
STATE: dict[str, dict[str, object]] = {}
# Gas measured in each mode (printed by test_thousand_features; run with -s to see it).
GAS: dict[str, dict[str, int]] = {}


def record(node, key, value):
    STATE.setdefault(node.mode, {})[key] = value


def measure(node, key, gas):
    GAS.setdefault(node.mode, {})[key] = gas


def send(node, call, sender=None):
    receipt = node.transact(call, sender=sender)
    assert receipt.status == 1
    assert receipt.gasUsed <= TX_CAP
    return receipt


# ----------------------------------------------------------------------------- SparsePerceptron


def test_sparse_perceptron_original_scenario(sum_node):
    node = sum_node
    weights = to_fixed([0, 5, -1])
    model, _ = node.deploy("SparsePerceptron", ["Negative", "Positive"], weights, 0, TO_FLOAT)
    assert model.functions.weights(0).call() == 0
    assert model.functions.getNumClassifications().call() == 2
    assert model.functions.predict([2]).call() == 0
    assert model.functions.predict([0, 1]).call() == 1
    send(node, model.functions.update([0, 1], 0))
    assert model.functions.weights(0).call() == -TO_FLOAT
    assert model.functions.weights(1).call() == 4 * TO_FLOAT
    assert model.functions.predict([0]).call() == 0
    assert model.functions.predict([1]).call() == 1
    pad = 2**20 + 1
    batch = [[0] + [pad] * 59, [1] + [pad] * 59]
    assert model.get_function_by_signature("evaluateBatch(uint24[60][],uint64[])")(batch, [0, 1]).call() == 2
    assert model.get_function_by_signature("evaluateBatch(uint24[60][],uint64[])")(batch, [1, 1]).call() == 1
    assert model.get_function_by_signature("evaluateBatch(int64[][],uint64[])")([[0], [1], [0, 1]], [0, 1, 1]).call() == 3

    # deployModel: weights [0,5,-1,2.1,-1.4], sparse {8: 9.1, 12: -7.3}, intercept 2, lr 0.5
    model, _ = node.deploy("SparsePerceptron", ["A", "B"], to_fixed([0, 5, -1]), 2 * TO_FLOAT, TO_FLOAT // 2)
    send(node, model.functions.initializeWeights(3, to_fixed([2.1, -1.4])))
    send(node, model.functions.initializeSparseWeights([[8, to_fixed([9.1])[0]], [12, to_fixed([-7.3])[0]]]))
    assert model.functions.intercept().call() == 2 * TO_FLOAT
    assert model.functions.learningRate().call() == TO_FLOAT // 2
    got = [model.functions.weights(i).call() for i in range(14)]
    assert got == to_fixed([0, 5, -1, 2.1, -1.4, 0, 0, 0, 9.1, 0, 0, 0, -7.3, 0])
    record(node, "perceptron-deploy", got)


def test_sparse_perceptron_random(sum_node):
    node = sum_node
    rng = random.Random(5)
    weights = [rng.randint(-3 * TO_FLOAT, 3 * TO_FLOAT) for _ in range(40)]
    intercept, rate = rng.randint(-TO_FLOAT, TO_FLOAT), TO_FLOAT // 2
    ref = SparsePerceptronReplica(weights[:25], intercept, rate)
    model, _ = node.deploy("SparsePerceptron", ["0", "1"], weights[:25], intercept, rate)
    # contiguous chunks (one overlapping the stored range), then sparse pairs inside and outside it
    send(node, model.functions.initializeWeights(20, weights[20:40]))
    ref.w.update({i: weights[i] for i in range(20, 40)})
    sparse = [[3, 7 * TO_FLOAT], [45, -2 * TO_FLOAT], [2**40, 3 * TO_FLOAT], [2**64 - 1, -TO_FLOAT]]
    send(node, model.functions.initializeSparseWeights(sparse))
    ref.w.update({i: v for i, v in sparse})
    universe = list(range(50)) + [2**40, 2**63 - 1]
    samples = [[rng.choice(universe) for _ in range(rng.randint(0, 8))] for _ in range(30)]
    assert [model.functions.predict(s).call() for s in samples] == [ref.predict(s) for s in samples]
    for s in samples[:12]:
        label = rng.randint(0, 1)
        send(node, model.functions.update(s, label))
        ref.update(s, label)
    assert [model.functions.predict(s).call() for s in samples] == [ref.predict(s) for s in samples]
    keys = list(range(50)) + [2**40, 2**63 - 1, 2**64 - 1]
    got = [model.functions.weights(i).call() for i in keys]
    assert got == [ref.w.get(i, 0) for i in keys]
    labels = [rng.randint(0, 1) for _ in samples]
    expected = sum(ref.predict(s) == y for s, y in zip(samples, labels))
    assert model.get_function_by_signature("evaluateBatch(int64[][],uint64[])")(samples, labels).call() == expected
    record(node, "perceptron-random", got)


def test_sparse_perceptron_reverts(sum_node):
    node = sum_node
    owner, other = node.accounts[0], node.accounts[1]
    model, _ = node.deploy("SparsePerceptron", ["0", "1"], [1, 2, 3], 0, 1)
    f = model.functions
    assert revert_reason(f.norm([1]), owner) == "Normalization is not required."
    assert revert_reason(f.predict([1, -1]), owner) == "Not all indices are >= 0."
    assert revert_reason(f.update([-5], 0), owner) == "Not all indices are >= 0."
    assert revert_reason(f.update([1], 0), other) == "Sender is not the owner."
    assert revert_reason(f.initializeWeights(0, [1]), other) == "Sender is not the owner."
    assert revert_reason(f.initializeSparseWeights([[1, 1]]), other) == "Sender is not the owner."
    assert revert_reason(f.initializeSparseWeights([[2**64, 1]]), owner) == "A feature index is too large."
    assert revert_reason(f.initializeSparseWeights([[-1, 1]]), owner) == "A feature index is too large."
    assert revert_reason(f.initializeWeights(2**64 - 1, [1, 2]), owner) == "A feature index is too large."
    batch = model.get_function_by_signature("evaluateBatch(int64[][],uint64[])")
    assert revert_reason(batch([[1]], [0, 1]), owner) == "The number of samples and labels must be the same."
    padded = model.get_function_by_signature("evaluateBatch(uint24[60][],uint64[])")
    assert revert_reason(padded([[0] * 60], []), owner) == "The number of samples and labels must be the same."
    # weights are kept as int128: one pushed past int80 by an update is kept, its int80 getter refuses it
    for high, low in ((1, 2), (7, 8)):  # inside the stored range (native) and in the mapping
        send(node, f.initializeSparseWeights([[high, 2**79 - 1], [low, -(2**79)]]))
        assert f.predict([high, low]).call() == 0
        send(node, f.update([high, low], 1))
        assert revert_reason(f.weights(high), owner) == "The weight does not fit int80."
        assert f.weights(low).call() == -(2**79) + 1
        assert f.predict([high]).call() == 1


# ----------------------------------------------------------------------------- NaiveBayesClassifier


def test_naive_bayes_original_scenario(sum_node):
    node = sum_node
    texts = ["alarm for 11 am tomorrow", "will i need a jacket for tomorrow"]
    vocab: dict[str, int] = {}
    for text in texts:
        for token in text.split():
            vocab.setdefault(token, len(vocab))
    counts = [[[vocab[t], text.split().count(t)] for t in dict.fromkeys(text.split())] for text in texts]
    model, _ = node.deploy("NaiveBayesClassifier", ["ALARM", "WEATHER"], [1, 1], counts, len(vocab), 1)
    f = model.functions
    assert f.getClassTotalFeatureCount(0).call() == 5
    assert f.getClassTotalFeatureCount(1).call() == 7
    assert [f.getFeatureCount(0, i).call() for i in range(11)] == [1] * 5 + [0] * 6
    assert [f.getFeatureCount(1, i).call() for i in range(11)] == [0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0]
    assert f.totalNumFeatures().call() == len(vocab) and f.smoothingFactor().call() == 1

    def encode(text):
        return [vocab[t] for t in text.split() if t in vocab]

    assert f.predict(encode("alarm for 9 am tomorrow")).call() == 0
    assert f.predict(encode("will i need a jacket today")).call() == 1
    new = len(vocab) + 10
    assert f.predict([new]).call() == 0
    receipt = send(node, f.update([0, 1, 2, new], 1))
    assert receipt.gasUsed < 113_705
    assert [f.getFeatureCount(1, i).call() for i in (0, 1, 2, new)] == [1, 2, 1, 1]
    assert f.getClassTotalFeatureCount(1).call() == 11 and f.getNumSamples(1).call() == 2
    assert f.predict([new]).call() == 1

    receipt = send(node, f.addClass(3, [[0, 2], [1, 3], [6, 5]], "NEW"))
    (event,) = model.events.AddClass().process_receipt(receipt)
    assert event.args.name == "NEW" and event.args.index == 2
    assert f.getNumClassifications().call() == 3 and f.classifications(2).call() == "NEW"
    assert f.getClassTotalFeatureCount(2).call() == 10
    assert [f.getFeatureCount(2, i).call() for i in range(11)] == [2, 3, 0, 0, 0, 0, 5, 0, 0, 0, 0]
    assert f.predict([0, 1, 6]).call() == 2

    # initializeCounts, with the fixed total: an overwritten count leaves the total
    model, _ = node.deploy("NaiveBayesClassifier", ["0", "1"], [1, 1], [[[0, 1]], [[1, 1]]], 2, 1)
    f = model.functions
    send(node, f.initializeCounts([[0, 0]], 0))
    assert f.getFeatureCount(0, 0).call() == 0 and f.getClassTotalFeatureCount(0).call() == 0
    send(node, f.initializeCounts([[0, 1], [2, 2]], 0))
    assert (f.getFeatureCount(0, 0).call(), f.getFeatureCount(0, 2).call()) == (1, 2)
    assert f.getClassTotalFeatureCount(0).call() == 3  # the original: 4
    send(node, f.initializeCounts([[2, 1], [3, 2]], 1))
    assert [f.getFeatureCount(1, i).call() for i in range(4)] == [0, 1, 1, 2]
    assert f.getClassTotalFeatureCount(1).call() == 4


def test_naive_bayes_random(sum_node):
    node = sum_node
    rng = random.Random(9)
    features = 60
    counts = [[[i, rng.randint(0, 9)] for i in rng.sample(range(features), 30)] for _ in range(3)]
    class_counts = [rng.randint(1, 20) for _ in range(3)]
    alpha = TO_FLOAT
    ref = NaiveBayesReplica(class_counts, [c[:20] for c in counts], features, alpha)
    model, _ = node.deploy("NaiveBayesClassifier", ["a", "b", "c"], class_counts, [c[:20] for c in counts], features, alpha)
    f = model.functions
    for c in range(3):
        send(node, f.initializeCounts(counts[c][20:] + [[70000, 4], [2**32 - 1, 2]], c))
        ref.initialize(counts[c][20:] + [[70000, 4], [2**32 - 1, 2]], c)
    universe = list(range(features + 5)) + [70000, 2**32 - 1, 2**40]
    samples = [[rng.choice(universe) for _ in range(rng.randint(0, 6))] for _ in range(30)]
    assert [f.predict(s).call() for s in samples] == [ref.predict(s) for s in samples]
    for s in samples[:12]:
        s = [i for i in s if i < 2**32]
        c = rng.randint(0, 2)
        send(node, f.update(s, c))
        ref.update(s, c)
    assert [f.predict(s).call() for s in samples] == [ref.predict(s) for s in samples]
    keys = list(range(features + 5)) + [70000, 2**32 - 1]
    state = [
        [f.getNumSamples(c).call(), f.getClassTotalFeatureCount(c).call()] + [f.getFeatureCount(c, i).call() for i in keys]
        for c in range(3)
    ]
    assert state == [
        [info["n"], info["total"]] + [info["counts"].get(i, 0) for i in keys] for info in ref.classes
    ]
    labels = [rng.randint(0, 2) for _ in samples]
    expected = sum(ref.predict(s) == y for s, y in zip(samples, labels))
    assert f.evaluateBatch(samples, labels).call() == expected
    record(node, "naive-bayes-random", state)


def test_naive_bayes_reverts(sum_node):
    node = sum_node
    owner, other = node.accounts[0], node.accounts[1]
    deploy = lambda *args: deploy_reason(node, "NaiveBayesClassifier", *args)  # noqa: E731
    assert deploy([], [], [], 1, 1) == "At least one class is required."
    assert deploy(["a"], [], [[]], 1, 1) == "The number of classifications must match the number of _classCounts."
    assert deploy(["a"], [1], [], 1, 1) == "The number of classifications must match the number of _featureCounts."
    model, _ = node.deploy("NaiveBayesClassifier", ["a", "b"], [1, 2**64 - 1], [[[0, 2**32 - 2]], [[1, 1]]], 4, 1)
    f = model.functions
    assert revert_reason(f.norm([1]), owner) == "Normalization is not required."
    assert revert_reason(f.predict([-1]), owner) == "Not all indices are >= 0."
    assert revert_reason(f.update([0], 2), owner) == "Classification is out of bounds."
    assert revert_reason(f.update([0], 1), owner) == "There are too many samples for the class."
    assert revert_reason(f.update([-1], 0), owner) == "Not all indices are >= 0."
    assert revert_reason(f.update([2**32], 0), owner) == "A feature index is too high."
    assert revert_reason(f.update([0, 0], 0), owner) == "A feature count in the class would become too high."
    send(node, f.update([0], 0))
    assert f.getFeatureCount(0, 0).call() == 2**32 - 1
    assert revert_reason(f.update([0], 0), owner) == "A feature count in the class would become too high."
    send(node, f.initializeCounts([[5000, 2**32 - 1]], 0))
    assert revert_reason(f.update([5000], 0), owner) == "A feature count in the class would become too high."
    assert revert_reason(f.update([0], 0), other) == "Sender is not the owner."
    assert revert_reason(f.initializeCounts([[0, 1]], 0), other) == "Sender is not the owner."
    assert revert_reason(f.addClass(1, [], "c"), other) == "Sender is not the owner."
    assert revert_reason(f.initializeCounts([[0, 1]], 2), owner) == "This classification has not been added yet."
    assert revert_reason(f.getFeatureCount(2, 0), owner) == "This classification has not been added yet."
    assert revert_reason(f.evaluateBatch([[0]], []), owner) == "The number of samples and labels must be the same."


def deploy_reason(node, name: str, *args) -> str:
    """The revert reason of a deployment that must fail (eth_call of the creation code)."""
    data = artifact(name)
    constructor = node.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"]).constructor(*args)
    try:
        node.w3.eth.call({"from": node.accounts[0], "data": constructor.data_in_transaction})
    except ContractLogicError as error:
        return error.message.removeprefix("execution reverted: ")
    raise AssertionError("the deployment did not revert")


# ----------------------------------------------------------------------------- SparseNearestCentroid


def test_sparse_centroid_original_scenario(sum_node):
    node = sum_node
    centroids = [[[0, TO_FLOAT]], [[1, TO_FLOAT]]]
    ref = SparseCentroidReplica(centroids, [2, 2])
    model, _ = node.deploy("SparseNearestCentroidClassifier", ["ALARM", "WEATHER"], centroids, [2, 2])
    f = model.functions
    assert [f.classifications(i).call() for i in range(2)] == ["ALARM", "WEATHER"]
    assert f.getSquaredMagnitude(0).call() == TO_FLOAT**2 == f.getSquaredMagnitude(1).call()
    assert f.predict([0]).call() == 0 and f.predict([1]).call() == 1
    for data, c, dims in (([1, 2], 1, 3), ([1, 2], 0, 3), ([4], 1, 5)):
        before = [f.getCentroidValue(c, j).call() for j in range(dims)]
        n = f.getNumSamples(c).call()
        send(node, f.update(data, c))
        ref.update(data, c)
        assert f.getNumSamples(c).call() == n + 1
        after = [f.getCentroidValue(c, j).call() for j in range(dims)]
        for j in range(dims):
            assert abs(after[j] - (before[j] * n + (TO_FLOAT if j in data else 0)) / (n + 1)) <= 1
        assert abs(f.getSquaredMagnitude(c).call() - sum(v * v for v in after)) <= TO_FLOAT
        assert after == [ref.value(c, j) for j in range(dims)]
        assert f.getSquaredMagnitude(c).call() == ref.classes[c]["mag"]
    receipt = send(node, f.addClass([[0, 0], [1, 0], [2, TO_FLOAT]], "NEW", 2))
    (event,) = model.events.AddClass().process_receipt(receipt)
    assert (event.args.name, event.args.index) == ("NEW", 2)
    assert f.getNumClassifications().call() == 3 and f.getNumSamples(2).call() == 2
    before = [f.getCentroidValue(0, j).call() for j in range(3)]
    send(node, f.extendCentroid([[5, 3 * TO_FLOAT // 2], [7, 5 * TO_FLOAT // 2]], 0))
    assert [f.getCentroidValue(0, j).call() for j in range(8)] == before + [0, 0, 3 * TO_FLOAT // 2, 0, 5 * TO_FLOAT // 2]
    assert f.UINT256_MAX().call() == 2**256 - 1 and f.dataCountLimit().call() == 2**191


def test_sparse_centroid_random(sum_node):
    node = sum_node
    rng = random.Random(13)
    centroids = [[[i, rng.randint(0, TO_FLOAT)] for i in rng.sample(range(40), 25)] for _ in range(3)]
    counts = [rng.randint(1, 10) for _ in range(2)] + [0]
    ref = SparseCentroidReplica([c[:15] for c in centroids], counts)
    model, _ = node.deploy("SparseNearestCentroidClassifier", ["a", "b", "c"], [c[:15] for c in centroids], counts)
    f = model.functions
    for c in range(3):
        send(node, f.extendCentroid(centroids[c][15:], c))
        ref.extend(centroids[c][15:], c)
    samples = [sorted(rng.sample(range(45), rng.randint(1, 8))) for _ in range(30)]
    assert [f.predict(s).call() for s in samples] == [ref.predict(s) for s in samples]
    # class 2 has no samples: its first update takes the sample as its centroid (the original divided by 0)
    for s, c in [(samples[0], 2)] + [(s, rng.randint(0, 2)) for s in samples[1:12]]:
        send(node, f.update(s, c))
        ref.update(s, c)
    assert [f.predict(s).call() for s in samples] == [ref.predict(s) for s in samples]
    state = [
        [f.getNumSamples(c).call(), f.getSquaredMagnitude(c).call()] + [f.getCentroidValue(c, j).call() for j in range(45)]
        for c in range(3)
    ]
    assert state == [[info["n"], info["mag"]] + [ref.value(c, j) for j in range(45)] for c, info in enumerate(ref.classes)]
    labels = [rng.randint(0, 2) for _ in samples]
    expected = sum(ref.predict(s) == y for s, y in zip(samples, labels))
    assert f.evaluateBatch(samples, labels).call() == expected
    record(node, "centroid-random", state)


def test_sparse_centroid_reverts(sum_node):
    node = sum_node
    owner, other = node.accounts[0], node.accounts[1]
    deploy = lambda *args: deploy_reason(node, "SparseNearestCentroidClassifier", *args)  # noqa: E731
    assert deploy(["a"], [], [1]) == "The number of centroids and classifications must be the same."
    assert deploy([], [], []) == "At least one class is required."
    assert deploy(["a"], [[]], []) == "The number of data counts and classifications must be the same."
    assert deploy(["a"], [[[2**32, 1]]], [1]) == "A feature index is too high."
    model, _ = node.deploy("SparseNearestCentroidClassifier", ["a"], [[[0, TO_FLOAT]]], [1])
    f = model.functions
    assert revert_reason(f.norm([1]), owner) == "Normalization is not required."
    assert revert_reason(f.predict([-1]), owner) == "Not all indices are >= 0."
    assert revert_reason(f.update([0], 1), owner) == "This classification has not been added yet."
    assert revert_reason(f.update([-1], 0), owner) == "Not all indices are >= 0."
    assert revert_reason(f.update([2**32], 0), owner) == "A feature index is too high."
    assert revert_reason(f.update([0], 0), other) == "Sender is not the owner."
    assert revert_reason(f.extendCentroid([[1, 1]], 1), owner) == "This classification has not been added yet."
    assert revert_reason(f.extendCentroid([[1, 1]], 0), other) == "Sender is not the owner."
    assert revert_reason(f.addClass([], "b", 1), other) == "Sender is not the owner."
    assert revert_reason(f.extendCentroid([[2**32, 1]], 0), owner) == "A feature index is too high."
    assert revert_reason(f.evaluateBatch([[0]], []), owner) == "The number of samples and labels must be the same."


# ----------------------------------------------------------------------------- 1000 features


def test_thousand_features(sum_node):
    """Chunked deployment (every tx within the cap), then update and predict gas at 20 present."""
    node = sum_node
    rng = random.Random(21)
    # The constructor's chunk is bounded by EIP-3860's 49,152-byte initcode (a [index, count] pair is
    # 128 bytes of ABI), the later calls by the transaction cap.
    d, chunk, first = 1000, 400, 64
    sample = sorted(rng.sample(range(d), 20))

    weights = [rng.randint(-TO_FLOAT, TO_FLOAT) for _ in range(d)]
    model, receipt = node.deploy("SparsePerceptron", ["0", "1"], weights[:chunk], 0, TO_FLOAT)
    gases = [receipt.gasUsed]
    for start in range(chunk, d, chunk):
        gases.append(send(node, model.functions.initializeWeights(start, weights[start:start + chunk])).gasUsed)
    assert max(gases) <= TX_CAP
    measure(node, "perceptron deploy max tx", max(gases))
    ref = SparsePerceptronReplica(weights, 0, TO_FLOAT)
    label = ref.predict(sample)
    measure(node, "perceptron predict", model.functions.predict(sample).estimate_gas())
    measure(node, "perceptron update (agrees)", send(node, model.functions.update(sample, label)).gasUsed)
    measure(node, "perceptron update (wrong)", send(node, model.functions.update(sample, 1 - label)).gasUsed)
    ref.update(sample, 1 - label)
    assert [model.functions.weights(i).call() for i in sample] == [ref.w[i] for i in sample]

    counts = [[[i, rng.randint(1, 50)] for i in range(d)] for _ in range(2)]
    nb, receipt = node.deploy("NaiveBayesClassifier", ["0", "1"], [500, 500], [c[:first] for c in counts], d, TO_FLOAT)
    gases = [receipt.gasUsed]
    for c in range(2):
        for start in range(first, d, chunk):
            gases.append(send(node, nb.functions.initializeCounts(counts[c][start:start + chunk], c)).gasUsed)
    assert max(gases) <= TX_CAP
    measure(node, "naive bayes deploy max tx", max(gases))
    nb_ref = NaiveBayesReplica([500, 500], counts, d, TO_FLOAT)
    measure(node, "naive bayes predict", nb.functions.predict(sample).estimate_gas())
    measure(node, "naive bayes update", send(node, nb.functions.update(sample, 1)).gasUsed)
    nb_ref.update(sample, 1)
    assert nb.functions.predict(sample).call() == nb_ref.predict(sample)

    centroids = [[[i, rng.randint(0, TO_FLOAT)] for i in range(d)] for _ in range(2)]
    ncc, receipt = node.deploy("SparseNearestCentroidClassifier", ["0", "1"], [c[:first] for c in centroids], [100, 100])
    gases = [receipt.gasUsed]
    for c in range(2):
        for start in range(first, d, chunk):
            gases.append(send(node, ncc.functions.extendCentroid(centroids[c][start:start + chunk], c)).gasUsed)
    assert max(gases) <= TX_CAP
    measure(node, "centroid deploy max tx", max(gases))
    ncc_ref = SparseCentroidReplica(centroids, [100, 100])
    measure(node, "centroid predict", ncc.functions.predict(sample).estimate_gas())
    measure(node, "centroid update", send(node, ncc.functions.update(sample, 0)).gasUsed)
    ncc_ref.update(sample, 0)
    assert ncc.functions.predict(sample).call() == ncc_ref.predict(sample)
    assert ncc.functions.getSquaredMagnitude(0).call() == ncc_ref.classes[0]["mag"]
    for key, value in GAS[node.mode].items():
        print(f"{node.mode:8} {key:32} {value:>10,}")


def test_same_state_in_both_modes(sum_node):
    """Runs last in each mode; once both modes ran, their model state must be identical."""
    if len(STATE) < 2:
        pytest.skip("the other mode has not run yet")
    assert STATE["native"] == STATE["fallback"]
