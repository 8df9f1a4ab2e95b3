"""A deployed SUM model, typed: CollaborativeTrainer64 and the three contracts it owns.

Samples are int64 fixed point (dense models: values scaled by 1e9, unit norm for updates) or
feature indices (sparse models, Naive Bayes); labels are class indices.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .contract import Connection, Event, Function, TxResult, checksum
from .errors import ContractError, Reverted, SumError
from .model import (DENSE_PERCEPTRON, NAIVE_BAYES, NEAREST_CENTROID, SPARSE_NEAREST_CENTROID, SPARSE_PERCEPTRON,
                    TO_FLOAT)

# CollaborativeTrainer64
NAME = Function("name", (), ("string",))
DESCRIPTION = Function("description", (), ("string",))
ENCODER = Function("encoder", (), ("string",))
CLASSIFIER = Function("classifier", (), ("address",))
DATA_HANDLER = Function("dataHandler", (), ("address",))
INCENTIVE_MECHANISM = Function("incentiveMechanism", (), ("address",))
ADD_DATA = Function("addData", ("int64[]", "uint64"))
ADD_DATA_PACKED = Function("addDataPacked", ("bytes", "uint64"))
REFUND = Function("refund", ("int64[]", "uint64", "uint256"))
REFUND_PACKED = Function("refundPacked", ("bytes", "uint64", "uint256"))
REPORT = Function("report", ("int64[]", "uint64", "uint256", "address"))
REPORT_PACKED = Function("reportPacked", ("bytes", "uint64", "uint256", "address"))
ADD_DATA_EVENT = Event("AddData", ("int64[]", "uint64", "uint256", "address", "uint256"),
                       (False, False, False, True, False))
ADD_DATA_PACKED_EVENT = Event("AddDataPacked", ("bytes32", "uint64", "uint256", "address", "uint256"),
                              (True, False, False, True, False))
# Ownable parts
OWNER = Function("owner", (), ("address",))
# Classifier64
PREDICT = Function("predict", ("int64[]",), ("uint64",))
PREDICT_PACKED = Function("predictPacked", ("bytes",), ("uint64",))
NORM = Function("norm", ("int64[]",), ("uint256",))
NUM_CLASSIFICATIONS = Function("getNumClassifications", (), ("uint256",))
CLASSIFICATION = Function("classifications", ("uint256",), ("string",))
NUM_FEATURE_INDICES = Function("getNumFeatureIndices", (), ("uint256",))
FEATURE_INDEX = Function("featureIndices", ("uint256",), ("uint32",))
SMOOTHING_FACTOR = Function("smoothingFactor", (), ("uint32",))
SQUARED_MAGNITUDE = Function("getSquaredMagnitude", ("uint256",), ("uint256",))
LEARNING_RATE = Function("learningRate", (), ("uint32",))
NUM_SAMPLES = Function("getNumSamples", ("uint256",), ("uint256",))
# Incentive mechanisms
REFUND_WAIT = Function("refundWaitTimeS", (), ("uint32",))
OWNER_CLAIM_WAIT = Function("ownerClaimWaitTimeS", (), ("uint32",))
ANY_CLAIM_WAIT = Function("anyAddressClaimWaitTimeS", (), ("uint32",))
COST_WEIGHT = Function("costWeight", (), ("uint80",))
MIN_STAKE = Function("minStake", (), ("uint256",))
MODEL_OWNER = Function("modelOwner", (), ("address",))
TOTAL_SUBMITTED = Function("totalSubmitted", (), ("uint256",))
TOTAL_GOOD = Function("totalGoodDataCount", (), ("uint256",))
NEXT_COST = Function("getNextAddDataCost", (), ("uint256",))
NUM_VALID = Function("numValidForAddress", ("address",), ("uint256",))
# Stakeable64 pays and says how much; Points64 only names the recipient.
_PAID = [Event(name, inputs, (False,) * len(inputs))
         for name in ("Refund", "Report") for inputs in (("address", "uint256"), ("address",))]
PAID_EVENTS = {event.topic: event for event in _PAID}


def normalize(values: Sequence[float]) -> list[int]:
    """Unit norm, then round(v·1e9): what dense models require of a sample to train on it, as the
    original client sends it."""
    length = math.sqrt(sum(float(v) * float(v) for v in values))
    if length == 0 or not math.isfinite(length):
        raise SumError("cannot normalise a zero (or non-finite) vector")
    return [round(float(v) / length * TO_FLOAT) for v in values]


def pack(values: Sequence[int]) -> bytes:
    """The packed layout of dense samples: 8-byte big-endian two's complement int64 per element."""
    try:
        return b"".join(int(v).to_bytes(8, "big", signed=True) for v in values)
    except OverflowError:
        raise SumError("a packed element does not fit in int64") from None


def unpack(data: bytes) -> list[int]:
    if len(data) % 8:
        raise SumError(f"packed data is 8 bytes per element; got {len(data)} bytes")
    return [int.from_bytes(data[i:i + 8], "big", signed=True) for i in range(0, len(data), 8)]


@dataclass(frozen=True)
class Contribution:
    """One AddData / AddDataPacked event: what refund and report need to name the record.

    `data` of a packed contribution is read back from its transaction's input; None when that
    transaction was not a direct call to addDataPacked (e.g. through another contract)."""

    data: list[int] | None
    label: int
    time: int
    sender: str
    cost: int
    tx_hash: str
    block_number: int
    packed: bool


@dataclass(frozen=True)
class Added:
    tx: TxResult
    contribution: Contribution


@dataclass(frozen=True)
class Claimed:
    """A refund or report: the transaction and what the incentive mechanism paid (0 for Points64)."""

    tx: TxResult
    amount: int


@dataclass(frozen=True)
class TrainerInfo:
    address: str
    name: str
    description: str
    encoder: str
    classifier: str
    data_handler: str
    incentive_mechanism: str
    classifications: list[str]
    num_feature_indices: int
    model_type: str
    incentive: str
    model_owner: str | None
    refund_wait_s: int
    owner_claim_wait_s: int
    any_address_claim_wait_s: int
    cost_weight: int | None
    total_submitted: int
    total_good_data_count: int
    next_add_data_cost: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Trainer:
    """A deployed model, loaded from its CollaborativeTrainer64 address."""

    def __init__(self, conn: Connection, address: str, classifier: str, data_handler: str,
                 incentive_mechanism: str) -> None:
        self.conn = conn
        self.address = address
        self.classifier = classifier
        self.data_handler = data_handler
        self.incentive_mechanism = incentive_mechanism

    @classmethod
    def load(cls, conn: Connection, address: str) -> Trainer:
        """Read the three parts and check the trainer owns each (as the original's ContractLoader)."""
        address = checksum(address)
        if not conn.has_code(address):
            raise ContractError(f"no contract at {address}")
        try:
            parts = [checksum(conn.call(address, getter)) for getter in (CLASSIFIER, DATA_HANDLER, INCENTIVE_MECHANISM)]
        except (Reverted, ContractError):
            raise ContractError(f"{address} is not a CollaborativeTrainer64 (no classifier/dataHandler/"
                                "incentiveMechanism getters)") from None
        for part, at in zip(("classifier", "data handler", "incentive mechanism"), parts):
            try:
                owner = checksum(conn.call(at, OWNER))
            except (Reverted, ContractError):
                raise ContractError(f"the {part} of {address} ({at}) has no owner(): not a SUM deployment") from None
            if owner != address:
                raise ContractError(f"the {part} of {address} ({at}) is owned by {owner}, not by the trainer: "
                                    "the deployment is incomplete")
        return cls(conn, address, *parts)

    # ------------------------------------------------------------ free reads
    def predict(self, data: Sequence[int]) -> int:
        return self.conn.call(self.classifier, PREDICT, list(data))

    def predict_packed(self, data: Sequence[int]) -> int:
        return self.conn.call(self.classifier, PREDICT_PACKED, pack(data))

    def classifications(self) -> list[str]:
        count = self.conn.call(self.classifier, NUM_CLASSIFICATIONS)
        return [self.conn.call(self.classifier, CLASSIFICATION, i) for i in range(count)]

    def next_add_data_cost(self) -> int:
        return self.conn.call(self.incentive_mechanism, NEXT_COST)

    def num_valid(self, address: str) -> int:
        """The author's refunded (validated) contributions: a reporter needs at least one (Stakeable64)."""
        return self.conn.call(self.incentive_mechanism, NUM_VALID, checksum(address))

    def model_type(self) -> str:
        """The classifier's kind, told apart by the views only it has (any build of the contracts)."""
        if self._has(SMOOTHING_FACTOR):
            return NAIVE_BAYES
        if self._has(SQUARED_MAGNITUDE, 0):
            return SPARSE_NEAREST_CENTROID
        if self._has(LEARNING_RATE):
            # Sparse models refuse norm ("Normalization is not required.").
            return DENSE_PERCEPTRON if self._has(NORM, [TO_FLOAT]) else SPARSE_PERCEPTRON
        if self._has(NUM_SAMPLES, 0):
            return NEAREST_CENTROID
        return "unknown"

    def info(self) -> TrainerInfo:
        im = self.incentive_mechanism
        if self._has(COST_WEIGHT, at=im):
            incentive, cost_weight = "stakeable", self.conn.call(im, COST_WEIGHT)
        else:
            incentive, cost_weight = ("prediction market" if self._has(MIN_STAKE, at=im) else "points"), None
        return TrainerInfo(
            address=self.address,
            name=self.conn.call(self.address, NAME),
            description=self.conn.call(self.address, DESCRIPTION),
            encoder=self.conn.call(self.address, ENCODER),
            classifier=self.classifier,
            data_handler=self.data_handler,
            incentive_mechanism=im,
            classifications=self.classifications(),
            num_feature_indices=self.conn.call(self.classifier, NUM_FEATURE_INDICES),
            model_type=self.model_type(),
            incentive=incentive,
            model_owner=checksum(self.conn.call(im, MODEL_OWNER)) if self._has(MODEL_OWNER, at=im) else None,
            refund_wait_s=self.conn.call(im, REFUND_WAIT),
            owner_claim_wait_s=self.conn.call(im, OWNER_CLAIM_WAIT),
            any_address_claim_wait_s=self.conn.call(im, ANY_CLAIM_WAIT),
            cost_weight=cost_weight,
            total_submitted=self.conn.call(im, TOTAL_SUBMITTED),
            total_good_data_count=self.conn.call(im, TOTAL_GOOD),
            next_add_data_cost=self.next_add_data_cost(),
        )

    def _has(self, function: Function, *args: Any, at: str | None = None) -> bool:
        try:
            self.conn.call(at or self.classifier, function, *args)
        except (Reverted, ContractError):
            return False
        return True

    # ------------------------------------------------------------ transactions
    def add_data(self, data: Sequence[int], label: int, value: int | None = None, gas: int | None = None) -> Added:
        """Contribute a sample; `value` defaults to the current deposit (getNextAddDataCost). With
        `gas` it is sent with that limit, unestimated (a refusal is then a mined failure)."""
        value = self.next_add_data_cost() if value is None else value
        return self._added(self.conn.transact(self.address, ADD_DATA, list(data), label, value=value, gas=gas))

    def add_data_packed(self, data: Sequence[int], label: int, value: int | None = None) -> Added:
        """add_data with the packed layout (dense models): cheaper calldata for negative values."""
        value = self.next_add_data_cost() if value is None else value
        return self._added(self.conn.transact(self.address, ADD_DATA_PACKED, pack(data), label, value=value))

    def refund(self, data: Sequence[int], label: int, added_time: int, gas: int | None = None) -> Claimed:
        """Take back one's deposit once the refund wait has passed, if the model agrees with the label."""
        return self._claimed(self.conn.transact(self.address, REFUND, list(data), label, added_time, gas=gas))

    def refund_packed(self, data: Sequence[int], label: int, added_time: int) -> Claimed:
        return self._claimed(self.conn.transact(self.address, REFUND_PACKED, pack(data), label, added_time))

    def report(self, data: Sequence[int], label: int, added_time: int, author: str, gas: int | None = None) -> Claimed:
        """Take (part of) another's deposit the model now disagrees with, or any after the long wait."""
        return self._claimed(self.conn.transact(self.address, REPORT, list(data), label, added_time, checksum(author),
                                                gas=gas))

    def report_packed(self, data: Sequence[int], label: int, added_time: int, author: str) -> Claimed:
        return self._claimed(
            self.conn.transact(self.address, REPORT_PACKED, pack(data), label, added_time, checksum(author)))

    # ------------------------------------------------------------ history
    def contributions(self, sender: str | None = None, from_block: int = 0) -> list[Contribution]:
        """Every contribution (of `sender` when given), oldest first, ABI and packed ones together."""
        # The sender is a topic of both events but at different positions: filtered here.
        logs = self.conn.logs(self.address, [[ADD_DATA_EVENT.topic, ADD_DATA_PACKED_EVENT.topic]], from_block)
        found = [self._contribution(log) for log in logs]
        return found if sender is None else [c for c in found if c.sender == checksum(sender)]

    def _contribution(self, log: dict[str, Any]) -> Contribution:
        tx_hash, block = log["transactionHash"], int(log["blockNumber"], 16)
        if log["topics"][0] == ADD_DATA_EVENT.topic:
            data, label, time, sender, cost = ADD_DATA_EVENT.decode(log)
            return Contribution(list(data), label, time, checksum(sender), cost, tx_hash, block, packed=False)
        _, label, time, sender, cost = ADD_DATA_PACKED_EVENT.decode(log)
        try:
            packed = ADD_DATA_PACKED.decode_input(self.conn.transaction_input(tx_hash))[0]
            sample: list[int] | None = unpack(packed)
        except SumError:
            sample = None
        return Contribution(sample, label, time, checksum(sender), cost, tx_hash, block, packed=True)

    def _added(self, tx: TxResult) -> Added:
        for log in tx.logs:
            if checksum(log["address"]) == self.address and log["topics"][0] in (
                    ADD_DATA_EVENT.topic, ADD_DATA_PACKED_EVENT.topic):
                return Added(tx, self._contribution(log))
        raise ContractError(f"transaction {tx.tx_hash} logged no AddData event")

    def _claimed(self, tx: TxResult) -> Claimed:
        for log in tx.logs:
            event = PAID_EVENTS.get(log["topics"][0])
            if event is not None and checksum(log["address"]) == self.incentive_mechanism:
                values = event.decode(log)
                return Claimed(tx, values[1] if len(values) > 1 else 0)
        return Claimed(tx, 0)
