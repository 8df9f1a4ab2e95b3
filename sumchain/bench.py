"""``sumchain bench BENCH``: runs ``bench.BENCH.main`` with the arguments after BENCH.

Each bench parses its own flags, so its parser is registered here without help and the rest of
the command line is handed to it as it is.
"""
from __future__ import annotations

import argparse
import importlib
from typing import Any

# `sumchain bench NAME`: what it measures; bench/NAME.py parses its own flags.
BENCHES = {
    "gas": "gas of the vector operations and the SUM actions, precompile and fallback, Prague and Cancun",
    "node": "JSON-RPC requests and transactions per second, optionally beside another node (--against URL)",
    "precompiles": "calibrate the ML precompiles' gas against ECRECOVER",
    "simulation": "a simulation's contributions per second: sumchain, sumchain --no-ml-precompiles and Anvil",
}


def add_parser(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="measure gas and throughput (figures go to docs/)",
        description="Benchmarks whose figures are written to docs/ and bench/results/ "
                    "(`sumchain bench BENCH --help` for each one's options; docs/benchmarks.md).",
    )
    benches = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    for name, summary in BENCHES.items():
        benches.add_parser(name, help=summary, add_help=False)  # its own parser reads the rest


def run(args: argparse.Namespace, rest: list[str]) -> int:
    return importlib.import_module(f"bench.{args.bench}").main(rest)
