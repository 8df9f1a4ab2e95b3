"""The dev tools Hardhat and Anvil give a test chain (Anvil's cheats), layered on the chain:
snapshots and revert, reset, the clock, state edits, sending from dev and impersonated accounts
(the node signs, or needs no signature), next-block settings and dropping a pooled transaction.

They are a mixin of :class:`node.chain.Chain` and reach it only through its public seams
(``lock``, ``chaindb``, ``builder``, ``clock``, ``next_block``, ``pool``, ``head``,
``head_root``, ``reload``, ``head_state_edited``, ``submit`` and its readers): every edit is one
store commit, after which the chain is told what changed (a new head root) or reads it all back
(a rewind).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence

from eth.abc import StateAPI

from . import transactions as txs
from .builder import NextBlock
from .blocks import PENDING
from .errors import InvalidRequest, TransactionRejected
from .execution import CallRequest
from .genesis import MAX_GAS_LIMIT, MIN_GAS_LIMIT
from .store import StateOverlay, WriteSet


# The tip a dev node fills in for eth_sendTransaction and suggests (eth_maxPriorityFeePerGas),
# as Hardhat and Anvil do.
DEFAULT_PRIORITY_FEE = 10**9


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
            self.head_state_edited(state.state_root)

    # ------------------------------------------------------------------ sending from dev accounts
    def send_transaction(self, sender: bytes, to: bytes = b"", **fields: Any) -> bytes:
        """Send from a dev account (signed with its key) or an impersonated one.

        ``fields`` are those of ``prepare_transaction``, which fills what is missing.
        """
        with self.lock:
            return self.submit(self.prepare_transaction(sender, to, **fields))

    def private_key(self, address: bytes) -> bytes | None:
        """The key of dev account ``address``; None for any other."""
        return next((account.private_key for account in self.accounts if account.address == address), None)

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
        with self.lock:
            key = self.private_key(sender)
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
