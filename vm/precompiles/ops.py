"""The stateless ML precompiles (docs/precompiles.md, "The operations"), one function each.

Every precompile does the same four things, in this order:

1. charge ``base + per_element × n`` (gas.py's table; the price per element
   set by the layout byte), ``n`` counted from the input's length alone, so a call that cannot pay does no work;
2. parse the input with the shared :class:`Reader` and check nothing is left;
3. compute;
4. encode the output.

Results are bit-identical to reference.py for every input. The arithmetic
takes a numpy fast path only where the result is provably exact, and falls
back to the reference itself (unbounded Python ints) otherwise:

- vectors are int64 arrays only when every element fits int64 (always in the
  packed layout; in the words layout when each word is a sign-extended int64),
  else Python lists of int128s, which always take the reference path;
- each fast path first bounds its largest intermediate in Python ints from
  ``max |x_i|`` (``_peak``), and runs in int64 only when that bound is below
  2**63, so no int64 operation can wrap, whatever the order of summation;
- dot products whose bound is too big for that split each int64 into three
  22-bit limbs: every limb product is below 2**44 and a sum of at most
  MAX_LENGTH = 2**16 of them below 2**60, and the nine limb dot products are
  recombined in Python ints (``_dot``).

A broken rule raises ``PrecompileInputError`` (encoding.py, reference.py),
which ``_precompile`` turns into :class:`PrecompileFailure`, a py-evm
``VMError``: the call fails and all its gas is consumed, as for Ethereum's own
precompiles.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Union

import numpy as np
from eth.abc import ComputationAPI
from eth.exceptions import VMError

from . import reference
from .encoding import (
    ELEMENT_BYTES, MAX_LENGTH, PACKED, WORD, PrecompileInputError, Reader, encode_int, encode_uint, encode_vector,
)
from .gas import GAS

Vector = Union[np.ndarray, list]  # int64 array, or a list of Python ints (some beyond int64)
Precompile = Callable[[ComputationAPI], ComputationAPI]

INT64_LIMIT = 2**63  # every int64 intermediate must stay strictly below this in magnitude


class PrecompileFailure(VMError):
    """An ML precompile's input broke a rule, or its result does not fit: the call fails."""


def _precompile(name: str) -> Callable[[Precompile], Precompile]:
    """Turn the codec's and the reference's PrecompileInputError into a failed call."""
    def decorate(function: Precompile) -> Precompile:
        @functools.wraps(function)
        def run(computation: ComputationAPI) -> ComputationAPI:
            try:
                return function(computation)
            except PrecompileInputError as error:
                raise PrecompileFailure(f"{name}: {error}") from None
        run.precompile_name = name  # type: ignore[attr-defined]
        return run
    return decorate


# ---------------------------------------------------------------------------- input


class VectorReader(Reader):
    """The shared Reader, whose vectors come out as int64 arrays whenever they fit."""

    def array(self) -> Vector:
        """The next vector (Reader.vector's rules): an int64 array, or a list if an element needs more bits."""
        start = self._offset
        length = self.uint()
        end = self._offset + length * ELEMENT_BYTES[self.layout]
        if length <= MAX_LENGTH and end <= len(self._data):
            raw = self._data[self._offset:end]
            if self.layout == PACKED:
                self._offset = end
                return np.frombuffer(raw, dtype=">i8").astype(np.int64)
            words = np.frombuffer(raw, dtype=">i8").reshape(length, 4)
            low = words[:, 3].astype(np.int64)
            if (words[:, :3] == (low >> 63)[:, None]).all():  # sign-extended int64 words
                self._offset = end
                return low
        self._offset = start
        return super().vector()  # a list of int128s, or the error Reader reports


def _charge(computation: ComputationAPI, name: str, params: int, vectors: int) -> None:
    """gas = base + per_element(layout) × n, before any work (n and the layout from the input's first byte and length)."""
    computation.consume_gas(GAS[name].charge(computation.msg.data_as_bytes, params, vectors), reason=name)


def _vectors_with_flag(data: bytes, flag_param: int) -> int:
    """2 vectors, or 3 when the hasValues parameter (number ``flag_param``) is 1 (for the gas count)."""
    flag = data[1 + WORD * flag_param:1 + WORD * (flag_param + 1)]
    return 3 if int.from_bytes(flag, "big") == 1 else 2


# ---------------------------------------------------------------------------- exact arithmetic


def _is_array(*vectors: Vector) -> bool:
    return all(isinstance(v, np.ndarray) for v in vectors)


def _ints(v: Vector) -> list[int]:
    return v.tolist() if isinstance(v, np.ndarray) else v


def _peak(v: Vector) -> int:
    """max |v_i| as a Python int (0 for an empty vector); no int64 negation, which -2**63 would wrap."""
    if isinstance(v, np.ndarray):
        return max(int(v.max()), -int(v.min())) if v.size else 0
    return max(map(abs, v), default=0)


_LIMB_BITS = 22
_LIMB_MASK = (1 << _LIMB_BITS) - 1


def _limbs(v: np.ndarray) -> np.ndarray:
    """(3, d): v = l0 + l1·2**22 + l2·2**44, with l0, l1 in [0, 2**22) and l2 in [-2**19, 2**19)."""
    return np.stack([v & _LIMB_MASK, (v >> _LIMB_BITS) & _LIMB_MASK, v >> (2 * _LIMB_BITS)])


def _dot(x: Vector, y: Vector) -> int:
    """Σ x_i·y_i, exactly."""
    if not _is_array(x, y):
        return sum(a * b for a, b in zip(_ints(x), _ints(y)))
    if _peak(x) * _peak(y) * len(x) < INT64_LIMIT:
        return int(np.dot(x, y))
    # |limb| <= 2**22, so each limb product is <= 2**44 and each sum of <= 2**16 of them < 2**63.
    partial = _limbs(x) @ _limbs(y).T
    return sum(int(partial[a, b]) << (_LIMB_BITS * (a + b)) for a in range(3) for b in range(3))


def _trunc_div(numerators: np.ndarray, divisor: int) -> np.ndarray:
    """trunc(numerators / divisor) elementwise; |numerators| < 2**63 and 1 <= divisor < 2**63."""
    return np.sign(numerators) * (np.abs(numerators) // divisor)


def _distances(x: Vector, rows: Vector, divisor: int) -> list[int] | None:
    """Σ_i trunc((rows[j, i] − x_i)² / divisor) for each row j, exactly; None where no int64 path is proven.

    Squares are non-negative, so trunc is floor. With ``a = |difference|`` both ways need
    the difference itself in int64 (max |x| + max |rows| < 2**63), then either

    - every square, and a row's sum of the quotients, fits int64: plain int64; or
    - ``divisor² < 2**63`` (e.g. 1e9): with ``a = q·divisor + r``, ``0 <= r < divisor``,
      ``floor(a² / divisor) = q²·divisor + 2·q·r + floor(r² / divisor)`` exactly, where
      ``r²`` fits int64; the three row sums are bounded below 2**63 first and
      combined in Python ints.
    """
    if not _is_array(x, rows):
        return None
    reach = _peak(x) + _peak(rows)  # bounds every |difference|
    d = x.size
    if reach >= INT64_LIMIT:
        return None
    square = reach * reach
    differences = rows - x  # exact: |difference| <= reach < 2**63
    if square < INT64_LIMIT and (square // divisor) * d < INT64_LIMIT:
        if divisor > square:
            return [0] * len(rows)
        return (differences * differences // divisor).sum(axis=1).tolist()
    q_bound = reach // divisor
    if divisor * divisor < INT64_LIMIT and q_bound * q_bound * d < INT64_LIMIT and 2 * q_bound * divisor * d < INT64_LIMIT:
        q, r = np.divmod(np.abs(differences), divisor)
        whole = (q * q).sum(axis=1).tolist()
        cross = (q * r).sum(axis=1).tolist()
        rest = (r * r // divisor).sum(axis=1).tolist()  # each < divisor, so a row's sum < 2**31.5 · 2**16
        return [w * divisor + 2 * c + t for w, c, t in zip(whole, cross, rest)]
    return None


def _same_length(*vectors: Vector) -> int:
    if len({len(v) for v in vectors}) > 1:
        raise PrecompileInputError("length mismatch: " + " vs ".join(str(len(v)) for v in vectors))
    return len(vectors[0])


def _at_least_one(value: int, name: str) -> None:
    if value < 1:
        raise PrecompileInputError(f"{name} must be at least 1, got {value}")


def _flag(value: int) -> bool:
    if value not in (0, 1):
        raise PrecompileInputError(f"hasValues must be 0 or 1, got {value}")
    return value == 1


def _check_indices(idx: Vector, d: int) -> None:
    if isinstance(idx, np.ndarray):
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= d):
            raise PrecompileInputError(f"an index is out of range [0, {d})")
    else:  # some element is beyond int64, so beyond MAX_LENGTH: out of range
        reference._indices(idx, d)


# ---------------------------------------------------------------------------- output


def _encode_array(values: np.ndarray) -> bytes:
    """encode_vector(values.tolist()) for int64 values, without a Python loop: 0x20, length, sign-extended words."""
    words = np.empty((len(values), 4), dtype=">i8")
    words[:, :3] = (values >> 63)[:, None]
    words[:, 3] = values
    return encode_uint(WORD) + encode_uint(len(values)) + words.tobytes()


def _encode(values: Vector) -> bytes:
    return _encode_array(values) if isinstance(values, np.ndarray) else encode_vector(values)


# ---------------------------------------------------------------------------- the operations


@_precompile("VDOT")
def vdot(computation: ComputationAPI) -> ComputationAPI:
    """VDOT (0x0501): ``Σ x_i·y_i`` of ``x``, ``y`` of equal length (0 for d = 0), as int256.

    gas = base + per_element × 2d
    """
    _charge(computation, "VDOT", params=0, vectors=2)
    reader = VectorReader(computation.msg.data_as_bytes)
    x, y = reader.array(), reader.array()
    reader.finish()
    _same_length(x, y)
    computation.output = encode_int(_dot(x, y))
    return computation


@_precompile("VSQDIST")
def vsqdist(computation: ComputationAPI) -> ComputationAPI:
    """VSQDIST (0x0502): ``Σ trunc((x_i − y_i)² / divisor)``, divisor ≥ 1, as int256.

    gas = base + per_element × 2d
    """
    _charge(computation, "VSQDIST", params=1, vectors=2)
    reader = VectorReader(computation.msg.data_as_bytes)
    divisor = reader.uint()
    x, y = reader.array(), reader.array()
    reader.finish()
    _at_least_one(divisor, "divisor")
    _same_length(x, y)
    distances = _distances(x, y[np.newaxis, :], divisor) if _is_array(y) else None
    if distances is None:
        result = reference.vsqdist(divisor, _ints(x), _ints(y))
    else:
        result = distances[0]
    computation.output = encode_int(result)
    return computation


@_precompile("VNORM")
def vnorm(computation: ComputationAPI) -> ComputationAPI:
    """VNORM (0x0503): ``floor(sqrt(Σ x_i²))``, as uint256.

    gas = base + per_element × d
    """
    _charge(computation, "VNORM", params=0, vectors=1)
    reader = VectorReader(computation.msg.data_as_bytes)
    x = reader.array()
    reader.finish()
    computation.output = encode_uint(math.isqrt(_dot(x, x)))
    return computation


@_precompile("VNEAREST")
def vnearest(computation: ComputationAPI) -> ComputationAPI:
    """VNEAREST (0x0504): the ``j`` whose centroid ``C[j·d .. j·d+d)`` is nearest ``x``, as uint256.

    Nearest: least ``Σ trunc((x_i − C_{j·d+i})² / divisor)``; ties go to the
    lowest ``j``. divisor ≥ 1, k ≥ 1, ``len(C) = k·d``.

    gas = base + per_element × (d + k·d)
    """
    _charge(computation, "VNEAREST", params=2, vectors=2)
    reader = VectorReader(computation.msg.data_as_bytes)
    divisor, k = reader.uint(), reader.uint()
    x, centroids = reader.array(), reader.array()
    reader.finish()
    _at_least_one(divisor, "divisor")
    _at_least_one(k, "k")
    d = len(x)
    if len(centroids) != k * d:
        raise PrecompileInputError(f"length mismatch: {len(centroids)} centroid elements for k = {k}, d = {d}")
    distances = _distances(x, centroids.reshape(k, d), divisor) if d and _is_array(centroids) else None
    if distances is None:
        result = reference.vnearest(divisor, k, _ints(x), _ints(centroids))
    else:
        result = distances.index(min(distances))  # the first of equals
    computation.output = encode_uint(result)
    return computation


@_precompile("VPERCEPTRON")
def vperceptron(computation: ComputationAPI) -> ComputationAPI:
    """VPERCEPTRON (0x0505): the vector ``w_i + trunc(x_i·rate / scale)``; scale ≥ 1, each element int256.

    gas = base + per_element × 2d
    """
    _charge(computation, "VPERCEPTRON", params=2, vectors=2)
    reader = VectorReader(computation.msg.data_as_bytes)
    rate, scale = reader.int(), reader.uint()
    w, x = reader.array(), reader.array()
    reader.finish()
    _at_least_one(scale, "scale")
    _same_length(w, x)
    product_bound = _peak(x) * abs(rate) if _is_array(w, x) else INT64_LIMIT
    if (abs(rate) < INT64_LIMIT and product_bound < INT64_LIMIT and scale < INT64_LIMIT
            and _peak(w) + product_bound // scale < INT64_LIMIT):
        result: Vector = w + _trunc_div(x * np.int64(rate), scale)
    else:
        result = reference.vperceptron(rate, scale, _ints(w), _ints(x))
    computation.output = _encode(result)
    return computation


@_precompile("VCENTROID")
def vcentroid(computation: ComputationAPI) -> ComputationAPI:
    """VCENTROID (0x0506): the vector ``trunc((c_i·n + x_i) / (n + 1))``.

    gas = base + per_element × 2d
    """
    _charge(computation, "VCENTROID", params=1, vectors=2)
    reader = VectorReader(computation.msg.data_as_bytes)
    n = reader.uint()
    c, x = reader.array(), reader.array()
    reader.finish()
    _same_length(c, x)
    if _is_array(c, x) and n + 1 < INT64_LIMIT and _peak(c) * n + _peak(x) < INT64_LIMIT:
        result: Vector = _trunc_div(c * np.int64(n) + x, n + 1)
    else:
        result = reference.vcentroid(n, _ints(c), _ints(x))
    computation.output = _encode(result)
    return computation


@_precompile("VSPARSEDOT")
def vsparsedot(computation: ComputationAPI) -> ComputationAPI:
    """VSPARSEDOT (0x0507): ``Σ_j w[idx_j]·v_j``, ``v_j = vals_j`` (hasValues = 1) or 1 (hasValues = 0).

    Every index in [0, d); a repeated index counts each time; int256.

    gas = base + per_element × (d + m [+ m])
    """
    data = computation.msg.data_as_bytes
    _charge(computation, "VSPARSEDOT", params=1, vectors=_vectors_with_flag(data, 0))
    reader = VectorReader(data)
    has_values = _flag(reader.uint())
    w, idx = reader.array(), reader.array()
    vals = reader.array() if has_values else None
    reader.finish()
    _check_indices(idx, len(w))
    if vals is not None:
        _same_length(idx, vals)
    if _is_array(w, idx):
        values = vals if vals is not None else np.ones(len(idx), dtype=np.int64)
        result = _dot(w[idx], values)
    else:
        result = reference.vsparsedot(_ints(w), _ints(idx), None if vals is None else _ints(vals))
    computation.output = encode_int(result)
    return computation


@_precompile("VSPARSEADD")
def vsparseadd(computation: ComputationAPI) -> ComputationAPI:
    """VSPARSEADD (0x0508): ``w`` with ``w[idx_j] += vals_j`` (hasValues = 1) or ``delta``, for each j in order.

    Every index in [0, d); each result element int256.

    gas = base + per_element × (d + m [+ m])
    """
    data = computation.msg.data_as_bytes
    _charge(computation, "VSPARSEADD", params=2, vectors=_vectors_with_flag(data, 1))
    reader = VectorReader(data)
    delta, has_values = reader.int(), _flag(reader.uint())
    w, idx = reader.array(), reader.array()
    vals = reader.array() if has_values else None
    reader.finish()
    _check_indices(idx, len(w))
    if vals is not None:
        _same_length(idx, vals)
    step = _peak(vals) if vals is not None else abs(delta)
    # However the additions fall, no partial sum exceeds max |w| + m·max |step|.
    if (_is_array(w, idx, *([vals] if vals is not None else []))
            and step < INT64_LIMIT and _peak(w) + len(idx) * step < INT64_LIMIT):
        result: Vector = w.copy()
        np.add.at(result, idx, vals if vals is not None else np.int64(delta))
    else:
        result = reference.vsparseadd(delta, _ints(w), _ints(idx), None if vals is None else _ints(vals))
    computation.output = _encode(result)
    return computation


@_precompile("VARGMAX")
def vargmax(computation: ComputationAPI) -> ComputationAPI:
    """VARGMAX (0x0509): the lowest ``i`` with the largest ``x_i``; x must not be empty; uint256.

    gas = base + per_element × d
    """
    _charge(computation, "VARGMAX", params=0, vectors=1)
    reader = VectorReader(computation.msg.data_as_bytes)
    x = reader.array()
    reader.finish()
    if isinstance(x, np.ndarray) and x.size:
        result = int(np.argmax(x))  # the first of equals
    else:
        result = reference.vargmax(_ints(x))
    computation.output = encode_uint(result)
    return computation


@_precompile("VCOUNTEQ")
def vcounteq(computation: ComputationAPI) -> ComputationAPI:
    """VCOUNTEQ (0x050a): the number of ``i`` with ``x_i = y_i``; uint256.

    gas = base + per_element × 2d
    """
    _charge(computation, "VCOUNTEQ", params=0, vectors=2)
    reader = VectorReader(computation.msg.data_as_bytes)
    x, y = reader.array(), reader.array()
    reader.finish()
    _same_length(x, y)
    result = int(np.count_nonzero(x == y)) if _is_array(x, y) else reference.vcounteq(_ints(x), _ints(y))
    computation.output = encode_uint(result)
    return computation
