"""What each ML precompile costs: ``base + per_element(width) × n`` (docs/precompiles.md, "Gas").

This table is the single source of the stateless precompiles' prices: they
charge from it, ``sumchain precompiles`` prints it, ``sumchain bench
precompiles`` checks it against measured time. Change them here and nowhere
else. (The vector store's table, ``STORE_GAS`` in store.py, uses the same
:class:`Gas`.)

``n`` is the number of input elements the operation reads, counted from the
input's length before any of it is parsed (see :func:`element_count`), so a
call that cannot pay does no work.

The per-element price depends on the element's width, which the layout byte
gives before anything is parsed (encoding.ELEMENT_BYTES): a 32-byte word may
hold any int128 and then takes the exact Python-int path, which costs 10 to
150 times the packed layout's int64 numpy path. One price for both would put
one of them outside the rule's band, so each op has two:

- ``per_element``: an element of the words layout (32 bytes, int128 values);
- ``per_packed``: an element of the packed layout (8 bytes, int64 values);
  ``None`` means the same as ``per_element``.

A word holding a small (int64) value still pays the word price: the price is
fixed by the layout byte and the length alone. int64 data is cheaper packed.

A per-element price may be a fraction of a gas (a ``Fraction``, e.g. 1/32 for
an op whose packed elements cost a few nanoseconds each); the elements' part
is then rounded up to whole gas: ``base + ceil(per × n)``, exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .encoding import ELEMENT_BYTES, WORD, PrecompileInputError


Price = int | Fraction  # gas per element: whole, or a fraction of a gas


def _term(per: Price) -> str:
    """``per × n`` as the formula writes it: ``5 * n``, or ``ceil(3 * n / 64)`` for 3/64."""
    per = Fraction(per)
    if per.denominator == 1:
        return f"{per.numerator} * n"
    return f"ceil({per.numerator} * n / {per.denominator})"


@dataclass(frozen=True)
class Gas:
    base: int
    per_element: Price  # per element wider than 8 bytes: a words-layout element (int128 values)
    per_packed: Price | None = None  # per 8-byte element (packed layout, int64); None: per_element

    def per(self, element_bytes: int = WORD) -> Price:
        """The price of one element ``element_bytes`` wide (8: packed; anything wider: a word)."""
        if element_bytes <= 8 and self.per_packed is not None:
            return self.per_packed
        return self.per_element

    @property
    def formula(self) -> str:
        words = self.formula_for(WORD)
        if self.per_packed is None or self.per_packed == self.per_element:
            return words
        return f"{words} (words), {self.formula_for(8)} (packed)"

    def formula_for(self, element_bytes: int = WORD) -> str:
        """The formula for elements ``element_bytes`` wide: ``2080 + 24 * n``, ``700 + ceil(1 * n / 32)``."""
        return f"{self.base} + {_term(self.per(element_bytes))}"

    def elements(self, n: int, element_bytes: int = WORD) -> int:
        """The part ``n`` elements ``element_bytes`` wide pay: ``ceil(per × n)``, in whole gas."""
        return math.ceil(self.per(element_bytes) * n)

    def cost(self, n: int, element_bytes: int = WORD) -> int:
        """``base + ceil(per(element_bytes) × n)``; the default, a word, is the dearer price."""
        return self.base + self.elements(n, element_bytes)

    def charge(self, data: bytes, params: int, vectors: int) -> int:
        """The gas of input ``data``: its ``n`` (:func:`element_count`) at its layout's element price."""
        return self.cost(element_count(data, params, vectors), ELEMENT_BYTES[data[0]])


# Keyed by operation name (docs/precompiles.md, "The operations"). Calibrated 2026-12-07 with
# `sumchain bench precompiles` on the slowest inputs of each width (int128 words, int64 packed, both
# extremes; ECRECOVER 64.8 gas/us in that run): for each op, one base and a per-element price per
# layout under which every measured size (1 to 65,536 elements) in both layouts costs at least
# 1.3 x ECRECOVER's gas per microsecond (the rule's floor is 0.5 x, its ceiling 4 x) and which
# overprice least (the lowest mean ratio, every ratio under 3.5); a price under 1 gas is a
# multiple of 1/64; see docs/gas-schedule.md. (Before: 2026-12-06, whole-gas prices only, so
# VARGMAX and VCOUNTEQ packed paid a base of 2,500 for a few microseconds: up to 10.5 x.)
GAS: dict[str, Gas] = {
    "VDOT": Gas(base=1954, per_element=22, per_packed=Fraction(7, 16)),
    "VSQDIST": Gas(base=1429, per_element=30, per_packed=12),
    "VNORM": Gas(base=1800, per_element=26, per_packed=1),
    "VNEAREST": Gas(base=2115, per_element=40, per_packed=19),
    "VPERCEPTRON": Gas(base=1590, per_element=46, per_packed=26),
    "VCENTROID": Gas(base=1478, per_element=46, per_packed=27),
    "VSPARSEDOT": Gas(base=2248, per_element=21, per_packed=Fraction(1, 4)),
    "VSPARSEADD": Gas(base=2227, per_element=32, per_packed=18),
    "VARGMAX": Gas(base=722, per_element=24, per_packed=Fraction(1, 32)),
    "VCOUNTEQ": Gas(base=1401, per_element=44, per_packed=Fraction(1, 32)),
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
