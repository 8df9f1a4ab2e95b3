"""What a transaction must pass before it is pooled: the checks of geth's ``validateTx``, in
its words, so that a transaction that can never be mined is refused at once (and leaves no
trace) instead of sitting in the pool.

Stateless rules first (chain id, fee caps, nonce, initcode, intrinsic gas, the gas caps),
then the ones against the head state and the next block (nonce too low, base fee, funds).
"""
from __future__ import annotations

from typing import Any

from eth.abc import StateAPI

from vm.fork import max_transaction_gas

from .errors import TransactionRejected
from .execution import initcode_too_large, minimum_gas
from .genesis import MAX_UINT64
from .transactions import NodeTransaction


def check_fits_block(gas: int, block_gas_limit: int) -> None:
    if gas > block_gas_limit:
        raise TransactionRejected(f"exceeds block gas limit: gas {gas}, block gas limit {block_gas_limit}")


def check_admissible(
    tx: NodeTransaction, *, chain_id: int, vm_class: Any, calldata_floor: bool,
    block_gas_limit: int, base_fee: int, state: StateAPI,
) -> None:
    """Raise TransactionRejected with the reason ``tx`` can never be mined on this chain."""
    if tx.chain_id is not None and tx.chain_id != chain_id:
        raise TransactionRejected(f"invalid chain id: expected {chain_id}, got {tx.chain_id}")
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
    minimum = minimum_gas(tx, calldata_floor)
    if tx.gas < minimum:
        raise TransactionRejected(f"intrinsic gas too low: gas {tx.gas}, minimum needed {minimum}")
    tx_gas_cap = max_transaction_gas(vm_class)  # EIP-7825 (Osaka)
    if tx_gas_cap is not None and tx.gas > tx_gas_cap:
        raise TransactionRejected(f"transaction gas limit too high (cap: {tx_gas_cap}, tx: {tx.gas})")
    check_fits_block(tx.gas, block_gas_limit)
    state_nonce = state.get_nonce(tx.sender)
    if tx.nonce < state_nonce:
        raise TransactionRejected(f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}")
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
