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
# --quick: few simulated days, still long enough for refunds (1 day) and take-alls (9 days).
QUICK_DAYS = 12


def add_parser(commands: argparse._SubParsersAction) -> None:
    from simulation.datasets import DATASETS, PREFIXES

    simulate = commands.add_parser(
        "simulate", help="simulate contributors and an incentive mechanism on the chain",
        description="Agents add data to a SUM model on the chain over simulated time, with real transactions "
                    "and the node's time control; writes the run (the original's simulation_data.json schema), "
                    "the final model and its charts. `sumchain simulate combine RUN...` overlays saved runs.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    simulate.add_argument("--dataset", default="breast-cancer",
                          help="one of: " + "; ".join(f"{name} ({text})" for name, text in DATASETS.items())
                               + "; or a file of yours: " + "; ".join(f"{prefix}PATH ({text})"
                                                                      for prefix, text in PREFIXES.items()))
    simulate.add_argument("--model", default="perceptron", choices=["perceptron"],
                          help="the classifier (a dense perceptron; the others are still to come)")
    simulate.add_argument("--incentive", default="stakeable", choices=["stakeable"],
                          help="the incentive mechanism: deposit, refund and take (Stakeable64)")
    simulate.add_argument("--good", type=int, default=1, metavar="N", help="good agents: deposit ~50, every ~10 min")
    simulate.add_argument("--bad", type=int, default=1, metavar="N", help="bad agents: deposit ~100, every ~1 h, labels flipped")
    simulate.add_argument("--balance", type=int, default=10_000, help="each agent's start balance, in units")
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
    from simulation.run import AgentSpec, Settings, Simulation

    if not 0 < args.init_portion < 1:
        raise ValueError(f"--init-portion must be between 0 and 1, got {args.init_portion}")
    if args.good < 0 or args.bad < 0 or args.good + args.bad == 0:
        raise ValueError("--good and --bad must be >= 0, and at least one agent must run")
    dataset = load(args.dataset, seed=args.seed)
    specs = [AgentSpec(True, args.balance, 50, 10, 10 * 60, prob_mistake=1e-4) for _ in range(args.good)]
    specs += [AgentSpec(False, args.balance, 100, 3, 60 * 60) for _ in range(args.bad)]
    settings = Settings(init_portion=args.init_portion, max_days=QUICK_DAYS if args.quick else args.days)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with _node(args.rpc) as url:
        def progress(message: str, done: int) -> None:
            bar.set_postfix_str(message, refresh=False)
            bar.update(done - bar.n)

        # Built before the bar, so that a dataset it refuses is one line on stderr, not inside a bar.
        simulation = Simulation(url, dataset, specs, settings, args.seed, progress)
        bar = tqdm(total=len(dataset.y_train) - int(len(dataset.y_train) * args.init_portion),
                   unit=" samples", desc="simulating", file=sys.stderr, mininterval=1)
        try:
            result = simulation.run().to_json()
        finally:
            bar.close()
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
        print(f"{kind:4} agent {agent['address']}: balance {last[agent['address']] / agent['start_balance']:.1%} "
              f"of its start; {agent['gas']:,} gas used (not in the balance)")


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
