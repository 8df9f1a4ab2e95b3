"""Merkle proofs of accounts and storage slots: JSON-RPC ``eth_getProof`` (EIP-1186).

A proof is the list of trie nodes on the path from a state root to a key, so a
client holding only the root (from a block header) can check a balance or a
storage value without trusting the node. The nodes are read straight from the
store's trie tables with the ``trie`` package, on the block's *effective* state
root: after a dev edit (``set_balance`` and friends) that is not the header's
root, and proofs must match what ``eth_getBalance``/``eth_getStorageAt`` say.

Absent accounts and slots get exclusion proofs (the nodes up to where the path
ends) and the values geth reports for them: zero, the empty code hash and the
empty trie root.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, NamedTuple

import rlp
from eth.rlp.accounts import Account
from eth_hash.auto import keccak
from trie import HexaryTrie

from .blocks import BlockRef
from .errors import InvalidRequest

if TYPE_CHECKING:
    from .chain import Chain

UINT256_LIMIT = 2**256


class StorageProof(NamedTuple):
    """One storage slot's value and the storage-trie nodes that prove it."""

    slot: int
    value: int
    proof: list[bytes]


@dataclass(frozen=True)
class AccountProof:
    """An account's fields, its account-trie proof and its storage proofs.

    Proof nodes are RLP-encoded, root first, as EIP-1186 lists them.
    """

    address: bytes
    balance: int
    nonce: int
    code_hash: bytes
    storage_hash: bytes
    account_proof: list[bytes]
    storage_proofs: list[StorageProof]


def get_proof(chain: Chain, address: bytes, slots: list[int], ref: BlockRef) -> AccountProof:
    """The EIP-1186 proof of ``address`` and its ``slots`` after block ``ref``.

    The block is resolved as ``chain.state_at`` resolves it (``pending``: the
    block the pool would make now), and everything is read under the chain's
    lock so a block mined meanwhile cannot mix two states.
    """
    for slot in slots:
        if not 0 <= slot < UINT256_LIMIT:
            raise InvalidRequest(f"storage slot {slot} is not a 256-bit unsigned integer")
    with chain.lock:
        nodes, state_root = chain.state_nodes(ref)
        encoded_account, account_proof = prove(nodes, state_root, keccak(address))
        account = rlp.decode(encoded_account, sedes=Account) if encoded_account else Account()
        storage_proofs = [_prove_slot(nodes, account.storage_root, slot) for slot in slots]
    return AccountProof(
        address=address,
        balance=account.balance,
        nonce=account.nonce,
        code_hash=account.code_hash,
        storage_hash=account.storage_root,
        account_proof=account_proof,
        storage_proofs=storage_proofs,
    )


def prove(nodes: Mapping[bytes, bytes], root: bytes, key: bytes) -> tuple[bytes, list[bytes]]:
    """(value, proof) of ``key`` in the trie at ``root``; value b"" when absent.

    Like geth, the proof lists only nodes stored under their hash (and the
    root): a node shorter than 32 bytes is embedded in its parent, so a
    verifier already has it.
    """
    trie = HexaryTrie(nodes, root)
    encoded = [rlp.encode(node) for node in trie.get_proof(key)]
    proof = [node for index, node in enumerate(encoded) if index == 0 or len(node) >= 32]
    return trie.get(key), proof


def _prove_slot(nodes: Mapping[bytes, bytes], storage_root: bytes, slot: int) -> StorageProof:
    encoded_value, proof = prove(nodes, storage_root, keccak(slot.to_bytes(32, "big")))
    value = rlp.decode(encoded_value, sedes=rlp.sedes.big_endian_int) if encoded_value else 0
    return StorageProof(slot, value, proof)
