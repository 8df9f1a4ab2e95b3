"""What the page cannot work out in the browser without Python (it has no keccak): the events of
the contracts in contracts/build/ keyed by their topic hash, their functions' selectors, and the
names of the ML precompiles by address."""
from __future__ import annotations

import json
import pathlib
from functools import cache
from typing import Any

from eth_utils import keccak

from vm.precompiles import PRECOMPILES

BUILD = pathlib.Path(__file__).resolve().parent.parent / "contracts" / "build"


@cache
def events() -> dict[str, dict[str, Any]]:
    """topic0 -> {name, signature, inputs, contracts}; contracts sharing a signature share one entry."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(BUILD.glob("*.json")):
        for entry in json.loads(path.read_text())["abi"]:
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            signature = f"{entry['name']}({','.join(item['type'] for item in entry['inputs'])})"
            topic = "0x" + keccak(text=signature).hex()
            known = found.setdefault(topic, {
                "name": entry["name"], "signature": signature, "contracts": [],
                "inputs": [{"name": item["name"], "type": item["type"], "indexed": item["indexed"]}
                           for item in entry["inputs"]],
            })
            known["contracts"].append(path.stem)
    return found


@cache
def functions() -> dict[str, dict[str, Any]]:
    """signature ("name(types)") -> {selector, outputs}: what the page needs to call a view."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(BUILD.glob("*.json")):
        for entry in json.loads(path.read_text())["abi"]:
            if entry.get("type") != "function":
                continue
            signature = f"{entry['name']}({','.join(item['type'] for item in entry['inputs'])})"
            found.setdefault(signature, {"selector": "0x" + keccak(text=signature)[:4].hex(),
                                         "outputs": [item["type"] for item in entry["outputs"]]})
    return found


@cache
def precompiles() -> dict[str, dict[str, str]]:
    """address (0x-prefixed, 40 hex digits, lower case) -> {name, result, gas}."""
    return {p.address_hex: {"name": p.name, "result": p.result, "gas": p.gas} for p in PRECOMPILES}
