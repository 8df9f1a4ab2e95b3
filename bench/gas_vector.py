"""`sumchain bench gas`, vector operations: the gas of each VectorMath / VectorStore operation through
the precompiles and through the plain-Solidity fallback, measured on a node.

contracts/bench/VectorBench.sol builds each operation's inputs in memory from a seed, brackets only
the library call with gasleft() and emits the gas and the result; `measure` deploys it on a node
(`sumchain node` for the precompiles, `sumchain node --no-ml-precompiles` for the fallback: the
libraries probe the chain at deployment) and sends one transaction per operation and size.
"""
from __future__ import annotations

import math
import time
from typing import Any, Sequence

from contracts.bindings.contract import Connection, Event, Function, TxResult
from contracts.bindings.deploy import creation_code
from contracts.bindings.errors import NodeError, SumError

# In table order; the index is VectorBench's op number.
OPS: list[str] = [
    "dot", "sqDist", "norm", "nearest", "perceptronUpdate", "centroidUpdate", "sparseDot", "sparseAdd",
    "argmax", "countEqual", "store set", "store dot", "store perceptron",
]
MODES = ("precompile", "fallback")
SIZES = (10, 100, 1_000, 10_000)
SEED = 1
TRANSACTION_GAS_CAP = 2**24  # EIP-7825: since Osaka (mainnet, and the default here) a transaction has at most this
EXCEEDS = "exceeds the 2^24 transaction gas cap"
# Store ops whose stored vector is written by `prepare` before the measured transaction.
_PREPARED = {"store dot", "store perceptron"}
# Fallback `prepare` chunk: 2,000 elements = 500 fresh slots, about 11M gas.
_CHUNK = 2_000

_MEASURE = Function("measure", ("uint8", "uint256", "uint256"), ("uint256",))
_PREPARE = Function("prepare", ("uint8", "uint256", "uint256", "uint256", "uint256"))
_MODES = Function("modes", (), ("bool", "bool"))
_MEASURED = Event("Measured", ("uint8", "uint256", "uint256", "bytes32"), (True, False, False, False))

M64 = 2**64 - 1


def value(seed: int, stream: int, i: int) -> int:
    """VectorBench.value: element i of input stream `stream` (splitmix64, mapped to [-1e9, 1e9])."""
    z = ((seed << 40) + (stream << 32) + i + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    z ^= z >> 31
    return z % 2_000_000_001 - 10**9


def steps(sizes: Sequence[int]) -> int:
    """The number of bar updates `measure` makes: one per operation and size."""
    return len(OPS) * len(sizes)


def measure(url: str, mode: str, sizes: Sequence[int], bar, seed: int = SEED) -> list[dict[str, Any]]:
    """Deploy VectorBench on the node at `url` and measure every operation at every size.

    `mode` ("precompile" or "fallback") labels the rows and must be what the node offers (checked
    against the contract's probe). Each measurement is one transaction sent with all the gas a
    transaction may have (Osaka's cap, or the block gas limit if lower): one that runs out of gas
    there is recorded as EXCEEDS."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    conn = Connection.open(url)
    tx_gas = min(TRANSACTION_GAS_CAP, int(conn.client.request("eth_getBlockByNumber", "latest", False)["gasLimit"], 16))
    deployed = conn.send(None, creation_code("VectorBench"))
    address = deployed.contract_address
    precompiles, store = conn.call(address, _MODES)
    found = "precompile" if precompiles and store else "fallback" if not precompiles and not store else "mixed"
    if found != mode:
        raise RuntimeError(f"the node at {url} runs the {found} mode, not {mode}")

    rows = []
    for op_index, op in enumerate(OPS):
        for n in sizes:
            bar.set_postfix_str(f"{op} n={n}")
            row: dict[str, Any] = {"op": op, "n": n, "mode": mode, "status": "ok", "op_gas": None,
                                   "gas_used": None, "seconds": None, "result": None}
            status = _prepare(conn, address, op_index, n, seed, store, tx_gas) if op in _PREPARED else "ok"
            if status == "ok":
                started = time.perf_counter()
                status, tx = _send(conn, address, _MEASURE.encode(op_index, n, seed), tx_gas)
                row["seconds"] = round(time.perf_counter() - started, 3)
                if status == "ok":
                    _, _, used, result = _MEASURED.found_in(tx.logs)[0]
                    row.update(op_gas=used, gas_used=tx.gas_used, result="0x" + result.hex())
            row["status"] = status
            rows.append(row)
            bar.update(1)
    return rows


def _prepare(conn: Connection, address: str, op: int, n: int, seed: int, store: bool, gas: int) -> str:
    """Store op's weights (not measured): natively in one SET, on the fallback in chunks."""
    chunk = n if store else _CHUNK
    for first in range(0, n, chunk):
        status, _ = _send(conn, address, _PREPARE.encode(op, n, seed, first, chunk), gas)
        if status != "ok":
            return status
    return "ok"


def _send(conn: Connection, to: str, data: bytes, gas: int) -> tuple[str, TxResult | None]:
    """Send with `gas` and wait for the receipt: ("ok", the result), or the status of a failure."""
    try:
        tx = conn.send(to, data, gas=gas, check=False)
    except NodeError as error:  # refused before it was mined
        words = error.message.lower()
        if "gas" in words and ("exceed" in words or "limit" in words or "out of" in words):
            return EXCEEDS, None
        return f"error: {error.message}", None
    except SumError as error:
        return f"error: {error}", None
    if tx.status == 1:
        return "ok", tx
    if tx.gas_used >= gas * 0.97 or any(words in tx.reason for words in ("out of gas", "precompile failed",
                                                                          "store call failed")):
        return EXCEEDS, tx
    return f"reverted: {tx.reason}", tx


# ------------------------------------------------------------------ report


def _by_key(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, int, str], dict[str, Any]]:
    return {(row["op"], row["n"], "precompile" if row["mode"] in ("precompile", "native") else "fallback"): row
            for row in rows}


def _cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "–"
    if row["status"] != "ok" or row["op_gas"] is None:
        return f"– ({row['status']})"
    return f"{row['op_gas']:,}"


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The vector-operation table: op | n | precompile gas | fallback gas | fallback / precompile."""
    table = _by_key(rows)
    sizes = sorted({row["n"] for row in rows})
    lines = [
        "Gas of each vector operation, measured on the node: `contracts/bench/VectorBench.sol` builds the "
        "operation's inputs in memory from a seed first (not counted), then brackets only the library call "
        "(`VectorMath` / `VectorStore`) with `gasleft()` inside a transaction, and emits the gas and the result. "
        "The same contract is deployed on `sumchain node` (the libraries take the precompiles) and on "
        "`sumchain node --no-ml-precompiles` (the plain-Solidity fallback); each measurement is one transaction "
        "sent with Osaka's 2^24 gas per transaction (EIP-7825), and one that runs out of gas there is marked "
        f"\"{EXCEEDS}\". "
        "The gas counted includes the memory expansion the operation causes: the inputs here lie side by side "
        "in memory, so VectorMath calls the precompile over them in place; the sparse operations copy theirs "
        "into the precompile's input (docs/precompiles.md). The JSON also has each transaction's receipt "
        "`gasUsed` and wall time. "
        "n is the dimension: nearest has 4 centroids of n, sparse ops n weights and max(1, n/50) indices, "
        "store ops a stored vector of n (width 8 bytes; for store dot and store perceptron it is written "
        "beforehand by setup transactions, not measured; the perceptron step always mispredicts, so it "
        "rewrites the vector).",
        "",
        "| op | n | precompile gas | fallback gas | fallback / precompile |",
        "|---|---:|---:|---:|---:|",
    ]
    for op in OPS:
        for n in sizes:
            native, fallback = table.get((op, n, "precompile")), table.get((op, n, "fallback"))
            if native is None and fallback is None:
                continue
            ratio = "–"
            if native and fallback and native["status"] == fallback["status"] == "ok" and native["op_gas"]:
                ratio = f"{fallback['op_gas'] / native['op_gas']:,.1f}×"
            lines.append(f"| {op} | {n:,} | {_cell(native)} | {_cell(fallback)} | {ratio} |")
    return "\n".join(lines) + "\n"


def chart(rows: Sequence[dict[str, Any]], path) -> None:
    """A PNG: one small log-log plot of op gas against n per operation, a line per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = _by_key(rows)
    ops = [op for op in OPS if any(row["op"] == op for row in rows)]
    columns = 4
    lines = max(1, math.ceil(len(ops) / columns))
    figure, axes = plt.subplots(lines, columns, figsize=(3.2 * columns, 2.6 * lines), squeeze=False)
    styles = {"precompile": ("o-", "tab:blue"), "fallback": ("s--", "tab:red")}
    for ax, op in zip(axes.flat, ops):
        for mode, (style, colour) in styles.items():
            points = sorted((n, row["op_gas"]) for (o, n, m), row in table.items()
                            if o == op and m == mode and row["status"] == "ok" and row["op_gas"])
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], style, color=colour, label=mode,
                        markersize=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op, fontsize=9)
        ax.set_xlabel("n", fontsize=8)
        ax.set_ylabel("gas", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(ops):]:
        ax.set_visible(False)
    if ops:
        axes.flat[0].legend(fontsize=7)
    figure.suptitle("Vector operations: gas through the precompile and the Solidity fallback")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
