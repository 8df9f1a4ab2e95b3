"""The prediction-market run (simulation/prediction_market.py) on a real node, at small size.

One run with the original's five agents (three good, two bad) on a tiny generated two-class set is
shared by the checks: money only moves between the agents and the provider (exactly, in wei, and
as the chain's balances say once gas is counted), the good agents end above the bad ones, and the
market ends settled with nothing left in the trainer or the market. A second, shorter run ends the
market on its length before the data is used up.

The run is deterministic: the seeded draws, the generated data, and the node's prevrandao (a chain
of block numbers) fix every transaction. That the good agents win is this seed's outcome, not a law
at this size: with ~60 contributions and a 30-sample scoring set the original's settlement (scores
from cached accuracies, the worst removed each pass) leaves some good agents below their start in
most seeds, while the bad agents end below theirs in most (docs/simulation.md, "Prediction market").
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from bench.harness import sumchain_node
from contracts.bindings.contract import Function, checksum
from contracts.bindings.deploy import PREDICTION_MARKET, IncentiveSettings
from contracts.bindings.errors import ContractError
from contracts.bindings.rpc import RpcClient
from simulation.datasets import Dataset
from simulation.prediction_market import (DEFAULT_BOUNTY, PHASE_NAMES, REWARD_COLLECT, MarketSimulation, market_agents,
                                          piece_hash, split_test_set)
from simulation.run import AgentSpec, Settings
from tests.test_sum_prediction_market import reference_settlement

SEED = 17
CONTRIBUTION = Function("contributions", ("uint256",),
                        ("bytes32", "address", "uint64", "uint32", "uint128", "int64", "uint64"))


def separable(seed: int, train: int = 60, test: int = 40, features: int = 4, margin: float = 0.3) -> Dataset:
    """Points at least `margin` from a random plane through the origin; the label is the side."""
    rng = np.random.default_rng(1000 + seed)
    normal = rng.normal(size=features)
    x = rng.normal(size=(4 * (train + test), features))
    distance = x @ normal / np.linalg.norm(normal)
    keep = np.abs(distance) > margin
    x, distance = x[keep][:train + test], distance[keep][:train + test]
    y = (distance > 0).astype(np.int64)
    return Dataset("separable", x[:train], y[:train], x[train:], y[train:], ["no", "yes"], False, features)


@pytest.fixture(scope="module")
def url():
    with sumchain_node() as running:
        yield running


@pytest.fixture(scope="module")
def market(url):
    simulation = MarketSimulation(url, separable(SEED), market_agents(), Settings(incentive=PREDICTION_MARKET, init_portion=0.05), SEED,
                                  pieces=4)
    return simulation, simulation.run()


def final_balances(run) -> dict[str, float]:
    last: dict[str, float] = {}
    for entry in run.balances:
        last[entry["a"]] = entry["b"]
    return last


def chain_fees(client: RpcClient, first_block: int) -> dict[str, int]:
    """Wei each sender paid for gas from `first_block` on, from the receipts."""
    fees: dict[str, int] = {}
    for number in range(first_block, int(client.request("eth_blockNumber"), 16) + 1):
        for receipt in client.request("eth_getBlockReceipts", hex(number)) or []:
            sender = receipt["from"].lower()
            fees[sender] = fees.get(sender, 0) + int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    return fees


def check_zero_sum(simulation: MarketSimulation) -> None:
    unit = simulation.settings.unit_wei
    people = [(a.address, a.spec.start_balance * unit, a.balance_wei) for a in simulation.agents]
    provider = simulation.provider
    people.append((provider.address, provider.start_balance * unit, provider.balance_wei))
    assert sum(end - start for _, start, end in people) == 0
    # The chain agrees once gas is counted: every wei of a balance change is a stake, a payout,
    # the bounty or gas.
    client = simulation.client
    fees = chain_fees(client, simulation.start_block)
    before = hex(simulation.start_block - 1)
    for address, start, end in people:
        moved = (int(client.request("eth_getBalance", address, "latest"), 16)
                 - int(client.request("eth_getBalance", address, before), 16))
        assert moved + fees.get(address.lower(), 0) == end - start, address


def check_settled(simulation: MarketSimulation, run) -> None:
    client = simulation.client
    assert simulation.phase() == REWARD_COLLECT
    assert run.market["phases"][-1]["phase"] == PHASE_NAMES[REWARD_COLLECT]
    for address in (simulation.trainer.address, simulation.market):
        assert int(client.request("eth_getBalance", address, "latest"), 16) == 0


def test_money_only_moves_between_agents_and_provider(market):
    simulation, run = market
    check_zero_sum(simulation)
    last = final_balances(run)
    paid = run.market["bountyPaid"]
    assert 0 < paid < DEFAULT_BOUNTY
    assert last[simulation.provider.address] == pytest.approx(DEFAULT_BOUNTY - paid)
    gained = sum(last[a["address"]] - a["start_balance"] for a in run.agents)
    assert gained == pytest.approx(paid)


def test_the_payouts_are_the_algorithms(market):
    """What each agent collected is what the settlement algorithm (the Python model of
    tests/test_sum_prediction_market.py) computes from the market's cached accuracies."""
    simulation, run = market
    conn, unit = simulation.trainer.conn, simulation.settings.unit_wei
    records = [conn.call(simulation.market, CONTRIBUTION, i) for i in range(run.market["contributions"])]
    contributors = [checksum(r[1]) for r in records]
    credited, spent, _valid = reference_settlement(
        contributors, [unit] * len(records), [r[6] for r in records], run.market["initialNumCorrect"],
        DEFAULT_BOUNTY * unit // run.market["testSetSize"])
    for agent in simulation.agents:
        stakes = contributors.count(agent.address) * unit
        assert agent.balance_wei - (agent.spec.start_balance * unit - stakes) == credited.get(agent.address, 0)
    assert spent == DEFAULT_BOUNTY * unit - simulation.provider.balance_wei


def test_good_agents_end_above_bad_agents(market):
    _simulation, run = market
    last = final_balances(run)
    good = [last[a["address"]] for a in run.agents if a["good"]]
    bad = [last[a["address"]] for a in run.agents if not a["good"]]
    starts = {a["address"]: a["start_balance"] for a in run.agents}
    assert len(good) == 3 and len(bad) == 2
    assert min(good) > max(bad)
    assert all(last[a["address"]] < starts[a["address"]] for a in run.agents if not a["good"])


def test_the_market_ends_settled_and_empty(market):
    simulation, run = market
    check_settled(simulation, run)
    m = run.market
    assert m["contributions"] == len(simulation.dataset.y_train) - int(len(simulation.dataset.y_train) * 0.05)
    assert m["settleSteps"] >= m["contributions"] and m["passes"] >= 1
    assert m["testSetSize"] == len(simulation.dataset.y_test) - m["pieces"][m["testRevealIndex"]]
    assert m["testSetGas"] <= 12_000_000
    assert [p["phase"] for p in m["phases"]] == list(PHASE_NAMES[1:])
    assert [p["t"] for p in m["phases"]] == sorted(p["t"] for p in m["phases"])
    # Balances and accuracies over time, in the original's schema (plus the market).
    times = [entry["t"] for entry in run.balances]
    assert times == sorted(times) and times[0] == 0
    accuracies = run.accuracies
    assert accuracies[0]["t"] == 0 and all(0 <= a["accuracy"] <= 1 for a in accuracies)
    assert len(accuracies) == m["contributions"] + 3  # start, after each measured contribution, settled, end
    assert all(a["gas"] > 0 for a in run.agents) and m["provider"]["gas"] > 0
    assert json.loads(json.dumps(run.to_json()))["market"]["provider"]["address"] == simulation.provider.address
    model = simulation.exported_model()
    assert len(model["weights"]) == 4 and model["type"] == "dense perceptron"


def test_a_market_ends_on_its_length(url):
    """One good and one bad agent, a two-hour market: it ends before the data is used up."""
    specs = [AgentSpec(True, 1_000, 5, 1, 10 * 60), AgentSpec(False, 1_000, 10, 3, 60 * 60)]
    simulation = MarketSimulation(url, separable(3), specs, Settings(incentive=PREDICTION_MARKET, init_portion=0.05), 3, pieces=2,
                                  market_length_s=2 * 3600, bounty=500)
    run = simulation.run()
    m = run.market
    assert 0 < m["contributions"] < len(simulation.dataset.y_train) - 3
    ended = next(p["t"] for p in m["phases"] if p["phase"] == "REVEAL_TEST_SET")
    assert ended >= 2 * 3600
    assert max(c["t"] for c in run.balances if c["t"] < ended) < 2 * 3600
    check_zero_sum(simulation)
    check_settled(simulation, run)


def test_pieces_and_their_hashes():
    samples = [[i, -i] for i in range(7)]
    labels = [i % 2 for i in range(7)]
    pieces = split_test_set(samples, labels, 3)
    assert [len(p[1]) for p in pieces] == [2, 2, 3]  # the original's slicing
    assert [x for p in pieces for x in p[0]] == samples
    assert len({piece_hash(p) for p in pieces}) == 3
    with pytest.raises(ValueError, match="at least 2"):
        split_test_set(samples, labels, 1)
    with pytest.raises(ValueError, match="cannot make 8"):
        split_test_set(samples, labels, 8)


def test_bad_settings_are_one_line_errors():
    for settings, words in [
        (IncentiveSettings(PREDICTION_MARKET, min_stake=0), "minimum stake must be 1 to 2^256-1 wei, got 0"),
        (IncentiveSettings(PREDICTION_MARKET, reveal_timeout_s=0), "reveal timeout must be 1 to 2^32-1 seconds"),
        (IncentiveSettings(PREDICTION_MARKET, reveal_timeout_s=2**32), "got 4294967296"),
        (IncentiveSettings(PREDICTION_MARKET, allow_greater_deposit=1), "allow greater deposit must be true or false"),
        (IncentiveSettings("bounty"), "stakeable, points or prediction-market"),
    ]:
        with pytest.raises(ContractError, match=words.replace("^", r"\^")) as error:
            settings.check()
        assert "\n" not in str(error.value)
    IncentiveSettings(PREDICTION_MARKET, refund_wait_s=-1).check()  # the waits are not the market's
    for bad in ({"pieces": 1}, {"pieces": 41}, {"bounty": 0}, {"min_stake": 0}, {"step_s": 0},
                {"market_length_s": 0}):
        with pytest.raises(ValueError):
            MarketSimulation("http://127.0.0.1:9", separable(0), market_agents(), Settings(incentive=PREDICTION_MARKET), 0, **bad)
