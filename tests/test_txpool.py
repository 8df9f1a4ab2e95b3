"""Transaction admission: every rejection reason, nonce gaps, replacement, ordering."""
from __future__ import annotations

import re

import pytest
import rlp

from node.errors import TransactionRejected
from node.mining import Miner
from tests.support import ETHER, sign


def test_each_bad_transaction_is_rejected_with_its_reason(chain, alice, bob):
    key, to = alice.private_key, bob.checksum_address
    chain.send_raw_transaction(sign(key, nonce=0, to=to, value=1))
    cases = {
        "nonce too low: next nonce 1, tx nonce 0": sign(key, nonce=0, to=to, value=2),
        "insufficient funds for gas * price + value": sign(key, nonce=1, to=to, value=10**30),
        "max fee per gas less than block base fee": sign(key, nonce=1, to=to, maxFeePerGas=1, maxPriorityFeePerGas=1),
        # Osaka (EIP-7825): over 2**24 is refused before the 30M block gas limit is looked at;
        # tests/test_osaka.py has "exceeds block gas limit" on a chain whose blocks hold less.
        "transaction gas limit too high (cap: 16777216, tx: 30000001)": sign(key, nonce=1, to=to, gas=30_000_001),
        "invalid chain id: expected 31337, got 1": sign(key, nonce=1, to=to, chainId=1),
        "intrinsic gas too low": sign(key, nonce=1, to=to, gas=20_999),
        "max priority fee per gas higher than max fee per gas": sign(
            key, nonce=1, to=to, maxFeePerGas=2 * 10**9, maxPriorityFeePerGas=3 * 10**9
        ),
    }
    head = chain.head_number
    for reason, raw in cases.items():
        with pytest.raises(TransactionRejected, match=re.escape(reason)):
            chain.send_raw_transaction(raw)
    assert chain.head_number == head and len(chain.pool) == 0


def test_calldata_floor_is_enforced_in_prague(chain, alice, bob):
    # 1000 non-zero bytes: intrinsic 21000 + 16000, EIP-7623 floor 21000 + 40000
    raw = sign(alice.private_key, nonce=0, to=bob.checksum_address, data=b"\x01" * 1000, gas=50_000)
    with pytest.raises(TransactionRejected, match="intrinsic gas too low: gas 50000, minimum needed 61000"):
        chain.send_raw_transaction(raw)


def test_bad_signature_and_garbage_are_rejected(chain, alice, bob):
    raw = sign(alice.private_key, nonce=0, to=bob.checksum_address)
    payload = rlp.decode(raw[1:])
    payload[-1] = (2**256 - 1).to_bytes(32, "big")  # s out of range
    with pytest.raises(TransactionRejected, match="invalid signature"):
        chain.send_raw_transaction(raw[:1] + rlp.encode(payload))
    for garbage in (b"", b"\x02", b"\x02\xc0", b"\xf8\x00", b"hello"):
        with pytest.raises(TransactionRejected):
            chain.send_raw_transaction(garbage)
    with pytest.raises(TransactionRejected, match="blob transactions"):
        chain.send_raw_transaction(b"\x03" + raw[1:])
    with pytest.raises(TransactionRejected, match="type 5 not supported"):
        chain.send_raw_transaction(b"\x05" + raw[1:])


def test_a_tampered_signature_recovers_another_sender(chain, alice, bob):
    """A valid-looking signature over other fields is some other account: no funds."""
    raw = sign(alice.private_key, nonce=0, to=bob.checksum_address, value=ETHER)
    payload = rlp.decode(raw[1:])
    payload[6] = (2 * ETHER).to_bytes(9, "big").lstrip(b"\x00")  # value
    with pytest.raises(TransactionRejected, match="insufficient funds"):
        chain.send_raw_transaction(raw[:1] + rlp.encode(payload))


def test_legacy_and_access_list_transactions(chain, alice, bob):
    legacy = sign(alice.private_key, nonce=0, to=bob.checksum_address, value=5, gasPrice=2 * 10**9)
    tx_hash = chain.send_raw_transaction(legacy)
    receipt = chain.get_receipt(tx_hash)
    assert receipt.type == 0 and receipt.effective_gas_price == 2 * 10**9
    access = sign(
        alice.private_key, nonce=1, to=bob.checksum_address, gasPrice=2 * 10**9, type=1, gas=30_000,
        accessList=[{"address": bob.checksum_address, "storageKeys": ["0x" + "00" * 32]}],
    )
    receipt = chain.get_receipt(chain.send_raw_transaction(access))
    assert receipt.type == 1 and receipt.gas_used == 21_000 + 2_400 + 1_900


def test_unprotected_legacy_transaction_is_accepted(chain, alice, bob):
    """Pre-EIP-155 signatures (no chain id) still deploy the well-known factories."""
    from eth_account import Account
    tx = {"nonce": 0, "to": bob.checksum_address, "value": 1, "gas": 21_000, "gasPrice": 2 * 10**9}
    raw = bytes(Account.sign_transaction(tx, alice.private_key).raw_transaction)
    assert chain.get_receipt(chain.send_raw_transaction(raw)).status == 1


def test_already_known(chain, alice, bob):
    Miner(chain).set_automine(False)
    raw = sign(alice.private_key, nonce=0, to=bob.checksum_address)
    chain.send_raw_transaction(raw)
    with pytest.raises(TransactionRejected, match="already known"):
        chain.send_raw_transaction(raw)


def test_future_nonce_waits_until_the_gap_fills(chain, alice, bob):
    key, to = alice.private_key, bob.checksum_address
    late = chain.send_raw_transaction(sign(key, nonce=2, to=to, value=3))
    assert chain.get_receipt(late) is None and chain.head_number == 0
    pending, queued = chain.pool_content()
    assert pending == {} and list(queued[alice.address]) == [2]
    assert chain.get_transaction(late).block_number is None
    chain.send_raw_transaction(sign(key, nonce=0, to=to, value=1))
    assert chain.get_receipt(late) is None
    chain.send_raw_transaction(sign(key, nonce=1, to=to, value=2))
    assert chain.get_receipt(late).status == 1  # mined right after the gap filled
    assert chain.head_number == 3 and len(chain.pool) == 0
    assert [len(chain.get_block(n).transactions) for n in (1, 2, 3)] == [1, 1, 1]


def test_manual_mining_batches_by_tip_and_nonce(chain, alice, bob):
    miner = Miner(chain)
    miner.set_automine(False)
    assert miner.mode == "manual"
    carol = chain.accounts[2]
    low = [chain.send_raw_transaction(sign(alice.private_key, nonce=n, to=bob.checksum_address,
                                           maxPriorityFeePerGas=10**9)) for n in range(3)]
    high = chain.send_raw_transaction(sign(carol.private_key, nonce=0, to=bob.checksum_address,
                                           maxPriorityFeePerGas=3 * 10**9))
    assert chain.head_number == 0
    assert chain.get_nonce(alice.address, "pending") == 3 and chain.get_nonce(alice.address) == 0
    pending_block = chain.get_block("pending")
    assert [tx.hash for tx in pending_block.transactions] == [high, *low]
    block = chain.mine()
    assert [tx.hash for tx in block.transactions] == [high, *low]
    assert block.header.gas_used == 4 * 21_000
    assert chain.head_number == 1 and len(chain.pool) == 0


def test_replacement_needs_a_ten_percent_bump(chain, alice, bob):
    Miner(chain).set_automine(False)
    key, to = alice.private_key, bob.checksum_address
    first = chain.send_raw_transaction(sign(key, nonce=0, to=to, value=1))
    with pytest.raises(TransactionRejected, match="replacement transaction underpriced"):
        chain.send_raw_transaction(sign(key, nonce=0, to=to, value=2, maxFeePerGas=10**10 + 1))
    second = chain.send_raw_transaction(
        sign(key, nonce=0, to=to, value=3, maxFeePerGas=11 * 10**9, maxPriorityFeePerGas=11 * 10**8)
    )
    assert chain.get_transaction(first) is None
    block = chain.mine()
    assert [tx.hash for tx in block.transactions] == [second]
    assert chain.get_balance(bob.address) == 10_000 * ETHER + 3


def test_block_gas_limit_splits_a_batch(chain, alice, bob):
    """Transactions that do not fit wait for the next block, in nonce order."""
    burner = b"\x0b" * 20
    chain.set_code(burner, b"\xfe")  # INVALID: a call burns all its gas
    Miner(chain).set_automine(False)
    hashes = [chain.send_raw_transaction(sign(alice.private_key, nonce=n, to=burner, gas=12_000_000))
              for n in range(3)]
    first = chain.mine()
    assert [tx.hash for tx in first.transactions] == hashes[:2]
    assert first.header.gas_used == 24_000_000
    assert [tx.hash for tx in chain.mine().transactions] == hashes[2:]
    assert all(chain.get_receipt(h).status == 0 for h in hashes)


def test_send_transaction_fills_fields_and_refuses_unknown_senders(chain, alice, bob):
    base_fee = chain.next_base_fee()
    tx_hash = chain.send_transaction(alice.address, bob.address, value=7)
    tx = chain.get_transaction(tx_hash).transaction
    assert tx.nonce == 0 and tx.gas == 21_000
    assert tx.max_priority_fee_per_gas == 10**9
    assert tx.max_fee_per_gas == 2 * base_fee + 10**9
    stranger = b"\x42" * 20
    with pytest.raises(TransactionRejected, match="not a dev account and not impersonated"):
        chain.send_transaction(stranger, bob.address, value=1)


def test_init_code_over_the_eip3860_limit_is_refused_with_geths_reason(chain, alice):
    from node.errors import ExecutionFailed
    from node.execution import CallRequest

    reason = "max initcode size exceeded: code size 49153, limit 49152"
    code = b"\x00" * 49_153
    with pytest.raises(TransactionRejected, match=reason):
        chain.send_transaction(alice.address, data=code, gas=16_000_000)
    for run in (chain.call, chain.estimate_gas):
        with pytest.raises(ExecutionFailed, match=reason):
            run(CallRequest(sender=alice.address, data=code))
    assert chain.call(CallRequest(sender=alice.address, data=code[:-1])).success  # at the limit: fine
