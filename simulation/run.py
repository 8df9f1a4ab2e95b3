"""One simulation on a real chain: agents adding data to a deployed SUM model over simulated time.

The rules are the original's (microsoft/0xDeCA10B, simulation/decai/simulation/simulate.py;
docs/simulation.md states them and where sumchain differs), played with real transactions:

- The model is trained off-chain on the first ``init_portion`` of the training data, deployed
  with a Stakeable64 incentive, and the rest of the data goes to the agents in order.
- Agents wait Normal(mean wait, 1 s) seconds (at least 1) between actions, in an event queue. A
  good agent contributes with probability (last measured accuracy + 0.15) and flips a label by
  mistake with ``prob_mistake``; a bad agent always contributes, with the label flipped (binary:
  ``1 - y``). The deposit is Normal(mean, sd) (at least 1 unit), sent only if the agent has it;
  an add the contract refuses (too little deposit) is skipped.
- After each action the agent walks the unclaimed contributions oldest first: younger than the
  refund wait, it stops (and once the data is used up, younger than the take-all wait); past the
  take-all wait it reports (takes what is left); its own it refunds; others' it reports. A
  contribution with nothing left to claim leaves the list. A refused claim is skipped.
- Accuracy on the hidden test set (the on-chain model's predictions) is measured at 1e4 s and
  then every 2e5 s.

Time is the chain's: each transaction is mined at ``start + t`` (``evm_setNextBlockTimestamp``,
later than the block before). Balances are in the original's units (``unit_wei`` wei each) and
count deposits and payouts only; the gas each agent spends is kept beside them.
"""
from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
from eth_account import Account
from eth_utils import keccak

from contracts.bindings.contract import Connection, Function, Sender, checksum
from contracts.bindings.deploy import STAKEABLE, IncentiveSettings, deploy
from contracts.bindings.errors import Reverted
from contracts.bindings.model import TO_FLOAT, parse_model
from contracts.bindings.rpc import RpcClient
from contracts.bindings.trainer import Trainer, normalize

from .datasets import Dataset

DAY = 86_400
FIRST_EVALUATION_S = 10_000  # the original's first accuracy sample, then one every EVALUATION_EVERY_S
EVALUATION_EVERY_S = 200_000
GAS_FUNDING_WEI = 10**18  # each agent's ether for gas, beside its balance in units
CLAIMABLE = Function("getClaimableAmount", ("int64[]", "uint64", "uint256", "address"), ("uint256",))
EVALUATE = Function("evaluateBatch", ("int64[][]", "uint64[]"), ("uint256",))
WEIGHT = Function("weights", ("uint256",), ("int80",))
INTERCEPT = Function("intercept", (), ("int80",))
LAST_UPDATE = Function("lastUpdateTimeS", (), ("uint256",))


@dataclass
class AgentSpec:
    """One agent of the run (the original's ``Agent``); money in units, time in seconds."""

    good: bool
    start_balance: int = 10_000
    mean_deposit: float = 50
    stdev_deposit: float = 10
    mean_wait_s: float = 10 * 60
    stdev_wait_s: float = 1
    prob_mistake: float = 0.0


@dataclass
class Settings:
    init_portion: float = 0.10
    refund_wait_s: int = DAY
    any_address_claim_wait_s: int = 9 * DAY
    cost_weight_units: int = 1  # the original's cost weight: cost = weight · 60 / ⌊√(s since last add)⌋ units
    unit_wei: int = 10**15  # one of the original's units, in wei
    max_days: float | None = None  # stop after this many simulated days (None: when the data is used up)


@dataclass
class Agent:
    spec: AgentSpec
    address: str
    trainer: Trainer  # the deployed model, sending from this agent's key
    balance_wei: int  # the start, less deposits, plus refunds and reports (gas apart)
    unit_wei: int
    gas: int = 0  # gas used by its transactions (paid in ether apart from the balance)

    @property
    def balance(self) -> float:
        """In the original's units."""
        return self.balance_wei / self.unit_wei

    def record(self) -> dict[str, Any]:
        return {"address": self.address, **asdict(self.spec)}


@dataclass
class Unclaimed:
    added_time: int  # the chain's time of the contribution (seconds since the epoch)
    agent: Agent
    data: list[int]
    label: int


@dataclass
class Run:
    """What a run saves (the original's ``simulation_data.json`` schema, plus gas)."""

    agents: list[dict[str, Any]]
    baseline_accuracy: float | None
    init_portion: float
    accuracies: list[dict[str, float]] = field(default_factory=list)
    balances: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"agents": self.agents, "baselineAccuracy": self.baseline_accuracy,
                "initTrainDataPortion": self.init_portion, "accuracies": self.accuracies,
                "balances": self.balances}


def train_perceptron(x: np.ndarray, y: np.ndarray, epochs: int = 10) -> tuple[np.ndarray, float]:
    """A plain perceptron (learning rate 1, as the contract's update) on unit-norm samples."""
    weights, bias = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for sample, label in zip(x, y):
            predicted = 1 if sample @ weights + bias > 0 else 0
            if predicted != label:
                sign = 1 if label == 1 else -1
                weights += sign * sample
                bias += sign
    return weights, bias


def unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


class Simulation:
    def __init__(self, url: str, dataset: Dataset, specs: list[AgentSpec], settings: Settings, seed: int,
                 progress: Callable[[str, int], None] | None = None) -> None:
        if dataset.sparse or len(dataset.classes) != 2:
            raise ValueError(f"dataset {dataset.name}: the simulation runs a dense perceptron on two classes so far")
        self.dataset = dataset
        self.specs = specs
        self.settings = settings
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.seed = seed
        self.progress = progress or (lambda _message, _done: None)
        self.client = RpcClient(url)

    # ------------------------------------------------------------------ set-up
    def _deploy(self, x_init: np.ndarray, y_init: np.ndarray) -> Trainer:
        weights, bias = train_perceptron(unit_rows(x_init), y_init)
        document = {"type": "dense perceptron", "classifications": list(self.dataset.classes),
                    "weights": [float(w) for w in weights], "intercept": float(bias), "learningRate": 1}
        self.model_document = document
        owner = Connection(self.client)
        s = self.settings
        # The original's cost (weight · 60 / √s, in units) in Stakeable64's terms (costWeight · 3600 / √s, wei).
        incentive = IncentiveSettings(STAKEABLE, s.refund_wait_s, s.any_address_claim_wait_s,
                                      s.any_address_claim_wait_s, s.cost_weight_units * s.unit_wei // 60)
        deployment = deploy(owner, parse_model(document), f"simulation {self.dataset.name}", incentive=incentive)
        return Trainer.load(owner, deployment.trainer)

    def _agents(self, trainer: Trainer) -> list[Agent]:
        """Each agent's key (from the seed), funded from the node's first account."""
        owner = Connection(self.client)
        agents = []
        for index, spec in enumerate(self.specs):
            key = keccak(text=f"sumchain simulation agent {self.seed} {index}")
            address = Account.from_key(key).address
            wei = spec.start_balance * self.settings.unit_wei + GAS_FUNDING_WEI
            owner.send(address, b"", value=wei, gas=21_000)
            own = Trainer(Connection(self.client, Sender.from_key("0x" + key.hex())), trainer.address,
                          trainer.classifier, trainer.data_handler, trainer.incentive_mechanism)
            agents.append(Agent(spec, address, own, spec.start_balance * self.settings.unit_wei,
                                self.settings.unit_wei))
        return agents

    # ------------------------------------------------------------------ time
    def _at(self, t: float) -> int:
        """Make the next block's timestamp the run's time ``t`` (or one after the latest block)."""
        latest = int(self.client.request("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
        timestamp = max(self.start + int(t), latest + 1)
        self.client.request("evm_setNextBlockTimestamp", timestamp)
        return timestamp

    # ------------------------------------------------------------------ the run
    def accuracy(self, trainer: Trainer) -> float:
        """The on-chain model's accuracy on the hidden test set (its evaluateBatch, one call)."""
        correct = trainer.conn.call(trainer.classifier, EVALUATE, self.test_samples,
                                    [int(y) for y in self.dataset.y_test])
        return correct / len(self.dataset.y_test)

    def exported_model(self) -> dict[str, Any]:
        """The model as it stands on chain at the end, as a model file (``sumchain model deploy``)."""
        conn, classifier = self.trainer.conn, self.trainer.classifier
        weights = [conn.call(classifier, WEIGHT, i) / TO_FLOAT for i in range(self.dataset.x_train.shape[1])]
        return {**self.model_document, "weights": weights, "intercept": conn.call(classifier, INTERCEPT) / TO_FLOAT}

    def run(self) -> Run:
        data = self.dataset
        split = int(len(data.x_train) * self.settings.init_portion)
        trainer = self._deploy(data.x_train[:split], data.y_train[:split])
        samples = [(normalize(x), int(y)) for x, y in zip(data.x_train[split:], data.y_train[split:])]
        self.test_samples = [normalize(x) for x in data.x_test]
        agents = self._agents(trainer)
        # Time 0 is the incentive's deployment (its last update time), as the original's clock starts with
        # the contract: the first contribution's cost then depends on t alone, not on how long deploying
        # and funding took on this node (sumchain's blocks are a second apart at least, Anvil's are not).
        self.start = trainer.conn.call(trainer.incentive_mechanism, LAST_UPDATE)
        accuracy = self.accuracy(trainer)
        run = Run([a.record() for a in agents], self.baseline(), self.settings.init_portion)
        run.accuracies.append({"t": 0, "accuracy": accuracy})
        self.trainer = trainer
        for agent in agents:
            run.balances.append({"t": 0, "a": agent.address, "b": agent.balance})
        queue = [(self._wait(agent.spec), index) for index, agent in enumerate(agents)]
        heapq.heapify(queue)
        unclaimed: list[Unclaimed] = []
        next_sample = 0
        next_evaluation = FIRST_EVALUATION_S
        s = self.settings
        now = 0
        while queue and (next_sample < len(samples) or unclaimed):
            now, index = heapq.heappop(queue)
            if s.max_days is not None and now > s.max_days * DAY:
                break
            agent = agents[index]
            if now > next_evaluation:
                next_evaluation += EVALUATION_EVERY_S
                accuracy = self.accuracy(trainer)
                run.accuracies.append({"t": now, "accuracy": accuracy})
            changed = False
            if agent.balance > 0 and next_sample < len(samples):
                x, y = samples[next_sample]
                if not agent.spec.good:
                    y = 1 - y
                if agent.spec.prob_mistake > 0 and self.rng.random() < agent.spec.prob_mistake:
                    y = 1 - y
                if not agent.spec.good or self.rng.random() < accuracy + 0.15:
                    deposit = self._deposit(agent.spec)
                    if deposit <= agent.balance:
                        added_time = self._add(agent, now, x, y, deposit)
                        if added_time is not None:
                            unclaimed.append(Unclaimed(added_time, agent, x, y))
                            next_sample += 1
                            changed = True
            if agent.balance > 0:
                heapq.heappush(queue, (now + self._wait(agent.spec), index))
            changed |= self._claims(agent, now, unclaimed, next_sample >= len(samples))
            if changed:
                run.balances.append({"t": now, "a": agent.address, "b": agent.balance})
            self.progress(f"day {now / DAY:.1f}", next_sample)
        run.accuracies.append({"t": now, "accuracy": self.accuracy(trainer)})
        for agent, record in zip(agents, run.agents):
            record["gas"] = agent.gas
        return run

    def baseline(self) -> float:
        """Accuracy of the same perceptron trained off-chain on all the training data."""
        weights, bias = train_perceptron(unit_rows(self.dataset.x_train), self.dataset.y_train)
        predicted = (unit_rows(self.dataset.x_test) @ weights + bias > 0).astype(int)
        return float(np.mean(predicted == self.dataset.y_test))

    def _wait(self, spec: AgentSpec) -> int:
        return self._draw(spec.mean_wait_s, spec.stdev_wait_s)

    def _deposit(self, spec: AgentSpec) -> int:
        return self._draw(spec.mean_deposit, spec.stdev_deposit)

    def _draw(self, mean: float, stdev: float) -> int:
        """int(Normal(mean, stdev)), drawn again until it is at least 1 (the original's rule)."""
        while True:
            value = int(self.rng.normal(mean, stdev))
            if value >= 1:
                return value

    def _add(self, agent: Agent, now: float, x: list[int], y: int, deposit: int) -> int | None:
        self._at(now)
        try:
            added = agent.trainer.add_data(x, y, deposit * self.settings.unit_wei)
        except Reverted:
            return None  # too little deposit for now: the original skips it too
        agent.balance_wei -= added.contribution.cost  # the trainer returns what the deposit exceeds
        agent.gas += added.tx.gas_used
        return added.contribution.time

    def _claims(self, agent: Agent, now: float, unclaimed: list[Unclaimed], data_used_up: bool) -> bool:
        s = self.settings
        changed = False
        mine = agent.trainer
        for item in list(unclaimed):
            age = self.start + now - item.added_time
            if age < s.refund_wait_s or (data_used_up and age < s.any_address_claim_wait_s):
                break
            self._at(now)
            try:
                if age <= s.any_address_claim_wait_s and item.agent is agent:
                    claimed = mine.refund(item.data, item.label, item.added_time)
                else:
                    claimed = mine.report(item.data, item.label, item.added_time, item.agent.address)
            except Reverted:
                claimed = None
            if claimed is not None:
                agent.balance_wei += claimed.amount
                agent.gas += claimed.tx.gas_used
                changed = True
            left = mine.conn.call(mine.data_handler, CLAIMABLE, item.data, item.label, item.added_time,
                                  checksum(item.agent.address))
            if left == 0:
                unclaimed.remove(item)
        return changed

