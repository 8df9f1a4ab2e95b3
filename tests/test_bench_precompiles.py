"""The gas-calibration bench's inputs are what it claims, checked without timing anything."""
from __future__ import annotations

import random

from bench.precompiles import (
    GAS, LAYOUTS, STORE_GAS, STORE_LAYOUTS, TIMER_SENDER, VSTORE, Timer, extra_gas, op_input, spammer_code,
    store_cases, suggested, Measurement,
)
from vm.precompiles import PRECOMPILES
from vm.precompiles.encoding import ELEMENT_BYTES
from vm.precompiles.store import vstore


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


def test_suggested_prices_cover_every_measurement_at_the_floor():
    reference = 40.0
    found = [Measurement("VDOT", n, 10 + 0.3 * n, 0) for n in (1, 16, 256, 4096)]
    found += [Measurement("VDOT", n, 10 + 0.01 * n, 0, "packed") for n in (1, 16, 256, 4096)]
    base, per_element, per_packed = suggested(found, reference)["VDOT"]
    assert per_packed < per_element
    for m in found:
        per = per_packed if m.layout == "packed" else per_element
        assert (base + per * m.size) / m.microseconds >= 1.3 * reference
