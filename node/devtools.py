"""The dev tools Hardhat and Anvil give a test chain (Anvil's cheats), layered on the chain:
snapshots and revert, reset, the clock, state edits, impersonation, next-block settings and
dropping a pooled transaction.

They are a mixin of :class:`node.chain.Chain` and reach it only through its public seams
(``lock``, ``chaindb``, ``builder``, ``clock``, ``next_block``, ``pool``, ``head``,
``head_root``, ``reload`` and ``drop_stale_pool_entries``): every edit is one store commit,
after which the chain reads what it needs back.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from eth.abc import StateAPI

from . import transactions as txs
from .builder import NextBlock
from .errors import InvalidRequest
from .genesis import MAX_GAS_LIMIT, MIN_GAS_LIMIT
from .store import StateOverlay, WriteSet


class DevTools:
    # ------------------------------------------------------------------ time
    @property
    def time_offset(self) -> int:
        return self.clock.offset

    def increase_time(self, seconds: int) -> int:
        """Move the clock forward by ``seconds``; returns the total offset (Clock.increase)."""
        with self.lock:
            offset = self.clock.increase(seconds, self.head.timestamp)
            self._save_clock()
            return offset

    def set_next_block_timestamp(self, timestamp: int) -> None:
        with self.lock:
            self.clock.set_next(timestamp, self.head.timestamp)
            self._save_clock()

    def _save_clock(self) -> None:
        writes = WriteSet()
        self.chaindb.put_meta(writes, "clock", self.clock.to_list())
        self.chaindb.commit(writes)

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> int:
        """Record the chain (head, dev edits, clock, pool); returns the snapshot id."""
        with self.lock:
            snapshots = self.chaindb.get_meta("snapshots", {})
            snapshot_id = self.chaindb.get_meta("next_snapshot_id", 1)
            head = self.head
            snapshots[snapshot_id] = [
                self.head_number, head.hash, self.head_root, *self.clock.to_list(),
                [[tx.raw, tx.sender, tx.impersonated] for tx in self.pool.all()],
            ]
            writes = WriteSet()
            self.chaindb.put_meta(writes, "snapshots", snapshots)
            self.chaindb.put_meta(writes, "next_snapshot_id", snapshot_id + 1)
            self.chaindb.commit(writes)
            return snapshot_id

    def revert(self, snapshot_id: int) -> bool:
        """Return to snapshot ``snapshot_id``, discarding later blocks.

        As in Hardhat and Anvil, the snapshot and every later one are used up;
        an unknown id returns False and changes nothing.
        """
        with self.lock:
            snapshots = self.chaindb.get_meta("snapshots", {})
            saved = snapshots.get(snapshot_id)
            if saved is None:
                return False
            number, block_hash, root, offset, next_timestamp, pool = saved
            writes = self._rewind_to(number, block_hash, root)
            self.chaindb.put_meta(writes, "clock", [offset, next_timestamp])
            self.chaindb.put_meta(writes, "snapshots", {i: s for i, s in snapshots.items() if i < snapshot_id})
            for raw, sender, impersonated in pool:
                self.chaindb.pool_put(writes, txs.restore(self.vm_class, raw, sender, impersonated))
            self._commit_rewind(writes)
            return True

    def reset(self) -> None:
        """Back to the genesis block and state (hardhat_reset without forking): later blocks, the
        genesis block's dev edits, the pool, snapshots, the clock, impersonations and next-block
        settings all go."""
        with self.lock:
            genesis = self.chaindb.header(self.chaindb.canonical(0)[0])
            writes = self._rewind_to(0, genesis.hash, genesis.state_root)
            self.chaindb.put_meta(writes, "clock", [0, None])
            self.chaindb.put_meta(writes, "snapshots", {})
            self.chaindb.put_meta(writes, "next_block", NextBlock().to_list())
            self.impersonated.clear()
            self._commit_rewind(writes)

    def _rewind_to(self, number: int, block_hash: bytes, root: bytes) -> WriteSet:
        """The writes that make block ``number`` (state ``root``) the head again, with an empty pool."""
        writes = WriteSet()
        self.chaindb.discard_blocks(writes, number + 1, self.head_number)
        self.chaindb.write_head(writes, number, block_hash, root)
        for tx in self.pool.all():
            self.chaindb.pool_delete(writes, tx.hash)
        return writes

    def _commit_rewind(self, writes: WriteSet) -> None:
        self.chaindb.commit(writes)
        self.chaindb.forget()
        self.reload()

    # ------------------------------------------------------------------ state edits
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
        with self.lock:
            overlay = StateOverlay(self.store)
            head = self.head
            state = self.builder.state(overlay, head, self.head_root)
            edit(state)
            state.persist()
            writes = WriteSet()
            overlay.add_to(writes)
            self.chaindb.write_head(writes, self.head_number, head.hash, state.state_root)
            self.chaindb.commit(writes)
            self.reload()

    def impersonate(self, address: bytes) -> None:
        with self.lock:
            self.impersonated.add(address)

    def stop_impersonating(self, address: bytes) -> None:
        with self.lock:
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
        with self.lock:
            self.next_block = replace(self.next_block, **changes)
            writes = WriteSet()
            self.chaindb.put_meta(writes, "next_block", self.next_block.to_list())
            self.chaindb.commit(writes)

    def drop_transaction(self, tx_hash: bytes) -> bool:
        """Remove a pooled transaction (hardhat_dropTransaction); False when the pool lacks it."""
        with self.lock:
            if tx_hash not in self.pool:
                return False
            self.pool.remove(tx_hash)
            writes = WriteSet()
            self.chaindb.pool_delete(writes, tx_hash)
            self.chaindb.commit(writes)
            return True
