"""DensePerceptron and NearestCentroidClassifier through web3.py, on a node in each mode.

Predictions, updates and the model read back are checked against plain-Python integer references;
the references are seeded, so both modes are held to the same numbers (hence to each other). The
original framework's JS scenarios (sum-reference C: denseperceptron.js, nearestcentroidclassifier.js,
vpa-classifier.js) are replayed. Chunked deployment of a d=1000 perceptron and a d=512 two-class
nearest centroid keeps every transaction within the Osaka per-transaction cap in both modes.
Gas of predict and update is printed (`-s`), not asserted.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from web3.exceptions import ContractLogicError

from contracts.bindings.replica import DenseCentroidReplica, DensePerceptronReplica, trunc_div
from tests.sum_support import TO_FLOAT, pack, revert_reason, to_fixed, unit_vector

TX_CAP = 16_777_216
NOT_UNIT = "The provided data does not have a norm of 1."
NOT_OWNER = "Sender is not the owner."
PACKED = "Packed data must be 8 bytes per element."
BATCH = "The number of samples and labels must be the same."
P_DIM = "The data must have the same dimension as the weights."
C_DIM = "Data doesn't have the correct number of dimensions."
C_LEN = "Data doesn't have the correct length."
C_CLASS = "Classification is out of bounds."
PERCEPTRON_CHUNK = 250  # weights per deployment transaction (d = 1000: the constructor and 3 more)
CENTROID_CHUNK = 256  # centroid elements per deployment transaction (d = 512: constructor, extendCentroid)


# ---------------------------------------------------------------------------- references

def unit_ok(x) -> bool:
    return 10**18 - 10**11 < sum(v * v for v in x) < 10**18 + 10**11


# ---------------------------------------------------------------------------- helpers

def stored(contract, vector_id: int) -> list[int]:
    return contract.functions.storedVector(vector_id.to_bytes(32, "big")).call()


def send(node, call, sender=None):
    receipt = node.transact(call, sender=sender)
    assert receipt.status == 1
    assert receipt.gasUsed <= TX_CAP
    return receipt


def gas_split(node, receipt) -> str:
    """Execution gas (bench/gas_split: gasUsed − intrinsic, or from the trace when EIP-7623's floor binds)."""
    from bench.gas_split import TRACE_CONFIG, split

    data = bytes(node.w3.eth.get_transaction(receipt.transactionHash)["input"])

    def trace():
        response = node.w3.provider.make_request("debug_traceTransaction", [node.w3.to_hex(receipt.transactionHash), TRACE_CONFIG])
        return response["result"]

    result = split(receipt.gasUsed, data, trace)
    binds = ", calldata floor binds" if result.floor_binds else ""
    return f"execution {result.execution} (gasUsed {result.gas_used}, floor {result.floor}{binds})"


def deploy_reason(node, name, *args) -> str:
    from tests.sum_support import artifact

    data = artifact(name)
    factory = node.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"])
    tx = factory.constructor(*args).build_transaction({"from": node.accounts[0], "gas": TX_CAP})
    try:
        node.w3.eth.call({"from": node.accounts[0], "data": tx["data"], "gas": TX_CAP})
    except ContractLogicError as error:
        return error.message.removeprefix("execution reverted: ")
    raise AssertionError("the deployment did not revert")


def with_square_sum(total: int, d: int = 4) -> list[int]:
    """d >= 4 integers whose squares sum to exactly `total` (about 1e18): the first near 1e9."""
    for first in range(math.isqrt(total), 0, -1):
        rest = total - first * first
        for j in range(0, 50):
            second = math.isqrt(rest) - j
            if second < 0:
                break
            r2 = rest - second * second
            for third in range(math.isqrt(r2) + 1):
                fourth = math.isqrt(r2 - third * third)
                if third * third + fourth * fourth == r2:
                    return [first, -second, third, -fourth] + [0] * (d - 4)
    raise AssertionError("no decomposition")


def code_size(contract, node) -> int:
    return len(node.w3.eth.get_code(contract.address))


# ---------------------------------------------------------------------------- DensePerceptron

def deploy_perceptron(node, weights, intercept, learning_rate, chunk=PERCEPTRON_CHUNK):
    contract, receipt = node.deploy("DensePerceptron", ["NEGATIVE", "POSITIVE"], weights[:chunk], intercept, learning_rate)
    receipts = [receipt]
    for start in range(chunk, len(weights), chunk):
        receipts.append(send(node, contract.functions.initializeWeights(weights[start:start + chunk])))
    assert all(r.gasUsed <= TX_CAP for r in receipts)
    return contract, receipts


def test_perceptron_original_scenario(sum_node):
    """denseperceptron.js: chunked weights read back; two predictions; update with and against the model."""
    weights = to_fixed([0, 1, -1, 0, 0, 0, 0, 1])
    contract, _ = deploy_perceptron(sum_node, weights, 0, TO_FLOAT, chunk=5)
    f = contract.functions
    assert [f.weights(i).call() for i in range(8)] == weights
    assert f.intercept().call() == 0 and f.learningRate().call() == TO_FLOAT
    assert f.getNumClassifications().call() == 2

    def normalized(values):
        values = np.array(values, dtype=float)
        return to_fixed(values / np.linalg.norm(values))

    assert f.predict(normalized([0, 2, 1, 0, 0, 0, 0, 0])).call() == 1
    assert f.predict(normalized([1, 0, 2, 0, 0, 0, 0, 0])).call() == 0
    x = normalized([1, 1, 1, 0, 0, 0, 0, 0])
    ref = DensePerceptronReplica(weights, 0, TO_FLOAT)
    current = f.predict(x).call()
    assert current == ref.predict(x)
    receipt = send(sum_node, f.update(x, current))
    assert receipt.gasUsed < 100_000
    assert stored(contract, 0) == weights
    receipt = send(sum_node, f.update(x, 1 - current))
    assert receipt.gasUsed < 100_000
    ref.update(x, 1 - current)
    sign = 1 if 1 - current else -1
    assert stored(contract, 0) == ref.w == [w + sign * v for w, v in zip(weights, x)]
    assert f.predict(x).call() == 1 - current


def test_perceptron_intercept_scaled_like_products(sum_node):
    """The fixed quirk: w = 1.0, intercept = −2.0, x = 1.0 gives 1·1 − 2 < 0 (the original said 1)."""
    contract, _ = deploy_perceptron(sum_node, [TO_FLOAT], -2 * TO_FLOAT, TO_FLOAT)
    assert contract.functions.predict([TO_FLOAT]).call() == 0
    assert contract.functions.predictPacked(pack([TO_FLOAT])).call() == 0
    assert contract.functions.predict([3 * TO_FLOAT]).call() == 1


@pytest.fixture(scope="module")
def big_perceptron(sum_node):
    rng = np.random.default_rng(1000)
    d = 1000
    weights = [int(v) for v in rng.integers(-(10**9), 10**9, size=d)]
    contract, receipts = deploy_perceptron(sum_node, weights, 123_456_789, TO_FLOAT // 2)
    print(f"\n[{sum_node.mode}] DensePerceptron d=1000, chunks of {PERCEPTRON_CHUNK}: gasUsed",
          [r.gasUsed for r in receipts], f"code size {code_size(contract, sum_node)}")
    return contract, DensePerceptronReplica(weights, 123_456_789, TO_FLOAT // 2), rng


def test_perceptron_d1000(sum_node, big_perceptron):
    """Predict and update at d = 1000, ABI and packed, against the reference; the model read back."""
    contract, ref, rng = big_perceptron
    f = contract.functions
    samples = [unit_vector(rng, 1000) for _ in range(6)]
    for x in samples:
        expected = ref.predict(x)
        assert f.predict(x).call() == expected
        assert f.predictPacked(pack(x)).call() == expected
    gas = {}
    for i, x in enumerate(samples):
        packed = i % 2 == 1
        agree = i < 2
        label = ref.predict(x) if agree else 1 - ref.predict(x)
        call = f.updatePacked(pack(x), label) if packed else f.update(x, label)
        receipt = send(sum_node, call)
        ref.update(x, label)
        gas[("packed" if packed else "ABI", "agrees" if agree else "updates")] = gas_split(sum_node, receipt)
        assert stored(contract, 0) == ref.w
    x = samples[0]
    gas[("ABI", "predict")] = gas_split(sum_node, send(sum_node, f.predict(x)))
    gas[("packed", "predict")] = gas_split(sum_node, send(sum_node, f.predictPacked(pack(x))))
    for key, value in sorted(gas.items()):
        print(f"[{sum_node.mode}] perceptron d=1000 {key[0]} {key[1]}: {value}")
    labels = [ref.predict(x) for x in samples[:2]] + [1 - ref.predict(x) for x in samples[2:4]]
    assert f.evaluateBatch(samples[:4], labels).call() == 2
    assert [f.weights(i).call() for i in (0, 499, 999)] == [ref.w[0], ref.w[499], ref.w[999]]


def test_perceptron_packed_equals_abi(sum_node):
    """The same updates through the ABI and the packed entries leave the same weights."""
    rng = np.random.default_rng(7)
    weights = [int(v) for v in rng.integers(-(10**9), 10**9, size=40)]
    a, _ = deploy_perceptron(sum_node, weights, -5, 3 * TO_FLOAT)
    b, _ = deploy_perceptron(sum_node, weights, -5, 3 * TO_FLOAT)
    ref = DensePerceptronReplica(weights, -5, 3 * TO_FLOAT)
    for i in range(8):
        x = unit_vector(rng, 40)
        label = int(rng.integers(0, 3))  # 2 counts as class 1
        send(sum_node, a.functions.update(x, label))
        send(sum_node, b.functions.updatePacked(pack(x), label))
        ref.update(x, label)
    assert stored(a, 0) == stored(b, 0) == ref.w


def test_perceptron_reverts(sum_node):
    contract, _ = deploy_perceptron(sum_node, [TO_FLOAT, 0, 0, 0], 0, TO_FLOAT)
    f, owner, other = contract.functions, sum_node.accounts[0], sum_node.accounts[1]
    x = [TO_FLOAT, 0, 0, 0]
    assert revert_reason(f.predict([TO_FLOAT]), owner) == P_DIM
    assert revert_reason(f.predictPacked(pack([TO_FLOAT])), owner) == P_DIM
    assert revert_reason(f.predictPacked(b"\x00" * 12), owner) == PACKED
    assert revert_reason(f.update([TO_FLOAT], 1), owner) == P_DIM
    assert revert_reason(f.updatePacked(pack([TO_FLOAT]), 1), owner) == P_DIM
    assert revert_reason(f.updatePacked(b"\x00" * 33, 1), owner) == PACKED
    assert revert_reason(f.update(x, 1), other) == NOT_OWNER
    assert revert_reason(f.updatePacked(pack(x), 1), other) == NOT_OWNER
    assert revert_reason(f.initializeWeights([1]), other) == NOT_OWNER
    assert revert_reason(f.transferOwnership("0x" + "00" * 20), owner) == "New owner cannot be 0x0."
    assert revert_reason(f.weights(4), owner) == "VectorStore: index out of range"
    assert revert_reason(f.evaluateBatch([x], [1, 0]), owner) == BATCH
    # the unit-norm band, at and around its ends, in both entries (floor(sqrt) = 1e9−51 / 1e9+49 are
    # the ambiguous roots where Σx² itself decides)
    low, high = 10**18 - 10**11, 10**18 + 10**11
    for total, inside in [(low, False), (low + 1, True), (high - 1, True), (high, False),
                          ((10**9 - 50) ** 2, True), ((10**9 - 51) ** 2, False), ((10**9 - 50) ** 2 - 1, True),
                          ((10**9 + 49) ** 2, True), ((10**9 + 50) ** 2 - 1, False), (0, False)]:
        sample = with_square_sum(total) if total else [0, 0, 0, 0]
        assert sum(v * v for v in sample) == total
        for call in (f.update(sample, 1), f.updatePacked(pack(sample), 1)):
            if inside:
                call.call({"from": owner})
            else:
                assert revert_reason(call, owner) == NOT_UNIT, total
    assert f.norm(with_square_sum(low)).call() == 10**9 - 51
    # an update that changes nothing still checks the norm
    assert f.predict(x).call() == 1
    assert revert_reason(f.update([2 * TO_FLOAT, 0, 0, 0], 1), owner) == NOT_UNIT


# ---------------------------------------------------------------------------- NearestCentroidClassifier

def normalize_by_contract(contract, values) -> list[int]:
    """As the original clients: x·1e9 / norm(x), norm from the contract."""
    fixed = to_fixed(values)
    n = contract.functions.norm(fixed).call()
    assert n == math.isqrt(sum(v * v for v in fixed))
    return [trunc_div(v * TO_FLOAT, n) for v in fixed]


def test_ncc_original_scenario(sum_node):
    """nearestcentroidclassifier.js."""
    centroids = [to_fixed([-1, -1]), to_fixed([1, 1])]
    contract, _ = sum_node.deploy("NearestCentroidClassifier", ["ALARM", "WEATHER"], centroids, [2, 2])
    f = contract.functions
    assert f.getNumClassifications().call() == 2
    assert [f.classifications(i).call() for i in range(2)] == ["ALARM", "WEATHER"]
    assert f.predict(normalize_by_contract(contract, [-1.5, -0.5])).call() == 0
    assert f.predict(normalize_by_contract(contract, [0.5, 1.5])).call() == 1
    ref = DenseCentroidReplica(centroids, [2, 2])
    for values, label in [([4, 4], 1), ([-4, -4], 0)]:
        x = normalize_by_contract(contract, values)
        send(sum_node, f.update(x, label))
        ref.update(x, label)
        assert f.dataCounts(label).call() == f.getNumSamples(label).call() == 3
        assert [f.centroids(label, j).call() for j in range(2)] == ref.c[label]
        assert [f.getCentroidValue(label, j).call() for j in range(2)] == ref.c[label]
    receipt = send(sum_node, f.addClass(to_fixed([-1, 1]), "NEW", 2))
    events = contract.events.AddClass().process_receipt(receipt)
    assert [(e.args.name, e.args.index) for e in events] == [("NEW", 2)]
    assert f.getNumClassifications().call() == 3
    assert f.classifications(2).call() == "NEW" and f.dataCounts(2).call() == 2
    send(sum_node, f.extendCentroid(to_fixed([2, 2]), 0))
    assert [f.centroids(0, j).call() for j in range(4)] == ref.c[0] + to_fixed([2, 2])


@pytest.fixture(scope="module")
def vpa(sum_node):
    """vpa-classifier.js's shape: 512 dimensions, WEATHER_GET and MUSIC_PLAY, 2000 samples each;
    class 0 deployed in chunks (constructor + extendCentroid), class 1 by addClass."""
    rng = np.random.default_rng(512)
    centroids = [unit_vector(rng, 512), unit_vector(rng, 512)]
    contract, receipt = sum_node.deploy("NearestCentroidClassifier", ["WEATHER_GET"], [centroids[0][:CENTROID_CHUNK]], [2000])
    receipts = [receipt]
    for start in range(CENTROID_CHUNK, 512, CENTROID_CHUNK):
        receipts.append(send(sum_node, contract.functions.extendCentroid(centroids[0][start:start + CENTROID_CHUNK], 0)))
    receipts.append(send(sum_node, contract.functions.addClass(centroids[1], "MUSIC_PLAY", 2000)))
    assert all(r.gasUsed <= TX_CAP for r in receipts)
    print(f"\n[{sum_node.mode}] NearestCentroidClassifier d=512, chunks of {CENTROID_CHUNK}: gasUsed",
          [r.gasUsed for r in receipts], f"code size {code_size(contract, sum_node)}")
    return contract, DenseCentroidReplica(centroids, [2000, 2000]), rng


def test_ncc_d512(sum_node, vpa):
    contract, ref, rng = vpa
    f = contract.functions
    assert [f.classifications(i).call() for i in range(2)] == ["WEATHER_GET", "MUSIC_PLAY"]
    # samples between the two centroids, so both classes are predicted
    samples = []
    for _ in range(6):
        mix = np.array(ref.c[0], dtype=float) * rng.uniform(0, 1) + np.array(ref.c[1], dtype=float) * rng.uniform(0, 1)
        mix += rng.normal(scale=2e7, size=512)
        samples.append(to_fixed(mix / np.linalg.norm(mix)))
    for x in samples:
        assert unit_ok(x)
        expected = ref.predict(x)
        assert f.predict(x).call() == expected
        assert f.predictPacked(pack(x)).call() == expected
    gas = {}
    for i, x in enumerate(samples[:4]):
        packed = i % 2 == 1
        label = i // 2
        call = f.updatePacked(pack(x), label) if packed else f.update(x, label)
        receipt = send(sum_node, call)
        ref.update(x, label)
        gas[("packed" if packed else "ABI", f"update class {label}")] = gas_split(sum_node, receipt)
        assert stored(contract, label) == ref.c[label]
        assert f.dataCounts(label).call() == ref.n[label]
    x = samples[4]
    gas[("ABI", "predict")] = gas_split(sum_node, send(sum_node, f.predict(x)))
    gas[("packed", "predict")] = gas_split(sum_node, send(sum_node, f.predictPacked(pack(x))))
    for key, value in sorted(gas.items()):
        print(f"[{sum_node.mode}] NCC d=512 {key[0]} {key[1]}: {value}")
    # two samples only: the fallback's NEAREST at d = 512 is slow to run on py-evm (the RPC's eth_call
    # timeout); larger batches are evaluated at d = 16 below
    labels = [1 - ref.predict(samples[0]), ref.predict(samples[1])]
    assert f.evaluateBatch(samples[:2], labels).call() == 1
    assert stored(contract, 0) == ref.c[0] and stored(contract, 1) == ref.c[1]


def test_ncc_packed_equals_abi_and_count_limit(sum_node):
    """ABI and packed updates leave the same model; a count at dataCountLimit stops growing."""
    rng = np.random.default_rng(3)
    limit = 2**191
    centroids = [unit_vector(rng, 16), unit_vector(rng, 16), unit_vector(rng, 16)]
    counts = [0, 5, limit - 1]
    a, _ = sum_node.deploy("NearestCentroidClassifier", ["A", "B", "C"], centroids, counts)
    b, _ = sum_node.deploy("NearestCentroidClassifier", ["A", "B", "C"], centroids, counts)
    ref = DenseCentroidReplica(centroids, counts)
    for i in range(7):
        x = unit_vector(rng, 16)
        label = i % 3
        send(sum_node, a.functions.update(x, label))
        send(sum_node, b.functions.updatePacked(pack(x), label))
        ref.update(x, label)
        assert a.functions.predict(x).call() == b.functions.predictPacked(pack(x)).call() == ref.predict(x)
    for label in range(3):
        assert stored(a, label) == stored(b, label) == ref.c[label]
        assert a.functions.dataCounts(label).call() == b.functions.dataCounts(label).call() == ref.n[label]
    assert ref.n[2] == limit
    batch = [unit_vector(rng, 16) for _ in range(10)]
    labels = [int(v) for v in rng.integers(0, 3, size=10)]
    expected = sum(ref.predict(x) == label for x, label in zip(batch, labels))
    assert a.functions.evaluateBatch(batch, labels).call() == b.functions.evaluateBatch(batch, labels).call() == expected


def test_ncc_reverts(sum_node):
    centroids = [to_fixed([-1, -1]), to_fixed([1, 1])]
    contract, _ = sum_node.deploy("NearestCentroidClassifier", ["A", "B"], centroids, [2, 2])
    f, owner, other = contract.functions, sum_node.accounts[0], sum_node.accounts[1]
    x = [TO_FLOAT, 0]
    assert revert_reason(f.update(x, 2), owner) == C_CLASS  # checked before the centroid is read
    assert revert_reason(f.updatePacked(pack(x), 2), owner) == C_CLASS
    assert revert_reason(f.update([TO_FLOAT], 1), owner) == C_DIM
    assert revert_reason(f.updatePacked(pack([TO_FLOAT]), 1), owner) == C_DIM
    assert revert_reason(f.updatePacked(b"\x00" * 9, 1), owner) == PACKED
    assert revert_reason(f.update([TO_FLOAT // 2, 0], 1), owner) == NOT_UNIT
    assert revert_reason(f.updatePacked(pack([TO_FLOAT // 2, 0]), 1), owner) == NOT_UNIT
    assert revert_reason(f.update(x, 1), other) == NOT_OWNER
    assert revert_reason(f.predict([TO_FLOAT]), owner) == C_LEN
    assert revert_reason(f.predictPacked(pack([TO_FLOAT])), owner) == C_LEN
    assert revert_reason(f.predictPacked(b"\x00" * 4), owner) == PACKED
    assert revert_reason(f.evaluateBatch([x], []), owner) == BATCH
    assert revert_reason(f.extendCentroid([1], 2), owner) == C_CLASS
    assert revert_reason(f.extendCentroid([1], 0), other) == NOT_OWNER
    assert revert_reason(f.addClass([1], "C", 0), owner) == C_DIM
    assert revert_reason(f.addClass([1, 1], "C", 2**191), owner) == "Data count is too large."
    assert revert_reason(f.addClass([1, 1], "C", 0), other) == NOT_OWNER
    assert revert_reason(f.centroids(0, 2), owner) == "VectorStore: index out of range"
    assert revert_reason(f.getCentroidValue(2, 0), owner) == "VectorStore: index out of range"
    # while class 0 is longer than class 1 (mid-deployment), a prediction cannot compare them
    send(sum_node, f.extendCentroid([0], 0))
    assert revert_reason(f.predict([TO_FLOAT, 0, 0]), owner) == "VectorStore: length mismatch"
    assert revert_reason(f.update([TO_FLOAT, 0], 0), owner) == C_DIM
    f.update([TO_FLOAT, 0, 0], 0).call({"from": owner})

    name = "NearestCentroidClassifier"
    assert deploy_reason(sum_node, name, ["A"], [], [1]) == "The number of centroids and classifications must be the same."
    assert deploy_reason(sum_node, name, [], [], []) == "At least one class is required."
    assert deploy_reason(sum_node, name, ["A", "B"], [[1], [1, 2]], [1, 1]) == "Inconsistent number of dimensions."
    assert deploy_reason(sum_node, name, ["A", "B"], [[1], [1]], [1]) == (
        "The number of data counts and classifications must be the same.")
    assert deploy_reason(sum_node, name, ["A"], [[1]], [2**191]) == "Data count is too large."


def raw_reason(node, contract, data: bytes):
    """(True, None) when an eth_call of raw calldata succeeds, else (False, reason)."""
    try:
        node.w3.eth.call({"from": node.accounts[0], "to": contract.address, "data": data})
        return True, None
    except ContractLogicError as error:
        return False, error.message.removeprefix("execution reverted: ")


def test_non_canonical_abi_words(sum_node):
    """ABI samples are read as the words they arrive in: a word outside int64 but inside int128 is
    used as sent; one outside int128 reverts with the library's reason, in both modes."""
    perceptron, _ = deploy_perceptron(sum_node, [TO_FLOAT, 0], 0, TO_FLOAT)
    ncc, _ = sum_node.deploy("NearestCentroidClassifier", ["A", "B"], [[-TO_FLOAT, 0], [TO_FLOAT, 0]], [1, 1])
    for contract in (perceptron, ncc):
        data = bytes.fromhex(contract.encode_abi("predict", args=[[1, 0]])[2:])
        first = 4 + 64  # selector, offset word, length word

        def with_first(value: int) -> bytes:
            return data[:first] + (value % 2**256).to_bytes(32, "big") + data[first + 32:]

        assert raw_reason(sum_node, contract, with_first(2**100)) == (True, None)
        assert raw_reason(sum_node, contract, with_first(-(2**127))) == (True, None)
        assert raw_reason(sum_node, contract, with_first(2**127)) == (False, "VectorStore: element out of range")
        update = bytes.fromhex(contract.encode_abi("update", args=[[TO_FLOAT, 0], 1])[2:])
        update = update[:first + 32] + (2**127).to_bytes(32, "big") + update[first + 64:]
        assert raw_reason(sum_node, contract, update) == (False, "VectorMath: element out of range")
