"""``sumchain node``: its flags, the start-up banner, and the serve loop that wires the chain and
its miner (node/) to the JSON-RPC server (rpc/).

The limit flags take their defaults from ``rpc.methods.Limits``, where those numbers live.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import math
import signal
import sys
from importlib.metadata import version
from typing import Any

from dashboard.runs import add_runs_flag
from genesis import DEV_GENESIS
from node.accounts import DEFAULT_MNEMONIC
from node.chain import Chain
from node.errors import ChainError
from node.genesis import GenesisError, load_genesis
from node.mining import Miner
from node.store import StoreError
from rpc.methods import Api, Limits

DEFAULT_DATA_DIR = "./.sumchain"
LIMITS = Limits()


def add_parser(commands: Any) -> None:
    node = commands.add_parser(
        "node",
        help="start the node",
        description="Start a single-node development chain (automine by default), like Anvil.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    node.add_argument("--host", default="127.0.0.1",
                      help="address the JSON-RPC server binds; loopback unless you mean to expose it")
    node.add_argument("--port", type=port_number, default=8545, help="JSON-RPC port")
    storage = node.add_mutually_exclusive_group()
    storage.add_argument("--data-dir", default=DEFAULT_DATA_DIR, metavar="PATH",
                         help="directory of the persistent chain; created on first start, resumed after")
    storage.add_argument("--in-memory", action="store_true",
                         help="keep the chain in memory only (gone when the node stops)")
    node.add_argument("--genesis", default=str(DEV_GENESIS), metavar="PATH",
                      help="genesis file (format: docs/genesis.md); default: genesis/dev.json, shipped with sumchain")
    node.add_argument("--block-time", type=_non_negative_float, default=0, metavar="SECONDS",
                      help="mine a block every SECONDS; 0 mines each transaction at once (automine)")
    node.add_argument("--throw-on-transaction-failures", action="store_true",
                      help="answer a send whose transaction is mined with status 0 with an error carrying its "
                           "revert data and hash, as Hardhat Network does (default: the hash, as geth and Anvil)")
    node.add_argument("--chain-id", type=_positive_int, default=None,
                      help="chain id (default: the genesis file's, 31337 in genesis/dev.json)")
    node.add_argument("--accounts", type=_non_negative_int, default=None, metavar="N",
                      help="number of funded dev accounts (default: the genesis file's, 10)")
    node.add_argument("--mnemonic", default=None,
                      help=f"BIP-39 mnemonic of the dev accounts (default: the genesis file's, {DEFAULT_MNEMONIC!r})")
    node.add_argument("--allow-origin", default=None, metavar="ORIGIN",
                      help="CORS origin browsers may call from (default: * when bound to loopback, none otherwise)")
    node.add_argument("--max-request-size", type=_positive_int, default=LIMITS.max_request_bytes, metavar="BYTES",
                      help="largest HTTP request body or WebSocket message")
    node.add_argument("--max-batch", type=_positive_int, default=LIMITS.max_batch, metavar="N",
                      help="most requests in one JSON-RPC batch")
    node.add_argument("--call-gas-cap", type=_positive_int, default=LIMITS.call_gas_cap, metavar="GAS",
                      help="most gas an eth_call, eth_estimateGas or debug_traceCall may use")
    node.add_argument("--call-timeout", type=_positive_float, default=LIMITS.call_timeout, metavar="SECONDS",
                      help="longest an eth_call, eth_estimateGas or debug_traceCall may run")
    node.add_argument("--max-trace-size", type=_positive_int, default=LIMITS.max_trace_bytes, metavar="BYTES",
                      help="largest debug_trace* answer, in estimated JSON bytes")
    node.add_argument("--max-log-results", type=_positive_int, default=LIMITS.max_log_results, metavar="N",
                      help="most logs one eth_getLogs or eth_getFilterLogs may return")
    node.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                      help="log verbosity: info shows mined transactions, debug every request")
    node.add_argument("--no-dashboard", action="store_true",
                      help="do not serve the web dashboard at /dashboard/ (docs/dashboard.md)")
    add_runs_flag(node)
    node.add_argument("--no-ml-precompiles", action="store_true",
                      help="run the plain hardfork: no ML precompiles at 0x0501... (docs/precompiles.md)")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_serve(args))


async def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from rpc.hosts import is_loopback
    from rpc.server import RpcServer

    stopping = stop_requested()  # first: a stop request during start-up must still close the data dir
    try:
        genesis = load_genesis(args.genesis).with_overrides(
            chain_id=args.chain_id, account_count=args.accounts, mnemonic=args.mnemonic,
        )
        chain = Chain.open(genesis, None if args.in_memory else args.data_dir,
                           throw_on_failures=args.throw_on_transaction_failures, ml_precompiles=not args.no_ml_precompiles)
    except (GenesisError, ChainError, StoreError, ValueError) as error:
        print(f"sumchain: {error}", file=sys.stderr)
        return 1
    miner = Miner(chain, args.block_time)  # the mode's one owner: it switches the chain's automine
    limits = Limits(
        call_gas_cap=args.call_gas_cap, call_timeout=args.call_timeout,
        max_batch=args.max_batch, max_request_bytes=args.max_request_size,
        max_trace_bytes=args.max_trace_size, max_log_results=args.max_log_results,
    )
    allow_origin = args.allow_origin if args.allow_origin is not None else ("*" if is_loopback(args.host) else None)
    runner = web.AppRunner(RpcServer(Api(chain, miner, limits), allow_origin=allow_origin).app(
        dashboard=not args.no_dashboard, runs_dir=args.runs), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as error:
        print(f"sumchain: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        await runner.cleanup()
        miner.stop()
        chain.close()
        return 1
    port = runner.addresses[0][1]  # the real one when --port 0
    print(banner(chain, miner, args, f"http://{url_host(args.host)}:{port}"), flush=True)
    leftovers = asyncio.create_task(asyncio.to_thread(_mine_leftover_pool, chain))
    await stopping.wait()
    print("\nstopping: finishing the current block and closing the data dir", flush=True)
    chain.stop()
    await leftovers
    await runner.cleanup()
    miner.stop()
    chain.close()
    return 0


def _mine_leftover_pool(chain: Chain) -> None:
    try:
        chain.mine_leftover_pool()
    except Exception:  # a pooled transaction that fails to mine must not end the node
        logging.getLogger("sumchain").exception("mining the transactions pooled before the last stop failed")


def stop_requested() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: a server's cue to close cleanly."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    return stopping


def url_host(host: str) -> str:
    """The host as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def banner(chain: Chain, miner: Miner, args: argparse.Namespace, url: str) -> str:
    from vm.precompiles import address_range

    genesis = chain.genesis
    balance_eth = genesis.dev_accounts.balance / 10**18
    lines = [f"sumchain {version('sumchain')}", "", "Available Accounts", "=================="]
    lines += [f"({a.index}) {a.checksum_address} ({balance_eth:g} ETH)" for a in chain.accounts]
    lines += ["", "Private Keys", "=================="]
    lines += [f"({a.index}) {a.private_key_hex}" for a in chain.accounts]
    lines += [
        "", "Wallet", "==================",
        f"Mnemonic:          {genesis.dev_accounts.mnemonic}",
        "Derivation path:   m/44'/60'/0'/0/",
        "", f"Chain ID:          {chain.chain_id}",
        f"Hardfork:          {genesis.hardfork}",
        f"ML precompiles:    {'off' if args.no_ml_precompiles else f'on ({address_range()})'}",
        f"Base fee:          {chain.next_base_fee()}",
        f"Gas limit:         {chain.head.gas_limit}",
        f"Data:              {'in memory' if args.in_memory else args.data_dir} (head block {chain.head_number})",
        f"Mining:            {miner.mode}" + (f" every {miner.interval:g}s" if miner.interval else ""),
    ]
    if not args.no_dashboard:  # above JSON-RPC: tools read the banner up to the line that starts with it
        lines.append(f"Dashboard:         {url}/dashboard/")
    lines += [
        f"JSON-RPC:          {url} (HTTP and WebSocket)",
    ]
    return "\n".join(lines)


def port_number(text: str) -> int:
    """argparse type of the --port flags."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0-65535")
    return value


def _positive_int(text: str) -> int:
    value = int(text, 0)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text, 0)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("must be a finite number > 0")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError("must be a finite number >= 0")
    return value
