"""What each ML precompile costs: ``base + per_element × n`` (docs/precompiles.md, "Gas").

This table is the single source of the prices: the precompiles charge from it,
``sumchain precompiles`` prints it. The numbers are PROVISIONAL, until the
calibration bench (``sumchain bench precompiles``) replaces them with measured
ones; change them here and nowhere else.

``n`` is the number of input elements the operation reads, counted from the
input's length before any of it is parsed (see :func:`element_count`), so a
call that cannot pay does no work.
"""
from __future__ import annotations

from dataclasses import dataclass

from .encoding import ELEMENT_BYTES, WORD, PrecompileInputError


@dataclass(frozen=True)
class Gas:
    base: int
    per_element: int

    @property
    def formula(self) -> str:
        return f"{self.base} + {self.per_element} * n"

    def cost(self, n: int) -> int:
        return self.base + self.per_element * n


# Keyed by operation name (docs/precompiles.md, "The operations"). PROVISIONAL.
GAS: dict[str, Gas] = {
    "VDOT": Gas(base=100, per_element=2),
    "VSQDIST": Gas(base=100, per_element=3),
    "VNORM": Gas(base=100, per_element=2),
    "VNEAREST": Gas(base=150, per_element=3),
    "VPERCEPTRON": Gas(base=100, per_element=4),
    "VCENTROID": Gas(base=100, per_element=4),
    "VSPARSEDOT": Gas(base=100, per_element=3),
    "VSPARSEADD": Gas(base=100, per_element=4),
    "VARGMAX": Gas(base=60, per_element=1),
    "VCOUNTEQ": Gas(base=60, per_element=1),
}


def element_count(data: bytes, params: int, vectors: int) -> int:
    """``n``: how many elements an input with ``params`` parameters and ``vectors`` vectors holds.

    Read from the input's length alone: ``(len − 1 − 32·(params + vectors)) // element size``
    (0 when shorter). For a well-formed input that is exactly the sum of its
    vectors' lengths; a malformed one fails after paying, as any failure does.
    The layout byte must be known, or there is no element size.
    """
    if not data:
        raise PrecompileInputError("empty input: the first byte must be the layout")
    size = ELEMENT_BYTES.get(data[0])
    if size is None:
        raise PrecompileInputError(f"unknown layout byte 0x{data[0]:02x} (0x00 words, 0x01 packed)")
    return max(0, len(data) - 1 - WORD * (params + vectors)) // size
