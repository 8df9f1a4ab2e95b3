"""Every method's result against the Ethereum execution API specification's schema.

Each test calls one method over JSON-RPC (the ``rpc`` fixture) on a chain with
real content (the ``world`` fixture: a deployed Probe, events, a block holding
legacy, EIP-2930, EIP-1559 and EIP-7702 transactions, a reverted transaction
and a contract creation), checks that the response has no error, and
validates ``response["result"]`` with jsonschema against the method's result
schema, transcribed from github.com/ethereum/execution-apis in
tests/execution_api_schemas.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from jsonschema.exceptions import ValidationError

from tests import execution_api_schemas as spec
from tests.support import ETHER, calldata, compile_contract, sign, topic

ABSENT = "0x00000000000000000000000000000000deadbeef"
GWEI = 10**9
STORED = topic("Stored(address,uint256,uint256)")


def hex_address(raw: bytes) -> str:
    return "0x" + raw.hex()


def mapping_slot(key: int) -> str:
    """Storage slot of Probe.values[key] (the mapping is declared at slot 0), as 32 bytes of hex."""
    return "0x" + keccak(key.to_bytes(32, "big") + (0).to_bytes(32, "big")).hex()


# ---------------------------------------------------------------- validation
_VALIDATORS: dict[str, Any] = {}


def _validator(key: str, schema_of) -> Any:
    if key not in _VALIDATORS:
        _VALIDATORS[key] = spec.validator(schema_of())
    return _VALIDATORS[key]


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(errors: list[ValidationError], depth: int = 0) -> list[str]:
    """One line per failed rule: where in the result, what the spec's rule is, what was found.

    For oneOf/anyOf the failures of every branch are listed, indented.
    """
    lines = []
    for error in sorted(errors, key=lambda e: (list(e.absolute_path).__repr__(), list(e.schema_path).__repr__())):
        rule = "/".join(str(part) for part in error.schema_path)
        if error.validator in ("oneOf", "anyOf") and error.context:
            message = f"{error.validator}: no branch matches"
        elif error.validator == "type":
            message = f"{_short(error.instance, 60)} is not of type {error.validator_value!r}"
        elif error.validator == "pattern":
            message = f"{_short(error.instance)} does not match {error.validator_value}"
        else:
            message = _short(error.message, 240)
        lines.append(f"{'    ' * depth}{error.json_path}: {message}   [rule {rule}]")
        if error.context:
            by_branch: dict[int, list[ValidationError]] = {}
            for sub in error.context:
                by_branch.setdefault(sub.schema_path[0], []).append(sub)
            for branch, subs in sorted(by_branch.items()):
                lines.append(f"{'    ' * (depth + 1)}branch {branch}:")
                lines.extend(_describe(subs, depth + 2))
    return lines


def mismatches(validator: Any, value: Any, what: str) -> str | None:
    """None if ``value`` is valid, else a report of every rule it breaks."""
    errors = list(validator.iter_errors(value))
    if not errors:
        return None
    report = "\n".join(_describe(errors))
    return f"{what} does not match the execution-apis schema:\n{report}\nvalue: {_short(value, 2000)}"


def assert_valid(validator: Any, value: Any, what: str) -> None:
    report = mismatches(validator, value, what)
    if report:
        pytest.fail(report)


def assert_result(method: str, response: dict[str, Any]) -> Any:
    """No error, and the result matches the spec's result schema of ``method``; returns the result."""
    assert "error" not in response, f"{method} answered an error: {response['error']}"
    assert "result" in response, f"{method}: no result in {response}"
    result = response["result"]
    assert_valid(_validator(method, lambda: spec.result_schema(method)), result, f"{method} result")
    return result


# Pending objects: the spec has no pending variant, and the node answers as geth does, with
# these fields null. The test checks they are exactly null, then validates everything else.
PENDING_NULLS = {
    "block": {"hash": "0x" + "00" * 32, "nonce": "0x" + "00" * 8, "miner": "0x" + "00" * 20},
    "transaction": {"blockHash": "0x" + "00" * 32, "blockNumber": "0x0", "transactionIndex": "0x0", "blockTimestamp": "0x0"},
}


def assert_pending_result(method: str, response: dict[str, Any], kind: str) -> Any:
    assert "error" not in response, f"{method} answered an error: {response['error']}"
    result = response["result"]
    placeholders = PENDING_NULLS[kind]
    assert {field: result[field] for field in placeholders} == dict.fromkeys(placeholders), result
    assert_valid(_validator(method, lambda: spec.result_schema(method)), {**result, **placeholders}, f"{method} result")
    return result


def component_validator(name: str) -> Any:
    return _validator("#" + name, lambda: spec.component_schema(name))


def call_ok(rpc, method: str, *params: Any) -> Any:
    response = rpc(method, *params)
    assert "error" not in response, f"{method}{list(params)} answered an error: {response['error']}"
    return response["result"]


# ---------------------------------------------------------------- a chain with content
@dataclass
class World:
    """What the ``world`` fixture built (hashes and addresses as hex strings)."""

    alice: str
    bob: str
    carol: str
    probe: str
    creation: str  # the Probe deployment (block 1)
    stored: str  # Probe.store(1, 42) in its own block: one Stored event
    txs: dict[str, str] = field(default_factory=dict)  # kind -> hash, all in the mixed block
    mixed_number: str = ""
    mixed_hash: str = ""
    order: list[str] = field(default_factory=list)  # kinds in mixed-block order


TX_KINDS = ["legacy", "2930", "1559", "7702", "failed", "creation"]


@pytest.fixture
def world(rpc, chain, alice, bob, probe) -> World:
    carol = chain.accounts[2]
    probe_hex = hex_address(probe)
    block_one = call_ok(rpc, "eth_getBlockByNumber", "0x1", False)
    built = World(
        alice=hex_address(alice.address), bob=hex_address(bob.address), carol=hex_address(carol.address),
        probe=probe_hex, creation=block_one["transactions"][0], stored="",
    )
    built.stored = call_ok(rpc, "eth_sendTransaction", {
        "from": built.alice, "to": probe_hex, "data": "0x" + calldata("store(uint256,uint256)", 1, 42).hex(),
    })

    # One block with every transaction type, a revert and a creation.
    assert call_ok(rpc, "evm_setAutomine", False) is True
    alice_nonce = int(call_ok(rpc, "eth_getTransactionCount", built.alice, "pending"), 16)
    bob_nonce = int(call_ok(rpc, "eth_getTransactionCount", built.bob, "pending"), 16)
    authorization = Account.sign_authorization(
        {"chainId": 31337, "address": probe_hex, "nonce": 0}, carol.private_key,
    )
    raw = {
        "legacy": sign(alice.private_key, nonce=alice_nonce, to=to_checksum_address(built.bob), value=ETHER, gasPrice=3 * GWEI),
        "2930": sign(
            alice.private_key, nonce=alice_nonce + 1, to=to_checksum_address(probe_hex), gasPrice=3 * GWEI, gas=100_000, type=1,
            data=calldata("store(uint256,uint256)", 7, 70),
            accessList=[{"address": to_checksum_address(probe_hex), "storageKeys": [mapping_slot(7)]}],
        ),
        "1559": sign(
            alice.private_key, nonce=alice_nonce + 2, to=to_checksum_address(probe_hex), gas=100_000,
            data=calldata("store(uint256,uint256)", 2, 43),
        ),
        "7702": sign(
            alice.private_key, nonce=alice_nonce + 3, to=to_checksum_address(built.carol), gas=200_000, type=4,
            data=calldata("store(uint256,uint256)", 3, 33),  # runs Probe's code, as carol delegates to it
            accessList=[], authorizationList=[authorization],
        ),
        "failed": sign(bob.private_key, nonce=bob_nonce, to=to_checksum_address(probe_hex), gas=100_000, data=calldata("fail(string)", "nope")),
        "creation": sign(bob.private_key, nonce=bob_nonce + 1, gas=2_000_000, data=compile_contract("Probe.sol", "Probe")[1]),
    }
    for kind in TX_KINDS:
        built.txs[kind] = call_ok(rpc, "eth_sendRawTransaction", "0x" + raw[kind].hex())
    call_ok(rpc, "evm_mine")
    assert call_ok(rpc, "evm_setAutomine", True) is True

    mixed = call_ok(rpc, "eth_getBlockByNumber", "latest", False)
    built.mixed_number, built.mixed_hash = mixed["number"], mixed["hash"]
    by_hash = {tx_hash: kind for kind, tx_hash in built.txs.items()}
    built.order = [by_hash[tx_hash] for tx_hash in mixed["transactions"]]
    assert sorted(built.order) == sorted(TX_KINDS), "the mixed block should hold all six transactions"
    for kind, tx_hash in built.txs.items():
        receipt = call_ok(rpc, "eth_getTransactionReceipt", tx_hash)
        assert receipt["status"] == ("0x0" if kind == "failed" else "0x1"), (kind, receipt)
    return built


# ---------------------------------------------------------------- simple results
SIMPLE = [
    ("web3_clientVersion", []),
    ("web3_sha3", ["0x68656c6c6f20776f726c64"]),
    ("net_version", []),
    ("net_listening", []),
    ("net_peerCount", []),
    ("eth_chainId", []),
    ("eth_syncing", []),
    ("eth_coinbase", []),
    ("eth_accounts", []),
    ("eth_blockNumber", []),
    ("eth_gasPrice", []),
    ("eth_maxPriorityFeePerGas", []),
]


@pytest.mark.parametrize("method, params", SIMPLE, ids=[method for method, _ in SIMPLE])
def test_simple_results(rpc, world, method, params):
    assert_result(method, rpc(method, *params))


def test_eth_accounts_lists_the_dev_accounts(rpc, world):
    accounts = assert_result("eth_accounts", rpc("eth_accounts"))
    assert world.alice in accounts and len(accounts) == 10


# ---------------------------------------------------------------- fee market
@pytest.mark.parametrize("count, newest, percentiles", [
    ("0x4", "latest", [10, 50, 90]),
    ("0x400", "latest", [25, 75]),  # more blocks than the chain has
    ("0x2", "0x1", []),
    ("0x0", "latest", [50]),
], ids=["last-4", "whole-chain", "old-no-percentiles", "zero-blocks"])
def test_eth_feeHistory(rpc, world, count, newest, percentiles):
    assert_result("eth_feeHistory", rpc("eth_feeHistory", count, newest, percentiles))


# ---------------------------------------------------------------- state
@pytest.mark.parametrize("who, block", [
    ("alice", "latest"), ("bob", "earliest"), ("absent", "latest"), ("alice", "pending"), ("alice", "mixed"),
])
def test_eth_getBalance(rpc, world, who, block):
    account = {"alice": world.alice, "bob": world.bob, "absent": ABSENT}[who]
    assert_result("eth_getBalance", rpc("eth_getBalance", account, world.mixed_number if block == "mixed" else block))


def test_eth_getBalance_at_a_block_hash(rpc, world):
    """The spec's Block parameter is BlockNumberOrTagOrHash: a bare block hash is allowed."""
    assert_result("eth_getBalance", rpc("eth_getBalance", world.alice, world.mixed_hash))


@pytest.mark.parametrize("who", ["probe", "alice", "absent", "carol-delegated"])
def test_eth_getCode(rpc, world, who):
    account = {"probe": world.probe, "alice": world.alice, "absent": ABSENT, "carol-delegated": world.carol}[who]
    code = assert_result("eth_getCode", rpc("eth_getCode", account, "latest"))
    if who == "probe":
        assert len(code) > 2
    if who == "carol-delegated":  # EIP-7702 delegation designator
        assert code == "0xef0100" + world.probe[2:]


@pytest.mark.parametrize("slot", [mapping_slot(1), mapping_slot(999), "0x0"], ids=["stored", "empty", "zero"])
def test_eth_getStorageAt(rpc, world, slot):
    value = assert_result("eth_getStorageAt", rpc("eth_getStorageAt", world.probe, slot, "latest"))
    if slot == mapping_slot(1):
        assert int(value, 16) == 42


@pytest.mark.parametrize("who, block", [("alice", "latest"), ("alice", "pending"), ("absent", "latest"), ("bob", "earliest")])
def test_eth_getTransactionCount(rpc, world, who, block):
    account = {"alice": world.alice, "bob": world.bob, "absent": ABSENT}[who]
    assert_result("eth_getTransactionCount", rpc("eth_getTransactionCount", account, block))


@pytest.mark.parametrize("who, keys", [
    ("alice", []),
    ("probe", [mapping_slot(1), mapping_slot(2), mapping_slot(999)]),
    ("probe", ["0x0", "0x1"]),
    ("absent", [mapping_slot(1)]),
], ids=["eoa", "contract-slots", "contract-short-keys", "absent-account"])
def test_eth_getProof(rpc, world, who, keys):
    account = {"alice": world.alice, "probe": world.probe, "absent": ABSENT}[who]
    proof = assert_result("eth_getProof", rpc("eth_getProof", account, keys, "latest"))
    assert len(proof["storageProof"]) == len(keys)


# ---------------------------------------------------------------- blocks
@pytest.mark.parametrize("hydrated", [False, True], ids=["hashes", "full"])
@pytest.mark.parametrize("block", ["mixed", "earliest", "latest", "0x1", "pending", "unknown"])
def test_eth_getBlockByNumber(rpc, world, alice, block, hydrated):
    ref = {"mixed": world.mixed_number, "unknown": "0xffff"}.get(block, block)
    if block == "pending":  # a pending block with a transaction in it
        send_pending(rpc, world, alice)
        assert_pending_result("eth_getBlockByNumber", rpc("eth_getBlockByNumber", ref, hydrated), "block")
        return
    result = assert_result("eth_getBlockByNumber", rpc("eth_getBlockByNumber", ref, hydrated))
    if block == "unknown":
        assert result is None
    elif block == "mixed":
        assert len(result["transactions"]) == len(TX_KINDS)


@pytest.mark.parametrize("hydrated", [False, True], ids=["hashes", "full"])
def test_eth_getBlockByHash(rpc, world, hydrated):
    result = assert_result("eth_getBlockByHash", rpc("eth_getBlockByHash", world.mixed_hash, hydrated))
    assert result["hash"] == world.mixed_hash


def test_full_block_transactions_are_each_a_transaction_info(rpc, world):
    """The same check as above, per transaction, so a failure names the transaction type."""
    block = call_ok(rpc, "eth_getBlockByNumber", world.mixed_number, True)
    validator = component_validator("TransactionInfo")
    reports = [
        mismatches(validator, tx, f"the {kind} transaction (index {index}) of a full block")
        for index, (kind, tx) in enumerate(zip(world.order, block["transactions"]))
    ]
    reports = [report for report in reports if report]
    if reports:
        pytest.fail("\n\n".join(reports))


@pytest.mark.parametrize("block", ["mixed", "earliest", "latest"])
def test_eth_getBlockTransactionCountByNumber(rpc, world, block):
    ref = world.mixed_number if block == "mixed" else block
    count = assert_result("eth_getBlockTransactionCountByNumber", rpc("eth_getBlockTransactionCountByNumber", ref))
    if block == "mixed":
        assert count == hex(len(TX_KINDS))


def test_eth_getBlockTransactionCountByHash(rpc, world):
    count = assert_result("eth_getBlockTransactionCountByHash", rpc("eth_getBlockTransactionCountByHash", world.mixed_hash))
    assert count == hex(len(TX_KINDS))


# ---------------------------------------------------------------- transactions
@pytest.mark.parametrize("kind", TX_KINDS + ["deployment"])
def test_eth_getTransactionByHash(rpc, world, kind):
    tx_hash = world.creation if kind == "deployment" else world.txs[kind]
    tx = assert_result("eth_getTransactionByHash", rpc("eth_getTransactionByHash", tx_hash))
    assert tx["hash"] == tx_hash


def send_pending(rpc, world: World, alice) -> str:
    """Switch automine off and pool a transfer: the hash of a pending transaction."""
    assert call_ok(rpc, "evm_setAutomine", False) is True
    nonce = int(call_ok(rpc, "eth_getTransactionCount", world.alice, "pending"), 16)
    raw = sign(alice.private_key, nonce=nonce, to=to_checksum_address(world.bob), value=1)
    return call_ok(rpc, "eth_sendRawTransaction", "0x" + raw.hex())


def test_eth_getTransactionByHash_pending(rpc, world, alice):
    tx_hash = send_pending(rpc, world, alice)
    tx = assert_pending_result("eth_getTransactionByHash", rpc("eth_getTransactionByHash", tx_hash), "transaction")
    assert tx["hash"] == tx_hash


@pytest.mark.parametrize("kind", TX_KINDS)
def test_eth_getTransactionByBlockNumberAndIndex(rpc, world, kind):
    index = hex(world.order.index(kind))
    tx = assert_result(
        "eth_getTransactionByBlockNumberAndIndex", rpc("eth_getTransactionByBlockNumberAndIndex", world.mixed_number, index),
    )
    assert tx["hash"] == world.txs[kind]


@pytest.mark.parametrize("kind", TX_KINDS)
def test_eth_getTransactionByBlockHashAndIndex(rpc, world, kind):
    index = hex(world.order.index(kind))
    tx = assert_result(
        "eth_getTransactionByBlockHashAndIndex", rpc("eth_getTransactionByBlockHashAndIndex", world.mixed_hash, index),
    )
    assert tx["hash"] == world.txs[kind]


def test_transaction_lookups_out_of_range_are_null(rpc, world):
    assert assert_result("eth_getTransactionByHash", rpc("eth_getTransactionByHash", "0x" + "ab" * 32)) is None
    assert assert_result(
        "eth_getTransactionByBlockHashAndIndex", rpc("eth_getTransactionByBlockHashAndIndex", world.mixed_hash, "0x63"),
    ) is None


@pytest.mark.parametrize("kind", ["stored", "deployment"] + TX_KINDS)
def test_eth_getTransactionReceipt(rpc, world, kind):
    tx_hash = {"stored": world.stored, "deployment": world.creation}.get(kind) or world.txs[kind]
    receipt = assert_result("eth_getTransactionReceipt", rpc("eth_getTransactionReceipt", tx_hash))
    if kind == "stored":
        assert receipt["status"] == "0x1" and len(receipt["logs"]) == 1
    if kind == "failed":
        assert receipt["status"] == "0x0"
    if kind in ("deployment", "creation"):
        assert receipt["to"] is None and receipt["contractAddress"] is not None


@pytest.mark.parametrize("block", ["mixed-number", "mixed-hash-object", "mixed-hash", "latest", "earliest"])
def test_eth_getBlockReceipts(rpc, world, block):
    ref = {
        "mixed-number": world.mixed_number,
        "mixed-hash-object": {"blockHash": world.mixed_hash},
        "mixed-hash": world.mixed_hash,  # BlockNumberOrTagOrHash: a bare hash
    }.get(block, block)
    receipts = assert_result("eth_getBlockReceipts", rpc("eth_getBlockReceipts", ref))
    if block.startswith("mixed"):
        assert len(receipts) == len(TX_KINDS)


# ---------------------------------------------------------------- sending and signing
@pytest.mark.parametrize("kind", ["legacy", "2930", "1559"])
def test_eth_sendRawTransaction(rpc, world, alice, kind):
    nonce = int(call_ok(rpc, "eth_getTransactionCount", world.alice, "pending"), 16)
    fields = {"legacy": {"gasPrice": 3 * GWEI}, "2930": {"gasPrice": 3 * GWEI, "accessList": [], "type": 1}, "1559": {}}[kind]
    raw = sign(alice.private_key, nonce=nonce, to=to_checksum_address(world.bob), value=1, **fields)
    assert assert_result("eth_sendRawTransaction", rpc("eth_sendRawTransaction", "0x" + raw.hex())) == "0x" + keccak(raw).hex()


@pytest.mark.parametrize("transaction", [
    {"value": "0xde0b6b3a7640000"},
    {"data": "call"},
    {"data": "call", "gasPrice": "0xb2d05e00"},
], ids=["transfer", "contract-call", "legacy-fees"])
def test_eth_sendTransaction(rpc, world, transaction):
    request = {"from": world.alice, "to": world.bob, **transaction}
    if transaction.get("data") == "call":
        request.update(to=world.probe, data="0x" + calldata("store(uint256,uint256)", 5, 55).hex())
    assert_result("eth_sendTransaction", rpc("eth_sendTransaction", request))


@pytest.mark.parametrize("message", ["0xdeadbeef", "0x", "0x" + "00" * 100])
def test_eth_sign(rpc, world, message):
    assert_result("eth_sign", rpc("eth_sign", world.alice, message))


# ---------------------------------------------------------------- execution
@pytest.mark.parametrize("call", ["values", "context", "transfer"])
def test_eth_call(rpc, world, call):
    request = {
        "values": {"to": world.probe, "data": "0x" + calldata("values(uint256)", 1).hex()},
        "context": {"to": world.probe, "input": "0x" + calldata("context()").hex()},
        "transfer": {"from": world.alice, "to": world.bob, "value": "0x1"},
    }[call]
    output = assert_result("eth_call", rpc("eth_call", request, "latest"))
    if call == "values":
        assert int(output, 16) == 42


@pytest.mark.parametrize("call", ["transfer", "store", "creation"])
def test_eth_estimateGas(rpc, world, call):
    request = {
        "transfer": {"from": world.alice, "to": world.bob, "value": "0x1"},
        "store": {"from": world.alice, "to": world.probe, "data": "0x" + calldata("store(uint256,uint256)", 9, 1).hex()},
        "creation": {"from": world.alice, "data": "0x" + compile_contract("Probe.sol", "Probe")[1].hex()},
    }[call]
    assert_result("eth_estimateGas", rpc("eth_estimateGas", request))


@pytest.mark.parametrize("call", ["store", "fill", "transfer", "reverts"])
def test_eth_createAccessList(rpc, world, call):
    request = {
        "store": {"from": world.alice, "to": world.probe, "data": "0x" + calldata("store(uint256,uint256)", 3, 9).hex()},
        "fill": {"from": world.alice, "to": world.probe, "data": "0x" + calldata("fill(uint256)", 3).hex()},
        "transfer": {"from": world.alice, "to": world.bob, "value": "0x1"},
        "reverts": {"from": world.alice, "to": world.probe, "data": "0x" + calldata("fail(string)", "no").hex()},
    }[call]
    result = assert_result("eth_createAccessList", rpc("eth_createAccessList", request, "latest"))
    if call == "store":
        assert result["accessList"] == [{"address": world.probe, "storageKeys": [mapping_slot(3)]}]
    if call == "reverts":
        assert "error" in result


# ---------------------------------------------------------------- logs and filters
@pytest.mark.parametrize("query", ["range", "block-hash", "topic"])
def test_eth_getLogs(rpc, world, query):
    log_filter = {
        "range": {"fromBlock": "0x0", "toBlock": "latest", "address": world.probe},
        "block-hash": {"blockHash": world.mixed_hash},
        "topic": {"fromBlock": "earliest", "topics": ["0x" + STORED.hex(), None, "0x" + (1).to_bytes(32, "big").hex()]},
    }[query]
    logs = assert_result("eth_getLogs", rpc("eth_getLogs", log_filter))
    assert logs, "an empty list matches both branches of FilterResults' oneOf: the test needs logs"


FILTER_KINDS = [
    ("eth_newFilter", [{"fromBlock": "0x0", "address": None}]),
    ("eth_newBlockFilter", []),
    ("eth_newPendingTransactionFilter", []),
]
FILTERS_CREATED = 100  # ids are random: many, so a malformed one shows up


@pytest.mark.parametrize("method, params", FILTER_KINDS, ids=[method for method, _ in FILTER_KINDS])
def test_new_filter_ids(rpc, world, method, params):
    ids = [assert_result(method, rpc(method, *params)) for _ in range(FILTERS_CREATED)]
    assert len(set(ids)) == FILTERS_CREATED


def _store(rpc, world, key: int, value: int) -> str:
    return call_ok(rpc, "eth_sendTransaction", {
        "from": world.alice, "to": world.probe, "data": "0x" + calldata("store(uint256,uint256)", key, value).hex(),
    })


@pytest.mark.parametrize("kind", ["logs", "blocks", "pending"])
def test_eth_getFilterChanges(rpc, world, kind):
    method, params = {
        "logs": ("eth_newFilter", [{"address": world.probe}]),
        "blocks": ("eth_newBlockFilter", []),
        "pending": ("eth_newPendingTransactionFilter", []),
    }[kind]
    filter_id = call_ok(rpc, method, *params)
    tx_hash = _store(rpc, world, 11, 111)
    changes = assert_result("eth_getFilterChanges", rpc("eth_getFilterChanges", filter_id))
    assert changes, "an empty list matches both branches of FilterResults' oneOf: the test needs changes"
    if kind == "logs":
        assert changes[0]["transactionHash"] == tx_hash
    elif kind == "pending":
        assert changes == [tx_hash]


def test_eth_getFilterLogs(rpc, world):
    filter_id = call_ok(rpc, "eth_newFilter", {"fromBlock": "0x0", "toBlock": "latest", "address": world.probe})
    logs = assert_result("eth_getFilterLogs", rpc("eth_getFilterLogs", filter_id))
    assert len(logs) >= 3  # store(1, 42), the 2930 and the 1559 transactions' events


@pytest.mark.parametrize("known", [True, False], ids=["installed", "unknown"])
def test_eth_uninstallFilter(rpc, world, known):
    filter_id = call_ok(rpc, "eth_newBlockFilter") if known else "0x" + "7" * 32
    assert assert_result("eth_uninstallFilter", rpc("eth_uninstallFilter", filter_id)) is known


# ---------------------------------------------------------------- the schemas themselves
def _without(key: str):
    return lambda value: {k: v for k, v in value.items() if k != key}


MUTATIONS = [  # (method, what is changed, change) -- each makes a valid result invalid per the spec
    ("eth_getTransactionReceipt", "extra field (additionalProperties: false)", lambda r: {**r, "extra": "0x1"}),
    ("eth_getTransactionReceipt", "log with an extra field", lambda r: {**r, "logs": [{**r["logs"][0], "extra": 1}]}),
    ("eth_getTransactionReceipt", "no effectiveGasPrice", _without("effectiveGasPrice")),
    ("eth_getTransactionReceipt", "quantity with a leading zero", lambda r: {**r, "gasUsed": "0x0" + r["gasUsed"][2:]}),
    ("eth_getTransactionReceipt", "upper-case hex data", lambda r: {**r, "blockHash": r["blockHash"].upper().replace("0X", "0x")}),
    ("eth_getBlockByNumber", "no size", _without("size")),
    ("eth_getBlockByNumber", "7-byte nonce", lambda b: {**b, "nonce": "0x" + "00" * 7}),
    ("eth_getBlockByNumber", "transaction hash list holding a number", lambda b: {**b, "transactions": ["0x1"]}),
    ("eth_getTransactionByHash", "unknown transaction type", lambda t: {**t, "type": "0x5"}),
    ("eth_getTransactionByHash", "1559 transaction without maxFeePerGas", _without("maxFeePerGas")),
    ("eth_getTransactionByHash", "1559 transaction without yParity", _without("yParity")),
]


@pytest.mark.parametrize("method, change, mutate", MUTATIONS, ids=[f"{m}:{c}" for m, c, _ in MUTATIONS])
def test_the_schemas_reject_what_the_spec_rejects(rpc, world, method, change, mutate):
    """Each transcribed schema is not vacuous: one rule broken in a server result makes it fail."""
    param = {
        "eth_getTransactionReceipt": [world.stored],
        "eth_getBlockByNumber": [world.mixed_number, False],
        "eth_getTransactionByHash": [world.txs["1559"]],
    }[method]
    result = call_ok(rpc, method, *param)
    if method == "eth_getTransactionByHash":  # only what blockTimestamp is missing for (see the report)
        result = {**result, "blockTimestamp": call_ok(rpc, "eth_getBlockByNumber", result["blockNumber"], False)["timestamp"]}
    validator = _validator(method, lambda: spec.result_schema(method))
    assert mismatches(validator, result, method) is None, "the unchanged result should be valid"
    assert mismatches(validator, mutate(result), method) is not None, f"{change}: the schema should reject it"
