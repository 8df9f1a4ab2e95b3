"""VectorStore.sol's perceptron step and packed entry points (dotPacked, addScaledPacked,
centroidPacked, perceptronPacked, nearestPacked) and VectorMath.normPacked, through the harnesses.

Every packed function must give what its words twin gives, in results, stored state and revert
reasons, on a node with the store ("native") and without it ("fallback"); results and state are
also checked against vm/precompiles/store_reference.py's model.
"""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from web3.exceptions import ContractLogicError

from tests.sum_support import pack, revert_reason
from vm.precompiles.store_reference import StoreFailure, VectorStoreModel

INT64 = 2**63
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def harness(sum_node):
    contract, _ = sum_node.deploy("VectorStoreHarness", False)
    assert contract.functions.storeAvailable().call() == (sum_node.mode == "native")
    return contract


@pytest.fixture(scope="module")
def math(sum_node):
    contract, _ = sum_node.deploy("VectorMathHarness")
    return contract


def _key(n: int) -> bytes:
    return n.to_bytes(32, "big")


def _outcome(call, sender):
    """('ok', value) or ('revert', reason) of an eth_call."""
    try:
        return "ok", call.call({"from": sender})
    except ContractLogicError as error:
        return "revert", error.message.removeprefix("execution reverted: ")


def _apply(node, call):
    """eth_call first (result or reason); send it when it succeeds."""
    outcome = _outcome(call, node.accounts[0])
    if outcome[0] == "ok":
        assert node.transact(call).status == 1
    return outcome


def _model(callable_, *args):
    try:
        return "ok", callable_(*args)
    except StoreFailure:
        return "fail", None


int64s = st.integers(-(2**40), 2**40)
settings_ = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_
@given(
    d=st.integers(0, 10),
    width=st.sampled_from([8, 16]),
    data=st.data(),
    rate=st.one_of(st.integers(-(2**32), 2**32), st.integers(-(2**127), 2**127 - 1)),
    scale=st.integers(1, 10**12),
    n=st.integers(0, 2**64),
    bias=st.integers(-(2**100), 2**100),
    label=st.integers(0, 1),
)
def test_packed_matches_words(sum_node, harness, d, width, data, rate, scale, n, bias, label):
    v = data.draw(st.lists(int64s, min_size=d, max_size=d))
    x = data.draw(st.lists(st.integers(-INT64, INT64 - 1), min_size=d, max_size=d))
    me = harness.address
    owner = bytes.fromhex(me[2:])
    f = harness.functions
    words_id, packed_id = _key(next(_ids)), _key(next(_ids))
    model = VectorStoreModel()
    for key in (words_id, packed_id):
        assert _apply(sum_node, f.set(key, width, v))[0] == "ok"
        model.set(owner, int.from_bytes(key, "big"), width, v)
    w, p = int.from_bytes(words_id, "big"), int.from_bytes(packed_id, "big")

    # reads
    expected = _model(model.dot, owner, w, x)
    got = _outcome(f.dot(me, words_id, x), me), _outcome(f.dotPacked(me, packed_id, pack(x)), me)
    assert got[0] == got[1]
    if expected[0] == "ok" and -(2**255) <= expected[1] < 2**255:
        assert got[0] == expected
    ids = [words_id, packed_id, _key(0)]  # key 0 is absent: it reads as empty
    assert _outcome(f.nearest(me, scale, ids, x), me) == _outcome(f.nearestPacked(me, scale, ids, pack(x)), me)

    # writes, one op at a time on both vectors
    for op, words_call, packed_call, reference in [
        ("addScaled", f.addScaled(words_id, rate, scale, x), f.addScaledPacked(packed_id, rate, scale, pack(x)),
         lambda m, i: m.add_scaled(owner, i, rate, scale, x)),
        ("centroid", f.centroid(words_id, n, x), f.centroidPacked(packed_id, n, pack(x)),
         lambda m, i: m.centroid(owner, i, n, x)),
        ("perceptron", f.perceptron(words_id, bias, rate, scale, label, x),
         f.perceptronPacked(packed_id, bias, rate, scale, label, pack(x)),
         lambda m, i: m.perceptron(owner, i, bias, rate, scale, label, x)),
    ]:
        a = _apply(sum_node, words_call)
        b = _apply(sum_node, packed_call)
        assert a == b, op
        ra = _model(reference, model, w)
        rb = _model(reference, model, p)
        assert ra[0] == rb[0] == ("ok" if a[0] == "ok" else "fail"), op
        if op == "perceptron" and a[0] == "ok":
            assert a[1] == ra[1]
        stored = f.get(me, words_id).call()
        assert stored == f.get(me, packed_id).call() == model.get(owner, w), op


def test_perceptron_step(sum_node, harness):
    """Predicts with the weights before the call; rewrites them only on a mistake (label 0: −rate)."""
    f, me = harness.functions, harness.address
    key = _key(next(_ids))
    _apply(sum_node, f.set(key, 16, [3, -2, 5]))
    x = [10**9, 2 * 10**9, -(10**9)]  # 3e9 − 4e9 − 5e9 = −6e9
    assert _apply(sum_node, f.perceptron(key, 6 * 10**9, 7, 10**9, 1, x)) == ("ok", 0)  # 0: not > 0
    assert f.get(me, key).call() == [3 + 7, -2 + 14, 5 - 7]
    # now Σ = 10e9 + 24e9 + 2e9 = 36e9 > 0: predicts 1, label 1 agrees, no change
    assert _apply(sum_node, f.perceptron(key, 0, 7, 10**9, 1, x)) == ("ok", 1)
    assert f.get(me, key).call() == [10, 12, -2]
    assert _apply(sum_node, f.perceptron(key, 0, 7, 10**9, 0, x)) == ("ok", 1)
    assert f.get(me, key).call() == [3, -2, 5]
    # rate = −2^255 with label 0: the step is +2^255 in the spec's unbounded arithmetic
    assert _apply(sum_node, f.perceptron(key, 0, -(2**255), 2**250, 0, [0, 0, 0])) == ("ok", 0)
    assert f.get(me, key).call() == [3, -2, 5]
    assert _apply(sum_node, f.perceptron(key, 1, -(2**255), 2**250, 0, [1, -1, 0])) == ("ok", 1)
    assert f.get(me, key).call() == [3 + 32, -2 - 32, 5]


def test_packed_reasons(sum_node, harness):
    f, me = harness.functions, harness.address
    sender = sum_node.accounts[0]
    key = _key(next(_ids))
    _apply(sum_node, f.set(key, 8, [1, 2]))
    odd = b"\x00" * 15
    for call in [
        f.dotPacked(me, key, odd),
        f.addScaledPacked(key, 1, 1, odd),
        f.centroidPacked(key, 1, odd),
        f.perceptronPacked(key, 0, 1, 1, 0, odd),
        f.nearestPacked(me, 1, [key], odd),
    ]:
        assert revert_reason(call, sender) == "VectorStore: bad packed length"
    two = pack([1, 2])
    assert revert_reason(f.nearestPacked(me, 1, [_key(2**63)], two), sender) == "VectorStore: id out of range"
    assert revert_reason(f.nearest(me, 1, [_key(2**127)], [1, 2]), sender) == "VectorStore: id out of range"
    assert revert_reason(f.nearestPacked(me, 0, [key], two), sender) == "VectorStore: zero divisor"
    assert revert_reason(f.nearestPacked(me, 1, [], two), sender) == "VectorStore: no ids"
    for call in [f.perceptron(key, 0, 1, 1, 2, [1, 2]), f.perceptronPacked(key, 0, 1, 1, 2, two)]:
        assert revert_reason(call, sender) == "VectorStore: bad label"
    for call in [f.perceptron(key, 0, 1, 0, 1, [1, 2]), f.perceptronPacked(key, 0, 1, 0, 1, two),
                 f.addScaledPacked(key, 1, 0, two)]:
        assert revert_reason(call, sender) == "VectorStore: zero divisor"
    absent = _key(next(_ids))
    for call in [f.perceptron(absent, 0, 1, 1, 1, [1, 2]), f.perceptronPacked(absent, 0, 1, 1, 1, two),
                 f.addScaledPacked(absent, 1, 1, two), f.centroidPacked(absent, 1, two)]:
        assert revert_reason(call, sender) == "VectorStore: no such vector"
    three = pack([1, 2, 3])
    for call in [f.perceptronPacked(key, 0, 1, 1, 1, three), f.addScaledPacked(key, 1, 1, three),
                 f.centroidPacked(key, 1, three), f.dotPacked(me, key, three), f.nearestPacked(me, 1, [key], three)]:
        assert revert_reason(call, sender) == "VectorStore: length mismatch"
    huge = pack([INT64 - 1, INT64 - 1])
    for call in [f.perceptronPacked(key, 0, 2, 1, 0, huge), f.addScaledPacked(key, 2, 1, huge)]:
        assert revert_reason(call, sender) == "VectorStore: element does not fit"


@settings_
@given(x=st.lists(st.integers(-INT64, INT64 - 1), max_size=20))
def test_norm_packed(math, x):
    native = math.functions.precompiles().call()
    assert math.functions.normPacked(pack(x), native).call() == math.functions.norm(x, native).call()


def test_norm_packed_length(sum_node, math):
    native = math.functions.precompiles().call()
    assert revert_reason(math.functions.normPacked(b"\x01" * 9, native), sum_node.accounts[0]) == (
        "VectorMath: bad packed length")
