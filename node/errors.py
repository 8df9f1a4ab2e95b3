"""Errors the chain reports to its callers, with the text a client is shown."""
from __future__ import annotations

from eth import exceptions as evm
from eth_abi import decode as abi_decode

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)


class ChainError(Exception):
    """Base class; ``str(error)`` is the message for the client."""


class TransactionRejected(ChainError):
    """The transaction was not accepted (it is neither pooled nor mined)."""


class UnknownBlock(ChainError):
    """A block reference that names no block of this chain."""


class InvalidRequest(ChainError):
    """A well-formed call with arguments the chain cannot act on."""


class ExecutionFailed(ChainError):
    """A call or gas estimate whose execution failed.

    ``data`` holds the raw revert output (empty for non-revert failures) so
    clients can decode custom errors themselves.
    """

    def __init__(self, message: str, data: bytes = b"", reverted: bool = False) -> None:
        super().__init__(message)
        self.data = data
        self.reverted = reverted


def revert_reason(data: bytes) -> str | None:
    """The human-readable reason of Error(string) and Panic(uint256) revert data."""
    try:
        if data[:4] == ERROR_SELECTOR:
            return abi_decode(["string"], data[4:])[0]
        if data[:4] == PANIC_SELECTOR:
            code = abi_decode(["uint256"], data[4:])[0]
            return f"panic code 0x{code:x} ({PANIC_CODES.get(code, 'unknown panic')})"
    except Exception:  # malformed revert data is reported raw, not decoded
        return None
    return None


PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array encoding",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to uninitialized function",
}


# geth's wording of EVM failures: clients and tests match on these texts.
EVM_ERROR_MESSAGES: dict[type, str] = {
    evm.OutOfGas: "out of gas",
    evm.InsufficientStack: "stack underflow",
    evm.FullStack: "stack limit reached 1024",
    evm.InvalidJumpDestination: "invalid jump destination",
    evm.InvalidInstruction: "invalid opcode",
    evm.InsufficientFunds: "insufficient balance for transfer",
    evm.StackDepthLimit: "max call depth exceeded",
    evm.ContractCreationCollision: "contract address collision",
    evm.WriteProtection: "write protection",
    evm.OutOfBoundsRead: "return data out of bounds",
    evm.ReservedBytesInCode: "invalid code: must not begin with 0xef",
    evm.Revert: "execution reverted",
}


def evm_error_message(error: BaseException) -> str:
    """geth's text for an EVM failure; py-evm's own text for anything unmapped."""
    for error_class in type(error).__mro__:
        if error_class in EVM_ERROR_MESSAGES:
            message = EVM_ERROR_MESSAGES[error_class]
            if error_class is evm.InvalidInstruction:
                return _invalid_instruction_message(str(error))
            return message
    return str(error) or type(error).__name__


def _invalid_instruction_message(text: str) -> str:
    """py-evm raises InvalidInstruction for bad opcodes and for bad jump targets."""
    if text.startswith("Jump"):
        return "invalid jump destination"
    words = text.split()  # "Invalid opcode 0xfe @ 12"
    opcode = words[2] if len(words) > 2 else "unknown"
    return "invalid opcode: INVALID" if opcode == "0xfe" else f"invalid opcode: opcode {opcode} not defined"
