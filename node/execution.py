"""Running a message against a state without a signed transaction: calls and gas estimates.

The message goes through py-evm's own transaction executor (buying gas,
bumping the nonce, access lists, refunds, the EIP-7623 floor) so a call costs
exactly what the same transaction would, but it skips the nonce and signature
checks and its state changes are thrown away with the overlay it ran on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from eth.vm.spoof import SpoofTransaction
from eth.abc import ComputationAPI, StateAPI, VirtualMachineAPI
from eth.exceptions import Revert

from vm.messages import error_message, revert_reason

from .errors import ExecutionFailed
from .genesis import MAX_UINT64
from .transactions import calldata_floor_gas


@dataclass(frozen=True)
class CallRequest:
    """The fields of eth_call / eth_estimateGas (all optional but none-sensible defaults)."""

    sender: bytes = b"\x00" * 20
    to: bytes = b""  # b"" runs ``data`` as init code
    data: bytes = b""
    value: int = 0
    gas: int | None = None  # None: the block gas limit (the RPC layer caps it)
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    access_list: Sequence[tuple[bytes, Sequence[int]]] = ()
    nonce: int | None = None

    @property
    def pays_fees(self) -> bool:
        return any(
            fee is not None and fee > 0
            for fee in (self.gas_price, self.max_fee_per_gas, self.max_priority_fee_per_gas)
        )

    def fees(self, base_fee: int) -> tuple[int, int]:
        """(max fee, max priority fee) as a dynamic-fee transaction would carry them."""
        if self.gas_price is not None:
            return self.gas_price, self.gas_price
        priority = self.max_priority_fee_per_gas or 0
        max_fee = self.max_fee_per_gas if self.max_fee_per_gas is not None else base_fee + priority
        return max_fee, priority


@dataclass
class CallResult:
    output: bytes
    gas_used: int
    error: str | None = None  # None when the call succeeded
    reverted: bool = False
    computation: ComputationAPI | None = field(default=None, repr=False)
    gas_limit: int = 0  # what the call ran with

    @property
    def success(self) -> bool:
        return self.error is None

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise ExecutionFailed(self.error, self.output if self.reverted else b"", self.reverted)


def execute_call(
    vm_class: type[VirtualMachineAPI],
    state: StateAPI,
    request: CallRequest,
    chain_id: int,
    gas: int,
    calldata_floor: bool,
) -> CallResult:
    """Run ``request`` as a transaction on ``state`` (which it changes).

    ``gas`` is the limit when the request names none; like geth, a call that
    pays fees gets no more of it than the sender can afford.
    """
    sender = request.sender
    max_fee, priority_fee = request.fees(state.execution_context.base_fee_per_gas)
    if priority_fee > max_fee:
        raise ExecutionFailed("max priority fee per gas higher than max fee per gas")
    price = min(max_fee, state.execution_context.base_fee_per_gas + priority_fee)
    if request.gas is not None:
        gas = request.gas
    elif request.pays_fees and price:
        gas = min(gas, max(0, state.get_balance(sender) - request.value) // price)
    nonce = request.nonce if request.nonce is not None else state.get_nonce(sender)
    if nonce >= MAX_UINT64:  # EIP-2681
        raise ExecutionFailed(f"nonce has max value: address 0x{sender.hex()}, nonce {nonce}")
    tx = SpoofTransaction(_unsigned(vm_class, chain_id, request, nonce, gas, max_fee, priority_fee), from_=sender)
    too_large = initcode_too_large(tx)
    if too_large:
        raise ExecutionFailed(too_large)
    minimum = minimum_gas(tx, calldata_floor)
    if gas < minimum and request.gas is not None:
        raise ExecutionFailed(f"intrinsic gas too low: gas {gas}, minimum needed {minimum}")
    balance = state.get_balance(sender)
    cost = (max(gas, minimum) * price if request.pays_fees else 0) + request.value
    if balance < cost:
        raise ExecutionFailed(f"insufficient funds for gas * price + value: have {balance} want {cost}")
    executor = state.get_transaction_executor()
    message = executor.build_evm_message(tx)
    computation = executor.build_computation(message, tx)
    computation = executor.finalize_computation(tx, computation)
    gas_used = vm_class.finalize_gas_used(tx, computation)
    if not computation.is_error:
        return CallResult(computation.output, gas_used, computation=computation, gas_limit=gas)
    message, output, reverted = failure_of(computation)
    return CallResult(output, gas_used, message, reverted, computation, gas)


def failure_of(computation: ComputationAPI) -> tuple[str, bytes, bool]:
    """What a failed run reports: its message, its output (kept only for a revert, which
    is the only failure with meaningful output) and whether it reverted."""
    reverted = isinstance(computation.error, Revert)
    output = computation.output if reverted else b""
    return describe_failure(computation, output), output, reverted


def _unsigned(vm_class: type[VirtualMachineAPI], chain_id: int, request: CallRequest, nonce: int,
              gas: int, max_fee: int, priority_fee: int) -> Any:
    return vm_class.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
        chain_id, nonce, priority_fee, max_fee, gas, request.to, request.value,
        request.data, [(address, list(slots)) for address, slots in request.access_list],
    )


def request_minimum_gas(vm_class: type[VirtualMachineAPI], chain_id: int, request: CallRequest,
                        calldata_floor: bool) -> int:
    """The least gas limit ``request`` may have: intrinsic gas, or Prague's calldata floor."""
    return minimum_gas(_unsigned(vm_class, chain_id, request, 0, 0, 0, 0), calldata_floor)


def describe_failure(computation: ComputationAPI, output: bytes) -> str:
    """'execution reverted[: reason]' for reverts, the EVM error otherwise."""
    if isinstance(computation.error, Revert):
        reason = revert_reason(output)
        return f"execution reverted: {reason}" if reason else "execution reverted"
    return error_message(computation.error)


MAX_INITCODE_SIZE = 49_152  # EIP-3860 (every fork this node runs is Shanghai or later)


def initcode_too_large(tx: object) -> str | None:
    """geth's reason for a creation whose init code is over EIP-3860's limit, else None."""
    size = len(tx.data)  # type: ignore[attr-defined]
    if not tx.to and size > MAX_INITCODE_SIZE:  # type: ignore[attr-defined]
        return f"max initcode size exceeded: code size {size}, limit {MAX_INITCODE_SIZE}"
    return None


def minimum_gas(tx: object, calldata_floor: bool) -> int:
    intrinsic = tx.intrinsic_gas  # type: ignore[attr-defined]
    return max(intrinsic, calldata_floor_gas(tx.data)) if calldata_floor else intrinsic  # type: ignore[attr-defined]


def estimate_gas(run: Callable[[int], CallResult], cap: int, minimum: int) -> int:
    """The least gas limit with which ``run`` succeeds, by binary search.

    ``run(gas)`` executes on a fresh copy of the state each time. A call that
    fails even with ``cap`` raises ExecutionFailed with its reason.
    """
    at_cap = run(cap)
    at_cap.raise_for_error()
    low = max(minimum, at_cap.gas_used) - 1  # below what it used never succeeds
    high = cap
    # Most calls succeed with what they used (no refunds, no 63/64 reserve).
    if low + 1 < high and run(low + 1).success:
        return low + 1
    while high - low > 1:
        middle = (low + high) // 2
        if run(middle).success:
            high = middle
        else:
            low = middle
    return high
