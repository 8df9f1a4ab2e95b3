"""contracts/bindings: model files, chunked deployment and the trainer binding, on a node in each mode.

The bindings talk plain JSON-RPC (no web3.py); the `sum_node` fixture runs every node test against
`sumchain node` with and without the ML precompiles. web3.py is used here only to read state back.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from eth_utils import to_checksum_address

from contracts.bindings import (TX_GAS_CAP, Connection, ContractError, IncentiveSettings, ModelFileError,
                                NodeUnreachable, Reverted, SumError, Trainer, deploy, load_model, normalize, pack,
                                parse_model, unpack)
from contracts.bindings.contract import OverGasCap, Sender, artifact, checksum, decode_revert
from contracts.bindings.deploy import Deployer
from contracts.bindings.rpc import RpcClient
from tests.sum_support import unit_vector

# Dev account 2 of the standard mnemonic (genesis/dev.json): signs locally in the private-key tests.
DEV_KEY_2 = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
FAST = IncentiveSettings("stakeable", refund_wait_s=10, owner_claim_wait_s=20, any_address_claim_wait_s=30,
                         cost_weight=10**12)

SMALL_MODELS = {
    "dense perceptron": {"type": "dense perceptron", "classifications": ["neg", "pos"],
                         "weights": [1.0, -1.0, 0.5], "intercept": 0},
    "sparse perceptron": {"type": "sparse perceptron", "classifications": ["neg", "pos"], "weights": [1, -1, 0],
                          "bias": 0, "sparseWeights": {"10": 2, "11": -3}},
    "naive bayes": {"type": "naive bayes", "classifications": ["A", "B"], "classCounts": [5, 5],
                    "featureCounts": [[[0, 10], [1, 1]], [[1, 10], [2, 5]]], "totalNumFeatures": 3,
                    "smoothingFactor": 1},
    "nearest centroid classifier": {"type": "dense nearest centroid classifier",
                                    "intents": {"x": {"centroid": [1, 0], "dataCount": 3},
                                                "y": {"centroid": [0, 1], "dataCount": 3}}},
    "sparse nearest centroid classifier": {
        "type": "sparse nearest centroid classifier",
        "centroids": {"a": {"centroid": {"0": 1, "1": 1}, "dataCount": 2},
                      "b": {"centroid": [0, 0, 1, 1], "dataCount": 2}}},
}
# (sample, expected class) for each small model: the samples sit at one class or the other.
SMALL_CASES = {
    "dense perceptron": [(normalize([1, 0, 0]), 1), (normalize([-1, 0, 0]), 0), (normalize([0, 1, 0]), 0)],
    "sparse perceptron": [([0], 1), ([1], 0), ([10], 1), ([11], 0), ([0, 11], 0)],
    "naive bayes": [([0], 0), ([1], 1), ([2], 1)],
    "nearest centroid classifier": [(normalize([1, 0.1]), 0), (normalize([0.1, 1]), 1)],
    "sparse nearest centroid classifier": [([0, 1], 0), ([2, 3], 1)],
}


def url(sum_node) -> str:
    return sum_node.w3.provider.endpoint_uri


def account(sum_node, index: int) -> str:
    """A dev account's checksummed address (the fixture lists raw 20-byte addresses)."""
    return to_checksum_address(sum_node.accounts[index])


def connect(sum_node, index: int = 0) -> Connection:
    return Connection(RpcClient(url(sum_node)), Sender(account(sum_node, index)))


def wait_past(sum_node, timestamp: int) -> None:
    """Mine until a block is later than `timestamp`. Blocks mined faster than one a second run ahead
    of the clock, so one increase_time may not be enough; every mined block adds at least a second."""
    while sum_node.now() <= timestamp:
        sum_node.increase_time(timestamp + 1 - sum_node.now())


def contract(sum_node, name: str, address: str):
    return sum_node.w3.eth.contract(address=address, abi=artifact(name)["abi"])


# ---------------------------------------------------------------------------- model files

@pytest.mark.parametrize("kind", sorted(SMALL_MODELS))
def test_every_type_parses(kind):
    model = parse_model(SMALL_MODELS[kind])
    assert model.type == kind
    assert model.classifications == (["x", "y"] if kind == "nearest centroid classifier" else
                                     ["a", "b"] if kind.startswith("sparse nearest") else
                                     ["A", "B"] if kind == "naive bayes" else ["neg", "pos"])


def test_perceptron_units_and_defaults():
    model = parse_model({"type": "Perceptron", "classifications": ["n", "p"], "weights": [0.5, -2e-9],
                         "bias": -1.25, "featureIndices": [7, 3]})
    assert model.type == "dense perceptron" and model.dense
    assert model.weights == [500_000_000, -2] and model.intercept == -1_250_000_000
    assert model.learning_rate == 10**9  # default 1, the node deployer's
    assert model.feature_indices == [7, 3]
    assert parse_model({**SMALL_MODELS["dense perceptron"], "learningRate": 0.5}).learning_rate == 5 * 10**8


def test_sparse_and_naive_bayes_units():
    sparse = parse_model(SMALL_MODELS["sparse perceptron"])
    assert sparse.weights == [10**9, -(10**9), 0] and sparse.sparse_weights == [(10, 2 * 10**9), (11, -3 * 10**9)]
    assert not sparse.dense
    nb = parse_model({**SMALL_MODELS["naive bayes"], "smoothingFactor": None})
    assert nb.smoothing_factor == 10**9  # alpha = 1 by default
    assert nb.feature_counts == [[(0, 10), (1, 1)], [(1, 10), (2, 5)]] and nb.class_counts == [5, 5]


def test_centroid_formats():
    dense = parse_model(SMALL_MODELS["nearest centroid classifier"])
    assert dense.centroids == [[10**9, 0], [0, 10**9]] and dense.data_counts == [3, 3]
    sparse = parse_model(SMALL_MODELS["sparse nearest centroid classifier"])
    # a dict and a dense list give the same pairs; zeros are left out
    assert sparse.centroids == [[(0, 10**9), (1, 10**9)], [(2, 10**9), (3, 10**9)]]


def test_load_model_reads_a_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**SMALL_MODELS["naive bayes"], "encoder": "IMDB vocab"}))
    model = load_model(path)
    assert model.contract == "NaiveBayesClassifier" and model.encoder == "IMDB vocab"


@pytest.mark.parametrize("document, field", [
    ({"type": "random forest", "classifications": ["a"]}, "type"),
    ({"classifications": ["a", "b"], "weights": [1]}, "'type'"),
    ({"type": "dense perceptron", "classifications": ["a", "b"], "weights": [1]}, "intercept (or bias)"),
    ({"type": "dense perceptron", "classifications": ["a", "b"], "weights": [1, "x"], "bias": 0}, "weights[1]"),
    ({"type": "dense perceptron", "classifications": ["a", "b"], "weights": {"0": 1}, "bias": 0}, "weights"),
    ({"type": "dense perceptron", "classifications": ["a", "b", "c"], "weights": [1], "bias": 0}, "classifications"),
    ({"type": "dense perceptron", "classifications": ["a", "b"], "weights": [1], "bias": 0,
      "learningRate": 5}, "learningRate"),
    ({"type": "dense perceptron", "classifications": ["a", "b"], "weights": [1e300], "bias": 0}, "weights[0]"),
    ({"type": "dense perceptron", "classifications": ["a", "b"], "weights": [1, 2], "bias": 0,
      "featureIndices": [1]}, "featureIndices"),
    ({"type": "sparse perceptron", "classifications": ["a", "b"], "weights": [], "bias": 0,
      "sparseWeights": {"x": 1}}, "sparseWeights"),
    ({"type": "naive bayes", "classifications": ["a", "b"], "classCounts": [1],
      "featureCounts": [[], []], "totalNumFeatures": 3}, "classCounts"),
    ({"type": "naive bayes", "classifications": ["a"], "classCounts": [1],
      "featureCounts": [[[1, 2, 3]]], "totalNumFeatures": 3}, "featureCounts[0][0]"),
    ({"type": "naive bayes", "classifications": ["a"], "classCounts": [1], "featureCounts": [[]]},
     "totalNumFeatures"),
    ({"type": "nearest centroid classifier", "centroids": {"a": {"centroid": [1, 2], "dataCount": 1},
                                                           "b": {"centroid": [1], "dataCount": 1}}},
     "centroids.b.centroid"),
    ({"type": "nearest centroid classifier", "centroids": {"a": {"centroid": [1]}}}, "centroids.a.dataCount"),
    ({"type": "nearest centroid classifier"}, "centroids (or intents)"),
    ({"type": "sparse nearest centroid classifier", "centroids": {"a": {"centroid": {"0": -1}, "dataCount": 1}}},
     "centroids.a.centroid[0]"),
])
def test_bad_model_files_name_the_field(document, field):
    with pytest.raises(ModelFileError) as error:
        parse_model(document)
    assert field in str(error.value)


def test_unreadable_model_files(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="is not JSON"):
        load_model(tmp_path / "bad.json")


# ---------------------------------------------------------------------------- helpers

def test_normalize_pack_unpack():
    x = normalize([3, 4])
    assert x == [600_000_000, 800_000_000]
    rng = np.random.default_rng(5)
    for d in (1, 9, 1000):
        v = rng.normal(size=d)
        fixed = normalize(list(v))
        assert abs(sum(e * e for e in fixed) - 10**18) < 10**11  # the contracts' unit-norm band
    assert pack([1, -1]) == bytes.fromhex("0000000000000001ffffffffffffffff")
    assert unpack(pack([-(2**63), 2**63 - 1, 0])) == [-(2**63), 2**63 - 1, 0]
    with pytest.raises(SumError):
        normalize([0, 0])
    with pytest.raises(SumError):
        unpack(b"\x00" * 7)


def test_addresses_and_revert_reasons():
    assert checksum("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266") == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    for bad in ("0x1234", "f39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266"):
        with pytest.raises(ContractError):
            checksum(bad)
    error = bytes.fromhex("08c379a0") + bytes(31) + b"\x20" + bytes(31) + b"\x02" + b"no" + bytes(30)
    assert decode_revert(error) == "no"
    assert decode_revert(bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big")).startswith("panic 0x11")
    assert decode_revert(b"") == "no reason given"
    assert decode_revert(bytes.fromhex("08c379a0") + b"12") == "undecodable revert data 0x08c379a03132"
    assert decode_revert(bytes.fromhex("deadbeef")) == "custom error 0xdeadbeef"


def test_unreachable_node():
    with pytest.raises(NodeUnreachable, match="cannot reach"):
        Connection.open("http://127.0.0.1:1").client.request("eth_chainId")


class FakeConnection:
    """Estimates that fit up to `limit` elements per chunk: drives the halving without a node."""

    def __init__(self, limit: int, decode) -> None:
        self.limit, self.decode, self.sent = limit, decode, []

    def estimate(self, to, data):
        if self.decode(data) > self.limit:
            raise OverGasCap("too big")
        return 1000

    def send(self, to, data, gas):
        self.sent.append(self.decode(data))
        from contracts.bindings.contract import TxResult
        return TxResult("0x00", gas, 1, 1, None, [])


def test_chunks_halve_until_they_fit():
    from contracts.bindings.deploy import INITIALIZE_DENSE_WEIGHTS

    fake = FakeConnection(100, lambda data: len(INITIALIZE_DENSE_WEIGHTS.decode_input(data)[0]))
    deployer = Deployer(fake)
    deployer.chunks("0x" + "11" * 20, list(range(1000)), 0, 450,
                    lambda chunk, _: INITIALIZE_DENSE_WEIGHTS.encode(list(chunk)), "weights")
    # 450 -> 225 -> 112 -> 56 fits; the size sticks once found
    assert fake.sent == [56] * 17 + [48]
    with pytest.raises(OverGasCap, match="even 1"):
        Deployer(FakeConnection(0, fake.decode)).chunks(
            "0x" + "11" * 20, [1], 0, 450, lambda chunk, _: INITIALIZE_DENSE_WEIGHTS.encode(list(chunk)), "weights")


# ---------------------------------------------------------------------------- deployment

def check_deployment(sum_node, deployment) -> None:
    assert all(step.gas_used <= TX_GAS_CAP for step in deployment.steps)
    for step in deployment.steps:
        receipt = sum_node.w3.eth.get_transaction_receipt(step.tx_hash)
        assert receipt.status == 1 and receipt.gasUsed == step.gas_used
    for part in (deployment.classifier, deployment.data_handler, deployment.incentive_mechanism):
        assert contract(sum_node, "DataHandler64", part).functions.owner().call() == deployment.trainer


@pytest.mark.parametrize("kind", sorted(SMALL_MODELS))
def test_deploy_small_model_of_every_type(sum_node, kind):
    conn = connect(sum_node)
    seen = []
    deployment = deploy(conn, parse_model(SMALL_MODELS[kind]), f"small {kind}", "a test model", "none",
                        on_step=seen.append)
    # 4 contracts, 3 ownership transfers (and the sparse perceptron's initializeSparseWeights)
    assert seen == deployment.steps and len(deployment.steps) == 7 + (kind == "sparse perceptron")
    check_deployment(sum_node, deployment)
    trainer = Trainer.load(conn, deployment.trainer)
    info = trainer.info()
    assert (info.model_type, info.name, info.description, info.incentive) == (kind, f"small {kind}",
                                                                               "a test model", "points")
    assert info.classifications == parse_model(SMALL_MODELS[kind]).classifications
    for sample, expected in SMALL_CASES[kind]:
        assert trainer.predict(sample) == expected, sample


def test_deploy_large_dense_perceptron_in_chunks(sum_node):
    rng = np.random.default_rng(1000)
    weights = rng.uniform(-1, 1, 1000)
    model = parse_model({"type": "dense perceptron", "classifications": ["a", "b"], "weights": list(weights),
                         "intercept": 0.01, "featureIndices": list(range(2000, 3000))})
    deployment = deploy(connect(sum_node), model, "d=1000")
    check_deployment(sum_node, deployment)
    chunks = [s for s in deployment.steps if s.action.startswith(("DensePerceptron", "initializeWeights"))]
    assert len(chunks) >= 3
    classifier = contract(sum_node, "DensePerceptron", deployment.classifier)
    for i in (0, 449, 450, 999):
        assert classifier.functions.weights(i).call() == model.weights[i]
    assert classifier.functions.getNumFeatureIndices().call() == 1000
    assert classifier.functions.featureIndices(999).call() == 2999
    trainer = Trainer.load(connect(sum_node), deployment.trainer)
    for seed in range(3):
        x = unit_vector(np.random.default_rng(seed), 1000)
        expected = int(sum(w * v for w, v in zip(model.weights, x)) + model.intercept * 10**9 > 0)
        assert trainer.predict(x) == expected
        assert trainer.predict_packed(x) == expected


def test_deploy_chunked_models_of_the_other_types(sum_node):
    """Every chunking call: initializeWeights(start, ...), initializeSparseWeights, initializeCounts,
    extendCentroid (dense and sparse), read back through the classifiers' views."""
    conn = connect(sum_node)
    sparse = parse_model({"type": "sparse perceptron", "classifications": ["n", "p"],
                          "weights": [((i % 7) - 3) / 4 for i in range(400)], "intercept": 0,
                          "sparseWeights": {str(5000 + i): i / 8 for i in range(200)}})
    nb = parse_model({"type": "naive bayes", "classifications": ["a", "b"], "classCounts": [3, 4],
                      "featureCounts": [[[i, i % 5 + 1] for i in range(400)], [[i, 2] for i in range(0, 800, 2)]],
                      "totalNumFeatures": 800})
    ncc = parse_model({"type": "nearest centroid classifier",
                       "centroids": {"a": {"centroid": [math.sin(i) / 20 for i in range(300)], "dataCount": 2},
                                     "b": {"centroid": [math.cos(i) / 20 for i in range(300)], "dataCount": 5}}})
    sncc = parse_model({"type": "sparse nearest centroid classifier",
                        "centroids": {"a": {"centroid": {str(i): 0.25 for i in range(300)}, "dataCount": 4},
                                      "b": {"centroid": {str(i): 0.5 for i in range(300, 320)}, "dataCount": 2}}})
    deployer = Deployer(conn)

    address = deployer.classifier(sparse)
    view = contract(sum_node, "SparsePerceptron", address).functions
    assert [view.weights(i).call() for i in (0, 299, 300, 399)] == [sparse.weights[i] for i in (0, 299, 300, 399)]
    assert view.weights(5199).call() == sparse.sparse_weights[199][1]

    address = deployer.classifier(nb)
    view = contract(sum_node, "NaiveBayesClassifier", address).functions
    assert view.getFeatureCount(0, 399).call() == 399 % 5 + 1 and view.getFeatureCount(1, 798).call() == 2
    assert view.getClassTotalFeatureCount(1).call() == 800

    address = deployer.classifier(ncc)
    view = contract(sum_node, "NearestCentroidClassifier", address).functions
    assert [view.getCentroidValue(1, j).call() for j in (0, 199, 200, 299)] == [ncc.centroids[1][j]
                                                                               for j in (0, 199, 200, 299)]

    address = deployer.classifier(sncc)
    view = contract(sum_node, "SparseNearestCentroidClassifier", address).functions
    assert view.getCentroidValue(0, 299).call() == 250_000_000 and view.getCentroidValue(1, 319).call() == 5 * 10**8
    actions = [step.action for step in deployer.steps]
    for call in ("initializeWeights", "initializeSparseWeights", "initializeCounts: class 0",
                 "initializeCounts: class 1", "extendCentroid: class 1, dimensions", "extendCentroid: class 0, pairs"):
        assert any(a.startswith(call) for a in actions), call
    assert all(step.gas_used <= TX_GAS_CAP for step in deployer.steps)


def test_classes_beyond_the_constructor_go_to_add_class(sum_node):
    """When even one entry per class is too much for the constructor, the rest come by addClass."""
    conn = connect(sum_node)

    class OneClassConstructor(Deployer):
        """Refuses the first constructor estimate (all classes), then fits a single class."""

        constructor_fits = 0

        def fit(self, to, build, size, what):
            if to is not None:
                return super().fit(to, build, size, what)
            self.constructor_fits += 1
            if self.constructor_fits == 1:
                raise OverGasCap("pretend the constructor is too big")
            return super().fit(to, build, 1, what)

    nb = parse_model({"type": "naive bayes", "classifications": ["a", "b", "c"], "classCounts": [1, 2, 3],
                      "featureCounts": [[[0, 1]], [[1, 4], [2, 2]], [[2, 9]]], "totalNumFeatures": 3})
    deployer = OneClassConstructor(conn)
    view = contract(sum_node, "NaiveBayesClassifier", deployer.classifier(nb)).functions
    assert view.getNumClassifications().call() == 3 and view.classifications(2).call() == "c"
    assert view.getFeatureCount(1, 2).call() == 2 and view.getNumSamples(2).call() == 3
    assert any(step.action.startswith("addClass: class 2") for step in deployer.steps)


def test_bad_incentive_settings_are_refused_before_sending(sum_node):
    conn = connect(sum_node)
    block = sum_node.w3.eth.block_number
    with pytest.raises(ContractError, match="refund wait <= owner claim wait"):
        deploy(conn, parse_model(SMALL_MODELS["dense perceptron"]), "x",
               incentive=IncentiveSettings("stakeable", 10, 5, 20))
    assert sum_node.w3.eth.block_number == block


# ---------------------------------------------------------------------------- the trainer

@pytest.fixture(scope="module")
def stakeable(sum_node):
    """An 8-dimensional dense perceptron whose learning rate (1e-9) barely moves it: its predictions
    stay put, so agreeing and disagreeing contributions are known in advance."""
    model = parse_model({"type": "dense perceptron", "classifications": ["NEGATIVE", "POSITIVE"],
                         "weights": [0, 1, -1, 0, 0, 0, 0, 1], "intercept": 0, "learningRate": 1e-9})
    return deploy(connect(sum_node), model, "stakeable", incentive=FAST).trainer


def test_add_refund_report(sum_node, stakeable):
    good = Trainer.load(connect(sum_node, 3), stakeable)
    bad = Trainer.load(connect(sum_node, 4), stakeable)
    x = normalize([1, 2, 3, 4, 5, 6, 7, 8])
    label = good.predict(x)
    cost = good.next_add_data_cost()
    assert cost > 0
    added = good.add_data(x, label)
    assert added.tx.status == 1 and 0 < added.tx.gas_used <= TX_GAS_CAP
    assert added.contribution.data == x and added.contribution.label == label
    assert added.contribution.sender == account(sum_node, 3) and 0 < added.contribution.cost <= cost
    with pytest.raises(Reverted) as early:
        good.refund(x, label, added.contribution.time)
    assert early.value.reason == "Not enough time has passed." and early.value.tx_hash is None

    wrong = 1 - label
    bad_added = bad.add_data(x, wrong)
    with pytest.raises(Reverted, match="Cannot take your own deposit."):
        bad.report(x, wrong, bad_added.contribution.time, account(sum_node, 4))
    wait_past(sum_node, bad_added.contribution.time + FAST.refund_wait_s)

    before = sum_node.w3.eth.get_balance(account(sum_node, 3))
    refunded = good.refund(x, label, added.contribution.time)
    assert refunded.amount == added.contribution.cost and refunded.tx.status == 1
    gas_cost = refunded.tx.gas_used * sum_node.w3.eth.get_transaction_receipt(refunded.tx.tx_hash).effectiveGasPrice
    assert sum_node.w3.eth.get_balance(account(sum_node, 3)) == before + refunded.amount - gas_cost
    assert good.num_valid(account(sum_node, 3)) == 1
    with pytest.raises(Reverted, match="Deposit already claimed by submitter."):
        good.refund(x, label, added.contribution.time)

    # the model disagrees with bad's label and good has a refunded contribution: good takes the deposit
    taken = good.report(x, wrong, bad_added.contribution.time, account(sum_node, 4))
    assert taken.amount == bad_added.contribution.cost
    with pytest.raises(Reverted, match="Data not found."):
        good.refund(x, label, added.contribution.time + 1)
    info = good.info()
    assert (info.total_submitted, info.total_good_data_count) == (2, 1)
    assert info.cost_weight == 10**12 and info.refund_wait_s == 10 and info.any_address_claim_wait_s == 30
    assert info.model_owner == account(sum_node, 0)


def test_packed_contributions_and_history(sum_node, stakeable):
    trainer = Trainer.load(connect(sum_node, 5), stakeable)
    x = unit_vector(np.random.default_rng(7), 8)
    label = trainer.predict_packed(x)
    added = trainer.add_data_packed(x, label)
    assert added.contribution.packed and added.contribution.data == x
    with pytest.raises(Reverted, match="Data not found."):
        trainer.refund(x, label, added.contribution.time)  # added packed: refunded packed
    wait_past(sum_node, added.contribution.time + FAST.refund_wait_s)
    refunded = trainer.refund_packed(x, label, added.contribution.time)
    assert refunded.amount == added.contribution.cost
    history = trainer.contributions(sender=account(sum_node, 5))
    assert [(c.data, c.label, c.time, c.packed) for c in history] == [(x, label, added.contribution.time, True)]
    everyone = trainer.contributions()
    assert {c.tx_hash for c in history} <= {c.tx_hash for c in everyone}
    assert all(c.data is not None for c in everyone)


def test_paying_too_little_and_wrong_sample(sum_node, stakeable):
    trainer = Trainer.load(connect(sum_node, 6), stakeable)
    x = normalize([1, 0, 0, 0, 0, 0, 0, 0])
    with pytest.raises(Reverted, match="Didn't pay enough for the deposit."):
        trainer.add_data(x, 0, value=1)
    with pytest.raises(Reverted, match="norm of 1"):
        trainer.add_data([1] * 8, 0)
    with pytest.raises(Reverted, match="same dimension"):
        trainer.predict([1, 2])


def test_private_key_signs_locally(sum_node, stakeable):
    conn = Connection.open(url(sum_node), private_key=DEV_KEY_2)
    assert conn.sender.address == account(sum_node, 2)
    trainer = Trainer.load(conn, stakeable)
    x = normalize([2, 1, 0, 0, 0, 0, 0, 1])
    added = trainer.add_data(x, trainer.predict(x))
    tx = sum_node.w3.eth.get_transaction(added.tx.tx_hash)
    assert tx["from"] == account(sum_node, 2) and tx["type"] == 2
    with pytest.raises(ContractError, match="not the private key's address"):
        Connection.open(url(sum_node), sender_address=account(sum_node, 1), private_key=DEV_KEY_2)
    with pytest.raises(ContractError, match="private key"):
        Connection.open(url(sum_node), private_key="0x1234")


def test_points_refund_records_validity(sum_node):
    conn = connect(sum_node, 7)
    model = parse_model(SMALL_MODELS["naive bayes"])
    settings = IncentiveSettings("points", 5, 5, 100)
    trainer = Trainer.load(conn, deploy(connect(sum_node), model, "nb points", incentive=settings).trainer)
    added = trainer.add_data([0], 0)
    assert added.contribution.cost == 0 and trainer.next_add_data_cost() == 0
    wait_past(sum_node, added.contribution.time + 5)
    assert trainer.refund([0], 0, added.contribution.time).amount == 0
    assert trainer.num_valid(account(sum_node, 7)) == 1
    with pytest.raises(Reverted, match="Already claimed"):
        trainer.refund([0], 0, added.contribution.time)


def test_load_refuses_what_is_not_a_complete_deployment(sum_node):
    conn = connect(sum_node)
    deployer = Deployer(conn)
    classifier = deployer.classifier(parse_model(SMALL_MODELS["dense perceptron"]))
    with pytest.raises(ContractError, match="not a CollaborativeTrainer64"):
        Trainer.load(conn, classifier)
    handler = deployer.create("DataHandler64", "DataHandler64", (), ())
    mechanism = deployer.create("Points64", "Points64", ("uint32", "uint32", "uint32"), (0, 0, 0))
    trainer = deployer.create("CollaborativeTrainer64", "CollaborativeTrainer64",
                              ("string", "string", "string", "address", "address", "address"),
                              ("n", "d", "none", handler, mechanism, classifier))
    with pytest.raises(ContractError, match="is owned by .* not by the trainer"):
        Trainer.load(conn, trainer)
    with pytest.raises(ContractError, match="no contract"):
        Trainer.load(conn, "0x" + "42" * 20)
