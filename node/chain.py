"""The chain: the orchestrator of reads, calls, admission and mining over its collaborators.

Its collaborators, one job each (py-evm's Chain/ChainDB split, Anvil's backend/TimeManager/cheats):
:mod:`node.chaindb` (the store's records and their schema), :mod:`node.builder` (headers and
blocks on py-evm's VM), :mod:`node.clock` (block time) and :mod:`node.devtools` (snapshots,
state edits, impersonation; mixed in here). A block's state trie nodes, header, body, indexes
and head pointer are written in one LMDB transaction, and a transaction hash is returned (in
automine) only after that commit.

All public methods are thread-safe (one re-entrant lock, ``lock``): the interval miner and the
RPC server call them from different threads; hold it to read several things from one state.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Iterator, Mapping

from eth.abc import BlockHeaderAPI, StateAPI, VirtualMachineAPI
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas

from vm.fork import fork_config, max_transaction_gas, since_prague, vm_class_for
from vm.tracing import Deadline, ExecutionTimeout, attach

from . import transactions as txs
from .accounts import DevAccount, derive_accounts
from .admission import check_admissible, check_fits_block
from .blocks import (
    EARLIEST, FINALIZED, LATEST, PENDING, SAFE, Block, BlockRef, LogEntry, LogFilter,
    TransactionLookup, TransactionReceipt,
)
from .builder import BlockBuilder, Built, NextBlock
from .chaindb import ChainDB
from .clock import Clock
from .devtools import DevTools
from .errors import ChainError, ExecutionFailed, InvalidRequest, TransactionFailed, TransactionRejected, UnknownBlock
from .execution import CallRequest, CallResult, estimate_gas, execute_call, failure_of, request_minimum_gas
from .genesis import Genesis
from .store import StateOverlay, Store, WriteSet
from .txpool import TxPool

log = logging.getLogger("sumchain.chain")

MAX_MINED_BLOCKS = 10_000  # blocks one anvil_mine may make
LOG_SCAN_STRETCH = 1_000  # blocks a log query scans per hold of the chain lock


@dataclass(frozen=True)
class CallContext:
    """Where a call runs (the seam calls, estimates, traces and access lists share): the
    header it runs in (fees applied), fresh states of the block's state, and the executor."""

    header: BlockHeaderAPI
    fresh_state: Callable[[], StateAPI]
    vm_class: Any
    chain_id: int
    calldata_floor: bool

    def run(self, request: CallRequest, state: StateAPI, gas: int | None = None) -> CallResult:
        """Run ``request`` on ``state`` with ``gas`` (default: the block's gas limit)."""
        return execute_call(self.vm_class, state, request, self.chain_id,
                            self.header.gas_limit if gas is None else gas, self.calldata_floor)


class Chain(DevTools):
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
        fast_paths: bool = True,
    ) -> None:
        self.genesis = genesis
        self.store = store
        self.chain_id = genesis.chain_id
        self.vm_class = vm_class_for(genesis.hardfork, ml_precompiles, fast_paths)
        self.calldata_floor = since_prague(genesis.hardfork)
        self.chaindb = ChainDB(store, self.vm_class)
        self.builder = BlockBuilder(self.vm_class, genesis, self.chaindb)
        self.clock = Clock(clock)
        self.lock = threading.RLock()
        self._stopping = threading.Event()
        self._reader: tuple[bytes, StateAPI] | None = None
        self._call_header_cache: tuple[tuple | None, BlockHeaderAPI | None] = (None, None)
        self.pool = TxPool()
        self.impersonated: set[bytes] = set()
        self.automine = automine
        self.throw_on_failures = throw_on_failures
        self.accounts: list[DevAccount] = derive_accounts(
            genesis.dev_accounts.mnemonic, genesis.dev_accounts.count
        )
        self._listeners: list[Callable[[Block], None]] = []
        self._pending_listeners: list[Callable[[txs.NodeTransaction], None]] = []
        self.ml_precompiles = ml_precompiles
        if self.chaindb.get_meta("head") is None:
            self._create_genesis()
        else:
            self.chaindb.check_genesis(self.genesis.to_json(), ml_precompiles)
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
        with self.lock:
            self.store.close()

    def _create_genesis(self) -> None:
        overlay = StateOverlay(self.store)
        timestamp = self.genesis.timestamp if self.genesis.timestamp is not None else self.clock.now()
        block = self.builder.genesis_block(overlay, timestamp, self.accounts)
        writes = WriteSet()
        overlay.add_to(writes)
        self.chaindb.write_genesis(writes, block, self.genesis.to_json(), self.ml_precompiles)
        self.chaindb.commit(writes)
        log.info("created genesis block 0x%s (chain id %d)", block.hash.hex(), self.chain_id)

    def _load(self) -> None:
        self._head_number = self.chaindb.get_meta("head")
        self._head_hash, self._head_root = self.chaindb.canonical(self._head_number)
        self.clock.offset, self.clock.next_timestamp = self.chaindb.get_meta("clock")
        self.next_block = NextBlock(*self.chaindb.get_meta("next_block", []))
        for tx in self.chaindb.pooled():
            self.pool.add(tx)
        self._drop_stale_pool_entries()

    def reload(self) -> None:
        """Read the head, clock, next-block settings and pool back from the store, after the
        dev tools rewrote them there."""
        with self.lock:
            self.pool.clear()
            self._load()

    def head_state_edited(self, root: bytes) -> None:
        """The head's effective state root is now ``root``, committed by a dev edit: reads and the
        next block start there, and pooled transactions whose nonce it passed go."""
        with self.lock:
            self._head_root = root
            self._drop_stale_pool_entries()

    # ------------------------------------------------------------------ block access
    @property
    def head(self) -> BlockHeaderAPI:
        return self.chaindb.header(self._head_hash)

    @property
    def head_number(self) -> int:
        return self._head_number

    @property
    def head_root(self) -> bytes:
        """The head's effective state root: its header's, or the one dev edits made since."""
        return self._head_root

    def resolve_number(self, ref: BlockRef) -> int:
        """The number of a mined block (``pending`` resolves to the head)."""
        with self.lock:
            if isinstance(ref, str):
                if ref in (LATEST, PENDING, SAFE, FINALIZED):
                    return self._head_number
                if ref == EARLIEST:
                    return 0
                raise InvalidRequest(f"unknown block tag {ref!r}")
            if isinstance(ref, bytes):
                header = self.chaindb.header(ref)
                if header is None or self.chaindb.canonical(header.block_number)[0] != ref:
                    raise UnknownBlock(f"unknown block hash 0x{ref.hex()}")
                return header.block_number
            if not 0 <= ref <= self._head_number:
                raise UnknownBlock(f"block {ref} is beyond the head ({self._head_number})")
            return ref

    def get_block(self, ref: BlockRef = LATEST) -> Block:
        """A mined block; ``pending`` gives the block the pool would make now."""
        with self.lock:
            if ref == PENDING:
                return self._build_pending().block
            return self.chaindb.block(self.chaindb.canonical(self.resolve_number(ref))[0])

    def get_transaction(self, tx_hash: bytes) -> TransactionLookup | None:
        with self.lock:
            location = self.chaindb.transaction_location(tx_hash)
            if location is None:
                pooled = self.pool.get(tx_hash)
                return None if pooled is None else TransactionLookup(pooled)
            number, index = location
            return TransactionLookup.in_block(self.chaindb.block(self.chaindb.canonical(number)[0]), index)

    def get_receipt(self, tx_hash: bytes) -> TransactionReceipt | None:
        with self.lock:
            location = self.chaindb.transaction_location(tx_hash)
            if location is None:
                return None
            number, index = location
            return self.chaindb.block(self.chaindb.canonical(number)[0]).receipt_views[index]

    def get_logs(
        self, log_filter: LogFilter, from_block: BlockRef = LATEST, to_block: BlockRef = LATEST,
        max_results: int | None = None,
    ) -> list[LogEntry]:
        """Logs of mined blocks in [from_block, to_block] that match, in chain order.

        The lock is taken per stretch of blocks, so a long scan never holds
        up mining or other readers for long; a scan the chain was reverted
        under (evm_revert) is refused rather than answered with a mix.
        """
        with self.lock:
            first, last = self.resolve_number(from_block), self.resolve_number(to_block)
            if first > last:
                raise InvalidRequest(f"fromBlock ({first}) is after toBlock ({last})")
            last_hash = self.chaindb.canonical(last)[0]
        found: list[LogEntry] = []
        for start in range(first, last + 1, LOG_SCAN_STRETCH):
            with self.lock:
                if self.head_number < last or self.chaindb.canonical(last)[0] != last_hash:
                    raise ChainError("the chain was reverted during the log query; query again")
                for number in range(start, min(start + LOG_SCAN_STRETCH, last + 1)):
                    block_hash = self.chaindb.canonical(number)[0]
                    if not log_filter.may_match_bloom(self.chaindb.header(block_hash).bloom):
                        continue
                    for receipt in self.chaindb.block(block_hash).receipt_views:
                        found.extend(entry for entry in receipt.logs if log_filter.matches(entry))
                    if max_results is not None and len(found) > max_results:
                        raise ChainError(
                            f"query returned more than {max_results} results; narrow the block range or the filter"
                        )
        return found

    # ------------------------------------------------------------------ state access
    def state_at(self, ref: BlockRef = LATEST) -> StateAPI:
        """A throwaway state after block ``ref`` (``pending``: after the pool's block)."""
        with self.lock:
            if ref == PENDING and len(self.pool):
                built = self._build_pending()
                return self.builder.state(built.overlay, built.block.header, built.block.header.state_root)
            block_hash, root = self.chaindb.canonical(self.resolve_number(ref))
            return self.builder.state(StateOverlay(self.store), self.chaindb.header(block_hash), root)

    def state_nodes(self, ref: BlockRef = LATEST) -> tuple[Mapping[bytes, bytes], bytes]:
        """The trie nodes and effective state root after ``ref`` (``pending``: the pool's block),
        for proofs; hold ``lock`` while reading them."""
        with self.lock:
            if ref == PENDING and len(self.pool):
                built = self._build_pending()
                return built.overlay, built.block.header.state_root
            return StateOverlay(self.store), self.chaindb.canonical(self.resolve_number(ref))[1]

    def _head_reader(self) -> StateAPI:
        """A state of the head for reads only, kept until the head state changes."""
        if self._reader is None or self._reader[0] != self._head_root:
            self._reader = (self._head_root, self.builder.state(StateOverlay(self.store), self.head, self._head_root))
        return self._reader[1]

    def _reader_at(self, ref: BlockRef) -> StateAPI:
        if ref == LATEST:
            return self._head_reader()
        return self.state_at(ref)

    def get_balance(self, address: bytes, ref: BlockRef = LATEST) -> int:
        with self.lock:
            return self._reader_at(ref).get_balance(address)

    def get_nonce(self, address: bytes, ref: BlockRef = LATEST) -> int:
        """The account nonce; ``pending`` counts the sender's pooled run too."""
        with self.lock:
            nonce = self._reader_at(LATEST if ref == PENDING else ref).get_nonce(address)
            return self.pool.next_nonce(address, nonce) if ref == PENDING else nonce

    def get_code(self, address: bytes, ref: BlockRef = LATEST) -> bytes:
        with self.lock:
            return self._reader_at(ref).get_code(address)

    def get_storage_at(self, address: bytes, slot: int, ref: BlockRef = LATEST) -> int:
        with self.lock:
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
        context = self.call_context(ref, request.pays_fees)
        prepare = _preparation(state_override, None if timeout is None else Deadline(timeout))
        with timeouts_as_failures():
            return context.run(request, prepare(context.fresh_state()))

    def estimate_gas(self, request: CallRequest, ref: BlockRef = PENDING,
                     state_override: Callable[[StateAPI], None] | None = None,
                     timeout: float | None = None) -> int:
        """The least gas limit with which ``request`` succeeds (exact, by search).

        ``timeout`` bounds the whole search, not each run.
        """
        context = self.call_context(ref, request.pays_fees)
        cap = context.header.gas_limit if request.gas is None else request.gas
        cap = min(cap, max_transaction_gas(self.vm_class) or cap)  # EIP-7825, as geth: what a transaction may have
        prepare = _preparation(state_override, None if timeout is None else Deadline(timeout))

        def run(gas: int) -> CallResult:
            return context.run(replace(request, gas=gas), prepare(context.fresh_state()), gas)

        with timeouts_as_failures():
            return estimate_gas(run, cap, request_minimum_gas(self.vm_class, self.chain_id, request, self.calldata_floor))

    def call_context(self, ref: BlockRef, pays_fees: bool) -> CallContext:
        """Where a call on block ``ref`` runs (see :meth:`call`); ``pays_fees`` False runs it
        with a base fee of zero, as geth does for a call that offers no fee."""
        with self.lock:
            if ref == PENDING and len(self.pool):
                built = self._build_pending()
                overlay, root = built.overlay, built.block.header.state_root
                header = _call_fees(built.block.header, pays_fees)
            else:
                block_hash, root = self.chaindb.canonical(self.resolve_number(ref))
                overlay = StateOverlay(self.store)
                header = self._call_header(ref == PENDING, block_hash, root, pays_fees)
        pending_writes = dict(overlay.pending)

        def fresh_state() -> StateAPI:
            scratch = StateOverlay(self.store)
            scratch.pending.update(pending_writes)
            return self.builder.state(scratch, header, root)

        return CallContext(header, fresh_state, self.vm_class, self.chain_id, self.calldata_floor)

    def _call_header(self, pending: bool, block_hash: bytes, root: bytes, pays_fees: bool) -> BlockHeaderAPI:
        """The header a call runs in: block N's own for a mined block N (as geth and Hardhat:
        ``block.number`` is N, ``block.timestamp`` N's), the block about to be mined for
        ``pending``. The last one is kept (py-evm builds a header through every fork's
        constructor: a fifth of a short call)."""
        if pending:
            key = (block_hash, root, self.clock.next_block_timestamp(self.head.timestamp), pays_fees, self.next_block)
        else:
            key = (block_hash, pays_fees)
        if self._call_header_cache[0] != key:
            if pending:
                header = self.builder.next_header(self.head, root, key[2], self.next_block)
            else:
                header = self.chaindb.header(block_hash)
            self._call_header_cache = (key, _call_fees(header, pays_fees))
        return self._call_header_cache[1]

    def block_start(self, mined: BlockHeaderAPI) -> tuple[VirtualMachineAPI, BlockHeaderAPI]:
        """A VM at the start of the ``mined`` block, from its parent's effective state (dev edits
        included), its system-contract writes done: what a traced replay starts from."""
        with self.lock:
            parent_hash, parent_root = self.chaindb.canonical(mined.block_number - 1)
            vm, header, _ = self.builder.start(
                self.chaindb.header(parent_hash), parent_root, mined.timestamp, self.next_block, mined)
            return vm, header

    # ------------------------------------------------------------------ transactions in
    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Admit a signed transaction; in automine, return only after it is mined."""
        tx = txs.from_raw(self.vm_class, raw)
        return self.submit(tx)

    def submit(self, tx: txs.NodeTransaction) -> bytes:
        """Admit ``tx`` (signed, or from an impersonated sender); in automine, return only after
        it is mined (a rejection in its block, or with throw_on_failures a failed run, raises)."""
        with self.lock:
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
        """Reject what can never be mined (node/admission.py), then pool it (and persist the entry)."""
        check_admissible(tx, chain_id=self.chain_id, vm_class=self.vm_class, calldata_floor=self.calldata_floor,
                         block_gas_limit=self.next_gas_limit(), base_fee=self.next_base_fee(),
                         state=self._head_reader())
        replaced = self.pool.add(tx)
        writes = WriteSet()
        if replaced is not None:
            self.chaindb.pool_delete(writes, replaced.hash)
        self.chaindb.pool_put(writes, tx)
        self.chaindb.commit(writes)
        log.debug("pooled 0x%s (nonce %d from 0x%s)", tx.hash.hex(), tx.nonce, tx.sender.hex())
        for listener in list(self._pending_listeners):
            listener(tx)

    def check_block_gas_limit(self, gas: int) -> None:
        """A transaction's gas must fit the next block's gas limit (geth's words)."""
        check_fits_block(gas, self.next_gas_limit())

    def mine_leftover_pool(self) -> None:
        """In automine, mine what the pool held when the chain opened.

        Transactions pooled just before a crash were admitted but never
        acknowledged. The node calls this once it serves, never at open: a
        pooled transaction must not keep the node from starting.
        """
        with self.lock:
            self._automine_pool()

    def _automine_pool(self) -> list[Built]:
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
        if self.next_block.base_fee is not None:
            return self.next_block.base_fee
        return calculate_expected_base_fee_per_gas(self.head)

    def next_gas_limit(self) -> int:
        return self.next_block.gas_limit or self.head.gas_limit

    def mine(self, timestamp: int | None = None) -> Block:
        """Mine one block with the pool's executable transactions (Anvil's evm_mine)."""
        with self.lock:
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
            with self.lock:
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

    def _mine(self, candidates: Iterable[txs.NodeTransaction]) -> Built:
        timestamp = self.clock.next_block_timestamp(self.head.timestamp)
        built = self.builder.build(self.head, self._head_root, candidates, timestamp, self.next_block)
        writes = WriteSet()
        built.overlay.add_to(writes)
        self.chaindb.write_block(writes, built.block)
        for tx, reason in built.rejected:
            self.pool.remove(tx.hash)
            self.chaindb.pool_delete(writes, tx.hash)
            log.info("dropped 0x%s: %s", tx.hash.hex(), reason)
        for tx in built.block.transactions:
            self.pool.remove(tx.hash)
            self.chaindb.pool_delete(writes, tx.hash)
        self.clock.block_mined()
        self.chaindb.put_meta(writes, "clock", self.clock.to_list())
        self.next_block = self.next_block.after_mining()
        self.chaindb.put_meta(writes, "next_block", self.next_block.to_list())
        self.chaindb.commit(writes)
        header = built.block.header
        self._head_number, self._head_hash, self._head_root = header.block_number, header.hash, header.state_root
        self.chaindb.remember(built.block)
        self._drop_stale_pool_entries()
        for receipt in built.block.receipt_views:
            log.info(
                "mined 0x%s in block %d: gas used %d, status %d",
                receipt.transaction_hash.hex(), receipt.block_number, receipt.gas_used, receipt.status,
            )
        for listener in list(self._listeners):
            listener(built.block)
        return built

    def _build_pending(self) -> Built:
        candidates = self.pool.executable(self._state_nonce_reader(), self.next_base_fee())
        return self.builder.build(self.head, self._head_root, candidates,
                                  self.clock.next_block_timestamp(self.head.timestamp), self.next_block)

    def _drop_stale_pool_entries(self) -> None:
        """Drop pooled transactions whose nonce the head state has passed."""
        if not len(self.pool):
            return
        stale = self.pool.drop_stale(self._state_nonce_reader())
        if stale:
            writes = WriteSet()
            for tx in stale:
                self.chaindb.pool_delete(writes, tx.hash)
            self.chaindb.commit(writes)

    def set_automine(self, enabled: bool) -> None:
        """Switch automine; switching it on mines what the pool holds, one block each."""
        with self.lock:
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

    # ------------------------------------------------------------------ pool views
    def pool_content(self) -> tuple[dict, dict]:
        """(pending, queued) pooled transactions, each sender -> nonce -> transaction."""
        with self.lock:
            return self.pool.split(self._state_nonce_reader())


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
