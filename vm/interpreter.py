"""Fast paths for py-evm's interpreter: the same opcodes, gas and errors, with fewer Python calls.

py-evm spends about 4 us an opcode where most of that is call layers, not the EVM's rule:
an ADD goes opcode object -> computation.consume_gas -> gas meter -> logic function ->
computation.stack_pop_ints -> Stack.pop_ints -> a generator -> to_int. Here, for the VM classes
``with_fast_paths`` makes:

- each opcode is one function that charges its gas on the computation's own gas meter (so a
  tracer's counting meter still sees every charge) and runs py-evm's logic; PUSHn, DUPn, SWAPn,
  POP, JUMPDEST, JUMP and JUMPI, about two thirds of what contracts run, are written out in full;
- the stack (``FastStack``) pops and pushes without generators, with py-evm's checks and errors;
- the jump-destination analysis (``FastCodeStream``) is kept per code: py-evm redoes it for
  every call into the same contract, looking up to 32 bytes back from each jump target.

Nothing observable changes: the same exceptions with the same messages, in the same order as
py-evm's. The stock classes stay the reference: tests/test_fast_paths.py runs random bytecode
and random chain workloads through both and compares gas, output, errors, stacks, block hashes,
receipts and traces.

py-evm is pinned (pyproject.toml): this module reads the computation's gas meter, stack and
code bytes, which py-evm keeps in attributes of its own (``_gas_meter``, ``_stack``,
``_raw_code_bytes``).
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any, Callable

from eth.abc import ComputationAPI, VirtualMachineAPI
from eth.constants import UINT_256_MAX
from eth.exceptions import FullStack, InsufficientStack, InvalidInstruction, InvalidJumpDestination
from eth.vm.code_stream import CodeStream
from eth.vm.logic import duplication, flow, stack as stack_logic, swap
from eth.vm.opcode import _FastOpcode
from eth.vm.opcode_values import JUMPDEST
from eth.vm.stack import Stack

ANALYSED_CODES = 512  # contracts whose jump analysis is kept (each holds two sets of positions)


# ---------------------------------------------------------------- jump destinations

class _JumpAnalyses:
    """For each recent code, py-evm's own memo of which positions are instructions (and which are
    PUSH data): shared by every run of that code instead of rebuilt for each."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._memos: OrderedDict[bytes, tuple[set[int], set[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def memo(self, code: bytes) -> tuple[set[int], set[int]]:
        with self._lock:
            found = self._memos.get(code)
            if found is None:
                found = self._memos[code] = (set(), set())
                if len(self._memos) > self._limit:
                    self._memos.popitem(last=False)
            else:
                self._memos.move_to_end(code)
            return found


JUMP_ANALYSES = _JumpAnalyses(ANALYSED_CODES)


class FastCodeStream(CodeStream):
    """py-evm's CodeStream whose valid/invalid position memo belongs to the code, not the run.

    The memo's entries are facts of the code alone (is this byte an instruction or PUSH data?),
    computed by py-evm's own ``is_valid_opcode``, so sharing them cannot change an answer."""

    __slots__ = ()

    def __init__(self, code_bytes: bytes) -> None:
        super().__init__(code_bytes)
        if code_bytes:
            self.valid_positions, self.invalid_positions = JUMP_ANALYSES.memo(code_bytes)


# ---------------------------------------------------------------- the stack

class FastStack(Stack):
    """py-evm's Stack (ints and bytes side by side) with its hot methods written without
    generators or helper calls; the same checks, errors and messages."""

    __slots__ = ()

    def push_int(self, value: int) -> None:
        if len(self.values) > 1023:
            raise FullStack("Stack limit reached")
        if not 0 <= value <= UINT_256_MAX:
            Stack.push_int(self, value)  # raises py-evm's own ValidationError
        self._append(value)

    def push_bytes(self, value: bytes) -> None:
        if len(self.values) > 1023:
            raise FullStack("Stack limit reached")
        if len(value) > 32:
            Stack.push_bytes(self, value)  # raises py-evm's own ValidationError
        self._append(value)

    def pop1_int(self) -> int:
        try:
            value = self._pop()
        except IndexError:
            raise InsufficientStack("Wanted 1 stack item, had none")
        return value if isinstance(value, int) else int.from_bytes(value, "big")

    def pop_ints(self, num_items: int) -> tuple[int, ...]:
        values = self.values
        if num_items > len(values):
            raise InsufficientStack(f"Wanted {num_items} stack items, only had {len(values)}")
        items = values[-num_items:]
        del values[-num_items:]
        items.reverse()
        return tuple([x if isinstance(x, int) else int.from_bytes(x, "big") for x in items])


# ---------------------------------------------------------------- opcodes

def _charging(logic: Callable[[ComputationAPI], Any], gas: int, mnemonic: str) -> Callable[[ComputationAPI], Any]:
    """``logic`` after charging ``gas``: what py-evm's _FastOpcode does, one call shorter."""

    def run(computation: ComputationAPI) -> Any:
        computation._gas_meter.consume_gas(gas, mnemonic)
        return logic(computation)

    return run


def _push(size: int, gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    """PUSHn: the next ``size`` code bytes as they are (zero-padded past the code's end)."""

    def push(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)
        code = computation.code
        start = code.program_counter
        code.program_counter = start + size
        value = code._raw_code_bytes[start:start + size]
        values = computation._stack.values
        if len(values) > 1023:
            raise FullStack("Stack limit reached")
        values.append(value if len(value) == size else value.ljust(size, b"\x00"))

    return push


def _dup(position: int, gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    def dup(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)
        computation._stack.dup(position)

    return dup


def _swap(position: int, gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    def swap_(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)
        computation._stack.swap(position)

    return swap_


def _pop(gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    def pop(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)
        computation._stack.pop1_any()

    return pop


def _jumpdest(gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    def jumpdest(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)

    return jumpdest


def _jump_to(computation: ComputationAPI, destination: int) -> None:
    """flow.jump's rule: land on a JUMPDEST that is an instruction, not PUSH data."""
    code = computation.code
    code.program_counter = destination
    if code.peek() != JUMPDEST:
        raise InvalidJumpDestination("Invalid Jump Destination")
    if not code.is_valid_opcode(destination):
        raise InvalidInstruction("Jump resulted in invalid instruction")


def _jump(gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    def jump(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)
        _jump_to(computation, computation._stack.pop1_int())

    return jump


def _jumpi(gas: int, mnemonic: str) -> Callable[[ComputationAPI], None]:
    def jumpi(computation: ComputationAPI) -> None:
        computation._gas_meter.consume_gas(gas, mnemonic)
        destination, condition = computation._stack.pop_ints(2)
        if condition:
            _jump_to(computation, destination)

    return jumpi


def _written_out() -> dict[Callable, Callable[[int, str], Callable[[ComputationAPI], None]]]:
    """py-evm's logic function -> a maker of the whole opcode (given its gas and mnemonic)."""
    makers: dict[Callable, Callable[[int, str], Callable[[ComputationAPI], None]]] = {
        stack_logic.pop: _pop, flow.jumpdest: _jumpdest, flow.jump: _jump, flow.jumpi: _jumpi,
    }
    for n in range(1, 33):
        makers[getattr(stack_logic, f"push{n}")] = functools.partial(_push, n)
    for n in range(1, 17):
        makers[getattr(duplication, f"dup{n}")] = functools.partial(_dup, n)
        makers[getattr(swap, f"swap{n}")] = functools.partial(_swap, n)
    return makers


WRITTEN_OUT = _written_out()


def fast_opcodes(opcodes: dict[int, Any]) -> dict[int, Any]:
    """The opcode table ``opcodes`` with every plain opcode (py-evm's _FastOpcode: a gas cost and a
    logic function) as one function; the others (CALL, SSTORE, ...: classes that charge as they
    run) unchanged. Each keeps its ``mnemonic``, which error messages and debug logs read."""
    table = {}
    for value, opcode in opcodes.items():
        if type(opcode) is _FastOpcode:
            maker = WRITTEN_OUT.get(opcode.logic_fn)
            run = (maker(opcode.gas_cost, opcode.mnemonic) if maker
                   else _charging(opcode.logic_fn, opcode.gas_cost, opcode.mnemonic))
            run.mnemonic = opcode.mnemonic  # type: ignore[attr-defined]
            table[value] = run
        else:
            table[value] = opcode
    return table


# ---------------------------------------------------------------- the classes

class _FastFrames:
    """A computation with the fast stack and code stream (mixed in before py-evm's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.code = FastCodeStream(self.msg.code)  # type: ignore[attr-defined]
        self._stack = FastStack()


@functools.lru_cache(maxsize=None)
def with_fast_paths(vm_class: type[VirtualMachineAPI]) -> type[VirtualMachineAPI]:
    """``vm_class`` running the fast interpreter: a subclass of it, of its state and of its
    computation class, computing exactly what they compute."""
    state_class = vm_class.get_state_class()
    computation_class = state_class.computation_class
    computation = type(computation_class.__name__, (_FastFrames, computation_class),
                       {"opcodes": fast_opcodes(computation_class.opcodes), "__module__": __name__})
    state = type(state_class.__name__, (state_class,), {"computation_class": computation, "__module__": __name__})
    return type(vm_class.__name__, (vm_class,), {"_state_class": state, "__module__": __name__})
