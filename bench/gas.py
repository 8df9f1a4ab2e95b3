"""``sumchain bench gas``: the gas of the ML primitives and of the SUM actions, measured on the node.

For each fork (Osaka, the default, and Cancun) and mode (``precompile``: ``sumchain node``;
``fallback``: ``sumchain node --no-ml-precompiles``, the contracts' plain-Solidity paths, as on any
other EVM chain) it starts a fresh in-memory node and measures:

- the vector operations at 10, 100, 1,000 and 10,000 elements (bench/gas_vector.py; Osaka only:
  the operations' gas does not depend on the fork),
- the SUM actions of every model (bench/gas_sum.py), split into calldata and execution,
- one bounty-market request's actions (bench/gas_market.py).

Writes bench/results/gas.json, docs/gas.md, docs/gas.png (SUM actions against dimension) and
docs/gas-vector.png (operations against size). ``--quick`` measures a small subset (two sizes, two
small models, Osaka) in well under a minute and writes only when ``--out`` names a directory.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

from bench import gas_market, gas_sum, gas_vector
from bench.harness import machine, progress, sumchain_node
from bench.report import write_section

ROOT = pathlib.Path(__file__).resolve().parent.parent

MODES = {"precompile": (), "fallback": ("--no-ml-precompiles",)}
FORKS = ("osaka", "cancun")
SIZES = (10, 100, 1_000, 10_000)
QUICK_SIZES = (10, 100)
GOAL_ACTION, GOAL_RATIO = "addData, model updates", 20


def goals(sum_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Precompile against fallback on the largest dense perceptron's addData (d=1000 in a full run),
    per entry: execution gas and wall time ratios."""
    model = f"DensePerceptron d={max(gas_sum.dense_dimensions(sum_rows))}"
    found = []
    for entry in ("abi", "packed"):
        native, fallback = (gas_sum.find(sum_rows, model, GOAL_ACTION, entry, mode) for mode in MODES)
        if native is None or fallback is None:
            continue
        found.append({
            "model": model, "action": GOAL_ACTION, "entry": entry,
            "precompile_execution": native["execution"], "fallback_execution": fallback["execution"],
            "execution_ratio": fallback["execution"] / native["execution"],
            "precompile_seconds": native["seconds"], "fallback_seconds": fallback["seconds"],
            "seconds_ratio": fallback["seconds"] / native["seconds"], "goal": GOAL_RATIO,
        })
    return found


def markdown(result: dict[str, Any], vector_chart: str, sum_chart: str) -> str:
    lines = [
        "# Gas of the ML primitives and the SUM contracts",
        "",
        _measured(result) + ": receipts and traces of real transactions on fresh",
        "in-memory nodes; nothing here is computed from a gas formula. Every figure is also in",
        "`bench/results/gas.json`.",
        "",
        f"## Precompile against fallback: {result['goals'][0]['model'] if result['goals'] else ''}, addData when the model updates",
        "",
        "The goal: precompile mode at least 20x below the fallback in the execution part of the gas and",
        "in wall time per transaction (eth_sendTransaction until its receipt, automine, on this machine).",
        "",
        "| entry | execution, precompile | execution, fallback | ratio | seconds, precompile | seconds, fallback | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += _goal_rows(result["goals"], "{}", marked=True)
    lines += [
        "",
        "Through the ABI entry both modes also pay for the `AddData(int64[] d, ...)` event the original's",
        "dashboards read (about 258k gas at d = 1,000, the same in both modes), which caps that ratio; the",
        "packed entry logs the sample's hash instead.",
        "",
        gas_vector.markdown(result["vector_ops"]),
        "",
        f"![vector operations: gas against size]({vector_chart})",
        "",
        gas_sum.markdown(result["sum_actions"], sum_chart),
        "",
        gas_market.markdown(result["market"]),
        "",
    ]
    return "\n".join(lines)


def summary(result: dict[str, Any]) -> str:
    """The headline figures for docs/benchmarks.md (the whole tables are in docs/gas.md)."""
    vector = {(r["op"], r["n"], r["mode"]): r for r in result["vector_ops"]}
    lines = [
        "## Gas: vector operations and SUM actions",
        "",
        _measured(result) + ". Every table: [gas.md](gas.md); raw figures:",
        "`bench/results/gas.json`.",
        "",
        "| d = 1,000 addData, model updates | execution, precompile | execution, fallback | ratio | "
        "seconds, precompile | seconds, fallback | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += _goal_rows(result["goals"], "{} entry", marked=False)
    largest = max(result["sizes"])
    lines += ["", f"| operation at n = {largest:,} | precompile | fallback | ratio |", "|---|---|---|---|"]
    for op in gas_vector.OPS:
        native, fallback = vector.get((op, largest, "precompile")), vector.get((op, largest, "fallback"))
        if native is None or fallback is None:
            continue
        ratio = f"{fallback['op_gas'] / native['op_gas']:.0f}x" if native["op_gas"] and fallback["op_gas"] else "–"
        gas = lambda row: f"{row['op_gas']:,}" if row["op_gas"] else row["status"]  # noqa: E731
        lines.append(f"| {op} | {gas(native)} | {gas(fallback)} | {ratio} |")
    return "\n".join(lines)


def _measured(result: dict[str, Any]) -> str:
    m = result["machine"]
    return (f"Measured {m['date']} with `{result['command']}` on {m['machine']}, {m['cores']} cores, "
            f"{m['memory_gib']} GiB, Python {m['python']}")


def _goal_rows(goals: list[dict[str, Any]], entry: str, marked: bool) -> list[str]:
    """The goal table's rows: each entry's execution and wall-time ratios (with ✓/✗ when `marked`)."""
    def ratio(g: dict[str, Any], value: float) -> str:
        return f"{value:.1f}x" + ((" ✓" if value >= g["goal"] else " ✗") if marked else "")

    return [f"| {entry.format(g['entry'])} | {g['precompile_execution']:,} | {g['fallback_execution']:,} | "
            f"{ratio(g, g['execution_ratio'])} | {g['precompile_seconds']:.3f} | {g['fallback_seconds']:.3f} | "
            f"{ratio(g, g['seconds_ratio'])} |" for g in goals]


def run(quick: bool, forks: tuple[str, ...]) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    selected = gas_sum.cases(quick)
    plan = [(fork, mode) for fork in forks for mode in MODES]
    total = sum((gas_vector.steps(sizes) if fork == forks[0] else 0) + gas_sum.steps(selected) + gas_market.steps()
                for fork, _ in plan)
    vector_rows: list[dict[str, Any]] = []
    sum_rows: list[dict[str, Any]] = []
    market_rows: list[dict[str, Any]] = []
    with progress(total, "bench gas") as bar:
        for fork, mode in plan:
            with sumchain_node(*MODES[mode], hardfork=fork) as url:
                if fork == forks[0]:
                    vector_rows += gas_vector.measure(url, mode, sizes, bar)
                sum_rows += gas_sum.measure(url, mode, fork, selected, bar)
                market_rows += gas_market.measure(url, mode, fork, bar)
    return {"vector_ops": vector_rows, "sum_actions": sum_rows, "market": market_rows, "goals": goals(sum_rows),
            "original": gas_sum.ORIGINAL, "forks": list(forks), "sizes": list(sizes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sumchain bench gas", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset in well under a minute (CI smoke test)")
    parser.add_argument("--out", type=pathlib.Path, metavar="DIR",
                        help="write gas.json, gas.md and the charts here instead of bench/results/ and docs/")
    args = parser.parse_args(argv)
    command = "sumchain bench gas" + (" --quick" if args.quick else "")
    result = {"machine": machine(), "command": command, **run(args.quick, FORKS[:1] if args.quick else FORKS)}
    if args.out is None and args.quick:
        print(markdown(result, "gas-vector.png", "gas.png"))
        return 0
    results_dir, docs_dir = (args.out, args.out) if args.out else (ROOT / "bench" / "results", ROOT / "docs")
    results_dir.mkdir(parents=True, exist_ok=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "gas.json").write_text(json.dumps(result, indent=1) + "\n")
    gas_vector.chart(result["vector_ops"], docs_dir / "gas-vector.png")
    gas_sum.chart(result["sum_actions"], docs_dir / "gas.png")
    (docs_dir / "gas.md").write_text(markdown(result, "gas-vector.png", "gas.png"))
    if args.out is None:
        write_section("gas", summary(result))
    for goal in result["goals"]:
        print(f"{goal['model']} addData ({goal['entry']}): fallback / precompile = {goal['execution_ratio']:.1f}x execution gas, "
              f"{goal['seconds_ratio']:.1f}x wall time")
    print(f"wrote {results_dir / 'gas.json'}, {docs_dir / 'gas.md'}, {docs_dir / 'gas.png'}, {docs_dir / 'gas-vector.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
