"""What each ML precompile costs: ``base + per_element × n`` (docs/precompiles.md, "Gas").

This table is the single source of the prices: the precompiles charge from it,
``sumchain precompiles`` prints it, ``sumchain bench precompiles`` checks it
against measured time. Change them here and nowhere else.

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


# Keyed by operation name (docs/precompiles.md, "The operations"). Calibrated 2026-11-23 with
# `sumchain bench precompiles`: for each op, the per-element price that overprices least while
# every measured size (1 to 65,536 elements, slowest exact path) costs at least 1.3 x ECRECOVER's
# gas per microsecond (the rule's floor is 0.5 x, its ceiling 4 x); see docs/gas-schedule.md.
GAS: dict[str, Gas] = {
    "VDOT": Gas(base=954, per_element=11),  # 1.30-1.41 x ECRECOVER when calibrated
    "VSQDIST": Gas(base=1338, per_element=11),  # 1.30-1.42 x ECRECOVER when calibrated
    "VNORM": Gas(base=1761, per_element=2),  # 1.30-2.49 x ECRECOVER when calibrated
    "VNEAREST": Gas(base=1676, per_element=16),  # 1.30-1.47 x ECRECOVER when calibrated
    "VPERCEPTRON": Gas(base=1062, per_element=27),  # 1.30-1.44 x ECRECOVER when calibrated
    "VCENTROID": Gas(base=1299, per_element=20),  # 1.30-1.38 x ECRECOVER when calibrated
    "VSPARSEDOT": Gas(base=1525, per_element=12),  # 1.30-1.41 x ECRECOVER when calibrated
    "VSPARSEADD": Gas(base=1771, per_element=34),  # 1.30-2.04 x ECRECOVER when calibrated
    "VARGMAX": Gas(base=517, per_element=1),  # 1.30-2.71 x ECRECOVER when calibrated
    "VCOUNTEQ": Gas(base=2329, per_element=22),  # 1.30-2.83 x ECRECOVER when calibrated
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
