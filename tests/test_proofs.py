"""eth_getProof: every proof is checked against the state root it claims to prove."""
from __future__ import annotations

import pytest
import rlp
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.rlp.accounts import Account
from eth_hash.auto import keccak
from trie import HexaryTrie

from node.blocks import LATEST, PENDING
from node.errors import InvalidRequest
from node.proofs import AccountProof, StorageProof, get_proof, prove
from tests.support import ETHER, calldata

ABSENT = bytes.fromhex("00000000000000000000000000000000deadbeef")


def mapping_slot(key: int) -> int:
    """Storage slot of Probe.values[key] (the mapping is declared at slot 0)."""
    return int.from_bytes(keccak(key.to_bytes(32, "big") + (0).to_bytes(32, "big")), "big")


def proven_value(root: bytes, key: bytes, proof: list[bytes]) -> bytes:
    """The value ``proof`` proves for ``key`` under ``root`` (b"": proven absent).

    Checks the hash chain first (each node is referenced by the one before,
    the first is the root), so a proof cannot carry unrelated nodes.
    """
    assert keccak(proof[0]) == root
    for parent, child in zip(proof, proof[1:]):
        assert keccak(child) in parent
    return HexaryTrie.get_from_proof(root, key, [rlp.decode(node) for node in proof])


def assert_account_proven(chain, proof: AccountProof, ref=LATEST) -> None:
    """The account proof proves exactly the fields the proof reports."""
    root = chain.state_at(ref).state_root
    encoded = proven_value(root, keccak(proof.address), proof.account_proof)
    account = rlp.decode(encoded, sedes=Account) if encoded else Account()
    assert (account.nonce, account.balance, account.storage_root, account.code_hash) == (
        proof.nonce, proof.balance, proof.storage_hash, proof.code_hash,
    )


def assert_slot_proven(proof: AccountProof, entry: StorageProof) -> None:
    key = keccak(entry.slot.to_bytes(32, "big"))
    if not entry.proof:  # only an empty storage trie has nothing to show
        assert proof.storage_hash == BLANK_ROOT_HASH and entry.value == 0
        return
    encoded = proven_value(proof.storage_hash, key, entry.proof)
    assert (rlp.decode(encoded, sedes=rlp.sedes.big_endian_int) if encoded else 0) == entry.value


def store(chain, sender, probe, key: int, value: int) -> None:
    tx_hash = chain.send_transaction(sender.address, probe, data=calldata("store(uint256,uint256)", key, value))
    assert chain.get_receipt(tx_hash).status == 1


def test_funded_eoa(chain, alice, bob):
    chain.send_transaction(alice.address, bob.address, value=ETHER)
    proof = get_proof(chain, alice.address, [], LATEST)
    assert proof.address == alice.address
    assert proof.balance == chain.get_balance(alice.address) and proof.nonce == 1
    assert proof.code_hash == EMPTY_SHA3 and proof.storage_hash == BLANK_ROOT_HASH
    assert proof.storage_proofs == []
    assert_account_proven(chain, proof)


def test_contract_with_storage(chain, alice, probe):
    store(chain, alice, probe, 1, 42)
    store(chain, alice, probe, 2, 43)
    slots = [mapping_slot(1), mapping_slot(2)]
    proof = get_proof(chain, probe, slots, LATEST)
    assert proof.code_hash == keccak(chain.get_code(probe))
    assert proof.storage_hash != BLANK_ROOT_HASH
    assert [(entry.slot, entry.value) for entry in proof.storage_proofs] == [(slots[0], 42), (slots[1], 43)]
    assert_account_proven(chain, proof)
    for entry in proof.storage_proofs:
        assert entry.proof
        assert_slot_proven(proof, entry)


def test_absent_account_is_an_exclusion_proof(chain):
    proof = get_proof(chain, ABSENT, [0, 1], LATEST)
    assert (proof.balance, proof.nonce) == (0, 0)
    assert proof.code_hash == EMPTY_SHA3 and proof.storage_hash == BLANK_ROOT_HASH
    assert proof.account_proof  # the path down to where the address would be
    assert proven_value(chain.state_at(LATEST).state_root, keccak(ABSENT), proof.account_proof) == b""
    assert [(entry.slot, entry.value, entry.proof) for entry in proof.storage_proofs] == [(0, 0, []), (1, 0, [])]


def test_absent_slot_of_a_contract_with_storage(chain, alice, probe):
    store(chain, alice, probe, 1, 42)
    proof = get_proof(chain, probe, [mapping_slot(7), 0], LATEST)
    for entry in proof.storage_proofs:
        assert entry.value == 0 and entry.proof
        assert proven_value(proof.storage_hash, keccak(entry.slot.to_bytes(32, "big")), entry.proof) == b""


def test_past_block_gives_that_blocks_values(chain, alice, probe):
    store(chain, alice, probe, 1, 42)
    past = chain.head_number
    past_balance = chain.get_balance(alice.address)
    store(chain, alice, probe, 1, 43)
    old, new = get_proof(chain, probe, [mapping_slot(1)], past), get_proof(chain, probe, [mapping_slot(1)], LATEST)
    assert old.storage_proofs[0].value == 42 and new.storage_proofs[0].value == 43
    assert old.storage_hash != new.storage_hash
    assert_account_proven(chain, old, past)
    assert_slot_proven(old, old.storage_proofs[0])
    sender = get_proof(chain, alice.address, [], past)
    assert sender.balance == past_balance and sender.balance > chain.get_balance(alice.address)
    assert_account_proven(chain, sender, past)


def test_dev_edits_change_the_latest_proof(chain, bob, probe):
    before = get_proof(chain, probe, [5], LATEST)
    chain.set_storage_at(probe, 5, 99)
    chain.set_balance(bob.address, 7)
    edited = get_proof(chain, probe, [5], LATEST)
    assert edited.storage_proofs[0].value == 99 and edited.storage_hash != before.storage_hash
    assert_slot_proven(edited, edited.storage_proofs[0])
    # The proofs are of the effective root, which the edits moved off the header's.
    assert chain.state_at(LATEST).state_root != chain.head.state_root
    assert_account_proven(chain, edited)
    funded = get_proof(chain, bob.address, [], LATEST)
    assert funded.balance == 7
    assert_account_proven(chain, funded)


def test_pending_includes_pooled_transactions(chain, alice, bob):
    chain.set_automine(False)
    chain.send_transaction(alice.address, bob.address, value=ETHER)
    assert get_proof(chain, bob.address, [], LATEST).balance == chain.get_balance(bob.address)
    pending = get_proof(chain, bob.address, [], PENDING)
    assert pending.balance == chain.get_balance(bob.address) + ETHER
    assert_account_proven(chain, pending, PENDING)


def test_slot_must_be_a_uint256(chain, alice):
    with pytest.raises(InvalidRequest, match="256-bit"):
        get_proof(chain, alice.address, [2**256], LATEST)


def test_embedded_nodes_are_left_out_as_geth_does():
    """Nodes under 32 bytes live inside their parent: only the root is listed."""
    trie = HexaryTrie({})
    trie[b"\x00\x01"] = b"a"
    trie[b"\x00\x02"] = b"b"
    assert len(trie.get_proof(b"\x00\x01")) > 1  # extension, branch, leaf
    value, proof = prove(trie.db, trie.root_hash, b"\x00\x01")
    assert value == b"a" and len(proof) == 1
    assert proven_value(trie.root_hash, b"\x00\x01", proof) == b"a"
