"""Dev-node conveniences: time, snapshots, state edits, impersonation, mining modes, restarts."""
from __future__ import annotations

import threading

import pytest

from node.chain import Chain
from node.errors import ChainError, InvalidRequest, TransactionRejected
from node.execution import CallRequest
from node.mining import Miner
from node.store import Store, StoreLockedError
from tests.support import ETHER, calldata, decode_output, sign


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def timed_chain(dev_genesis, clock):
    chain = Chain(dev_genesis, Store(None), clock=clock)
    yield chain
    chain.close()


def test_block_timestamps_follow_the_clock_and_increase(timed_chain, clock):
    assert timed_chain.head.timestamp == int(clock.now)
    first = timed_chain.mine()
    assert first.header.timestamp == int(clock.now) + 1  # never equal to the parent's
    clock.now += 100
    assert timed_chain.mine().header.timestamp == int(clock.now)


def test_increase_time_moves_later_blocks(timed_chain, clock):
    assert timed_chain.increase_time(3600) == 3600
    assert timed_chain.mine().header.timestamp == int(clock.now) + 3600
    assert timed_chain.increase_time(60) == 3660
    with pytest.raises(InvalidRequest):
        timed_chain.increase_time(-1)


def test_next_block_timestamp_and_time_continues_from_it(timed_chain, clock):
    target = int(clock.now) + 10_000
    timed_chain.set_next_block_timestamp(target)
    assert timed_chain.mine().header.timestamp == target
    clock.now += 5
    assert timed_chain.mine().header.timestamp == target + 5
    with pytest.raises(InvalidRequest, match="not after the latest block"):
        timed_chain.set_next_block_timestamp(target)
    mined = timed_chain.mine(timestamp=target + 500)
    assert mined.header.timestamp == target + 500


def test_mine_blocks_spaces_timestamps(timed_chain):
    blocks = timed_chain.mine_blocks(5, interval=12)
    assert [b.number for b in blocks] == [1, 2, 3, 4, 5]
    stamps = [b.header.timestamp for b in blocks]
    assert [b - a for a, b in zip(stamps, stamps[1:])] == [12] * 4
    with pytest.raises(InvalidRequest):
        timed_chain.mine_blocks(0)


def test_snapshot_revert_discards_blocks_edits_and_pool(chain, alice, bob):
    chain.send_transaction(alice.address, bob.address, value=1)
    snap = chain.snapshot()
    head, balance = chain.head_number, chain.get_balance(bob.address)
    offset = chain.time_offset
    mined = chain.send_transaction(alice.address, bob.address, value=ETHER)
    chain.set_balance(bob.address, 1)
    chain.increase_time(1000)
    Miner(chain).set_automine(False)
    pooled = chain.send_transaction(alice.address, bob.address, value=2)
    later = chain.snapshot()
    assert chain.revert(snap) is True
    assert chain.head_number == head
    assert chain.get_balance(bob.address) == balance
    assert chain.get_receipt(mined) is None and chain.get_transaction(mined) is None
    assert chain.get_transaction(pooled) is None and len(chain.pool) == 0
    assert chain.time_offset == offset
    assert chain.revert(snap) is False  # used up, as in Hardhat and Anvil
    assert chain.revert(later) is False  # later snapshots go with it
    chain.mine()
    assert chain.head_number == head + 1


def test_snapshot_keeps_the_pool_it_saw(chain, alice, bob):
    Miner(chain).set_automine(False)
    pooled = chain.send_transaction(alice.address, bob.address, value=2)
    snap = chain.snapshot()
    chain.mine()
    assert chain.revert(snap)
    assert chain.get_transaction(pooled).block_number is None
    assert [tx.hash for tx in chain.mine().transactions] == [pooled]


def test_dev_state_edits_apply_to_the_latest_block(chain, alice, bob, probe):
    head = chain.get_block()
    chain.set_balance(bob.address, 123)
    chain.set_nonce(bob.address, 7)
    chain.set_storage_at(probe, 0, 1)  # not the mapping: slot 0 itself
    target = b"\x77" * 20
    chain.set_code(target, chain.get_code(probe))
    assert chain.get_block().hash == head.hash  # no new block
    assert chain.get_balance(bob.address) == 123 and chain.get_nonce(bob.address) == 7
    assert chain.get_storage_at(probe, 0) == 1
    chain.set_storage_at(target, int.from_bytes(_slot_of(9), "big"), 99)
    assert decode_output(["uint256"], chain.call(CallRequest(to=target, data=calldata("values(uint256)", 9))).output) == (99,)
    # the next block starts from the edited state
    chain.set_balance(bob.address, ETHER)
    raw = sign(bob.private_key, nonce=7, to=alice.checksum_address, value=1)
    assert chain.get_receipt(chain.send_raw_transaction(raw)).status == 1
    assert chain.get_nonce(bob.address) == 8


def _slot_of(key: int) -> bytes:
    from eth_hash.auto import keccak
    return keccak(key.to_bytes(32, "big") + bytes(32))


def test_impersonation(chain, bob):
    whale = b"\xab" * 20
    chain.set_balance(whale, 5 * ETHER)
    with pytest.raises(TransactionRejected, match="not impersonated"):
        chain.send_transaction(whale, bob.address, value=ETHER)
    chain.impersonate(whale)
    first = chain.send_transaction(whale, bob.address, value=ETHER)
    second = chain.send_transaction(whale, bob.address, value=ETHER)
    assert first != second
    receipt = chain.get_receipt(first)
    assert receipt.status == 1 and receipt.sender == whale
    assert chain.get_balance(bob.address) == 10_002 * ETHER
    chain.stop_impersonating(whale)
    with pytest.raises(TransactionRejected):
        chain.send_transaction(whale, bob.address, value=1)


def test_two_impersonated_senders_of_identical_calls_get_distinct_hashes(chain, bob):
    one, two = b"\x01" * 20, b"\x02" * 20
    for address in (one, two):
        chain.set_balance(address, ETHER)
        chain.impersonate(address)
    hashes = {chain.send_transaction(a, bob.address, value=1, gas=21_000, max_fee_per_gas=10**10,
                                     max_priority_fee_per_gas=10**9, nonce=0) for a in (one, two)}
    assert len(hashes) == 2


def test_interval_mining_mines_pooled_transactions(chain, alice, bob):
    mined = threading.Event()
    chain.on_block(lambda block: mined.set() if block.transactions else None)
    miner = Miner(chain, block_time=0.05)
    try:
        assert miner.mode == "interval" and not chain.automine
        tx_hash = chain.send_transaction(alice.address, bob.address, value=1)
        assert mined.wait(timeout=30), "no block was mined by the interval miner"
        assert chain.get_receipt(tx_hash).status == 1
    finally:
        miner.stop()
    miner.set_automine(True)
    assert miner.mode == "automine"
    with pytest.raises(ValueError):
        miner.set_interval(-1)


def test_restart_resumes_the_chain_and_its_pool(dev_genesis, tmp_path):
    chain = Chain.open(dev_genesis, tmp_path / "data")
    alice, bob = chain.accounts[0], chain.accounts[1]
    mined = chain.send_transaction(alice.address, bob.address, value=5)
    chain.set_balance(b"\x55" * 20, 42)
    chain.set_automine(False)
    pooled = chain.send_transaction(alice.address, bob.address, value=6)
    head = chain.get_block()
    chain.close()

    again = Chain.open(dev_genesis, tmp_path / "data", automine=False)
    try:
        assert again.get_block().hash == head.hash
        assert again.get_receipt(mined).status == 1
        assert again.get_balance(b"\x55" * 20) == 42
        assert again.get_transaction(pooled).block_number is None
        assert [tx.hash for tx in again.mine().transactions] == [pooled]
    finally:
        again.close()


def test_data_dir_of_another_genesis_is_refused(dev_genesis, tmp_path):
    Chain.open(dev_genesis, tmp_path / "data").close()
    with pytest.raises(ChainError, match="different genesis.*config"):
        Chain.open(dev_genesis.with_overrides(chain_id=5), tmp_path / "data")


def test_one_process_holds_a_data_dir(dev_genesis, tmp_path):
    chain = Chain.open(dev_genesis, tmp_path / "data")
    try:
        with pytest.raises(StoreLockedError, match="in use"):
            Store(tmp_path / "data")
    finally:
        chain.close()


def test_data_dir_remembers_whether_it_ran_the_ml_precompiles(dev_genesis, tmp_path):
    Chain.open(dev_genesis, tmp_path / "data").close()
    with pytest.raises(ChainError, match="created with the ML precompiles"):
        Chain.open(dev_genesis, tmp_path / "data", ml_precompiles=False)
    Chain.open(dev_genesis, tmp_path / "plain", ml_precompiles=False).close()
    with pytest.raises(ChainError, match="created without the ML precompiles"):
        Chain.open(dev_genesis, tmp_path / "plain")
    Chain.open(dev_genesis, tmp_path / "data").close()  # the refused opens left it usable
