"""The ``sumchain`` command: one parser, a subcommand for each entry of ``COMMANDS``.

This package is the top of the dependency order (rpc -> node -> vm; contracts and bench speak
JSON-RPC): it is the one place the command's layers meet, so that none of them imports another
for the command's sake.
"""
from __future__ import annotations

import argparse
import importlib
import logging
from importlib.metadata import version
from types import ModuleType

from node import speedups

# Subcommand -> the module that adds its parser (``add_parser(commands)``) and runs it
# (``run(args)``), in the order ``sumchain --help`` lists them. They are imported only after
# ``speedups.install()``: some hash on import, and eth-hash picks its keccak backend at the first hash.
COMMANDS = {
    "node": "sumchain.serve",
    "precompiles": "sumchain.precompiles",
    "bench": "sumchain.bench",
    "model": "contracts.bindings.cli",
    "market": "contracts.bindings.market_cli",
    "simulate": "sumchain.simulate",
    "dashboard": "sumchain.dashboard",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sumchain",
        description="A developer Ethereum node on py-evm, built for machine learning in smart contracts.",
    )
    parser.add_argument("--version", action="version", version=f"sumchain {version('sumchain')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        _module(name).add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    speedups.install()
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    command = _module(args.command)
    if args.command == "bench":
        return command.run(args, rest)  # the rest is the bench's own flags
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    logging.basicConfig(
        level=getattr(logging, getattr(args, "log_level", "info").upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return command.run(args)


def _module(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])
