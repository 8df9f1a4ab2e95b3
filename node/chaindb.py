"""The chain's records in the store: what each sub-database holds, and the one place that reads
and writes them (py-evm's ChainDB, for a store of our own).

The schema (store.py provides the tables; this module is the only one that knows their keys
and values):

- ``nodes``   keccak -> state trie node or contract code (written by py-evm, through StateOverlay)
- ``headers`` block hash -> RLP header
- ``bodies``  block hash -> msgpack [raw txs, senders, impersonated flags, encoded receipts]
- ``canon``   u64 big-endian number -> block hash ++ effective state root
- ``txs``     tx hash -> msgpack [block number, index]
- ``meta``    str key -> msgpack value: ``head`` (number), ``genesis`` (its JSON), ``ml_precompiles``,
  ``clock`` ([offset, next timestamp]), ``next_block`` (NextBlock.to_list()), ``snapshots``
  ({id: [number, hash, root, offset, next timestamp, pool]}), ``next_snapshot_id``
- ``pool``    tx hash -> msgpack [raw tx, sender, impersonated]

The effective state root of a block is its header's root unless a dev edit
(``anvil_setBalance`` and friends) changed the state after it was mined: like
Hardhat, those edits apply on top of the latest block without a new block.
Headers and blocks are cached here (a few thousand headers, a few hundred blocks).
"""
from __future__ import annotations

from typing import Any, Iterator

import rlp
from eth.abc import BlockHeaderAPI

from . import transactions as txs
from .blocks import Block
from .errors import ChainError
from .store import Store, WriteSet, number_key, pack, unpack

HEADER_CACHE = 4096
BLOCK_CACHE = 256


class ChainDB:
    def __init__(self, store: Store, vm_class: Any) -> None:
        self.store = store
        self.vm_class = vm_class
        self._headers: dict[bytes, BlockHeaderAPI] = {}
        self._blocks: dict[bytes, Block] = {}

    # ------------------------------------------------------------------ reads
    def canonical(self, number: int) -> tuple[bytes, bytes] | None:
        """(block hash, effective state root) of canonical block ``number``, None past the head."""
        value = self.store.get("canon", number_key(number))
        return None if value is None else (value[:32], value[32:])

    def header(self, block_hash: bytes) -> BlockHeaderAPI | None:
        header = self._headers.get(block_hash)
        if header is None:
            raw = self.store.get("headers", block_hash)
            if raw is None:
                return None
            header = rlp.decode(raw, sedes=self.vm_class.header_class)
            if len(self._headers) > HEADER_CACHE:
                self._headers.clear()
            self._headers[block_hash] = header
        return header

    def block(self, block_hash: bytes) -> Block:
        """A stored block (its hash must be known)."""
        block = self._blocks.get(block_hash)
        if block is None:
            header = self.header(block_hash)
            raw_txs, senders, impersonated, raw_receipts = unpack(self.store.get("bodies", block_hash))
            receipt_builder = self.vm_class.get_receipt_builder()
            block = Block(
                header,
                tuple(
                    txs.restore(self.vm_class, raw, sender, fake)
                    for raw, sender, fake in zip(raw_txs, senders, impersonated)
                ),
                tuple(receipt_builder.decode(raw) for raw in raw_receipts),
            )
            self.remember(block)
        return block

    def remember(self, block: Block) -> None:
        """Cache ``block`` (one just mined: it will be asked for)."""
        if len(self._blocks) > BLOCK_CACHE:
            self._blocks.clear()
        self._blocks[block.hash] = block

    def forget(self) -> None:
        """Drop the caches (after a rewind, cached blocks may be gone)."""
        self._blocks.clear()
        self._headers.clear()

    def transaction_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        """(block number, index) of a mined transaction."""
        location = self.store.get("txs", tx_hash)
        return None if location is None else tuple(unpack(location))

    def pooled(self) -> Iterator[txs.NodeTransaction]:
        for _, value in self.store.iterate("pool"):
            raw, sender, impersonated = unpack(value)
            yield txs.restore(self.vm_class, raw, sender, impersonated)

    def get_meta(self, key: str, default: Any = None) -> Any:
        return self.store.get_meta(key, default)

    def check_genesis(self, wanted: dict, ml_precompiles: bool) -> None:
        """The stored chain was created from the genesis spec ``wanted`` and the same precompile
        rules, or ChainError says what differs."""
        if self.get_meta("ml_precompiles") != ml_precompiles:
            # Its blocks were executed under the other rules; replaying or tracing them would lie.
            raise ChainError(
                f"the data dir {self.store.path} holds a chain created "
                f"{'without' if ml_precompiles else 'with'} the ML precompiles; open it the same way "
                "(with or without --no-ml-precompiles), or use another --data-dir"
            )
        stored = self.get_meta("genesis")
        if stored != wanted:
            raise ChainError(
                f"the data dir {self.store.path} holds a chain created from a different "
                f"genesis (differs in: {', '.join(_differing_paths(stored, wanted))}); use another --data-dir, "
                "or the same genesis file and flags it was created with"
            )

    # ------------------------------------------------------------------ writes (into a WriteSet)
    def write_genesis(self, writes: WriteSet, block: Block, spec: dict, ml_precompiles: bool) -> None:
        """Block 0, with what later opens check it against (the spec, the precompile rules)."""
        self.write_block(writes, block)
        self.put_meta(writes, "genesis", spec)
        self.put_meta(writes, "ml_precompiles", ml_precompiles)
        self.put_meta(writes, "clock", [0, None])

    def write_block(self, writes: WriteSet, block: Block) -> None:
        """A mined block, its indexes, and the head pointer."""
        header = block.header
        writes.put("headers", header.hash, rlp.encode(header))
        writes.put("bodies", header.hash, pack([
            [tx.raw for tx in block.transactions],
            [tx.sender for tx in block.transactions],
            [tx.impersonated for tx in block.transactions],
            [receipt.encode() for receipt in block.receipts],
        ]))
        self.write_head(writes, header.block_number, header.hash, header.state_root)
        for index, tx in enumerate(block.transactions):
            writes.put("txs", tx.hash, pack([header.block_number, index]))

    def write_head(self, writes: WriteSet, number: int, block_hash: bytes, root: bytes) -> None:
        """Block ``number`` is canonical with effective state ``root``, and the head."""
        writes.put("canon", number_key(number), block_hash + root)
        writes.put("meta", b"head", pack(number))

    def discard_blocks(self, writes: WriteSet, first: int, last: int) -> None:
        """Delete canonical blocks ``first`` to ``last`` and their transactions' indexes."""
        for number in range(first, last + 1):
            block_hash = self.canonical(number)[0]
            for tx in self.block(block_hash).transactions:
                writes.delete("txs", tx.hash)
            writes.delete("canon", number_key(number))
            writes.delete("headers", block_hash)
            writes.delete("bodies", block_hash)

    @staticmethod
    def pool_put(writes: WriteSet, tx: txs.NodeTransaction) -> None:
        writes.put("pool", tx.hash, pack([tx.raw, tx.sender, tx.impersonated]))

    @staticmethod
    def pool_delete(writes: WriteSet, tx_hash: bytes) -> None:
        writes.delete("pool", tx_hash)

    @staticmethod
    def put_meta(writes: WriteSet, key: str, value: Any) -> None:
        writes.put("meta", key.encode(), pack(value))

    def commit(self, writes: WriteSet) -> None:
        self.store.commit(writes)


def _differing_paths(stored: Any, wanted: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the genesis fields that differ (``config.chainId``)."""
    if isinstance(stored, dict) and isinstance(wanted, dict):
        paths = []
        for key in sorted(set(stored) | set(wanted)):
            paths += _differing_paths(stored.get(key), wanted.get(key), f"{prefix}{key}.")
        return paths
    return [] if stored == wanted else [prefix.rstrip(".")]
