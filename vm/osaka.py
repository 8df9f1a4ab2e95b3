"""Osaka, the execution half of the Fusaka upgrade (EIP-7607), on top of py-evm's Prague.

py-evm 0.12.1b1 stops at Prague, so this module adds what Osaka changes in
the execution layer, after ethereum/execution-specs' ``osaka`` fork:

- EIP-7939: the ``CLZ`` opcode (0x1e);
- EIP-7951: the ``P256VERIFY`` precompile (0x100);
- EIP-7823 and EIP-7883: ``MODEXP`` inputs bounded to 1,024 bytes each, and repriced;
- EIP-7825: no transaction may have a gas limit above 2**24;
- EIP-7934: no block may be larger than 8 MiB once RLP-encoded.

The rest of the upgrade (blobs, the consensus layer, networking) does not
reach this node: docs/osaka.md goes through the whole list. The classes the
node runs, with and without the ML precompiles, are in vm/fork.py.
"""
from __future__ import annotations

import copy
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from eth._utils.address import force_bytes_to_address
from eth._utils.padding import zpad_right
from eth.abc import ComputationAPI, SignedTransactionAPI, VirtualMachineAPI
from eth.exceptions import VMError
from eth.precompiles.modexp import extract_lengths
from eth.precompiles.modexp import modexp as _eip198_modexp
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth.vm.opcode import as_opcode
from eth_utils import ValidationError

# ---------------------------------------------------------------- constants

CLZ = 0x1E
GAS_CLZ = 5  # EIP-7939: as MUL (GAS_LOW), not ADD's 3

P256VERIFY_ADDRESS = force_bytes_to_address(b"\x01\x00")
GAS_P256VERIFY = 6_900  # EIP-7951, as in Osaka (RIP-7212's rollups charge 3,450)
P256VERIFY_INPUT_BYTES = 160  # hash ‖ r ‖ s ‖ qx ‖ qy, 32 bytes each
SECP256R1_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
SECP256R1_A = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC
SECP256R1_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
SECP256R1_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

MODEXP_ADDRESS = force_bytes_to_address(b"\x05")
MODEXP_MAX_INPUT_BYTES = 1_024  # EIP-7823: each of the base, exponent and modulus
MODEXP_MIN_GAS = 500  # EIP-7883 (EIP-2565: 200)

TX_MAX_GAS_LIMIT = 2**24  # EIP-7825: 16,777,216

MAX_BLOCK_SIZE = 10_485_760  # EIP-7934: 10 MiB ...
SAFETY_MARGIN = 2_097_152  # ... less 2 MiB for the consensus layer's wrapping
MAX_RLP_BLOCK_SIZE = MAX_BLOCK_SIZE - SAFETY_MARGIN  # 8 MiB


# ---------------------------------------------------------------- EIP-7939: CLZ

def clz(computation: ComputationAPI) -> None:
    """Pop a word, push how many zero bits lead it: 256 for zero, 0 when its top bit is set."""
    value = computation.stack_pop1_int()
    computation.stack_push_int(256 - value.bit_length())


OSAKA_OPCODES = {
    **copy.deepcopy(PragueComputation.opcodes),
    CLZ: as_opcode(logic_fn=clz, mnemonic="CLZ", gas_cost=GAS_CLZ),
}


# ---------------------------------------------------------------- EIP-7951: P256VERIFY

_P256 = ec.SECP256R1()
_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))  # verifies the 32-byte hash as given: no re-hashing
_VALID = (1).to_bytes(32, "big")


def p256verify(computation: ComputationAPI) -> ComputationAPI:
    """ECDSA verification over secp256r1 (NIST P-256); 6,900 gas whatever the outcome.

    Input: 160 bytes, ``h ‖ r ‖ s ‖ qx ‖ qy``. Output: the word 1 when the
    signature is valid, nothing otherwise; it never reverts. Invalid: any
    other input length; ``r`` or ``s`` outside ``(0, n)``; ``qx`` or ``qy``
    not below ``p``; ``(qx, qy)`` off the curve or the point at infinity
    ``(0, 0)``; a signature that does not verify (``R'`` at infinity, or
    ``R'.x ≢ r (mod n)``). The hash is used as given, not hashed again.
    """
    computation.consume_gas(GAS_P256VERIFY, reason="P256VERIFY Precompile")
    data = computation.msg.data_as_bytes
    computation.output = _VALID if _p256_valid(data) else b""
    return computation


def _p256_valid(data: bytes) -> bool:
    if len(data) != P256VERIFY_INPUT_BYTES:
        return False
    message_hash = data[:32]
    r, s, qx, qy = (int.from_bytes(data[i:i + 32], "big") for i in range(32, 160, 32))
    if not (0 < r < SECP256R1_N and 0 < s < SECP256R1_N):
        return False
    if not (qx < SECP256R1_P and qy < SECP256R1_P):
        return False
    if (qy * qy - (qx * qx * qx + SECP256R1_A * qx + SECP256R1_B)) % SECP256R1_P != 0:
        return False  # off the curve, which (0, 0), the point at infinity, is too
    try:
        key = ec.EllipticCurvePublicNumbers(qx, qy, _P256).public_key()
        key.verify(encode_dss_signature(r, s), message_hash, _PREHASHED)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------- EIP-7823, EIP-7883: MODEXP

def modexp_gas(data: bytes) -> int:
    """EIP-7883: ``max(500, complexity × iterations)``.

    complexity = 16 if max(base, modulus length) <= 32 bytes, else 2 × words²
    (words: that length in 8-byte words, rounded up); iterations = max(1, the
    exponent's bit length - 1 for exponents up to 32 bytes, else
    16 × (length - 32) + the bit length - 1 of its first 32 bytes).
    """
    base_length, exponent_length, modulus_length = extract_lengths(data)
    max_length = max(base_length, modulus_length)
    words = (max_length + 7) // 8
    complexity = 16 if max_length <= 32 else 2 * words**2
    head_length = min(exponent_length, 32)
    head = int.from_bytes(zpad_right(data[96 + base_length:96 + base_length + head_length], head_length), "big")
    head_bits = max(head.bit_length() - 1, 0)
    if exponent_length <= 32:
        iterations = head_bits
    else:
        iterations = 16 * (exponent_length - 32) + head_bits
    return max(MODEXP_MIN_GAS, complexity * max(iterations, 1))


def modexp(computation: ComputationAPI) -> ComputationAPI:
    """py-evm's EIP-198 MODEXP, priced by ``modexp_gas`` and bounded by EIP-7823.

    A base, exponent or modulus length over 1,024 bytes fails the call,
    consuming all its gas, before any is charged.
    """
    lengths = extract_lengths(computation.msg.data_as_bytes)
    if max(lengths) > MODEXP_MAX_INPUT_BYTES:
        raise VMError(f"MODEXP input over {MODEXP_MAX_INPUT_BYTES} bytes (EIP-7823): lengths {lengths}")
    return _eip198_modexp(computation, gas_calculator=modexp_gas)


OSAKA_PRECOMPILES = {
    **PragueComputation.get_precompiles(),
    MODEXP_ADDRESS: modexp,
    P256VERIFY_ADDRESS: p256verify,
}


# ---------------------------------------------------------------- EIP-7825, EIP-7934: limits

def transaction_gas_too_high(gas: int) -> str | None:
    """EIP-7825's refusal, in geth's words, for a gas limit over 2**24; None when within it."""
    if gas > TX_MAX_GAS_LIMIT:
        return f"transaction gas limit too high (cap: {TX_MAX_GAS_LIMIT}, tx: {gas})"
    return None


class OsakaComputation(PragueComputation):
    """Prague's computation with CLZ, P256VERIFY and Osaka's MODEXP."""

    opcodes = OSAKA_OPCODES
    _precompiles = OSAKA_PRECOMPILES


class OsakaState(PragueState):
    computation_class = OsakaComputation

    def validate_transaction(self, transaction: SignedTransactionAPI) -> None:
        too_high = transaction_gas_too_high(transaction.gas)
        if too_high:
            raise ValidationError(too_high)
        super().validate_transaction(transaction)


class OsakaVM(PragueVM):
    """Osaka: Prague's blocks and headers (Osaka adds no header field), Osaka's state."""

    fork = "osaka"
    header_class = PragueBlockHeader
    _state_class = OsakaState

    # EIP-7825: also part of block validation, before any transaction runs.
    def validate_transaction_against_header(self, base_header: Any, transaction: SignedTransactionAPI) -> None:
        too_high = transaction_gas_too_high(transaction.gas)
        if too_high:
            raise ValidationError(too_high)
        super().validate_transaction_against_header(base_header, transaction)


def is_osaka(vm_class: type[VirtualMachineAPI]) -> bool:
    return issubclass(vm_class, OsakaVM)


class BlockSizeBudget:
    """EIP-7934 for block building: whether one more transaction keeps the block within 8 MiB.

    It counts each transaction as its block encoding at most takes (its raw
    bytes and an RLP string header), and reserves room for the header and the
    lists' own headers, so a block it admits is never over the limit. Before
    Osaka there is no limit and everything fits.
    """

    _RESERVED = 2_048  # the header (about 600 bytes) and the block's list headers

    def __init__(self, vm_class: type[VirtualMachineAPI]) -> None:
        self.room = MAX_RLP_BLOCK_SIZE - self._RESERVED if is_osaka(vm_class) else None

    @staticmethod
    def size(tx: Any) -> int:
        return len(tx.raw) + 9  # a typed transaction is an RLP string: up to 9 header bytes

    def fits(self, tx: Any) -> bool:
        return self.room is None or self.size(tx) <= self.room

    def add(self, tx: Any) -> None:
        if self.room is not None:
            self.room -= self.size(tx)
