"""Deploying a model as the original deployers did: the classifier in chunks, the data handler, the
incentive mechanism (Stakeable64, Points64 or a PredictionMarket), the CollaborativeTrainer64, then
ownership of the three parts to the trainer.

Chunks start at the original node deployer's sizes (sum-reference D) and are halved while a
transaction does not fit: its gas estimate is over TX_GAS_CAP (on a node without the ML
precompiles the contracts take their plain-Solidity paths, where storing a vector costs much more)
or a constructor's code is over the initcode limit.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import eth_abi

from .contract import Connection, Function, OverGasCap, TxResult, artifact, gas_limit
from .errors import ContractError
from .model import (DENSE_PERCEPTRON, NAIVE_BAYES, NEAREST_CENTROID, SPARSE_NEAREST_CENTROID, SPARSE_PERCEPTRON,
                    Model)

# First chunk (constructor) and later chunks, in elements, per the original node deployer.
DENSE_WEIGHTS_CHUNK = 450
SPARSE_WEIGHTS_CHUNK = 300
SPARSE_PAIRS_CHUNK = 150
NB_INITIAL_CHUNK, NB_CHUNK = 150, 350
NCC_INITIAL_CHUNK, NCC_CHUNK = 200, 250
FEATURE_INDICES_CHUNK = 2000

INITIALIZE_DENSE_WEIGHTS = Function("initializeWeights", ("int80[]",))
INITIALIZE_SPARSE_RANGE = Function("initializeWeights", ("uint64", "int80[]"))
INITIALIZE_SPARSE_WEIGHTS = Function("initializeSparseWeights", ("int80[][]",))
INITIALIZE_COUNTS = Function("initializeCounts", ("uint32[][]", "uint64"))
NB_ADD_CLASS = Function("addClass", ("uint64", "uint32[][]", "string"))
EXTEND_CENTROID = Function("extendCentroid", ("int64[]", "uint64"))
NCC_ADD_CLASS = Function("addClass", ("int64[]", "string", "uint256"))
EXTEND_SPARSE_CENTROID = Function("extendCentroid", ("uint64[][]", "uint64"))
SPARSE_NCC_ADD_CLASS = Function("addClass", ("uint64[][]", "string", "uint64"))
ADD_FEATURE_INDICES = Function("addFeatureIndices", ("uint32[]",))
TRANSFER_OWNERSHIP = Function("transferOwnership", ("address",))

PERCEPTRON_CONSTRUCTOR = ("string[]", "int80[]", "int80", "uint32")
NB_CONSTRUCTOR = ("string[]", "uint64[]", "uint32[][][]", "uint256", "uint32")
NCC_CONSTRUCTOR = ("string[]", "int64[][]", "uint256[]")
SPARSE_NCC_CONSTRUCTOR = ("string[]", "uint64[][][]", "uint64[]")
TRAINER_CONSTRUCTOR = ("string", "string", "string", "address", "address", "address")
STAKEABLE_CONSTRUCTOR = ("uint32", "uint32", "uint32", "uint80")
POINTS_CONSTRUCTOR = ("uint32", "uint32", "uint32")
PREDICTION_MARKET_CONSTRUCTOR = ("uint256", "bool", "uint32")

STAKEABLE, POINTS, PREDICTION_MARKET = "stakeable", "points", "prediction-market"


@dataclass(frozen=True)
class Step:
    """One deployment transaction."""

    action: str
    tx_hash: str
    gas_used: int
    address: str | None = None


@dataclass(frozen=True)
class IncentiveSettings:
    """The incentive mechanism's constructor parameters (seconds; cost weight and stake in wei).

    The defaults wait a day before a refund, a week before the owner and two weeks before anyone
    may take a deposit (the browser deployer defaulted every wait to 0, which lets anyone take a
    Stakeable deposit at once); the cost weight is the browser deployer's 1e15 wei.

    A prediction market takes only the last three: its minimum stake (the original simulation's
    1 unit, 1e15 wei), whether a greater deposit is staked whole (the original's default: no, the
    trainer returns the excess) and how long the bounty provider has to reveal the test set once
    the market ends (a day); the waits and the cost weight are not used."""

    kind: str = POINTS
    refund_wait_s: int = 86_400
    owner_claim_wait_s: int = 7 * 86_400
    any_address_claim_wait_s: int = 14 * 86_400
    cost_weight: int = 10**15
    min_stake: int = 10**15
    allow_greater_deposit: bool = False
    reveal_timeout_s: int = 86_400

    def check(self) -> None:
        if self.kind not in (STAKEABLE, POINTS, PREDICTION_MARKET):
            raise ContractError(f"unknown incentive mechanism {self.kind!r} (stakeable, points or prediction-market)")
        if self.kind == PREDICTION_MARKET:
            if not 0 < self.min_stake < 2**256:
                raise ContractError(f"the minimum stake must be 1 to 2^256-1 wei, got {self.min_stake}")
            if not 0 < self.reveal_timeout_s < 2**32:
                raise ContractError(f"the reveal timeout must be 1 to 2^32-1 seconds, got {self.reveal_timeout_s}")
            if not isinstance(self.allow_greater_deposit, bool):
                raise ContractError(f"allow greater deposit must be true or false, got {self.allow_greater_deposit!r}")
            return
        for label, value in (("refund wait", self.refund_wait_s), ("owner claim wait", self.owner_claim_wait_s),
                             ("any address claim wait", self.any_address_claim_wait_s)):
            if not 0 <= value < 2**32:
                raise ContractError(f"the {label} must be 0 to 2^32-1 seconds, got {value}")
        if not self.refund_wait_s <= self.owner_claim_wait_s <= self.any_address_claim_wait_s:
            raise ContractError("the waits must satisfy refund wait <= owner claim wait <= any address claim wait")
        if not 0 <= self.cost_weight < 2**80:
            raise ContractError(f"the cost weight must be 0 to 2^80-1 wei, got {self.cost_weight}")


@dataclass
class Deployment:
    """The four contracts of a deployed model and every transaction that made them."""

    trainer: str
    classifier: str
    data_handler: str
    incentive_mechanism: str
    steps: list[Step] = field(default_factory=list)


def deploy(conn: Connection, model: Model, name: str, description: str = "", encoder: str = "none",
           incentive: IncentiveSettings = IncentiveSettings(),
           on_step: Callable[[Step], None] | None = None) -> Deployment:
    """Deploy `model` with its data handler, incentive mechanism and trainer; `on_step` sees each
    transaction as it is mined."""
    incentive.check()
    deployer = Deployer(conn, on_step)
    classifier = deployer.classifier(model)
    data_handler = deployer.create("DataHandler64", "DataHandler64", (), ())
    contract, types, args = incentive_constructor(incentive)
    mechanism = deployer.create(contract, contract, types, args)
    trainer = deployer.create("CollaborativeTrainer64", "CollaborativeTrainer64", TRAINER_CONSTRUCTOR,
                              (name, description, encoder, data_handler, mechanism, classifier))
    for part, address in (("classifier", classifier), ("data handler", data_handler),
                          ("incentive mechanism", mechanism)):
        deployer.send(f"transferOwnership of the {part} to the trainer", address,
                      TRANSFER_OWNERSHIP.encode(trainer))
    return Deployment(trainer, classifier, data_handler, mechanism, deployer.steps)


def incentive_constructor(incentive: IncentiveSettings) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
    """The incentive mechanism's contract, its constructor's types and their arguments."""
    if incentive.kind == STAKEABLE:
        return "Stakeable64", STAKEABLE_CONSTRUCTOR, (
            incentive.refund_wait_s, incentive.owner_claim_wait_s, incentive.any_address_claim_wait_s,
            incentive.cost_weight)
    if incentive.kind == PREDICTION_MARKET:
        return "PredictionMarket", PREDICTION_MARKET_CONSTRUCTOR, (
            incentive.min_stake, incentive.allow_greater_deposit, incentive.reveal_timeout_s)
    return "Points64", POINTS_CONSTRUCTOR, (
        incentive.refund_wait_s, incentive.owner_claim_wait_s, incentive.any_address_claim_wait_s)


class Deployer:
    """Sends deployment transactions, each sized to fit, and records them."""

    def __init__(self, conn: Connection, on_step: Callable[[Step], None] | None = None) -> None:
        self.conn = conn
        self.on_step = on_step
        self.steps: list[Step] = []

    # ------------------------------------------------------------ transactions
    def send(self, action: str, to: str | None, data: bytes, gas: int | None = None) -> TxResult:
        try:
            gas = gas if gas is not None else self.conn.estimate(to, data)
        except OverGasCap as error:
            raise OverGasCap(f"{action}: {error}") from None
        result = self.conn.send(to, data, gas=gas_limit(gas))
        step = Step(action, result.tx_hash, result.gas_used, result.contract_address)
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return result

    def create(self, action: str, contract: str, types: tuple[str, ...], args: Sequence[Any],
               gas: int | None = None) -> str:
        result = self.send(action, None, creation_code(contract, types, args), gas)
        assert result.contract_address is not None  # a mined creation always has one
        return result.contract_address

    def fit(self, to: str | None, build: Callable[[int], bytes], size: int, what: str) -> tuple[int, int]:
        """The largest of size, size/2, size/4 ... 1 whose transaction fits; (that size, its gas)."""
        while True:
            try:
                return size, self.conn.estimate(to, build(size))
            except OverGasCap as error:
                if size <= 1:
                    raise OverGasCap(f"{what}: even {size} element(s) in one transaction: {error}") from None
                size //= 2

    def chunks(self, to: str, items: Sequence[Any], start: int, size: int,
               encode: Callable[[Sequence[Any], int], bytes], what: str) -> None:
        """Send items[start:] in chunks (encode(chunk, its first index)), each as large as fits."""
        while start < len(items):
            size, gas = self.fit(to, lambda n: encode(items[start:start + n], start),
                                 min(size, len(items) - start), what)
            self.send(f"{what} {_span(start, start + size)}", to, encode(items[start:start + size], start), gas)
            start += size

    # ------------------------------------------------------------ classifiers
    def classifier(self, model: Model) -> str:
        build = {
            DENSE_PERCEPTRON: self._dense_perceptron,
            SPARSE_PERCEPTRON: self._sparse_perceptron,
            NAIVE_BAYES: self._naive_bayes,
            NEAREST_CENTROID: self._nearest_centroid,
            SPARSE_NEAREST_CENTROID: self._sparse_nearest_centroid,
        }[model.type]
        address = build(model)
        self.chunks(address, model.feature_indices, 0, FEATURE_INDICES_CHUNK,
                    lambda chunk, _: ADD_FEATURE_INDICES.encode(list(chunk)), "addFeatureIndices: indices")
        return address

    def _perceptron_constructor(self, model: Model, initial: int) -> tuple[str, int]:
        weights = model.weights or []

        def build(k: int) -> bytes:
            return creation_code(model.contract, PERCEPTRON_CONSTRUCTOR,
                             (model.classifications, weights[:k], model.intercept, model.learning_rate))

        k, gas = self.fit(None, build, min(initial, len(weights)), f"{model.contract} constructor")
        address = self.create(f"{model.contract} constructor: weights {_span(0, k)} of {len(weights)}",
                              model.contract, PERCEPTRON_CONSTRUCTOR,
                              (model.classifications, weights[:k], model.intercept, model.learning_rate), gas)
        return address, k

    def _dense_perceptron(self, model: Model) -> str:
        address, k = self._perceptron_constructor(model, DENSE_WEIGHTS_CHUNK)
        self.chunks(address, model.weights or [], k, DENSE_WEIGHTS_CHUNK,
                    lambda chunk, _: INITIALIZE_DENSE_WEIGHTS.encode(list(chunk)), "initializeWeights: weights")
        return address

    def _sparse_perceptron(self, model: Model) -> str:
        address, k = self._perceptron_constructor(model, SPARSE_WEIGHTS_CHUNK)
        self.chunks(address, model.weights or [], k, SPARSE_WEIGHTS_CHUNK,
                    lambda chunk, first: INITIALIZE_SPARSE_RANGE.encode(first, list(chunk)),
                    "initializeWeights: weights")
        self.chunks(address, model.sparse_weights or [], 0, SPARSE_PAIRS_CHUNK,
                    lambda chunk, _: INITIALIZE_SPARSE_WEIGHTS.encode([list(p) for p in chunk]),
                    "initializeSparseWeights: pairs")
        return address

    def _class_constructor(self, model: Model, types: tuple[str, ...], args: Callable[[int, int], tuple],
                           per_class: Sequence[Sequence[Any]], initial: int) -> tuple[str, int, int]:
        """A constructor taking a first chunk of each class's entries: all classes with as many
        entries as fit; when even one entry each is too much, fewer classes (the rest go to addClass).
        Returns (address, number of classes, entries per class)."""
        n = len(model.classifications)
        size = min(initial, max(len(entries) for entries in per_class))
        what = f"{model.contract} constructor"
        try:
            k, gas = self.fit(None, lambda k: creation_code(model.contract, types, args(n, k)), size, what)
            m = n
        except OverGasCap:
            k = min(1, size)
            m, gas = self.fit(None, lambda m: creation_code(model.contract, types, args(m, k)), n, what)
        address = self.create(f"{what}: classes {_span(0, m)} of {n}, first {k} entries each",
                              model.contract, types, args(m, k), gas)
        return address, m, k

    def _naive_bayes(self, model: Model) -> str:
        counts = model.feature_counts or []
        names, samples = model.classifications, model.class_counts or []

        def args(m: int, k: int) -> tuple:
            return (names[:m], samples[:m], [[list(p) for p in c[:k]] for c in counts[:m]],
                    model.total_num_features, model.smoothing_factor)

        address, m, k = self._class_constructor(model, NB_CONSTRUCTOR, args, counts, NB_INITIAL_CHUNK)
        for c in range(len(names)):
            start = k
            if c >= m:
                start = self._add_class(address, c, counts[c], NB_INITIAL_CHUNK,
                                        lambda chunk, c=c: NB_ADD_CLASS.encode(samples[c], [list(p) for p in chunk],
                                                                               names[c]))
            self.chunks(address, counts[c], start, NB_CHUNK,
                        lambda chunk, _, c=c: INITIALIZE_COUNTS.encode([list(p) for p in chunk], c),
                        f"initializeCounts: class {c}, pairs")
        return address

    def _nearest_centroid(self, model: Model) -> str:
        centroids = model.centroids or []
        names, counts = model.classifications, model.data_counts or []

        def args(m: int, k: int) -> tuple:
            return names[:m], [list(c[:k]) for c in centroids[:m]], counts[:m]

        address, m, k = self._class_constructor(model, NCC_CONSTRUCTOR, args, centroids, NCC_INITIAL_CHUNK)
        for c in range(m):
            self.chunks(address, centroids[c], k, NCC_CHUNK,
                        lambda chunk, _, c=c: EXTEND_CENTROID.encode(list(chunk), c),
                        f"extendCentroid: class {c}, dimensions")
        # addClass takes a whole centroid: a class's dimension must match class 0's at once.
        for c in range(m, len(names)):
            self.send(f"addClass: class {c} {names[c]!r}", address,
                      NCC_ADD_CLASS.encode(list(centroids[c]), names[c], counts[c]))
        return address

    def _sparse_nearest_centroid(self, model: Model) -> str:
        centroids = model.centroids or []
        names, counts = model.classifications, model.data_counts or []

        def args(m: int, k: int) -> tuple:
            return names[:m], [[list(p) for p in c[:k]] for c in centroids[:m]], counts[:m]

        address, m, k = self._class_constructor(model, SPARSE_NCC_CONSTRUCTOR, args, centroids, NCC_INITIAL_CHUNK)
        for c in range(len(names)):
            start = k
            if c >= m:
                start = self._add_class(address, c, centroids[c], NCC_INITIAL_CHUNK,
                                        lambda chunk, c=c: SPARSE_NCC_ADD_CLASS.encode([list(p) for p in chunk],
                                                                                       names[c], counts[c]))
            self.chunks(address, centroids[c], start, NCC_CHUNK,
                        lambda chunk, _, c=c: EXTEND_SPARSE_CENTROID.encode([list(p) for p in chunk], c),
                        f"extendCentroid: class {c}, pairs")
        return address

    def _add_class(self, address: str, c: int, entries: Sequence[Any], initial: int,
                   encode: Callable[[Sequence[Any]], bytes]) -> int:
        """addClass with as many of the class's first entries as fit; returns how many it took."""
        what = f"addClass: class {c}"
        size = min(initial, len(entries))
        if size == 0:
            self.send(what, address, encode([]))
            return 0
        k, gas = self.fit(address, lambda n: encode(entries[:n]), size, what)
        self.send(f"{what}, entries {_span(0, k)}", address, encode(entries[:k]), gas)
        return k


@cache
def _bytecode(contract: str) -> bytes:
    return bytes.fromhex(artifact(contract)["bytecode"].removeprefix("0x"))


def creation_code(contract: str, types: tuple[str, ...] = (), args: Sequence[Any] = ()) -> bytes:
    """The init code that deploys an artifact of contracts/build/ with these constructor arguments."""
    return _bytecode(contract) + eth_abi.encode(list(types), list(args))


def _span(first: int, end: int) -> str:
    return f"{first}-{end - 1}" if end - first > 1 else f"{first}" if end > first else "none"
