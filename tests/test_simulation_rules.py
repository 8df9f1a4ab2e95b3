"""The original SUM simulation's own contract checks, ported to sumchain's real chain (issue 15).

microsoft/0xDeCA10B tests its Python stand-ins for the contracts on a fake chain
(simulation/decai/simulation/contract/classification/tests/test_perceptron.py,
.../classification/tests/test_ncc.py): a Balances dict, a TimeMock clock and RejectException. Here
the same scenarios run on the contracts themselves, deployed with the bindings
(contracts/bindings: deploy, Trainer, parse_model) under the simulation's conventions
(simulation/run.py, docs/simulation.md): Stakeable64 with a 1-day refund wait, anyone (and the
owner) taking what is left after 9 days, costWeight = unit / 60 with one unit = 1e15 wei, a dense
perceptron at learning rate 1. Each participant is a fresh key funded with its start balance in
units plus ether for gas (simulation.run.GAS_FUNDING_WEI); time moves with
evm_setNextBlockTimestamp, the clock the simulation drives.

Where the chain differs from the fake one, for every test:

- Money is wei, not float units. Stakeable64 charges costWeight·3600 // isqrt(s since the last
  add) wei; the original charged int(60 / int(sqrt(s))) units with a minimum of 1. At 1 s apart
  both are 60 units (the chain 2,400 wei less: costWeight = 10^15 // 60 is rounded down); after a
  day the chain charges 0.2 units where the original's floor charged 1.
- Balances are the chain's and pay gas: every check is exact in wei, with each transaction's fee
  (gasUsed · effectiveGasPrice) accounted for. A deposit above the cost is sent back by the
  trainer; the original just took the cost.
- A refusal is the contract's revert reason (contracts.bindings.errors.Reverted.reason), seen when
  the transaction is estimated, so nothing is mined. For the refusals the original tests check,
  its RejectException texts and the contracts' reasons are the same.
- Samples are integer fixed point, round(v·1e9), and a dense model trains only on unit-norm
  samples (its update reverts "The provided data does not have a norm of 1."). The original's
  floats had neither limit.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from math import isqrt

import numpy as np
import pytest
from eth_account import Account
from eth_utils import keccak

from contracts.bindings.contract import Connection, Function, Sender, checksum
from contracts.bindings.deploy import STAKEABLE, IncentiveSettings, deploy
from contracts.bindings.errors import Reverted
from contracts.bindings.model import TO_FLOAT, parse_model
from contracts.bindings.rpc import RpcClient
from contracts.bindings.trainer import Trainer, normalize
from genesis import DEV_GENESIS
from node.chain import Chain
from node.genesis import load_genesis
from simulation.models import train_perceptron, unit_rows
from simulation.run import CLAIMABLE, EVALUATE, GAS_FUNDING_WEI, Settings
from tests.conftest import RunningNode

SETTINGS = Settings()  # the simulation's defaults: 1-day refund wait, 9-day take-all, unit 1e15 wei
UNIT = SETTINGS.unit_wei
COST_WEIGHT = SETTINGS.cost_weight_units * UNIT // 60
# simulation/run.py's deployment: the owner may take what is left when anyone may (9 days).
INCENTIVE = IncentiveSettings(STAKEABLE, SETTINGS.refund_wait_s, SETTINGS.any_address_claim_wait_s,
                              SETTINGS.any_address_claim_wait_s, COST_WEIGHT)
REFUND_WAIT = SETTINGS.refund_wait_s
ANY_ADDRESS_WAIT = SETTINGS.any_address_claim_wait_s
NOT_AGREE = "The model doesn't agree with your contribution."
LAST_UPDATE = Function("lastUpdateTimeS", (), ("uint256",))


def next_cost(elapsed_s: int) -> int:
    """Stakeable64's deposit in wei, `elapsed_s` after the last add."""
    return COST_WEIGHT * 3600 // (isqrt(elapsed_s) if elapsed_s else 1)


# ---------------------------------------------------------------------------- the chain

@pytest.fixture(scope="module", params=["native", "fallback"])
def client(request):
    """A node behind JSON-RPC in each mode, as every SUM test runs (tests/conftest.py sum_node):
    with the ML precompiles, and without (`--no-ml-precompiles`, the contracts' Solidity paths)."""
    chain = Chain.open(load_genesis(DEV_GENESIS), None, ml_precompiles=request.param == "native")
    running = RunningNode(chain)
    yield RpcClient(running.url)
    running.stop()
    chain.close()


class Clock:
    """The original's TimeMock on the chain: set_time(t) makes t the next block's timestamp
    (evm_setNextBlockTimestamp), where the bindings' estimates run too; calling it gives the time
    last set until a block is mined at it, then the latest block's timestamp."""

    def __init__(self, client: RpcClient) -> None:
        self.client = client
        self.pinned: int | None = None

    def __call__(self) -> int:
        if self.pinned is not None:
            return self.pinned
        return int(self.client.request("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def set_time(self, timestamp: int) -> None:
        self.client.request("evm_setNextBlockTimestamp", timestamp)
        self.pinned = timestamp

    def mined(self) -> None:
        self.pinned = None


@dataclass
class Agent:
    """A named participant of the original test ('sender', 'Orig', 'malicious', ...): a fresh key
    funded with `start` wei (its balance in units) plus GAS_FUNDING_WEI for gas.

    `ledger` is the original's Balances entry in wei (the start, less costs, plus refunds and
    reports); `fees` what its transactions paid for gas. The chain's balance must always be
    GAS_FUNDING_WEI + ledger - fees."""

    name: str
    trainer: Trainer
    deployment: Deployment
    ledger: int
    fees: int = 0
    last_cost: int = 0

    @property
    def address(self) -> str:
        return self.trainer.conn.sender.address

    def chain_balance(self) -> int:
        return int(self.trainer.conn.client.request("eth_getBalance", self.address, "latest"), 16)

    def check_balance(self) -> None:
        assert self.chain_balance() == GAS_FUNDING_WEI + self.ledger - self.fees, self.name

    def _fee(self, tx_hash: str) -> int:
        receipt = self.trainer.conn.client.request("eth_getTransactionReceipt", tx_hash)
        return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)

    def add_data(self, data: list[int], label: int, value: int) -> int:
        """Msg(self, value) to add_data: returns the contribution's time. The cost taken must be
        Stakeable64's formula for the seconds since the last add (`last_cost`)."""
        before = self.chain_balance()
        added = self.trainer.add_data(data, label, value)
        self.deployment.clock.mined()
        fee = self._fee(added.tx.tx_hash)
        cost = next_cost(added.contribution.time - self.deployment.last_add_time)
        assert added.contribution.cost == cost
        assert self.chain_balance() == before - cost - fee  # the excess of `value` came back
        self.deployment.last_add_time = added.contribution.time
        self.ledger -= cost
        self.last_cost = cost
        self.fees += fee
        self.check_balance()
        return added.contribution.time

    def _claimed(self, claim) -> int:
        before = self.chain_balance()
        claimed = claim()
        self.deployment.clock.mined()
        fee = self._fee(claimed.tx.tx_hash)
        assert self.chain_balance() == before + claimed.amount - fee
        self.ledger += claimed.amount
        self.fees += fee
        self.check_balance()
        return claimed.amount

    def refund(self, data: list[int], label: int, added_time: int) -> int:
        return self._claimed(lambda: self.trainer.refund(data, label, added_time))

    def report(self, data: list[int], label: int, added_time: int, author: Agent) -> int:
        return self._claimed(lambda: self.trainer.report(data, label, added_time, author.address))

    def refused(self, action: str, *args) -> str:
        """The revert reason of an add, refund or report that must fail; nothing is mined or paid."""
        before = self.chain_balance()
        with pytest.raises(Reverted) as refusal:
            getattr(self.trainer, action)(*args)
        assert refusal.value.tx_hash is None  # refused at the estimate: not sent
        assert self.chain_balance() == before
        return refusal.value.reason


class Deployment:
    """A model deployed as `sumchain simulate` deploys it, and its participants."""

    def __init__(self, client: RpcClient, document: dict, name: str) -> None:
        self.client = client
        self.owner = Connection(client)
        self.clock = Clock(client)
        deployment = deploy(self.owner, parse_model(document), name, incentive=INCENTIVE)
        self.trainer = Trainer.load(self.owner, deployment.trainer)
        # Before any add, the cost counts from the incentive mechanism's deployment.
        self.last_add_time = self.owner.call(self.trainer.incentive_mechanism, LAST_UPDATE)

    def agent(self, name: str, start_units: float) -> Agent:
        key = keccak(text=f"sumchain simulation rules {self.trainer.address} {name}")
        address = Account.from_key(key).address
        start = int(start_units * UNIT)
        self.owner.send(address, b"", value=start + GAS_FUNDING_WEI, gas=21_000)
        self.clock.mined()
        t = self.trainer
        own = Trainer(Connection(self.client, Sender.from_key("0x" + key.hex())), t.address, t.classifier,
                      t.data_handler, t.incentive_mechanism)
        agent = Agent(name, own, self, start)
        agent.check_balance()
        return agent

    def evaluate(self, data: list[list[int]], labels: list[int]) -> float:
        """The original's model.evaluate (accuracy), with the classifier's evaluateBatch."""
        return self.owner.call(self.trainer.classifier, EVALUATE, data, labels) / len(labels)

    def claimable(self, data: list[int], label: int, added_time: int, author: Agent) -> int:
        return self.owner.call(self.trainer.data_handler, CLAIMABLE, data, label, added_time,
                               checksum(author.address))


# ---------------------------------------------------------------------------- test_perceptron.py

def _ground_truth(data) -> int:
    return int(data[0] * data[2])


def sample(x) -> list[int]:
    """A dense perceptron's sample for the original's 3 features: a constant 4th feature, then unit
    norm, in fixed point. The original's [0, 0, 0] has no unit-norm direction, and the contract
    never updates its intercept: the constant feature is the bias it learns. Scaling a sample
    does not change a perceptron's side, so the labels' separability (x0 AND x2) is unchanged."""
    return normalize([*map(float, x), 1.0])


X = np.array([
    # Initialization Data
    [0, 0, 0],
    [1, 1, 1],

    # Data to Add
    [0, 0, 1],
    [0, 1, 0],
    [0, 1, 1],
    [1, 0, 0],
    [1, 0, 1],
    [1, 1, 0],
])
Y = [_ground_truth(x) for x in X]
SAMPLES = [sample(x) for x in X]


def init_model_document(x: np.ndarray, y: list[int]) -> dict:
    """The original's init_model, off chain as there: scikit-learn's SGD perceptron
    (simulation.models.train_perceptron), its bias carried by a constant feature (the contract never
    moves its intercept), exported as a model file (classes "0" and "1", the original's export default)."""
    weights, bias = train_perceptron(unit_rows(np.array([[*row, 1.0] for row in x], dtype=float)), np.array(y),
                                     fit_intercept=False)
    return {"type": "dense perceptron", "classifications": ["0", "1"],
            "weights": [float(w) for w in weights], "intercept": bias, "learningRate": 1}


@dataclass
class Collab:
    """What TestCollaborativeTrainer.setUpClass leaves to its tests."""

    deployment: Deployment
    good: Agent


@pytest.fixture(scope="module")
def collab(client) -> Collab:
    """TestCollaborativeTrainer.setUpClass: 'sender' (1e6 units) adds every sample, one second
    apart, sending its whole balance each time; re-adds random samples until the model fits all
    eight (at most 1000); then refunds its first contribution a day and a second later.

    The random re-adds come from a seeded random.Random (the original's were unseeded), so the
    model they leave is the same on every run and in both node modes."""
    deployment = Deployment(client, init_model_document(X[:2], Y[:2]), "test_perceptron")
    clock = deployment.clock
    good = deployment.agent("sender", 1e6)
    initial_balance = good.ledger
    score = deployment.evaluate(SAMPLES, Y)
    assert score != 1, "Model shouldn't fit the data yet."

    # Add all data.
    first_added_time = None
    for i in range(len(X)):
        clock.set_time(clock() + 1)
        added_time = good.add_data(SAMPLES[i], Y[i], value=good.ledger)
        if first_added_time is None:
            first_added_time, first_cost = added_time, good.last_cost
        else:  # one second apart: 60 units (less costWeight's rounding), as the original's
            assert good.last_cost == next_cost(1) == 60 * UNIT - 2_400
    rng = random.Random(0xDECA10B)
    for _ in range(1000):
        score = deployment.evaluate(SAMPLES, Y)
        if score >= 1:
            break
        i = rng.randint(0, len(X) - 1)
        clock.set_time(clock() + 1)
        good.add_data(SAMPLES[i], Y[i], value=good.ledger)
    assert score == 1, "Model didn't fit the data."

    bal = good.ledger
    assert bal < initial_balance, "Adding data should have a cost."

    # Make sure sender has some good data refunded so that they can report data later.
    clock.set_time(clock() + REFUND_WAIT + 1)
    refunded = good.refund(SAMPLES[0], Y[0], first_added_time)
    assert refunded == first_cost  # the deposit of its first add
    assert good.ledger > bal, "Refunding should return value."
    assert good.trainer.num_valid(good.address) == 1
    return Collab(deployment, good)


def test_predict(collab):
    """test_perceptron.py TestCollaborativeTrainer.test_predict: the trained model predicts the
    ground truth of a sample it was trained on ([0, 1, 0]: 0)."""
    data = [0, 1, 0]
    assert collab.deployment.trainer.predict(sample(data)) == _ground_truth(data)


def test_refund(collab):
    """test_perceptron.py TestCollaborativeTrainer.test_refund: 'Orig' (1e5 units) adds [0, 2, 0]
    (label 0) with 1e3 units; 'sender' adds the same a second later; a day and a second after its
    add, 'Orig' is refunded its deposit.

    Added to the original: 'Orig' asking one second before the wait is over is refused "Not enough
    time has passed." (the original's Stakeable raises the same text; its test never asks early).
    The chain's wait is inclusive (refundWaitTimeS after the add may refund), the original's strict
    (more than refund_time_s): only the second at exactly one day differs, and neither is tried."""
    deployment, good = collab.deployment, collab.good
    clock = deployment.clock
    data = sample([0, 2, 0])
    correct_class = _ground_truth([0, 2, 0])

    orig = deployment.agent("Orig", 1e5)
    bal = orig.ledger
    clock.set_time(clock() + 1)
    added_time = orig.add_data(data, correct_class, value=1_000 * UNIT)
    assert orig.ledger < bal
    deposit = orig.last_cost
    # The last add was before the setup's refund wait, over a day ago: 0.2 units (the original: 1).
    assert 0.2 * UNIT < deposit < 0.21 * UNIT

    # Add same data from another address.
    clock.set_time(clock() + 1)
    bal = good.ledger
    good.add_data(data, correct_class, value=1_000 * UNIT)
    assert good.ledger < bal

    # Too early: the last second of the wait.
    clock.set_time(added_time + REFUND_WAIT - 1)
    assert orig.refused("refund", data, correct_class, added_time) == "Not enough time has passed."

    # Original address refunds.
    bal = orig.ledger
    clock.set_time(added_time + REFUND_WAIT + 1)
    assert orig.refund(data, correct_class, added_time) == deposit
    assert orig.ledger > bal
    assert deployment.claimable(data, correct_class, added_time, orig) == 0  # as the original: all of it refunded


def _add_bad_data(deployment, name: str, data, label: int):
    """The original's "Add bad data." step: a fresh agent of 1e6 units adds the sample a second
    later with its whole balance sent; (the agent, the contribution's time, the deposit it cost)."""
    malicious = deployment.agent(name, 1e6)
    bal = malicious.ledger
    deployment.clock.set_time(deployment.clock() + 1)
    added_time = malicious.add_data(data, label, value=malicious.ledger)
    assert malicious.ledger < bal, "Adding data should have a cost."
    return malicious, added_time, malicious.last_cost


def test_report(collab):
    """test_perceptron.py TestCollaborativeTrainer.test_report: 'malicious' (1e6 units) adds [0, 0, 0]
    with the wrong label; a day and a second later its refund is refused "The model doesn't agree
    with your contribution.", and 'sender', who has good data refunded, reports it and gains.

    The reward is the original's rule, exactly: the deposit · the reporter's refunded
    contributions / all refunded ones ('sender' 1 of 2, with 'Orig's from test_refund), so half the
    deposit, and the rest stays claimable (DataHandler64.getClaimableAmount); run alone, 1 of 1.
    Added: a second report by 'sender' is refused."""
    deployment, good = collab.deployment, collab.good
    clock = deployment.clock
    data = sample([0, 0, 0])
    correct_class = _ground_truth([0, 0, 0])
    submitted_classification = 1 - correct_class
    malicious, added_time, deposit = _add_bad_data(deployment, "malicious", data, submitted_classification)

    clock.set_time(clock() + REFUND_WAIT + 1)

    # Can't refund.
    assert deployment.trainer.predict(data) == correct_class  # one bad update did not flip it
    assert malicious.refused("refund", data, submitted_classification, added_time) == NOT_AGREE

    bal = good.ledger
    num_good, total_good = good.trainer.num_valid(good.address), deployment.trainer.info().total_good_data_count
    assert num_good == 1 and total_good in (1, 2)  # 2 after test_refund's refund
    reward = good.report(data, submitted_classification, added_time, malicious)
    assert good.ledger > bal
    assert reward == deposit * num_good // total_good
    left = deposit - reward
    assert deployment.claimable(data, submitted_classification, added_time, malicious) == left
    assert good.refused("report", data, submitted_classification, added_time, malicious.address) == (
        "Deposit already claimed by reporter." if left else "There is no reward left to claim.")


def test_report_take_all(collab):
    """test_perceptron.py TestCollaborativeTrainer.test_report_take_all: 'malicious_take_backer'
    (1e6 units) adds [0, 0, 0] with the wrong label; 9 days and a second later its refund is still
    refused "The model doesn't agree with your contribution.", but anyone may now take what is
    left of the deposit, its own author too: it reports its own contribution and takes it all.

    Not exactly the original: 'sender' adds [0, 0, 0] with its true label a second after the bad
    add. The contract's perceptron steps a whole learning rate (1) at every mistake, where the
    original's scikit-learn perceptron ('optimal' schedule) steps less and less: after
    test_report's bad add and this one, the weight of the constant feature goes -1.49, -0.49,
    +0.51, and the model would agree with the wrong label. One true-label add trains it back (a
    perceptron moves only on a mistake, so when this test runs alone the add changes nothing).

    Added to the original: before the 9 days the author's own report is refused "Cannot take your
    own deposit." (the original's text goes on " Ask for a refund instead."); nothing is left to
    claim afterwards (getClaimableAmount 0)."""
    deployment = collab.deployment
    clock = deployment.clock
    data = sample([0, 0, 0])
    correct_class = _ground_truth([0, 0, 0])
    submitted_classification = 1 - correct_class
    malicious, added_time, deposit = _add_bad_data(deployment, "malicious_take_backer", data, submitted_classification)
    # The model trained against it (see above).
    clock.set_time(clock() + 1)
    collab.good.add_data(data, correct_class, value=collab.good.ledger)

    clock.set_time(added_time + REFUND_WAIT + 1)
    assert malicious.refused("report", data, submitted_classification, added_time,
                             malicious.address) == "Cannot take your own deposit."

    clock.set_time(added_time + ANY_ADDRESS_WAIT + 1)

    # Can't refund.
    assert malicious.refused("refund", data, submitted_classification, added_time) == NOT_AGREE

    bal = malicious.ledger
    taken = malicious.report(data, submitted_classification, added_time, malicious)
    assert malicious.ledger > bal
    assert taken == deposit
    assert deployment.claimable(data, submitted_classification, added_time, malicious) == 0


def test_reset(client):
    """test_perceptron.py TestCollaborativeTrainer.test_reset, as far as a chain allows: a model
    initialised on [0, 0, 0] and [1, 1, 1] and saved, trained on all eight samples, predicts
    differently; reset, it predicts as at first.

    Not exactly the original: a deployed model cannot be reset (no contract has a reset, and the
    chain keeps what it was trained on). The saved model is its model file, the reset a second
    deployment of that file, which must predict as the first did before training. The training is
    add_data through the trainer (one second apart, with Stakeable64 deposits), the only way to
    update a deployed classifier; the original called the model's update directly."""
    document = init_model_document(X[:2], Y[:2])
    first = Deployment(client, document, "test_reset")
    points = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]]
    data = [sample(x) for x in points]
    labels = [_ground_truth(x) for x in points]
    original_predictions = [first.trainer.predict(x) for x in data]
    trainer = first.agent("trainer", 1e4)
    for x, y in zip(data, labels):
        first.clock.set_time(first.clock() + 1)
        trainer.add_data(x, y, value=trainer.ledger)
    predictions_after_training = [first.trainer.predict(x) for x in data]
    assert original_predictions != predictions_after_training
    reset = Deployment(client, document, "test_reset, reset")
    new_predictions = [reset.trainer.predict(x) for x in data]
    assert original_predictions == new_predictions


# ---------------------------------------------------------------------------- test_ncc.py

DENSE_CENTROID_VALUE = Function("getCentroidValue", ("uint256", "uint256"), ("int64",))


def fixed(values) -> list[int]:
    return [round(float(v) * TO_FLOAT) for v in values]


def ncc_document(data: list[list[float]], labels: list[int]) -> dict:
    """The original's init_model for its NearestCentroidClassifier (ncc.py: scikit-learn's fit, the
    class means, and the samples per class) exported as its export() writes it."""
    centroids = {}
    for c in sorted(set(labels)):
        rows = np.array([x for x, y in zip(data, labels) if y == c], dtype=float)
        centroids[str(c)] = {"centroid": [float(v) for v in rows.mean(axis=0)], "dataCount": len(rows)}
    return {"type": "nearest centroid classifier", "centroids": centroids}


def check_partial_fit(client, data: list[list[float]], sample: list[float], update: list[float], name: str,
                      refused: tuple[list[float], str] | None = None) -> None:
    """The original's partial-fit check on a dense NearestCentroidClassifier deployed with
    Stakeable64; `refused`: an update the contract must refuse first, and its reason."""
    labels = [0, 0, 1, 1]
    deployment = Deployment(client, ncc_document(data, labels), name)
    data = [fixed(x) for x in data]
    assert deployment.evaluate(data, labels) == 1

    sample = fixed(sample)
    assert deployment.trainer.predict(sample) == 1

    # Update a point beyond `sample` so that `sample` gets a new label.
    contributor = deployment.agent("contributor", 1e4)
    deployment.clock.set_time(deployment.clock() + 1)
    if refused is not None:
        point, reason = refused
        assert contributor.refused("add_data", fixed(point), 0, contributor.ledger) == reason
    classifier = deployment.trainer.classifier
    before = [deployment.owner.call(classifier, DENSE_CENTROID_VALUE, 0, j) for j in range(2)]
    point = normalize(update)
    contributor.add_data(point, 0, value=contributor.ledger)
    # The original's partial_fit: (centroid · n + sample) / (n + 1), n = 2; truncated on chain.
    after = [deployment.owner.call(classifier, DENSE_CENTROID_VALUE, 0, j) for j in range(2)]
    assert after == [int((c * 2 + x) / 3) for c, x in zip(before, point)]
    assert deployment.trainer.predict(sample) == 0

    assert deployment.evaluate(data, labels) == 1


def test_partial_fit(client):
    """test_ncc.py TestNearestCentroidClassifier.test_partial_fit: centroids from [-1, -1],
    [-0.5, -0.5] (class 0) and [1, 1], [0.5, 0.5] (class 1) classify those four right and
    [0.1, 0.1] as 1; an update of class 0 with a point beyond [0.1, 0.1] makes it 0, and the four
    are still right.

    Not exactly the original: the update is [0.3, 0.3] scaled to unit norm, [0.7071, 0.7071] (the
    same direction, further beyond the sample), sent with add_data through the trainer with a
    Stakeable64 deposit. The contract trains only on unit-norm samples; predictions and the
    initial centroids (the model file) take any values, so the rest is the original's data.
    Added: class 0's centroid after the update is the original's running mean, truncated."""
    check_partial_fit(client, [[-1.0, -1.0], [-0.5, -0.5], [+1.0, +1.0], [+0.5, +0.5]], [0.1, 0.1], [0.3, 0.3],
                      "test_partial_fit")


def test_partial_fit_2(client):
    """test_ncc.py TestNearestCentroidClassifier.test_partial_fit_2: centroids from [0, -1],
    [0, -0.5] (class 0) and [0, 1], [0, 0.5] (class 1) classify those four right and [0, 0.1] as
    1; an update of class 0 makes it 0, and the four are still right.

    Not exactly the original: its update is the origin [0, 0], which has no unit norm; the contract
    refuses it ("The provided data does not have a norm of 1.", nothing is taken or mined) and the
    update is [0, 1] instead, the unit vector on the sample's side (class 0's centroid goes from
    -0.75 to -0.17 on the second axis where the original's went to -0.5; [±1, 0] would not flip
    the sample)."""
    check_partial_fit(client, [[0, -1.0], [0, -0.5], [0, +1.0], [0, +0.5]], [0, +0.1], [0, 1.0],
                      "test_partial_fit_2", refused=([0, 0], "The provided data does not have a norm of 1."))


SPARSE_CENTROID_VALUE = Function("getCentroidValue", ("uint256", "uint32"), ("uint64",))


def test_sparse_partial_fit(client):
    """No original test: test_ncc.py's test_partial_fit carried to the sparse nearest centroid
    classifier (the original's SparseNearestCentroidClassifier contract, which its simulation
    tests never reached). A sample lists the features present (each 1). Centroids from [0],
    [0, 1] (class 0: {0: 1, 1: 0.5}) and [2, 3], [3] (class 1: {2: 0.5, 3: 1}) classify those four
    right and [2] as 1; an update of class 0 with [2, 3], a point beyond [2] (toward class 1),
    makes it 0, and the four are still right. The contract's lazily scaled values read as the
    original's running mean: (value · 2 + present) / 3."""
    data, labels = [[0], [0, 1], [2, 3], [3]], [0, 0, 1, 1]
    document = {"type": "sparse nearest centroid classifier",
                "centroids": {"0": {"centroid": {"0": 1, "1": 0.5}, "dataCount": 2},
                              "1": {"centroid": {"2": 0.5, "3": 1}, "dataCount": 2}}}
    deployment = Deployment(client, document, "sparse partial fit")
    assert deployment.evaluate(data, labels) == 1
    assert deployment.trainer.predict([2]) == 1

    contributor = deployment.agent("contributor", 1e4)
    deployment.clock.set_time(deployment.clock() + 1)
    contributor.add_data([2, 3], 0, value=contributor.ledger)
    values = [deployment.owner.call(deployment.trainer.classifier, SPARSE_CENTROID_VALUE, 0, j) for j in range(4)]
    assert values == [(TO_FLOAT * 2 + 0) // 3, (TO_FLOAT // 2 * 2 + 0) // 3, TO_FLOAT // 3, TO_FLOAT // 3]
    assert deployment.trainer.predict([2]) == 0

    assert deployment.evaluate(data, labels) == 1
