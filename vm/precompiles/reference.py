"""The consensus definition of the stateless ML precompiles, in plain Python.

Each function takes Python ints and lists and follows docs/precompiles.md
word for word, on unbounded integers; it is written to be obviously right,
not fast. The precompiles (``ops.py``) must give exactly the same result, or
fail exactly when these raise :class:`PrecompileInputError`; the property
tests in tests/test_precompiles.py hold them to it.

:func:`evaluate` is the whole precompile on bytes: parse the input with the
shared :class:`Reader`, compute with these functions, encode the output.
"""
from __future__ import annotations

import math
from typing import Callable

from .encoding import (
    INT128_MAX, INT128_MIN, MAX_LENGTH, PrecompileInputError, Reader, encode_int, encode_uint, encode_vector,
)


def trunc_div(a: int, b: int) -> int:
    """``a / b`` rounded toward zero, as Solidity's signed division: ``trunc_div(-7, 2) == -3``."""
    if b == 0:
        raise PrecompileInputError("division by zero")
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


# ---------------------------------------------------------------------------- checks


def _int256(value: int) -> int:
    """``value`` if it fits in int256 (encode_int's rule); otherwise the call fails."""
    encode_int(value)
    return value


def _vector(v: list[int]) -> list[int]:
    """An input vector: at most MAX_LENGTH elements, each int128."""
    if len(v) > MAX_LENGTH:
        raise PrecompileInputError(f"vector length {len(v)} is over the maximum {MAX_LENGTH}")
    for element in v:
        if not INT128_MIN <= element <= INT128_MAX:
            raise PrecompileInputError(f"element {element} is outside int128")
    return v


def _same_length(*vectors: list[int]) -> int:
    for v in vectors:
        _vector(v)
    if len({len(v) for v in vectors}) > 1:
        raise PrecompileInputError("length mismatch: " + " vs ".join(str(len(v)) for v in vectors))
    return len(vectors[0])


def _at_least_one(value: int, name: str) -> int:
    if value < 1:
        raise PrecompileInputError(f"{name} must be at least 1, got {value}")
    return value


def _flag(value: int) -> bool:
    if value not in (0, 1):
        raise PrecompileInputError(f"hasValues must be 0 or 1, got {value}")
    return value == 1


def _indices(idx: list[int], d: int) -> list[int]:
    _vector(idx)
    for i in idx:
        if not 0 <= i < d:
            raise PrecompileInputError(f"index {i} out of range [0, {d})")
    return idx


def _sparse_values(idx: list[int], vals: list[int] | None, default: int) -> list[int]:
    """``vals`` (same length as ``idx``) if given, else ``default`` for each index."""
    if vals is None:
        return [default] * len(idx)
    _same_length(idx, vals)
    return vals


# ---------------------------------------------------------------------------- the operations


def vdot(x: list[int], y: list[int]) -> int:
    """VDOT: Σ x_i·y_i (0 for d = 0)."""
    d = _same_length(x, y)
    return _int256(sum(x[i] * y[i] for i in range(d)))


def squared_distance(divisor: int, x: list[int], y: list[int]) -> int:
    """Σ trunc((x_i − y_i)² / divisor), unbounded (VSQDIST without its result check; VNEAREST)."""
    return sum(trunc_div((a - b) ** 2, divisor) for a, b in zip(x, y))


def vsqdist(divisor: int, x: list[int], y: list[int]) -> int:
    """VSQDIST: Σ trunc((x_i − y_i)² / divisor), divisor ≥ 1."""
    _at_least_one(divisor, "divisor")
    _same_length(x, y)
    return _int256(squared_distance(divisor, x, y))


def vnorm(x: list[int]) -> int:
    """VNORM: floor(sqrt(Σ x_i²)) (a uint256; it always fits)."""
    _vector(x)
    return math.isqrt(sum(a * a for a in x))


def vnearest(divisor: int, k: int, x: list[int], centroids: list[int]) -> int:
    """VNEAREST: the j in [0, k) with the least squared distance from x to C[j·d .. j·d+d); ties to the lowest j."""
    _at_least_one(divisor, "divisor")
    _at_least_one(k, "k")
    _vector(x)
    _vector(centroids)
    d = len(x)
    if len(centroids) != k * d:
        raise PrecompileInputError(f"length mismatch: {len(centroids)} centroid elements for k = {k}, d = {d}")
    if d == 0:
        return 0  # every distance is 0 (k may be huge here: no loop over it)
    distances = [squared_distance(divisor, x, centroids[j * d:(j + 1) * d]) for j in range(k)]
    return distances.index(min(distances))  # index() finds the lowest j


def vperceptron(rate: int, scale: int, w: list[int], x: list[int]) -> list[int]:
    """VPERCEPTRON: w_i + trunc(x_i·rate / scale), scale ≥ 1; each result element int256."""
    _at_least_one(scale, "scale")
    d = _same_length(w, x)
    return [_int256(w[i] + trunc_div(x[i] * rate, scale)) for i in range(d)]


def vcentroid(n: int, c: list[int], x: list[int]) -> list[int]:
    """VCENTROID: trunc((c_i·n + x_i) / (n + 1)), n ≥ 0."""
    if n < 0:
        raise PrecompileInputError(f"n must be at least 0, got {n}")
    d = _same_length(c, x)
    return [_int256(trunc_div(c[i] * n + x[i], n + 1)) for i in range(d)]


def vsparsedot(w: list[int], idx: list[int], vals: list[int] | None) -> int:
    """VSPARSEDOT: Σ_j w[idx_j]·v_j, v_j = vals_j (vals given) or 1; a repeated index counts each time."""
    _vector(w)
    _indices(idx, len(w))
    values = _sparse_values(idx, vals, 1)
    return _int256(sum(w[i] * v for i, v in zip(idx, values)))


def vsparseadd(delta: int, w: list[int], idx: list[int], vals: list[int] | None) -> list[int]:
    """VSPARSEADD: w with w[idx_j] += (vals_j if vals given, else delta), for each j in order."""
    _vector(w)
    _indices(idx, len(w))
    values = _sparse_values(idx, vals, delta)
    result = list(w)
    for i, v in zip(idx, values):
        result[i] += v
    return [_int256(value) for value in result]


def vargmax(x: list[int]) -> int:
    """VARGMAX: the lowest i with the largest x_i; x must not be empty."""
    _vector(x)
    if not x:
        raise PrecompileInputError("argmax of an empty vector")
    return x.index(max(x))


def vcounteq(x: list[int], y: list[int]) -> int:
    """VCOUNTEQ: the number of i with x_i = y_i."""
    d = _same_length(x, y)
    return sum(1 for i in range(d) if x[i] == y[i])


# ---------------------------------------------------------------------------- on bytes


def _evaluate_vdot(r: Reader) -> bytes:
    return encode_int(vdot(r.vector(), r.vector()))


def _evaluate_vsqdist(r: Reader) -> bytes:
    divisor = r.uint()
    return encode_int(vsqdist(divisor, r.vector(), r.vector()))


def _evaluate_vnorm(r: Reader) -> bytes:
    return encode_uint(vnorm(r.vector()))


def _evaluate_vnearest(r: Reader) -> bytes:
    divisor, k = r.uint(), r.uint()
    return encode_uint(vnearest(divisor, k, r.vector(), r.vector()))


def _evaluate_vperceptron(r: Reader) -> bytes:
    rate, scale = r.int(), r.uint()
    return encode_vector(vperceptron(rate, scale, r.vector(), r.vector()))


def _evaluate_vcentroid(r: Reader) -> bytes:
    n = r.uint()
    return encode_vector(vcentroid(n, r.vector(), r.vector()))


def _evaluate_vsparsedot(r: Reader) -> bytes:
    has_values = _flag(r.uint())
    w, idx = r.vector(), r.vector()
    vals = r.vector() if has_values else None
    return encode_int(vsparsedot(w, idx, vals))


def _evaluate_vsparseadd(r: Reader) -> bytes:
    delta, has_values = r.int(), _flag(r.uint())
    w, idx = r.vector(), r.vector()
    vals = r.vector() if has_values else None
    return encode_vector(vsparseadd(delta, w, idx, vals))


def _evaluate_vargmax(r: Reader) -> bytes:
    return encode_uint(vargmax(r.vector()))


def _evaluate_vcounteq(r: Reader) -> bytes:
    return encode_uint(vcounteq(r.vector(), r.vector()))


EVALUATORS: dict[str, Callable[[Reader], bytes]] = {
    "VDOT": _evaluate_vdot,
    "VSQDIST": _evaluate_vsqdist,
    "VNORM": _evaluate_vnorm,
    "VNEAREST": _evaluate_vnearest,
    "VPERCEPTRON": _evaluate_vperceptron,
    "VCENTROID": _evaluate_vcentroid,
    "VSPARSEDOT": _evaluate_vsparsedot,
    "VSPARSEADD": _evaluate_vsparseadd,
    "VARGMAX": _evaluate_vargmax,
    "VCOUNTEQ": _evaluate_vcounteq,
}


def evaluate(name: str, data: bytes) -> bytes:
    """The output of precompile ``name`` for input ``data``; PrecompileInputError if the call fails."""
    reader = Reader(data)
    output = EVALUATORS[name](reader)
    reader.finish()
    return output
