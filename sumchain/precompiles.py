"""``sumchain precompiles``: the ML precompiles' names, addresses, input layouts, results and gas."""
from __future__ import annotations

import argparse
import json
from typing import Any

from vm.precompiles import PRECOMPILE_INFO


def add_parser(commands: Any) -> None:
    precompiles = commands.add_parser(
        "precompiles",
        help="list the ML precompiles",
        description="List the ML precompiles: name, address, input layout, result and gas formula.",
    )
    precompiles.add_argument("--json", action="store_true", help="print JSON (a list of objects) for programs")


def run(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([precompile.to_json() for precompile in PRECOMPILE_INFO], indent=2, ensure_ascii=False))
        return 0
    for precompile in PRECOMPILE_INFO:
        print(f"{precompile.name} at 0x{precompile.address:04x}")
        print(f"  input:   {precompile.layout}")
        print(f"  params:  {precompile.params}")
        print(f"  vectors: {precompile.vectors}")
        print(f"  result:  {precompile.result}")
        print(f"  gas:     {precompile.gas}")
    return 0
