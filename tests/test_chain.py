"""Blocks, transactions, receipts, logs, state queries, calls and gas estimates."""
from __future__ import annotations

import pytest

from node.blocks import EARLIEST, FINALIZED, LATEST, PENDING, SAFE, LogFilter
from node.chain import Chain
from node.errors import ExecutionFailed, InvalidRequest, UnknownBlock
from node.execution import CallRequest
from tests.support import ETHER, calldata, decode_output, topic

HARDHAT_FIRST_CONTRACT = bytes.fromhex("5fbdb2315678afecb367f032d93f642f64180aa3")


def test_genesis_funds_the_dev_accounts(chain, alice):
    assert chain.head_number == 0
    assert chain.chain_id == 31337
    assert alice.checksum_address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert len(chain.accounts) == 10
    assert all(chain.get_balance(a.address) == 10_000 * ETHER for a in chain.accounts)
    genesis = chain.get_block(0)
    assert genesis.header.gas_limit == 30_000_000
    assert genesis.header.base_fee_per_gas == 10**9


def test_transfer_is_mined_with_a_full_receipt(chain, alice, bob):
    tx_hash = chain.send_transaction(alice.address, bob.address, value=ETHER)
    assert chain.head_number == 1
    receipt = chain.get_receipt(tx_hash)
    block = chain.get_block(1)
    assert receipt.status == 1
    assert receipt.block_number == 1 and receipt.block_hash == block.hash
    assert receipt.sender == alice.address and receipt.to == bob.address
    assert receipt.gas_used == receipt.cumulative_gas_used == 21_000
    # base fee fell by 1/8 in an empty-parent block; the tip is 1 gwei
    assert block.header.base_fee_per_gas == 875_000_000
    assert receipt.effective_gas_price == 875_000_000 + 10**9
    assert chain.get_balance(bob.address) == 10_001 * ETHER
    assert chain.get_balance(alice.address) == 9_999 * ETHER - 21_000 * receipt.effective_gas_price
    lookup = chain.get_transaction(tx_hash)
    assert (lookup.block_number, lookup.index, lookup.block_hash) == (1, 0, block.hash)
    assert lookup.transaction.value == ETHER
    assert block.transactions[0].hash == tx_hash


def test_blocks_by_number_hash_and_tag(chain, alice, bob):
    for _ in range(3):
        chain.send_transaction(alice.address, bob.address, value=1)
    head = chain.get_block(LATEST)
    assert head.number == 3
    assert chain.get_block(head.hash).number == 3
    assert chain.get_block(EARLIEST).number == 0
    assert chain.get_block(SAFE).number == chain.get_block(FINALIZED).number == 3
    assert chain.get_block(2).hash == head.header.parent_hash
    assert chain.get_block(PENDING).number == 4
    with pytest.raises(UnknownBlock):
        chain.get_block(4)
    with pytest.raises(UnknownBlock):
        chain.get_block(b"\x11" * 32)
    with pytest.raises(InvalidRequest):
        chain.get_block("newest")


def test_contract_address_follows_sender_and_nonce(chain, alice, probe_code):
    receipt = chain.get_receipt(chain.send_transaction(alice.address, data=probe_code))
    assert receipt.contract_address == HARDHAT_FIRST_CONTRACT
    assert receipt.to is None
    assert len(chain.get_code(HARDHAT_FIRST_CONTRACT)) > 100


def test_state_at_past_blocks(chain, alice, bob, probe):
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 7, 70))
    before = chain.head_number
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 7, 71))
    slot = int.from_bytes(_mapping_slot(7), "big")
    assert chain.get_storage_at(probe, slot) == 71
    assert chain.get_storage_at(probe, slot, before) == 70
    assert chain.get_storage_at(probe, slot, 0) == 0
    assert chain.get_code(probe, 0) == b""
    assert chain.get_nonce(alice.address) == 3
    assert chain.get_nonce(alice.address, 1) == 1
    assert chain.get_balance(bob.address, 0) == 10_000 * ETHER


def _mapping_slot(key: int) -> bytes:
    from eth_hash.auto import keccak
    return keccak(key.to_bytes(32, "big") + (0).to_bytes(32, "big"))


def test_logs_by_address_topics_and_range(chain, alice, bob, probe):
    stored = topic("Stored(address,address,uint256)")  # a topic no log has
    event = topic("Stored(address,uint256,uint256)")
    for key in (1, 2, 3):
        sender = alice if key != 2 else bob
        chain.send_transaction(sender.address, probe, data=calldata("store(uint256,uint256)", key, key * 10))
    all_logs = chain.get_logs(LogFilter(addresses=(probe,)), 0, LATEST)
    assert [int.from_bytes(log.topics[2], "big") for log in all_logs] == [1, 2, 3]
    assert all(log.topics[0] == event for log in all_logs)
    assert decode_output(["uint256"], all_logs[1].data) == (20,)
    bob_topic = b"\x00" * 12 + bob.address
    by_bob = chain.get_logs(LogFilter(topics=((event,), (bob_topic,))), 0, LATEST)
    assert [log.transaction_hash for log in by_bob] == [all_logs[1].transaction_hash]
    either = chain.get_logs(LogFilter(topics=(None, None, ((1).to_bytes(32, "big"), (3).to_bytes(32, "big")))), 0)
    assert len(either) == 2
    assert chain.get_logs(LogFilter(topics=((stored,),)), 0) == []
    assert chain.get_logs(LogFilter(addresses=(bob.address,)), 0) == []
    last_block = chain.get_logs(LogFilter(addresses=(probe,)), LATEST, LATEST)
    assert len(last_block) == 1 and last_block[0].block_number == chain.head_number
    assert last_block[0].log_index == 0
    with pytest.raises(InvalidRequest):
        chain.get_logs(LogFilter(), 3, 1)


def test_call_returns_output_and_changes_nothing(chain, alice, probe):
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 5, 55))
    head = chain.head_number
    result = chain.call(CallRequest(sender=alice.address, to=probe, data=calldata("values(uint256)", 5)))
    assert result.success and decode_output(["uint256"], result.output) == (55,)
    write = chain.call(CallRequest(sender=alice.address, to=probe, data=calldata("store(uint256,uint256)", 5, 1)))
    assert write.success and write.gas_used > 21_000
    assert chain.head_number == head
    assert decode_output(["uint256"], chain.call(CallRequest(to=probe, data=calldata("values(uint256)", 5))).output) == (55,)


def test_call_against_a_past_block(chain, alice, probe):
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 5, 1))
    at = chain.head_number
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 5, 2))
    old = chain.call(CallRequest(to=probe, data=calldata("values(uint256)", 5)), at)
    assert decode_output(["uint256"], old.output) == (1,)


def test_call_runs_in_its_blocks_own_context(chain, alice, probe):
    """On mined block N (latest too) a call sees N's state in N's own header, as geth and
    Hardhat (OpenZeppelin's clock tests rely on it); ``pending`` sees the block about to be mined."""
    context = ["uint256", "uint256", "uint256", "bytes32"]
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 1, 1))
    head = chain.get_block(LATEST)
    number, timestamp, base_fee, parent = decode_output(context, chain.call(CallRequest(to=probe, data=calldata("context()"))).output)
    assert (number, timestamp, parent) == (head.number, head.header.timestamp, head.header.parent_hash)
    assert base_fee == 0  # a call offering no fee runs with a zero base fee, as in geth
    paid = chain.call(CallRequest(to=probe, data=calldata("context()"), max_fee_per_gas=10**10))
    assert decode_output(context, paid.output)[2] == head.header.base_fee_per_gas
    pending = chain.call(CallRequest(to=probe, data=calldata("context()"), max_fee_per_gas=10**10), PENDING)
    number, timestamp, base_fee, parent = decode_output(context, pending.output)
    assert (number, parent, base_fee) == (head.number + 1, head.hash, chain.next_base_fee())
    assert timestamp > head.header.timestamp
    chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 1, 2))
    past = decode_output(context, chain.call(CallRequest(to=probe, data=calldata("context()")), head.number).output)
    assert past[:2] == (head.number, head.header.timestamp)


def test_reverts_give_reasons_and_raw_data(chain, alice, probe):
    failed = chain.call(CallRequest(to=probe, data=calldata("fail(string)", "no luck")))
    assert not failed.success and failed.reverted
    assert failed.error == "execution reverted: no luck"
    panic = chain.call(CallRequest(to=probe, data=calldata("divide(uint256,uint256)", 1, 0)))
    assert panic.error == "execution reverted: division or modulo by zero"  # geth's words
    custom = chain.call(CallRequest(to=probe, data=calldata("failCustom(uint256)", 9)))
    assert custom.error == "execution reverted"
    assert custom.output == calldata("Custom(uint256)", 9)
    with pytest.raises(ExecutionFailed) as caught:
        chain.estimate_gas(CallRequest(sender=alice.address, to=probe, data=calldata("fail(string)", "estimate")))
    assert str(caught.value) == "execution reverted: estimate"
    assert caught.value.reverted and caught.value.data[:4] == bytes.fromhex("08c379a0")


def test_reverted_transaction_is_mined_with_status_zero(chain, alice, probe):
    tx_hash = chain.send_transaction(
        alice.address, probe, data=calldata("fail(string)", "mined anyway"), gas=100_000
    )
    receipt = chain.get_receipt(tx_hash)
    assert receipt.status == 0 and receipt.logs == ()
    assert 21_000 < receipt.gas_used < 100_000


def test_estimate_gas_is_the_exact_minimum(chain, alice, bob, probe):
    assert chain.estimate_gas(CallRequest(sender=alice.address, to=bob.address, value=1)) == 21_000
    for data in (calldata("fill(uint256)", 5), calldata("store(uint256,uint256)", 3, 4)):
        request = CallRequest(sender=alice.address, to=probe, data=data)
        estimate = chain.estimate_gas(request)
        assert chain.call(CallRequest(sender=alice.address, to=probe, data=data, gas=estimate)).success
        assert not chain.call(CallRequest(sender=alice.address, to=probe, data=data, gas=estimate - 1)).success


def test_estimate_covers_refunds(chain, alice, probe):
    """Clearing storage refunds gas: the limit needed is above the gas finally used."""
    chain.send_transaction(alice.address, probe, data=calldata("fill(uint256)", 10))
    request = CallRequest(sender=alice.address, to=probe, data=calldata("clear(uint256)", 10))
    estimate = chain.estimate_gas(request)
    used = chain.call(request).gas_used
    assert estimate > used
    assert chain.call(CallRequest(sender=alice.address, to=probe, data=request.data, gas=estimate)).success
    assert not chain.call(CallRequest(sender=alice.address, to=probe, data=request.data, gas=estimate - 1)).success


def test_call_errors(chain, alice, bob):
    with pytest.raises(ExecutionFailed, match="intrinsic gas too low"):
        chain.call(CallRequest(sender=alice.address, to=bob.address, gas=20_000))
    poor = b"\x99" * 20
    with pytest.raises(ExecutionFailed, match="insufficient funds"):
        chain.call(CallRequest(sender=poor, to=bob.address, gas_price=10**9))
    with pytest.raises(ExecutionFailed, match="insufficient funds"):
        chain.call(CallRequest(sender=poor, to=bob.address, value=1))


def test_cancun_genesis_runs_the_same_contracts(dev_genesis, probe_code):
    chain = Chain.open(dev_genesis.with_overrides(hardfork="cancun"), None)
    try:
        alice = chain.accounts[0]
        receipt = chain.get_receipt(chain.send_transaction(alice.address, data=probe_code))
        assert receipt.status == 1
        probe = receipt.contract_address
        chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 1, 2))
        assert decode_output(["uint256"], chain.call(CallRequest(to=probe, data=calldata("values(uint256)", 1))).output) == (2,)
        assert not hasattr(chain.head, "requests_hash")
    finally:
        chain.close()
