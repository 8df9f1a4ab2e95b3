"""Issue 13: transactions that py-evm finds invalid part-way, numbers at the edges of the
chain's ranges, and the semantics scripts written for Anvil and Hardhat rely on."""
from __future__ import annotations

import re

import pytest
import rlp
from eth_hash.auto import keccak
from eth_keys import keys
from eth_utils import ValidationError

from node import transactions as txs
from node.builder import apply_to_block
from node.errors import ChainError, TransactionRejected
from tests.support import sign

RICH = bytes.fromhex("000000000000000000000000000000000000f00d")
MAX_UINT256 = 2**256 - 1
MAX_NONCE = 2**64 - 1


def test_a_credit_past_the_largest_balance_wraps_as_in_geth(chain, alice):
    chain.set_balance(RICH, MAX_UINT256)
    balance = chain.get_balance(alice.address)
    tx_hash = chain.send_raw_transaction(sign(alice.private_key, to=RICH, value=1, nonce=0))
    receipt = chain.get_receipt(tx_hash)
    assert receipt.status == 1
    assert chain.get_balance(RICH) == 0
    assert chain.get_nonce(alice.address) == 1
    assert chain.get_balance(alice.address) == balance - 1 - receipt.gas_used * receipt.effective_gas_price


def test_a_transaction_invalid_part_way_is_rolled_back(chain, alice):
    """py-evm raises its nonce past 2**64 - 1 only after buying the gas: nothing of it stays."""
    vm, header, _ = chain.builder.start(chain.head, chain.head.state_root, chain.head.timestamp + 1, chain.next_block)
    vm.state.set_nonce(alice.address, MAX_NONCE)
    vm.state.lock_changes()
    balance = vm.state.get_balance(alice.address)
    tx = txs.from_raw(chain.vm_class, sign(alice.private_key, to=RICH, value=1, nonce=MAX_NONCE))
    with pytest.raises(ValidationError):
        apply_to_block(vm, header, tx)
    assert vm.state.get_nonce(alice.address) == MAX_NONCE
    assert vm.state.get_balance(alice.address) == balance
    assert vm.state.get_balance(RICH) == 0


@pytest.mark.parametrize("nonce", [MAX_NONCE, MAX_NONCE + 1])
def test_a_nonce_at_its_maximum_is_refused_before_the_pool(chain, alice, nonce):
    """EIP-2681: a transaction's nonce is below 2**64 - 1."""
    chain.set_nonce(alice.address, min(nonce, MAX_NONCE))
    balance = chain.get_balance(alice.address)
    with pytest.raises(TransactionRejected, match="nonce has max value"):
        chain.send_raw_transaction(sign(alice.private_key, to=RICH, value=1, nonce=nonce))
    assert chain.get_nonce(alice.address) == min(nonce, MAX_NONCE)
    assert chain.get_balance(alice.address) == balance
    assert not len(chain.pool)
    with pytest.raises(ChainError, match="nonce has max value"):
        chain.send_transaction(alice.address, to=RICH, value=1)


def _set_code_tx(private_key: bytes, *, to: bytes, authorizations: list, nonce: int = 0) -> bytes:
    """A raw EIP-7702 transaction, encoded by hand (signing libraries refuse the bad ones)."""
    fields = [31337, nonce, 10**9, 10**10, 100_000, to, 0, b"", [], authorizations]
    digest = keccak(b"\x04" + rlp.encode(fields))
    signature = keys.PrivateKey(private_key).sign_msg_hash(digest)
    return b"\x04" + rlp.encode(fields + [signature.v, signature.r, signature.s])


def _authorization(chain_id: int = 31337) -> list:
    return [chain_id, bytes(20), 0, 0, 1, 1]


@pytest.mark.parametrize("to, authorizations, reason", [
    (RICH, [], "EIP-7702 transaction with empty auth list"),
    (b"", [_authorization()], "set code tx must have a destination"),
    (RICH, [_authorization(2**256)], "authorization 0 chain_id exceeds 2\\*\\*256-1"),
])
def test_malformed_set_code_transactions_are_refused(rpc, chain, alice, to, authorizations, reason):
    raw = _set_code_tx(alice.private_key, to=to, authorizations=authorizations)
    head = chain.head_number
    answer = rpc("eth_sendRawTransaction", "0x" + raw.hex())
    assert answer["error"]["code"] == -32000
    assert re.search(reason, answer["error"]["message"])
    assert chain.head_number == head and not len(chain.pool)
    assert chain.get_nonce(alice.address) == 0


@pytest.mark.parametrize("text", ["0x 1", "0x+1", "0x1_0", "0x0x10", "0x-1", "0x1 ", "0x"])
def test_quantities_are_hex_digits_only(rpc, alice, text):
    answer = rpc("eth_getBalance", "0x" + alice.address.hex(), text)
    assert answer["error"]["code"] == -32602
    answer = rpc("eth_call", {"to": "0x" + RICH.hex(), "value": text})
    assert answer["error"]["code"] == -32602


def test_leading_zeros_and_json_numbers_are_accepted(rpc, alice):
    """As Anvil and Hardhat accept them (a JSON number as a block: OpenZeppelin's TrieProof test)."""
    account = "0x" + alice.address.hex()
    expected = rpc("eth_getBalance", account, "0x0")["result"]
    assert rpc("eth_getBalance", account, "0x00")["result"] == expected
    assert rpc("eth_getBalance", account, 0)["result"] == expected
    assert rpc("eth_getBlockByNumber", 0, False)["result"]["number"] == "0x0"


def test_call_errors_are_clear(rpc, alice):
    account, other = "0x" + alice.address.hex(), "0x" + RICH.hex()
    poor = "0x000000000000000000000000000000000000bad0"
    # A credit past 2**256-1 wraps (geth's uint256 arithmetic): the call succeeds.
    overrides = {poor: {"balance": hex(MAX_UINT256)}, other: {"balance": hex(MAX_UINT256)}}
    assert rpc("eth_call", {"from": poor, "to": other, "value": "0x10"}, "latest", overrides)["result"] == "0x"
    answer = rpc("eth_call", {"from": account, "to": other}, "latest", {account: {"nonce": hex(MAX_NONCE)}})
    assert answer["error"]["code"] == -32000 and "nonce has max value" in answer["error"]["message"]
    answer = rpc("eth_call", {"from": account, "to": other, "maxFeePerGas": "0x1", "maxPriorityFeePerGas": "0x2"})
    assert answer["error"] == {"code": -32000, "message": "max priority fee per gas higher than max fee per gas"}
    assert rpc("anvil_setNonce", account, hex(MAX_NONCE))["result"] is None
    answer = rpc("eth_sendTransaction", {"from": account, "to": other})
    assert answer["error"]["code"] == -32000 and "nonce has max value" in answer["error"]["message"]


def test_trace_options_and_unknown_transactions(rpc, alice):
    tx_hash = rpc("eth_sendTransaction", {"from": "0x" + alice.address.hex(), "to": "0x" + RICH.hex()})["result"]
    for limit in ("x", -1, 1.5, True):
        answer = rpc("debug_traceTransaction", tx_hash, {"limit": limit})
        assert answer["error"]["code"] == -32602 and "options.limit" in answer["error"]["message"]
    assert "result" in rpc("debug_traceTransaction", tx_hash, {"limit": 10})
    answer = rpc("debug_traceTransaction", "0x" + "11" * 32)
    assert answer["error"]["code"] == -32000 and answer["error"]["message"].startswith("transaction not found")


def test_increase_time_counts_from_the_latest_block(rpc):
    """After a burst of blocks the head runs ahead of the clock; the next block is still latest + n."""
    for _ in range(30):
        rpc("evm_mine")
    latest = int(rpc("eth_getBlockByNumber", "latest", False)["result"]["timestamp"], 16)
    rpc("evm_increaseTime", 3600)
    rpc("evm_mine")
    assert int(rpc("eth_getBlockByNumber", "latest", False)["result"]["timestamp"], 16) >= latest + 3600


def test_block_timestamps_stop_at_the_largest_uint64(rpc, chain):
    assert rpc("evm_setNextBlockTimestamp", hex(MAX_NONCE + 1))["error"]["code"] == -32602
    assert rpc("evm_setNextBlockTimestamp", hex(MAX_NONCE))["result"] is None
    assert "result" in rpc("evm_mine")
    head = chain.head_number
    answer = rpc("evm_mine")
    assert answer["error"]["code"] == -32000 and "2**64-1" in answer["error"]["message"]
    assert rpc("evm_increaseTime", 10)["error"]["code"] == -32602
    assert chain.head_number == head and chain.head.timestamp == MAX_NONCE


def test_a_genesis_at_the_largest_uint64_refuses_blocks_and_keeps_no_trace(dev_genesis, alice, bob):
    """Genesis at 2**64 - 1 opens; nothing can follow it, and a transaction sent to it is refused
    with the reason and leaves neither a pool entry nor a nonce."""
    from dataclasses import replace

    from node.chain import Chain

    chain = Chain.open(replace(dev_genesis, timestamp=MAX_NONCE), None)
    try:
        assert chain.head.timestamp == MAX_NONCE
        with pytest.raises(ChainError, match=r"the next block's timestamp 18446744073709551616 would be past 2\*\*64-1"):
            chain.send_transaction(alice.address, bob.address, value=1)
        assert len(chain.pool) == 0 and chain.get_nonce(alice.address, "pending") == 0
        with pytest.raises(ChainError, match="past 2"):
            chain.mine()
        assert chain.head_number == 0
    finally:
        chain.close()


def test_null_log_filters_mean_the_latest_block_as_in_geth(rpc):
    assert rpc("eth_getLogs", None)["result"] == []
    assert rpc("eth_newFilter", None)["result"].startswith("0x")
