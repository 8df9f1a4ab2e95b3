"""The vector store precompile (``VSTORE``, 0x0510): docs/precompiles.md, "The vector store".

Input: ``layout ‖ op (1 byte) ‖ params ‖ vectors`` (the shared layouts of
``encoding``). A vector lives as the code of a pseudo-account,

    address = keccak256(b"sumchain.vector" ‖ owner (20 bytes) ‖ id (32 bytes))[12:]
    code    = 0xfe ‖ width (1 byte) ‖ d × width-byte big-endian two's-complement elements

so it is ordinary state: in the state root, journaled by py-evm's state
snapshots (undone with a failing or reverting frame or transaction), persisted
and snapshotted by the node like any contract code.

Guarantees, and where they come from:

- ownership: a write acts on ``msg.sender``'s vectors only, and only when
  VSTORE is the frame's own account (``CALL``); a ``DELEGATECALL``/``CALLCODE``
  to 0x0510 cannot write, since its ``msg.sender`` would be the *caller's*
  caller (a contract could otherwise write the vectors of whoever called it);
- static calls: a write fails when ``msg.is_static`` (set by ``STATICCALL`` and
  inherited by every frame under one);
- failure: any broken rule raises a ``VMError`` (``VectorStoreFailure``, or
  ``OutOfGas`` from the gas meter), so the call returns 0, burns its gas, and
  py-evm reverts the frame's state (nothing is written before every check and
  the gas charge have passed);
- gas is charged before the arithmetic and the write: ``base + per_element × n``
  (``STORE_GAS``) plus ``GAS_PER_ADDED_BYTE`` for each byte the write adds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from eth.abc import ComputationAPI
from eth.exceptions import VMError, WriteProtection
from eth_hash.auto import keccak
import numpy as np

from .encoding import (
    ELEMENT_BYTES,
    WORD,
    PrecompileInputError,
    Reader,
    encode_int,
    encode_uint,
    encode_vector,
)
from .gas import Gas
from .ops import INT64_LIMIT, Vector, VectorReader, _ints, _is_array, _peak, _trunc_div
from .ops import _dot as exact_dot
from .reference import trunc_div

# ---------------------------------------------------------------------------- gas
# ``base + per_element × n``, where n counts every element the op reads, input
# and stored (docs/precompiles.md, "Gas"). The input's elements are paid before
# it is parsed, the stored ones before they are decoded, and both before any
# arithmetic or write. Calibrated 2026-12-07 with `sumchain bench precompiles`
# by the rule of gas.GAS (every measured size >= 1.3 x ECRECOVER's gas per
# microsecond, the lowest mean ratio with every ratio under 3.5), on the slowest inputs: words (int128) and
# packed input, stored widths 8, 16 and 32 near their extremes, every vector
# cold (read from the database: about 60-110 µs an account, which the bases
# now cover); one per-element price for every width; see docs/gas-schedule.md.
STORE_GAS: dict[str, Gas] = {
    "VSTORE_SET": Gas(base=8_590, per_element=36),        # n = d written
    "VSTORE_GET": Gas(base=6_420, per_element=30),        # n = d stored
    "VSTORE_ADDSCALED": Gas(base=8_912, per_element=39),  # n = d input + d stored
    "VSTORE_CENTROID": Gas(base=8_863, per_element=47),   # n = d input + d stored
    "VSTORE_DOT": Gas(base=7_050, per_element=22),        # n = d input + d stored
    "VSTORE_NEAREST": Gas(base=6_875, per_element=38),    # n = k ids + d input + k·d stored
    "VSTORE_SPARSEADD": Gas(base=9_423, per_element=30),  # n = m idx (+ m vals) + d stored
    "VSTORE_SPARSEDOT": Gas(base=8_030, per_element=23),   # n = m idx (+ m vals) + m stored read
    "VSTORE_LENGTH": Gas(base=6_819, per_element=0),      # n = 0
    "VSTORE_PERCEPTRON": Gas(base=8_786, per_element=34),  # n = d input + d stored, + the rewrite below
}
# NEAREST: each stored vector it opens after the first (one more cold account read: measured
# 60-115 µs with its share of the loop, priced at 1.3 x ECRECOVER's gas per microsecond).
GAS_PER_EXTRA_VECTOR = 7_542
# PERCEPTRON's rewrite when the prediction is wrong: a state write and each stored element. Measured
# (2026-12-06) only together with the table's price above, on the rewriting path, whose base covers
# both at >= 1.3 x ECRECOVER's gas/us; these two are the 2026-11-23 values.
PERCEPTRON_REWRITE_BASE = 2_800
GAS_PER_PERCEPTRON_REWRITE = 21
# Ethereum's code-deposit price, for each byte a write adds to the state (a new or longer vector).
GAS_PER_ADDED_BYTE = 200


# ---------------------------------------------------------------------------- stored form
VSTORE_ADDRESS = (0x0510).to_bytes(20, "big")
DOMAIN = b"sumchain.vector"
MARKER = 0xFE  # INVALID: a call to a vector's pseudo-account fails at once
WIDTHS = (8, 16, 32)
HEADER = 2  # marker and width bytes

ID_LIMIT = 2**127  # NEAREST's ids travel as vector elements


class VectorStoreFailure(VMError):
    """A VSTORE call broke a rule of docs/precompiles.md: the call fails and burns its gas."""


def vector_address(owner: bytes, vector_id: bytes) -> bytes:
    """The pseudo-account that holds ``owner``'s vector ``vector_id`` (20 and 32 bytes)."""
    return keccak(DOMAIN + owner + vector_id)[12:]


def width_range(width: int) -> tuple[int, int]:
    bits = 8 * width
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def encode_stored(width: int, values: list[int]) -> bytes:
    """The code that holds ``values``; an element that does not fit ``width`` bytes fails."""
    low, high = width_range(width)
    for value in values:
        if not low <= value <= high:
            raise VectorStoreFailure(f"element {value} does not fit the vector's width of {width} bytes")
    return bytes((MARKER, width)) + b"".join(value.to_bytes(width, "big", signed=True) for value in values)


def encode_stored_array(width: int, values: np.ndarray) -> bytes:
    """encode_stored for int64 values (they fit every width), sign-extended without a Python loop."""
    words = np.empty((len(values), width // 8), dtype=">i8")
    words[:, :-1] = (values >> 63)[:, None]
    words[:, -1] = values
    return bytes((MARKER, width)) + words.tobytes()


def decode_elements(code: bytes, width: int) -> list[int]:
    return [int.from_bytes(code[i:i + width], "big", signed=True) for i in range(HEADER, len(code), width)]


class _Stored:
    """A stored vector's code, checked but not decoded (its length is known before any gas)."""

    __slots__ = ("code", "width", "length")

    def __init__(self, code: bytes) -> None:
        self.code = code
        if not code:
            self.width, self.length = 0, 0
            return
        if len(code) < HEADER or code[0] != MARKER or code[1] not in WIDTHS or (len(code) - HEADER) % code[1]:
            raise VectorStoreFailure("the account's code is not a stored vector")
        self.width = code[1]
        self.length = (len(code) - HEADER) // self.width

    @property
    def present(self) -> bool:
        return bool(self.code)

    def elements(self) -> list[int]:
        return decode_elements(self.code, self.width) if self.code else []

    def array(self) -> Vector:
        """The elements as an int64 array when every one fits int64 (always at width 8), else a list."""
        if not self.code:
            return np.zeros(0, dtype=np.int64)
        words = np.frombuffer(self.code, dtype=">i8", offset=HEADER).reshape(self.length, self.width // 8)
        low = words[:, -1].astype(np.int64)
        if self.width == 8 or (words[:, :-1] == (low >> 63)[:, None]).all():
            return low
        return self.elements()


# ---------------------------------------------------------------------------- the precompile
def vstore(computation: ComputationAPI) -> ComputationAPI:
    """The VSTORE precompile: ``fn(computation) -> computation`` as py-evm runs them."""
    try:
        data = computation.msg.data_as_bytes
        if len(data) < 2:
            raise VectorStoreFailure("VSTORE input needs a layout byte and an op byte")
        size = ELEMENT_BYTES.get(data[0])
        if size is None:
            raise VectorStoreFailure(f"unknown layout byte 0x{data[0]:02x} (0x00 words, 0x01 packed)")
        op = OPS.get(data[1])
        if op is None:
            raise VectorStoreFailure(f"unknown VSTORE op 0x{data[1]:02x}")
        if op.writes:
            _check_writable(computation)
        # The input's elements, counted from its length alone, are paid before it is parsed.
        vectors = op.vectors
        if op.sparse and _word(data, 2) == 1:  # hasValues (the third parameter): one more vector
            vectors += 1
        n_input = max(0, len(data) - 2 - WORD * (op.params + vectors)) // size
        price = STORE_GAS[op.name]
        computation.consume_gas(price.cost(n_input, size), reason=f"{op.name} precompile")
        reader = VectorReader(data)
        reader.byte()  # the op
        op.handler(computation, reader)
    except PrecompileInputError as error:
        raise VectorStoreFailure(str(error)) from None
    return computation


def _word(data: bytes, index: int) -> int:
    """Parameter ``index`` (from 0) of a VSTORE input, read in place; -1 if the input is shorter."""
    start = 2 + WORD * index
    word = data[start:start + WORD]
    return int.from_bytes(word, "big") if len(word) == WORD else -1


def _check_writable(computation: ComputationAPI) -> None:
    message = computation.msg
    if message.is_static:
        raise WriteProtection("VSTORE: a write in a static call")
    if message.storage_address != message.code_address:
        raise VectorStoreFailure("VSTORE: a write needs a CALL (not DELEGATECALL or CALLCODE)")


def _charge_stored(computation: ComputationAPI, op_name: str, elements: int, extra: int = 0) -> None:
    """The stored elements an op reads (and NEAREST's extra vectors, a write's added bytes)."""
    amount = STORE_GAS[op_name].elements(elements) + extra
    if amount:
        computation.consume_gas(amount, reason=f"{op_name} precompile (stored vector)")


def _owner(reader: Reader) -> bytes:
    value = reader.uint()
    if value >> 160:
        raise VectorStoreFailure(f"owner 0x{value:064x} is not an address")
    return value.to_bytes(20, "big")


def _id(reader: Reader) -> bytes:
    return reader.uint().to_bytes(32, "big")


def _sparse_input(reader: Reader) -> tuple[list[int], list[int] | None]:
    """(idx, vals or None) after the hasValues word; the input must end there."""
    flag = reader.uint()
    if flag not in (0, 1):
        raise VectorStoreFailure(f"hasValues must be 0 or 1, not {flag}")
    indices = reader.vector()
    values = reader.vector() if flag else None
    reader.finish()
    if values is not None and len(values) != len(indices):
        raise VectorStoreFailure(f"length mismatch: {len(indices)} indices but {len(values)} values")
    return indices, values


def _check_indices(indices: list[int], length: int) -> None:
    for index in indices:
        if not 0 <= index < length:
            raise VectorStoreFailure(f"index {index} out of range [0, {length})")


def _check_length(stored: _Stored, length: int) -> None:
    if stored.length != length:
        raise VectorStoreFailure(f"length mismatch: the stored vector has {stored.length} elements, the input {length}")


def _load(computation: ComputationAPI, owner: bytes, vector_id: bytes) -> tuple[bytes, _Stored]:
    address = vector_address(owner, vector_id)
    return address, _Stored(computation.state.get_code(address))


def _load_own(computation: ComputationAPI, vector_id: bytes) -> tuple[bytes, _Stored]:
    """The caller's vector ``vector_id`` for a write other than SET: it must exist."""
    address, stored = _load(computation, computation.msg.sender, vector_id)
    if not stored.present:
        raise VectorStoreFailure(f"no vector 0x{vector_id.hex()} of 0x{computation.msg.sender.hex()}")
    return address, stored


def _save(computation: ComputationAPI, address: bytes, code: bytes, length: int) -> None:
    """Write a vector; a write answers its length, so a caller can tell a store from an empty account."""
    computation.state.set_code(address, code)
    computation.output = encode_uint(length)


# ---- SET: id, width; v
def _set(computation: ComputationAPI, reader: Reader) -> None:
    vector_id = _id(reader)
    width = reader.uint()
    values = reader.vector()
    reader.finish()
    if width not in WIDTHS:
        raise VectorStoreFailure(f"width {width} is not one of {WIDTHS}")
    code = encode_stored(width, values)
    address, old = _load(computation, computation.msg.sender, vector_id)
    _charge_stored(computation, "VSTORE_SET", 0, GAS_PER_ADDED_BYTE * max(0, len(code) - len(old.code)))
    _save(computation, address, code, len(values))


# ---- GET: owner, id -> vector (empty if absent)
def _get(computation: ComputationAPI, reader: Reader) -> None:
    owner, vector_id = _owner(reader), _id(reader)
    reader.finish()
    _, stored = _load(computation, owner, vector_id)
    _charge_stored(computation, "VSTORE_GET", stored.length)
    computation.output = encode_vector(stored.elements())


# ---- ADDSCALED: id, rate (int), scale (uint >= 1); x -> v_i += trunc(x_i·rate/scale)
def _add_scaled(computation: ComputationAPI, reader: Reader) -> None:
    vector_id = _id(reader)
    rate, scale = reader.int(), reader.uint()
    x = reader.vector()
    reader.finish()
    if scale == 0:
        raise VectorStoreFailure("scale must be at least 1")
    address, stored = _load_own(computation, vector_id)
    _check_length(stored, len(x))
    _charge_stored(computation, "VSTORE_ADDSCALED", stored.length)
    result = [v_i + trunc_div(x_i * rate, scale) for v_i, x_i in zip(stored.elements(), x)]
    _save(computation, address, encode_stored(stored.width, result), len(result))


# ---- CENTROID: id, n (uint); x -> v_i = trunc((v_i·n + x_i)/(n+1))
def _centroid(computation: ComputationAPI, reader: Reader) -> None:
    vector_id = _id(reader)
    n = reader.uint()
    x = reader.vector()
    reader.finish()
    address, stored = _load_own(computation, vector_id)
    _check_length(stored, len(x))
    _charge_stored(computation, "VSTORE_CENTROID", stored.length)
    result = [trunc_div(v_i * n + x_i, n + 1) for v_i, x_i in zip(stored.elements(), x)]
    _save(computation, address, encode_stored(stored.width, result), len(result))


# ---- DOT: owner, id; x -> int256 Σ v_i·x_i
def _dot(computation: ComputationAPI, reader: Reader) -> None:
    owner, vector_id = _owner(reader), _id(reader)
    x = reader.vector()
    reader.finish()
    _, stored = _load(computation, owner, vector_id)
    _check_length(stored, len(x))
    _charge_stored(computation, "VSTORE_DOT", stored.length)
    computation.output = encode_int(sum(v_i * x_i for v_i, x_i in zip(stored.elements(), x)))


# ---- NEAREST: owner, divisor (uint >= 1); ids, x -> uint256 index into ids
def _nearest(computation: ComputationAPI, reader: Reader) -> None:
    owner = _owner(reader)
    divisor = reader.uint()
    ids = reader.vector()
    x = reader.vector()
    reader.finish()
    if divisor == 0:
        raise VectorStoreFailure("divisor must be at least 1")
    if not ids:
        raise VectorStoreFailure("NEAREST needs at least one id")
    for vector_id in ids:
        if not 0 <= vector_id < ID_LIMIT:
            raise VectorStoreFailure(f"id {vector_id} is outside [0, 2^127)")
    # Opening each vector is an account read: the extra ones are paid as they are opened.
    vectors = []
    for index, vector_id in enumerate(ids):
        if index:
            _charge_stored(computation, "VSTORE_NEAREST", 0, GAS_PER_EXTRA_VECTOR)
        _, stored = _load(computation, owner, vector_id.to_bytes(32, "big"))
        _check_length(stored, len(x))
        vectors.append(stored)
    _charge_stored(computation, "VSTORE_NEAREST", len(ids) * len(x))
    best_index, best_distance = 0, -1
    for index, stored in enumerate(vectors):
        distance = sum(trunc_div((v_i - x_i) ** 2, divisor) for v_i, x_i in zip(stored.elements(), x))
        if best_distance < 0 or distance < best_distance:
            best_index, best_distance = index, distance
    computation.output = encode_uint(best_index)


# ---- SPARSEADD: id, delta (int), hasValues; idx, then vals -> v[idx_j] += vals_j or delta
def _sparse_add(computation: ComputationAPI, reader: Reader) -> None:
    vector_id = _id(reader)
    delta = reader.int()
    indices, values = _sparse_input(reader)
    address, stored = _load_own(computation, vector_id)
    _check_indices(indices, stored.length)
    _charge_stored(computation, "VSTORE_SPARSEADD", stored.length)
    v = stored.elements()
    if values is None:
        for index in indices:
            v[index] += delta
    else:
        for index, value in zip(indices, values):
            v[index] += value
    _save(computation, address, encode_stored(stored.width, v), len(v))


# ---- SPARSEDOT: owner, id, hasValues; idx, then vals -> int256 Σ v[idx_j]·(vals_j or 1)
def _sparse_dot(computation: ComputationAPI, reader: Reader) -> None:
    owner, vector_id = _owner(reader), _id(reader)
    indices, values = _sparse_input(reader)
    _, stored = _load(computation, owner, vector_id)
    _check_indices(indices, stored.length)
    _charge_stored(computation, "VSTORE_SPARSEDOT", len(indices))  # only the indexed elements are decoded
    code, width = stored.code, stored.width

    def element(index: int) -> int:
        start = HEADER + index * width
        return int.from_bytes(code[start:start + width], "big", signed=True)

    if values is None:
        total = sum(element(index) for index in indices)
    else:
        total = sum(element(index) * value for index, value in zip(indices, values))
    computation.output = encode_int(total)


# ---- PERCEPTRON: id, bias (int), rate (int), scale (uint >= 1), label (0 or 1); x -> uint256 prediction
def _perceptron(computation: ComputationAPI, reader: VectorReader) -> None:
    """One mistake-driven perceptron step in one pass over the stored weights v.

    prediction = 1 if bias + Σ v_i·x_i > 0 else 0 (with v as stored before the call). Only when
    it differs from ``label``: v_i += trunc(x_i·r / scale), r = rate for label 1, −rate for label 0.
    Exact: int64 arrays where every bound is proven (ops.py's rules), Python ints otherwise."""
    vector_id = _id(reader)
    bias, rate, scale, label = reader.int(), reader.int(), reader.uint(), reader.uint()
    x = reader.array()
    reader.finish()
    if scale == 0:
        raise VectorStoreFailure("scale must be at least 1")
    if label not in (0, 1):
        raise VectorStoreFailure(f"label must be 0 or 1, not {label}")
    address, stored = _load_own(computation, vector_id)
    _check_length(stored, len(x))
    _charge_stored(computation, "VSTORE_PERCEPTRON", stored.length)
    v = stored.array()
    prediction = 1 if bias + exact_dot(v, x) > 0 else 0
    if prediction != label:
        _charge_stored(computation, "VSTORE_PERCEPTRON", 0,
                       PERCEPTRON_REWRITE_BASE + GAS_PER_PERCEPTRON_REWRITE * stored.length)
        computation.state.set_code(address, _scaled_sum(stored.width, v, x, rate if label else -rate, scale))
    computation.output = encode_uint(prediction)


def _scaled_sum(width: int, v: Vector, x: Vector, rate: int, scale: int) -> bytes:
    """The stored form of v_i + trunc(x_i·rate / scale); in int64 only when no step can wrap."""
    product_bound = _peak(x) * abs(rate) if _is_array(v, x) else INT64_LIMIT
    if (abs(rate) < INT64_LIMIT and product_bound < INT64_LIMIT and scale < INT64_LIMIT
            and _peak(v) + product_bound // scale < INT64_LIMIT):
        return encode_stored_array(width, v + _trunc_div(x * np.int64(rate), scale))
    return encode_stored(width, [v_i + trunc_div(x_i * rate, scale) for v_i, x_i in zip(_ints(v), _ints(x))])


# ---- LENGTH: owner, id -> uint256 d (0 if absent)
def _length(computation: ComputationAPI, reader: Reader) -> None:
    owner, vector_id = _owner(reader), _id(reader)
    reader.finish()
    _, stored = _load(computation, owner, vector_id)
    computation.output = encode_uint(stored.length)


@dataclass(frozen=True)
class Op:
    name: str  # its key in STORE_GAS
    handler: Callable[[ComputationAPI, Reader], None]
    params: int  # 32-byte parameters after the op byte
    vectors: int  # vectors after them (sparse ops: one more when hasValues = 1)
    writes: bool = False
    sparse: bool = False


OPS: dict[int, Op] = {
    0x01: Op("VSTORE_SET", _set, params=2, vectors=1, writes=True),
    0x02: Op("VSTORE_GET", _get, params=2, vectors=0),
    0x03: Op("VSTORE_ADDSCALED", _add_scaled, params=3, vectors=1, writes=True),
    0x04: Op("VSTORE_CENTROID", _centroid, params=2, vectors=1, writes=True),
    0x05: Op("VSTORE_DOT", _dot, params=2, vectors=1),
    0x06: Op("VSTORE_NEAREST", _nearest, params=2, vectors=2),
    0x07: Op("VSTORE_SPARSEADD", _sparse_add, params=3, vectors=1, writes=True, sparse=True),
    0x08: Op("VSTORE_SPARSEDOT", _sparse_dot, params=3, vectors=1, sparse=True),
    0x09: Op("VSTORE_LENGTH", _length, params=2, vectors=0),
    0x0A: Op("VSTORE_PERCEPTRON", _perceptron, params=5, vectors=1, writes=True),
}
