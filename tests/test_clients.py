"""Real Ethereum clients against the JSON-RPC server: ethers v6 (Node.js) and Foundry's cast.

Both come from npm (package.json): `ethers` is imported by tests/js/ethers_client.mjs and
`@foundry-rs/cast` ships the cast binary in its platform package. Nothing is skipped: if Node.js
or the npm packages are missing, these tests fail and say so.
"""
from __future__ import annotations

import json
import os
import platform
import queue
import subprocess
import threading
import time

import pytest
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from node.execution import CallRequest
from tests.support import ROOT, calldata, compile_contract, topic

DEV0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEV1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DEV0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
FIRST_CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"  # account 0's first deployment, as on Anvil/Hardhat
ETHER = 10**18
INITIAL_BALANCE = 10_000 * ETHER
TIMEOUT = 60  # seconds for one cast invocation (each takes about 0.1 s)
# cast reads ETH_RPC_URL, ETH_FROM, FOUNDRY_* ... from the environment: none of the caller's may leak in
CAST_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ETH_", "FOUNDRY_", "CAST_", "DAPP_"))} | {"NO_COLOR": "1"}

ETHERS_CHECKS = [
    "chain_id", "accounts", "signers",
    "send_transaction", "send_transaction_balance", "get_transaction",
    "raw_transaction_fields", "send_raw_transaction", "send_raw_transaction_balance",
    "deploy", "store", "read_value", "receipt_event", "store_raw", "query_filter", "query_filter_all",
    "revert_reason", "revert_estimate_reason", "custom_error", "panic", "revert_transaction",
    "estimate_gas_transfer", "estimate_gas_call", "estimate_gas_enough", "fee_data",
    "block_prefetched", "block_by_hash",
    "personal_sign", "eth_sign", "sign_typed_data",
    "http_new_filter", "http_filter_event", "http_uninstall_filter",
    "ws_chain_id", "ws_subscribe", "ws_event", "ws_new_heads", "ws_call",
]


# ---------------------------------------------------------------- ethers v6
def test_ethers_v6_client(node, tmp_path):
    """tests/js/ethers_client.mjs: providers (HTTP, WebSocket), both signer paths, a contract, errors, signing."""
    abi, code = compile_contract("Probe.sol", "Probe")
    artifact = tmp_path / "Probe.json"
    artifact.write_text(json.dumps({"abi": abi, "bytecode": "0x" + code.hex()}))
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "ethers_client.mjs"), node.url, node.ws_url, str(artifact)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    report = json.loads(lines[-1])
    assert report["ok"] is True, report
    missing = [name for name in ETHERS_CHECKS if name not in report["checks"]]
    assert not missing, f"checks not run: {missing}; ran {report['checks']}"


# ---------------------------------------------------------------- Foundry's cast
def _cast_binary() -> str:
    """The cast executable of the pinned npm package.

    node_modules/.bin/cast is @foundry-rs/cast's Node wrapper (bin.mjs), which runs the platform
    package's binary but always exits 0 (1.7.1 never forwards the child's exit code), so the
    tests run the platform binary itself, found exactly as the wrapper finds it, and check the
    wrapper separately.
    """
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), platform.system().lower())
    machine = {"x86_64": "amd64", "AMD64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    name = "cast.exe" if system == "win32" else "cast"
    binary = ROOT / "node_modules" / "@foundry-rs" / f"cast-{system}-{machine}" / "bin" / name
    assert binary.is_file(), f"{binary} is missing: run `npm ci` (package.json pins @foundry-rs/cast)"
    return str(binary)


def _pinned(package: str) -> str:
    return json.loads((ROOT / "package.json").read_text())["dependencies"][package]


def cast(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [_cast_binary(), *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT,
        env=CAST_ENV,
    )
    if check:
        assert result.returncode == 0, f"cast {' '.join(args)}: exit {result.returncode}\n{result.stderr}"
    return result


def cast_out(*args: str) -> str:
    return cast(*args).stdout.strip()


def cast_json(*args: str):
    return json.loads(cast_out(*args, "--json"))


def test_cast_npm_wrapper_runs_the_pinned_binary():
    wrapper = ROOT / "node_modules" / ".bin" / "cast"
    assert wrapper.exists(), "node_modules/.bin/cast is missing: run `npm ci`"
    for command in ([str(wrapper), "--version"], [_cast_binary(), "--version"]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == f"cast Version: {_pinned('@foundry-rs/cast')}", result.stdout


def test_cast_chain_facts(node, rpc):
    url = node.url
    assert cast_out("block-number", "--rpc-url", url) == "0"
    assert cast_out("chain-id", "--rpc-url", url) == "31337"
    assert cast_out("rpc", "--rpc-url", url, "eth_chainId") == '"0x7a69"'
    assert cast_out("rpc", "--rpc-url", url, "net_version") == '"31337"'
    assert cast_out("balance", "--rpc-url", url, DEV0) == str(INITIAL_BALANCE)
    assert cast_out("balance", "--rpc-url", url, "--ether", DEV1) == "10000.000000000000000000"
    assert cast_out("nonce", "--rpc-url", url, DEV0) == "0"
    assert cast_out("code", "--rpc-url", url, DEV1) == "0x"
    assert cast_out("gas-price", "--rpc-url", url) == str(int(rpc("eth_gasPrice")["result"], 16))
    assert cast_out("base-fee", "--rpc-url", url) == str(node.chain.head.base_fee_per_gas)
    assert cast_out("client", "--rpc-url", url) == rpc("web3_clientVersion")["result"]
    accounts = json.loads(cast_out("rpc", "--rpc-url", url, "eth_accounts"))
    assert [to_checksum_address(a) for a in accounts[:2]] == [DEV0, DEV1] and len(accounts) == 10


def test_cast_send_with_private_key_and_receipt(node):
    url, chain = node.url, node.chain
    sent = cast_json("send", "--rpc-url", url, "--private-key", DEV0_KEY, DEV1, "--value", "1ether")
    tx_hash = sent["transactionHash"]
    assert sent["status"] == "0x1"

    receipt = cast_json("receipt", "--rpc-url", url, tx_hash)
    assert receipt["status"] == "0x1"
    assert receipt["transactionHash"] == tx_hash
    assert receipt["blockNumber"] == "0x1" and receipt["gasUsed"] == "0x5208" and receipt["type"] == "0x2"
    assert receipt["from"] == DEV0.lower() and receipt["to"] == DEV1.lower() and receipt["contractAddress"] is None
    assert cast_out("receipt", "--rpc-url", url, tx_hash, "status") == "true"  # cast prints the status field as a bool

    tx = cast_json("tx", "--rpc-url", url, tx_hash)
    assert (tx["from"], tx["to"], tx["value"], tx["nonce"], tx["chainId"], tx["type"]) == (
        DEV0.lower(), DEV1.lower(), hex(ETHER), "0x0", "0x7a69", "0x2"
    )
    assert tx["blockNumber"] == "0x1" and tx["blockHash"] == receipt["blockHash"]

    # the node agrees: one block, the money moved, the sender paid 21000 gas at the effective price
    chain_receipt = chain.get_receipt(bytes.fromhex(tx_hash[2:]))
    assert chain_receipt.status == 1 and chain_receipt.block_number == 1
    assert cast_out("block-number", "--rpc-url", url) == "1"
    assert cast_out("balance", "--rpc-url", url, DEV1) == str(INITIAL_BALANCE + ETHER)
    fee = 21_000 * int(receipt["effectiveGasPrice"], 16)
    assert cast_out("balance", "--rpc-url", url, DEV0) == str(INITIAL_BALANCE - ETHER - fee)
    assert cast_out("nonce", "--rpc-url", url, DEV0) == "1"


def test_cast_send_unlocked_uses_eth_send_transaction(node):
    url, chain = node.url, node.chain
    sent = cast_json("send", "--rpc-url", url, "--unlocked", "--from", DEV0, DEV1, "--value", "1gwei")
    assert sent["status"] == "0x1" and sent["from"] == DEV0.lower() and sent["gasUsed"] == "0x5208"
    assert chain.get_balance(bytes.fromhex(DEV1[2:])) == INITIAL_BALANCE + 10**9
    receipt = cast_json("receipt", "--rpc-url", url, sent["transactionHash"])
    assert receipt["status"] == "0x1" and receipt["blockNumber"] == "0x1"


def test_cast_contract_deploy_store_call_estimate(node):
    url, chain = node.url, node.chain
    _, code = compile_contract("Probe.sol", "Probe")
    deployed = cast_json("send", "--rpc-url", url, "--private-key", DEV0_KEY, "--create", "0x" + code.hex())
    assert deployed["status"] == "0x1"
    assert deployed["contractAddress"] == FIRST_CONTRACT.lower()
    probe = FIRST_CONTRACT
    assert cast_out("code", "--rpc-url", url, probe) == "0x" + chain.get_code(bytes.fromhex(probe[2:])).hex()

    stored = cast_json("send", "--rpc-url", url, "--private-key", DEV0_KEY, probe, "store(uint256,uint256)", "1", "42")
    assert stored["status"] == "0x1" and len(stored["logs"]) == 1
    log = stored["logs"][0]
    assert log["address"] == probe.lower()
    assert log["topics"] == [
        "0x" + topic("Stored(address,uint256,uint256)").hex(),
        "0x" + "00" * 12 + DEV0[2:].lower(),
        "0x" + (1).to_bytes(32, "big").hex(),
    ]
    assert int(log["data"], 16) == 42

    assert cast_out("call", "--rpc-url", url, probe, "values(uint256)(uint256)", "1") == "42"
    assert cast_out("call", "--rpc-url", url, probe, "values(uint256)(uint256)", "2") == "0"
    slot = int.from_bytes(keccak((1).to_bytes(32, "big") + (0).to_bytes(32, "big")), "big")
    assert cast_out("storage", "--rpc-url", url, probe, hex(slot)) == "0x" + (42).to_bytes(32, "big").hex()

    # estimates: exactly what the chain computes
    store_gas = chain.estimate_gas(CallRequest(
        sender=bytes.fromhex(DEV0[2:]), to=bytes.fromhex(probe[2:]), data=calldata("store(uint256,uint256)", 2, 3),
    ))
    assert 21_000 < store_gas < 100_000
    assert cast_out("estimate", "--rpc-url", url, "--from", DEV0, probe, "store(uint256,uint256)", "2", "3") == str(store_gas)
    assert cast_out("estimate", "--rpc-url", url, "--from", DEV0, DEV1, "--value", "1") == "21000"

    # unlocked contract call through eth_sendTransaction, then the log query
    sent = cast_json("send", "--rpc-url", url, "--unlocked", "--from", DEV1, probe, "store(uint256,uint256)", "2", "3")
    assert sent["status"] == "0x1" and int(sent["gasUsed"], 16) <= store_gas
    assert cast_out("call", "--rpc-url", url, probe, "values(uint256)(uint256)", "2") == "3"
    logs = cast_json("logs", "--rpc-url", url, "--from-block", "0", "--address", probe,
                     "Stored(address indexed,uint256 indexed,uint256)")
    assert [(entry["transactionHash"], int(entry["topics"][2], 16)) for entry in logs] == [
        (stored["transactionHash"], 1), (sent["transactionHash"], 2),
    ]

    # a revert: cast exits non-zero and shows the reason the node returned
    failed = cast("call", "--rpc-url", url, probe, "fail(string)", "nope", check=False)
    assert failed.returncode != 0
    assert "execution reverted: nope" in failed.stderr, failed.stderr


def test_cast_call_contract_deployed_through_chain_api(node, probe, alice):
    chain = node.chain
    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 7, 700))
    assert chain.get_receipt(tx_hash).status == 1
    address = to_checksum_address(probe)
    assert cast_out("call", "--rpc-url", node.url, address, "values(uint256)(uint256)", "7") == "700"
    assert cast_out("call", "--rpc-url", node.url, address, "divide(uint256,uint256)(uint256)", "84", "2") == "42"
    number, timestamp, base_fee, parent = cast_out(
        "call", "--rpc-url", node.url, address, "context()(uint256,uint256,uint256,bytes32)"
    ).splitlines()
    # eth_call at the latest block runs in that block's own context; a call offering no fee
    # sees a zero base fee, as in geth (tests/test_chain.py)
    assert int(number) == chain.head_number and base_fee == "0"
    assert parent == "0x" + chain.head.parent_hash.hex()
    assert int(timestamp.split()[0]) == chain.head.timestamp


BLOCK_FIELDS = {
    "hash", "parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom",
    "difficulty", "number", "gasLimit", "gasUsed", "timestamp", "extraData", "mixHash", "nonce", "baseFeePerGas",
    "withdrawalsRoot", "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot", "requestsHash", "size",
    "uncles", "transactions", "withdrawals",
}


def test_cast_block_latest_json(node):
    url, chain = node.url, node.chain
    sent = cast_json("send", "--rpc-url", url, "--private-key", DEV0_KEY, DEV1, "--value", "1")
    block = cast_json("block", "--rpc-url", url, "latest")
    missing = BLOCK_FIELDS - set(block)
    assert not missing, f"cast block latest --json lacks {missing}: {block}"
    head = chain.get_block()
    assert block["number"] == "0x1" and block["hash"] == "0x" + head.hash.hex()
    assert block["parentHash"] == "0x" + chain.get_block(0).hash.hex()
    assert block["transactions"] == [sent["transactionHash"]]
    assert block["gasUsed"] == "0x5208" and block["gasLimit"] == hex(30_000_000)
    assert block["baseFeePerGas"] == hex(head.header.base_fee_per_gas) == hex(875_000_000)
    assert block["timestamp"] == hex(head.header.timestamp)
    assert block["stateRoot"] == "0x" + head.header.state_root.hex()
    assert block["uncles"] == [] and block["withdrawals"] == []
    assert cast_out("block", "--rpc-url", url, "latest", "--field", "number") == "1"

    full = cast_json("block", "--rpc-url", url, "latest", "--full")
    [tx] = full["transactions"]
    assert tx["hash"] == sent["transactionHash"] and tx["blockNumber"] == "0x1" and tx["transactionIndex"] == "0x0"
    earliest = cast_json("block", "--rpc-url", url, "earliest")
    assert earliest["number"] == "0x0" and earliest["hash"] == block["parentHash"]


def test_cast_logs_subscribe_over_websocket(node, probe, alice, monkeypatch):
    """`cast logs --subscribe` (eth_subscribe "logs" over WebSocket) prints a log mined after it subscribed."""
    chain = node.chain
    subscribed = threading.Event()
    register = chain.on_block

    def on_block(listener):
        register(listener)
        subscribed.set()

    monkeypatch.setattr(chain, "on_block", on_block)
    process = subprocess.Popen(
        [_cast_binary(), "logs", "--rpc-url", node.ws_url, "--subscribe", "--address", to_checksum_address(probe)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=CAST_ENV,
    )
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    try:
        assert subscribed.wait(20), "cast logs --subscribe never subscribed"
        tx_hash = chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 5, 55))
        expected = f"transactionHash: 0x{tx_hash.hex()}"
        seen, deadline = [], time.monotonic() + 20
        while not any(expected in line for line in seen):
            assert process.poll() is None, f"cast exited {process.returncode}: {process.stderr.read()}"
            try:
                seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"no log for {expected} within 20 s; cast printed {seen}")
        text = "".join(seen)
        assert "topics: [" in text and "0x" + (5).to_bytes(32, "big").hex() in text, text
        assert "data: 0x" + (55).to_bytes(32, "big").hex() in text, text
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
