"""JSON-RPC over loopback HTTP: sumchain beside another node (Hardhat Network, Anvil, Ganache).

Run: ``sumchain bench node [--against URL]`` (or ``.venv/bin/python -m bench.node``). Starts a fresh
``sumchain node --in-memory`` (with the ML precompiles), and measures, with one client (sequential
requests) and with ``--clients`` concurrent clients (aiohttp, one connection each):

- ``eth_blockNumber``;
- ``eth_call`` of a view that reads one storage slot (``NodeBench.values(uint256)``,
  contracts/bench/NodeBench.sol);
- ``eth_getLogs`` returning the 50 ``Stored`` logs of 50 ``NodeBench.store`` transactions;
- automined transfers (1 wei, signed raw type-2 transactions; one sender per client);
- ``predict``: ``eth_call`` of the SUM classifier's ``predict(int64[])`` on the d=1,000 model below
  (a quarter of the read rows' requests: each is a 32 KB call);
- SUM ``addData(int64[],uint64)`` on a d=1,000 dense perceptron with a Stakeable64 incentive
  (unit-norm random samples scaled by 1e9, random labels; one sender per client).

With ``--mine N`` each node then mines N empty blocks (``anvil_mine``, or ``hardhat_mine`` on
Hardhat, 10,000 a request), and sumchain's resident size is read from /proc before and after
(``rss_mib``, ``rss_mib_after_mining`` in its node entry): its caches are bounded, so mining more
blocks must not grow it without limit.

With ``--against URL`` the same workload then runs on that node. It needs only the standard API and
one unlocked account (its first ``eth_accounts``): no mnemonic or chain id is assumed. The bench keys
are derived here (keccak of a fixed text and an index), funded from that account, and every
transaction is signed before the clock starts (fees from the latest block: ``maxFeePerGas`` =
2 x base fee + 1 gwei tip). The SUM contracts are the same on both nodes: deployed on a node without
the ML precompiles they take their plain-Solidity paths by themselves (``mode`` below says which).

A read workload's rate is requests / wall time. A transaction workload's rate is transactions / the
wall time from the first send until the last receipt is available (polled with
``eth_getTransactionReceipt`` where the send returns before the block is mined); its latency is the
time of each ``eth_sendRawTransaction`` call. After each transaction workload (off the clock) every
receipt is checked for status 1.

Writes bench/results/node.json, the "node" section of docs/benchmarks.md and docs/node.png, or with
``--out DIR`` DIR/node.json, DIR/node.md and DIR/node.png; ``--quick`` (small counts) without
``--out`` only prints.

node.json::

    {
      "machine": {...bench.harness.machine(): date, machine, cores, memory_gib, python, system},
      "command": "sumchain bench node --against http://127.0.0.1:8545",
      "settings": {"requests": 1000, "transfers": 500, "adds": 40, "clients": 4, "quick": false,
                   "logs": 50, "dimension": 1000},
      "nodes": [{"name": "sumchain", "url": ..., "client_version": "sumchain/...", "chain_id": 31337,
                 "mode": "precompiles" | "fallback",      # VDOT at 0x0501 answers or not
                 "deploy_transactions": 11, "deploy_gas": ..., "deploy_seconds": ...,
                 "add_data_gas_limit": ...,                # one eth_estimateGas x 1.25
                 "add_data_gas_used": ...}],              # median gasUsed of the measured addData
      "rows": [{"workload": "eth_blockNumber" | "eth_call" | "eth_getLogs" | "transfers" | "addData",
                "unit": "requests" | "transactions", "clients": 1, "node": "sumchain",
                "count": 1000, "seconds": ..., "per_second": ..., "median_ms": ..., "p95_ms": ...}]
    }
"""
from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import re
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import aiohttp
import numpy as np
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from bench.harness import child_rss_mib, machine, progress, sumchain_node
from bench.report import DOC, write_section
from contracts.bindings.contract import Connection, Function, artifact
from contracts.bindings.deploy import STAKEABLE, IncentiveSettings, deploy
from contracts.bindings.errors import SumError
from contracts.bindings.model import parse_model
from contracts.bindings.trainer import ADD_DATA, NEXT_COST, PREDICT, normalize

ROOT = pathlib.Path(__file__).resolve().parent.parent
STORE = Function("store", ("uint256", "uint256"))  # contracts/bench/NodeBench.sol
VALUES = Function("values", ("uint256",), ("uint256",))

RESULTS = ROOT / "bench" / "results" / "node.json"
CHART = ROOT / "docs" / "node.png"
OURS = "sumchain"
OWN_NODE = "sumchain node --in-memory"  # in the command line of the node bench.harness starts
WORKLOADS = ("eth_blockNumber", "eth_call", "eth_getLogs", "predict", "transfers", "addData")
MODEL_WORKLOADS = ("predict", "addData")  # the d=1000 model is deployed when one of them runs
TRANSACTIONS = ("transfers", "addData")
LABELS = {"eth_blockNumber": "eth_blockNumber", "eth_call": "eth_call (a view reading one storage slot)",
          "eth_getLogs": "eth_getLogs (50 logs)", "predict": "SUM predict (eth_call), d=1000",
          "transfers": "automined transfers",
          "addData": "SUM addData, d=1000 perceptron"}
LOGS = 50
DIMENSION = 1000
ETHER = 10**18
FUNDING = 10 * ETHER
TIP = 10**9
COST_WEIGHT = 10**9
# Stakeable64's deposit is costWeight * 3600 / isqrt(seconds since the last contribution), at most
# costWeight * 3600 (no time passed): sending that much always pays enough; the excess comes back.
DEPOSIT = COST_WEIGHT * 3600
INCENTIVE = IncentiveSettings(kind=STAKEABLE, refund_wait_s=0, owner_claim_wait_s=0, any_address_claim_wait_s=0,
                              cost_weight=COST_WEIGHT)
RECIPIENT = to_checksum_address(keccak(text="sumchain bench node: recipient")[:20])
# VectorMath.precompilesAvailable(): VDOT (0x0501) of [1, -2] and [3, 4] in words is -5.
VDOT_PROBE = {"to": "0x" + "0501".rjust(40, "0"), "data": "0x00" + "".join(
    (v % 2**256).to_bytes(32, "big").hex() for v in (2, 1, -2, 2, 3, 4))}
QUICK = {"requests": 50, "transfers": 20, "adds": 4, "clients": 2}
TIMEOUT = aiohttp.ClientTimeout(total=300)


class BenchError(Exception):
    """A node refused or failed part of the workload: reported in one line."""


# ---------------------------------------------------------------- JSON-RPC

async def rpc(session: aiohttp.ClientSession, url: str, method: str, params: list) -> Any:
    async with session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}) as response:
        try:
            answer = await response.json(content_type=None)
        except ValueError:
            raise BenchError(f"{method}: HTTP {response.status}, not JSON-RPC") from None
    if not isinstance(answer, dict):
        raise BenchError(f"{method}: not a JSON-RPC answer")
    if answer.get("error") is not None:
        error = answer["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise BenchError(f"{method}: {message}")
    return answer.get("result")


async def receipt(session: aiohttp.ClientSession, url: str, tx_hash: str, timeout: float = 300.0,
                  interval: float = 0.05) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = await rpc(session, url, "eth_getTransactionReceipt", [tx_hash])
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise BenchError(f"transaction {tx_hash} was not mined within {timeout:g}s")
        await asyncio.sleep(interval)


# ---------------------------------------------------------------- a node and its set-up

def bench_key(index: int) -> bytes:
    return keccak(text=f"sumchain bench node: sender {index}")


@dataclass
class Node:
    """A node under test and what the set-up left on it."""

    name: str
    url: str
    client_version: str = ""
    chain_id: int = 0
    mode: str = "unknown"
    dev: str = ""
    keys: list[bytes] = field(default_factory=list)
    nonces: dict[bytes, int] = field(default_factory=dict)
    bench_contract: str = ""
    trainer: str = ""
    classifier: str = ""
    add_gas: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "client_version": self.client_version,
                "chain_id": self.chain_id, "mode": self.mode, **self.info}


def node_name(client_version: str) -> str:
    """'HardhatNetwork/2.29.1/@ethereumjs/vm/...' -> 'HardhatNetwork 2.29.1'; 'anvil/v1.7.1' -> 'anvil v1.7.1';
    'anvil/sumchain/v0.1.0/...' (sumchain answers as Anvil-compatible) -> 'sumchain v0.1.0'."""
    parts = [p for p in client_version.split("/") if p]
    if parts[:2] == ["anvil", "sumchain"]:
        parts = parts[1:]
    return " ".join(parts[:2]) if parts else "other"


async def identify(url: str) -> tuple[str, int, str]:
    """(client version, chain id, mode) of the node at url; BenchError when it does not answer."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            version = await rpc(session, url, "web3_clientVersion", [])
            chain_id = int(await rpc(session, url, "eth_chainId", []), 16)
            try:
                out = await rpc(session, url, "eth_call", [VDOT_PROBE, "latest"])
                answered = isinstance(out, str) and len(out) == 66 and int(out, 16) == 2**256 - 5
                mode = "precompiles" if answered else "fallback"
            except BenchError:
                mode = "fallback"
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        raise BenchError(f"cannot reach a node at {url}: {error or type(error).__name__}") from None
    return str(version), chain_id, mode


async def setup(node: Node, clients: int, rng: np.random.Generator, model: bool) -> None:
    """Fund the bench keys, deploy NodeBench with LOGS Stored logs and the d=1000 SUM model."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        accounts = await rpc(session, node.url, "eth_accounts", [])
        if not accounts:
            raise BenchError("the node has no unlocked account (eth_accounts is empty) to fund the bench from")
        node.dev = to_checksum_address(accounts[0])
        node.keys = [bench_key(i) for i in range(max(clients, 1))]
        bar = progress(len(node.keys) + 1 + LOGS, f"{node.name}: funding, NodeBench and {LOGS} logs")
        hashes = []
        for key in node.keys:
            address = Account.from_key(key).address
            hashes.append(await rpc(session, node.url, "eth_sendTransaction", [
                {"from": node.dev, "to": address, "value": hex(FUNDING), "gas": hex(21_000)}]))
        for tx_hash in hashes:
            await _succeeded(session, node.url, tx_hash, "funding a bench key")
            bar.update()
        for key in node.keys:
            address = Account.from_key(key).address
            node.nonces[key] = int(await rpc(session, node.url, "eth_getTransactionCount", [address, "pending"]), 16)
        # Explicit gas limits: Ganache's eth_sendTransaction defaults to 90,000.
        creation = {"from": node.dev, "data": artifact("NodeBench")["bytecode"]}
        gas = int(await rpc(session, node.url, "eth_estimateGas", [creation]), 16)
        tx_hash = await rpc(session, node.url, "eth_sendTransaction", [{**creation, "gas": hex(gas * 5 // 4)}])
        node.bench_contract = (await _succeeded(session, node.url, tx_hash, "deploying NodeBench"))["contractAddress"]
        bar.update()
        for i in range(LOGS):
            tx_hash = await rpc(session, node.url, "eth_sendTransaction", [{
                "from": node.dev, "to": node.bench_contract, "gas": hex(100_000),
                "data": "0x" + STORE.encode(i, i + 1).hex()}])
            await _succeeded(session, node.url, tx_hash, "NodeBench.store")
            bar.update()
        bar.close()
    if model:
        deploy_model(node, rng)


async def _succeeded(session: aiohttp.ClientSession, url: str, tx_hash: str, what: str) -> dict:
    found = await receipt(session, url, tx_hash)
    if int(found["status"], 16) != 1:
        raise BenchError(f"{what} failed (transaction {tx_hash})")
    return found


def deploy_model(node: Node, rng: np.random.Generator) -> None:
    document = {"type": "dense perceptron", "classifications": ["NEGATIVE", "POSITIVE"],
                "weights": rng.normal(size=DIMENSION).tolist(), "intercept": 0.0, "learningRate": 1.0}
    conn = Connection.open(node.url, node.dev)
    bar = progress(None, f"{node.name}: deploying a d={DIMENSION} dense perceptron ({node.mode})")
    started = time.perf_counter()
    deployment = deploy(conn, parse_model(document), f"bench d={DIMENSION}", incentive=INCENTIVE,
                        on_step=lambda step: bar.update())
    bar.close()
    seconds = time.perf_counter() - started
    node.trainer, node.classifier = deployment.trainer, deployment.classifier
    cost = conn.call(deployment.incentive_mechanism, NEXT_COST)
    if cost > DEPOSIT:
        raise BenchError(f"the next addData costs {cost} wei, more than the {DEPOSIT} sent")
    # The heavier case: the model disagrees with the label and updates.
    sample = normalize(rng.normal(size=DIMENSION).tolist())
    label = 1 - conn.call(node.classifier, PREDICT, sample)
    estimate = conn.estimate(node.trainer, ADD_DATA.encode(sample, label), DEPOSIT)
    node.add_gas = estimate * 5 // 4
    node.info.update(deploy_transactions=len(deployment.steps),
                     deploy_gas=sum(step.gas_used for step in deployment.steps),
                     deploy_seconds=round(seconds, 2), add_data_gas_limit=node.add_gas)
    print(f"  {node.name}: deployed the d={DIMENSION} model in {len(deployment.steps)} transactions, "
          f"{node.info['deploy_gas']:,} gas, {seconds:.1f} s; addData gas limit {node.add_gas:,}", file=sys.stderr)


async def fees(node: Node) -> int:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        block = await rpc(session, node.url, "eth_getBlockByNumber", ["latest", False])
    return 2 * int(block.get("baseFeePerGas") or "0x0", 16) + TIP


def sign(node: Node, key: bytes, max_fee: int, **fields: Any) -> str:
    nonce = node.nonces[key]
    node.nonces[key] = nonce + 1
    tx = {"type": 2, "chainId": node.chain_id, "nonce": nonce, "maxFeePerGas": max_fee,
          "maxPriorityFeePerGas": TIP, "value": 0, "data": b"", **fields}
    return "0x" + bytes(Account.sign_transaction(tx, key).raw_transaction).hex()


# ---------------------------------------------------------------- measuring

def row(node: Node, workload: str, clients: int, latencies: list[float], seconds: float) -> dict[str, Any]:
    return {"workload": workload, "unit": "transactions" if workload in TRANSACTIONS else "requests",
            "clients": clients, "node": node.name, "count": len(latencies), "seconds": round(seconds, 4),
            "per_second": len(latencies) / seconds, "median_ms": statistics.median(latencies) * 1000,
            "p95_ms": float(np.percentile(latencies, 95)) * 1000}


def _print(r: dict[str, Any]) -> None:
    print(f"  {r['node']}: {r['workload']}, {r['clients']} client(s): {r['per_second']:,.1f}/s "
          f"(median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, {r['count']} {r['unit']})", flush=True)


async def reads(node: Node, workload: str, method: str, params: list, count: int, clients: int,
                check: Callable[[Any], None]) -> dict[str, Any]:
    latencies: list[float] = []

    async def client(n: int) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            check(await rpc(session, node.url, method, params))  # a warm connection, and the answer checked
            await ready.wait()
            for _ in range(n):
                start = time.perf_counter()
                await rpc(session, node.url, method, params)
                latencies.append(time.perf_counter() - start)

    ready = asyncio.Event()
    tasks = [asyncio.create_task(client(count // clients + (i < count % clients))) for i in range(clients)]
    await asyncio.sleep(0.2)  # every client connected and checked its first answer
    start = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return row(node, workload, clients, latencies, time.perf_counter() - start)


async def transactions(node: Node, workload: str, shares: list[list[str]]) -> dict[str, Any]:
    """Send each share's presigned transactions in order on its own connection; the clock stops when
    the last of every share's receipts is available."""
    latencies: list[float] = []
    hashes: list[list[str]] = [[] for _ in shares]

    async def client(index: int, raws: list[str]) -> float:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            await rpc(session, node.url, "eth_blockNumber", [])  # a warm connection
            await ready.wait()
            for raw in raws:
                start = time.perf_counter()
                hashes[index].append(await rpc(session, node.url, "eth_sendRawTransaction", [raw]))
                latencies.append(time.perf_counter() - start)
            await receipt(session, node.url, hashes[index][-1], interval=0.002)
            return time.perf_counter()

    ready = asyncio.Event()
    tasks = [asyncio.create_task(client(i, share)) for i, share in enumerate(shares)]
    await asyncio.sleep(0.2)
    start = time.perf_counter()
    ready.set()
    ends = await asyncio.gather(*tasks)
    found = row(node, workload, len(shares), latencies, max(ends) - start)
    # Off the clock: every transaction was mined and succeeded.
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        for tx_hash in (h for share in hashes for h in share):
            got = await receipt(session, node.url, tx_hash)
            if int(got["status"], 16) != 1:
                raise BenchError(f"a measured {workload} transaction failed ({tx_hash})")
            if workload == "addData":
                node.info.setdefault("_gas_used", []).append(int(got["gasUsed"], 16))
    return found


async def workloads(node: Node, settings: dict[str, int], rng: np.random.Generator) -> list[dict[str, Any]]:
    rows = []
    view = {"to": node.bench_contract, "data": "0x" + VALUES.encode(1).hex()}
    filter_ = {"address": node.bench_contract, "fromBlock": "0x0", "toBlock": "latest"}

    def expect_logs(logs: Any) -> None:
        if not isinstance(logs, list) or len(logs) != LOGS:
            raise BenchError(f"eth_getLogs returned {len(logs) if isinstance(logs, list) else logs!r} logs, not {LOGS}")

    def expect_value(out: Any) -> None:
        if not isinstance(out, str) or int(out, 16) != 2:
            raise BenchError(f"eth_call of NodeBench.values(1) returned {out!r}, not 2")

    def expect_class(out: Any) -> None:
        if not isinstance(out, str) or int(out, 16) not in (0, 1):
            raise BenchError(f"predict returned {out!r}, not a class of the two")

    requests = settings["requests"]
    reads_ = [("eth_blockNumber", "eth_blockNumber", [], lambda out: None, requests),
              ("eth_call", "eth_call", [view, "latest"], expect_value, requests),
              ("eth_getLogs", "eth_getLogs", [filter_], expect_logs, requests)]
    if node.classifier:
        sample = normalize(rng.normal(size=DIMENSION).tolist())
        predict = {"to": node.classifier, "data": "0x" + PREDICT.encode(sample).hex()}
        reads_.append(("predict", "eth_call", [predict, "latest"], expect_class,
                       max(requests // 4, settings["clients"])))
    counts = sorted({1, settings["clients"]})
    skip = settings["skip"]
    for workload, method, params, check, count in reads_:
        for clients in (counts if workload not in skip else []):
            rows.append(await _step(node, workload, reads(node, workload, method, params, count, clients, check)))
    for clients in (counts if "transfers" not in skip else []):
        max_fee = await fees(node)
        shares = [[sign(node, key, max_fee, to=RECIPIENT, value=1, gas=21_000)
                   for _ in range(settings["transfers"] // clients + (i < settings["transfers"] % clients))]
                  for i, key in enumerate(node.keys[:clients])]
        rows.append(await _step(node, "transfers", transactions(node, "transfers", shares)))
    for clients in (counts if "addData" not in skip else []):
        max_fee = await fees(node)
        shares = []
        for i, key in enumerate(node.keys[:clients]):
            share = []
            for _ in range(settings["adds"] // clients + (i < settings["adds"] % clients)):
                sample = normalize(rng.normal(size=DIMENSION).tolist())
                data = ADD_DATA.encode(sample, int(rng.integers(0, 2)))
                share.append(sign(node, key, max_fee, to=node.trainer, value=DEPOSIT, gas=node.add_gas, data=data))
            shares.append(share)
        rows.append(await _step(node, "addData", transactions(node, "addData", shares)))
    gas_used = node.info.pop("_gas_used", [])
    if gas_used:
        node.info["add_data_gas_used"] = int(statistics.median(gas_used))
    return rows


async def _step(node: Node, workload: str, measuring: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    try:
        found = await measuring
    except BenchError as error:
        raise BenchError(f"{workload}: {error}") from None
    _print(found)
    return found


async def run_node(node: Node, settings: dict[str, int]) -> list[dict[str, Any]]:
    node.client_version, node.chain_id, node.mode = await identify(node.url)
    print(f"{node.name}: {node.client_version} at {node.url}, chain id {node.chain_id}, {node.mode}", flush=True)
    rng = np.random.default_rng(17)
    await setup(node, settings["clients"], rng, model=not set(MODEL_WORKLOADS) <= set(settings["skip"]))
    rows = await workloads(node, settings, rng)
    if node.name == OURS:
        node.info["rss_mib"] = child_rss_mib(OWN_NODE)
    if settings["mine"]:
        await mine(node, settings["mine"])
    return rows


MINE_CHUNK = 10_000  # blocks one anvil_mine may make on sumchain (node.chain.MAX_MINED_BLOCKS)


async def mine(node: Node, blocks: int) -> None:
    """Mine ``blocks`` empty blocks; sumchain's resident size after them goes in its node entry."""
    method = "hardhat_mine" if node.client_version.lower().startswith("hardhat") else "anvil_mine"
    bar = progress(blocks, f"{node.name}: mining {blocks:,} blocks")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3600)) as session:
        done = 0
        while done < blocks:
            chunk = min(MINE_CHUNK, blocks - done)
            await rpc(session, node.url, method, [hex(chunk)])
            done += chunk
            bar.update(chunk)
    bar.close()
    node.info["blocks_mined"] = blocks
    if node.name == OURS:
        node.info["rss_mib_after_mining"] = child_rss_mib(OWN_NODE)
        print(f"  {node.name}: resident {node.info['rss_mib']} MiB after the workloads, "
              f"{node.info['rss_mib_after_mining']} MiB after {blocks:,} more blocks", file=sys.stderr)


def measure_node(node: Node, settings: dict[str, int]) -> list[dict[str, Any]]:
    """Every workload on one node; any failure there is a BenchError naming the node."""
    try:
        return asyncio.run(run_node(node, settings))
    except BenchError as error:
        raise BenchError(f"{node.name} ({node.url}): {error}") from None
    except SumError as error:
        hint = (" (the SUM contracts are built for Prague and use Cancun's MCOPY: the node must run Cancun or "
                "later; --skip addData runs the rest)") if "invalid opcode" in str(error).lower() else ""
        raise BenchError(f"{node.name} ({node.url}): deploying the SUM model: {error}{hint}") from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        raise BenchError(f"{node.name} ({node.url}): {type(error).__name__}: {error}") from None


# ---------------------------------------------------------------- reporting

def _find(rows: list[dict[str, Any]], workload: str, clients: int, node: str) -> dict[str, Any] | None:
    return next((r for r in rows if (r["workload"], r["clients"], r["node"]) == (workload, clients, node)), None)


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


# What bounds sumchain's rows: measured with py-spy and cProfile (docs/benchmarks.md shows it once).
WHAT_BOUNDS = [
    "What bounds sumchain (profiled with py-spy and cProfile; the chain executes one block at a time "
    "under a lock and Python's GIL serialises the rest, so several clients overlap only HTTP and JSON "
    "work; Hardhat Network (EDR) and Anvil execute in Rust, Ganache in JavaScript):",
    "",
    "- `eth_blockNumber`: the aiohttp server and JSON handling alone, about 0.6 ms a request.",
    "- `eth_call`: about 1 ms of Python a call besides HTTP. py-evm builds a fresh state, a spoofed "
    "transaction and an EVM message per call, charges and refunds the fee as for a real transaction "
    "(`build_evm_message`, `finalize_computation`), and reads each account through its pure-Python "
    "trie. Removed already: the call's header is now made once per head and second (it was a fifth of "
    "a short call), the timeout inspector's opcode table once per inspector type (a tenth), and keccak "
    "runs through safe-pysha3 (2 us a hash instead of 10).",
    "- Automined transfers: about 5 ms of Python per block: the state root in py-evm's pure-Python trie "
    "(about 40%: sender, recipient, coinbase and Prague's two system contracts with their storage), "
    "the transaction itself (20%), Prague's system calls before and after it (20%). Removed already: "
    "generator-based trie nibble helpers (replaced by C-level ones, +15%).",
    "- SUM addData, d=1,000: about 20 ms per transaction in the process, two thirds of it py-evm "
    "interpreting the trainer, data handler, incentive mechanism and classifier bytecode (the "
    "precompile's 1,000-element perceptron step is well under a millisecond), the rest the block. "
    "rusty-rlp decoded the 32 KB sample at 40 ns a byte; long items now go to pyrlp's Python decoder "
    "(-2 ms a transaction).",
    "",
    "Runs on this shared 2-core machine vary by up to 1.5x within an hour, and the other node shares "
    "the cores (it idles while sumchain is measured, and sumchain is stopped before the other node "
    "is): compare figures of the same run.",
    "",
]


# The goals against Hardhat Network on the same machine: (workload, least ratio).
GOALS = (("eth_call", 1.0), ("transfers", 1.0), ("addData", 5.0))


def goals(rows: list[dict[str, Any]], ours: str, hardhat: str) -> list[str]:
    """The goals against Hardhat, met or not, for each client count measured."""
    lines = ["| goal | clients | sumchain / Hardhat | met |", "|---|---|---|---|"]
    for workload, least in GOALS:
        for clients in sorted({r["clients"] for r in rows if r["workload"] == workload}):
            mine, theirs = _find(rows, workload, clients, ours), _find(rows, workload, clients, hardhat)
            if mine and theirs:
                ratio = mine["per_second"] / theirs["per_second"]
                lines.append(f"| {LABELS[workload]}: at least {least:g}x Hardhat's rate | {clients} | {ratio:.2f}x | "
                             f"{'✓' if ratio >= least else '✗'} |")
    return lines + [""]


def markdown(result: dict[str, Any], chart_name: str = "node.png") -> str:
    m, settings, rows = result["machine"], result["settings"], result["rows"]
    ours = result["nodes"][0]
    other = result["nodes"][1] if len(result["nodes"]) > 1 else None
    lines = [
        "## JSON-RPC over HTTP (loopback)" + (f": sumchain beside {other['name']}" if other else ""),
        "",
        f"Measured {m['date']} on {m['machine']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"with `{result['command']}`.",
        "",
        f"Nodes: sumchain (`{ours['client_version']}`, `--in-memory`, mode {ours['mode']})"
        + (f" and {other['name']} (`{other['client_version']}`, mode {other['mode']})" if other else "") + ". "
        "Mode says whether the node answers the ML precompiles (VDOT at 0x0501); on a node without them "
        "the same SUM contracts take their plain-Solidity paths by themselves.",
        "",
        f"Each read row is {settings['requests']:,} requests; transfers {settings['transfers']:,} and addData "
        f"{settings['adds']:,} transactions, all signed before the clock starts, one sender per client. "
        "One client sends sequentially; several clients send at once, each on its own connection. A "
        "transaction rate is the count over the time from the first send until the last receipt is "
        "available; latency is each send call (on sumchain the automined block is sealed within it)."
        + (" Anvil answers eth_sendRawTransaction before it mines the block: its send latency is only "
           "the admission to its pool." if other and other["name"].lower().startswith("anvil") else ""),
        "",
    ]
    head = "| workload | clients | sumchain /s | median ms | p95 ms |"
    rule = "|---|---|---|---|---|"
    if other:
        head += f" {other['name']} /s | median ms | p95 ms | ratio |"
        rule += "---|---|---|---|"
    lines += [head, rule]
    for workload in WORKLOADS:
        for clients in sorted({r["clients"] for r in rows if r["workload"] == workload}):
            mine = _find(rows, workload, clients, ours["name"])
            if mine is None:
                continue
            line = (f"| {LABELS[workload]} | {clients} | {_rate(mine['per_second'])} | {mine['median_ms']:.2f} | "
                    f"{mine['p95_ms']:.2f} |")
            theirs = _find(rows, workload, clients, other["name"]) if other else None
            if other and theirs:
                line += (f" {_rate(theirs['per_second'])} | {theirs['median_ms']:.2f} | {theirs['p95_ms']:.2f} | "
                         f"{mine['per_second'] / theirs['per_second']:.2f} |")
            elif other:
                line += " – | – | – | – |"
            lines.append(line)
    lines.append("")
    if other:
        lines += ["ratio = sumchain's rate / the other node's (above 1: sumchain is faster).", ""]
    if other and other["name"].lower().startswith("hardhat"):
        lines += goals(rows, ours["name"], other["name"])
    if not set(MODEL_WORKLOADS) <= set(settings.get("skip", [])):
        lines += [f"SUM model: d={settings['dimension']:,} dense perceptron, Stakeable64 (cost weight 1e9 wei), "
                  "deployed through `contracts.bindings`; "
                  + "; ".join(f"{n['name']} ({n['mode']}): {n.get('deploy_transactions', 0)} deployment "
                              f"transactions, {n.get('deploy_gas', 0):,} gas in {n.get('deploy_seconds', 0):.1f} s, "
                              f"median addData gasUsed {n.get('add_data_gas_used', 0):,}" for n in result["nodes"])
                  + ".", ""]
    if ours.get("rss_mib") is not None:
        lines += [f"sumchain's resident size: {ours['rss_mib']:,} MiB after the workloads"
                  + (f", {ours['rss_mib_after_mining']:,} MiB after {ours['blocks_mined']:,} more (empty) blocks"
                     if ours.get("rss_mib_after_mining") is not None else "") + ".", ""]
    if other:  # the profile is told once, in the section of sumchain alone
        lines += ["What bounds sumchain: see \"JSON-RPC over HTTP (loopback)\", the section of sumchain alone.", ""]
    else:
        lines += WHAT_BOUNDS
    lines.append(f"![requests and transactions per second]({chart_name})")
    return "\n".join(lines)


def chart(result: dict[str, Any], path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, names = result["rows"], [n["name"] for n in result["nodes"]]
    groups = [(w, c) for w in WORKLOADS for c in sorted({r["clients"] for r in rows if r["workload"] == w})]
    positions = np.arange(len(groups))
    width = 0.8 / len(names)
    figure, axis = plt.subplots(figsize=(max(8.0, 1.1 * len(groups)), 4.8))
    for offset, name in enumerate(names):
        values = [(_find(rows, w, c, name) or {}).get("per_second", np.nan) for w, c in groups]
        bars = axis.bar(positions + (offset - (len(names) - 1) / 2) * width, values, width, label=name)
        axis.bar_label(bars, labels=[_rate(v) if v == v else "" for v in values], fontsize=6, rotation=90,
                       padding=2)
    axis.set_yscale("log")
    axis.set_ylabel("requests or transactions per second (log)")
    short = {"eth_blockNumber": "blockNumber", "eth_call": "eth_call", "eth_getLogs": "getLogs (50)",
             "predict": "SUM predict", "transfers": "transfers", "addData": "SUM addData"}
    axis.set_xticks(positions, [f"{short[w]}\n{c} client{'s' * (c > 1)}" for w, c in groups], fontsize=8)
    low, high = axis.get_ylim()
    axis.set_ylim(low, high * 2)  # room for the bars' labels
    axis.legend(fontsize=8)
    axis.set_title(f"JSON-RPC over loopback HTTP, {result['machine']['date']}, {result['machine']['cores']} cores")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# ---------------------------------------------------------------- main

def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sumchain bench node", description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="URL", help="also run the workload on the node at URL (Hardhat "
                        "Network, Anvil, Ganache ...: needs one unlocked account) and compare")
    parser.add_argument("--requests", type=int, default=1000, metavar="N", help="requests per read row (1000)")
    parser.add_argument("--transfers", type=int, default=500, metavar="N", help="transfers per row (500)")
    parser.add_argument("--adds", type=int, default=40, metavar="N", help="addData transactions per row (40)")
    parser.add_argument("--clients", type=int, default=4, metavar="N", help="concurrent clients (4)")
    parser.add_argument("--mine", type=int, default=0, metavar="N", help="then mine N empty blocks on each node "
                        "and report sumchain's resident size after them (0)")
    parser.add_argument("--skip", action="append", default=[], choices=WORKLOADS, metavar="WORKLOAD",
                        help=f"leave a workload out (repeatable): {', '.join(WORKLOADS)}")
    parser.add_argument("--quick", action="store_true",
                        help=f"small counts ({', '.join(f'{k} {v}' for k, v in QUICK.items())}); prints only "
                             "unless --out is given")
    parser.add_argument("--out", metavar="DIR", type=pathlib.Path,
                        help="write node.json, node.md and node.png into DIR instead of bench/results and docs/")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    if args.mine < 0:
        parser.error("--mine must be at least 0")
    for name in ("requests", "transfers", "adds", "clients"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    for name in ("requests", "transfers", "adds"):
        if getattr(args, name) < args.clients:
            parser.error(f"--{name} must be at least --clients ({args.clients})")
    return args


def slug(name: str) -> str:
    """'HardhatNetwork 2.29.1' -> 'hardhat', 'anvil v1.7.1' -> 'anvil', 'sumchain (no precompiles)' -> 'sumchain-no-precompiles'."""
    words = re.findall(r"[a-z]+", name.lower().replace("hardhatnetwork", "hardhat"))
    return "-".join(word for word in words if word != "v") or "other"


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else [str(a) for a in argv]
    args = parse(raw)
    settings = {"requests": args.requests, "transfers": args.transfers, "adds": args.adds, "clients": args.clients,
                "quick": args.quick, "mine": args.mine, "skip": sorted(set(args.skip)), "logs": LOGS, "dimension": DIMENSION}
    started = time.perf_counter()
    try:
        other = None
        if args.against:
            version, _, mode = asyncio.run(identify(args.against))
            name = node_name(version)
            if name.lower().startswith(OURS):  # another sumchain: told apart by its mode
                name = f"{OURS} ({'no precompiles' if mode == 'fallback' else 'other'})"
            other = Node(name, args.against)
        with sumchain_node() as url:
            ours = Node(OURS, url)
            rows = measure_node(ours, settings)
        nodes = [ours]
        if other is not None:
            rows += measure_node(other, settings)
            nodes.append(other)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result = {"machine": machine(), "command": shlex.join(["sumchain", "bench", "node", *raw]),
              "settings": settings, "nodes": [n.describe() for n in nodes], "rows": rows}
    text = markdown(result)
    print(f"\n{text}\n\n({time.perf_counter() - started:.0f} s)")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "node.json").write_text(json.dumps(result, indent=2) + "\n")
        (args.out / "node.md").write_text(text + "\n")
        chart(result, args.out / "node.png")
        print(f"wrote {args.out / 'node.json'}, {args.out / 'node.md'}, {args.out / 'node.png'}")
    elif not args.quick:
        name = "node" if other is None else f"node-vs-{slug(other.name)}"  # one section per comparison
        results, chart_path = RESULTS.with_name(f"{name}.json"), CHART.with_name(f"{name}.png")
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(result, indent=2) + "\n")
        write_section(name, markdown(result, chart_path.name))
        chart(result, chart_path)
        print(f"wrote {results.relative_to(ROOT)}, {DOC.relative_to(ROOT)} ({name} section), {chart_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
