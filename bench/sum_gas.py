"""Gas of the SUM contracts' actions, natively and on the plain-Solidity fallback, beside the original's.

Run: ``.venv/bin/python bench/sum_gas.py`` (also in ``make bench``; ``--quick`` for small models and
no files written). Starts ``sumchain node --in-memory`` with the ML precompiles and again with
``--no-ml-precompiles``, deploys each model through ``contracts.bindings`` (Stakeable64(0, 0, 0,
costWeight 1e9), as the original's gas harness did), then measures, through the ABI entries and
(dense models) the packed ones: addData when the model agrees, refund, addData when the model
updates (another account, the opposite label), and report. Every figure is the receipt's gasUsed
split into calldata and execution (bench/gas_split.py). Writes bench/results/sum-gas.json,
docs/gas.md and docs/gas.png.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import platform
import sys
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gas_split import TRACE_CONFIG, GasSplit, split  # noqa: E402
from bench.rpc_throughput import start_node  # noqa: E402
from contracts.bindings.contract import Connection, TxResult  # noqa: E402
from contracts.bindings.deploy import STAKEABLE, IncentiveSettings, deploy  # noqa: E402
from contracts.bindings.model import parse_model  # noqa: E402
from contracts.bindings.trainer import Trainer, normalize  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sum-gas.json"
DOC = ROOT / "docs" / "gas.md"
CHART = ROOT / "docs" / "gas.png"
INCENTIVE = IncentiveSettings(kind=STAKEABLE, refund_wait_s=0, owner_claim_wait_s=0, any_address_claim_wait_s=0,
                              cost_weight=10**9)
ACTIONS = ("addData, model agrees", "refund", "addData, model updates", "report")

# shared/README.md: the original contracts (solc 0.6.2, as shipped) on the same EVM rules.
ORIGINAL = {
    "DensePerceptron d=9": {"deploy": 7.28e6, "addData, model agrees": 212e3, "addData, model updates": 227e3,
                            "refund": 179e3, "report": 138e3},
    "DensePerceptron d=400": {"deploy": 10.7e6, "addData, model agrees": 1.52e6, "addData, model updates": 2.06e6,
                              "refund": 1.16e6, "report": 1.12e6},
    "DensePerceptron d=1000": {"deploy": 16.2e6, "addData, model agrees": 3.52e6, "addData, model updates": 4.87e6,
                               "refund": 2.66e6, "report": 2.62e6},
    "NearestCentroid d=9": {"deploy": 7.84e6, "addData, model agrees": 251e3, "addData, model updates": 214e3,
                            "refund": 196e3, "report": 156e3},
    "NearestCentroid d=512": {"deploy": 15.1e6, "addData, model agrees": 2.07e6, "addData, model updates": 2.04e6,
                              "refund": 2.10e6, "report": 2.06e6},
    "SparsePerceptron 1000 features, 20 present": {"deploy": 30.4e6, "addData, model agrees": 273e3,
                                                   "addData, model updates": 308e3, "refund": 221e3, "report": 181e3},
    "NaiveBayes 1000 features, 20 present": {"deploy": 10.3e6, "addData, model agrees": 649e3,
                                             "addData, model updates": 651e3, "refund": 298e3, "report": 258e3},
}

# The targets on sumchain (gasUsed, default fork): (model, action, entry) -> gas.
TARGETS = {
    ("DensePerceptron d=1000", "addData, model updates", "abi"): 1_000_000,
    ("DensePerceptron d=1000", "addData, model updates", "packed"): 450_000,
    ("NearestCentroid d=512", "addData, model updates", "abi"): 550_000,
    ("NearestCentroid d=512", "addData, model updates", "packed"): 250_000,
    ("SparsePerceptron 1000 features, 20 present", "addData, model updates", "abi"): 180_000,
    ("NaiveBayes 1000 features, 20 present", "addData, model updates", "abi"): 180_000,
    ("DensePerceptron d=1000", "refund", "abi"): 1_000_000,
    ("DensePerceptron d=1000", "refund", "packed"): 400_000,
    ("DensePerceptron d=1000", "report", "abi"): 1_000_000,
    ("DensePerceptron d=1000", "report", "packed"): 400_000,
}
EXECUTION_TARGET = ("DensePerceptron d=1000", "addData, model updates", 150_000)


@dataclass
class Case:
    """A model to deploy and a sampler of its inputs."""

    name: str
    document: dict[str, Any]
    sample: Callable[[np.random.Generator], list[int]]
    dense: bool


def _dense_sample(d: int) -> Callable[[np.random.Generator], list[int]]:
    return lambda rng: normalize(rng.normal(size=d).tolist())


def _sparse_sample(features: int, present: int) -> Callable[[np.random.Generator], list[int]]:
    return lambda rng: sorted(int(i) for i in rng.choice(features, size=present, replace=False))


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(7)
    dense = [9] if quick else [9, 400, 1000]
    found = [Case(f"DensePerceptron d={d}", {
        "type": "dense perceptron", "classifications": ["NEGATIVE", "POSITIVE"],
        "weights": rng.normal(size=d).tolist(), "intercept": 0.0, "learningRate": 1.0,
    }, _dense_sample(d), True) for d in dense]
    centroid_d = 9 if quick else 512
    found.append(Case(f"NearestCentroid d={centroid_d}", {
        "type": "nearest centroid classifier",
        "centroids": {name: {"centroid": (v / np.linalg.norm(v)).tolist(), "dataCount": 2000}
                      for name, v in (("WEATHER_GET", rng.normal(size=centroid_d)),
                                      ("MUSIC_PLAY", rng.normal(size=centroid_d)))},
    }, _dense_sample(centroid_d), True))
    features, present = (50, 5) if quick else (1000, 20)
    label = f"{features} features, {present} present"
    found.append(Case(f"SparsePerceptron {label}", {
        "type": "sparse perceptron", "classifications": ["NEGATIVE", "POSITIVE"],
        "weights": rng.normal(size=features).tolist(), "intercept": 0.0, "learningRate": 1.0,
    }, _sparse_sample(features, present), False))
    found.append(Case(f"NaiveBayes {label}", {
        "type": "naive bayes", "classifications": ["NEGATIVE", "POSITIVE"], "classCounts": [500, 500],
        "featureCounts": [[[int(i), int(rng.integers(1, 50))] for i in range(features)] for _ in range(2)],
        "totalNumFeatures": features, "smoothingFactor": 1.0,
    }, _sparse_sample(features, present), False))
    return found


class Meter:
    """Splits each transaction's gas; the trace is fetched only when Prague's calldata floor binds."""

    def __init__(self, conn: Connection, parts: dict[str, str]) -> None:
        self.conn = conn
        self.parts = {address.lower(): role for role, address in parts.items()}

    def __call__(self, tx: TxResult) -> dict[str, Any]:
        request = self.conn.client.request
        found: GasSplit = split(tx.gas_used, self.conn.transaction_input(tx.tx_hash),
                                lambda: request("debug_traceTransaction", tx.tx_hash, TRACE_CONFIG))
        return {**found.as_dict(), "parts": self.parts_of(tx)}

    def parts_of(self, tx: TxResult) -> dict[str, int]:
        """Where the execution goes: each part's call frame (gross gas) and the trainer's logs."""
        frames = self.conn.client.request("debug_traceTransaction", tx.tx_hash, {"tracer": "callTracer"})
        parts: dict[str, int] = {}
        for call in frames.get("calls") or []:
            role = self.parts.get(call["to"].lower(), "other calls")
            parts[role] = parts.get(role, 0) + int(call["gasUsed"], 16)
        parts["logs"] = sum(375 * len(log["topics"]) + 375 + 8 * (len(log["data"]) - 2) // 2
                            for log in tx.logs if log["address"].lower() not in self.parts)
        return parts


def measure_case(url: str, accounts: list[str], case: Case, rng: np.random.Generator) -> list[dict[str, Any]]:
    owner = Connection.open(url, accounts[0])
    other = Connection.open(url, accounts[1])
    deployment = deploy(owner, parse_model(case.document), case.name, incentive=INCENTIVE)
    rows = [{"model": case.name, "action": "deploy", "entry": "abi",
             "gas_used": sum(step.gas_used for step in deployment.steps), "transactions": len(deployment.steps),
             "largest_transaction": max(step.gas_used for step in deployment.steps)}]
    meter = Meter(owner, {"classifier": deployment.classifier, "data handler": deployment.data_handler,
                          "incentive mechanism": deployment.incentive_mechanism})
    entries = ("abi", "packed") if case.dense else ("abi",)
    for entry in entries:
        mine, theirs = Trainer.load(owner, deployment.trainer), Trainer.load(other, deployment.trainer)
        suffix = "_packed" if entry == "packed" else ""
        add = lambda trainer, x, c: getattr(trainer, "add_data" + suffix)(x, c)  # noqa: E731
        x = case.sample(rng)
        agreed = mine.predict(x)
        added = add(mine, x, agreed)
        refunded = getattr(mine, "refund" + suffix)(x, agreed, added.contribution.time)
        opposite = 1 - agreed
        updated = add(theirs, x, opposite)
        reported = getattr(mine, "report" + suffix)(x, opposite, updated.contribution.time, accounts[1])
        for action, tx in zip(ACTIONS, (added.tx, refunded.tx, updated.tx, reported.tx)):
            rows.append({"model": case.name, "action": action, "entry": entry, **meter(tx)})
    return rows


def run_mode(mode: str, selected: list[Case]) -> list[dict[str, Any]]:
    process, url = start_node(*(["--no-ml-precompiles"] if mode == "fallback" else []))
    try:
        accounts = Connection.open(url).client.request("eth_accounts")
        rows = []
        rng = np.random.default_rng(11)
        for index, case in enumerate(selected, start=1):
            print(f"  [{mode} {index}/{len(selected)}] {case.name} ...", end="", flush=True)
            found = measure_case(url, accounts, case, rng)
            for row in found:
                row["mode"] = mode
            rows.extend(found)
            print(" " + ", ".join(f"{r['action']} ({r['entry']}) {r['gas_used']:,}" for r in found[:2]) + " ...")
        return rows
    finally:
        process.terminate()
        process.wait(timeout=30)


def _k(gas: float | int | None) -> str:
    if gas is None:
        return "–"
    return f"{gas / 1e6:.2f}M" if gas >= 1e6 else f"{gas / 1e3:.0f}k"


def _find(rows: list[dict[str, Any]], model: str, action: str, entry: str, mode: str) -> dict[str, Any] | None:
    return next((r for r in rows if (r["model"], r["action"], r["entry"], r["mode"]) == (model, action, entry, mode)),
                None)


def markdown(rows: list[dict[str, Any]], command: str) -> str:
    lines = [
        "# Gas of the SUM contracts",
        "",
        f"Measured {date.today().isoformat()} on this machine ({platform.machine()}, Python "
        f"{platform.python_version()}) with `{command}`: receipts of real transactions on `sumchain node`",
        "(\"native\": precompiles and vector store) and on `sumchain node --no-ml-precompiles` (\"fallback\": the",
        "same contracts on their plain-Solidity paths, as on any other EVM chain), default fork Prague.",
        "Incentive mechanism Stakeable64(0, 0, 0, costWeight 1e9), as the original's gas harness; samples",
        "are unit-norm random vectors scaled by 1e9 (half of the values negative) or 20 random feature",
        "indices. \"original\" is the original contracts (solc 0.6.2, as they shipped) on the same EVM rules",
        "(`../shared/README.md`).",
        "",
        "Under Prague a transaction pays `max(intrinsic + execution, floor)` (EIP-7623): *calldata* is",
        "the intrinsic gas (21,000 + 4 per zero byte + 16 per non-zero byte), *floor* the calldata floor",
        "(21,000 + 10 per token), *execution* the EVM's gas net of refunds (from the trace when the floor",
        "binds, as it does for dense samples in the ABI: a negative int64 is 32 non-zero bytes there, 8 in",
        "the packed entries).",
        "",
        "## Targets",
        "",
        "| model | action | entry | target | native | fallback | original |",
        "|---|---|---|---|---|---|---|",
    ]
    for (model, action, entry), target in TARGETS.items():
        native, fallback = (_find(rows, model, action, entry, mode) for mode in ("native", "fallback"))
        met = "" if native is None else (" ✓" if native["gas_used"] <= target else " ✗")
        lines.append(f"| {model} | {action} | {entry} | ≤ {_k(target)} | "
                     f"{_k(native and native['gas_used'])}{met} | {_k(fallback and fallback['gas_used'])} | "
                     f"{_k(ORIGINAL.get(model, {}).get(action))} |")
    model, action, target = EXECUTION_TARGET
    for entry in ("abi", "packed"):
        native, fallback = (_find(rows, model, action, entry, mode) for mode in ("native", "fallback"))
        met = "" if native is None else (" ✓" if native["execution"] <= target else " ✗")
        lines.append(f"| {model} | execution part of addData, model updates | {entry} | ≤ {_k(target)} | "
                     f"{_k(native and native['execution'])}{met} | {_k(fallback and fallback['execution'])} | – |")
    lines += [
        "",
        "## Where the execution goes",
        "",
        f"{model}, {action}, native: the call frames of the three parts (gross gas, cold-access surcharges",
        "of the calls themselves stay with the trainer) and the trainer's logs; the rest is the trainer's own",
        "work (reading the sample once, the record key, three cold calls).",
        "",
        "| entry | execution | incentive mechanism | data handler | classifier | logs | trainer, the rest |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in ("abi", "packed"):
        row = _find(rows, model, action, entry, "native")
        if row is None:
            continue
        parts = row["parts"]
        named = [parts.get(k, 0) for k in ("incentive mechanism", "data handler", "classifier", "logs")]
        lines.append(f"| {entry} | {row['execution']:,} | " + " | ".join(f"{v:,}" for v in named)
                     + f" | {row['execution'] - sum(named):,} |")
    lines += [
        "",
        "The ABI entry's `AddData(int64[] d, ...)` event, which the original's dashboards read to list",
        "contributions, logs the sample at 32 bytes per element, and a LOG costs 8 gas per byte: at",
        "d = 1,000 that alone is 257k, above the 150k target for the execution part, so that target cannot",
        "be met while the event carries the sample. The packed entry's `AddDataPacked` leaves the sample in",
        "the transaction input (the bindings read it from there).",
        "",
        "## Every action",
        "",
        "| model | action | entry | mode | gasUsed | calldata | floor | execution | original |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["action"] == "deploy":
            lines.append(f"| {r['model']} | deploy ({r['transactions']} transactions, largest "
                         f"{r['largest_transaction']:,}) | – | {r['mode']} | {r['gas_used']:,} | | | | "
                         f"{_k(ORIGINAL.get(r['model'], {}).get('deploy'))} |")
            continue
        floor = f"{r['floor']:,}" + (" (binds)" if r["floor_binds"] else "")
        lines.append(f"| {r['model']} | {r['action']} | {r['entry']} | {r['mode']} | {r['gas_used']:,} | "
                     f"{r['intrinsic']:,} | {floor} | {r['execution']:,} | "
                     f"{_k(ORIGINAL.get(r['model'], {}).get(r['action']))} |")
    lines += ["", f"![gas per action]({CHART.name})", ""]
    return "\n".join(lines)


def chart(rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r["model"] for r in rows))
    series = [("native, packed", "native", "packed"), ("native, ABI", "native", "abi"),
              ("fallback, ABI", "fallback", "abi")]
    figure, axes = plt.subplots(1, len(ACTIONS), figsize=(4.2 * len(ACTIONS), 4.6), sharey=True)
    for axis, action in zip(axes, ACTIONS):
        positions = np.arange(len(models))
        width = 0.2
        for offset, (label, mode, entry) in enumerate(series):
            values = [(_find(rows, m, action, entry, mode) or {}).get("gas_used", np.nan) for m in models]
            axis.bar(positions + (offset - 1.5) * width, values, width, label=label)
        axis.bar(positions + 1.5 * width, [ORIGINAL.get(m, {}).get(action, np.nan) for m in models], width,
                 label="original", color="grey")
        axis.set_yscale("log")
        axis.set_title(action)
        axis.set_xticks(positions, [m.replace(" features, ", "/").replace(" present", "") for m in models],
                        rotation=35, ha="right", fontsize=7)
    axes[0].set_ylabel("gasUsed (log scale)")
    axes[0].legend(fontsize=7)
    figure.suptitle("SUM actions: gas on sumchain (native, fallback) and the original contracts")
    figure.tight_layout()
    figure.savefig(CHART, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small models only, no files written")
    args = parser.parse_args(argv)
    selected = cases(args.quick)
    rows = []
    for mode in ("native", "fallback"):
        rows.extend(run_mode(mode, selected))
    text = markdown(rows, "python bench/sum_gas.py" + (" --quick" if args.quick else ""))
    if args.quick:
        print(text)
        return 0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    DOC.write_text(text)
    chart(rows)
    print(f"wrote {RESULTS.relative_to(ROOT)}, {DOC.relative_to(ROOT)}, {CHART.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
