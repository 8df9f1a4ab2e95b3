"""EIP-2930 access lists for a call: JSON-RPC ``eth_createAccessList``.

geth's algorithm: run the call, list every address and storage slot it
touched, run it again with that list (a listed slot is cheaper, so the run can
take another branch and touch more), until the list stops changing. The
reported gas is that of the last run, the one made with the returned list.

What the call touched is read from py-evm's EIP-2929 bookkeeping, not from a
second model of the opcodes: every opcode that loads an account (BALANCE,
EXTCODE*, CALL*, SELFDESTRUCT and EIP-7702 delegation targets) asks the state
``is_address_warm`` before charging for it, and SLOAD/SSTORE ask
``is_storage_warm``. Recording those questions catches, like geth's opcode
tracer, accesses that are already warm and accesses in sub-calls that revert
(whose warm marks py-evm rolls back). The executor's own warming of the
sender, recipient, coinbase and created contracts goes through
``mark_address_warm`` and is not recorded.

Like geth, the sender, the recipient (or the created contract) and the
precompiles are left out as bare addresses, being warm anyway; a slot of the
recipient is listed under its address.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from eth.abc import StateAPI

from vm.tracing import Deadline, attach

from .blocks import PENDING, BlockRef
from .chain import CallContext, Chain, timeouts_as_failures
from .errors import ExecutionFailed
from .execution import CallRequest, CallResult

AccessList = list[tuple[bytes, list[int]]]

# geth stops only when the list is stable; a contract whose accesses depend on
# the gas left could keep it growing, so a dev node gives up after this many.
MAX_RUNS = 32


@dataclass(frozen=True)
class AccessListResult:
    """The access list, the gas the call uses with it, and its error (None: success)."""

    access_list: AccessList
    gas_used: int
    error: str | None


class _AccessRecorder:
    """Every address and slot a run asks the state about, in first-asked order."""

    def __init__(self, seed: Iterable[tuple[bytes, Sequence[int]]]) -> None:
        self.touched: dict[bytes, dict[int, None]] = {}
        for address, slots in seed:
            self.touched.setdefault(address, {}).update(dict.fromkeys(slots))

    def attach(self, state: StateAPI) -> None:
        """Record through ``state``'s warmth queries (on this state object only)."""
        is_address_warm = state.is_address_warm
        is_storage_warm = state.is_storage_warm

        def recording_is_address_warm(address: bytes) -> bool:
            self.touched.setdefault(address, {})
            return is_address_warm(address)

        def recording_is_storage_warm(address: bytes, slot: int) -> bool:
            self.touched.setdefault(address, {})[slot] = None
            return is_storage_warm(address, slot)

        state.is_address_warm = recording_is_address_warm  # type: ignore[method-assign]
        state.is_storage_warm = recording_is_storage_warm  # type: ignore[method-assign]

    def access_list(self, excluded: set[bytes]) -> AccessList:
        """The recorded accesses, minus bare addresses that are warm anyway."""
        return [
            (address, list(slots))
            for address, slots in self.touched.items()
            if slots or address not in excluded
        ]


def create_access_list(chain: Chain, request: CallRequest, ref: BlockRef = PENDING,
                       timeout: float | None = None) -> AccessListResult:
    """The access list ``request`` needs on block ``ref``, as geth computes it.

    Each run goes through ``chain.call``'s path (same block context, fee rules
    and executor), so the gas agrees with ``eth_call`` given the same list.
    Failures that stop the call before it runs (fees, intrinsic gas) raise
    ExecutionFailed; a call that reverts returns its error text instead.
    """
    context = chain.call_context(ref, request.pays_fees)
    access_list: AccessList = [(address, list(slots)) for address, slots in request.access_list]
    deadline = None if timeout is None else Deadline(timeout)  # bounds all the runs together
    for _ in range(MAX_RUNS):
        with timeouts_as_failures():
            result, touched = _run(context, replace(request, access_list=access_list), deadline)
        if touched == access_list:  # recorded in seed order, so equal means nothing new
            return AccessListResult(access_list, result.gas_used, result.error)
        access_list = touched
    raise ExecutionFailed(f"access list still changing after {MAX_RUNS} runs of the call")


def _run(context: CallContext, request: CallRequest, deadline: Deadline | None) -> tuple[CallResult, AccessList]:
    """One run of ``request`` and the access list it touched (its own list included)."""
    state = context.fresh_state()
    recorder = _AccessRecorder(request.access_list)
    recorder.attach(state)
    if deadline is not None:
        attach(state, deadline)
    result = context.run(request, state)
    # The top-level message knows the recipient, or the address a creation gets.
    recipient = result.computation.msg.storage_address
    excluded = {request.sender, recipient, *state.computation_class.get_precompiles()}
    return result, recorder.access_list(excluded)

