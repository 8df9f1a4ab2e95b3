"""The gas-calibration bench's inputs are what it claims, checked without timing anything."""
from __future__ import annotations

import random

from fractions import Fraction

from bench.precompiles import (
    CALL, GAS, ID_PARAM, ID_SPAN, LAYOUTS, SPAMMER, STORE_GAS, STORE_LAYOUTS, TIMER_SENDER, VSTORE, Timer,
    extra_gas, op_input, spammer_code, store_cases, suggested, Measurement,
)
from vm.precompiles import PRECOMPILES
from vm.precompiles.encoding import ELEMENT_BYTES
from vm.precompiles.gas import Gas
from vm.precompiles.encoding import WORD
from vm.precompiles.store import decode_elements, encode_stored, vector_address, vstore


def test_every_timed_input_is_valid_for_its_operation(chain):
    timer = Timer(chain)
    for precompile in PRECOMPILES:
        if precompile.name not in GAS:
            continue
        for layout, (code, _) in LAYOUTS.items():
            for size in (1, 16, 300):
                data = op_input(precompile.name, size, random.Random(size), layout)
                computation = timer.computation(precompile.address_bytes, data)
                precompile.function(computation)
                assert not computation.is_error, (precompile.name, layout, size, computation.error)
                expected = GAS[precompile.name].cost(_elements(data, precompile.name), ELEMENT_BYTES[code])
                assert computation.get_gas_used() == expected


def _elements(data: bytes, name: str) -> int:
    from vm.precompiles.gas import element_count

    params = {"VSQDIST": 1, "VNEAREST": 2, "VPERCEPTRON": 2, "VCENTROID": 1, "VSPARSEDOT": 1, "VSPARSEADD": 2}.get(name, 0)
    vectors = {"VNORM": 1, "VARGMAX": 1, "VSPARSEDOT": 3, "VSPARSEADD": 3}.get(name, 2)
    return element_count(data, params, vectors)


def test_store_cases_run_and_count_elements_as_the_store_charges(chain):
    for layout, (_, _, width) in STORE_LAYOUTS.items():
        timer = Timer(chain)
        for case in store_cases(64, random.Random(5), layout):
            timer.store_cold(width, case.stored)
            computation = timer.computation(VSTORE, case.data, cold=True)
            vstore(computation)
            assert not computation.is_error, (case.op, layout, computation.error)
            assert computation.get_gas_used() == STORE_GAS[case.op].cost(case.n) + extra_gas(case), (case.op, layout)
    assert TIMER_SENDER == b"\x11" * 20


def test_spammer_fills_its_gas_with_precompile_calls(chain, alice):
    target = b"\x5a" * 20
    precompile = next(p for p in PRECOMPILES if p.name == "VDOT")
    chain.set_code(target, spammer_code(precompile.address_bytes, op_input("VDOT", 4, random.Random(1))))
    receipt = chain.get_receipt(chain.send_transaction(alice.address, target, gas=2_000_000))
    assert receipt.status == 1 and receipt.gas_used > 1_900_000  # it stops only when under 60k gas is left


def test_the_store_spammer_writes_another_vector_on_every_call(chain, alice):
    """Each call of the store's full-block loop opens the next id (from the calldata's start): a
    successful receipt means every call succeeded (a failed one ends the loop with INVALID)."""
    _, _, width = STORE_LAYOUTS["words/32"]
    case = next(c for c in store_cases(16, random.Random(2), "words/32") if c.op == "VSTORE_ADDSCALED")
    (stored,) = case.stored.values()
    ids = [ID_SPAN + 1 + j for j in range(40)]
    for vector_id in ids:
        chain.set_code(vector_address(SPAMMER, vector_id.to_bytes(32, "big")), encode_stored(width, stored))
    chain.set_code(SPAMMER, spammer_code(VSTORE, case.data, 60_000, 2 + WORD * ID_PARAM[case.op], CALL))
    receipt = chain.get_receipt(chain.send_transaction(alice.address, SPAMMER, gas=300_000,
                                                       data=ID_SPAN.to_bytes(32, "big")))
    assert receipt.status == 1
    changed = [vector_id for vector_id in ids if decode_elements(
        chain.get_code(vector_address(SPAMMER, vector_id.to_bytes(32, "big"))), width) != stored]
    assert changed == ids[:len(changed)] and 10 < len(changed) < len(ids)  # ~240k gas / ~11k a call


def test_a_failed_call_ends_the_spammer_with_a_failed_receipt(chain, alice):
    _, _, width = STORE_LAYOUTS["words/32"]
    case = next(c for c in store_cases(16, random.Random(2), "words/32") if c.op == "VSTORE_DOT")
    chain.set_code(SPAMMER, spammer_code(VSTORE, case.data, 60_000, 2 + WORD * ID_PARAM[case.op]))
    receipt = chain.get_receipt(chain.send_transaction(alice.address, SPAMMER, gas=300_000))
    assert receipt.status == 0  # no vector stored: the first DOT fails


def test_a_fractional_element_price_rounds_the_elements_part_up():
    gas = Gas(700, 21, per_packed=Fraction(1, 32))
    assert [gas.cost(n, 8) for n in (0, 1, 32, 33, 65_536)] == [700, 701, 701, 702, 2748]
    assert gas.cost(2, 32) == 742
    assert gas.formula == "700 + 21 * n (words), 700 + ceil(1 * n / 32) (packed)"


def test_suggested_prices_cover_every_measurement_at_the_floor():
    reference = 40.0
    found = [Measurement("VDOT", n, 10 + 0.3 * n, 0) for n in (1, 16, 256, 4096)]
    found += [Measurement("VDOT", n, 10 + 0.01 * n, 0, "packed") for n in (1, 16, 256, 4096)]
    base, per_element, per_packed = suggested(found, reference)["VDOT"]
    assert per_packed < per_element
    for m in found:
        gas = Gas(base, per_element, per_packed).cost(m.size, 8 if m.layout == "packed" else 32)
        assert gas / m.microseconds >= 1.3 * reference
