"""Shared test helpers: compiling the test contracts and encoding calls."""
from __future__ import annotations

import functools
import json
import pathlib
import queue
import subprocess
import threading

from eth_abi import decode, encode
from eth_account import Account
from eth_hash.auto import keccak

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "tests" / "contracts"
ETHER = 10**18


@functools.lru_cache(maxsize=None)
def compile_contract(file_name: str, contract: str) -> tuple[list, bytes]:
    """(abi, creation bytecode) of a test contract, compiled with the pinned npm solc."""
    source = (CONTRACTS / file_name).read_text()
    standard_input = {
        "language": "Solidity",
        "sources": {file_name: {"content": source}},
        "settings": {
            "evmVersion": "cancun",
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    result = subprocess.run(
        ["node", str(ROOT / "contracts" / "solc.js")],
        input=json.dumps(standard_input), capture_output=True, text=True, check=True, cwd=ROOT,
    )
    output = json.loads(result.stdout)
    errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert not errors, errors
    compiled = output["contracts"][file_name][contract]
    return compiled["abi"], bytes.fromhex(compiled["evm"]["bytecode"]["object"])


def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def calldata(signature: str, *args) -> bytes:
    types = signature[signature.index("(") + 1 : -1]
    arg_types = [t for t in types.split(",") if t]
    return selector(signature) + encode(arg_types, list(args))


def decode_output(types: list[str], data: bytes) -> tuple:
    return decode(types, data)


def topic(signature: str) -> bytes:
    return keccak(signature.encode())


def sign(private_key: bytes, **fields) -> bytes:
    """A raw signed transaction; dynamic-fee unless ``gasPrice`` is given."""
    tx = {"value": 0, "gas": 21_000, "chainId": 31337, "data": b""}
    if "gasPrice" not in fields:
        tx.update(maxFeePerGas=10**10, maxPriorityFeePerGas=10**9, type=2)
    tx.update(fields)
    return bytes(Account.sign_transaction(tx, private_key).raw_transaction)


class OutputReader:
    """A subprocess's stdout lines and stderr, read by threads so that waits can time out."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()  # None marks the end of stdout
        self._stderr: list[str | None] = []
        self._threads = [
            threading.Thread(target=self._pump, args=(proc.stdout, self.lines.put), daemon=True),
            threading.Thread(target=self._pump, args=(proc.stderr, self._stderr.append), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _pump(stream, sink) -> None:
        for line in stream:
            sink(line)
        sink(None)

    @property
    def stderr(self) -> str:
        return "".join(part for part in self._stderr if part is not None)


def forwarder(address: int, gas: int | None = None) -> bytes:
    """Code that STATICCALLs ``address`` with its calldata (and ``gas``, or all it has) and returns the result."""
    gas_code = "5a" if gas is None else "62" + gas.to_bytes(3, "big").hex()  # GAS, or PUSH3 gas
    return bytes.fromhex(
        "365f5f37"  # CALLDATACOPY(0, 0, CALLDATASIZE)
        f"5f5f365f61{address:04x}{gas_code}fa50"  # STATICCALL(gas, address, 0, CALLDATASIZE, 0, 0); POP
        "3d5f5f3e"  # RETURNDATACOPY(0, 0, RETURNDATASIZE)
        "3d5ff3"  # RETURN(0, RETURNDATASIZE)
    )
