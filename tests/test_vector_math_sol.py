"""contracts/lib/VectorMath.sol through contracts/test/VectorMathHarness.sol.

The whole file runs on a chain with the ML precompiles and on one without
(``Chain.open(..., ml_precompiles=...)``). On each, every operation is run in
every mode the chain has (the precompile, the Solidity fallback, and the mode
the harness detected at deployment) and compared with the plain-Python
reference (vm/precompiles/reference.py): the same result, or a failure in all
of them, with the same revert reason in every mode.
"""
from __future__ import annotations

import inspect
import json
import struct

import pytest
from eth_abi import decode, encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genesis import DEV_GENESIS
from node.chain import Chain
from node.execution import CallRequest
from tests.support import ROOT, selector

try:
    from vm.precompiles import reference
    from vm.precompiles.encoding import PrecompileInputError
except ImportError:  # the reference is written elsewhere; the tests below need it
    reference = None

ARTIFACT = ROOT / "contracts" / "build" / "VectorMathHarness.json"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT128_MIN, INT128_MAX = -(2**127), 2**127 - 1
HAS_SWITCH = "ml_precompiles" in inspect.signature(Chain.__init__).parameters

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Failed(Exception):
    """The reference failed (the precompile would fail)."""


class Reverted(Exception):
    def __init__(self, reason: str | None, output: bytes) -> None:
        super().__init__(reason)
        self.reason = reason
        self.output = output


# ---------------------------------------------------------------------------- the chain and harness


class Harness:
    def __init__(self, chain: Chain, address: bytes, ml: bool) -> None:
        self.chain = chain
        self.address = address
        self.ml = ml

    def raw(self, signature: str, args: list, gas: int | None = None):
        types = signature[signature.index("(") + 1 : -1]
        arg_types = [t for t in types.split(",") if t]
        data = selector(signature) + encode(arg_types, args)
        return self.chain.call(CallRequest(to=self.address, data=data, gas=gas))

    def call(self, signature: str, args: list, returns: str, gas: int | None = None):
        result = self.raw(signature, args, gas)
        if not result.success:
            reason = None
            if result.reverted and result.output[:4] == bytes.fromhex("08c379a0"):
                reason = decode(["string"], result.output[4:])[0]
            raise Reverted(reason, result.output)
        return decode([returns], result.output)[0]

    @property
    def modes(self) -> list[bool | None]:
        """native=True (only with precompiles), native=False, and auto-detected (None)."""
        return ([True] if self.ml else []) + [False, None]

    def run(self, name: str, types: list[str], args: list, returns: str) -> dict:
        """``name`` in every mode: {mode: result or Reverted}."""
        outcomes = {}
        for mode in self.modes:
            if mode is None:
                signature, full = f"{name}({','.join(types)})", list(args)
            else:
                signature, full = f"{name}({','.join(types + ['bool'])})", [*args, mode]
            try:
                outcomes[mode] = self.call(signature, full, returns)
            except Reverted as reverted:
                outcomes[mode] = reverted
        return outcomes


@pytest.fixture(scope="module", params=[True, False] if HAS_SWITCH else [True], ids=lambda ml: f"ml={ml}")
def harness(request):
    from node.genesis import load_genesis

    genesis = load_genesis(DEV_GENESIS)
    ml = request.param
    chain = Chain.open(genesis, None, **({"ml_precompiles": ml} if HAS_SWITCH else {}))
    code = bytes.fromhex(json.loads(ARTIFACT.read_text())["bytecode"][2:])
    receipt = chain.get_receipt(chain.send_transaction(chain.accounts[0].address, data=code, gas=5_000_000))
    assert receipt.status == 1
    instance = Harness(chain, receipt.contract_address, ml)
    # Without the switch, the chain has precompiles exactly when the node registers them.
    instance.ml = instance.call("precompiles()", [], "bool") if not HAS_SWITCH else ml
    yield instance
    chain.close()


# ---------------------------------------------------------------------------- the reference


def expect(function, *args):
    """The reference's result, or Failed."""
    if reference is None:
        pytest.skip("vm/precompiles/reference.py is not there yet")
    try:
        return getattr(reference, function)(*args)
    except PrecompileInputError as error:
        raise Failed(str(error)) from None


def agree(harness: Harness, name: str, types: list[str], args: list, returns: str, ref: str, ref_args: list,
          reason: str | None = None):
    """Every mode gives the reference's result, or every mode reverts with one reason."""
    outcomes = harness.run(name, types, args, returns)
    try:
        wanted = expect(ref, *ref_args)
    except Failed as failure:
        reasons = {mode: getattr(outcome, "reason", outcome) for mode, outcome in outcomes.items()}
        assert all(isinstance(outcome, Reverted) for outcome in outcomes.values()), (failure, reasons)
        assert len(set(reasons.values())) == 1, reasons
        (got,) = set(reasons.values())
        assert got is not None and got.startswith("VectorMath: "), reasons
        if reason is not None:
            assert got == reason, (failure, reasons)
        return got
    for mode, outcome in outcomes.items():
        assert not isinstance(outcome, Reverted), (mode, outcome.reason, wanted)
        got = list(outcome) if isinstance(outcome, tuple) else outcome
        assert got == wanted, (mode, got, wanted)
    assert reason is None, f"expected a revert ({reason}), got {wanted}"
    return wanted


# ---------------------------------------------------------------------------- strategies

EXTREMES = [INT64_MIN, INT64_MAX, 0, 1, -1]
int64s = st.one_of(st.sampled_from(EXTREMES), st.integers(INT64_MIN, INT64_MAX))
# mostly int64 data; sometimes int128 weights, whose products overflow int256 in long sums
elements = st.one_of(int64s, int64s, int64s, st.integers(INT128_MIN, INT128_MAX), st.sampled_from([INT128_MIN, INT128_MAX]))
divisors = st.one_of(st.sampled_from([1, 2, 10**9, 2**256 - 1]), st.integers(1, 2**256 - 1))


def vectors(count: int, min_size: int = 0, max_size: int = 64, values=elements):
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(*[st.lists(values, min_size=n, max_size=n) for _ in range(count)])
    )


def packed(v: list[int]) -> bytes:
    return b"".join(struct.pack(">q", e) for e in v)


# ---------------------------------------------------------------------------- detection


def test_detection_at_deployment(harness):
    assert harness.call("precompiles()", [], "bool") is harness.ml
    assert harness.call("probe()", [], "bool") is harness.ml


def test_spec_example(harness):
    assert agree(harness, "dot", ["int256[]", "int256[]"], [[1, -2], [3, 4]], "int256", "vdot", [[1, -2], [3, 4]]) == -5


def test_native_without_precompiles_says_so(harness):
    if harness.ml:
        pytest.skip("the chain has the precompiles")
    with pytest.raises(Reverted) as caught:
        harness.call("dot(int256[],int256[],bool)", [[1], [2], True], "int256")
    assert caught.value.reason == "VectorMath: precompiles unavailable"


# ---------------------------------------------------------------------------- properties


@SETTINGS
@given(vs=vectors(2))
def test_dot(harness, vs):
    x, y = vs
    agree(harness, "dot", ["int256[]", "int256[]"], [x, y], "int256", "vdot", [x, y])


@SETTINGS
@given(vs=vectors(2), divisor=divisors)
def test_sq_dist(harness, vs, divisor):
    x, y = vs
    agree(harness, "sqDist", ["int256[]", "int256[]", "uint256"], [x, y, divisor], "int256", "vsqdist", [divisor, x, y])


@SETTINGS
@given(vs=vectors(1))
def test_norm(harness, vs):
    (x,) = vs
    agree(harness, "norm", ["int256[]"], [x], "uint256", "vnorm", [x])


@SETTINGS
@given(d=st.integers(0, 12), k=st.integers(1, 5), divisor=divisors, data=st.data())
def test_nearest(harness, d, k, divisor, data):
    small = st.integers(-50, 50)  # small values make ties likely
    values = data.draw(st.sampled_from([small, elements]))
    x = data.draw(st.lists(values, min_size=d, max_size=d))
    c = data.draw(st.lists(values, min_size=k * d, max_size=k * d))
    agree(harness, "nearest", ["int256[]", "int256[]", "uint256", "uint256"], [x, c, k, divisor], "uint256",
          "vnearest", [divisor, k, x, c])


@SETTINGS
@given(vs=vectors(2), rate=st.one_of(st.integers(-(10**18), 10**18), st.integers(-(2**255), 2**255 - 1)),
       scale=divisors)
def test_perceptron_update(harness, vs, rate, scale):
    w, x = vs
    agree(harness, "perceptronUpdate", ["int256[]", "int256[]", "int256", "uint256"], [w, x, rate, scale], "int256[]",
          "vperceptron", [rate, scale, w, x])


@SETTINGS
@given(vs=vectors(2), n=st.one_of(st.integers(0, 1000), st.sampled_from([2**255 - 2, 2**255 - 1, 2**255, 2**256 - 1]),
                                   st.integers(0, 2**256 - 1)))
def test_centroid_update(harness, vs, n):
    c, x = vs
    agree(harness, "centroidUpdate", ["int256[]", "int256[]", "uint256"], [c, x, n], "int256[]", "vcentroid", [n, c, x])


@SETTINGS
@given(d=st.integers(1, 32), data=st.data())
def test_sparse_dot(harness, d, data):
    w = data.draw(st.lists(elements, min_size=d, max_size=d))
    idx = data.draw(st.lists(st.integers(0, d - 1), max_size=40))
    vals = data.draw(st.lists(elements, min_size=len(idx), max_size=len(idx)))
    agree(harness, "sparseDot", ["int256[]", "uint256[]"], [w, idx], "int256", "vsparsedot", [w, idx, None])
    agree(harness, "sparseDot", ["int256[]", "uint256[]", "int256[]"], [w, idx, vals], "int256", "vsparsedot",
          [w, idx, vals])


@SETTINGS
@given(d=st.integers(1, 32), delta=st.one_of(int64s, st.integers(-(2**255), 2**255 - 1)), data=st.data())
def test_sparse_add(harness, d, delta, data):
    w = data.draw(st.lists(elements, min_size=d, max_size=d))
    idx = data.draw(st.lists(st.integers(0, d - 1), max_size=40))
    vals = data.draw(st.lists(elements, min_size=len(idx), max_size=len(idx)))
    agree(harness, "sparseAdd", ["int256[]", "uint256[]", "int256"], [w, idx, delta], "int256[]", "vsparseadd",
          [delta, w, idx, None])
    agree(harness, "sparseAdd", ["int256[]", "uint256[]", "int256[]"], [w, idx, vals], "int256[]", "vsparseadd",
          [0, w, idx, vals])


@SETTINGS
@given(vs=vectors(1, min_size=1, values=st.one_of(elements, st.integers(-3, 3))))
def test_argmax(harness, vs):
    (x,) = vs
    agree(harness, "argmax", ["int256[]"], [x], "uint256", "vargmax", [x])


@SETTINGS
@given(vs=vectors(2, values=st.integers(-2, 2)))
def test_count_equal(harness, vs):
    x, y = vs
    agree(harness, "countEqual", ["int256[]", "int256[]"], [x, y], "uint256", "vcounteq", [x, y])


def test_long_vectors(harness):
    d = 1000
    x = [(i * 7919) % 2001 - 1000 for i in range(d)]
    y = [INT64_MAX if i % 3 == 0 else INT64_MIN + i for i in range(d)]
    agree(harness, "dot", ["int256[]", "int256[]"], [x, y], "int256", "vdot", [x, y])
    agree(harness, "sqDist", ["int256[]", "int256[]", "uint256"], [x, y, 10**9], "int256", "vsqdist", [10**9, x, y])
    agree(harness, "perceptronUpdate", ["int256[]", "int256[]", "int256", "uint256"], [x, y, -(10**7), 10**9],
          "int256[]", "vperceptron", [-(10**7), 10**9, x, y])


# ---------------------------------------------------------------------------- failures


BIG = 2**127  # just outside int128
FAILURES = [
    # (name, types, args, reference function, reference args, reason)
    ("dot", ["int256[]", "int256[]"], [[1, 2], [3]], "vdot", [[1, 2], [3]], "VectorMath: length mismatch"),
    ("dot", ["int256[]", "int256[]"], [[1, BIG], [3, 4]], "vdot", [[1, BIG], [3, 4]], "VectorMath: element out of range"),
    ("dot", ["int256[]", "int256[]"], [[1, 2], [-BIG - 1, 4]], "vdot", [[1, 2], [-BIG - 1, 4]],
     "VectorMath: element out of range"),
    ("dot", ["int256[]", "int256[]"], [[INT128_MIN, INT128_MIN], [INT128_MIN, INT128_MIN]], "vdot",
     [[INT128_MIN, INT128_MIN], [INT128_MIN, INT128_MIN]], "VectorMath: overflow"),
    # out-of-range beats overflow, wherever the elements are
    ("dot", ["int256[]", "int256[]"], [[INT128_MIN, INT128_MIN, BIG], [INT128_MIN, INT128_MIN, 0]], "vdot",
     [[INT128_MIN, INT128_MIN, BIG], [INT128_MIN, INT128_MIN, 0]], "VectorMath: element out of range"),
    ("sqDist", ["int256[]", "int256[]", "uint256"], [[1], [2], 0], "vsqdist", [0, [1], [2]], "VectorMath: zero divisor"),
    ("sqDist", ["int256[]", "int256[]", "uint256"], [[1], [2, 3], 1], "vsqdist", [1, [1], [2, 3]],
     "VectorMath: length mismatch"),
    ("sqDist", ["int256[]", "int256[]", "uint256"], [[INT128_MIN, INT128_MIN], [INT128_MAX, INT128_MAX], 1], "vsqdist",
     [1, [INT128_MIN, INT128_MIN], [INT128_MAX, INT128_MAX]], "VectorMath: overflow"),
    ("norm", ["int256[]"], [[BIG]], "vnorm", [[BIG]], "VectorMath: element out of range"),
    ("nearest", ["int256[]", "int256[]", "uint256", "uint256"], [[1, 2], [1, 2, 3], 2, 1], "vnearest",
     [1, 2, [1, 2], [1, 2, 3]], "VectorMath: length mismatch"),
    ("nearest", ["int256[]", "int256[]", "uint256", "uint256"], [[1, 2], [1, 2], 0, 1], "vnearest",
     [1, 0, [1, 2], [1, 2]], "VectorMath: empty vector"),
    ("nearest", ["int256[]", "int256[]", "uint256", "uint256"], [[1, 2], [1, 2], 1, 0], "vnearest",
     [0, 1, [1, 2], [1, 2]], "VectorMath: zero divisor"),
    ("nearest", ["int256[]", "int256[]", "uint256", "uint256"], [[], [1], 1, 1], "vnearest",
     [1, 1, [], [1]], "VectorMath: length mismatch"),
    ("nearest", ["int256[]", "int256[]", "uint256", "uint256"], [[1], [0, BIG], 2, 1], "vnearest",
     [1, 2, [1], [0, BIG]], "VectorMath: element out of range"),
    ("perceptronUpdate", ["int256[]", "int256[]", "int256", "uint256"], [[1], [1], 1, 0], "vperceptron",
     [1, 0, [1], [1]], "VectorMath: zero divisor"),
    ("perceptronUpdate", ["int256[]", "int256[]", "int256", "uint256"], [[1], [1, 2], 1, 1], "vperceptron",
     [1, 1, [1], [1, 2]], "VectorMath: length mismatch"),
    ("perceptronUpdate", ["int256[]", "int256[]", "int256", "uint256"], [[1], [INT128_MAX], 2**255 - 1, 1],
     "vperceptron", [2**255 - 1, 1, [1], [INT128_MAX]], "VectorMath: overflow"),
    ("perceptronUpdate", ["int256[]", "int256[]", "int256", "uint256"], [[-1], [1], -(2**255), 1],
     "vperceptron", [-(2**255), 1, [-1], [1]], "VectorMath: overflow"),
    ("centroidUpdate", ["int256[]", "int256[]", "uint256"], [[1], [], 1], "vcentroid", [1, [1], []],
     "VectorMath: length mismatch"),
    ("centroidUpdate", ["int256[]", "int256[]", "uint256"], [[1], [-BIG - 1], 1], "vcentroid", [1, [1], [-BIG - 1]],
     "VectorMath: element out of range"),
    ("sparseDot", ["int256[]", "uint256[]"], [[1, 2], [2]], "vsparsedot", [[1, 2], [2], None],
     "VectorMath: index out of range"),
    ("sparseDot", ["int256[]", "uint256[]"], [[1, 2], [2**256 - 1]], "vsparsedot", [[1, 2], [-1], None],
     "VectorMath: index out of range"),
    ("sparseDot", ["int256[]", "uint256[]"], [[], [0]], "vsparsedot", [[], [0], None],
     "VectorMath: index out of range"),
    ("sparseDot", ["int256[]", "uint256[]", "int256[]"], [[1, 2], [0], [1, 2]], "vsparsedot", [[1, 2], [0], [1, 2]],
     "VectorMath: length mismatch"),
    ("sparseDot", ["int256[]", "uint256[]"], [[1, BIG], [0]], "vsparsedot", [[1, BIG], [0], None],
     "VectorMath: element out of range"),
    ("sparseDot", ["int256[]", "uint256[]", "int256[]"], [[INT128_MIN], [0, 0], [INT128_MIN, INT128_MIN]],
     "vsparsedot", [[INT128_MIN], [0, 0], [INT128_MIN, INT128_MIN]], "VectorMath: overflow"),
    ("sparseAdd", ["int256[]", "uint256[]", "int256"], [[1, 2], [5], 1], "vsparseadd", [1, [1, 2], [5], None],
     "VectorMath: index out of range"),
    ("sparseAdd", ["int256[]", "uint256[]", "int256"], [[1, 2], [1], 2**255 - 1], "vsparseadd",
     [2**255 - 1, [1, 2], [1], None], "VectorMath: overflow"),
    ("sparseAdd", ["int256[]", "uint256[]", "int256"], [[-1, 2], [0, 0], -(2**255) + 1], "vsparseadd",
     [-(2**255) + 1, [-1, 2], [0, 0], None], "VectorMath: overflow"),
    ("sparseAdd", ["int256[]", "uint256[]", "int256[]"], [[1, 2], [1, 1], [1]], "vsparseadd", [0, [1, 2], [1, 1], [1]],
     "VectorMath: length mismatch"),
    ("sparseAdd", ["int256[]", "uint256[]", "int256[]"], [[1, 2], [1], [BIG]], "vsparseadd", [0, [1, 2], [1], [BIG]],
     "VectorMath: element out of range"),
    ("argmax", ["int256[]"], [[]], "vargmax", [[]], "VectorMath: empty vector"),
    ("argmax", ["int256[]"], [[0, BIG]], "vargmax", [[0, BIG]], "VectorMath: element out of range"),
    ("countEqual", ["int256[]", "int256[]"], [[1, 2], [1]], "vcounteq", [[1, 2], [1]], "VectorMath: length mismatch"),
    ("countEqual", ["int256[]", "int256[]"], [[BIG], [BIG]], "vcounteq", [[BIG], [BIG]],
     "VectorMath: element out of range"),
]


@pytest.mark.parametrize("case", FAILURES, ids=lambda case: f"{case[0]}-{case[5].split(': ')[1]}")
def test_failures_revert_with_one_reason_in_every_mode(harness, case):
    name, types, args, ref, ref_args, reason = case
    returns = "int256[]" if name in ("perceptronUpdate", "centroidUpdate", "sparseAdd") else (
        "int256" if name in ("dot", "sqDist", "sparseDot") else "uint256")
    agree(harness, name, types, args, returns, ref, ref_args, reason)


def test_over_max_length_is_refused_before_the_precompile(harness):
    x = [0] * 65_537
    outcomes = harness.run("argmax", ["int256[]"], [x], "uint256")
    assert {mode: o.reason for mode, o in outcomes.items()} == {m: "VectorMath: vector too long" for m in outcomes}


def test_native_failure_keeps_the_reason_with_little_gas(harness):
    """The precompile's failure burns the gas given to it; the fallback still names the cause."""
    if not harness.ml:
        pytest.skip("needs the precompiles")
    x = [INT128_MIN] * 4
    with pytest.raises(Reverted) as caught:
        harness.call("dot(int256[],int256[],bool)", [x, x, True], "int256", gas=3_000_000)
    assert caught.value.reason == "VectorMath: overflow"


# ---------------------------------------------------------------------------- calldata and packed entry points


@SETTINGS
@given(vs=vectors(2, values=int64s), divisor=st.sampled_from([1, 7, 10**9]))
def test_calldata_and_packed_entry_points(harness, vs, divisor):
    x, y = vs
    modes = [m for m in harness.modes if m is not None]
    want_dot = expect("vdot", x, y)
    want_sq = expect("vsqdist", divisor, x, y)
    for native in modes:
        assert harness.call("dotCalldata(int64[],int64[],bool)", [x, y, native], "int256") == want_dot
        assert harness.call("sqDistCalldata(int64[],int64[],uint256,bool)", [x, y, divisor, native], "int256") == want_sq
        assert harness.call("dotPacked(bytes,bytes,bool)", [packed(x), packed(y), native], "int256") == want_dot
        assert harness.call("sqDistPacked(bytes,bytes,uint256,bool)", [packed(x), packed(y), divisor, native],
                            "int256") == want_sq
        if x:
            want_argmax = expect("vargmax", x)
            assert harness.call("argmaxCalldata(int64[],bool)", [x, native], "uint256") == want_argmax
            assert harness.call("argmaxPacked(bytes,bool)", [packed(x), native], "uint256") == want_argmax
            k = 1 + len(y) // max(1, len(x))
            centroids = (y * k)[: k * len(x)]
            assert harness.call("nearestPacked(bytes,bytes,uint256,uint256,bool)",
                                [packed(x), packed(centroids), k, divisor, native], "uint256") \
                == expect("vnearest", divisor, k, x, centroids)


def test_calldata_words_outside_int64_follow_the_int128_rule(harness):
    """An int64[] argument's tail is passed as it is (unaccessed calldata is not cleaned by the
    ABI decoder): both modes see the same words and apply the int128 rule to them."""
    signature = "dotCalldata(int64[],int64[],bool)"
    x0 = 32 * 4  # words: offset of x, offset of y, native, length of x, x[0]

    def dot_with(x0_word: int, native: bool):
        body = bytearray(encode(["int64[]", "int64[]", "bool"], [[1, 2], [3, 4], native]))
        body[x0 : x0 + 32] = x0_word.to_bytes(32, "big")
        result = harness.chain.call(CallRequest(to=harness.address, data=selector(signature) + bytes(body)))
        if result.success:
            return decode(["int256"], result.output)[0]
        return decode(["string"], result.output[4:])[0]

    for native in [m for m in harness.modes if m is not None]:
        assert dot_with(2**100, native) == 2**100 * 3 + 2 * 4
        assert dot_with(2**127, native) == "VectorMath: element out of range"


@pytest.mark.parametrize("native", [True, False])
def test_bad_packed_length(harness, native):
    if native and not harness.ml:
        pytest.skip("needs the precompiles")
    with pytest.raises(Reverted) as caught:
        harness.call("dotPacked(bytes,bytes,bool)", [b"\x00" * 8, b"\x00" * 7, native], "int256")
    assert caught.value.reason == "VectorMath: bad packed length"


# ---------------------------------------------------------------------------- gas


def test_dot_gas(harness):
    """Gas of VectorMath.dot alone (measured in the harness with gasleft), and of the whole eth_call."""
    rows = []
    used = {}
    for d in (10, 100, 1000):
        x = [INT64_MAX - i for i in range(d)]
        y = [INT64_MIN + i for i in range(d)]
        for native in [m for m in harness.modes if m is not None]:
            r, gas = harness.call("dotGas(int256[],int256[],bool)", [x, y, native], "(int256,uint256)")
            assert r == sum(a * b for a, b in zip(x, y))
            r_packed, gas_packed = harness.call("dotPackedGas(bytes,bytes,bool)", [packed(x), packed(y), native],
                                                "(int256,uint256)")
            assert r_packed == r
            whole = harness.raw("dot(int256[],int256[],bool)", [x, y, native]).gas_used
            used[d, native] = gas
            rows.append(f"d={d:5} {'native  ' if native else 'fallback'}: library {gas:9,} gas"
                        f" (packed {gas_packed:9,}); whole eth_call {whole:9,} gas")
    print(f"\nVectorMath.dot gas (ml_precompiles={harness.ml}):\n" + "\n".join(rows))
    if harness.ml:
        assert used[1000, True] < used[1000, False]


# ---------------------------------------------------------------------------- in place or copied

APART_OPS = {  # op number: (name, argument types after the arrays, reference, reference arguments)
    0: ("dot", [], "int256", lambda a, b, p1, p2: [a, b]),
    1: ("sqDist", ["uint256"], "int256", None),
    2: ("nearest", ["uint256", "uint256"], "uint256", None),
    3: ("perceptronUpdate", ["int256", "uint256"], "int256[]", None),
    4: ("centroidUpdate", ["uint256"], "int256[]", None),
    5: ("countEqual", [], "uint256", None),
}


@SETTINGS
@given(op=st.sampled_from(sorted(APART_OPS)), vs=vectors(2, max_size=12), data=st.data())
def test_arrays_apart_in_memory_give_what_arrays_side_by_side_give(harness, op, vs, data):
    """The library calls the precompile over ABI-decoded arrays in place (they lie side by side);
    arrays apart in memory are copied into a fresh input: the same answer or the same revert."""
    name, extra, returns, _ = APART_OPS[op]
    a, b = vs
    p1 = data.draw(st.integers(1, 3) if op == 2 else st.integers(0, 10**9 + 7))
    p2 = data.draw(st.sampled_from([1, 7, 10**9]))
    if op == 2:  # nearest: b holds k centroids of a's dimension
        b = (a * p1)[: len(a) * p1]
    side_by_side = {1: [p1], 2: [p1, p2], 3: [p1, p2], 4: [p1]}.get(op, [])
    for native in [m for m in harness.modes if m is not None]:
        try:
            wanted = harness.call(f"{name}({','.join(['int256[]', 'int256[]'] + extra + ['bool'])})",
                                  [a, b, *side_by_side, native], returns)
        except Reverted as reverted:
            wanted = reverted.reason
        try:
            encoded = harness.call("apart(uint8,int256[],int256[],uint256,uint256,bool)",
                                   [op, a, b, p1, p2, native], "bytes")
            got = decode([returns], encoded)[0]
        except Reverted as reverted:
            got = reverted.reason
        assert got == wanted, (name, native, got, wanted)
