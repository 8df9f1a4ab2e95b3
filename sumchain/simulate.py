"""``sumchain simulate``: the incentive simulation on a real chain (simulation/run.py), and
``sumchain simulate combine RUN...`` to overlay saved runs.

Without ``--rpc`` it starts a fresh in-memory ``sumchain node`` of its own and stops it after.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import pathlib
import sys
import time
from typing import Iterator

from tqdm import tqdm

from contracts.bindings.errors import SumError

DEFAULT_OUT = "./saved_runs"
# The original's headline run was IMDB reviews on a perceptron over 1,000 words; this is its offline stand-in.
DEFAULT_DATASET = "synthetic-imdb"
# --quick: few simulated days, still long enough for refunds (1 day) and take-alls (9 days).
QUICK_DAYS = 12


KINDS = ("good", "bad")


def add_parser(commands: argparse._SubParsersAction) -> None:
    from simulation.datasets import DATASETS, PREFIXES
    from simulation.models import MODELS
    from simulation.prediction_market import DEFAULT_BOUNTY, DEFAULT_PIECES
    from simulation.run import MARKET_AGENTS, REFUND_AGENTS

    simulate = commands.add_parser(
        "simulate", help="simulate contributors and an incentive mechanism on the chain",
        description="Agents add data to a SUM model on the chain over simulated time, with real transactions "
                    "and the node's time control; writes the run (the original's simulation_data.json schema), "
                    "the final model and its charts. `sumchain simulate combine RUN...` overlays saved runs.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    simulate.add_argument("--dataset", default=DEFAULT_DATASET,
                          help="one of: " + "; ".join(f"{name} ({text})" for name, text in DATASETS.items())
                               + "; or a file of yours: " + "; ".join(f"{prefix}PATH ({text})"
                                                                      for prefix, text in PREFIXES.items()))
    simulate.add_argument("--model", default=None, choices=list(MODELS),
                          help="the classifier (default: perceptron, or sparse-perceptron on a sparse dataset): "
                               "perceptron and nearest-centroid take dense vectors (a sparse dataset becomes 0/1 "
                               "vectors), the sparse ones and naive-bayes take feature indices; the perceptrons "
                               "have two classes")
    simulate.add_argument("--incentive", default="stakeable", choices=["stakeable", "points", "prediction-market"],
                          help="stakeable: deposit, refund and take (Stakeable64); points: no money, a point for "
                               "each contribution refunded as good (Points64); prediction-market: a provider's "
                               "bounty paid for the accuracy contributions bring on a hidden test set (PredictionMarket)")
    simulate.add_argument("--good", type=int, default=None, metavar="N",
                          help=f"good agents (default {REFUND_AGENTS[0].count}; prediction-market "
                               f"{MARKET_AGENTS[0].count}): contribute with probability accuracy + 0.15, "
                               f"a label wrong by mistake with probability {REFUND_AGENTS[0].prob_mistake}")
    simulate.add_argument("--bad", type=int, default=None, metavar="N",
                          help=f"bad agents (default {REFUND_AGENTS[1].count}; prediction-market "
                               f"{MARKET_AGENTS[1].count}): always contribute, always a wrong label "
                               "(two classes: the other one; more: one of the others at random)")
    for refund, market in zip(REFUND_AGENTS, MARKET_AGENTS):
        kind = "good" if refund.good else "bad"
        simulate.add_argument(f"--{kind}-balance", type=int, default=None, metavar="UNITS",
                              help=f"each {kind} agent's start balance in units of 10^15 wei "
                                   f"(default {refund.start_balance:,})")
        simulate.add_argument(f"--{kind}-deposit", type=float, default=None, metavar="UNITS",
                              help=f"a {kind} agent's mean deposit in units (default {refund.mean_deposit:g}, sd "
                                   f"{refund.stdev_deposit:g}; prediction-market {market.mean_deposit:g}, sd "
                                   f"{market.stdev_deposit:g})")
        simulate.add_argument(f"--{kind}-wait", type=float, default=None, metavar="S",
                              help=f"a {kind} agent's mean wait between actions in seconds, sd 1 s (default "
                                   f"{'/'.join(f'{w:g}' for w in refund.waits_s)}; prediction-market "
                                   f"{'/'.join(f'{w:g}' for w in market.waits_s)}, agent by agent)")
    simulate.add_argument("--bounty", type=int, default=DEFAULT_BOUNTY, metavar="UNITS",
                          help="prediction-market: the provider's bounty")
    simulate.add_argument("--pieces", type=int, default=DEFAULT_PIECES, metavar="N",
                          help="prediction-market: the pieces the hidden test set is committed in")
    simulate.add_argument("--init-portion", type=float, default=0.10,
                          help="share of the training data the model is trained on before deployment")
    simulate.add_argument("--days", type=float, default=None,
                          help="stop after this many simulated days (default: when the data is used up and claimed)")
    simulate.add_argument("--seed", type=int, default=0, help="the same seed gives the same run")
    simulate.add_argument("--rpc", default=None, metavar="URL",
                          help="the node to run on (default: a fresh in-memory sumchain started for the run)")
    simulate.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="where the run's files go")
    simulate.add_argument("--quick", action="store_true", help=f"{QUICK_DAYS} simulated days only (a few minutes)")
    combine = simulate.add_subparsers(dest="simulate_command", metavar="[combine]").add_parser(
        "combine", help="overlay saved runs (their -simulation_data.json files) in one chart",
        description="Overlay saved runs: per run, its good and bad agents' mean balance and its accuracy.")
    combine.add_argument("runs", nargs="+", metavar="RUN", help="a saved -simulation_data.json file")
    combine.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="where the chart goes")


def run(args: argparse.Namespace) -> int:
    try:
        if args.simulate_command == "combine":
            return _combine(args)
        return _simulate(args)
    except (SumError, ValueError, OSError) as error:
        print(f"sumchain simulate: error: {error}", file=sys.stderr)
        return 1


def _simulate(args: argparse.Namespace) -> int:
    from simulation.charts import write_html, write_png
    from simulation.datasets import load
    from simulation.models import MODELS
    from contracts.bindings.deploy import PREDICTION_MARKET
    from simulation.prediction_market import MarketSimulation
    from simulation.run import Settings, Simulation

    if not 0 < args.init_portion < 1:
        raise ValueError(f"--init-portion must be between 0 and 1, got {args.init_portion}")
    specs = _specs(args)
    dataset = load(args.dataset, seed=args.seed)
    if args.model is None:
        args.model = "sparse-perceptron" if dataset.sparse else "perceptron"
    MODELS[args.model].check(dataset)  # before a node starts
    settings = Settings(model=args.model, incentive=args.incentive, init_portion=args.init_portion,
                        max_days=QUICK_DAYS if args.quick else args.days)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with _node(args.rpc) as url, tqdm(total=len(dataset.y_train) - int(len(dataset.y_train) * args.init_portion),
                                      unit=" samples", desc="simulating", file=sys.stderr, mininterval=1,
                                      miniters=0) as bar:
        started = time.monotonic()

        def progress(day: float, samples: int, transactions: int) -> None:
            rate = transactions / max(time.monotonic() - started, 1e-9)
            bar.set_postfix_str(f"day {day:.1f}, {transactions:,} tx, {rate:.1f} tx/s", refresh=False)
            bar.update(samples - bar.n)  # miniters=0: redrawn every mininterval, even with no new sample

        if args.incentive == PREDICTION_MARKET:
            simulation = MarketSimulation(url, dataset, specs, settings, args.seed, progress, bounty=args.bounty,
                                          pieces=args.pieces)
        else:
            simulation = Simulation(url, dataset, specs, settings, args.seed, progress)
        result = simulation.run().to_json()
        model = simulation.exported_model()
    name = f"{int(time.time())}-{dataset.name}-{args.model}-{args.incentive}"
    data_path = out / f"{name}-simulation_data.json"
    data_path.write_text(json.dumps(result, indent=1) + "\n")
    (out / f"{name}-model.json").write_text(json.dumps(model, indent=1) + "\n")
    title = f"{dataset.name}, {args.model}, {args.incentive}, seed {args.seed}"
    write_png(result, out / f"{name}-plot.png", title)
    write_html(result, out / f"{name}-plot.html", title)
    _summary(result)
    print(f"wrote {data_path}, {name}-model.json, {name}-plot.png and {name}-plot.html in {out}")
    return 0


def _specs(args: argparse.Namespace) -> list:
    """The agents: each kind's defaults for the mechanism, with the flags given in their place."""
    from simulation.run import default_agents

    specs = []
    for kind in default_agents(args.incentive):
        name = "good" if kind.good else "bad"
        count, balance, deposit, wait = (getattr(args, f"{name}{suffix}") for suffix in ("", "_balance", "_deposit", "_wait"))
        if (count is not None and count < 0) or (balance is not None and balance < 0) \
                or (deposit is not None and deposit <= 0) or (wait is not None and wait < 1):
            raise ValueError(f"--{name} and --{name}-balance must be >= 0, --{name}-deposit > 0, --{name}-wait >= 1 s")
        specs += kind.specs(count, balance, deposit, wait)
    if not specs:
        raise ValueError("at least one agent must run (--good N or --bad N)")
    return specs


def _summary(result: dict) -> None:
    last = {}
    for entry in result["balances"]:
        last[entry["a"]] = entry["b"]
    accuracies = result["accuracies"]
    print(f"accuracy: start {accuracies[0]['accuracy']:.1%}, end {accuracies[-1]['accuracy']:.1%}, "
          f"baseline (all data, off-chain) {result['baselineAccuracy']:.1%}; "
          f"{accuracies[-1]['t'] / 86_400:.1f} simulated days")
    for agent in result["agents"]:
        kind = "good" if agent["good"] else "bad"
        end = last[agent["address"]]
        held = (f"{end:g} points" if result["balanceUnit"] == "points"
                else f"balance {end / agent['start_balance']:.1%} of its start" if agent["start_balance"]
                else f"balance {end:g} units")
        print(f"{kind:4} agent {agent['address']}: {held}; {agent['gas']:,} gas used (not in the balance)")
    if "market" in result:
        market, provider = result["market"], result["market"]["provider"]
        print(f"provider {provider['address']}: paid {market['bountyPaid']:g} of its {market['bounty']:,} bounty over "
              f"{market['passes']} settling passes; {provider['gas']:,} gas used")


def _combine(args: argparse.Namespace) -> int:
    from simulation.charts import combine, load_run

    runs = [(pathlib.Path(path).name.removesuffix("-simulation_data.json"), load_run(path)) for path in args.runs]
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{int(time.time())}-combined"
    combine(runs, out / f"{name}.png", out / f"{name}.html")
    print(f"wrote {out / (name + '.png')} and {out / (name + '.html')}")
    return 0


@contextlib.contextmanager
def _node(url: str | None) -> Iterator[str]:
    """``url``, checked to answer; or a fresh in-memory sumchain (the benches' own), stopped after."""
    from bench.harness import sumchain_node
    from contracts.bindings.rpc import RpcClient

    if url is None:
        with sumchain_node() as own:
            yield own
        return
    RpcClient(url).request("eth_chainId")  # unreachable: one clear line, not a traceback later
    yield url
