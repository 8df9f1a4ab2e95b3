"""A plain-Python model of the vector store (docs/precompiles.md, "The vector store").

No EVM, no stored bytes: a dict ``(owner, id) -> (width, elements)``. Property
tests run random op sequences through both this model and the precompile and
compare every output, every failure and the final contents. A failing op
raises ``StoreFailure`` and leaves the model unchanged, as a failed call leaves
the state.

``run(sender, data, static)`` takes the precompile's raw input (decoded with
the shared ``Reader``) and returns its raw output, so the two can be compared
byte for byte.
"""
from __future__ import annotations

from .encoding import PrecompileInputError, Reader, encode_int, encode_uint, encode_vector

try:
    from .reference import trunc_div
except ImportError:  # pragma: no cover - until reference.py exists
    def trunc_div(numerator: int, denominator: int) -> int:
        quotient = abs(numerator) // abs(denominator)
        return quotient if (numerator < 0) == (denominator < 0) else -quotient

WIDTHS = (8, 16, 32)
ID_LIMIT = 2**127


class StoreFailure(Exception):
    """The op fails (the precompile call would return 0 and burn its gas)."""


def _fits(value: int, width: int) -> bool:
    return -(2 ** (8 * width - 1)) <= value < 2 ** (8 * width - 1)


def _check_owner(owner: int) -> bytes:
    if not 0 <= owner < 2**160:
        raise StoreFailure("owner is not an address")
    return owner.to_bytes(20, "big")


class VectorStoreModel:
    """Every vector of every owner; owners are 20-byte addresses, ids ints in [0, 2^256)."""

    def __init__(self) -> None:
        self.vectors: dict[tuple[bytes, int], tuple[int, list[int]]] = {}

    def copy(self) -> "VectorStoreModel":
        twin = VectorStoreModel()
        twin.vectors = {key: (width, list(values)) for key, (width, values) in self.vectors.items()}
        return twin

    # ---------------------------------------------------------------- reads
    def _read(self, owner: bytes, vector_id: int) -> list[int]:
        """An absent vector reads as the empty vector."""
        return list(self.vectors.get((owner, vector_id), (0, []))[1])

    def get(self, owner: bytes, vector_id: int) -> list[int]:
        return self._read(owner, vector_id)

    def length(self, owner: bytes, vector_id: int) -> int:
        return len(self._read(owner, vector_id))

    def dot(self, owner: bytes, vector_id: int, x: list[int]) -> int:
        v = self._read(owner, vector_id)
        if len(v) != len(x):
            raise StoreFailure("length mismatch")
        return sum(a * b for a, b in zip(v, x))

    def nearest(self, owner: bytes, divisor: int, ids: list[int], x: list[int]) -> int:
        if divisor < 1:
            raise StoreFailure("divisor must be at least 1")
        if not ids:
            raise StoreFailure("no ids")
        if any(not 0 <= i < ID_LIMIT for i in ids):
            raise StoreFailure("id out of range")
        distances = []
        for vector_id in ids:
            v = self._read(owner, vector_id)
            if len(v) != len(x):
                raise StoreFailure("length mismatch")
            distances.append(sum(trunc_div((a - b) ** 2, divisor) for a, b in zip(v, x)))
        return distances.index(min(distances))  # index() finds the lowest on ties

    def sparse_dot(self, owner: bytes, vector_id: int, indices: list[int], values: list[int] | None) -> int:
        v = self._read(owner, vector_id)
        _check_sparse(indices, values, len(v))
        weights = values if values is not None else [1] * len(indices)
        return sum(v[i] * w for i, w in zip(indices, weights))

    # ---------------------------------------------------------------- writes (sender's own vectors)
    def _present(self, owner: bytes, vector_id: int) -> tuple[int, list[int]]:
        if (owner, vector_id) not in self.vectors:
            raise StoreFailure("absent vector")
        width, values = self.vectors[(owner, vector_id)]
        return width, list(values)

    def _put(self, owner: bytes, vector_id: int, width: int, values: list[int]) -> None:
        if any(not _fits(value, width) for value in values):
            raise StoreFailure("an element does not fit the width")
        self.vectors[(owner, vector_id)] = (width, values)

    def set(self, owner: bytes, vector_id: int, width: int, values: list[int]) -> None:
        if width not in WIDTHS:
            raise StoreFailure("bad width")
        self._put(owner, vector_id, width, list(values))

    def add_scaled(self, owner: bytes, vector_id: int, rate: int, scale: int, x: list[int]) -> None:
        if scale < 1:
            raise StoreFailure("scale must be at least 1")
        width, v = self._present(owner, vector_id)
        if len(v) != len(x):
            raise StoreFailure("length mismatch")
        self._put(owner, vector_id, width, [a + trunc_div(b * rate, scale) for a, b in zip(v, x)])

    def centroid(self, owner: bytes, vector_id: int, n: int, x: list[int]) -> None:
        width, v = self._present(owner, vector_id)
        if len(v) != len(x):
            raise StoreFailure("length mismatch")
        self._put(owner, vector_id, width, [trunc_div(a * n + b, n + 1) for a, b in zip(v, x)])

    def sparse_add(self, owner: bytes, vector_id: int, delta: int, indices: list[int], values: list[int] | None) -> None:
        width, v = self._present(owner, vector_id)
        _check_sparse(indices, values, len(v))
        for j, i in enumerate(indices):
            v[i] += values[j] if values is not None else delta
        self._put(owner, vector_id, width, v)

    def perceptron(self, owner: bytes, vector_id: int, bias: int, rate: int, scale: int, label: int,
                   x: list[int]) -> int:
        if scale < 1:
            raise StoreFailure("scale must be at least 1")
        if label not in (0, 1):
            raise StoreFailure("label must be 0 or 1")
        width, v = self._present(owner, vector_id)
        if len(v) != len(x):
            raise StoreFailure("length mismatch")
        prediction = 1 if bias + sum(a * b for a, b in zip(v, x)) > 0 else 0
        if prediction != label:
            step = rate if label else -rate
            self._put(owner, vector_id, width, [a + trunc_div(b * step, scale) for a, b in zip(v, x)])
        return prediction

    # ---------------------------------------------------------------- raw input, as the precompile
    def run(self, sender: bytes, data: bytes, static: bool = False) -> bytes:
        """The precompile's output for ``data`` sent by ``sender``; StoreFailure if it fails."""
        try:
            return self._run(sender, data, static)
        except PrecompileInputError as error:
            raise StoreFailure(str(error)) from None

    def _run(self, sender: bytes, data: bytes, static: bool) -> bytes:
        reader = Reader(data)
        op = reader.byte()
        if op in (0x01, 0x03, 0x04, 0x07, 0x0A) and static:
            raise StoreFailure("write in a static call")
        if op == 0x01:
            vector_id, width, v = reader.uint(), reader.uint(), reader.vector()
            reader.finish()
            self.set(sender, vector_id, width, v)
            return encode_uint(len(v))
        if op == 0x02:
            owner, vector_id = _check_owner(reader.uint()), reader.uint()
            reader.finish()
            return encode_vector(self.get(owner, vector_id))
        if op == 0x03:
            vector_id, rate, scale, x = reader.uint(), reader.int(), reader.uint(), reader.vector()
            reader.finish()
            self.add_scaled(sender, vector_id, rate, scale, x)
            return encode_uint(len(x))
        if op == 0x04:
            vector_id, n, x = reader.uint(), reader.uint(), reader.vector()
            reader.finish()
            self.centroid(sender, vector_id, n, x)
            return encode_uint(len(x))
        if op == 0x05:
            owner, vector_id, x = _check_owner(reader.uint()), reader.uint(), reader.vector()
            reader.finish()
            return encode_int(self.dot(owner, vector_id, x))
        if op == 0x06:
            owner, divisor, ids, x = _check_owner(reader.uint()), reader.uint(), reader.vector(), reader.vector()
            reader.finish()
            return encode_uint(self.nearest(owner, divisor, ids, x))
        if op == 0x07:
            vector_id, delta, has_values = reader.uint(), reader.int(), _flag(reader.uint())
            indices = reader.vector()
            values = reader.vector() if has_values else None
            reader.finish()
            self.sparse_add(sender, vector_id, delta, indices, values)
            return encode_uint(len(self.get(sender, vector_id)))
        if op == 0x08:
            owner, vector_id, has_values = _check_owner(reader.uint()), reader.uint(), _flag(reader.uint())
            indices = reader.vector()
            values = reader.vector() if has_values else None
            reader.finish()
            return encode_int(self.sparse_dot(owner, vector_id, indices, values))
        if op == 0x09:
            owner, vector_id = _check_owner(reader.uint()), reader.uint()
            reader.finish()
            return encode_uint(self.length(owner, vector_id))
        if op == 0x0A:
            vector_id, bias, rate, scale, label = reader.uint(), reader.int(), reader.int(), reader.uint(), reader.uint()
            x = reader.vector()
            reader.finish()
            return encode_uint(self.perceptron(sender, vector_id, bias, rate, scale, label, x))
        raise StoreFailure(f"unknown op {op}")


def _flag(value: int) -> bool:
    if value not in (0, 1):
        raise StoreFailure("hasValues must be 0 or 1")
    return bool(value)


def _check_sparse(indices: list[int], values: list[int] | None, length: int) -> None:
    if values is not None and len(values) != len(indices):
        raise StoreFailure("indices and values differ in length")
    if any(not 0 <= i < length for i in indices):
        raise StoreFailure("index out of range")
