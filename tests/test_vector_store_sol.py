"""contracts/lib/VectorStore.sol through contracts/test/VectorStoreHarness.sol.

Three modes run the same op sequences: "native" (a chain with VSTORE at 0x0510),
"forced" (the same chain, harnesses deployed with forceFallback = true) and
"plain" (a chain without the precompiles, where the library detects no store and
takes its fallback). Each mode has two harnesses, A and B, acting as two owners.
Every output is checked against vm/precompiles/store_reference.py's model, and
every failure must give the same revert reason in all three modes.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Callable

import pytest
from eth_abi import decode, encode
from eth_hash.auto import keccak
from hypothesis import HealthCheck, given, settings, strategies as st

from genesis import DEV_GENESIS
from node.chain import Chain
from node.execution import CallRequest
from node.genesis import load_genesis
from tests.support import ROOT, selector
from vm.precompiles.store_reference import StoreFailure, VectorStoreModel

ARTIFACT = ROOT / "contracts" / "build" / "VectorStoreHarness.json"
INT128 = 2**127
INT256 = 2**255
ERROR = bytes.fromhex("08c379a0")


class Reverted(Exception):
    pass


def trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _types(signature: str) -> list[str]:
    return [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]


def _reason(output: bytes) -> str | None:
    return decode(["string"], output[4:])[0] if output[:4] == ERROR else None


@dataclass
class Harness:
    chain: Chain
    sender: bytes
    address: bytes

    def data(self, signature, args):
        return selector(signature) + encode(_types(signature), args)

    def read(self, signature, args, returns):
        result = self.chain.call(CallRequest(to=self.address, data=self.data(signature, args)))
        if not result.success:
            raise Reverted(_reason(result.output) if result.reverted else None)
        return decode([returns], result.output)[0]

    def execution_gas(self, signature, args) -> int:
        """Gas of the call's execution alone (no intrinsic or calldata cost), as eth_call runs it."""
        result = self.chain.call(CallRequest(sender=self.sender, to=self.address, data=self.data(signature, args)))
        assert result.success
        return result.computation.get_gas_used()

    def write(self, signature, args) -> int:
        data = self.data(signature, args)
        result = self.chain.call(CallRequest(sender=self.sender, to=self.address, data=data))
        if not result.success:
            raise Reverted(_reason(result.output) if result.reverted else None)
        receipt = self.chain.get_receipt(self.chain.send_transaction(self.sender, self.address, data=data, gas=10_000_000))
        assert receipt.status == 1
        return receipt.gas_used


def _deploy(chain: Chain, force_fallback: bool) -> Harness:
    code = bytes.fromhex(json.loads(ARTIFACT.read_text())["bytecode"][2:]) + encode(["bool"], [force_fallback])
    sender = chain.accounts[0].address
    receipt = chain.get_receipt(chain.send_transaction(sender, data=code, gas=10_000_000))
    assert receipt.status == 1
    return Harness(chain, sender, receipt.contract_address)


@pytest.fixture(scope="module")
def modes():
    genesis = load_genesis(DEV_GENESIS)
    ml = Chain.open(genesis, None, ml_precompiles=True)
    plain = Chain.open(genesis, None, ml_precompiles=False)
    result = {
        "native": (_deploy(ml, False), _deploy(ml, False)),
        "forced": (_deploy(ml, True), _deploy(ml, True)),
        "plain": (_deploy(plain, False), _deploy(plain, False)),
    }
    yield result
    ml.close()
    plain.close()


def test_detection(modes):
    for name, (a, b) in modes.items():
        for h in (a, b):
            assert h.read("storeAvailable()", [], "bool") is (name != "plain")
            assert h.read("NATIVE()", [], "bool") is (name == "native")


ID = (7).to_bytes(32, "big")
OTHER = (8).to_bytes(32, "big")
HUGE_ID = b"\x01" * 32  # above 2^127: not usable in NEAREST


@pytest.mark.parametrize("mode", ["native", "forced", "plain"])
def test_store_ops(modes, mode):
    h, peer = modes[mode]
    address = h.address
    v = [5, -7, 9, 2**40]
    h.write("set(bytes32,uint256,int256[])", [ID, 8, v])
    assert h.read("length(address,bytes32)", [address, ID], "uint256") == 4
    assert list(h.read("get(address,bytes32)", [address, ID], "int256[]")) == v
    x = [1, 2, -3, 4]
    assert h.read("dot(address,bytes32,int256[])", [address, ID, x], "int256") == sum(a * b for a, b in zip(v, x))
    h.write("addScaled(bytes32,int256,uint256,int256[])", [ID, -3, 2, x])
    v = [a + trunc_div(b * -3, 2) for a, b in zip(v, x)]
    assert list(h.read("get(address,bytes32)", [address, ID], "int256[]")) == v
    h.write("centroid(bytes32,uint256,int256[])", [ID, 3, x])
    v = [trunc_div(a * 3 + b, 4) for a, b in zip(v, x)]
    assert list(h.read("get(address,bytes32)", [address, ID], "int256[]")) == v
    h.write("sparseAdd(bytes32,int256,uint256[])", [ID, 10, [0, 0, 3]])
    v[0] += 20
    v[3] += 10
    h.write("sparseAdd(bytes32,uint256[],int256[])", [ID, [1], [-4]])
    v[1] -= 4
    assert list(h.read("get(address,bytes32)", [address, ID], "int256[]")) == v
    assert h.read("sparseDot(address,bytes32,uint256[])", [address, ID, [2, 2]], "int256") == 2 * v[2]
    assert h.read("sparseDot(address,bytes32,uint256[],int256[])", [address, ID, [1, 3], [2, -1]], "int256") == 2 * v[1] - v[3]
    h.write("set(bytes32,uint256,int256[])", [OTHER, 16, [0, 0, 0, 0]])
    near = h.read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [ID, OTHER], [0, 0, 0, 0]], "uint256")
    assert near == 1  # OTHER is the zero vector
    assert h.read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [ID, OTHER], v], "uint256") == 0
    # the peer reads them too (cross-owner)
    assert list(peer.read("get(address,bytes32)", [address, ID], "int256[]")) == v
    assert peer.read("length(address,bytes32)", [address, OTHER], "uint256") == 4
    assert peer.read("dot(address,bytes32,int256[])", [address, ID, x], "int256") == sum(a * b for a, b in zip(v, x))
    assert peer.read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [ID, OTHER], v], "uint256") == 0
    for signature, args, reason in [
        ("set(bytes32,uint256,int256[])", [ID, 4, [1]], "bad width"),
        ("set(bytes32,uint256,int256[])", [ID, 8, [2**63]], "element does not fit"),
        ("set(bytes32,uint256,int256[])", [ID, 32, [2**127]], "element out of range"),
        ("addScaled(bytes32,int256,uint256,int256[])", [ID, 1, 0, x], "zero divisor"),
        ("addScaled(bytes32,int256,uint256,int256[])", [OTHER, 1, 1, [1]], "length mismatch"),
        ("addScaled(bytes32,int256,uint256,int256[])", [(99).to_bytes(32, "big"), 1, 1, []], "no such vector"),
        ("addScaled(bytes32,int256,uint256,int256[])", [ID, 2**100, 1, [2**100, 0, 0, 0]], "element does not fit"),
        ("sparseAdd(bytes32,int256,uint256[])", [ID, 1, [4]], "index out of range"),
        ("sparseAdd(bytes32,uint256[],int256[])", [ID, [1, 2], [1]], "length mismatch"),
    ]:
        with pytest.raises(Reverted, match="VectorStore: " + reason):
            h.write(signature, args)
    with pytest.raises(Reverted, match="VectorStore: id out of range"):
        h.read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [HUGE_ID], [0, 0, 0, 0]], "uint256")
    with pytest.raises(Reverted, match="VectorStore: no ids"):
        h.read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [], [0, 0, 0, 0]], "uint256")
    with pytest.raises(Reverted, match="VectorStore: index out of range"):
        peer.read("sparseDot(address,bytes32,uint256[])", [address, ID, [9]], "int256")
    # vectors are unchanged by the failed writes
    assert list(peer.read("get(address,bytes32)", [address, ID], "int256[]")) == v


def test_wide_elements_and_overflow(modes):
    """Width-32 vectors grow past int128; sums beyond int256 are an overflow in every mode."""
    wide = (11).to_bytes(32, "big")
    outcomes = []
    for mode in ("native", "forced", "plain"):
        h, peer = modes[mode]
        h.write("set(bytes32,uint256,int256[])", [wide, 32, [2**126, -(2**126), 3]])
        h.write("addScaled(bytes32,int256,uint256,int256[])", [wide, 2**128, 1, [2**126, -(2**126), 1]])
        got = list(peer.read("get(address,bytes32)", [h.address, wide], "int256[]"))
        assert got == [2**126 + 2**254, -(2**126) - 2**254, 3 + 2**128]
        with pytest.raises(Reverted, match="VectorStore: overflow"):
            peer.read("dot(address,bytes32,int256[])", [h.address, wide, [4, 0, 0]], "int256")
        with pytest.raises(Reverted, match="VectorStore: element does not fit"):
            h.write("sparseAdd(bytes32,int256,uint256[])", [wide, 2**254, [0]])
        h.write("sparseAdd(bytes32,uint256[],int256[])", [wide, [0, 0], [2**127 - 1, -(2**127 - 1)]])
        outcomes.append((
            peer.read("nearest(address,uint256,bytes32[],int256[])", [h.address, 1, [wide], [0, 0, 0]], "uint256"),
            peer.read("sparseDot(address,bytes32,uint256[],int256[])", [h.address, wide, [0, 1], [1, 1]], "int256"),
        ))
        h.write("centroid(bytes32,uint256,int256[])", [wide, 2**256 - 1, [1, 2, 3]])
        assert list(h.read("get(address,bytes32)", [h.address, wide], "int256[]")) == [
            trunc_div(a * (2**256 - 1) + b, 2**256) for a, b in zip(got, [1, 2, 3])
        ]
    assert outcomes == [(0, 0)] * 3


def test_cross_owner_reads(modes):
    cross = (12).to_bytes(32, "big")
    for mode in ("native", "forced", "plain"):
        a, b = modes[mode]
        a.write("set(bytes32,uint256,int256[])", [cross, 16, [1, 2, 3]])
        b.write("set(bytes32,uint256,int256[])", [cross, 8, [-1]])
        assert list(b.read("get(address,bytes32)", [a.address, cross], "int256[]")) == [1, 2, 3]
        assert list(a.read("get(address,bytes32)", [b.address, cross], "int256[]")) == [-1]
        assert b.read("sparseDot(address,bytes32,uint256[])", [a.address, cross, [2, 2]], "int256") == 6
        # each owner's own view through the VectorStoreUser interface
        assert list(a.read("storedVector(bytes32)", [cross], "int256[]")) == [1, 2, 3]
        assert a.read("storedLength(bytes32)", [cross], "uint256") == 3
        # writes stay each owner's own: B's write did not touch A's vector
        assert a.read("length(address,bytes32)", [a.address, cross], "uint256") == 3
        # an owner that is not a VectorStoreUser: absent natively, "owner has no vectors" in fallback
        stranger = b"\x12" * 20
        if mode == "native":
            assert list(a.read("get(address,bytes32)", [stranger, cross], "int256[]")) == []
            assert a.read("length(address,bytes32)", [stranger, cross], "uint256") == 0
        else:
            for signature, args, returns in [
                ("get(address,bytes32)", [stranger, cross], "int256[]"),
                ("length(address,bytes32)", [stranger, cross], "uint256"),
                ("dot(address,bytes32,int256[])", [stranger, cross, []], "int256"),
            ]:
                with pytest.raises(Reverted, match="VectorStore: owner has no vectors"):
                    a.read(signature, args, returns)


def test_cross_mode_reads(modes):
    """A fallback reader reads a native owner through its storedVector (answered from the store);
    a native reader sees a fallback owner's vectors as absent (documented)."""
    native, forced = modes["native"][0], modes["forced"][0]
    vid = (15).to_bytes(32, "big")
    native.write("set(bytes32,uint256,int256[])", [vid, 16, [4, -5]])
    forced.write("set(bytes32,uint256,int256[])", [vid, 8, [6]])
    assert list(forced.read("get(address,bytes32)", [native.address, vid], "int256[]")) == [4, -5]
    assert forced.read("length(address,bytes32)", [native.address, vid], "uint256") == 2
    assert forced.read("dot(address,bytes32,int256[])", [native.address, vid, [1, 1]], "int256") == -1
    assert list(native.read("get(address,bytes32)", [forced.address, vid], "int256[]")) == []


def test_fallback_storage_layout(modes):
    """ERC-7201 root, header width << 128 | length, elements packed by width from base + 1."""
    h, _ = modes["plain"]
    root_seed = int.from_bytes(keccak(b"sumchain.vectorstore"), "big") - 1
    root = int.from_bytes(keccak(root_seed.to_bytes(32, "big")), "big") & ~0xFF
    vid = (13).to_bytes(32, "big")
    h.write("set(bytes32,uint256,int256[])", [vid, 8, [1, -1, 2, 3, 4]])
    base = int.from_bytes(keccak(vid + root.to_bytes(32, "big")), "big")
    assert h.chain.get_storage_at(h.address, base) == (8 << 128) | 5
    assert h.chain.get_storage_at(h.address, base + 1) == 1 | (2**64 - 1) << 64 | 2 << 128 | 3 << 192
    assert h.chain.get_storage_at(h.address, base + 2) == 4


def test_gas_at_d100(modes):
    """Printed, not asserted: execution gas (the calldata is the same in every mode) at d = 100."""
    d = 100
    v = [(-1) ** i * (i * 1_000_003 % 2**40) for i in range(d)]
    x = [(i * 7919) % 10**9 - 5 * 10**8 for i in range(d)]
    lines = []
    for mode in ("native", "forced", "plain"):
        h, peer = modes[mode]
        for width in (8, 32):
            wid = (20 + width).to_bytes(32, "big")
            steps = [
                ("set new", "set(bytes32,uint256,int256[])", [wid, width, v]),
                ("set again", "set(bytes32,uint256,int256[])", [wid, width, v]),
                ("addScaled", "addScaled(bytes32,int256,uint256,int256[])", [wid, 3, 10**9, x]),
            ]
            row = []
            for _, signature, args in steps:
                row.append(h.execution_gas(signature, args))
                h.write(signature, args)
            row.append(h.execution_gas("dot(address,bytes32,int256[])", [h.address, wid, x]))
            row.append(peer.execution_gas("dot(address,bytes32,int256[])", [h.address, wid, x]))
            lines.append(f"{mode:8} {width:>3} " + " ".join(f"{g:>10}" for g in row))
    print("\nVectorStore execution gas at d = 100 (eth_call before each transaction; no intrinsic/calldata gas)")
    print(f"{'mode':8} {'w':>3} " + " ".join(f"{h:>10}" for h in ["set new", "set again", "addScaled", "dot own", "dot peer"]))
    print("\n".join(lines))


# ---------------------------------------------------------------------------- random op sequences

SMALL = st.one_of(st.integers(-6, 6), st.integers(-(2**40), 2**40), st.integers(-(2**127), 2**127 - 1))
ELEMENT = st.one_of(
    SMALL, SMALL, SMALL,
    st.sampled_from([2**63 - 1, -(2**63), 2**63, 2**127 - 1, -(2**127), 2**127, 2**200]),
)
WORD_INT = st.one_of(st.integers(-6, 6), st.integers(-(2**255), 2**255 - 1), st.sampled_from([2**64, -(2**128), 2**128]))
UINT = st.one_of(st.sampled_from([1, 1, 2, 3, 7, 10**9, 2**256 - 1, 0]), st.integers(1, 2**256 - 1))
KEY = st.integers(0, 1)
WHO = st.integers(0, 1)
INDEX = st.one_of(st.integers(0, 2), st.integers(0, 2), st.integers(0, 4), st.just(2**200))
# Mostly vectors of 3 elements (so that ops meet the stored vectors), sometimes any length.
VEC = st.one_of(st.lists(ELEMENT, min_size=3, max_size=3), st.lists(ELEMENT, min_size=3, max_size=3),
                st.lists(ELEMENT, max_size=4))
SPARSE = st.one_of(
    st.lists(st.tuples(INDEX, ELEMENT), max_size=4).map(lambda pairs: ([i for i, _ in pairs], [v for _, v in pairs])),
    st.tuples(st.lists(INDEX, max_size=3), st.lists(ELEMENT, max_size=3)),
)

NEAREST_OP = st.tuples(
    st.just("nearest"), WHO, WHO,
    UINT,
    st.lists(st.sampled_from([0, 1, 0, 1, 0, 1, 0, 1, -1]), min_size=1, max_size=3),  # "no ids": test_store_ops
    st.one_of(st.lists(SMALL, min_size=3, max_size=3), VEC),
)
SET_OP = st.tuples(st.just("set"), WHO, KEY, st.sampled_from([8, 16, 32, 32, 8, 4]), VEC)
OP = st.one_of(
    SET_OP,
    st.tuples(st.just("addScaled"), WHO, KEY, WORD_INT, UINT, VEC),
    st.tuples(st.just("centroid"), WHO, KEY, UINT, VEC),
    st.tuples(st.just("sparseAdd"), WHO, KEY, WORD_INT, st.lists(INDEX, max_size=4)),
    SPARSE.flatmap(lambda p: st.tuples(st.just("sparseAddVals"), WHO, KEY, st.just(p[0]), st.just(p[1]))),
    st.tuples(st.just("get"), WHO, WHO, KEY),
    st.tuples(st.just("length"), WHO, WHO, KEY),
    st.tuples(st.just("dot"), WHO, WHO, KEY, VEC),
    NEAREST_OP,
    NEAREST_OP,
    st.tuples(st.just("sparseDot"), WHO, WHO, KEY, st.lists(INDEX, max_size=4)),
    SPARSE.flatmap(lambda p: st.tuples(st.just("sparseDotVals"), WHO, WHO, KEY, st.just(p[0]), st.just(p[1]))),
)
# Every example starts by setting the four (owner, key) vectors (3 elements; a bad width now and
# then leaves one absent), so that the random ops meet stored vectors.
INITIAL = st.tuples(*[
    st.tuples(st.just("set"), st.just(who), st.just(key), st.sampled_from([8, 16, 32, 32, 8, 16, 4]),
              st.lists(SMALL, min_size=3, max_size=3))
    for who in (0, 1) for key in (0, 1)
])
SEQUENCE = st.tuples(INITIAL, st.lists(OP, min_size=1, max_size=10)).map(lambda parts: list(parts[0]) + parts[1])

_salt = itertools.count(1)


def _inputs_ok(*vectors) -> None:
    for vector in vectors:
        if any(not -INT128 <= e < INT128 for e in vector):
            raise StoreFailure("element outside int128")


def _scalar(value: int) -> int:
    if not -INT256 <= value < INT256:
        raise StoreFailure("result outside int256")
    return value


def _run(op, pair, model: VectorStoreModel | None, salt: int):
    """One op in one mode (model = None) or in the model; ('ok', value) or ('fail', reason)."""
    kind, who, *rest = op
    def vid(k):
        return salt * 8 + k if k >= 0 else 2**200

    def b32(k):
        return vid(k).to_bytes(32, "big")

    actor = pair[who]
    try:
        if kind in ("set", "addScaled", "centroid", "sparseAdd", "sparseAddVals"):
            owner = actor.address
            k = rest[0]
            if kind == "set":
                width, v = rest[1:]
                if model is not None:
                    _inputs_ok(v)
                    return ("ok", model.set(owner, vid(k), width, v))
                actor.write("set(bytes32,uint256,int256[])", [b32(k), width, v])
            elif kind == "addScaled":
                rate, scale, x = rest[1:]
                if model is not None:
                    _inputs_ok(x)
                    return ("ok", model.add_scaled(owner, vid(k), rate, scale, x))
                actor.write("addScaled(bytes32,int256,uint256,int256[])", [b32(k), rate, scale, x])
            elif kind == "centroid":
                n, x = rest[1:]
                if model is not None:
                    _inputs_ok(x)
                    return ("ok", model.centroid(owner, vid(k), n, x))
                actor.write("centroid(bytes32,uint256,int256[])", [b32(k), n, x])
            elif kind == "sparseAdd":
                delta, idx = rest[1:]
                if model is not None:
                    return ("ok", model.sparse_add(owner, vid(k), delta, idx, None))
                actor.write("sparseAdd(bytes32,int256,uint256[])", [b32(k), delta, idx])
            else:
                idx, vals = rest[1:]
                if model is not None:
                    if len(idx) != len(vals):
                        raise StoreFailure("length mismatch")
                    _inputs_ok(vals)
                    return ("ok", model.sparse_add(owner, vid(k), 0, idx, vals))
                actor.write("sparseAdd(bytes32,uint256[],int256[])", [b32(k), idx, vals])
            return ("ok", None)
        owner = pair[rest[0]].address
        args = rest[1:]
        if kind == "get":
            if model is not None:
                return ("ok", model.get(owner, vid(args[0])))
            return ("ok", list(actor.read("get(address,bytes32)", [owner, b32(args[0])], "int256[]")))
        if kind == "length":
            if model is not None:
                return ("ok", model.length(owner, vid(args[0])))
            return ("ok", actor.read("length(address,bytes32)", [owner, b32(args[0])], "uint256"))
        if kind == "dot":
            k, x = args
            if model is not None:
                _inputs_ok(x)
                return ("ok", _scalar(model.dot(owner, vid(k), x)))
            return ("ok", actor.read("dot(address,bytes32,int256[])", [owner, b32(k), x], "int256"))
        if kind == "nearest":
            divisor, keys, x = args
            if model is not None:
                if divisor == 0 or not keys or any(k < 0 for k in keys):
                    raise StoreFailure("divisor, ids")
                _inputs_ok(x)
                return ("ok", model.nearest(owner, divisor, [vid(k) for k in keys], x))
            return ("ok", actor.read("nearest(address,uint256,bytes32[],int256[])",
                                     [owner, divisor, [b32(k) for k in keys], x], "uint256"))
        if kind == "sparseDot":
            k, idx = args
            if model is not None:
                return ("ok", _scalar(model.sparse_dot(owner, vid(k), idx, None)))
            return ("ok", actor.read("sparseDot(address,bytes32,uint256[])", [owner, b32(k), idx], "int256"))
        k, idx, vals = args
        if model is not None:
            if len(idx) != len(vals):
                raise StoreFailure("length mismatch")
            _inputs_ok(vals)
            return ("ok", _scalar(model.sparse_dot(owner, vid(k), idx, vals)))
        return ("ok", actor.read("sparseDot(address,bytes32,uint256[],int256[])", [owner, b32(k), idx, vals], "int256"))
    except StoreFailure:
        return ("fail", None)
    except Reverted as error:
        return ("fail", error.args[0])


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=SEQUENCE)
def test_random_op_sequences_agree(modes, ops):
    salt = next(_salt)
    models = {name: VectorStoreModel() for name in modes}
    for op in ops:
        reasons = set()
        for name, pair in modes.items():
            expected = _run(op, pair, models[name], salt)
            got = _run(op, pair, None, salt)
            if expected[0] == "ok" and op[0] in ("set", "addScaled", "centroid", "sparseAdd", "sparseAddVals"):
                expected = ("ok", None)
            assert got[0] == expected[0], (name, op, got, expected)
            if got[0] == "ok":
                assert got[1] == expected[1], (name, op, got, expected)
            else:
                assert got[1] is not None and got[1].startswith("VectorStore: "), (name, op, got)
                reasons.add(got[1])
        assert len(reasons) <= 1, (op, reasons)
    # and the final contents agree with the model
    for name, pair in modes.items():
        for who in (0, 1):
            for k in range(3):
                got = list(pair[0].read("get(address,bytes32)", [pair[who].address, (salt * 8 + k).to_bytes(32, "big")], "int256[]"))
                assert got == models[name].get(pair[who].address, salt * 8 + k), (name, who, k)
