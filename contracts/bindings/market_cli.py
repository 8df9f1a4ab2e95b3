"""`sumchain market ...`: the model bounty market from the command line.

For now its local content store (contracts/bindings/content.py): `put` a file and print its
keccak256 address, `get` the bytes of an address back. The market's actions on chain (request,
submit, reveal, claim, status) are to come as more ACTIONs of the same command.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

from .content import CONTENT_ENV, DEFAULT_ROOT, ContentError, ContentStore
from .cli import run_action


def add_parser(commands: Any) -> None:
    """Register `market` and its actions on the `sumchain` subcommands."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", type=pathlib.Path, metavar="DIR",
                       help=f"the content store's directory (default: ${CONTENT_ENV}, else ./{DEFAULT_ROOT})")

    market = commands.add_parser(
        "market", help="the model bounty market: content store (put, get)",
        description="The model bounty market. Datasets and models are addressed by the keccak256 of their "
                    "bytes (0x and 64 hex digits, a bytes32 on chain) in a local content store.",
    )
    actions = market.add_subparsers(dest="market_command", required=True, metavar="ACTION")

    put = actions.add_parser("put", parents=[store], help="store a file; prints its address",
                             description="Copy a file into the content store and print its address: "
                                         "0x + keccak256 of its bytes.")
    put.add_argument("file", metavar="FILE", help="the file to store ('-' reads standard input)")

    get = actions.add_parser("get", parents=[store], help="write the bytes of an address",
                             description="Write the bytes stored under an address to standard output or a "
                                         "file, after checking they hash to it.")
    get.add_argument("address", metavar="ADDRESS", help="0x and 64 hex digits, as printed by put")
    get.add_argument("-o", "--output", type=pathlib.Path, metavar="OUT",
                     help="write to this file instead of standard output")


def run(args: argparse.Namespace) -> int:
    """Run one `sumchain market` action (errors: one line on stderr, exit code 1)."""
    return run_action("market", _ACTIONS[args.market_command], args)


def _store(args: argparse.Namespace) -> ContentStore:
    return ContentStore(args.store)  # None: $SUMCHAIN_CONTENT or ./.sumchain-content


def _put(args: argparse.Namespace) -> int:
    store = _store(args)
    address = store.put_stream(sys.stdin.buffer) if args.file == "-" else store.put_file(args.file)
    print(address)
    return 0


def _get(args: argparse.Namespace) -> int:
    data = _store(args).get(args.address)
    if args.output is not None:
        try:
            args.output.write_bytes(data)
        except OSError as error:
            raise ContentError(f"cannot write {args.output}: {error.strerror or error}") from None
        return 0
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


_ACTIONS = {"put": _put, "get": _get}
