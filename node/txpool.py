"""The transaction pool: per-sender nonce order, a queue for future nonces, replacement.

A sender's transactions are *pending* (executable) while their nonces run on
without a gap from the sender's state nonce, and *queued* after a gap. Blocks
take pending transactions in the order of their tip to the block producer (ties
by arrival), each sender's in nonce order, as geth and Anvil do.
"""
from __future__ import annotations

import heapq
import itertools
from typing import Callable, Iterator

from .errors import TransactionRejected
from .transactions import NodeTransaction

# Like geth: a replacement must raise both fee caps by at least 10%.
REPLACEMENT_BUMP_PERCENT = 10


class TxPool:
    def __init__(self) -> None:
        self._by_sender: dict[bytes, dict[int, NodeTransaction]] = {}
        self._by_hash: dict[bytes, NodeTransaction] = {}
        self._arrival: dict[bytes, int] = {}
        self._counter = itertools.count()

    def __len__(self) -> int:
        return len(self._by_hash)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._by_hash

    def get(self, tx_hash: bytes) -> NodeTransaction | None:
        return self._by_hash.get(tx_hash)

    def all(self) -> list[NodeTransaction]:
        """Every pooled transaction in arrival order."""
        return sorted(self._by_hash.values(), key=lambda tx: self._arrival[tx.hash])

    def add(self, tx: NodeTransaction) -> NodeTransaction | None:
        """Pool ``tx``; returns the transaction it replaced, if any."""
        if tx.hash in self._by_hash:
            raise TransactionRejected(f"already known: 0x{tx.hash.hex()}")
        slots = self._by_sender.setdefault(tx.sender, {})
        previous = slots.get(tx.nonce)
        if previous is not None:
            if not _outbids(tx, previous):
                raise TransactionRejected(
                    "replacement transaction underpriced: a replacement must raise "
                    f"maxFeePerGas and maxPriorityFeePerGas by at least {REPLACEMENT_BUMP_PERCENT}%"
                )
            self._forget(previous)
        self._by_sender.setdefault(tx.sender, {})[tx.nonce] = tx
        self._by_hash[tx.hash] = tx
        self._arrival[tx.hash] = next(self._counter)
        return previous

    def remove(self, tx_hash: bytes) -> None:
        tx = self._by_hash.get(tx_hash)
        if tx is not None:
            self._forget(tx)

    def clear(self) -> None:
        self._by_sender.clear()
        self._by_hash.clear()
        self._arrival.clear()

    def _forget(self, tx: NodeTransaction) -> None:
        del self._by_hash[tx.hash]
        del self._arrival[tx.hash]
        slots = self._by_sender[tx.sender]
        del slots[tx.nonce]
        if not slots:
            del self._by_sender[tx.sender]

    def drop_stale(self, state_nonce: Callable[[bytes], int]) -> list[NodeTransaction]:
        """Remove transactions whose nonce the state has already used."""
        stale = [
            tx
            for sender, slots in self._by_sender.items()
            for nonce, tx in slots.items()
            if nonce < state_nonce(sender)
        ]
        for tx in stale:
            self._forget(tx)
        return stale

    def next_nonce(self, sender: bytes, state_nonce: int) -> int:
        """The nonce after the sender's pending run (for 'pending' nonce queries)."""
        slots = self._by_sender.get(sender, {})
        nonce = state_nonce
        while nonce in slots:
            nonce += 1
        return nonce

    def split(self, state_nonce: Callable[[bytes], int]) -> tuple[dict, dict]:
        """(pending, queued), each sender -> nonce -> transaction."""
        pending: dict[bytes, dict[int, NodeTransaction]] = {}
        queued: dict[bytes, dict[int, NodeTransaction]] = {}
        for sender, slots in self._by_sender.items():
            runs_to = self.next_nonce(sender, state_nonce(sender))
            for nonce in sorted(slots):
                target = pending if nonce < runs_to else queued
                target.setdefault(sender, {})[nonce] = slots[nonce]
        return pending, queued

    def executable(
        self, state_nonce: Callable[[bytes], int], base_fee: int
    ) -> Iterator[NodeTransaction]:
        """Pending transactions in block order: best tip first, nonces in order.

        A consumer that cannot include a transaction must skip that sender's
        later ones: their nonces would no longer follow on.
        """
        heads: list[tuple[int, int, bytes, int]] = []
        for sender, slots in self._by_sender.items():
            nonce = state_nonce(sender)
            if nonce in slots:
                heads.append(self._heap_entry(slots[nonce], base_fee))
        heapq.heapify(heads)
        while heads:
            _, _, sender, nonce = heapq.heappop(heads)
            tx = self._by_sender[sender][nonce]
            yield tx
            following = self._by_sender.get(sender, {}).get(nonce + 1)
            if following is not None:
                heapq.heappush(heads, self._heap_entry(following, base_fee))

    def _heap_entry(self, tx: NodeTransaction, base_fee: int) -> tuple[int, int, bytes, int]:
        return (-tx.effective_tip(base_fee), self._arrival[tx.hash], tx.sender, tx.nonce)


def _outbids(new: NodeTransaction, old: NodeTransaction) -> bool:
    factor = 100 + REPLACEMENT_BUMP_PERCENT
    return (
        new.max_fee * 100 >= old.max_fee * factor
        and new.max_priority_fee * 100 >= old.max_priority_fee * factor
    )
