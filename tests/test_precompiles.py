"""The ML precompiles (docs/precompiles.md), called for real through the EVM.

Every operation is held to the plain-Python reference (vm/precompiles/reference.py)
on random inputs in both layouts: the same output, or a failed call that used all
its gas when the reference rejects the input; a successful call charges exactly
``base + per_element × n`` (vm/precompiles/gas.py).
"""
from __future__ import annotations

import json
import random
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from node.chain import Chain
from node.execution import CallRequest
from node.tracing import trace_call
from vm.precompiles import ML_PRECOMPILES, PRECOMPILE_INFO, PRECOMPILES
from vm.precompiles import ops, reference
from vm.precompiles.encoding import (
    ELEMENT_BYTES,
    INT128_MAX, INT128_MIN, MAX_LENGTH, PACKED, WORDS, PrecompileInputError, encode_input, encode_vector,
)
from vm.precompiles.gas import GAS, element_count
from tests.test_cli import SUMCHAIN
from tests.support import forwarder

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UINT256_MAX = 2**256 - 1
CALL_GAS = 2_000_000
OPS = ["VDOT", "VSQDIST", "VNORM", "VNEAREST", "VPERCEPTRON", "VCENTROID", "VSPARSEDOT", "VSPARSEADD", "VARGMAX",
       "VCOUNTEQ"]  # the stateless ones (VSTORE, 0x0510, has tests of its own)
ADDRESS = {precompile.name: precompile.address_bytes for precompile in PRECOMPILES if precompile.name in OPS}
NAMES = list(ADDRESS)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def ml_chain(dev_genesis):
    """Calls change nothing, so one chain serves the whole module."""
    chain = Chain.open(dev_genesis, None)
    yield chain
    chain.close()


def call(chain, name: str, data: bytes, gas: int = CALL_GAS):
    return chain.call(CallRequest(to=ADDRESS[name], data=data, gas=gas))


def expected_output(name: str, data: bytes) -> bytes | None:
    try:
        return reference.evaluate(name, data)
    except PrecompileInputError:
        return None


def assert_failed_with_all_gas(result, gas: int = CALL_GAS) -> None:
    assert not result.success and result.output == b""
    assert result.computation.is_error and result.computation.get_gas_remaining() == 0
    assert result.gas_used == gas  # the whole limit: nothing comes back


def check(chain, name: str, params: list[int], vectors: list[list[int]], layout: int) -> bool:
    """The precompile agrees with the reference on this input; True if it succeeded."""
    data = encode_input(layout, params, vectors)
    expected = expected_output(name, data)
    result = call(chain, name, data)
    if expected is None:
        assert_failed_with_all_gas(result)
        return False
    assert result.success, result.error
    assert result.output == expected
    n = sum(len(v) for v in vectors)
    assert result.computation.get_gas_used() == GAS[name].cost(n, ELEMENT_BYTES[layout])
    return True


# ---------------------------------------------------------------------------- strategies

LAYOUTS = st.sampled_from([WORDS, PACKED])


def element_range(layout: int) -> tuple[int, int]:
    return (INT64_MIN, INT64_MAX) if layout == PACKED else (INT128_MIN, INT128_MAX)


@st.composite
def vectors(draw, layout: int, count: int, length=None, max_length: int = 300):
    """``count`` vectors of one length whose elements stay within a drawn bit width (extremes included).

    Small widths exercise the int64 fast paths, wide ones and the extremes the exact ones.
    """
    lo, hi = element_range(layout)
    d = draw(st.integers(0, max_length)) if length is None else length
    bits = draw(st.sampled_from([1, 4, 16, 20, 31, 32, 40, 62, 63, 64, 100, 127]))
    low, high = max(lo, -(2**bits)), min(hi, 2**bits - 1)
    element = st.one_of(st.integers(low, high), st.sampled_from([low, high, 0, -1]))
    return [draw(st.lists(element, min_size=d, max_size=d)) for _ in range(count)]


def positive(limit: int = UINT256_MAX):
    return st.one_of(st.integers(1, 10), st.sampled_from([10**6, 10**9, 3037000499, 3037000500, 2**62, 2**63 - 1,
                                                          2**63, 2**64, limit]),
                     st.sampled_from([10**9]), st.integers(1, limit))


SIGNED = st.one_of(st.integers(-10, 10), st.sampled_from([10**9, -(10**9), INT64_MIN, INT64_MAX, 2**63,
                                                         -(2**255), 2**255 - 1]),
                   st.integers(-(2**255), 2**255 - 1))


# ---------------------------------------------------------------------------- every op against the reference


@SETTINGS
@given(layout=LAYOUTS, data=st.data())
def test_vdot(ml_chain, layout, data):
    check(ml_chain, "VDOT", [], data.draw(vectors(layout, 2)), layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data(), divisor=positive())
def test_vsqdist(ml_chain, layout, data, divisor):
    check(ml_chain, "VSQDIST", [divisor], data.draw(vectors(layout, 2)), layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data())
def test_vnorm(ml_chain, layout, data):
    check(ml_chain, "VNORM", [], data.draw(vectors(layout, 1)), layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data(), divisor=positive(), k=st.integers(1, 8))
def test_vnearest(ml_chain, layout, data, divisor, k):
    (x,) = data.draw(vectors(layout, 1, max_length=24))
    # Centroids drawn like x; some copies of x itself, so ties and zero distances occur.
    centroids = []
    for _ in range(k):
        (c,) = data.draw(vectors(layout, 1, length=len(x)))
        centroids += x if data.draw(st.booleans()) else c
    check(ml_chain, "VNEAREST", [divisor, k], [x, centroids], layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data(), rate=SIGNED, scale=positive())
def test_vperceptron(ml_chain, layout, data, rate, scale):
    check(ml_chain, "VPERCEPTRON", [rate, scale], data.draw(vectors(layout, 2)), layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data(),
       n=st.one_of(st.integers(0, 100), st.sampled_from([2**62, 2**63 - 2, 2**63, UINT256_MAX]), st.integers(0, UINT256_MAX)))
def test_vcentroid(ml_chain, layout, data, n):
    check(ml_chain, "VCENTROID", [n], data.draw(vectors(layout, 2)), layout)


@st.composite
def sparse_input(draw, layout: int):
    (w,) = draw(vectors(layout, 1, max_length=200))
    m = draw(st.integers(0, 100)) if w else 0
    idx = draw(st.lists(st.integers(0, len(w) - 1), min_size=m, max_size=m)) if w else []
    has_values = draw(st.booleans())
    vals = draw(vectors(layout, 1, length=m))[0] if has_values else None
    return w, idx, vals


@SETTINGS
@given(layout=LAYOUTS, data=st.data())
def test_vsparsedot(ml_chain, layout, data):
    w, idx, vals = data.draw(sparse_input(layout))
    check(ml_chain, "VSPARSEDOT", [int(vals is not None)], [w, idx] + ([vals] if vals is not None else []), layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data(), delta=SIGNED)
def test_vsparseadd(ml_chain, layout, data, delta):
    w, idx, vals = data.draw(sparse_input(layout))
    check(ml_chain, "VSPARSEADD", [delta, int(vals is not None)], [w, idx] + ([vals] if vals is not None else []),
          layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data())
def test_vargmax(ml_chain, layout, data):
    (x,) = data.draw(vectors(layout, 1))
    check(ml_chain, "VARGMAX", [], [x], layout)


@SETTINGS
@given(layout=LAYOUTS, data=st.data())
def test_vcounteq(ml_chain, layout, data):
    x, y = data.draw(vectors(layout, 2))
    same = data.draw(st.lists(st.booleans(), min_size=len(x), max_size=len(x)))
    check(ml_chain, "VCOUNTEQ", [], [x, [a if s else b for a, b, s in zip(x, y, same)]], layout)


# ---------------------------------------------------------------------------- known answers and extremes


def test_spec_example(ml_chain):
    words = bytes.fromhex("00" + "".join(f"{v & UINT256_MAX:064x}" for v in (2, 1, -2, 2, 3, 4)))
    assert len(words) == 193
    packed = bytes.fromhex("01" + f"{2:064x}" + "0000000000000001fffffffffffffffe" + f"{2:064x}"
                           + "00000000000000030000000000000004")
    assert len(packed) == 97
    for data in (words, packed):
        result = call(ml_chain, "VDOT", data)
        assert result.success and result.output == (-5).to_bytes(32, "big", signed=True)


@pytest.mark.parametrize("layout", [WORDS, PACKED])
def test_extremes_of_every_op(ml_chain, layout):
    lo, hi = element_range(layout)
    e = [lo, hi, INT64_MIN, INT64_MAX, 0, -1, lo + 1]
    f = list(reversed(e))
    outcomes = {
        "VDOT": check(ml_chain, "VDOT", [], [e, f], layout),
        "VSQDIST": check(ml_chain, "VSQDIST", [1], [e, f], layout),
        "VNORM": check(ml_chain, "VNORM", [], [e], layout),
        "VNEAREST": check(ml_chain, "VNEAREST", [1, 2], [e, f + e], layout),
        "VPERCEPTRON": check(ml_chain, "VPERCEPTRON", [INT64_MIN, 1], [e, f], layout),
        "VCENTROID": check(ml_chain, "VCENTROID", [UINT256_MAX], [e, f], layout),
        "VSPARSEDOT": check(ml_chain, "VSPARSEDOT", [1], [e, [0, 1, 1, 6], [hi, lo, lo, hi]], layout),
        "VSPARSEADD": check(ml_chain, "VSPARSEADD", [hi, 0], [e, [1, 1, 2]], layout),
        "VARGMAX": check(ml_chain, "VARGMAX", [], [e], layout),
        "VCOUNTEQ": check(ml_chain, "VCOUNTEQ", [], [e, f], layout),
    }
    # Sums and updates near 2**254 fit int256 in the words layout only when they do: the reference decides,
    # but these always succeed.
    assert all(outcomes[name] for name in ("VNORM", "VNEAREST", "VCENTROID", "VARGMAX", "VCOUNTEQ"))


def test_results_just_inside_and_outside_int256(ml_chain):
    big = [INT128_MIN] * 2  # (-2**127)**2 · 2 = 2**255: one past int256's maximum
    assert not check(ml_chain, "VDOT", [], [big, big], WORDS)
    assert check(ml_chain, "VDOT", [], [[INT128_MIN], [INT128_MIN]], WORDS)  # 2**254
    assert check(ml_chain, "VDOT", [], [big, [INT128_MIN, INT128_MAX]], WORDS)  # 2**254 − 2**254 + 2**127
    assert not check(ml_chain, "VSQDIST", [1], [[INT128_MIN], [INT128_MAX]], WORDS)  # (2**128 − 1)²
    assert check(ml_chain, "VSQDIST", [2], [[INT128_MIN], [INT128_MAX]], WORDS)
    assert not check(ml_chain, "VPERCEPTRON", [2**255 - 1, 1], [[0], [2]], WORDS)
    assert check(ml_chain, "VPERCEPTRON", [2**255 - 1, 2], [[0], [2]], WORDS)
    assert not check(ml_chain, "VSPARSEADD", [2**255 - 1, 0], [[1], [0]], WORDS)
    assert check(ml_chain, "VSPARSEADD", [2**255 - 1, 0], [[0], [0]], WORDS)


def test_empty_vectors(ml_chain):
    for layout in (WORDS, PACKED):
        assert check(ml_chain, "VDOT", [], [[], []], layout)
        assert check(ml_chain, "VSQDIST", [7], [[], []], layout)
        assert check(ml_chain, "VNORM", [], [[]], layout)
        assert check(ml_chain, "VNEAREST", [1, 3], [[], []], layout)
        assert check(ml_chain, "VNEAREST", [1, UINT256_MAX], [[], []], layout)  # d = 0: every distance is 0
        assert check(ml_chain, "VPERCEPTRON", [5, 1], [[], []], layout)
        assert check(ml_chain, "VCENTROID", [5], [[], []], layout)
        assert check(ml_chain, "VSPARSEDOT", [0], [[], []], layout)
        assert check(ml_chain, "VSPARSEADD", [UINT256_MAX // 2, 1], [[5], [], []], layout)
        assert check(ml_chain, "VCOUNTEQ", [], [[], []], layout)
        assert not check(ml_chain, "VARGMAX", [], [[]], layout)


def test_known_answers(ml_chain):
    assert reference.trunc_div(-7, 2) == -3 and reference.trunc_div(7, -2) == -3 and reference.trunc_div(-7, -2) == 3
    cases = [
        ("VSQDIST", [2], [[1, -2], [4, 1]], 8),  # trunc(9/2) + trunc(9/2)
        ("VNORM", [], [[3, 4, 0]], 5),
        ("VNEAREST", [1, 3], [[0, 0], [5, 5, 1, 1, -1, -1]], 1),  # ties: 1 before 2
        ("VPERCEPTRON", [-3, 2], [[10, 10], [1, -1]], [9, 11]),  # trunc(-1.5) = -1, trunc(1.5) = 1
        ("VCENTROID", [2], [[-1, 5], [0, 0]], [0, 3]),  # trunc(-2/3) = 0, trunc(10/3) = 3
        ("VSPARSEDOT", [0], [[2, 3, 5], [2, 2, 0]], 12),
        ("VSPARSEDOT", [1], [[2, 3, 5], [2, 0], [-1, 4]], 3),
        ("VSPARSEADD", [7, 0], [[0, 0, 0], [2, 2]], [0, 0, 14]),
        ("VSPARSEADD", [7, 1], [[0, 0, 0], [2, 0], [1, -1]], [-1, 0, 1]),
        ("VARGMAX", [], [[1, 9, 3, 9]], 1),
        ("VCOUNTEQ", [], [[1, 2, 3], [1, 0, 3]], 2),
    ]
    for name, params, vecs, answer in cases:
        output = call(ml_chain, name, encode_input(PACKED, params, vecs)).output
        if isinstance(answer, list):
            assert output == encode_vector(answer), name
        else:
            assert int.from_bytes(output, "big", signed=True) == answer, name


@pytest.fixture(scope="module")
def prague_chain(dev_genesis):
    """Prague: no 2**24 gas cap per transaction (Osaka's EIP-7825), so a call can carry a 1 MB input."""
    chain = Chain.open(dev_genesis.with_overrides(hardfork="prague"), None)
    yield chain
    chain.close()


@pytest.mark.parametrize("name", ["VDOT", "VNORM"])
def test_maximum_length(prague_chain, name):
    rng = random.Random(name)
    count = 2 if name == "VDOT" else 1
    vecs = [[rng.randrange(INT64_MIN, INT64_MAX + 1) for _ in range(MAX_LENGTH)] for _ in range(count)]
    vecs[0][0] = INT64_MIN
    data = encode_input(PACKED, [], vecs)
    result = call(prague_chain, name, data, gas=200_000_000)  # a 1 MB input pays its calldata
    assert result.success, result.error
    assert result.output == reference.evaluate(name, data)
    assert result.computation.get_gas_used() == GAS[name].cost(MAX_LENGTH * count, ELEMENT_BYTES[PACKED])
    over = encode_input(PACKED, [], [v + [1] for v in vecs])
    failed = call(prague_chain, name, over, gas=200_000_000)
    assert not failed.success and "over the maximum" in failed.error


# ---------------------------------------------------------------------------- failures


def failure_cases():
    x = encode_input(WORDS, [], [[1, 2], [3, 4]])
    return [
        ("VDOT", b"", "empty input"),
        ("VDOT", b"\x02" + x[1:], "unknown layout"),
        ("VDOT", x[:-1], "ends too early"),
        ("VDOT", x[:40], "ends too early"),
        ("VDOT", x + b"\x00", "trailing"),
        ("VDOT", encode_input(PACKED, [], [[1]]) + b"\x00" * 7, "ends too early"),
        ("VDOT", encode_input(WORDS, [], [[]]) + (MAX_LENGTH + 1).to_bytes(32, "big"), "over the maximum"),
        ("VDOT", encode_input(WORDS, [], [[1], [2]]).replace((2).to_bytes(32, "big"), (2**127).to_bytes(32, "big")),
         "outside int128"),
        ("VDOT", encode_input(WORDS, [], [[1], [INT128_MIN]])[:-32] + (INT128_MIN - 1).to_bytes(32, "big", signed=True),
         "outside int128"),
        ("VDOT", encode_input(PACKED, [], [[1, 2], [3]]), "length mismatch"),
        ("VSQDIST", encode_input(WORDS, [0], [[1], [2]]), "divisor"),
        ("VSQDIST", encode_input(WORDS, [1], [[1], [2, 3]]), "length mismatch"),
        ("VNEAREST", encode_input(WORDS, [0, 1], [[1], [2]]), "divisor"),
        ("VNEAREST", encode_input(WORDS, [1, 0], [[1], []]), "k"),
        ("VNEAREST", encode_input(WORDS, [1, 2], [[1], [2]]), "length mismatch"),
        ("VNEAREST", encode_input(PACKED, [1, 1], [[1, 1], [2, 2, 2]]), "length mismatch"),
        ("VPERCEPTRON", encode_input(WORDS, [1, 0], [[1], [2]]), "scale"),
        ("VPERCEPTRON", encode_input(WORDS, [1, 1], [[1], []]), "length mismatch"),
        ("VCENTROID", encode_input(WORDS, [1], [[1, 2], [2]]), "length mismatch"),
        ("VSPARSEDOT", encode_input(WORDS, [2], [[1], [0]]), "hasValues"),
        ("VSPARSEDOT", encode_input(WORDS, [0], [[1, 2], [2]]), "out of range"),
        ("VSPARSEDOT", encode_input(WORDS, [0], [[1, 2], [-1]]), "out of range"),
        ("VSPARSEDOT", encode_input(WORDS, [0], [[1, 2], [2**100]]), "out of range"),
        ("VSPARSEDOT", encode_input(WORDS, [0], [[], [0]]), "out of range"),
        ("VSPARSEDOT", encode_input(WORDS, [1], [[1, 2], [0], [1, 2]]), "length mismatch"),
        ("VSPARSEDOT", encode_input(WORDS, [1], [[1, 2], [0]]), "ends too early"),  # hasValues but no vals
        ("VSPARSEDOT", encode_input(WORDS, [0], [[1, 2], [0], [1]]), "trailing"),  # vals without hasValues
        ("VSPARSEADD", encode_input(PACKED, [1, 0], [[1, 2], [5]]), "out of range"),
        ("VSPARSEADD", encode_input(PACKED, [1, 3], [[1, 2], [1]]), "hasValues"),
        ("VSPARSEADD", encode_input(PACKED, [1, 1], [[1, 2], [1], []]), "length mismatch"),
        ("VARGMAX", encode_input(PACKED, [], [[]]), "empty"),
        ("VARGMAX", encode_input(WORDS, [], [[]]), "empty"),
        ("VCOUNTEQ", encode_input(WORDS, [], [[1], [1, 1]]), "length mismatch"),
        ("VNORM", encode_input(WORDS, [], [[1]]) + b"\x00" * 32, "trailing"),
        ("VCENTROID", encode_input(PACKED, [], []), "ends too early"),  # the parameter is missing
    ]


@pytest.mark.parametrize("name, data, reason", failure_cases())
def test_failure_rules(ml_chain, name, data, reason):
    with pytest.raises(PrecompileInputError, match=reason):
        reference.evaluate(name, data)
    result = call(ml_chain, name, data)
    assert_failed_with_all_gas(result)
    assert result.error.startswith(f"{name}: ") and reason in result.error


# (params, vectors) of each op, for counting n from an input's length.
SHAPES = {
    "VDOT": (0, 2), "VSQDIST": (1, 2), "VNORM": (0, 1), "VNEAREST": (2, 2), "VPERCEPTRON": (2, 2),
    "VCENTROID": (1, 2), "VSPARSEDOT": (1, 2), "VSPARSEADD": (2, 2), "VARGMAX": (0, 1), "VCOUNTEQ": (0, 2),
}


def precompile_frame(chain, name: str, data: bytes, gas: int | None = None) -> dict:
    """The callTracer frame of the precompile, called from a contract with ``gas``."""
    contract = b"\x0c" * 20
    chain.set_code(contract, forwarder(int.from_bytes(ADDRESS[name], "big"), gas))
    top = trace_call(chain, CallRequest(to=contract, data=data), "latest", {"tracer": "callTracer"})
    assert "error" not in top  # the caller carries on whatever the precompile did
    (frame,) = top["calls"]
    return frame


@pytest.mark.parametrize("name", NAMES)
def test_gas_is_charged_before_any_work(chain, name, monkeypatch):
    """The charge comes from the input's length alone: one gas short, nothing is parsed or computed."""
    data = encode_input(PACKED, [0, 0], [[1] * 40, [1] * 30])
    params, vector_count = SHAPES[name]
    cost = GAS[name].cost(element_count(data, params, vector_count), ELEMENT_BYTES[PACKED])

    enough = precompile_frame(chain, name, data, gas=cost)
    assert "out of gas" not in enough.get("error", "")  # it may fail on the input, but not for gas

    parsed = []
    original = ops.VectorReader.__init__
    monkeypatch.setattr(ops.VectorReader, "__init__", lambda self, data: (parsed.append(data), original(self, data))[1])
    short = precompile_frame(chain, name, data, gas=cost - 1)
    assert short["error"] == "out of gas" and int(short["gasUsed"], 16) == cost - 1
    assert parsed == []


def test_gas_counts_every_input_element(ml_chain):
    for layout in (WORDS, PACKED):
        for name, params, vecs in [
            ("VSPARSEDOT", [1], [[1, 2, 3], [0, 2], [5, 6]]),
            ("VSPARSEDOT", [0], [[1, 2, 3], [0, 2]]),
            ("VSPARSEADD", [9, 1], [[1, 2, 3], [0, 2], [5, 6]]),
            ("VSPARSEADD", [9, 0], [[1, 2, 3], [0]]),
            ("VNEAREST", [1, 3], [[1, 2], [1, 2, 3, 4, 5, 6]]),
        ]:
            assert check(ml_chain, name, params, vecs, layout)


# ---------------------------------------------------------------------------- the fast paths are the reference


def test_reader_arrays_match_the_codec():
    for layout in (WORDS, PACKED):
        lo, hi = element_range(layout)
        for values in ([], [0, -1, 1], [INT64_MIN, INT64_MAX], [lo, hi, 5], [2**64, -(2**64) - 1]):
            values = [max(lo, min(hi, v)) for v in values]
            reader = ops.VectorReader(encode_input(layout, [], [values]))
            array = reader.array()
            reader.finish()
            assert (array.tolist() if isinstance(array, np.ndarray) else array) == values
            fits = all(INT64_MIN <= v <= INT64_MAX for v in values)
            assert isinstance(array, np.ndarray) == fits


def test_encode_array_is_encode_vector():
    values = [INT64_MIN, INT64_MAX, 0, -1, 1, 12345, -98765]
    assert ops._encode_array(np.array(values, dtype=np.int64)) == encode_vector(values)
    assert ops._encode_array(np.array([], dtype=np.int64)) == encode_vector([])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(INT64_MIN, INT64_MAX), st.integers(INT64_MIN, INT64_MAX)), max_size=50))
def test_limb_dot_is_exact(pairs):
    x = np.array([a for a, _ in pairs], dtype=np.int64)
    y = np.array([b for _, b in pairs], dtype=np.int64)
    assert ops._dot(x, y) == sum(a * b for a, b in pairs)


def test_limb_dot_at_the_bounds():
    for value in (INT64_MIN, INT64_MAX):
        x = np.full(MAX_LENGTH, value, dtype=np.int64)
        assert ops._dot(x, x) == value * value * MAX_LENGTH


# ---------------------------------------------------------------------------- wiring


def test_without_ml_precompiles_the_addresses_are_empty_accounts(dev_genesis):
    chain = Chain.open(dev_genesis, None, ml_precompiles=False)
    try:
        for name, address in ADDRESS.items():
            assert chain.get_code(address) == b""
            result = chain.call(CallRequest(to=address, data=encode_input(WORDS, [], [[1], [2]]), gas=CALL_GAS))
            assert result.success and result.output == b"", name
            assert result.computation.get_gas_used() == 0
        assert chain.vm_class.__name__ == "PlainOsakaVM"
    finally:
        chain.close()


def test_cancun_has_them_too(dev_genesis):
    from vm.fork import PlainCancunVM, SumchainCancunVM, vm_class_for

    assert issubclass(vm_class_for("cancun"), SumchainCancunVM) and issubclass(vm_class_for("cancun", False), PlainCancunVM)
    assert vm_class_for("cancun", fast_paths=False) is SumchainCancunVM  # the stock interpreter
    chain = Chain.open(dev_genesis.with_overrides(hardfork="cancun"), None)
    try:
        result = call(chain, "VDOT", encode_input(PACKED, [], [[2, 3], [4, 5]]))
        assert result.success and int.from_bytes(result.output, "big") == 23
    finally:
        chain.close()


def test_registry():
    assert [p.name for p in PRECOMPILE_INFO][:10] == OPS
    assert [p.address for p in PRECOMPILE_INFO][:10] == list(range(0x0501, 0x050B))
    assert [p.name for p in PRECOMPILE_INFO][10:] in ([], ["VSTORE"])
    assert set(ML_PRECOMPILES) == {p.address_bytes for p in PRECOMPILES}
    assert all(len(address) == 20 for address in ML_PRECOMPILES)
    assert set(GAS) >= set(OPS)


def test_sumchain_precompiles_json():
    result = subprocess.run([SUMCHAIN, "precompiles", "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [entry["name"] for entry in listed] == [p.name for p in PRECOMPILES]
    for entry, precompile in zip(listed, PRECOMPILES):
        assert entry["address"] == "0x" + precompile.address_bytes.hex()
        assert entry["layout"] and entry["params"] and entry["vectors"] and entry["result"] and entry["gas"]
        if precompile.name in OPS:
            assert entry["gas"].startswith(f"{GAS[precompile.name].base} + {GAS[precompile.name].per_element} * n")
    text = subprocess.run([SUMCHAIN, "precompiles"], capture_output=True, text=True, timeout=60)
    assert text.returncode == 0 and "VSPARSEADD at 0x0508" in text.stdout


# ---------------------------------------------------------------------------- tracing


def test_call_tracer_shows_the_precompile_frame(chain):
    data = encode_input(PACKED, [], [[1, -2], [3, 4]])
    frame = precompile_frame(chain, "VDOT", data)
    assert frame["type"] == "STATICCALL" and frame["to"] == "0x" + ADDRESS["VDOT"].hex()
    assert frame["from"] == "0x" + (b"\x0c" * 20).hex() and frame["input"] == "0x" + data.hex()
    assert frame["output"] == "0x" + (-5).to_bytes(32, "big", signed=True).hex()
    assert int(frame["gasUsed"], 16) == GAS["VDOT"].cost(4, ELEMENT_BYTES[PACKED])

    frame = precompile_frame(chain, "VDOT", data + b"\x00")
    assert frame["error"] == "VDOT: 1 trailing bytes after the input" and "output" not in frame
    assert int(frame["gasUsed"], 16) == int(frame["gas"], 16)  # all of it


@settings(max_examples=200, deadline=None)
@given(bits=st.integers(1, 62), divisor=st.one_of(st.integers(1, 3037000499), st.sampled_from([10**9, 3037000499])),
       data=st.data())
def test_distances_are_exact(bits, divisor, data):
    """Both int64 ways of ops._distances (plain, and the q·divisor + r split) are the reference."""
    d, k = data.draw(st.integers(1, 30)), data.draw(st.integers(1, 4))
    element = st.integers(-(2**bits), 2**bits - 1)
    x = data.draw(st.lists(element, min_size=d, max_size=d))
    rows = [data.draw(st.lists(element, min_size=d, max_size=d)) for _ in range(k)]
    got = ops._distances(np.array(x, dtype=np.int64), np.array(rows, dtype=np.int64), divisor)
    if got is not None:
        assert got == [reference.squared_distance(divisor, x, row) for row in rows]
