"""The prediction-market run: agents stake on a bounty judged on a hidden test set, on a real chain.

The setting is the original's (microsoft/0xDeCA10B, simulation/decai/simulation/
simulate_prediction_market.py, with its PredictionMarket module), played with the real
PredictionMarket contract behind a CollaborativeTrainer64 (docs/contracts.md, "PredictionMarket";
docs/simulation.md, "Prediction market", says where sumchain differs):

- The model (any of simulation/models.py's) is trained off-chain on the first ``init_portion`` of
  the training data and deployed with a PredictionMarket (minimum stake 1 unit, the excess of a
  deposit returned). It is a :class:`~simulation.run.Simulation` with its own loop: set-up, time,
  accuracy and the replica check are the same.
- A test-set provider, a funded account of its own, splits the hidden test set into ``pieces``
  pieces (the original's slicing), commits their hashes and deposits the bounty
  (``initializeMarket``), then reveals the piece the contract drew (``revealInitialTestSet``).
- The agents act in the event queue as in simulation/run.py: a good agent contributes with
  probability (accuracy + 0.15), a bad agent always, its label flipped; the deposit is drawn and
  sent only if the agent has it, and the market keeps the minimum stake. The model is not trained
  while the market runs, so the accuracy the agents see is the initial one. Nothing is claimed.
- Participation ends when the data is used up (or after ``market_length_s``); then, each step its
  own transaction, ``step_s`` apart: ``endMarket``, ``revealNextTestSetPiece`` for every other
  piece, ``measureInitialAccuracy``, ``measureNextContribution`` for each contribution in order
  (its sample re-supplied), ``settleNextContribution`` until the market is settled; each agent
  collects with the trainer's ``refund`` of one of its records, and the provider takes back the
  bounty not paid out (``withdrawBounty``).

Balances are in units (``unit_wei`` wei) and count stakes and payouts only (gas apart, as in
run.py); the provider's is recorded beside the agents'. Accuracy is the on-chain model's on the
whole hidden test set (``evaluateBatch``): at the start, after each measured contribution, once
settled and at the end.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, Callable

import eth_abi
from eth_utils import keccak

from contracts.bindings.contract import TX_GAS_CAP, Connection, Function, Sender, TxResult
from contracts.bindings.deploy import PREDICTION_MARKET, IncentiveSettings

from .datasets import Dataset
from .run import DAY, GAS_FUNDING_WEI, MARKET_AGENTS, Agent, AgentSpec, Run, Settings, Simulation

DEFAULT_BOUNTY = 100_000  # units, the original's total_bounty
DEFAULT_PIECES = 10  # the original's num_pieces
DEFAULT_STEP_S = 12  # seconds between the reward phase's transactions: one Ethereum slot
ORIGINAL_MIN_LENGTH_S = 1_000  # the original's min_length_s (its market ends on the data, as here)
PROVIDER_GAS_FUNDING_WEI = 10 * GAS_FUNDING_WEI  # the provider sends every reward step, test set included

# Phases (PredictionMarket.MarketPhase)
NEW, INITIALIZATION, PARTICIPATION, REVEAL_TEST_SET, MEASURE, SETTLE, REWARD_COLLECT = range(7)
PHASE_NAMES = ("NEW", "INITIALIZATION", "PARTICIPATION", "REVEAL_TEST_SET", "MEASURE", "SETTLE", "REWARD_COLLECT")

PHASE = Function("phase", (), ("uint8",))
INITIALIZE_MARKET = Function("initializeMarket", ("bytes32[]", "uint256", "uint256"), ("uint256",))
TEST_REVEAL_INDEX = Function("testRevealIndex", (), ("uint256",))
REVEAL_INITIAL = Function("revealInitialTestSet", ("int64[][]", "uint64[]"))
END_MARKET = Function("endMarket")
REVEAL_NEXT = Function("revealNextTestSetPiece", ("int64[][]", "uint64[]"))
MEASURE_INITIAL = Function("measureInitialAccuracy", ("int64[][][]", "uint64[][]"))
MEASURE_NEXT = Function("measureNextContribution", ("int64[]", "uint64", "int64[][][]", "uint64[][]"))
SETTLE_NEXT = Function("settleNextContribution")
WITHDRAW_BOUNTY = Function("withdrawBounty")
BOUNTY_TO_RETURN = Function("bountyToReturn", (), ("uint256",))
NUM_PASSES = Function("numPasses", (), ("uint256",))
INITIAL_NUM_CORRECT = Function("initialNumCorrect", (), ("uint256",))
TEST_SET_SIZE = Function("testSetSize", (), ("uint256",))
TEST_SET_GAS = Function("testSetGas", (), ("uint256",))

Piece = tuple[list[list[int]], list[int]]


def market_agents(start_balance: int | None = None) -> list[AgentSpec]:
    """The original's prediction-market agents: three good (deposit Normal(5, 1), every 10, 20 and
    30 minutes) and two bad (deposit Normal(10, 3), every hour, labels flipped)."""
    good, bad = MARKET_AGENTS
    return good.specs(start_balance=start_balance) + bad.specs(start_balance=start_balance)


def split_test_set(samples: list[list[int]], labels: list[int], pieces: int) -> list[Piece]:
    """The original's slicing: piece i is samples[⌊i·n/pieces⌋ : ⌊(i+1)·n/pieces⌋]."""
    n = len(samples)
    if pieces < 2:
        raise ValueError(f"the market needs at least 2 test set pieces, got {pieces}")
    if n < pieces:
        raise ValueError(f"{n} test samples cannot make {pieces} non-empty pieces")
    cuts = [int(i / pieces * n) for i in range(pieces + 1)]
    return [(samples[a:b], labels[a:b]) for a, b in zip(cuts, cuts[1:])]


def piece_hash(piece: Piece) -> bytes:
    """What initializeMarket commits: keccak256(abi.encode(int64[][] data, uint64[] labels))."""
    return keccak(eth_abi.encode(["int64[][]", "uint64[]"], [piece[0], piece[1]]))


@dataclass
class Provider:
    """The test-set provider: it deposits the bounty, reveals the test set and runs the reward steps."""

    address: str
    conn: Connection
    start_balance: int  # units: the bounty, as the original's initializer
    balance_wei: int
    unit_wei: int
    gas: int = 0

    @property
    def balance(self) -> float:
        return self.balance_wei / self.unit_wei

    def record(self) -> dict[str, Any]:
        return {"address": self.address, "start_balance": self.start_balance, "gas": self.gas}


@dataclass
class Contributed:
    agent: Agent
    data: list[int]
    label: int
    added_time: int  # the chain's time of the contribution (seconds since the epoch)


@dataclass
class MarketRun(Run):
    """A Run (the original's schema) plus ``market``: the provider, the market's figures and phases."""

    market: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "market": self.market}


class MarketSimulation(Simulation):
    INCENTIVES = (PREDICTION_MARKET,)

    def __init__(self, url: str, dataset: Dataset, specs: list[AgentSpec], settings: Settings, seed: int,
                 progress: Callable[[float, int, int], None] | None = None, *, bounty: int = DEFAULT_BOUNTY,
                 pieces: int = DEFAULT_PIECES, market_length_s: int | None = None, step_s: int = DEFAULT_STEP_S,
                 min_stake: int = 1, reveal_timeout_s: int = DAY) -> None:
        """``bounty`` and ``min_stake`` in units; ``market_length_s``: participation ends then, or when
        the data is used up (None: on the data only); Settings.max_days, if given, caps it too."""
        super().__init__(url, dataset, specs, settings, seed, progress)
        if bounty < 1:
            raise ValueError(f"the bounty must be at least 1 unit, got {bounty}")
        if min_stake < 1:
            raise ValueError(f"the minimum stake must be at least 1 unit, got {min_stake}")
        if step_s < 1:
            raise ValueError(f"the reward phase's steps must be at least 1 s apart, got {step_s}")
        if market_length_s is not None and market_length_s < 1:
            raise ValueError(f"the market length must be at least 1 s, got {market_length_s}")
        if not 2 <= pieces <= len(dataset.y_test):
            raise ValueError(f"the test set ({len(dataset.y_test)} samples) must make 2 or more non-empty pieces, "
                             f"got {pieces} pieces")
        self.bounty = bounty
        self.pieces = pieces
        self.step_s = step_s
        self.min_stake = min_stake
        self.reveal_timeout_s = reveal_timeout_s
        self.max_step_gas: dict[str, int] = {}  # the most gas each kind of market step used
        lengths = [v for v in (market_length_s, settings.max_days and settings.max_days * DAY) if v]
        self.market_length_s = int(min(lengths)) if lengths else None

    def incentive_settings(self) -> IncentiveSettings:
        return IncentiveSettings(PREDICTION_MARKET, min_stake=self.min_stake * self.settings.unit_wei,
                                 allow_greater_deposit=False, reveal_timeout_s=self.reveal_timeout_s)

    def _provider(self) -> Provider:
        """The test-set provider: a key from the seed, funded with the bounty from the node's first account."""
        wei = self.bounty * self.settings.unit_wei
        key = keccak(text=f"sumchain market simulation provider {self.seed}")
        sender = Sender.from_key("0x" + key.hex())
        Connection(self.client).send(sender.address, b"", value=wei + PROVIDER_GAS_FUNDING_WEI, gas=21_000)
        return Provider(sender.address, Connection(self.client, sender), self.bounty, wei, self.settings.unit_wei)

    def phase(self) -> int:
        return self.trainer.conn.call(self.market, PHASE)

    # ------------------------------------------------------------------ the run
    def run(self) -> MarketRun:
        data, s = self.dataset, self.settings
        split = int(len(data.x_train) * s.init_portion)
        self.trainer = trainer = self._deploy(data.x_train[:split], data.y_train[:split])
        self.market = trainer.incentive_mechanism
        samples = [(self.kind.sample(data, x), int(y)) for x, y in zip(data.x_train[split:], data.y_train[split:])]
        self.test_samples = [self.kind.sample(data, x) for x in data.x_test]
        self.test_labels = [int(y) for y in data.y_test]
        pieces = split_test_set(self.test_samples, self.test_labels, self.pieces)
        self.agents = agents = self._agents(trainer)
        self.provider = provider = self._provider()
        self.latest = self.latest_timestamp()
        self.start = self.latest + 1
        self.start_block = int(self.client.request("eth_blockNumber"), 16) + 1
        accuracy = self.accuracy(trainer)
        about = {"dataset": data.name, "model": s.model, "incentive": s.incentive, "seed": self.seed,
                 "balanceUnit": "units", "unitWei": s.unit_wei}
        run = MarketRun([a.record() for a in agents], self.baseline(), s.init_portion, about)
        run.accuracies.append({"t": 0, "accuracy": accuracy})
        for agent in agents:
            run.balances.append({"t": 0, "a": agent.address, "b": agent.balance})
        run.balances.append({"t": 0, "a": provider.address, "b": provider.balance})
        phases: list[dict[str, Any]] = []

        # Initialization: the provider commits the pieces and deposits the bounty, then reveals the drawn piece.
        min_length_s = self.market_length_s if self.market_length_s is not None else ORIGINAL_MIN_LENGTH_S
        bounty_wei = self.bounty * s.unit_wei
        t = self._send(provider, 0, INITIALIZE_MARKET, [piece_hash(p) for p in pieces], min_length_s,
                       len(samples), value=bounty_wei)
        provider.balance_wei -= bounty_wei
        run.balances.append({"t": t, "a": provider.address, "b": provider.balance})
        phases.append({"phase": PHASE_NAMES[INITIALIZATION], "t": t})
        reveal_index = provider.conn.call(self.market, TEST_REVEAL_INDEX)
        t = self._send(provider, t, REVEAL_INITIAL, *pieces[reveal_index])
        phases.append({"phase": PHASE_NAMES[PARTICIPATION], "t": t})

        # Participation: the agents stake through the trainer's addData; nothing is trained or claimed.
        contributed = self._participate(agents, samples, accuracy, run)
        end = max([t] + [c.added_time - self.start for c in contributed])
        if self.market_length_s is not None and len(contributed) < len(samples):
            end = max(end, self.market_length_s)  # the market's time ran out before the data did

        # Reveal: the market ends, the provider reveals the other pieces in index order.
        t = self._send(provider, end + self.step_s, END_MARKET)
        phases.append({"phase": PHASE_NAMES[REVEAL_TEST_SET], "t": t})
        for k, piece in enumerate(pieces):
            if k != reveal_index:
                t = self._send(provider, t + self.step_s, REVEAL_NEXT, *piece)
        phases.append({"phase": PHASE_NAMES[MEASURE], "t": t})

        # Measure: the model is trained on each contribution in order; its accuracy after each is cached.
        scoring = [p for k, p in enumerate(pieces) if k != reveal_index]
        test_data, test_labels = [p[0] for p in scoring], [p[1] for p in scoring]
        t = self._send(provider, t + self.step_s, MEASURE_INITIAL, test_data, test_labels)
        for index, item in enumerate(contributed):
            if self.phase() != MEASURE:
                break
            t = self._send(provider, t + self.step_s, MEASURE_NEXT, item.data, item.label, test_data, test_labels)
            self.replica.update(item.data, item.label)  # the market trains the model now, in this order
            run.accuracies.append({"t": t, "accuracy": self.accuracy(trainer)})
            self.progress(t / DAY, len(contributed), self.transactions)
        if self.phase() == SETTLE:  # (with every sample refused the market settles on the last measure)
            phases.append({"phase": PHASE_NAMES[SETTLE], "t": t})

        # Settle: one contribution a step, pass after pass, until the market is settled.
        steps = 0
        while self.phase() == SETTLE:
            t = self._send(provider, t + self.step_s, SETTLE_NEXT)
            steps += 1
            if steps % 50 == 0:
                self.progress(t / DAY, len(contributed), self.transactions)
        phases.append({"phase": PHASE_NAMES[REWARD_COLLECT], "t": t})
        run.accuracies.append({"t": t, "accuracy": self.accuracy(trainer)})

        # Collect: each agent refunds one of its records (it pays the whole market balance); the
        # provider takes back what the bounty did not pay.
        for agent in agents:
            mine = next((c for c in contributed if c.agent is agent), None)
            if mine is None:
                continue
            timestamp = self._at(t + self.step_s)
            t = timestamp - self.start
            claimed = agent.trainer.refund(mine.data, mine.label, mine.added_time)
            self._mined(timestamp)
            agent.balance_wei += claimed.amount
            agent.gas += claimed.tx.gas_used
            run.balances.append({"t": t, "a": agent.address, "b": agent.balance})
        returned = provider.conn.call(self.market, BOUNTY_TO_RETURN)
        if returned > 0:
            t = self._send(provider, t + self.step_s, WITHDRAW_BOUNTY)
            provider.balance_wei += returned
            run.balances.append({"t": t, "a": provider.address, "b": provider.balance})
        run.accuracies.append({"t": t, "accuracy": self.accuracy(trainer)})
        self.check_replica(trainer)

        for agent, record in zip(agents, run.agents):
            record["gas"] = agent.gas
        conn = provider.conn
        run.market = {
            "trainer": trainer.address, "incentiveMechanism": self.market, "provider": provider.record(),
            "bounty": self.bounty, "minStake": self.min_stake, "pieces": [len(p[1]) for p in pieces],
            "testRevealIndex": reveal_index, "testSetSize": conn.call(self.market, TEST_SET_SIZE),
            "testSetGas": conn.call(self.market, TEST_SET_GAS),
            "initialNumCorrect": conn.call(self.market, INITIAL_NUM_CORRECT),
            "contributions": len(contributed), "settleSteps": steps, "passes": conn.call(self.market, NUM_PASSES),
            "bountyPaid": self.bounty - returned / s.unit_wei, "bountyReturned": returned / s.unit_wei,
            "marketLengthS": self.market_length_s, "stepS": self.step_s, "phases": phases,
            "stepGas": dict(self.max_step_gas),
        }
        return run

    def _participate(self, agents: list[Agent], samples: list[tuple[list[int], int]], accuracy: float,
                     run: Run) -> list[Contributed]:
        """The agents' event queue (run.py's rules, without claims) until the data or the market's time runs out."""
        queue = [(self._wait(a.spec), index) for index, a in enumerate(agents)]
        heapq.heapify(queue)
        contributed: list[Contributed] = []
        while queue and len(contributed) < len(samples):
            now, index = heapq.heappop(queue)
            if self.market_length_s is not None and now >= self.market_length_s:
                break
            agent = agents[index]
            if agent.balance > 0:
                x, y = samples[len(contributed)]
                if not agent.spec.good:
                    y = self._wrong(y)
                if agent.spec.prob_mistake > 0 and self.rng.random() < agent.spec.prob_mistake:
                    y = self._wrong(y)
                if not agent.spec.good or self.rng.random() < accuracy + 0.15:
                    deposit = self._deposit(agent.spec)
                    timestamp = self._timestamp(now)
                    if deposit <= agent.balance and self.cost_at(timestamp) <= deposit * self.settings.unit_wei:
                        self._at(now)
                        added = self._expected(agent.trainer.add_data, x, y, deposit * self.settings.unit_wei,
                                               gas=TX_GAS_CAP)
                        if added is not None:
                            self._mined(added.contribution.time)
                            agent.balance_wei -= added.contribution.cost  # the trainer returns the excess
                            agent.gas += added.tx.gas_used
                            contributed.append(Contributed(agent, x, y, added.contribution.time))
                            run.balances.append({"t": added.contribution.time - self.start, "a": agent.address,
                                                 "b": agent.balance})
            if agent.balance > 0:
                heapq.heappush(queue, (now + self._wait(agent.spec), index))
            self.progress(now / DAY, len(contributed), self.transactions)
        return contributed

    def _send(self, provider: Provider, t: float, function: Function, *args: Any, value: int = 0) -> int:
        """One of the provider's market transactions, mined at the run's time ``t``; returns the time it got.

        Sent with the cap as its gas limit (only the gas used is paid): the node's estimate, a search
        of several runs when storage refunds are involved, would take most of the run's time."""
        timestamp = self._at(t)
        result: TxResult = provider.conn.send(self.market, function.encode(*args), value=value, gas=TX_GAS_CAP)
        self._mined(timestamp)
        provider.gas += result.gas_used
        self.max_step_gas[function.name] = max(self.max_step_gas.get(function.name, 0), result.gas_used)
        return timestamp - self.start


__all__ = ["DEFAULT_BOUNTY", "DEFAULT_PIECES", "MarketRun", "MarketSimulation", "Provider", "market_agents",
           "piece_hash", "split_test_set"]
