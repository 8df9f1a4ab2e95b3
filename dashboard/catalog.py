"""What the page reads from the project rather than the chain: the ABIs and creation code of the
contracts in contracts/build/, and the names of the ML precompiles by address."""
from __future__ import annotations

import json
import pathlib
from functools import cache
from typing import Any

from vm.precompiles import PRECOMPILES

BUILD = pathlib.Path(__file__).resolve().parent.parent / "contracts" / "build"


@cache
def _artifacts() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(BUILD.glob("*.json"))}


@cache
def abis() -> dict[str, list[dict[str, Any]]]:
    """contract name -> its ABI: the page encodes calls and decodes answers, logs and reverts with them."""
    return {name: artifact["abi"] for name, artifact in _artifacts().items() if artifact["abi"]}


def bytecode(name: str) -> str | None:
    """The creation code (0x-prefixed hex) of a deployable contract, or None."""
    code = _artifacts().get(name, {}).get("bytecode", "")
    return "0x" + code.removeprefix("0x") if len(code.removeprefix("0x")) > 0 else None


@cache
def precompiles() -> dict[str, dict[str, str]]:
    """address (0x-prefixed, 40 hex digits, lower case) -> {name, result, gas}."""
    return {p.address_hex: {"name": p.name, "result": p.result, "gas": p.gas} for p in PRECOMPILES}
