"""VectorMath at the largest vectors a contract can hold in memory, both modes against the reference.

The precompiles take vectors of up to 65,536 elements (tests/test_precompiles.py checks that
length). Inside a contract the bound is EVM memory gas, which grows with the square of the
memory used: two 65,536-element int256 arrays (4 MiB) would cost over 33M gas of memory
expansion alone, more than a block holds. 16,384 elements per vector is the largest power of
two that a call comfortably affords in both modes, so that is where the three agree here.
"""
from __future__ import annotations

import json
import random

import pytest
from eth_abi import decode, encode

from node.chain import Chain
from node.execution import CallRequest
from tests.support import ROOT, selector
from vm.precompiles import reference

LARGEST = 16_384
ARTIFACT = ROOT / "contracts" / "build" / "VectorMathHarness.json"


@pytest.fixture(scope="module", params=[True, False], ids=["ml", "plain"])
def harness(request, dev_genesis):
    chain = Chain.open(dev_genesis, None, ml_precompiles=request.param)
    code = bytes.fromhex(json.loads(ARTIFACT.read_text())["bytecode"][2:])
    sender = chain.accounts[0].address
    address = chain.get_receipt(chain.send_transaction(sender, data=code, gas=10_000_000)).contract_address

    def call(signature: str, args: list, returns: list[str]):
        types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
        result = chain.call(CallRequest(to=address, data=selector(signature) + encode(types, args), gas=50_000_000))
        assert result.success, result.error
        return decode(returns, result.output)

    yield request.param, call
    chain.close()


def vectors(seed: int, bounds: tuple[int, int]) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(*bounds) for _ in range(LARGEST)]


def test_dot_at_the_largest_length(harness):
    ml, call = harness
    x, w = vectors(1, (-(2**63), 2**63 - 1)), vectors(2, (-(2**79), 2**79 - 1))
    expected = reference.vdot(x, w)
    assert call("dot(int256[],int256[],bool)", [x, w, False], ["int256"]) == (expected,)
    if ml:
        assert call("dot(int256[],int256[],bool)", [x, w, True], ["int256"]) == (expected,)


def test_norm_and_argmax_at_the_largest_length(harness):
    ml, call = harness
    x = vectors(3, (-(2**63), 2**63 - 1))
    for native in ([False, True] if ml else [False]):
        assert call("norm(int256[],bool)", [x, native], ["uint256"]) == (reference.vnorm(x),)
        assert call("argmax(int256[],bool)", [x, native], ["uint256"]) == (reference.vargmax(x),)
