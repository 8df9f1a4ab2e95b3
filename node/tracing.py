"""debug_traceTransaction and debug_traceCall: a transaction or a call run again under a tracer.

A mined transaction is traced by running its block again, on the state its
block started from, up to it: the same header, the same system-contract
writes, the earlier transactions applied as the block applied them. Nothing
is written back; the re-run happens on a throwaway overlay. A call is traced
exactly as ``Chain.call`` runs it.

The config is geth's: ``{"tracer": "callTracer", "tracerConfig": {...}}``,
or no tracer for the struct logger with its options at the top level, and
``timeout`` (a Go duration such as ``"5s"``) to bound the run. ``max_bytes``
bounds the trace's JSON size (0: no bound): past it the trace is abandoned
with a clear error instead of filling memory.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from eth.abc import StateAPI

from vm.tracing import CallTracer, Deadline, Outcome, StructLogger, TraceBudget, Tracer, TraceTooLarge, inspecting

from .blocks import BlockRef
from .builder import apply_to_block
from .chain import Chain, timeouts_as_failures
from .errors import ChainError, InvalidRequest
from .execution import CallRequest


def trace_transaction(chain: Chain, tx_hash: bytes, config: Mapping[str, Any], max_bytes: int = 0) -> dict[str, Any]:
    """The trace of a mined transaction, identical to what its block did."""
    tracer = tracer_for(config, max_bytes)
    timeout = timeout_of(config)
    with chain.lock:
        lookup = chain.get_transaction(tx_hash)
        if lookup is None or lookup.block_number is None:
            raise ChainError(f"transaction not found: 0x{tx_hash.hex()}")  # geth's words and -32000
        block = chain.get_block(lookup.block_number)
        vm, header = chain.block_start(block.header)
    for earlier in block.transactions[:lookup.index]:
        header, _, _ = apply_to_block(vm, header, earlier)
    transaction = block.transactions[lookup.index]
    with timeouts_as_failures(), _traced(vm.state, tracer, timeout):
        receipt, computation = vm.apply_transaction(header, transaction)
    # py-evm's receipts count gas cumulatively over the block.
    return tracer.result(Outcome(computation, transaction.gas, receipt.gas_used - header.gas_used))


def trace_call(
    chain: Chain,
    request: CallRequest,
    ref: BlockRef,
    config: Mapping[str, Any],
    state_override: Callable[[StateAPI], None] | None = None,
    max_bytes: int = 0,
) -> dict[str, Any]:
    """The trace of ``request`` run as ``Chain.call`` runs it (same block context, fees and gas).

    ``state_override`` edits the state first, as it does for ``Chain.call``
    (geth's ``stateOverrides`` of debug_traceCall).
    """
    tracer = tracer_for(config, max_bytes)
    timeout = timeout_of(config)
    context = chain.call_context(ref, request.pays_fees)
    state = context.fresh_state()
    if state_override is not None:
        state_override(state)
    with timeouts_as_failures(), _traced(state, tracer, timeout):
        result = context.run(request, state)
    return tracer.result(Outcome(result.computation, result.gas_limit, result.gas_used))


def tracer_for(config: Mapping[str, Any], max_bytes: int = 0) -> Tracer:
    """The tracer ``config`` names, configured; none named is the struct logger."""
    name = config.get("tracer")
    if not name:
        return StructLogger(config, TraceBudget(max_bytes))
    if name == "callTracer":
        tracer_config = config.get("tracerConfig") or {}
        if not isinstance(tracer_config, Mapping):
            raise InvalidRequest("tracerConfig: expected an object")
        return CallTracer(tracer_config, TraceBudget(max_bytes))
    raise InvalidRequest(f"tracer {name} not supported; use callTracer or the default struct logger")


_DURATION = re.compile(r"(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_SECONDS_PER_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def timeout_of(config: Mapping[str, Any]) -> float | None:
    """geth's ``timeout`` option (a Go duration: ``"5s"``, ``"1m30s"``, ``"300ms"``) in seconds; None if unset."""
    text = config.get("timeout")
    if text is None:
        return None
    if not isinstance(text, str) or not _DURATION.fullmatch(text):
        raise InvalidRequest(f'timeout: expected a duration such as "5s" or "300ms", got {text!r}')
    return sum(float(number) * _SECONDS_PER_UNIT[unit] for number, unit in _DURATION_PART.findall(text))


@contextmanager
def _traced(state: StateAPI, tracer: Tracer, timeout: float | None) -> Iterator[None]:
    """``state`` reports to ``tracer``, and gives up after ``timeout`` seconds if one is set
    or once the trace outgrows its budget."""
    try:
        with inspecting(state, tracer):
            if timeout is None:
                yield
            else:
                with inspecting(state, Deadline(timeout)):
                    yield
    except TraceTooLarge as error:
        raise ChainError(str(error)) from None
