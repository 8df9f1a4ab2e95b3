"""Opcode and call-frame hooks for py-evm (an "inspector", as in revm) and geth's tracers.

py-evm has no tracing hooks, so :func:`inspecting` gives one state a
subclass of its own computation class, made on the fly, that reports to an
:class:`Inspector`:

- its opcode table wraps the opcodes the inspector wants to hear of, so that
  it does before (``step``) and after (``step_end``) they run; py-evm's own
  opcode loop is left as it is;
- ``__enter__``, which py-evm's ``apply_computation`` calls as a frame starts,
  reports the frame (precompiles included, which run no opcodes);
- ``apply_message`` and ``apply_create_message`` report the frame's end, after
  a creation has paid for its code, as geth does;
- for an inspector with a ``step_end``, its gas meter also totals every
  charge, which is how geth counts an opcode's cost.

Only the inspected state uses that class: the VM classes, and every other
state, run exactly the code they ran before, so normal execution pays
nothing for tracing; an inspected one pays only for the hooks its
inspector uses. Reading a frame's stack, memory and logs needs
py-evm's private attributes; :func:`stack_words` and :func:`memory_bytes`
keep those reads in one place.

The tracers produce geth's JSON: :class:`StructLogger` (the default tracer
of ``debug_traceTransaction``), :class:`CallTracer` (``callTracer``).
:class:`Deadline` bounds an execution's time.
"""
from __future__ import annotations

import functools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from eth.abc import CodeStreamAPI, ComputationAPI, MessageAPI, OpcodeAPI, StateAPI, TransactionContextAPI
from eth.exceptions import FullStack, Halt, InsufficientStack, OutOfGas, Revert, VMError
from eth.vm.gas_meter import GasMeter
from eth.vm.logic.invalid import InvalidOpcode
from eth.vm.opcode_values import (
    CALL, CALLCODE, CREATE, CREATE2, DELEGATECALL, JUMP, JUMPI, LOG0, LOG4, SLOAD, SSTORE, STATICCALL, STOP,
)

from .messages import error_message, opcode_name, revert_reason

_FRAME_OPENING_OPCODES = frozenset({CALL, CALLCODE, DELEGATECALL, STATICCALL, CREATE, CREATE2})


class Inspector:
    """Hooks an inspected execution calls (see :func:`inspecting`); each does nothing here."""

    # The opcodes this inspector needs step and step_end for; None: every opcode. The
    # opcodes that start frames are stepped whatever this says (they name the frames);
    # the rest run without the hooks' overhead.
    stepped_opcodes: frozenset[int] | None = None

    def enter(self, computation: ComputationAPI, call_type: str) -> None:
        """A frame starts: the transaction's own, a call or creation, or a precompile.

        ``call_type`` is what made the frame: ``CALL`` or ``CREATE`` for the
        transaction's own, otherwise the opcode (``CALL``, ``CALLCODE``,
        ``DELEGATECALL``, ``STATICCALL``, ``CREATE``, ``CREATE2``).
        """

    def exit(self, computation: ComputationAPI) -> None:
        """The frame ended: its output, error and gas used are final (a creation's code deposit included)."""

    def step(self, computation: ComputationAPI, pc: int, opcode: int) -> None:
        """``opcode`` at ``pc`` is about to run: stack, memory and gas are as they are before it."""

    def step_end(
        self, computation: ComputationAPI, pc: int, opcode: int, gas_cost: int, error: VMError | None
    ) -> None:
        """The opcode ran, or failed with ``error`` (then its frame fails too).

        ``gas_cost`` is what the opcode charged, counted as geth counts it:
        the gas a call forwards is part of the call's cost (what comes back
        is not subtracted), the gas a creation forwards is not.
        """


class ExecutionTimeout(Exception):
    """An execution ran past its :class:`Deadline`.

    Not a py-evm ``VMError``: py-evm turns those into a failed frame and
    carries on, whereas this must abandon the whole execution. It leaves the
    state half-way through a transaction, so the state is to be thrown away.
    """


class TraceTooLarge(Exception):
    """A trace outgrew its size budget: abandoned like an :class:`ExecutionTimeout`."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"trace too large: more than {max_bytes} bytes of JSON; trace with a smaller \"limit\", "
            f"\"disableStack\", without \"enableMemory\", or with the callTracer"
        )


class TraceBudget:
    """The estimated JSON size of a trace so far, against its limit (0: none).

    The estimate runs a little above the real size, so a trace that fits is
    never refused for an estimate's error on the other side.
    """

    __slots__ = ("max_bytes", "used")

    def __init__(self, max_bytes: int = 0) -> None:
        self.max_bytes = max_bytes
        self.used = 0

    def charge(self, size: int) -> None:
        self.used += size
        if self.max_bytes and self.used > self.max_bytes:
            raise TraceTooLarge(self.max_bytes)


# Estimated JSON bytes of the parts of a trace (a hex word with its quotes and comma is 69).
LOG_BYTES, WORD_BYTES, SLOT_BYTES, FRAME_BYTES = 120, 70, 140, 260


class Deadline(Inspector):
    """Abandons an execution (raises :class:`ExecutionTimeout`) once ``seconds`` have passed.

    It looks at the clock only at jumps and at the opcodes that start frames:
    code cannot loop without a jump, and straight-line code ends with its
    code (48 KB at most), so that bounds the time about as well as looking at
    every opcode would, at a fraction of the cost. A precompile runs to its
    end unchecked.
    """

    stepped_opcodes = frozenset({JUMP, JUMPI})

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds

    def step(self, computation: ComputationAPI, pc: int, opcode: int) -> None:
        if time.monotonic() > self.expires_at:
            raise ExecutionTimeout(f"execution aborted (timeout = {self.seconds:g}s)")


# ---------------------------------------------------------------------------- the hooks


@contextmanager
def inspecting(state: StateAPI, inspector: Inspector) -> Iterator[StateAPI]:
    """Within the block, every computation run on ``state`` reports to ``inspector``.

    That covers everything a transaction runs on the state (child calls,
    creations, precompiles). Inspections nest: an inner one reports to both
    inspectors. Afterwards the state runs uninspected again.
    """
    had_own_class = "computation_class" in vars(state)
    original = state.computation_class
    attach(state, inspector)
    try:
        yield state
    finally:
        if had_own_class:
            state.computation_class = original
        else:
            del state.computation_class  # back to the state class's own


def attach(state: StateAPI, inspector: Inspector) -> None:
    """Make ``state`` report to ``inspector`` for good: for a state that is thrown away after one use.

    This is what a ``state_override`` callback of ``Chain.call`` can do, for
    example to bound an ``eth_call`` with a :class:`Deadline`. The state must
    run on the thread that attached the inspector.
    """
    computation_class, inspection = _inspected_computation_class(state.computation_class, type(inspector))
    inspection.inspector = inspector
    state.computation_class = computation_class


class _Inspection(threading.local):
    """The inspector a thread's inspected runs report to, and the opcode that started last there
    (the one that creates a child frame).

    Per thread, so that one inspected class per (computation class, inspector type) serves
    every run: building one costs more than a short ``eth_call``.
    """

    inspector: Inspector
    opcode: int = STOP

    def enter(self, computation: ComputationAPI) -> None:
        message = computation.msg
        if message.depth == 0:
            call_type = "CREATE" if message.is_create else "CALL"
        else:
            call_type = opcode_name(self.opcode)
        self.inspector.enter(computation, call_type)


@functools.lru_cache(maxsize=None)
def _inspected_computation_class(
    base: type[ComputationAPI], kind: type[Inspector]
) -> tuple[type[ComputationAPI], _Inspection]:
    """A subclass of ``base`` whose frames and opcodes report to an inspector of type ``kind``
    (the one its ``_Inspection`` holds for the running thread).

    What an inspector does not use costs nothing: opcodes outside its
    ``stepped_opcodes`` run unwrapped, and without a ``step_end`` of its own
    no opcode's gas is accounted for.
    """
    inspection = _Inspection()
    measures_opcodes = kind.step_end is not Inspector.step_end
    wrapper = _MeasuredOpcode if measures_opcodes else _SteppedOpcode
    wanted = kind.stepped_opcodes
    opcodes = {}
    for value in range(256):
        logic = base.opcodes.get(value) or InvalidOpcode(value)
        stepped = wanted is None or value in wanted or value in _FRAME_OPENING_OPCODES
        opcodes[value] = wrapper(value, logic, inspection) if stepped else logic

    class InspectedComputation(base):  # type: ignore[valid-type, misc]
        if measures_opcodes:
            def _configure_gas_meter(self) -> GasMeter:
                meter = super()._configure_gas_meter()
                return _ChargeCountingGasMeter(meter.start_gas, meter.refund_strategy)

        def __enter__(self) -> ComputationAPI:
            computation = super().__enter__()
            inspection.enter(computation)
            return computation

        @classmethod
        def apply_message(
            cls,
            state: StateAPI,
            message: MessageAPI,
            transaction_context: TransactionContextAPI,
            parent_computation: ComputationAPI | None = None,
        ) -> ComputationAPI:
            computation = super().apply_message(state, message, transaction_context, parent_computation)
            if not message.is_create:  # a creation's frame ends in apply_create_message, after its code deposit
                inspection.inspector.exit(computation)
            return computation

        @classmethod
        def apply_create_message(
            cls,
            state: StateAPI,
            message: MessageAPI,
            transaction_context: TransactionContextAPI,
            parent_computation: ComputationAPI | None = None,
        ) -> ComputationAPI:
            computation = super().apply_create_message(state, message, transaction_context, parent_computation)
            inspection.inspector.exit(computation)
            return computation

    InspectedComputation.opcodes = opcodes
    InspectedComputation.__name__ = InspectedComputation.__qualname__ = f"Inspected{base.__name__}"
    return InspectedComputation, inspection


class _ChargeCountingGasMeter(GasMeter):
    """A gas meter that also totals what is charged, a charge that runs out of gas included.

    geth reports as an opcode's cost everything it charges before it runs,
    the gas a call forwards included. py-evm charges the same amounts while
    the opcode runs; the net change in gas left would instead subtract what a
    call gives back, and miss the charge an opcode ran out of gas on.
    """

    charged = 0

    def consume_gas(self, amount: int, reason: str) -> None:
        self.charged += amount
        super().consume_gas(amount, reason)


class _SteppedOpcode:
    """An opcode of an inspected computation that tells the inspector it is about to run."""

    __slots__ = ("value", "logic", "mnemonic", "inspection")

    def __init__(self, value: int, logic: OpcodeAPI, inspection: _Inspection) -> None:
        self.value = value
        self.logic = logic
        self.mnemonic = opcode_name(value)  # py-evm's debug logging reads it
        self.inspection = inspection

    def __call__(self, computation: ComputationAPI) -> None:
        pc = _position(computation.code, self.value)
        if pc is None:
            return self.logic(computation)
        self.inspection.opcode = self.value
        self.inspection.inspector.step(computation, pc, self.value)
        return self.logic(computation)


class _MeasuredOpcode(_SteppedOpcode):
    """An opcode that also tells the inspector, once it has run, what it charged and how it ended."""

    __slots__ = ()

    def __call__(self, computation: ComputationAPI) -> None:
        pc = _position(computation.code, self.value)
        if pc is None:
            return self.logic(computation)
        inspector = self.inspection.inspector
        charged_before = computation._gas_meter.charged
        children_before = len(computation.children)
        self.inspection.opcode = self.value
        inspector.step(computation, pc, self.value)
        try:
            self.logic(computation)
        except Halt:  # STOP, RETURN, SELFDESTRUCT: the opcode succeeded
            inspector.step_end(computation, pc, self.value, self._cost(computation, charged_before, children_before), None)
            raise
        except VMError as error:
            inspector.step_end(computation, pc, self.value, self._cost(computation, charged_before, children_before), error)
            raise
        inspector.step_end(computation, pc, self.value, self._cost(computation, charged_before, children_before), None)

    def _cost(self, computation: ComputationAPI, charged_before: int, children_before: int) -> int:
        cost = computation._gas_meter.charged - charged_before
        if self.value in (CREATE, CREATE2) and len(computation.children) > children_before:
            # geth counts the gas a creation forwards as its child's, not the opcode's.
            cost -= computation.children[-1].msg.gas
        return cost


def _position(code: CodeStreamAPI, opcode: int) -> int | None:
    """Where ``opcode`` runs: its program counter.

    None for the STOP py-evm runs for an account without code, where geth
    runs nothing. py-evm also yields a STOP when execution runs off the end
    of the code (geth's implicit STOP, at ``len(code)``, or beyond after a
    truncated PUSH) and does not advance the counter for it; a real STOP in
    the last byte leaves the counter at ``len(code)`` too, and is told apart
    by the byte being a STOP that is not PUSH data.
    """
    after = code.program_counter
    if opcode != STOP or after < len(code):
        return after - 1
    if not len(code):
        return None
    last = after - 1
    ran_last_byte = after == len(code) and code[last] == STOP and code.is_valid_opcode(last)
    return last if ran_last_byte else after


# ---------------------------------------------------------------------------- geth's vocabulary

# Failures geth detects before an opcode runs (gas, stack); only these mark the opcode's struct log.
_PRE_EXECUTION_ERRORS = (OutOfGas, InsufficientStack, FullStack)


def stack_words(computation: ComputationAPI) -> list[int]:
    """The frame's stack, bottom first (py-evm keeps each item as an int or as bytes)."""
    return [item if isinstance(item, int) else int.from_bytes(item, "big") for item in computation._stack.values]


def memory_bytes(computation: ComputationAPI) -> bytes:
    """The frame's memory, as far as it has been extended (always whole 32-byte words)."""
    return bytes(computation._memory._bytes)


def _word(value: int) -> str:
    return f"{value:064x}"


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


# ---------------------------------------------------------------------------- tracers


@dataclass(frozen=True)
class Outcome:
    """What the traced transaction did as a whole, the numbers geth takes from its receipt."""

    computation: ComputationAPI  # the transaction's own (top) frame
    gas_limit: int
    gas_used: int  # as in the receipt: intrinsic gas, refunds and the calldata floor counted


class Tracer(Inspector):
    """An inspector that reports what it saw in the JSON of a geth tracer."""

    def result(self, outcome: Outcome) -> dict[str, Any]:
        raise NotImplementedError


class _LoggedFrame:
    """A running frame, for the struct logger."""

    __slots__ = ("computation", "settled_refund", "pending")

    def __init__(self, computation: ComputationAPI) -> None:
        self.computation = computation
        self.settled_refund = 0  # refunds of the sub-calls that have returned successfully
        self.pending: tuple[int, dict[str, Any]] | None = None  # the log of the running opcode, unfinished


class StructLogger(Tracer):
    """geth's default tracer: one log per opcode run, in execution order.

    Config, as geth's: ``disableStack``, ``disableStorage``, ``enableMemory``,
    ``enableReturnData`` and ``limit`` (most logs kept; 0 keeps all). An
    opcode's log is taken before it runs; its ``gasCost`` is known once it
    has run, after the logs of any frame it started, so each log is held
    until then in its place.
    """

    def __init__(self, config: Mapping[str, Any], budget: TraceBudget | None = None) -> None:
        self.budget = budget or TraceBudget()
        self.with_stack = not config.get("disableStack", False)
        self.with_storage = not config.get("disableStorage", False)
        self.with_memory = bool(config.get("enableMemory", False))
        self.with_return_data = bool(config.get("enableReturnData", False))
        self.limit = int(config.get("limit") or 0)
        self.logs: list[dict[str, Any] | None] = []
        self._frames: list[_LoggedFrame] = []
        self._storage: dict[bytes, dict[str, str]] = {}  # per contract, the slots seen so far (geth keeps them all)

    def enter(self, computation: ComputationAPI, call_type: str) -> None:
        self._frames.append(_LoggedFrame(computation))

    def exit(self, computation: ComputationAPI) -> None:
        frame = self._frames.pop()
        if self._frames and computation.is_success:
            self._frames[-1].settled_refund += computation._gas_meter.gas_refunded + frame.settled_refund

    def step(self, computation: ComputationAPI, pc: int, opcode: int) -> None:
        frame = self._frames[-1]
        if self.limit and len(self.logs) >= self.limit:
            frame.pending = None
            return
        log: dict[str, Any] = {
            "pc": pc,
            "op": opcode_name(opcode),
            "gas": computation._gas_meter.gas_remaining,
            "gasCost": 0,  # known once the opcode has run
            "depth": computation.msg.depth + 1,
        }
        reads_storage = self.with_storage and opcode in (SLOAD, SSTORE)
        stack = stack_words(computation) if self.with_stack or reads_storage else []
        if self.with_stack:
            log["stack"] = [hex(word) for word in stack]
        if self.with_return_data and computation.return_data:
            log["returnData"] = _hex(computation.return_data)
        if self.with_memory:
            memory = memory_bytes(computation)
            if memory:
                log["memory"] = [memory[start:start + 32].hex() for start in range(0, len(memory), 32)]
        if reads_storage:
            storage = self._seen_storage(computation, opcode, stack)
            if storage is not None:
                log["storage"] = storage
        refund = self._refund_counter()
        if refund:
            log["refund"] = refund
        self.budget.charge(
            LOG_BYTES + WORD_BYTES * (len(log.get("stack", ())) + len(log.get("memory", ())))
            + SLOT_BYTES * len(log.get("storage", ())) + 2 * len(computation.return_data if self.with_return_data else b"")
        )
        frame.pending = (len(self.logs), log)
        self.logs.append(None)  # its place, filled by step_end

    def step_end(
        self, computation: ComputationAPI, pc: int, opcode: int, gas_cost: int, error: VMError | None
    ) -> None:
        pending = self._frames[-1].pending
        if pending is None:
            return
        index, log = pending
        log["gasCost"] = gas_cost
        if isinstance(error, _PRE_EXECUTION_ERRORS):
            log = _insert_after(log, "depth", "error", error_message(error))
        self.logs[index] = log

    def _seen_storage(self, computation: ComputationAPI, opcode: int, stack: list[int]) -> dict[str, str] | None:
        """geth's storage view: SLOAD records the slot's current value, SSTORE the value written."""
        address = computation.msg.storage_address
        seen = self._storage.setdefault(address, {})
        if opcode == SLOAD and len(stack) >= 1:
            seen[_word(stack[-1])] = _word(computation.state.get_storage(address, stack[-1]))
        elif opcode == SSTORE and len(stack) >= 2:
            seen[_word(stack[-1])] = _word(stack[-2])
        else:
            return None
        return dict(seen)

    def _refund_counter(self) -> int:
        """The transaction's refund counter so far, as geth's state keeps it.

        py-evm keeps refunds per frame; the transaction's are those of the
        running frames and of the sub-calls they made that succeeded, plus
        the refund of EIP-7702 authorizations carried by the top message.
        """
        running = sum(frame.computation._gas_meter.gas_refunded + frame.settled_refund for frame in self._frames)
        return self._frames[0].computation.msg.refund + running

    def result(self, outcome: Outcome) -> dict[str, Any]:
        top = outcome.computation
        reverted = top.is_error and isinstance(top.error, Revert)
        return_value = top.output if top.is_success or reverted else b""
        return {
            "gas": outcome.gas_used,
            "failed": top.is_error,
            "returnValue": return_value.hex(),
            "structLogs": self.logs,
        }


def _insert_after(entries: dict[str, Any], key: str, new_key: str, value: Any) -> dict[str, Any]:
    """``entries`` with ``new_key`` placed right after ``key`` (geth's field order)."""
    placed: dict[str, Any] = {}
    for existing, existing_value in entries.items():
        placed[existing] = existing_value
        if existing == key:
            placed[new_key] = value
    return placed


@dataclass
class _CallLog:
    address: bytes
    topics: tuple[int, ...]
    data: bytes
    position: int  # how many sub-calls of its frame came before it

    def to_json(self) -> dict[str, Any]:
        return {
            "address": _hex(self.address),
            "topics": ["0x" + _word(topic) for topic in self.topics],
            "data": _hex(self.data),
            "position": hex(self.position),
        }


@dataclass
class _CallFrame:
    call_type: str
    sender: bytes
    to: bytes | None
    input: bytes
    gas: int
    value: int | None  # None: a STATICCALL, which has none
    gas_used: int = 0
    output: bytes = b""
    error: str | None = None
    revert_reason: str | None = None
    calls: list[_CallFrame] = field(default_factory=list)
    logs: list[_CallLog] = field(default_factory=list)

    @classmethod
    def entered(cls, computation: ComputationAPI, call_type: str) -> _CallFrame:
        """The frame as geth's OnEnter describes it.

        py-evm's message names the executing account ``to`` and the code's
        ``code_address``; geth names the caller and the callee. A
        DELEGATECALL runs in its caller's account, with the caller's caller
        as sender and the caller's value (which geth reports).
        """
        message = computation.msg
        if message.is_create:
            sender, to, data = message.sender, message.storage_address, message.code
        elif call_type == "DELEGATECALL":
            sender, to, data = message.storage_address, message.code_address, message.data
        elif call_type == "CALLCODE":
            sender, to, data = message.sender, message.code_address, message.data
        else:
            sender, to, data = message.sender, message.to, message.data
        value = None if call_type == "STATICCALL" else message.value
        return cls(call_type, sender, to, bytes(data), message.gas, value)

    def finish(self, computation: ComputationAPI) -> None:
        """Record how the frame ended, as geth's callFrame.processOutput does."""
        self.gas_used = computation.get_gas_used()
        if computation.is_success:
            self.output = computation.output
            return
        self.error = error_message(computation.error)
        if self.call_type in ("CREATE", "CREATE2"):
            self.to = None  # nothing was created
        if isinstance(computation.error, Revert):
            self.output = computation.output
            self.revert_reason = revert_reason(self.output)

    def drop_failed_logs(self, parent_failed: bool = False) -> None:
        """A failed frame's logs, and those of everything under it, never happened."""
        failed = parent_failed or self.error is not None
        if failed:
            self.logs = []
        for call in self.calls:
            call.drop_failed_logs(failed)

    def to_json(self) -> dict[str, Any]:
        """geth's callFrame JSON, fields in geth's order, empty ones left out as geth does."""
        frame: dict[str, Any] = {"from": _hex(self.sender), "gas": hex(self.gas), "gasUsed": hex(self.gas_used)}
        if self.to is not None:
            frame["to"] = _hex(self.to)
        frame["input"] = _hex(self.input)
        if self.output:
            frame["output"] = _hex(self.output)
        if self.error is not None:
            frame["error"] = self.error
        if self.revert_reason:
            frame["revertReason"] = self.revert_reason
        if self.calls:
            frame["calls"] = [call.to_json() for call in self.calls]
        if self.logs:
            frame["logs"] = [log.to_json() for log in self.logs]
        if self.value is not None:
            frame["value"] = hex(self.value)
        frame["type"] = self.call_type
        return frame


class CallTracer(Tracer):
    """geth's ``callTracer``: the tree of call frames, precompiles included.

    Config, as geth's: ``onlyTopCall`` (the transaction's own frame only) and
    ``withLog`` (each frame's logs, with their position among its calls;
    logs of failed frames are dropped). The top frame reports the
    transaction's gas limit and its receipt's gas used.
    """

    stepped_opcodes = frozenset(range(LOG0, LOG4 + 1))  # for withLog; frames need no opcodes

    def __init__(self, config: Mapping[str, Any], budget: TraceBudget | None = None) -> None:
        self.budget = budget or TraceBudget()
        self.only_top_call = bool(config.get("onlyTopCall", False))
        self.with_log = bool(config.get("withLog", False))
        self._running: list[_CallFrame] = []
        self._top: _CallFrame | None = None

    def _skips(self, computation: ComputationAPI) -> bool:
        return self.only_top_call and computation.msg.depth > 0

    def enter(self, computation: ComputationAPI, call_type: str) -> None:
        if not self._skips(computation):
            frame = _CallFrame.entered(computation, call_type)
            self.budget.charge(FRAME_BYTES + 2 * len(frame.input))
            self._running.append(frame)

    def exit(self, computation: ComputationAPI) -> None:
        if self._skips(computation):
            return
        frame = self._running.pop()
        frame.finish(computation)
        self.budget.charge(2 * len(frame.output))
        if self._running:
            self._running[-1].calls.append(frame)
        else:
            self._top = frame

    def step_end(
        self, computation: ComputationAPI, pc: int, opcode: int, gas_cost: int, error: VMError | None
    ) -> None:
        if not self.with_log or error is not None or not LOG0 <= opcode <= LOG4 or self._skips(computation):
            return
        frame = self._running[-1]
        _, address, topics, data = computation._log_entries[-1]
        self.budget.charge(FRAME_BYTES + WORD_BYTES * len(topics) + 2 * len(data))
        frame.logs.append(_CallLog(address, topics, data, len(frame.calls)))

    def result(self, outcome: Outcome) -> dict[str, Any]:
        top = self._top or self._never_entered(outcome.computation)
        top.gas = outcome.gas_limit
        top.gas_used = outcome.gas_used
        top.drop_failed_logs()
        return top.to_json()

    @staticmethod
    def _never_entered(computation: ComputationAPI) -> _CallFrame:
        """The top frame of a creation py-evm refused before running it (its address was taken)."""
        frame = _CallFrame.entered(computation, "CREATE" if computation.msg.is_create else "CALL")
        frame.finish(computation)
        return frame
