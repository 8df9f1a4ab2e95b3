"""Contributions per second of a simulation: the same seeded `sumchain simulate` run on sumchain
with the ML precompiles, on sumchain without them (the contracts' plain-Solidity paths), and on
Anvil (the same fallback paths on revm), one after the other, each on a fresh node.

A contribution is an accepted addData; the rate counts the run's loop from the first agent action
to the last (deployment and funding apart), and its transactions (adds, refunds, reports) per
second beside it. The three runs must agree on every balance and accuracy (the run is the
chain's, tests/test_simulation_nodes.py checks it at small size); the bench says so.

    sumchain bench simulation [--dataset synthetic-text] [--model sparse-perceptron] [--days 1] [--seed 0]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from typing import Any, Iterator

from bench.harness import ROOT, anvil_binary, anvil_node, machine, sumchain_node
from bench.report import write_section
from simulation.datasets import load
from simulation.run import Settings, Simulation, default_agents

NODES = ("sumchain", "sumchain --no-ml-precompiles", "anvil")


@contextlib.contextmanager
def _node(name: str) -> Iterator[str]:
    if name == "anvil":
        binary = anvil_binary()
        if binary is None:
            raise SystemExit("sumchain bench simulation: anvil is not installed (make test or make peers installs it)")
        with anvil_node(binary) as url:
            yield url
    else:
        with sumchain_node(*name.split()[1:]) as url:
            yield url


def measure(name: str, dataset_name: str, model: str, days: float, seed: int) -> dict[str, Any]:
    dataset = load(dataset_name, seed=seed)
    specs = [spec for kind in default_agents("stakeable") for spec in kind.specs()]
    marks: dict[str, float] = {}

    def progress(_day: float, samples: int, transactions: int) -> None:
        marks.setdefault("first", time.monotonic())
        marks.update(last=time.monotonic(), samples=samples, transactions=transactions)

    with _node(name) as url:
        started = time.monotonic()
        run = Simulation(url, dataset, specs, Settings(model=model, max_days=days), seed, progress).run().to_json()
        total = time.monotonic() - started
    loop = marks["last"] - marks["first"]
    return {"node": name, "contributions": marks["samples"], "transactions": marks["transactions"],
            "loop_s": round(loop, 2), "total_s": round(total, 2),
            "contributions_per_s": round(marks["samples"] / loop, 2),
            "transactions_per_s": round(marks["transactions"] / loop, 2),
            "balances": run["balances"], "accuracies": run["accuracies"]}


def markdown(result: dict[str, Any]) -> str:
    rows = result["runs"]
    base = rows[0]["contributions_per_s"]
    lines = [
        "## A simulation's contributions per second",
        "",
        f"`{result['command']}` on {result['machine']['date']} ({result['machine']['cores']} cores): the same seeded "
        f"run ({result['dataset']}, {result['model']}, Stakeable64, 1 good and 1 bad agent, {result['days']:g} "
        "simulated days) on each node, fresh, one after the other. The rate counts the agents' loop "
        "(deployment apart); a transaction is an add, a refund or a report.",
        "",
        "| node | contributions | transactions | loop s | contributions/s | transactions/s | vs sumchain |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['node']} | {row['contributions']:,} | {row['transactions']:,} | {row['loop_s']:.1f} | "
                     f"{row['contributions_per_s']:.1f} | {row['transactions_per_s']:.1f} | "
                     f"{row['contributions_per_s'] / base:.2f}x |")
    lines += ["", "The three runs' balances and accuracies are "
              + ("identical." if result["identical"] else "NOT identical: a bug, see tests/test_simulation_nodes.py.")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sumchain bench simulation", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="synthetic-text")
    parser.add_argument("--model", default="sparse-perceptron")
    parser.add_argument("--days", type=float, default=1.0, help="simulated days per run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    command = f"sumchain bench simulation --dataset {args.dataset} --model {args.model} --days {args.days:g}"
    runs = []
    for name in NODES:
        print(f"{name} ...", file=sys.stderr, flush=True)
        runs.append(measure(name, args.dataset, args.model, args.days, args.seed))
        row = runs[-1]
        print(f"{name}: {row['contributions']} contributions, {row['transactions']} transactions in "
              f"{row['loop_s']:.1f} s: {row['contributions_per_s']:.1f} contributions/s", flush=True)
    identical = all((r["balances"], r["accuracies"]) == (runs[0]["balances"], runs[0]["accuracies"]) for r in runs)
    result = {"machine": machine(), "command": command, "dataset": args.dataset, "model": args.model,
              "days": args.days, "identical": identical,
              "runs": [{k: v for k, v in r.items() if k not in ("balances", "accuracies")} for r in runs]}
    (ROOT / "bench" / "results" / "simulation.json").write_text(json.dumps(result, indent=1) + "\n")
    write_section("simulation", markdown(result))
    print(markdown(result))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
