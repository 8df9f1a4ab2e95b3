"""The chain: blocks on py-evm's VM, committed to the store one atomic write per block.

py-evm's ``MiningChain`` re-imports the pending block for every transaction
(O(n^2) per block) and its ``get_transaction_result`` cannot run EIP-1559
transactions, so sumchain drives the VM itself: one VM per block, each
transaction applied once, the block's state trie nodes, header, body, indexes
and head pointer written in one LMDB transaction. A transaction hash is
returned (in automine) only after that commit.

All public methods are thread-safe (one re-entrant lock): the interval miner
and the RPC server call them from different threads.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Sequence

import rlp
from eth.abc import BlockHeaderAPI, ComputationAPI, ReceiptAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.consensus.context import ConsensusContext
from eth.constants import BLANK_ROOT_HASH, ZERO_HASH32
from eth.db.trie import make_trie_root_and_nodes
from eth.exceptions import HeaderNotFound
from eth_utils import ValidationError
from eth.vm.chain_context import ChainContext
from eth.vm.forks.cancun.constants import BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CONTRACT_CODE
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth.vm.forks.prague.constants import HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CONTRACT_CODE
from eth_hash.auto import keccak

from vm.fork import fork_config, max_transaction_gas, since_prague, vm_class_for
from vm.osaka import BlockSizeBudget
from vm.tracing import Deadline, ExecutionTimeout, attach

from . import transactions as txs
from .accounts import DevAccount, derive_accounts
from .blocks import (
    EARLIEST, FINALIZED, LATEST, PENDING, SAFE, Block, BlockRef, LogEntry, LogFilter,
    TransactionReceipt,
)
from .errors import ChainError, ExecutionFailed, InvalidRequest, TransactionFailed, TransactionRejected, UnknownBlock
from .execution import (
    CallRequest, CallResult, estimate_gas, execute_call, failure_of, initcode_too_large, minimum_gas,
    request_minimum_gas,
)
from .genesis import MAX_GAS_LIMIT, MAX_UINT64, MIN_GAS_LIMIT, Genesis
from .store import StateOverlay, Store, WriteSet, number_key, pack, unpack
from .txpool import TxPool

log = logging.getLogger("sumchain.chain")

# Defaults a dev node fills in for eth_sendTransaction, as Hardhat and Anvil do.
DEFAULT_PRIORITY_FEE = 10**9
MAX_MINED_BLOCKS = 10_000  # blocks one anvil_mine may make
LOG_SCAN_STRETCH = 1_000  # blocks a log query scans per hold of the chain lock


@dataclass(frozen=True)
class TransactionLookup:
    """A transaction and where it is: mined (block fields set) or still pooled."""

    transaction: txs.NodeTransaction
    block_hash: bytes | None = None
    block_number: int | None = None
    index: int | None = None
    base_fee: int | None = None  # of the block it is in, for its effective gas price
    block_timestamp: int | None = None


    @classmethod
    def in_block(cls, block: Block, index: int) -> "TransactionLookup":
        header = block.header
        return cls(block.transactions[index], block.hash, block.number, index, header.base_fee_per_gas, header.timestamp)


@dataclass
class _Built:
    """A block built on an overlay, not yet committed."""

    block: Block
    overlay: StateOverlay
    rejected: list[tuple[txs.NodeTransaction, str]]
    computations: list[ComputationAPI] = field(default_factory=list)


@dataclass(frozen=True)
class NextBlock:
    """What the dev setters ask of the blocks to come (Hardhat's and Anvil's)."""

    coinbase: bytes | None = None  # this block and every later one (anvil_setCoinbase)
    gas_limit: int | None = None  # this block; later ones inherit it from their parent (evm_setBlockGasLimit)
    base_fee: int | None = None  # this block only (anvil_setNextBlockBaseFeePerGas)
    prev_randao: bytes | None = None  # this block only (hardhat_setPrevRandao)

    def after_mining(self) -> "NextBlock":
        return NextBlock(coinbase=self.coinbase)

    def to_list(self) -> list:
        return [self.coinbase, self.gas_limit, self.base_fee, self.prev_randao]


@dataclass(frozen=True)
class Snapshot:
    head_number: int
    head_hash: bytes
    head_root: bytes
    time_offset: int
    next_timestamp: int | None
    pool: list  # [raw, sender, impersonated] of each pooled transaction


class _ChainView:
    """The slice of py-evm's ChainDB API a VM uses: its state database,
    ancestor headers (BLOCKHASH) and, in Prague, the receipts of the block
    being built (deposit requests)."""

    def __init__(self, chain: "Chain", overlay: StateOverlay) -> None:
        self._chain = chain
        self.overlay = overlay
        self.db = overlay.atomic()
        self.receipts: tuple[ReceiptAPI, ...] = ()

    def get_block_header_by_hash(self, block_hash: bytes) -> BlockHeaderAPI:
        header = self._chain._header_by_hash(block_hash)
        if header is None:
            raise HeaderNotFound(f"no header 0x{block_hash.hex()}")
        return header

    def get_receipts(self, header: BlockHeaderAPI, receipt_decoder: Any) -> tuple[ReceiptAPI, ...]:
        return self.receipts


class Chain:
    """A single-node development chain with a persistent store."""

    def __init__(
        self,
        genesis: Genesis,
        store: Store,
        *,
        automine: bool = True,
        throw_on_failures: bool = False,
        clock: Callable[[], float] = time.time,
        ml_precompiles: bool = True,
    ) -> None:
        self.genesis = genesis
        self.store = store
        self.chain_id = genesis.chain_id
        self.vm_class = vm_class_for(genesis.hardfork, ml_precompiles)
        self._calldata_floor = since_prague(genesis.hardfork)
        self._chain_context = ChainContext(self.chain_id)
        self._consensus_context = ConsensusContext(None)
        self._clock = clock
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._headers: dict[bytes, BlockHeaderAPI] = {}
        self._blocks: dict[bytes, Block] = {}
        self._reader: tuple[bytes, StateAPI] | None = None
        self._call_header_cache: tuple[tuple | None, BlockHeaderAPI | None] = (None, None)
        self.pool = TxPool()
        self.impersonated: set[bytes] = set()
        self.automine = automine
        self.throw_on_failures = throw_on_failures
        self.accounts: list[DevAccount] = derive_accounts(
            genesis.dev_accounts.mnemonic, genesis.dev_accounts.count
        )
        self._keys = {account.address: account.private_key for account in self.accounts}
        self._listeners: list[Callable[[Block], None]] = []
        self._pending_listeners: list[Callable[[txs.NodeTransaction], None]] = []
        self.ml_precompiles = ml_precompiles
        if store.get_meta("head") is None:
            self._create_genesis()
        else:
            self._check_genesis()
        self._load()

    # ------------------------------------------------------------------ setup
    @classmethod
    def open(
        cls, genesis: Genesis, data_dir: str | None, *, sync: bool = True, **kwargs: Any
    ) -> "Chain":
        """Open (or create) the chain under ``data_dir``; None keeps it in memory."""
        store = Store(data_dir, sync=sync)
        try:
            return cls(genesis, store, **kwargs)
        except BaseException:
            store.close()  # release the data dir for the next attempt
            raise

    def close(self) -> None:
        with self._lock:
            self.store.close()

    def _create_genesis(self) -> None:
        overlay = StateOverlay(self.store)
        spec = self.genesis
        timestamp = spec.timestamp if spec.timestamp is not None else int(self._clock())
        params = dict(
            difficulty=0, gas_limit=spec.gas_limit, timestamp=timestamp,
            coinbase=spec.coinbase, extra_data=spec.extra_data, mix_hash=spec.mix_hash,
            nonce=b"\x00" * 8, base_fee_per_gas=spec.base_fee_per_gas,
            parent_beacon_block_root=ZERO_HASH32,
        )
        state = self.vm_class.build_state(
            overlay.atomic(), self.vm_class.create_genesis_header(**params), self._chain_context, ()
        )
        # EIP-4788 and EIP-2935 system contracts, present from genesis as on mainnet.
        state.set_code(BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CONTRACT_CODE)
        if since_prague(self.genesis.hardfork):
            state.set_code(HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CONTRACT_CODE)
        for account in self.accounts:
            state.set_balance(account.address, spec.dev_accounts.balance)
        for address, entry in spec.alloc.items():
            state.set_balance(address, entry.balance)
            state.set_nonce(address, entry.nonce)
            if entry.code:
                state.set_code(address, entry.code)
            for slot, value in entry.storage.items():
                state.set_storage(address, slot, value)
        state.persist()
        header = self.vm_class.create_genesis_header(state_root=state.state_root, **params)
        block = Block(header, (), ())
        writes = WriteSet()
        overlay.add_to(writes)
        self._write_block(writes, block)
        writes.put("meta", b"genesis", pack(spec.to_json()))
        writes.put("meta", b"ml_precompiles", pack(self.ml_precompiles))
        writes.put("meta", b"clock", pack([0, None]))
        self.store.commit(writes)
        log.info("created genesis block 0x%s (chain id %d)", header.hash.hex(), self.chain_id)

    def _check_genesis(self) -> None:
        if self.store.get_meta("ml_precompiles") != self.ml_precompiles:
            # Its blocks were executed under the other rules; replaying or tracing them would lie.
            raise ChainError(
                f"the data dir {self.store.path} holds a chain created "
                f"{'without' if self.ml_precompiles else 'with'} the ML precompiles; open it the same way "
                "(with or without --no-ml-precompiles), or use another --data-dir"
            )
        stored = self.store.get_meta("genesis")
        wanted = self.genesis.to_json()
        if stored != wanted:
            differing = _differing_paths(stored, wanted)
            raise ChainError(
                f"the data dir {self.store.path} holds a chain created from a different "
                f"genesis (differs in: {', '.join(differing)}); use another --data-dir, "
                "or the same genesis file and flags it was created with"
            )

    def _load(self) -> None:
        self._head_number = self.store.get_meta("head")
        self._head_hash, self._head_root = self._canon(self._head_number)
        self._time_offset, self._next_timestamp = self.store.get_meta("clock")
        self._next_block = NextBlock(*self.store.get_meta("next_block", []))
        for _, value in self.store.iterate("pool"):
            raw, sender, impersonated = unpack(value)
            self.pool.add(txs.restore(self.vm_class, raw, sender, impersonated))
        self._drop_stale_pool_entries()

    # ------------------------------------------------------------------ block access
    def _canon(self, number: int) -> tuple[bytes, bytes] | None:
        value = self.store.get("canon", number_key(number))
        return None if value is None else (value[:32], value[32:])

    def _header_by_hash(self, block_hash: bytes) -> BlockHeaderAPI | None:
        header = self._headers.get(block_hash)
        if header is None:
            raw = self.store.get("headers", block_hash)
            if raw is None:
                return None
            header = rlp.decode(raw, sedes=self.vm_class.header_class)
            if len(self._headers) > 4096:
                self._headers.clear()
            self._headers[block_hash] = header
        return header

    @property
    def head(self) -> BlockHeaderAPI:
        return self._header_by_hash(self._head_hash)

    @property
    def head_number(self) -> int:
        return self._head_number

    def resolve_number(self, ref: BlockRef) -> int:
        """The number of a mined block (``pending`` resolves to the head)."""
        with self._lock:
            if isinstance(ref, str):
                if ref in (LATEST, PENDING, SAFE, FINALIZED):
                    return self._head_number
                if ref == EARLIEST:
                    return 0
                raise InvalidRequest(f"unknown block tag {ref!r}")
            if isinstance(ref, bytes):
                header = self._header_by_hash(ref)
                if header is None or self._canon(header.block_number)[0] != ref:
                    raise UnknownBlock(f"unknown block hash 0x{ref.hex()}")
                return header.block_number
            if not 0 <= ref <= self._head_number:
                raise UnknownBlock(f"block {ref} is beyond the head ({self._head_number})")
            return ref

    def get_header(self, ref: BlockRef = LATEST) -> BlockHeaderAPI:
        with self._lock:
            return self._header_by_hash(self._canon(self.resolve_number(ref))[0])

    def get_block(self, ref: BlockRef = LATEST) -> Block:
        """A mined block; ``pending`` gives the block the pool would make now."""
        with self._lock:
            if ref == PENDING:
                return self._build_pending().block
            return self._block_by_hash(self._canon(self.resolve_number(ref))[0])

    def _block_by_hash(self, block_hash: bytes) -> Block:
        block = self._blocks.get(block_hash)
        if block is None:
            header = self._header_by_hash(block_hash)
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
            if len(self._blocks) > 256:
                self._blocks.clear()
            self._blocks[block_hash] = block
        return block

    def get_transaction(self, tx_hash: bytes) -> TransactionLookup | None:
        with self._lock:
            location = self.store.get("txs", tx_hash)
            if location is None:
                pooled = self.pool.get(tx_hash)
                return None if pooled is None else TransactionLookup(pooled)
            number, index = unpack(location)
            block = self._block_by_hash(self._canon(number)[0])
            return TransactionLookup.in_block(block, index)

    def get_receipt(self, tx_hash: bytes) -> TransactionReceipt | None:
        with self._lock:
            location = self.store.get("txs", tx_hash)
            if location is None:
                return None
            number, index = unpack(location)
            return self._block_by_hash(self._canon(number)[0]).receipt_views[index]

    def get_logs(
        self, log_filter: LogFilter, from_block: BlockRef = LATEST, to_block: BlockRef = LATEST,
        max_results: int | None = None,
    ) -> list[LogEntry]:
        """Logs of mined blocks in [from_block, to_block] that match, in chain order.

        The lock is taken per stretch of blocks, so a long scan never holds
        up mining or other readers for long; a scan the chain was reverted
        under (evm_revert) is refused rather than answered with a mix.
        """
        with self._lock:
            first, last = self.resolve_number(from_block), self.resolve_number(to_block)
            if first > last:
                raise InvalidRequest(f"fromBlock ({first}) is after toBlock ({last})")
            last_hash = self._canon(last)[0]
        found: list[LogEntry] = []
        for start in range(first, last + 1, LOG_SCAN_STRETCH):
            with self._lock:
                if self.head_number < last or self._canon(last)[0] != last_hash:
                    raise ChainError("the chain was reverted during the log query; query again")
                for number in range(start, min(start + LOG_SCAN_STRETCH, last + 1)):
                    block_hash = self._canon(number)[0]
                    if not log_filter.may_match_bloom(self._header_by_hash(block_hash).bloom):
                        continue
                    for receipt in self._block_by_hash(block_hash).receipt_views:
                        found.extend(entry for entry in receipt.logs if log_filter.matches(entry))
                    if max_results is not None and len(found) > max_results:
                        raise ChainError(
                            f"query returned more than {max_results} results; narrow the block range or the filter"
                        )
        return found

    # ------------------------------------------------------------------ state access
    def state_at(self, ref: BlockRef = LATEST) -> StateAPI:
        """A throwaway state after block ``ref`` (``pending``: after the pool's block)."""
        with self._lock:
            if ref == PENDING and len(self.pool):
                built = self._build_pending()
                return self._state(built.overlay, built.block.header, built.block.header.state_root)
            number = self.resolve_number(ref)
            block_hash, root = self._canon(number)
            overlay = StateOverlay(self.store)
            return self._state(overlay, self._header_by_hash(block_hash), root)

    def _head_reader(self) -> StateAPI:
        """A state of the head for reads only, kept until the head state changes."""
        if self._reader is None or self._reader[0] != self._head_root:
            self._reader = (self._head_root, self._state(StateOverlay(self.store), self.head, self._head_root))
        return self._reader[1]

    def _state(self, overlay: StateOverlay, header: BlockHeaderAPI, root: bytes) -> StateAPI:
        view = _ChainView(self, overlay)
        prev_hashes = self.vm_class.get_prev_hashes(header.parent_hash, view)
        return self.vm_class.build_state(view.db, header.copy(state_root=root), self._chain_context, prev_hashes)

    def _reader_at(self, ref: BlockRef) -> StateAPI:
        if ref == LATEST:
            return self._head_reader()
        return self.state_at(ref)

    def get_balance(self, address: bytes, ref: BlockRef = LATEST) -> int:
        with self._lock:
            return self._reader_at(ref).get_balance(address)

    def get_nonce(self, address: bytes, ref: BlockRef = LATEST) -> int:
        """The account nonce; ``pending`` counts the sender's pooled run too."""
        with self._lock:
            nonce = self._reader_at(LATEST if ref == PENDING else ref).get_nonce(address)
            return self.pool.next_nonce(address, nonce) if ref == PENDING else nonce

    def get_code(self, address: bytes, ref: BlockRef = LATEST) -> bytes:
        with self._lock:
            return self._reader_at(ref).get_code(address)

    def get_storage_at(self, address: bytes, slot: int, ref: BlockRef = LATEST) -> int:
        with self._lock:
            return self._reader_at(ref).get_storage(address, slot)

    # ------------------------------------------------------------------ calls
    def call(self, request: CallRequest, ref: BlockRef = LATEST,
             state_override: Callable[[StateAPI], None] | None = None,
             timeout: float | None = None) -> CallResult:
        """Run ``request`` without a transaction on a block's state.

        On a mined block N (``latest`` included) it runs on N's state in N's own
        context, as geth and Hardhat do; ``pending`` runs after the pool's
        transactions in the context of the block about to be mined. A call still
        running after ``timeout`` seconds fails with ExecutionFailed.
        """
        with self._lock:
            header, state_factory = self._call_context(ref, request.pays_fees)
        prepare = _preparation(state_override, None if timeout is None else Deadline(timeout))
        with timeouts_as_failures():
            return execute_call(self.vm_class, prepare(state_factory()), request, self.chain_id,
                                header.gas_limit, self._calldata_floor)

    def estimate_gas(self, request: CallRequest, ref: BlockRef = PENDING,
                     state_override: Callable[[StateAPI], None] | None = None,
                     timeout: float | None = None) -> int:
        """The least gas limit with which ``request`` succeeds (exact, by search).

        ``timeout`` bounds the whole search, not each run.
        """
        with self._lock:
            header, state_factory = self._call_context(ref, request.pays_fees)
        cap = header.gas_limit if request.gas is None else request.gas
        cap = min(cap, max_transaction_gas(self.vm_class) or cap)  # EIP-7825, as geth: what a transaction may have
        prepare = _preparation(state_override, None if timeout is None else Deadline(timeout))

        def run(gas: int) -> CallResult:
            return execute_call(self.vm_class, prepare(state_factory()), replace(request, gas=gas),
                                self.chain_id, gas, self._calldata_floor)

        with timeouts_as_failures():
            return estimate_gas(run, cap, request_minimum_gas(self.vm_class, self.chain_id, request, self._calldata_floor))

    def _call_context(self, ref: BlockRef, pays_fees: bool) -> tuple[BlockHeaderAPI, Callable[[], StateAPI]]:
        if ref == PENDING and len(self.pool):
            built = self._build_pending()
            overlay, root = built.overlay, built.block.header.state_root
            header = _call_fees(built.block.header, pays_fees)
        else:
            number = self.resolve_number(ref)
            block_hash, root = self._canon(number)
            overlay = StateOverlay(self.store)
            header = self._call_header(ref == PENDING, block_hash, root, pays_fees)
        pending_writes = dict(overlay.pending)

        def fresh_state() -> StateAPI:
            scratch = StateOverlay(self.store)
            scratch.pending.update(pending_writes)
            return self._state(scratch, header, root)

        return header, fresh_state

    # ------------------------------------------------------------------ transactions in
    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Admit a signed transaction; in automine, return only after it is mined."""
        tx = txs.from_raw(self.vm_class, raw)
        return self._submit(tx)

    def send_transaction(self, sender: bytes, to: bytes = b"", **fields: Any) -> bytes:
        """Send from a dev account (signed with its key) or an impersonated one.

        ``fields`` are those of ``prepare_transaction``, which fills what is missing.
        """
        with self._lock:
            return self._submit(self.prepare_transaction(sender, to, **fields))

    def prepare_transaction(
        self,
        sender: bytes,
        to: bytes = b"",
        *,
        value: int = 0,
        data: bytes = b"",
        gas: int | None = None,
        gas_price: int | None = None,
        max_fee_per_gas: int | None = None,
        max_priority_fee_per_gas: int | None = None,
        nonce: int | None = None,
        access_list: Sequence[tuple[bytes, Sequence[int]]] = (),
    ) -> txs.NodeTransaction:
        """A transaction from a dev or impersonated account, signed but not sent.

        Missing fields are filled as Hardhat and Anvil fill them: the pending
        nonce, an exact gas estimate, and fees of 2 x base fee + 1 gwei tip.
        """
        with self._lock:
            key = self._keys.get(sender)
            if key is None and sender not in self.impersonated:
                raise TransactionRejected(
                    f"unknown account 0x{sender.hex()}: not a dev account and not impersonated"
                )
            if nonce is None:
                nonce = self.get_nonce(sender, PENDING)
            base_fee = self.next_base_fee()
            if gas_price is None:
                if max_priority_fee_per_gas is None:
                    max_priority_fee_per_gas = min(DEFAULT_PRIORITY_FEE, max_fee_per_gas or DEFAULT_PRIORITY_FEE)
                if max_fee_per_gas is None:
                    max_fee_per_gas = 2 * base_fee + max_priority_fee_per_gas
            if gas is None:
                gas = self.estimate_gas(CallRequest(
                    sender=sender, to=to, data=data, value=value, gas_price=gas_price,
                    max_fee_per_gas=max_fee_per_gas, max_priority_fee_per_gas=max_priority_fee_per_gas,
                    access_list=access_list,
                ), PENDING)
            fields = txs.TransactionFields(
                nonce=nonce, gas=gas, to=to, value=value, data=data, gas_price=gas_price,
                max_fee_per_gas=max_fee_per_gas, max_priority_fee_per_gas=max_priority_fee_per_gas,
                access_list=access_list, chain_id=self.chain_id,
            )
            return txs.build_transaction(
                self.vm_class, fields, private_key=key,
                impersonated_sender=None if key is not None else sender,
            )

    def _submit(self, tx: txs.NodeTransaction) -> bytes:
        with self._lock:
            self._admit(tx)
            for built in self._automine_pool():
                for rejected, reason in built.rejected:
                    if rejected.hash == tx.hash:
                        raise TransactionRejected(reason)
                for mined, computation in zip(built.block.transactions, built.computations):
                    if mined.hash == tx.hash and computation.is_error and self.throw_on_failures:
                        raise TransactionFailed(*failure_of(computation), tx.hash)
            return tx.hash

    def _admit(self, tx: txs.NodeTransaction) -> None:
        """Reject what can never be mined, then pool it (and persist the pool entry)."""
        if tx.chain_id is not None and tx.chain_id != self.chain_id:
            raise TransactionRejected(f"invalid chain id: expected {self.chain_id}, got {tx.chain_id}")
        if tx.max_priority_fee > tx.max_fee:
            raise TransactionRejected(
                f"max priority fee per gas higher than max fee per gas: "
                f"maxPriorityFeePerGas {tx.max_priority_fee}, maxFeePerGas {tx.max_fee}"
            )
        if tx.nonce >= MAX_UINT64:  # EIP-2681
            raise TransactionRejected(f"nonce has max value: address 0x{tx.sender.hex()}, nonce {tx.nonce}")
        too_large = initcode_too_large(tx)
        if too_large:
            raise TransactionRejected(too_large)
        minimum = minimum_gas(tx, self._calldata_floor)
        if tx.gas < minimum:
            raise TransactionRejected(f"intrinsic gas too low: gas {tx.gas}, minimum needed {minimum}")
        tx_gas_cap = max_transaction_gas(self.vm_class)  # EIP-7825 (Osaka)
        if tx_gas_cap is not None and tx.gas > tx_gas_cap:
            raise TransactionRejected(f"transaction gas limit too high (cap: {tx_gas_cap}, tx: {tx.gas})")
        gas_limit = self.next_gas_limit()
        if tx.gas > gas_limit:
            raise TransactionRejected(f"exceeds block gas limit: gas {tx.gas}, block gas limit {gas_limit}")
        state = self._head_reader()
        state_nonce = state.get_nonce(tx.sender)
        if tx.nonce < state_nonce:
            raise TransactionRejected(f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}")
        base_fee = self.next_base_fee()
        if tx.max_fee < base_fee:
            raise TransactionRejected(
                f"max fee per gas less than block base fee: maxFeePerGas {tx.max_fee}, baseFee {base_fee}"
            )
        balance = state.get_balance(tx.sender)
        cost = tx.gas * tx.max_fee + tx.value
        if balance < cost:
            raise TransactionRejected(
                f"insufficient funds for gas * price + value: address 0x{tx.sender.hex()} "
                f"have {balance} want {cost}"
            )
        replaced = self.pool.add(tx)
        writes = WriteSet()
        if replaced is not None:
            writes.delete("pool", replaced.hash)
        writes.put("pool", tx.hash, pack([tx.raw, tx.sender, tx.impersonated]))
        self.store.commit(writes)
        log.debug("pooled 0x%s (nonce %d from 0x%s)", tx.hash.hex(), tx.nonce, tx.sender.hex())
        for listener in list(self._pending_listeners):
            listener(tx)

    def mine_leftover_pool(self) -> None:
        """In automine, mine what the pool held when the chain opened.

        Transactions pooled just before a crash were admitted but never
        acknowledged. The node calls this once it serves, never at open: a
        pooled transaction must not keep the node from starting.
        """
        with self._lock:
            self._automine_pool()

    def _automine_pool(self) -> list[_Built]:
        """In automine, mine each executable pooled transaction in a block of its own."""
        built = []
        while self.automine and len(self.pool):
            candidate = next(iter(self.pool.executable(self._state_nonce_reader(), self.next_base_fee())), None)
            if candidate is None:
                break
            built.append(self._mine([candidate]))
        return built

    # ------------------------------------------------------------------ mining
    def next_base_fee(self) -> int:
        if self._next_block.base_fee is not None:
            return self._next_block.base_fee
        return calculate_expected_base_fee_per_gas(self.head)

    def next_gas_limit(self) -> int:
        return self._next_block.gas_limit or self.head.gas_limit

    def mine(self, timestamp: int | None = None) -> Block:
        """Mine one block with the pool's executable transactions (Anvil's evm_mine)."""
        with self._lock:
            if timestamp is not None:
                self.set_next_block_timestamp(timestamp)
            candidates = self.pool.executable(self._state_nonce_reader(), self.next_base_fee())
            return self._mine(candidates).block

    def mine_blocks(self, count: int, interval: int = 1) -> list[Block]:
        """Mine ``count`` blocks, each ``interval`` seconds after the previous (anvil_mine).

        Each is a real block on disk (about 1.5 ms and a few KB), so a call
        mines at most MAX_MINED_BLOCKS, and takes the lock per block: reads
        and transactions are served in between.
        """
        if not 1 <= count <= MAX_MINED_BLOCKS:
            raise InvalidRequest(f"block count must be from 1 to {MAX_MINED_BLOCKS}, got {count}")
        if interval < 1:
            raise InvalidRequest("interval must be at least 1 second")
        mined = [self.mine()]
        for _ in range(count - 1):
            if self._stopping.is_set():
                raise ChainError(f"the node is stopping: mined {len(mined)} of {count} blocks")
            with self._lock:
                mined.append(self.mine(timestamp=self.head.timestamp + interval))
        return mined

    def fork_config(self) -> dict[str, Any]:
        """This chain's fork as EIP-7910 describes one: precompiles, system contracts, blob schedule."""
        return fork_config(self.vm_class)

    def stop(self) -> None:
        """Make long work (anvil_mine's blocks) end after the block in hand: the node is shutting
        down, and every block already mined stays mined."""
        self._stopping.set()

    def _state_nonce_reader(self) -> Callable[[bytes], int]:
        return self._head_reader().get_nonce

    def _mine(self, candidates: Iterable[txs.NodeTransaction]) -> _Built:
        timestamp = self._next_block_timestamp()
        built = self._build(self.head, self._head_root, candidates, timestamp)
        writes = WriteSet()
        built.overlay.add_to(writes)
        self._write_block(writes, built.block)
        for tx, reason in built.rejected:
            self.pool.remove(tx.hash)
            writes.delete("pool", tx.hash)
            log.info("dropped 0x%s: %s", tx.hash.hex(), reason)
        for tx in built.block.transactions:
            self.pool.remove(tx.hash)
            writes.delete("pool", tx.hash)
        # Time continues from a set timestamp, as in Hardhat and Anvil.
        if self._next_timestamp is not None:
            self._time_offset = self._next_timestamp - int(self._clock())
            self._next_timestamp = None
        writes.put("meta", b"clock", pack([self._time_offset, None]))
        self._next_block = self._next_block.after_mining()
        writes.put("meta", b"next_block", pack(self._next_block.to_list()))
        self.store.commit(writes)
        header = built.block.header
        self._head_number, self._head_hash, self._head_root = header.block_number, header.hash, header.state_root
        self._blocks[header.hash] = built.block
        self._drop_stale_pool_entries()
        for receipt in built.block.receipt_views:
            log.info(
                "mined 0x%s in block %d: gas used %d, status %d",
                receipt.transaction_hash.hex(), receipt.block_number, receipt.gas_used, receipt.status,
            )
        for listener in list(self._listeners):
            listener(built.block)
        return built

    def _write_block(self, writes: WriteSet, block: Block) -> None:
        header = block.header
        writes.put("headers", header.hash, rlp.encode(header))
        writes.put("bodies", header.hash, pack([
            [tx.raw for tx in block.transactions],
            [tx.sender for tx in block.transactions],
            [tx.impersonated for tx in block.transactions],
            [receipt.encode() for receipt in block.receipts],
        ]))
        writes.put("canon", number_key(header.block_number), header.hash + header.state_root)
        for index, tx in enumerate(block.transactions):
            writes.put("txs", tx.hash, pack([header.block_number, index]))
        writes.put("meta", b"head", pack(header.block_number))

    def _next_block_timestamp(self) -> int:
        if self._next_timestamp is not None:
            return self._next_timestamp
        timestamp = max(self.head.timestamp + 1, int(self._clock()) + self._time_offset)
        if timestamp > MAX_UINT64:
            raise ChainError(f"the next block's timestamp {timestamp} would be past 2**64-1")
        return timestamp

    def _call_header(self, pending: bool, block_hash: bytes, root: bytes, pays_fees: bool) -> BlockHeaderAPI:
        """The header a call runs in: block N's own for a mined block N (as geth and Hardhat:
        ``block.number`` is N, ``block.timestamp`` N's), the block about to be mined for
        ``pending``. The last one is kept (py-evm builds a header through every fork's
        constructor: a fifth of a short call)."""
        if pending:
            key = (block_hash, root, self._next_block_timestamp(), pays_fees, self._next_block)
        else:
            key = (block_hash, pays_fees)
        if self._call_header_cache[0] != key:
            if pending:
                header = self._next_header(self.head, root, key[2])
            else:
                header = self._header_by_hash(block_hash)
            self._call_header_cache = (key, _call_fees(header, pays_fees))
        return self._call_header_cache[1]

    def _next_header(
        self, parent: BlockHeaderAPI, parent_root: bytes, timestamp: int, replaying: BlockHeaderAPI | None = None
    ) -> BlockHeaderAPI:
        """The header of a block on ``parent``: the next block's (dev settings applied), or,
        ``replaying`` a mined block, that block's own choices."""
        if replaying is not None:
            coinbase, gas_limit, base_fee, mix_hash = (
                replaying.coinbase, replaying.gas_limit, replaying.base_fee_per_gas, replaying.mix_hash)
        else:
            settings = self._next_block
            coinbase = settings.coinbase or self.genesis.coinbase
            gas_limit = settings.gas_limit or parent.gas_limit
            base_fee = settings.base_fee
            # PREVRANDAO: unpredictable enough for a dev chain, and reproducible.
            mix_hash = settings.prev_randao or keccak(parent.mix_hash + parent.block_number.to_bytes(8, "big"))
        header = self.vm_class.create_header_from_parent(
            parent,
            coinbase=coinbase,
            timestamp=timestamp,
            gas_limit=gas_limit,
            extra_data=self.genesis.extra_data,
            mix_hash=mix_hash,
            state_root=parent_root,
            parent_beacon_block_root=ZERO_HASH32,
        )
        if base_fee is not None and base_fee != header.base_fee_per_gas:  # py-evm takes only the computed one
            header = header.copy(base_fee_per_gas=base_fee)
        return header

    def _build(
        self,
        parent: BlockHeaderAPI,
        parent_root: bytes,
        candidates: Iterable[txs.NodeTransaction],
        timestamp: int,
    ) -> _Built:
        """Apply ``candidates`` in order to a new block on ``parent`` (nothing is committed)."""
        vm, header, view = self._start_block(parent, parent_root, timestamp)
        block_class = vm.get_block_class()
        included: list[txs.NodeTransaction] = []
        receipts: list[ReceiptAPI] = []
        computations: list[ComputationAPI] = []
        rejected: list[tuple[txs.NodeTransaction, str]] = []
        blocked: set[bytes] = set()
        current = header
        size_budget = BlockSizeBudget(self.vm_class)  # EIP-7934 (Osaka): 8 MiB of RLP at most
        for tx in candidates:
            if tx.sender in blocked:
                continue
            if current.gas_used + tx.gas > current.gas_limit or not size_budget.fits(tx):
                blocked.add(tx.sender)  # it waits for a block with room
                continue
            try:
                current, receipt, computation = apply_to_block(vm, current, tx)
            except ValidationError as error:
                rejected.append((tx, _rejection_reason(error)))
                blocked.add(tx.sender)
                continue
            included.append(tx)
            size_budget.add(tx)
            receipts.append(receipt)
            computations.append(computation)
        tx_root, _ = make_trie_root_and_nodes(included)
        receipt_root, _ = make_trie_root_and_nodes(receipts)
        block = block_class(
            current.copy(transaction_root=tx_root, receipt_root=receipt_root, withdrawals_root=BLANK_ROOT_HASH),
            transactions=included, uncles=[], withdrawals=[],
        )
        view.receipts = tuple(receipts)
        block = vm.block_postprocessing(block)
        final_header = vm.finalize_block(block).block.header
        return _Built(Block(final_header, tuple(included), tuple(receipts)), view.overlay, rejected, computations)

    def _start_block(
        self, parent: BlockHeaderAPI, parent_root: bytes, timestamp: int, replaying: BlockHeaderAPI | None = None
    ) -> tuple[VirtualMachineAPI, BlockHeaderAPI, "_ChainView"]:
        """A VM for the child of ``parent`` on ``parent_root``, its system-contract writes done.

        Block building and transaction tracing both start here, so a traced
        replay runs exactly what the block ran.
        """
        view = _ChainView(self, StateOverlay(self.store))
        header = self._next_header(parent, parent_root, timestamp, replaying)
        vm = self.vm_class(header, view, self._chain_context, self._consensus_context)
        vm.block_preprocessing(vm.get_block_class()(header, transactions=[], uncles=[], withdrawals=[]))
        return vm, header, view

    def _build_pending(self) -> _Built:
        candidates = self.pool.executable(self._state_nonce_reader(), self.next_base_fee())
        return self._build(self.head, self._head_root, candidates, self._next_block_timestamp())

    def _drop_stale_pool_entries(self) -> None:
        if not len(self.pool):
            return
        stale = self.pool.drop_stale(self._state_nonce_reader())
        if stale:
            writes = WriteSet()
            for tx in stale:
                writes.delete("pool", tx.hash)
            self.store.commit(writes)

    def set_automine(self, enabled: bool) -> None:
        """Switch automine; switching it on mines what the pool holds, one block each."""
        with self._lock:
            self.automine = enabled
            self._automine_pool()

    def on_block(self, listener: Callable[[Block], None]) -> None:
        """Call ``listener(block)`` after each block is committed (filters, subscriptions).

        Listeners run in the mining thread with the chain locked: they must be quick.
        """
        self._listeners.append(listener)

    def on_pending_transaction(self, listener: Callable[[txs.NodeTransaction], None]) -> None:
        """Call ``listener(tx)`` when a transaction enters the pool (same rules)."""
        self._pending_listeners.append(listener)

    def remove_listener(self, listener: Callable[[Any], None]) -> None:
        for listeners in (self._listeners, self._pending_listeners):
            if listener in listeners:
                listeners.remove(listener)

    # ------------------------------------------------------------------ time
    @property
    def time_offset(self) -> int:
        return self._time_offset

    def increase_time(self, seconds: int) -> int:
        """Move the clock forward by ``seconds``; returns the total offset.

        The next block is at least ``seconds`` after the latest, as scripts
        written for Anvil and Hardhat assume, even when a burst of blocks (one
        a second at least) has run the head ahead of the clock.
        """
        with self._lock:
            if seconds < 0:
                raise InvalidRequest("time can only be increased (seconds must be >= 0)")
            now = int(self._clock())
            offset = max(self._time_offset, self.head.timestamp - now) + seconds
            if now + offset > MAX_UINT64:
                raise InvalidRequest(f"time would pass 2**64-1 (the latest block is at {self.head.timestamp})")
            self._time_offset = offset
            self._save_clock()
            return self._time_offset

    def set_next_block_timestamp(self, timestamp: int) -> None:
        with self._lock:
            if timestamp <= self.head.timestamp:
                raise InvalidRequest(
                    f"timestamp {timestamp} is not after the latest block's timestamp {self.head.timestamp}"
                )
            if timestamp > MAX_UINT64:
                raise InvalidRequest(f"timestamp {timestamp} is past 2**64-1")
            self._next_timestamp = timestamp
            self._save_clock()

    def _save_clock(self) -> None:
        writes = WriteSet()
        writes.put("meta", b"clock", pack([self._time_offset, self._next_timestamp]))
        self.store.commit(writes)

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> int:
        """Record the chain (head, dev edits, clock, pool); returns the snapshot id."""
        with self._lock:
            snapshots = self.store.get_meta("snapshots", {})
            snapshot_id = self.store.get_meta("next_snapshot_id", 1)
            snapshots[snapshot_id] = [
                self._head_number, self._head_hash, self._head_root, self._time_offset,
                self._next_timestamp, [[tx.raw, tx.sender, tx.impersonated] for tx in self.pool.all()],
            ]
            writes = WriteSet()
            writes.put("meta", b"snapshots", pack(snapshots))
            writes.put("meta", b"next_snapshot_id", pack(snapshot_id + 1))
            self.store.commit(writes)
            return snapshot_id

    def revert(self, snapshot_id: int) -> bool:
        """Return to snapshot ``snapshot_id``, discarding later blocks.

        As in Hardhat and Anvil, the snapshot and every later one are used up;
        an unknown id returns False and changes nothing.
        """
        with self._lock:
            snapshots = self.store.get_meta("snapshots", {})
            saved = snapshots.get(snapshot_id)
            if saved is None:
                return False
            number, block_hash, root, offset, next_timestamp, pool = saved
            writes = self._rewind_to(number, block_hash, root)
            writes.put("meta", b"clock", pack([offset, next_timestamp]))
            writes.put("meta", b"snapshots", pack({i: s for i, s in snapshots.items() if i < snapshot_id}))
            for raw, sender, impersonated in pool:
                writes.put("pool", txs.restore(self.vm_class, raw, sender, impersonated).hash,
                           pack([raw, sender, impersonated]))
            self._commit_rewind(writes)
            return True

    def reset(self) -> None:
        """Back to the genesis block and state (hardhat_reset without forking): later blocks, the
        genesis block's dev edits, the pool, snapshots, the clock, impersonations and next-block
        settings all go."""
        with self._lock:
            genesis = self._header_by_hash(self._canon(0)[0])
            writes = self._rewind_to(0, genesis.hash, genesis.state_root)
            writes.put("meta", b"clock", pack([0, None]))
            writes.put("meta", b"snapshots", pack({}))
            writes.put("meta", b"next_block", pack(NextBlock().to_list()))
            self.impersonated.clear()
            self._commit_rewind(writes)

    def _rewind_to(self, number: int, block_hash: bytes, root: bytes) -> WriteSet:
        """The writes that make block ``number`` (state ``root``) the head again, with an empty pool."""
        writes = WriteSet()
        for discarded in range(number + 1, self._head_number + 1):
            discarded_hash = self._canon(discarded)[0]
            for tx in self._block_by_hash(discarded_hash).transactions:
                writes.delete("txs", tx.hash)
            writes.delete("canon", number_key(discarded))
            writes.delete("headers", discarded_hash)
            writes.delete("bodies", discarded_hash)
        writes.put("canon", number_key(number), block_hash + root)
        writes.put("meta", b"head", pack(number))
        for tx in self.pool.all():
            writes.delete("pool", tx.hash)
        return writes

    def _commit_rewind(self, writes: WriteSet) -> None:
        self.store.commit(writes)
        self._blocks.clear()
        self._headers.clear()
        self.pool.clear()
        self._load()

    # ------------------------------------------------------------------ dev state edits
    def set_balance(self, address: bytes, balance: int) -> None:
        self._edit_head_state(lambda state: state.set_balance(address, balance))

    def set_nonce(self, address: bytes, nonce: int) -> None:
        self._edit_head_state(lambda state: state.set_nonce(address, nonce))

    def set_code(self, address: bytes, code: bytes) -> None:
        self._edit_head_state(lambda state: state.set_code(address, code))

    def set_storage_at(self, address: bytes, slot: int, value: int) -> None:
        self._edit_head_state(lambda state: state.set_storage(address, slot, value))

    def _edit_head_state(self, edit: Callable[[StateAPI], None]) -> None:
        """Change the latest state in place, as Hardhat's and Anvil's setters do.

        The head block keeps its hash; its effective state root (what queries
        and the next block start from) becomes the edited one.
        """
        with self._lock:
            overlay = StateOverlay(self.store)
            state = self._state(overlay, self.head, self._head_root)
            edit(state)
            state.persist()
            writes = WriteSet()
            overlay.add_to(writes)
            writes.put("canon", number_key(self._head_number), self._head_hash + state.state_root)
            self.store.commit(writes)
            self._head_root = state.state_root
            self._drop_stale_pool_entries()

    def impersonate(self, address: bytes) -> None:
        with self._lock:
            self.impersonated.add(address)

    def stop_impersonating(self, address: bytes) -> None:
        with self._lock:
            self.impersonated.discard(address)

    # ------------------------------------------------------------------ next-block settings
    def set_coinbase(self, address: bytes) -> None:
        self._set_next_block(coinbase=address)

    def set_block_gas_limit(self, gas_limit: int) -> None:
        if not MIN_GAS_LIMIT <= gas_limit <= MAX_GAS_LIMIT:
            raise InvalidRequest(f"gas limit must be from {MIN_GAS_LIMIT} to {MAX_GAS_LIMIT}, got {gas_limit}")
        self._set_next_block(gas_limit=gas_limit)

    def set_next_block_base_fee(self, base_fee: int) -> None:
        self._set_next_block(base_fee=base_fee)

    def set_next_prev_randao(self, value: bytes) -> None:
        self._set_next_block(prev_randao=value)

    def _set_next_block(self, **changes: Any) -> None:
        with self._lock:
            self._next_block = replace(self._next_block, **changes)
            writes = WriteSet()
            writes.put("meta", b"next_block", pack(self._next_block.to_list()))
            self.store.commit(writes)

    def drop_transaction(self, tx_hash: bytes) -> bool:
        """Remove a pooled transaction (hardhat_dropTransaction); False when the pool lacks it."""
        with self._lock:
            if tx_hash not in self.pool:
                return False
            self.pool.remove(tx_hash)
            writes = WriteSet()
            writes.delete("pool", tx_hash)
            self.store.commit(writes)
            return True

    # ------------------------------------------------------------------ pool views
    def pool_content(self) -> tuple[dict, dict]:
        """(pending, queued) pooled transactions, each sender -> nonce -> transaction."""
        with self._lock:
            return self.pool.split(self._state_nonce_reader())


def _rejection_reason(error: ValidationError) -> str:
    """py-evm's validation messages, in the words geth and Anvil clients expect."""
    text = str(error)
    if "nonce" in text.lower():
        return f"nonce mismatch: {text}"
    if "balance" in text.lower() or "afford" in text.lower() or "insufficient funds" in text.lower():
        return f"insufficient funds for gas * price + value: {text}"
    if "base fee" in text.lower():
        return f"max fee per gas less than block base fee: {text}"
    return text


def _differing_paths(stored: Any, wanted: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the genesis fields that differ (``config.chainId``)."""
    if isinstance(stored, dict) and isinstance(wanted, dict):
        paths = []
        for key in sorted(set(stored) | set(wanted)):
            paths += _differing_paths(stored.get(key), wanted.get(key), f"{prefix}{key}.")
        return paths
    return [] if stored == wanted else [prefix.rstrip(".")]


def apply_to_block(
    vm: VirtualMachineAPI, header: BlockHeaderAPI, tx: SignedTransactionAPI
) -> tuple[BlockHeaderAPI, ReceiptAPI, ComputationAPI]:
    """Apply ``tx`` after ``header``'s transactions: the header after it, its receipt and run.

    py-evm's own ``apply_transaction``, with one difference: a transaction found
    invalid part-way (after its gas was bought and its nonce raised) is rolled
    back before the error is raised, so a dropped transaction leaves no trace.
    """
    vm.validate_transaction_against_header(header, tx)
    vm.state.lock_changes()
    snapshot = vm.state.snapshot()
    try:
        computation = vm.state.apply_transaction(tx)
        receipt = vm.make_receipt(header, tx, computation, vm.state)
        vm.validate_receipt(receipt)
    except ValidationError:
        vm.state.revert(snapshot)
        raise
    vm.state.commit(snapshot)
    return vm.increment_blob_gas_used(vm.add_receipt_to_header(header, receipt), tx), receipt, computation


def _call_fees(header: BlockHeaderAPI, pays_fees: bool) -> BlockHeaderAPI:
    """Like geth: a call that offers no fee runs with a base fee of zero."""
    return header if pays_fees else header.copy(base_fee_per_gas=0)


def _preparation(
    state_override: Callable[[StateAPI], None] | None, deadline: Deadline | None
) -> Callable[[StateAPI], StateAPI]:
    """What a call does to its fresh state first: the caller's edits, then the time limit."""
    def prepare(state: StateAPI) -> StateAPI:
        if state_override is not None:
            state_override(state)
        if deadline is not None:
            attach(state, deadline)
        return state
    return prepare


@contextlib.contextmanager
def timeouts_as_failures() -> Iterator[None]:
    """A call that ran out of time is a failed call to its caller (-32000 over RPC)."""
    try:
        yield
    except ExecutionTimeout as error:
        raise ExecutionFailed(str(error)) from None
