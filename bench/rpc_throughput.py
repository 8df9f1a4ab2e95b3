"""JSON-RPC throughput over loopback HTTP: eth_blockNumber, eth_call, automined transfers.

Run: ``.venv/bin/python bench/rpc_throughput.py`` (or ``make bench``). Starts
``sumchain node --in-memory`` in a subprocess, drives it with aiohttp clients
(one, then several at once), prints a table and rewrites the "JSON-RPC" section
of docs/benchmarks.md. Transactions are signed before the clock starts.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
from datetime import date

import aiohttp
from eth_account import Account

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from node.accounts import DEFAULT_MNEMONIC, derive_accounts  # noqa: E402
from tests.support import calldata, compile_contract  # noqa: E402

DEV_KEYS = [account.private_key for account in derive_accounts(DEFAULT_MNEMONIC, 10)]


def start_node(*extra: str) -> tuple[subprocess.Popen, str]:
    """``sumchain node --in-memory`` on a free port (plus ``extra`` flags); returns it and its URL."""
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "sumchain"), "node", "--in-memory", "--port", "0", "--log-level", "warning", *extra],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    for line in process.stdout:
        if line.startswith("JSON-RPC:"):
            return process, line.split()[1]
    raise RuntimeError("the node did not start")


async def rpc(session: aiohttp.ClientSession, url: str, method: str, params: list) -> dict:
    async with session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}) as response:
        answer = await response.json()
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


async def measure(url: str, label: str, requests: list[tuple[str, list]], clients: int) -> dict:
    """Send ``requests`` split over ``clients`` concurrent connections; rate and latency."""
    latencies: list[float] = []
    print(f"  {label}, {clients} client(s) ...", end="", flush=True)

    async def client(share: list[tuple[str, list]]) -> None:
        async with aiohttp.ClientSession() as session:
            for method, params in share:
                start = time.perf_counter()
                await rpc(session, url, method, params)
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client(requests[i::clients]) for i in range(clients)))
    elapsed = time.perf_counter() - start
    result = {
        "requests_per_second": len(requests) / elapsed,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000,
    }
    print(f" {result['requests_per_second']:,.0f}/s (median {result['median_ms']:.1f} ms)", flush=True)
    return result


def signed_transfers(key: bytes, count: int) -> list[tuple[str, list]]:
    return [
        ("eth_sendRawTransaction", ["0x" + bytes(Account.sign_transaction({
            "nonce": nonce, "to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "value": 1, "gas": 21_000,
            "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "chainId": 31337, "type": 2,
        }, key).raw_transaction).hex()])
        for nonce in range(count)
    ]


async def run(url: str, count: int, clients: int) -> list[tuple[str, int, dict]]:
    async with aiohttp.ClientSession() as session:
        dev = (await rpc(session, url, "eth_accounts", []))[0]
        _, code = compile_contract("Probe.sol", "Probe")
        tx_hash = await rpc(session, url, "eth_sendTransaction", [{"from": dev, "data": "0x" + code.hex()}])
        probe = (await rpc(session, url, "eth_getTransactionReceipt", [tx_hash]))["contractAddress"]
    view = {"to": probe, "data": "0x" + calldata("values(uint256)", 1).hex()}
    rows = []
    for concurrency in (1, clients):
        rows.append(("eth_blockNumber", concurrency, await measure(url, "eth_blockNumber", [("eth_blockNumber", [])] * count, concurrency)))
        rows.append(("eth_call (a view)", concurrency, await measure(url, "eth_call", [("eth_call", [view, "latest"])] * count, concurrency)))
    # one sender per client keeps nonces in order within each connection
    transfers = [signed_transfers(DEV_KEYS[1 + i], count // clients) for i in range(clients)]
    rows.append(("automined transfers", 1, await measure(url, "transfers", transfers[0], 1)))
    mixed = [request for group in zip(*[t for t in transfers[1:]]) for request in group] if clients > 1 else []
    if mixed:
        rows.append(("automined transfers", clients - 1, await measure(url, "transfers", mixed, clients - 1)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    process, url = start_node()
    try:
        rows = asyncio.run(run(url, args.requests, args.clients))
    finally:
        process.terminate()
        process.wait(timeout=60)
    if args.no_doc:
        return
    lines = [
        "## JSON-RPC over HTTP (loopback)",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, with `make bench` (`bench/rpc_throughput.py`, {args.requests} requests "
        "per row; the node runs `--in-memory` in its own process).",
        "",
        "Runs on this shared 2-core machine vary by up to 2x from one to the next. One client is",
        "sequential requests; several clients send at once (the node runs each request on a worker",
        "thread; the chain itself executes one block at a time).",
        "",
        "| workload | clients | requests/s | median ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {clients} | {r['requests_per_second']:,.0f} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} |"
        for name, clients, r in rows
    ]
    write_section("rpc", "\n".join(lines))
    print(json.dumps({"wrote": "docs/benchmarks.md"}))


if __name__ == "__main__":
    main()
