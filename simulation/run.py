"""One simulation on a real chain: agents adding data to a deployed SUM model over simulated time.

The rules are the original's (microsoft/0xDeCA10B, simulation/decai/simulation/simulate.py;
docs/simulation.md states them and where sumchain differs), played with real transactions:

- The model (one of simulation/models.py's five) is trained off-chain on the first
  ``init_portion`` of the training data, deployed with a Stakeable64 or Points64 incentive, and
  the rest of the data goes to the agents in order.
- Agents wait Normal(mean wait, 1 s) seconds (at least 1) between actions, in an event queue. A
  good agent contributes with probability (last measured accuracy + 0.15) and flips a label by
  mistake with ``prob_mistake``; a bad agent always contributes, with the label flipped (binary:
  ``1 - y``; more classes: a uniformly drawn wrong one). The deposit is Normal(mean, sd) (at
  least 1 unit), sent only if the agent has it; an add the contract refuses (too little deposit)
  is skipped. Points64 takes no deposit.
- After each action the agent walks the unclaimed contributions oldest first: younger than the
  refund wait, it stops (and once the data is used up, younger than the take-all wait); past the
  take-all wait it reports (takes what is left); its own it refunds; others' it reports. A
  contribution with nothing left to claim leaves the list (Points64: once claimed, or past the
  take-all wait). A refused claim is skipped.
- Accuracy on the hidden test set (the on-chain model's predictions) is measured at 1e4 s and
  then every 2e5 s.

Time is the chain's: each transaction is mined at ``start + t`` (``evm_setNextBlockTimestamp``,
later than the block before). Balances are in the original's units (``unit_wei`` wei each) and
count deposits and payouts only; the gas each agent spends is kept beside them. Under Points64 an
agent's balance is its points: its contributions refunded as good (``numValidForAddress``).

An integer replica of the model (contracts/bindings/replica.py) trains on every accepted sample;
at every accuracy sample and at the end (every test prediction) it must agree with the chain.
"""
from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
from eth_account import Account
from eth_utils import keccak

from contracts.bindings.contract import TX_GAS_CAP, Connection, Function, Sender, checksum
from contracts.bindings.deploy import POINTS, PREDICTION_MARKET, STAKEABLE, IncentiveSettings, deploy
from contracts.bindings.errors import Reverted, SumError
from contracts.bindings.model import parse_model
from contracts.bindings.replica import replica
from contracts.bindings.rpc import RpcClient
from contracts.bindings.trainer import Trainer

from .datasets import Dataset
from .models import MODELS, baseline_accuracy

DAY = 86_400
FIRST_EVALUATION_S = 10_000  # the original's first accuracy sample, then one every EVALUATION_EVERY_S
EVALUATION_EVERY_S = 200_000
GAS_FUNDING_WEI = 100 * 10**18  # each agent's ether for gas, beside its balance: enough for a long run's 10^10 gas at the 2^24 limit each send reserves
CLAIMABLE = Function("getClaimableAmount", ("int64[]", "uint64", "uint256", "address"), ("uint256",))
EVALUATE = Function("evaluateBatch", ("int64[][]", "uint64[]"), ("uint256",))
LAST_UPDATE = Function("lastUpdateTimeS", (), ("uint256",))
COST_AT = Function("getNextAddDataCost", ("uint256",), ("uint256",))
EVALUATE_ELEMENTS = 2_000  # sample elements per evaluateBatch call: about 1 s on the slowest path (sparse centroids, no precompiles)


class SimulationError(SumError):
    """The run and the chain disagree: a bug in one of them."""


class ReplicaMismatch(SimulationError):
    """The off-chain replica and the on-chain model disagree."""


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


@dataclass(frozen=True)
class AgentKind:
    """The original's defaults for the good or the bad agents of a run."""

    good: bool
    count: int
    start_balance: int  # units
    mean_deposit: float  # units, drawn from Normal(mean, stdev)
    stdev_deposit: float
    waits_s: tuple[float, ...]  # mean waits: the i-th agent of the kind waits waits_s[i % len(waits_s)]
    prob_mistake: float = 0.0

    def specs(self, count: int | None = None, start_balance: int | None = None,
              mean_deposit: float | None = None, mean_wait_s: float | None = None) -> list[AgentSpec]:
        """The agents of this kind, each default replaced by the value given."""
        return [AgentSpec(self.good, self.start_balance if start_balance is None else start_balance,
                          self.mean_deposit if mean_deposit is None else mean_deposit, self.stdev_deposit,
                          self.waits_s[i % len(self.waits_s)] if mean_wait_s is None else mean_wait_s,
                          prob_mistake=self.prob_mistake)
                for i in range(self.count if count is None else count)]


# (good, bad) per mechanism, from the original's simulate.py (refund mechanisms) and
# simulate_prediction_market.py.
REFUND_AGENTS = (AgentKind(True, 1, 10_000, 50, 10, (10 * 60,), prob_mistake=1e-4),
                 AgentKind(False, 1, 10_000, 100, 3, (60 * 60,)))
MARKET_AGENTS = (AgentKind(True, 3, 10_000, 5, 1, (10 * 60, 20 * 60, 30 * 60)),
                 AgentKind(False, 2, 10_000, 10, 3, (60 * 60,)))


def default_agents(incentive: str) -> tuple[AgentKind, AgentKind]:
    return MARKET_AGENTS if incentive == PREDICTION_MARKET else REFUND_AGENTS


@dataclass
class Settings:
    model: str = "perceptron"  # a simulation.models.MODELS name
    incentive: str = STAKEABLE  # STAKEABLE or POINTS
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
    refunds: int = 0  # its contributions refunded as good (the mechanism's numValid for it)
    points: int = 0  # Points64: the same, read from the chain
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
    claimed_by: set[str] = field(default_factory=set)  # agents whose claim on it succeeded


@dataclass
class Run:
    """What a run saves: the original's ``simulation_data.json`` schema, plus what the run was
    (dataset, model, incentive, seed, balance unit) and each agent's gas."""

    agents: list[dict[str, Any]]
    baseline_accuracy: float | None
    init_portion: float
    about: dict[str, Any] = field(default_factory=dict)
    accuracies: list[dict[str, float]] = field(default_factory=list)
    balances: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"agents": self.agents, "baselineAccuracy": self.baseline_accuracy,
                "initTrainDataPortion": self.init_portion, **self.about, "accuracies": self.accuracies,
                "balances": self.balances}


class Simulation:
    INCENTIVES = (STAKEABLE, POINTS)  # what this loop plays; simulation/prediction_market.py plays the market

    def __init__(self, url: str, dataset: Dataset, specs: list[AgentSpec], settings: Settings, seed: int,
                 progress: Callable[[float, int, int], None] | None = None) -> None:
        if settings.model not in MODELS:
            raise ValueError(f"unknown model {settings.model!r}; known: {', '.join(MODELS)}")
        if settings.incentive not in self.INCENTIVES:
            raise ValueError(f"{type(self).__name__} plays {' or '.join(self.INCENTIVES)}, not {settings.incentive!r}")
        self.kind = MODELS[settings.model]
        self.kind.check(dataset)
        self.dataset = dataset
        self.specs = specs
        self.settings = settings
        self.points = settings.incentive == POINTS
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.seed = seed
        self.progress = progress or (lambda _day, _samples, _transactions: None)  # (day, samples used, tx sent)
        self.transactions = 0
        self.client = RpcClient(url)

    # ------------------------------------------------------------------ set-up
    def _deploy(self, x_init: Any, y_init: np.ndarray) -> Trainer:
        model = parse_model(self.kind.document(self.dataset, x_init, y_init))
        self.replica = replica(model)
        owner = Connection(self.client)
        deployment = deploy(owner, model, f"simulation {self.dataset.name} {self.settings.incentive}",
                            incentive=self.incentive_settings())
        return Trainer.load(owner, deployment.trainer)

    def incentive_settings(self) -> IncentiveSettings:
        s = self.settings
        # The original's cost (weight · 60 / √s, in units) in Stakeable64's terms (costWeight · 3600 / √s, wei).
        return IncentiveSettings(s.incentive, s.refund_wait_s, s.any_address_claim_wait_s,
                                 s.any_address_claim_wait_s, s.cost_weight_units * s.unit_wei // 60)

    def _agents(self, trainer: Trainer) -> list[Agent]:
        """Each agent's key (from the seed), funded from the node's first account."""
        owner = Connection(self.client)
        agents = []
        for index, spec in enumerate(self.specs):
            key = keccak(text=f"sumchain simulation agent {self.seed} {index}")
            address = Account.from_key(key).address
            start_wei = 0 if self.points else spec.start_balance * self.settings.unit_wei
            owner.send(address, b"", value=start_wei + GAS_FUNDING_WEI, gas=21_000)
            own = Trainer(Connection(self.client, Sender.from_key("0x" + key.hex())), trainer.address,
                          trainer.classifier, trainer.data_handler, trainer.incentive_mechanism)
            agents.append(Agent(spec, address, own, start_wei, self.settings.unit_wei))
        return agents

    # ------------------------------------------------------------------ time
    def _timestamp(self, t: float) -> int:
        """The chain time of the run's time ``t``: ``start + t``, or one after the latest block.
        Every block after the start is one of this run's transactions, mined at the time set."""
        return max(self.start + int(t), self.latest + 1)

    def _at(self, t: float) -> int:
        """Mine the next transaction at the run's time ``t``; the chain time it will have."""
        timestamp = self._timestamp(t)
        self.client.request("evm_setNextBlockTimestamp", timestamp)
        return timestamp

    def _mined(self, timestamp: int) -> None:
        """Every transaction of the run, once mined at ``timestamp``."""
        self.latest = timestamp
        self.transactions += 1

    def latest_timestamp(self) -> int:
        return int(self.client.request("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    # ------------------------------------------------------------------ the model
    def accuracy(self, trainer: Trainer) -> float:
        """The on-chain model's accuracy on the hidden test set (its evaluateBatch); the replica
        must count the same correct predictions."""
        labels = [int(y) for y in self.dataset.y_test]
        correct = self._correct(trainer, labels)
        mine = sum(self.replica.predict(x) == y for x, y in zip(self.test_samples, labels))
        if mine != correct:
            raise ReplicaMismatch(f"the replica predicts {mine} of {len(labels)} test samples right, "
                                  f"the chain {correct}")
        return correct / len(labels)

    def check_replica(self, trainer: Trainer) -> None:
        """Every test prediction of the on-chain model equals the replica's: scored against the
        replica's predictions as labels, the chain gets every one right."""
        predictions = [self.replica.predict(x) for x in self.test_samples]
        agreed = self._correct(trainer, predictions)
        if agreed != len(predictions):
            raise ReplicaMismatch(f"the chain and the replica predict differently for "
                                  f"{len(predictions) - agreed} of {len(predictions)} test samples")

    def _correct(self, trainer: Trainer, labels: list[int]) -> int:
        """evaluateBatch over the test samples with these labels, in chunks of EVALUATE_ELEMENTS."""
        correct, start = 0, 0
        while start < len(labels):
            end, elements = start, 0
            while end < len(labels) and (end == start or elements + len(self.test_samples[end]) <= EVALUATE_ELEMENTS):
                elements += len(self.test_samples[end])
                end += 1
            correct += trainer.conn.call(trainer.classifier, EVALUATE, self.test_samples[start:end], labels[start:end])
            start = end
        return correct

    def exported_model(self) -> dict[str, Any]:
        """The model as it stands at the end, as a model file (``sumchain model deploy``): the
        replica's state, which the run checked against the chain's predictions."""
        return self.replica.document(list(self.dataset.classes))

    def baseline(self) -> float:
        return baseline_accuracy(self.kind, self.dataset)

    # ------------------------------------------------------------------ the run
    def run(self) -> Run:
        data, s = self.dataset, self.settings
        split = int(len(data.x_train) * s.init_portion)
        self.trainer = trainer = self._deploy(data.x_train[:split], data.y_train[:split])
        samples = [(self.kind.sample(data, x), int(y)) for x, y in zip(data.x_train[split:], data.y_train[split:])]
        self.test_samples = [self.kind.sample(data, x) for x in data.x_test]
        agents = self._agents(trainer)
        self.latest = self.latest_timestamp()
        # Time 0 is Stakeable64's deployment (its last update time), as the original's clock starts with
        # the contract: the first cost depends on t alone, not on how long deploying and funding took on
        # this node (sumchain's blocks are a second apart at least, Anvil's need not be). Points64's
        # waits count from each contribution, so its clock starts after the set-up.
        self.start = self.latest + 1 if self.points else trainer.conn.call(trainer.incentive_mechanism, LAST_UPDATE)
        accuracy = self.accuracy(trainer)
        about = {"dataset": data.name, "model": s.model, "incentive": s.incentive, "seed": self.seed,
                 "balanceUnit": "points" if self.points else "units", "unitWei": s.unit_wei}
        run = Run([self._record(a) for a in agents], self.baseline(), s.init_portion, about)
        run.accuracies.append({"t": 0, "accuracy": accuracy})
        for agent in agents:
            run.balances.append({"t": 0, "a": agent.address, "b": self._balance(agent)})
        queue = [(self._wait(agent.spec), index) for index, agent in enumerate(agents)]
        heapq.heapify(queue)
        unclaimed: list[Unclaimed] = []
        next_sample = 0
        next_evaluation = FIRST_EVALUATION_S
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
            if self._can_pay(agent) and next_sample < len(samples):
                x, y = samples[next_sample]
                if not agent.spec.good:
                    y = self._wrong(y)
                if agent.spec.prob_mistake > 0 and self.rng.random() < agent.spec.prob_mistake:
                    y = self._wrong(y)
                if not agent.spec.good or self.rng.random() < accuracy + 0.15:
                    deposit = 0 if self.points else self._deposit(agent.spec)
                    if deposit <= agent.balance:
                        added_time = self._add(agent, now, x, y, deposit)
                        if added_time is not None:
                            unclaimed.append(Unclaimed(added_time, agent, x, y))
                            next_sample += 1
                            changed = True
            if self._can_pay(agent):
                heapq.heappush(queue, (now + self._wait(agent.spec), index))
            changed |= self._claims(agent, now, unclaimed, next_sample >= len(samples))
            if changed:
                run.balances.append({"t": now, "a": agent.address, "b": self._balance(agent)})
            self.progress(now / DAY, next_sample, self.transactions)
        run.accuracies.append({"t": now, "accuracy": self.accuracy(trainer)})
        self.check_replica(trainer)
        for agent, record in zip(agents, run.agents):
            record["gas"] = agent.gas
        return run

    def _record(self, agent: Agent) -> dict[str, Any]:
        record = agent.record()
        if self.points:
            record["start_balance"] = 0  # points start at none
        return record

    def _balance(self, agent: Agent) -> float:
        return agent.points if self.points else agent.balance

    def _can_pay(self, agent: Agent) -> bool:
        return self.points or agent.balance > 0

    def _wrong(self, y: int) -> int:
        """A wrong label: the other class, or one of the others drawn uniformly."""
        classes = self.dataset.class_count
        if classes == 2:
            return 1 - y
        return (y + int(self.rng.integers(1, classes))) % classes

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
        timestamp = self._timestamp(now)
        if self.cost_at(timestamp) > deposit * self.settings.unit_wei:
            return None  # too little deposit for now: the original skips it too
        self._at(now)
        added = self._expected(agent.trainer.add_data, x, y, deposit * self.settings.unit_wei, gas=TX_GAS_CAP)
        self.replica.update(x, y)
        self._mined(added.contribution.time)
        agent.balance_wei -= added.contribution.cost  # the trainer returns what the deposit exceeds
        agent.gas += added.tx.gas_used
        return added.contribution.time

    def cost_at(self, timestamp: int) -> int:
        """The incentive mechanism's deposit for an add mined at ``timestamp`` (its own view)."""
        return self.trainer.conn.call(self.trainer.incentive_mechanism, COST_AT, timestamp)

    @staticmethod
    def _expected(send: Callable[..., Any], *args: Any, gas: int) -> Any:
        """A transaction the run has checked the contracts will take, sent with a fixed gas limit
        (only the gas used is paid) instead of the node's estimate, a search of many runs. That
        it fails when mined is a bug of the run's checks: an error, not a skip."""
        try:
            return send(*args, gas=gas)
        except Reverted as error:
            raise SimulationError(f"a transaction the run expected to succeed failed: {error}") from None

    def _refused(self, agent: Agent, item: Unclaimed, own: bool, timestamp: int) -> bool:
        """Whether the incentive mechanism is sure to refuse this claim at ``timestamp``, by its own
        rules (Stakeable64/Points64 handleRefund/handleReport) read off the replica, which agrees with
        the chain. A refused claim is skipped, as the original skips it; nothing is sent."""
        if agent.address in item.claimed_by:
            return True  # "already claimed"
        agrees = self.replica.predict(item.data) == item.label
        if own:
            return not agrees  # "The model doesn't agree with your contribution."
        if not self.points and timestamp - item.added_time >= self.settings.any_address_claim_wait_s:
            return False  # anyone takes what is left
        # "The model should not agree with the contribution." / "The sender has not sent any good data."
        return agrees or (not self.points and agent.refunds == 0)

    def _claims(self, agent: Agent, now: float, unclaimed: list[Unclaimed], data_used_up: bool) -> bool:
        s = self.settings
        changed = False
        mine = agent.trainer
        for item in list(unclaimed):
            age = self.start + now - item.added_time
            if age < s.refund_wait_s or (data_used_up and age < s.any_address_claim_wait_s):
                break
            timestamp = self._timestamp(now)
            # Stakeable64: past the take-all wait the author takes it back as anyone would; Points64 has no such wait.
            own = item.agent is agent and (self.points or timestamp - item.added_time < s.any_address_claim_wait_s)
            claimed = None
            if not self._refused(agent, item, own, timestamp):
                self._at(now)
                if own:
                    claimed = self._expected(mine.refund, item.data, item.label, item.added_time, gas=TX_GAS_CAP)
                else:
                    claimed = self._expected(mine.report, item.data, item.label, item.added_time, item.agent.address,
                                             gas=TX_GAS_CAP)
            if claimed is not None:
                self._mined(timestamp)
                item.claimed_by.add(agent.address)
                agent.balance_wei += claimed.amount
                agent.gas += claimed.tx.gas_used
                if own:
                    agent.refunds += 1
                    if self.points:
                        agent.points = mine.num_valid(agent.address)
                changed = True
            if self.points:
                done = claimed is not None or age > s.any_address_claim_wait_s  # the first claim is the only one
            else:  # what is left changes only with a claim
                done = claimed is not None and mine.conn.call(
                    mine.data_handler, CLAIMABLE, item.data, item.label, item.added_time,
                    checksum(item.agent.address)) == 0
            if done:
                unclaimed.remove(item)
        return changed
