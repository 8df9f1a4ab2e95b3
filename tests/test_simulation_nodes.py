"""The same seed gives the same run on three nodes: sumchain, sumchain --no-ml-precompiles, and Anvil.

One small run (scikit-learn's breast-cancer set, 2 simulated days, 1 good and 1 bad agent with
the parameters `sumchain simulate` gives them) on each of:

1. a fresh ``sumchain node --in-memory`` (the ML precompiles answer: the contracts use them);
2. a fresh ``sumchain node --in-memory --no-ml-precompiles`` (the contracts' plain-Solidity paths);
3. a fresh Anvil from npm (``@foundry-rs/anvil``, which ``make test`` installs in
   ``tests/anvil/node_modules/.bin/anvil``; ``SUMCHAIN_ANVIL=PATH`` points at another copy). No
   precompiles there either, so the fallback paths again, on another EVM (revm).

The runs must agree on everything the chain decides: the agents' addresses (their keys come from
the seed), every balance entry (time, agent, balance in units) and every accuracy sample (the
on-chain model's), and the baseline. Only the gas differs, and it is kept apart from the
balances: the precompile paths use less.

Anvil needs no flags beyond ``--port 0`` for this run, and none are passed, so a failure here is
a difference, not a set-up matter. Its defaults match the dev chain's:

- chain id 31337 and the ``test ... junk`` mnemonic's accounts, so the same owner and the same
  contract addresses;
- a 30,000,000 block gas limit, as genesis/dev.json's, and a 1 gwei base fee;
- hardfork ``latest``: in v1.7.1 that is Bpo1, after Osaka (sumchain's). The contracts are
  compiled for Prague (contracts/build.js), so ``--hardfork`` matters only on an older Anvil;
- its genesis timestamp is the wall clock, as sumchain's (``"timestamp": null``). The run pins
  each of its blocks with ``evm_setNextBlockTimestamp``, relative to its own time 0, so
  ``--timestamp`` is not needed.

The one timing difference that did matter was how time 0 was chosen; see
:func:`test_time_0_is_the_incentives_deployment`. Anvil mines blocks within the same second
(several deployment blocks share a timestamp), while sumchain's blocks are a second apart at
least.
"""
from __future__ import annotations

import contextlib
import math
from typing import Iterator

import pytest

from bench.harness import anvil_binary, anvil_node, sumchain_node
from simulation.datasets import load
from simulation.run import REFUND_AGENTS, AgentSpec, Settings, Simulation

SEED = 5
DAYS = 2  # the data (410 samples) would last about 2.8 days: adds throughout, refunds and reports from day 1


def _specs() -> list[AgentSpec]:
    """One good and one bad agent, as `sumchain simulate` makes them by default."""
    return [spec for kind in REFUND_AGENTS for spec in kind.specs()]


def _run(url: str) -> dict:
    dataset = load("breast-cancer", seed=SEED)
    return Simulation(url, dataset, _specs(), Settings(max_days=DAYS), SEED).run().to_json()


def _without_gas(run: dict) -> dict:
    """The run as the chain decides it: everything but the gas each agent used (it differs by design)."""
    return {**run, "agents": [{key: value for key, value in agent.items() if key != "gas"} for agent in run["agents"]]}


@contextlib.contextmanager
def node(kind: str) -> Iterator[str]:
    """A fresh node of ``kind`` (one of NODES), yielding its URL."""
    if kind == "anvil":
        with anvil_node(anvil_binary()) as url:
            yield url
    else:
        with sumchain_node(*(("--no-ml-precompiles",) if kind == "no-ml-precompiles" else ())) as url:
            yield url


# Anvil's cases are skipped at collection when it is missing (before the reference run is made for them).
ANVIL = pytest.param("anvil", marks=pytest.mark.skipif(
    anvil_binary() is None, reason="anvil is not installed (make test installs it in tests/anvil; or SUMCHAIN_ANVIL=PATH)"))
NODES = ["sumchain", "no-ml-precompiles", ANVIL]


@pytest.fixture(scope="module")
def reference() -> dict:
    """The run on a fresh sumchain node with the ML precompiles."""
    with node("sumchain") as url:
        return _run(url)


def test_the_reference_run_exercises_adds_refunds_and_reports(reference):
    """What the comparisons below cover: both agents pay deposits, and the good one gets money back
    (refunds or reports) after the refund wait."""
    assert [agent["good"] for agent in reference["agents"]] == [True, False]
    assert all(agent["gas"] > 0 for agent in reference["agents"])
    for agent in reference["agents"]:
        balances = [entry["b"] for entry in reference["balances"] if entry["a"] == agent["address"]]
        steps = [after - before for before, after in zip(balances, balances[1:])]
        assert min(steps) < 0, f"{agent['address']} never paid a deposit"
        if agent["good"]:
            assert max(steps) > 0, "the good agent was never refunded"
    assert reference["balances"][-1]["t"] > 86_400  # past the refund wait
    assert len(reference["accuracies"]) >= 2


@pytest.mark.parametrize("kind", NODES[1:])
def test_the_same_seed_gives_the_same_run(reference, kind):
    with node(kind) as url:
        run = _run(url)
    assert _without_gas(run) == _without_gas(reference)
    # The contracts' plain-Solidity paths cost more gas: the one thing that may (and does) differ.
    assert all(other["gas"] > mine["gas"] for other, mine in zip(run["agents"], reference["agents"]))


@pytest.mark.parametrize("kind", NODES)
def test_time_0_is_the_incentives_deployment(kind):
    """The first contribution's cost counts the seconds since the deployment as the run's t, as the
    original's (its clock starts at 0 with the contract), on every node.

    A good agent that first acts at t = 620 s: the cost is costWeight · 3600 / ⌊√620⌋ = 2.5 units. When
    time 0 was the block after the deployment and the agents' funding, a few chain seconds later
    (sumchain: 7 here, a second a block at least; Anvil: 1, its blocks share seconds), the divisor
    was ⌊√627⌋ = 25 on sumchain and ⌊√621⌋ = 24 on Anvil: 2.4 units on one and 2.5 on the other
    for the same seed (and on sumchain it could also move with the wall-clock time the deployment took)."""
    settings = Settings(max_days=0.01)
    spec = AgentSpec(True, 10_000, 50, 10, 621, prob_mistake=1e-4)
    with node(kind) as url:
        run = Simulation(url, load("breast-cancer", seed=SEED), [spec], settings, SEED).run().to_json()
    (start, first, *_) = run["balances"]
    assert start["b"] == 10_000 and 618 <= first["t"] <= 623
    cost_weight = settings.cost_weight_units * settings.unit_wei // 60
    cost = cost_weight * 3600 // math.isqrt(first["t"])
    assert first["b"] == (10_000 * settings.unit_wei - cost) / settings.unit_wei
    assert round(first["b"], 6) == 9_997.5
