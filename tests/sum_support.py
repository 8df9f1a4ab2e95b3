"""Helpers for the SUM contract tests: a web3.py client on a node in each mode, artifacts, fixed point.

Every SUM test runs twice, through JSON-RPC: against `sumchain node` (precompiles and vector store,
"native") and against `sumchain node --no-ml-precompiles` ("fallback"), where the contracts take
their plain-Solidity paths. Both must give the same predictions, model state and revert reasons.
"""
from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

import numpy as np
from web3 import Web3
from web3.exceptions import ContractLogicError

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "contracts" / "build"
TO_FLOAT = 10**9


def artifact(name: str) -> dict:
    return json.loads((BUILD / f"{name}.json").read_text())


@dataclass
class SumNode:
    """A node in one mode, a web3 client on it, and its funded dev accounts."""

    mode: str
    w3: Web3
    accounts: list[str]

    def deploy(self, name: str, *args, sender: str | None = None, gas: int = 16_777_216):
        """Deploy contracts/build/<name>.json; returns (web3 contract, receipt)."""
        data = artifact(name)
        factory = self.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"])
        tx_hash = factory.constructor(*args).transact({"from": sender or self.accounts[0], "gas": gas})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt.status == 1, f"deploying {name} failed"
        return self.w3.eth.contract(address=receipt.contractAddress, abi=data["abi"]), receipt

    def transact(self, call, sender: str | None = None, value: int = 0, gas: int = 16_777_216):
        """Send a contract function call; returns the receipt (status asserted by the caller)."""
        tx_hash = call.transact({"from": sender or self.accounts[0], "value": value, "gas": gas})
        return self.w3.eth.wait_for_transaction_receipt(tx_hash)

    def increase_time(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])
        self.w3.provider.make_request("evm_mine", [])

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def wait(self, seconds: int) -> None:
        """Until a block `seconds` after the latest one's time (blocks can run ahead of the clock)."""
        target = self.now() + seconds
        while self.now() < target:
            self.increase_time(target - self.now())


def revert_reason(call, sender: str, value: int = 0) -> str:
    """The revert reason of a call that must fail (eth_call: the reason, not a mined failure),
    run where a transaction sent now would run: the pending block (its time, its number)."""
    try:
        call.call({"from": sender, "value": value}, block_identifier="pending")
    except ContractLogicError as error:
        return error.message.removeprefix("execution reverted: ")
    raise AssertionError("the call did not revert")


def to_fixed(values) -> list[int]:
    """Floats to int64 fixed point: round(v * 1e9)."""
    return [int(round(float(v) * TO_FLOAT)) for v in values]


def unit_vector(rng: np.random.Generator, d: int) -> list[int]:
    """A random unit-norm sample scaled by 1e9 (about half the values negative), as clients send it.

    Rounding keeps Σx² within the classifiers' unit-norm band (1e18 ± 1e11): checked here."""
    x = rng.normal(size=d)
    fixed = to_fixed(x / np.linalg.norm(x))
    squared = sum(v * v for v in fixed)
    assert abs(squared - TO_FLOAT**2) < 100 * TO_FLOAT
    return fixed


def pack(values) -> bytes:
    """The packed layout: 8-byte big-endian two's-complement int64 per element."""
    return b"".join(int(v).to_bytes(8, "big", signed=True) for v in values)
