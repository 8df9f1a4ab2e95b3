"""contracts/lib/VectorStore.sol through contracts/test/VectorStoreHarness.sol.

The store has no fallback: with VSTORE (0x0510) registered the library's ops
are checked against plain-Python expectations; without it, only the detection
and the "unavailable" reverts are.
"""
from __future__ import annotations

import json

import pytest
from eth_abi import decode, encode

from node.chain import Chain
from node.execution import CallRequest
from node.genesis import load_genesis
from tests.support import ROOT, selector

ARTIFACT = ROOT / "contracts" / "build" / "VectorStoreHarness.json"


class Reverted(Exception):
    pass


def trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


@pytest.fixture(scope="module", params=[True, False], ids=["ml", "plain"])
def store(request):
    chain = Chain.open(load_genesis(ROOT / "genesis" / "dev.json"), None, ml_precompiles=request.param)
    code = bytes.fromhex(json.loads(ARTIFACT.read_text())["bytecode"][2:])
    sender = chain.accounts[0].address
    receipt = chain.get_receipt(chain.send_transaction(sender, data=code, gas=5_000_000))
    assert receipt.status == 1
    address = receipt.contract_address

    def data(signature, args):
        types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
        return selector(signature) + encode(types, args)

    def read(signature, args, returns):
        result = chain.call(CallRequest(to=address, data=data(signature, args)))
        if not result.success:
            raise Reverted(decode(["string"], result.output[4:])[0] if result.reverted and result.output[:4] == bytes.fromhex("08c379a0") else None)
        return decode([returns], result.output)[0]

    def write(signature, args):
        result = chain.call(CallRequest(sender=sender, to=address, data=data(signature, args)))
        if not result.success:
            raise Reverted(decode(["string"], result.output[4:])[0] if result.reverted and result.output[:4] == bytes.fromhex("08c379a0") else None)
        receipt = chain.get_receipt(chain.send_transaction(sender, address, data=data(signature, args), gas=5_000_000))
        assert receipt.status == 1

    available = read("storeAvailable()", [], "bool")
    assert available is request.param
    yield available, address, read, write
    chain.close()


ID = (7).to_bytes(32, "big")
OTHER = (8).to_bytes(32, "big")
HUGE_ID = b"\x01" * 32  # above 2^127: not usable in NEAREST


def test_unavailable_store_is_reported(store):
    available, address, read, write = store
    if available:  # an absent vector reads as empty
        assert read("length(address,bytes32)", [address, ID], "uint256") == 0
        return
    with pytest.raises(Reverted, match="VectorStore: store unavailable"):
        read("length(address,bytes32)", [address, ID], "uint256")
    with pytest.raises(Reverted, match="VectorStore: store unavailable"):
        write("set(bytes32,uint256,int256[])", [ID, 8, [1]])


def test_store_ops(store):
    available, address, read, write = store
    if not available:
        return  # test_unavailable_store_is_reported covers the plain chain
    v = [5, -7, 9, 2**40]
    write("set(bytes32,uint256,int256[])", [ID, 8, v])
    assert read("length(address,bytes32)", [address, ID], "uint256") == 4
    assert list(read("get(address,bytes32)", [address, ID], "int256[]")) == v
    x = [1, 2, -3, 4]
    assert read("dot(address,bytes32,int256[])", [address, ID, x], "int256") == sum(a * b for a, b in zip(v, x))
    write("addScaled(bytes32,int256,uint256,int256[])", [ID, -3, 2, x])
    v = [a + trunc_div(b * -3, 2) for a, b in zip(v, x)]
    assert list(read("get(address,bytes32)", [address, ID], "int256[]")) == v
    write("centroid(bytes32,uint256,int256[])", [ID, 3, x])
    v = [trunc_div(a * 3 + b, 4) for a, b in zip(v, x)]
    assert list(read("get(address,bytes32)", [address, ID], "int256[]")) == v
    write("sparseAdd(bytes32,int256,uint256[])", [ID, 10, [0, 0, 3]])
    v[0] += 20
    v[3] += 10
    write("sparseAdd(bytes32,uint256[],int256[])", [ID, [1], [-4]])
    v[1] -= 4
    assert list(read("get(address,bytes32)", [address, ID], "int256[]")) == v
    assert read("sparseDot(address,bytes32,uint256[])", [address, ID, [2, 2]], "int256") == 2 * v[2]
    assert read("sparseDot(address,bytes32,uint256[],int256[])", [address, ID, [1, 3], [2, -1]], "int256") == 2 * v[1] - v[3]
    write("set(bytes32,uint256,int256[])", [OTHER, 16, [0, 0, 0, 0]])
    near = read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [ID, OTHER], [0, 0, 0, 0]], "uint256")
    assert near == 1  # OTHER is the zero vector
    assert read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [ID, OTHER], v], "uint256") == 0
    with pytest.raises(Reverted, match="VectorStore: bad width"):
        write("set(bytes32,uint256,int256[])", [ID, 4, [1]])
    with pytest.raises(Reverted, match="VectorStore: id out of range"):
        read("nearest(address,uint256,bytes32[],int256[])", [address, 1, [HUGE_ID], [0, 0, 0, 0]], "uint256")
    with pytest.raises(Reverted, match="VectorStore: zero divisor"):
        write("addScaled(bytes32,int256,uint256,int256[])", [ID, 1, 0, x])
    with pytest.raises(Reverted, match="VectorStore: store call failed"):
        write("set(bytes32,uint256,int256[])", [ID, 8, [2**63]])  # does not fit 8 bytes
