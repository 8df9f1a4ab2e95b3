"""The ML precompiles' registry: address, function and description of each (docs/precompiles.md).

``ML_PRECOMPILES`` is what the VM classes (vm/fork.py) add to a fork's
precompiles; ``PRECOMPILE_INFO`` is what ``sumchain precompiles`` prints.
Both come from the one table ``PRECOMPILES`` below.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable

from eth.abc import ComputationAPI

from . import ops
from .gas import GAS


@dataclass(frozen=True)
class Precompile:
    """One precompile: where it lives, what runs, and its row in ``sumchain precompiles``."""

    name: str
    address: int
    function: Callable[[ComputationAPI], ComputationAPI]
    params: str  # the 32-byte parameters after the layout byte, in order
    vectors: str  # the length-prefixed vectors after them, in order
    result: str
    gas_formula: str = ""  # default: gas.py's base + per_element × n for ``name``
    layout: str = "layout (1 byte: 0x00 words, 0x01 packed) ‖ params ‖ vectors"

    @property
    def address_bytes(self) -> bytes:
        return self.address.to_bytes(20, "big")

    @property
    def address_hex(self) -> str:
        return "0x" + self.address_bytes.hex()

    @property
    def gas(self) -> str:
        return self.gas_formula or GAS[self.name].formula + " (n: input elements)"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address_hex,
            "layout": self.layout,
            "params": self.params,
            "vectors": self.vectors,
            "result": self.result,
            "gas": self.gas,
        }


PRECOMPILES: tuple[Precompile, ...] = (
    Precompile("VDOT", 0x0501, ops.vdot, "-", "x, y", "int256 Σ x_i·y_i"),
    Precompile("VSQDIST", 0x0502, ops.vsqdist, "divisor (uint, >= 1)", "x, y",
               "int256 Σ trunc((x_i − y_i)² / divisor)"),
    Precompile("VNORM", 0x0503, ops.vnorm, "-", "x", "uint256 floor(sqrt(Σ x_i²))"),
    Precompile("VNEAREST", 0x0504, ops.vnearest, "divisor (uint, >= 1), k (uint, >= 1)", "x (d), C (k·d)",
               "uint256 index of the nearest centroid (ties: lowest)"),
    Precompile("VPERCEPTRON", 0x0505, ops.vperceptron, "rate (int), scale (uint, >= 1)", "w, x",
               "int256[] w_i + trunc(x_i·rate / scale)"),
    Precompile("VCENTROID", 0x0506, ops.vcentroid, "n (uint)", "c, x", "int256[] trunc((c_i·n + x_i) / (n + 1))"),
    Precompile("VSPARSEDOT", 0x0507, ops.vsparsedot, "hasValues (0 or 1)", "w (d), idx (m), vals (m) if hasValues",
               "int256 Σ_j w[idx_j]·(vals_j or 1)"),
    Precompile("VSPARSEADD", 0x0508, ops.vsparseadd, "delta (int), hasValues (0 or 1)",
               "w (d), idx (m), vals (m) if hasValues", "int256[] w with w[idx_j] += (vals_j or delta)"),
    Precompile("VARGMAX", 0x0509, ops.vargmax, "-", "x (d >= 1)", "uint256 lowest index of the largest x_i"),
    Precompile("VCOUNTEQ", 0x050A, ops.vcounteq, "-", "x, y", "uint256 number of i with x_i = y_i"),
    # The vector store (vm/precompiles/store.py, written separately): this one row registers it.
    Precompile("VSTORE", 0x0510, import_module(f"{__name__}.store").vstore, "op-specific (docs/precompiles.md)", "op-specific", "op-specific", gas_formula="base + per_element × n per op, + 200 per byte added to the state", layout="layout ‖ op (1 byte) ‖ params ‖ vectors"),
)

ML_PRECOMPILES: dict[bytes, Callable[[ComputationAPI], ComputationAPI]] = {
    precompile.address_bytes: precompile.function for precompile in PRECOMPILES
}

PRECOMPILE_INFO: list[Precompile] = list(PRECOMPILES)


def address_range() -> str:
    """``0x0501-0x0510``: the first and last registered address."""
    addresses = [precompile.address for precompile in PRECOMPILES]
    return f"0x{min(addresses):04x}-0x{max(addresses):04x}"
