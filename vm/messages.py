"""geth's words for what the EVM does: opcode names, failure messages, revert reasons.

Clients and tests match on these texts (ethers, web3.py and Foundry all parse
"execution reverted: ..."), so the node, its RPC errors and its traces use
geth's wording rather than py-evm's.
"""
from __future__ import annotations

import re
from typing import Any

from eth.exceptions import (
    ContractCreationCollision,
    FullStack,
    InsufficientStack,
    InvalidInstruction,
    InvalidJumpDestination,
    OutOfBoundsRead,
    OutOfGas,
    ReservedBytesInCode,
    Revert,
    VMError,
    WriteProtection,
)
from vm.osaka import OSAKA_OPCODES  # Prague's opcodes and CLZ
from eth_abi import decode as abi_decode

_INVALID = 0xFE  # the designated invalid opcode (EIP-141), which py-evm leaves unnamed


# geth's names where py-evm's differ.
_GETH_NAMES = {"SHA3": "KECCAK256", "PREVRANDAO": "DIFFICULTY"}


def _mnemonic(logic: Any) -> str:
    # Some opcodes are decorated functions; the mnemonic is on the function they wrap.
    return getattr(logic, "mnemonic", None) or logic.__wrapped__.mnemonic


_OPCODE_NAMES = {
    value: _GETH_NAMES.get(_mnemonic(logic), _mnemonic(logic)) for value, logic in OSAKA_OPCODES.items()
}
_OPCODE_NAMES[_INVALID] = "INVALID"


def opcode_name(opcode: int) -> str:
    """The opcode's name as geth prints it (``KECCAK256``, ``opcode 0xef not defined``)."""
    return _OPCODE_NAMES.get(opcode) or f"opcode {opcode:#x} not defined"


# py-evm raises OutOfGas for several failures geth names apart; its messages tell them apart.
_OUT_OF_GAS_CAUSES = (
    ("EIP170", "max code size exceeded"),
    ("EIP-3860", "max initcode size exceeded"),
    ("Write contract code", "contract creation code storage out of gas"),
)
_INVALID_OPCODE_MESSAGE = re.compile(r"Invalid opcode 0x([0-9a-f]+)")


def error_message(error: VMError) -> str:
    """A frame's error in geth's words (``execution reverted``, ``out of gas``, ...)."""
    message = str(error)
    if isinstance(error, Revert):
        return "execution reverted"
    if isinstance(error, OutOfGas):
        return next((geth for cause, geth in _OUT_OF_GAS_CAUSES if cause in message), "out of gas")
    if isinstance(error, InsufficientStack):
        return "stack underflow"
    if isinstance(error, FullStack):
        return "stack limit reached 1024 (1023)"
    if isinstance(error, InvalidJumpDestination):
        return "invalid jump destination"
    if isinstance(error, InvalidInstruction):
        invalid = _INVALID_OPCODE_MESSAGE.match(message)
        if invalid is None:  # py-evm's other InvalidInstruction: a jump into PUSH data
            return "invalid jump destination"
        return f"invalid opcode: {opcode_name(int(invalid.group(1), 16))}"
    if isinstance(error, WriteProtection):
        return "write protection"
    if isinstance(error, OutOfBoundsRead):
        return "return data out of bounds"
    if isinstance(error, ReservedBytesInCode):
        return "invalid code: must not begin with 0xef"
    if isinstance(error, ContractCreationCollision):
        return "contract address collision"
    return message or type(error).__name__


_ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
_PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
_PANIC_REASONS = {
    0x00: "generic panic",
    0x01: "assert(false)",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "enum overflow",
    0x22: "invalid encoded storage byte array accessed",
    0x31: "out-of-bounds array access; popping on an empty array",
    0x32: "out-of-bounds access of an array or bytesN",
    0x41: "out of memory",
    0x51: "uninitialized function",
}


def revert_reason(output: bytes) -> str | None:
    """The reason in Error(string) or Panic(uint256) revert data, as geth's abi.UnpackRevert words it."""
    try:
        if output[:4] == _ERROR_SELECTOR:
            return abi_decode(["string"], output[4:])[0]
        if output[:4] == _PANIC_SELECTOR:
            code = abi_decode(["uint256"], output[4:])[0]
            return _PANIC_REASONS.get(code, f"unknown panic code: {code:#x}")
    except Exception:  # malformed revert data has no reason, as in geth
        return None
    return None
