"""The gas-calibration bench's inputs are what it claims, checked without timing anything."""
from __future__ import annotations

import random

from bench.precompiles import (
    GAS, NEAREST_K, STORE_GAS, TIMER_SENDER, VSTORE, Timer, op_input, spammer_code, store_cases, suggested,
    Measurement,
)
from vm.precompiles import PRECOMPILES
from vm.precompiles.store import (
    GAS_PER_EXTRA_VECTOR, GAS_PER_PERCEPTRON_REWRITE, PERCEPTRON_REWRITE_BASE, vstore,
)


def test_every_timed_input_is_valid_for_its_operation(chain):
    timer = Timer(chain)
    for precompile in PRECOMPILES:
        if precompile.name not in GAS:
            continue
        for size in (1, 16, 300):
            computation = timer.computation(precompile.address_bytes, op_input(precompile.name, size, random.Random(size)))
            precompile.function(computation)
            assert not computation.is_error, (precompile.name, size, computation.error)
            assert computation.get_gas_used() == GAS[precompile.name].cost(_elements(computation.msg.data, precompile.name))


def _elements(data: bytes, name: str) -> int:
    from vm.precompiles.gas import element_count

    params = {"VSQDIST": 1, "VNEAREST": 2, "VPERCEPTRON": 2, "VCENTROID": 1, "VSPARSEDOT": 1, "VSPARSEADD": 2}.get(name, 0)
    vectors = {"VNORM": 1, "VARGMAX": 1, "VSPARSEDOT": 3, "VSPARSEADD": 3}.get(name, 2)
    return element_count(data, params, vectors)


def test_store_cases_run_and_count_elements_as_the_store_charges(chain):
    timer = Timer(chain)
    for name, n, data, setup in store_cases(64, random.Random(5)):
        for prepared in setup:
            computation = timer.computation(VSTORE, prepared)
            vstore(computation)
            assert not computation.is_error, computation.error
        computation = timer.computation(VSTORE, data)
        vstore(computation)
        assert not computation.is_error, (name, computation.error)
        rewrite = PERCEPTRON_REWRITE_BASE + GAS_PER_PERCEPTRON_REWRITE * n // 2  # PERCEPTRON's case rewrites
        extra = {"VSTORE_NEAREST": GAS_PER_EXTRA_VECTOR * (NEAREST_K - 1), "VSTORE_PERCEPTRON": rewrite}.get(name, 0)
        assert computation.get_gas_used() == STORE_GAS[name].cost(n) + extra, name
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
    base, per_element = suggested(found, reference)["VDOT"]
    assert all((base + per_element * m.size) / m.microseconds >= 1.3 * reference for m in found)
