"""Read-side views of mined blocks: blocks, receipts, logs and log filters."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from eth._utils.address import generate_contract_address
from eth.abc import BlockHeaderAPI, ReceiptAPI
from eth_bloom import BloomFilter

from .transactions import NodeTransaction

LATEST, PENDING, EARLIEST, SAFE, FINALIZED = "latest", "pending", "earliest", "safe", "finalized"
BLOCK_TAGS = (LATEST, PENDING, EARLIEST, SAFE, FINALIZED)
BlockRef = int | bytes | str  # number, 32-byte hash, or one of BLOCK_TAGS


@dataclass(frozen=True)
class LogEntry:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: bytes
    transaction_hash: bytes
    transaction_index: int
    log_index: int  # position in the block


@dataclass(frozen=True)
class TransactionReceipt:
    transaction_hash: bytes
    transaction_index: int
    block_hash: bytes
    block_number: int
    sender: bytes
    to: bytes | None  # None for contract creation
    contract_address: bytes | None
    cumulative_gas_used: int
    gas_used: int
    effective_gas_price: int
    status: int  # 1 success, 0 failure
    logs: tuple[LogEntry, ...]
    logs_bloom: int
    type: int


@dataclass(frozen=True)
class Block:
    """A mined block: header, transactions (senders known) and receipts."""

    header: BlockHeaderAPI
    transactions: tuple[NodeTransaction, ...]
    receipts: tuple[ReceiptAPI, ...]

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @property
    def number(self) -> int:
        return self.header.block_number

    @cached_property
    def receipt_views(self) -> tuple[TransactionReceipt, ...]:
        views = []
        previous_cumulative = 0
        log_index = 0
        base_fee = self.header.base_fee_per_gas
        for index, (tx, receipt) in enumerate(zip(self.transactions, self.receipts)):
            logs = []
            for log in receipt.logs:
                logs.append(LogEntry(
                    address=log.address,
                    topics=tuple(topic.to_bytes(32, "big") for topic in log.topics),
                    data=log.data,
                    block_number=self.number,
                    block_hash=self.hash,
                    transaction_hash=tx.hash,
                    transaction_index=index,
                    log_index=log_index,
                ))
                log_index += 1
            creates = tx.to == b""
            views.append(TransactionReceipt(
                transaction_hash=tx.hash,
                transaction_index=index,
                block_hash=self.hash,
                block_number=self.number,
                sender=tx.sender,
                to=None if creates else tx.to,
                contract_address=generate_contract_address(tx.sender, tx.nonce) if creates else None,
                cumulative_gas_used=receipt.gas_used,
                gas_used=receipt.gas_used - previous_cumulative,
                effective_gas_price=tx.effective_gas_price(base_fee),
                status=1 if receipt.state_root == b"\x01" else 0,
                logs=tuple(logs),
                logs_bloom=receipt.bloom,
                type=tx.type_id,
            ))
            previous_cumulative = receipt.gas_used
        return tuple(views)


@dataclass(frozen=True)
class LogFilter:
    """eth_getLogs semantics: any of ``addresses``; per topic position, any of its values.

    An empty ``addresses`` matches every address; a position of None or an
    empty tuple matches any topic there.
    """

    addresses: tuple[bytes, ...] = ()
    topics: tuple[tuple[bytes, ...] | None, ...] = ()

    def may_match_bloom(self, bloom: int) -> bool:
        """False only when the block certainly holds no matching log."""
        bloom_filter = BloomFilter(bloom)
        if self.addresses and not any(address in bloom_filter for address in self.addresses):
            return False
        return all(
            not options or any(topic in bloom_filter for topic in options)
            for options in self.topics
        )

    def matches(self, log: LogEntry) -> bool:
        if self.addresses and log.address not in self.addresses:
            return False
        if len(self.topics) > len(log.topics):
            return False
        return all(
            not options or log.topics[position] in options
            for position, options in enumerate(self.topics)
        )


def normalize_topics(topics: Sequence[bytes | Sequence[bytes] | None]) -> tuple[tuple[bytes, ...] | None, ...]:
    """Accept the JSON-RPC shape (a topic, a list of topics, or null per position)."""
    normalized: list[tuple[bytes, ...] | None] = []
    for options in topics:
        if options is None:
            normalized.append(None)
        elif isinstance(options, (bytes, bytearray)):
            normalized.append((bytes(options),))
        else:
            normalized.append(tuple(bytes(option) for option in options))
    return tuple(normalized)


@dataclass(frozen=True)
class TransactionLookup:
    """A transaction and where it is: mined (block fields set) or still pooled."""

    transaction: NodeTransaction
    block_hash: bytes | None = None
    block_number: int | None = None
    index: int | None = None
    base_fee: int | None = None  # of the block it is in, for its effective gas price
    block_timestamp: int | None = None

    @classmethod
    def in_block(cls, block: Block, index: int) -> "TransactionLookup":
        header = block.header
        return cls(block.transactions[index], block.hash, block.number, index, header.base_fee_per_gas, header.timestamp)
