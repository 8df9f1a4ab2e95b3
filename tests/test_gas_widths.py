"""Gas by element width: the bench times every width an input accepts, at both signs' extremes,
and the precompiles charge the widest input of each op by the documented formula
(vm/precompiles/gas.py: ``base + per_element × n`` for words, ``base + per_packed × n`` packed)."""
from __future__ import annotations

import math
import random

import pytest

from bench.precompiles import (
    LAYOUTS, STORE_LAYOUTS, VSTORE, Timer, extra_gas, op_input, store_cases,
)
from vm.precompiles import PRECOMPILES
from vm.precompiles.encoding import ELEMENT_BYTES, INT128_MAX, INT128_MIN, PACKED, WORDS, Reader
from vm.precompiles.gas import GAS, Gas, element_count
from vm.precompiles.store import STORE_GAS, WIDTHS, vstore

STATELESS = [p for p in PRECOMPILES if p.name in GAS]
SHAPES = {  # (params, vectors) as each op counts its n
    "VDOT": (0, 2), "VSQDIST": (1, 2), "VNORM": (0, 1), "VNEAREST": (2, 2), "VPERCEPTRON": (2, 2),
    "VCENTROID": (1, 2), "VSPARSEDOT": (1, 3), "VSPARSEADD": (2, 3), "VARGMAX": (0, 1), "VCOUNTEQ": (0, 2),
}


def _vectors(data: bytes, params: int, count: int) -> list[list[int]]:
    reader = Reader(data)
    for _ in range(params):
        reader.uint()
    vectors = [reader.vector() for _ in range(count)]
    reader.finish()
    return vectors


def test_the_bench_covers_every_accepted_layout_and_stored_width():
    assert {code for code, _ in LAYOUTS.values()} == set(ELEMENT_BYTES) == {WORDS, PACKED}
    assert {width for _, _, width in STORE_LAYOUTS.values()} == set(WIDTHS)
    assert {code for code, _, _ in STORE_LAYOUTS.values()} == set(ELEMENT_BYTES)
    assert LAYOUTS["words"][1] == (INT128_MIN, INT128_MAX)  # the words layout's widest values
    assert LAYOUTS["packed"][1] == (-(2**63), 2**63 - 1)


@pytest.mark.parametrize("precompile", STATELESS, ids=lambda p: p.name)
def test_the_bench_inputs_hit_both_extremes_of_each_width(precompile):
    params, count = SHAPES[precompile.name]
    for layout, (code, (low, high)) in LAYOUTS.items():
        data = op_input(precompile.name, 64, random.Random(1), layout)
        assert data[0] == code
        values = [v for vector in _vectors(data, params, count) for v in vector]
        assert low in values and high in values, (precompile.name, layout)  # both signs, the widest


def test_the_store_cases_hold_values_of_both_signs_near_each_width():
    for layout, (code, (low, high), width) in STORE_LAYOUTS.items():
        for case in store_cases(64, random.Random(2), layout):
            assert case.data[0] == code
            stored = [v for vector in case.stored.values() for v in vector]
            if case.op != "VSTORE_NEAREST" or case.case:  # NEAREST's k vectors: each one sign
                assert min(stored) < 0 < max(stored)
            assert max(map(abs, stored)) >= 2 ** (8 * width - 2)  # the width's top bits in use


@pytest.mark.parametrize("precompile", STATELESS, ids=lambda p: p.name)
def test_the_widest_input_pays_the_documented_formula(chain, precompile):
    """The widest input (words, int128 extremes) and the packed one pay base + per(width) × n."""
    timer = Timer(chain)
    params, count = SHAPES[precompile.name]
    gas = GAS[precompile.name]
    for layout, (code, _) in LAYOUTS.items():
        data = op_input(precompile.name, 300, random.Random(3), layout)
        computation = timer.computation(precompile.address_bytes, data)
        precompile.function(computation)
        assert not computation.is_error, computation.error
        n = sum(map(len, _vectors(data, params, count)))
        assert n == element_count(data, params, count)
        per = gas.per_element if code == WORDS else (gas.per_packed if gas.per_packed is not None else gas.per_element)
        assert computation.get_gas_used() == gas.base + math.ceil(per * n) == gas.cost(n, ELEMENT_BYTES[code])


def test_the_widest_store_inputs_pay_the_documented_formula(chain):
    timer = Timer(chain)
    _, _, width = STORE_LAYOUTS["words/32"]
    for case in store_cases(64, random.Random(4), "words/32"):
        timer.store_cold(width, case.stored)
        computation = timer.computation(VSTORE, case.data, cold=True)
        vstore(computation)
        assert not computation.is_error, (case.op, computation.error)
        price = STORE_GAS[case.op]
        assert computation.get_gas_used() == price.base + price.per_element * case.n + extra_gas(case), case.op


def test_a_width_price_defaults_to_the_word_price_and_shows_both_in_its_formula():
    assert Gas(10, 5).cost(3, 8) == Gas(10, 5).cost(3) == 25
    two = Gas(10, 5, per_packed=2)
    assert two.cost(3, 8) == 16 and two.cost(3, 32) == 25 and two.cost(3) == 25
    assert two.formula == "10 + 5 * n (words), 10 + 2 * n (packed)" and Gas(10, 5).formula == "10 + 5 * n"
