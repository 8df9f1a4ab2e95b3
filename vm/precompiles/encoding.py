"""The precompiles' byte layouts (docs/precompiles.md, "Input layout" and "Output layout").

``Reader`` walks an input exactly once: a layout byte, 32-byte parameters,
then length-prefixed vectors whose elements are 32-byte words or packed
8-byte int64s. Anything malformed raises ``PrecompileInputError``, which the
precompiles turn into a failed call.
"""
from __future__ import annotations

WORDS, PACKED = 0x00, 0x01
ELEMENT_BYTES = {WORDS: 32, PACKED: 8}
MAX_LENGTH = 65_536
INT128_MIN, INT128_MAX = -(2**127), 2**127 - 1
INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1
WORD = 32


class PrecompileInputError(ValueError):
    """The input breaks a rule of docs/precompiles.md (the message says which)."""


class Reader:
    """Consumes one precompile input from the front; ``finish`` checks nothing is left."""

    def __init__(self, data: bytes) -> None:
        if not data:
            raise PrecompileInputError("empty input: the first byte must be the layout")
        self.layout = data[0]
        if self.layout not in ELEMENT_BYTES:
            raise PrecompileInputError(f"unknown layout byte 0x{self.layout:02x} (0x00 words, 0x01 packed)")
        self._data = memoryview(data)
        self._offset = 1

    def byte(self) -> int:
        return self._take(1)[0]

    def uint(self) -> int:
        return int.from_bytes(self._take(WORD), "big")

    def int(self) -> int:
        return int.from_bytes(self._take(WORD), "big", signed=True)

    def vector(self) -> list[int]:
        """A length word, then that many elements of the input's layout, each int128."""
        length = self.uint()
        if length > MAX_LENGTH:
            raise PrecompileInputError(f"vector length {length} is over the maximum {MAX_LENGTH}")
        size = ELEMENT_BYTES[self.layout]
        raw = self._take(length * size)
        elements = [int.from_bytes(raw[i:i + size], "big", signed=True) for i in range(0, len(raw), size)]
        if size == WORD:
            for element in elements:
                if not INT128_MIN <= element <= INT128_MAX:
                    raise PrecompileInputError(f"element {element} is outside int128")
        return elements

    def finish(self) -> None:
        if self._offset != len(self._data):
            raise PrecompileInputError(f"{len(self._data) - self._offset} trailing bytes after the input")

    def _take(self, count: int) -> bytes:
        end = self._offset + count
        if end > len(self._data):
            raise PrecompileInputError("input ends too early")
        chunk = bytes(self._data[self._offset:end])
        self._offset = end
        return chunk


def encode_int(value: int) -> bytes:
    """One ABI word for an int256 result; a value outside int256 is a failure, not a wrap."""
    if not INT256_MIN <= value <= INT256_MAX:
        raise PrecompileInputError(f"result {value} does not fit in int256")
    return value.to_bytes(WORD, "big", signed=True)


def encode_uint(value: int) -> bytes:
    return value.to_bytes(WORD, "big")


def encode_vector(values: list[int]) -> bytes:
    """``abi.encode(int256[])``: offset 0x20, length, one word per element."""
    return encode_uint(WORD) + encode_uint(len(values)) + b"".join(encode_int(value) for value in values)


def encode_input(layout: int, params: list[int], vectors: list[list[int]], op: int | None = None) -> bytes:
    """Build an input (tests, benches and the reference use it; contracts build theirs in Solidity)."""
    size = ELEMENT_BYTES[layout]
    parts = [bytes([layout])]
    if op is not None:
        parts.append(bytes([op]))
    parts += [param.to_bytes(WORD, "big", signed=param < 0) for param in params]
    for vector in vectors:
        parts.append(encode_uint(len(vector)))
        parts += [element.to_bytes(size, "big", signed=True) for element in vector]
    return b"".join(parts)
