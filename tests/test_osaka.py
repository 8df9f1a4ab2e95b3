"""Osaka (vm/osaka.py, docs/osaka.md): CLZ, P256VERIFY, MODEXP's bounds and prices, the 2**24
transaction gas cap, the 8 MiB block size limit, and the ML precompiles and SUM contracts on it.

genesis/dev.json names Osaka, so every other test file runs on it too; this one holds each
Osaka rule to its EIP's text and test cases, and checks that Prague is unchanged.
"""
from __future__ import annotations

import json

import pytest
import rlp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from eth_abi import decode, encode

from node.chain import Chain
from node.errors import ExecutionFailed, TransactionRejected
from node.execution import CallRequest
from node.genesis import parse_genesis
from node.tracing import trace_call
from tests.support import calldata, forwarder
from tests.sum_support import BUILD
from vm import osaka
from vm.fork import PlainOsakaVM, SumchainOsakaVM, max_transaction_gas, vm_class_for
from vm.osaka import (
    GAS_CLZ, GAS_P256VERIFY, MAX_RLP_BLOCK_SIZE, SECP256R1_N as N, SECP256R1_P as P, TX_MAX_GAS_LIMIT,
    BlockSizeBudget, modexp_gas,
)
from vm.precompiles import PRECOMPILES
from vm.precompiles.encoding import WORDS, encode_input

P256VERIFY = 0x0100
MODEXP = 0x0005
CALLER = b"\x0c" * 20
VALID = (1).to_bytes(32, "big")


@pytest.fixture(scope="module")
def osaka_chain(dev_genesis):
    """Calls change nothing but the forwarder's code, so one chain serves the module's calls."""
    assert dev_genesis.hardfork == "osaka"
    chain = Chain.open(dev_genesis, None)
    yield chain
    chain.close()


@pytest.fixture(scope="module")
def prague_chain(dev_genesis):
    chain = Chain.open(dev_genesis.with_overrides(hardfork="prague"), None)
    yield chain
    chain.close()


def precompile_frame(chain, address: int, data: bytes, gas: int | None = None) -> dict:
    """The callTracer frame of a precompile called with ``data`` from a contract."""
    chain.set_code(CALLER, forwarder(address, gas))
    top = trace_call(chain, CallRequest(to=CALLER, data=data), "latest", {"tracer": "callTracer"})
    assert "error" not in top  # the caller carries on whatever the precompile did
    (frame,) = top["calls"]
    return frame


def output(frame: dict) -> bytes:
    return bytes.fromhex(frame.get("output", "0x")[2:])


def gas_used(frame: dict) -> int:
    return int(frame["gasUsed"], 16)


# ---------------------------------------------------------------------------- EIP-7939: CLZ

# The EIP's test cases: (pushed word, CLZ of it).
CLZ_VECTORS = [
    (0x0, 0x100),
    (0x8000000000000000000000000000000000000000000000000000000000000000, 0x0),
    (0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0x0),
    (0x4000000000000000000000000000000000000000000000000000000000000000, 0x1),
    (0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0x1),
    (0x0000000000000000000000000000000000000000000000000000000000000001, 0xFF),
]


def clz_code(word: int) -> bytes:
    """PUSH32 word; CLZ; and return the result."""
    return bytes.fromhex("7f" + word.to_bytes(32, "big").hex() + "1e5f5260205ff3")


@pytest.mark.parametrize("word, expected", CLZ_VECTORS + [(1 << 200, 55), ((1 << 128) - 1, 128)])
def test_clz(osaka_chain, word, expected):
    osaka_chain.set_code(CALLER, clz_code(word))
    result = osaka_chain.call(CallRequest(to=CALLER))
    assert result.success
    assert int.from_bytes(result.output, "big") == expected


def test_clz_costs_5_gas_and_is_named(osaka_chain):
    osaka_chain.set_code(CALLER, clz_code(1))
    trace = trace_call(osaka_chain, CallRequest(to=CALLER), "latest", {})
    (step,) = [log for log in trace["structLogs"] if log["op"] == "CLZ"]
    assert step["gasCost"] == GAS_CLZ == 5


def test_clz_underflows_on_an_empty_stack(osaka_chain):
    osaka_chain.set_code(CALLER, bytes.fromhex("1e00"))
    assert osaka_chain.call(CallRequest(to=CALLER)).error == "stack underflow"


def test_prague_has_no_clz(prague_chain):
    prague_chain.set_code(CALLER, clz_code(1))
    assert prague_chain.call(CallRequest(to=CALLER)).error == "invalid opcode: CLZ"  # geth names it on any fork


# ---------------------------------------------------------------------------- EIP-7951: P256VERIFY

# A sample of the EIP's test vectors (assets/eip-7951/test-vectors.json, from Wycheproof's
# ecdsa_secp256r1_sha256_p1363 set; all 781 agree with vm/osaka.py): (name, input, valid).
EIP_VECTORS = [
    ('wycheproof #1: signature malleability',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050232ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd762927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e',
     True),
    ('wycheproof #59: special case hash',
     '00000000690ed426ccf17803ebe2bd0884bcd58a1bb5e7477ead3645f356e7a916aea964a2f6506d6f78c81c91fc7e8bded7d397738448de1e19a0ec580bf266252cd762130c6667cfe8b7bc47d27d78391e8e80c578d1cd38c3ff033be928e92927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e',
     True),
    ('wycheproof #115: r,s are large',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254fffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254eab05fd9d0de26b9ce6f4819652d9fc69193d0aa398f0fba8013e09c58220455419235271228c786759095d12b75af0692dd4103f19f6a8c32f49435a1e9b8d45',
     True),
    ('wycheproof #134: s == 1',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023555555550000000055555555555555553ef7a8e48d07df81a693439654210c7000000000000000000000000000000000000000000000000000000000000000018aeb368a7027a4d64abdea37390c0c1d6a26f399e2d9734de1eb3d0e1937387405bd13834715e1dbae9b875cf07bd55e1b6691c7f7536aef3b19bf7a4adf576d',
     True),
    ('wycheproof #139: u1 == 1',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023555555550000000055555555555555553ef7a8e48d07df81a693439654210c70bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca60502369da0364734d2e530fece94019265fefb781a0f1b08f6c8897bdf6557927c8b866d2d3c7dcd518b23d726960f069ad71a933d86ef8abbcce8b20f71e2a847002',
     True),
    ('wycheproof #140: u1 == n - 1',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023555555550000000055555555555555553ef7a8e48d07df81a693439654210c7044a5ad0ad0636d9f12bc9e0a6bdd5e1cbcb012ea7bf091fcec15b0c43202d52ed8adc00023a8edc02576e2b63e3e30621a471e2b2320620187bf067a1ac1ff3233e2b50ec09807accb36131fff95ed12a09a86b4ea9690aa32861576ba2362e1',
     True),
    ('wycheproof #171: point duplication during verification',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050236f2347cab7dd76858fe0555ac3bc99048c4aacafdfb6bcbe05ea6c42c4934569bb726660235793aa9957a61e76e00c2c435109cf9a15dd624d53f4301047856b5b812fd521aafa69835a849cce6fbdeb6983b442d2444fe70e134c027fc46963838a40f2a36092e9004e92d8d940cf5638550ce672ce8b8d4e15eba5499249e9',
     True),
    ('wycheproof/ecdsa_secp256r1_sha256_test.json EcdsaVerify SHA-256 #3: valid',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050232ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e',
     True),
    ('wycheproof #3: Modified r or s, e.g. by adding or subtracting the order of the group',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023d45c5740946b2a147f59262ee6f5bc90bd01ed280528b62b3aed5fc93f06f739b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e',
     False),
    ('wycheproof #114: r too large',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023ffffffff00000001000000000000000000000000fffffffffffffffffffffffcffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254e0ad99500288d466940031d72a9f5445a4d43784640855bf0a69874d2de5fe103c5011e6ef2c42dcd50d5d3d29f99ae6eba2c80c9244f4c5422f0979ff0c3ba5e',
     False),
    ('wycheproof #126: r is larger than n',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc6325560000000000000000000000000000000000000000000000000000000000000006cbe0c29132cd738364fedd603152990c048e5e2fff996d883fa6caca7978c73770af6a8ce44cb41224b2603606f4c04d188e80bff7cc31ad5189d4ab0d70e8c1',
     False),
    ('wycheproof #127: s is larger than n',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050230000000000000000000000000000000000000000000000000000000000000005ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc75fbd84be4178097002f0deab68f0d9a130e0ed33a6795d02a20796db83444b037e13920f13051e0eecdcfce4dacea0f50d1f247caa669f193c1b4075b51ae296d2d56',
     False),
    ('wycheproof #135: s == 0',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023555555550000000055555555555555553ef7a8e48d07df81a693439654210c7000000000000000000000000000000000000000000000000000000000000000008aeb368a7027a4d64abdea37390c0c1d6a26f399e2d9734de1eb3d0e1937387405bd13834715e1dbae9b875cf07bd55e1b6691c7f7536aef3b19bf7a4adf576d',
     False),
    ('wycheproof #136: point at infinity during verify',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050237fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8555555550000000055555555555555553ef7a8e48d07df81a693439654210c70b533d4695dd5b8c5e07757e55e6e516f7e2c88fa0239e23f60e8ec07dd70f2871b134ee58cc583278456863f33c3a85d881f7d4a39850143e29d4eaf009afe47',
     False),
    ('wycheproof #173: point with x-coordinate 0',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050230000000000000000000000000000000000000000000000000000000000000001555555550000000055555555555555553ef7a8e48d07df81a693439654210c706adda82b90261b0f319faa0d878665a6b6da497f09c903176222c34acfef72a647e6f50dcc40ad5d9b59f7602bb222fad71a41bf5e1f9df4959a364c62e488d9',
     False),
    ('wycheproof #175: comparison with point at infinity ',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023555555550000000055555555555555553ef7a8e48d07df81a693439654210c703333333300000000333333333333333325c7cbbc549e52e763f1f55a327a3aa9dd86d3b5f4a13e8511083b78002081c53ff467f11ebd98a51a633db76665d25045d5c8200c89f2fa10d849349226d21d8dfaed6ff8d5cb3e1b7e17474ebc18f7',
     False),
    ('wycheproof #188: testing point duplication',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023249249246db6db6ddb6db6db6db6db6dad4591868595a8ee6bf5f864ff7be0c26b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
     False),
    ('wycheproof/ecdsa_secp256r1_sha256_test.json EcdsaVerify SHA-256 #118: modify first byte of integer',
     'bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca60502329a3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e',
     False),
    ('invalid public key x param errors',
     '2f77668a9dfbf8d5848b9eeb4a7145ca94c6ed9236e4a773f6dcafa5132b2f9170bebe684cdcb5ca72a42f0d873879359bd1781a591809947628d313a3814f67aec03aca8f5587a4d535fa31027bbe9cc0e464b1c3577f4c2dcde6b2094798a90000000000000000000000000000000000000000000000000000000000000000fffffffeecad44b6f05d15b33146549c2297b522a5eed8430cff596758e6c43d',
     False),
    ('invalid public key y param errors',
     '2f77668a9dfbf8d5848b9eeb4a7145ca94c6ed9236e4a773f6dcafa5132b2f9170bebe684cdcb5ca72a42f0d873879359bd1781a591809947628d313a3814f67aec03aca8f5587a4d535fa31027bbe9cc0e464b1c3577f4c2dcde6b2094798a9bcbb2914c79f045eaa6ecbbc612816b3be5d2d6796707d8125e9f851c18af0150000000000000000000000000000000000000000000000000000000000000000',
     False),
    ('reference point errors',
     '2f77668a9dfbf8d5848b9eeb4a7145ca94c6ed9236e4a773f6dcafa5132b2f9170bebe684cdcb5ca72a42f0d873879359bd1781a591809947628d313a3814f67aec03aca8f5587a4d535fa31027bbe9cc0e464b1c3577f4c2dcde6b2094798a900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
     False),
]


@pytest.mark.parametrize("name, data, valid", EIP_VECTORS, ids=[v[0] for v in EIP_VECTORS])
def test_p256verify_eip_vectors(osaka_chain, name, data, valid):
    frame = precompile_frame(osaka_chain, P256VERIFY, bytes.fromhex(data))
    assert output(frame) == (VALID if valid else b"")
    assert gas_used(frame) == GAS_P256VERIFY == 6900
    assert "error" not in frame  # never a failure: an invalid signature is an empty output


@pytest.fixture(scope="module")
def signed():
    """(hash, r, s, qx, qy) of a signature made here, over a hash that is itself the message."""
    key = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())
    digest = bytes(range(32))
    r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
    numbers = key.public_key().public_numbers()
    return digest, r, s, numbers.x, numbers.y


def p256_input(digest: bytes, r: int, s: int, qx: int, qy: int) -> bytes:
    return digest + b"".join(v.to_bytes(32, "big") for v in (r, s, qx, qy))


def test_p256verify_accepts_a_fresh_signature_and_its_malleated_twin(osaka_chain, signed):
    digest, r, s, qx, qy = signed
    for s_value in (s, N - s):  # no low-s rule: both verify
        frame = precompile_frame(osaka_chain, P256VERIFY, p256_input(digest, r, s_value, qx, qy))
        assert output(frame) == VALID


def invalid_inputs(signed):
    digest, r, s, qx, qy = signed
    good = p256_input(*signed)
    return [
        ("wrong hash", p256_input(bytes(31) + b"\x01", r, s, qx, qy)),
        ("hash flipped in one bit", p256_input(bytes([digest[0] ^ 1]) + digest[1:], r, s, qx, qy)),
        ("r = 0", p256_input(digest, 0, s, qx, qy)),
        ("s = 0", p256_input(digest, r, 0, qx, qy)),
        ("r = n", p256_input(digest, N, s, qx, qy)),
        ("s = n", p256_input(digest, r, N, qx, qy)),
        ("r + n", p256_input(digest, r + N, s, qx, qy) if r + N < 2**256 else p256_input(digest, 2**256 - 1, s, qx, qy)),
        ("s > n", p256_input(digest, r, N + 1, qx, qy)),
        ("qx >= p", p256_input(digest, r, s, qx + P, qy) if qx + P < 2**256 else p256_input(digest, r, s, P, qy)),
        ("qy >= p", p256_input(digest, r, s, qx, P + qy) if qy + P < 2**256 else p256_input(digest, r, s, qx, P)),
        ("point not on the curve", p256_input(digest, r, s, qx, (qy + 1) % P)),
        ("point at infinity", p256_input(digest, r, s, 0, 0)),
        ("another key", p256_input(digest, r, s, *_other_key())),
        ("159 bytes", good[:-1]),
        ("161 bytes", good + b"\x00"),
        ("empty", b""),
    ]


def _other_key() -> tuple[int, int]:
    numbers = ec.derive_private_key(7, ec.SECP256R1()).public_key().public_numbers()
    return numbers.x, numbers.y


def test_p256verify_rejects_every_invalid_input_for_the_same_gas(osaka_chain, signed):
    for name, data in invalid_inputs(signed):
        frame = precompile_frame(osaka_chain, P256VERIFY, data)
        assert output(frame) == b"", name
        assert gas_used(frame) == 6900, name
        assert "error" not in frame, name


def test_p256verify_out_of_gas(osaka_chain, signed):
    frame = precompile_frame(osaka_chain, P256VERIFY, p256_input(*signed), gas=6899)
    assert frame["error"] == "out of gas"
    assert precompile_frame(osaka_chain, P256VERIFY, p256_input(*signed), gas=6900).get("error") is None


def test_plain_osaka_has_p256verify(dev_genesis, signed):
    """The plain VM keeps all of Ethereum's precompiles; being one, 0x0100 is warm from the start (EIP-2929)."""
    chain = Chain.open(dev_genesis, None, ml_precompiles=False)
    try:
        assert P256VERIFY.to_bytes(20, "big") in chain.vm_class._state_class.computation_class.get_precompiles()
        frame = precompile_frame(chain, P256VERIFY, p256_input(*signed))
        assert output(frame) == VALID
    finally:
        chain.close()


def test_prague_has_no_p256verify(prague_chain, signed):
    frame = precompile_frame(prague_chain, P256VERIFY, p256_input(*signed))
    assert output(frame) == b"" and gas_used(frame) == 0


# ---------------------------------------------------------------------------- EIP-7823, EIP-7883: MODEXP

def modexp_input(base: int, exponent: int, modulus: int, lengths: tuple[int, int, int]) -> bytes:
    base_length, exponent_length, modulus_length = lengths
    return (
        encode(["uint256"] * 3, list(lengths))
        + base.to_bytes(base_length, "big") + exponent.to_bytes(exponent_length, "big")
        + modulus.to_bytes(modulus_length, "big")
    )


# (base, exponent, modulus, lengths, gas), the gas worked out by hand from EIP-7883's formula:
# complexity = 16 up to 32 bytes, else 2 * ceil(max(base, modulus length) / 8)**2;
# iterations = max(1, bit length - 1) for exponents up to 32 bytes,
# else 16 * (exponent length - 32) + bit length - 1 of its first 32 bytes; gas = max(500, product).
MODEXP_CASES = [
    (3, 2, 5, (1, 1, 1), 500),  # 16 * 1: the minimum
    (3, 0, 5, (1, 1, 1), 500),  # a zero exponent still counts 1 iteration
    (2, 2**255, 2**255 + 19, (32, 32, 32), 16 * 255),  # 4,080
    (7, 0x10001, 2**511 + 187, (64, 3, 64), 2048),  # EIP-7883's table: modexp_nagydani_1_pow0x10001
    (7, 0x10001, 2**1023 + 1, (128, 3, 128), 8192),  # 2 * 16**2 * 16: modexp_nagydani_2_pow0x10001
    (5, 1 << 256, 2**255 + 1, (32, 64, 32), 16 * 512),  # first 32 bytes are 0x...01: 16 * (64 - 32) + 0
    (5, 3, 2**8191 + 1, (1024, 1, 1024), 2 * 128**2),  # at EIP-7823's bound: 32,768
]


@pytest.mark.parametrize("base, exponent, modulus, lengths, gas", MODEXP_CASES)
def test_modexp_gas_and_result(osaka_chain, base, exponent, modulus, lengths, gas):
    data = modexp_input(base, exponent, modulus, lengths)
    assert modexp_gas(data) == gas
    frame = precompile_frame(osaka_chain, MODEXP, data)
    assert gas_used(frame) == gas
    assert output(frame) == pow(base, exponent, modulus).to_bytes(lengths[2], "big")


@pytest.mark.parametrize("lengths", [(1025, 1, 1), (1, 1025, 1), (1, 1, 1025), (2**255, 0, 0)])
def test_modexp_over_1024_bytes_fails_with_all_gas(osaka_chain, lengths):
    data = encode(["uint256"] * 3, list(lengths)) + b"\x01" * 40
    frame = precompile_frame(osaka_chain, MODEXP, data, gas=1_000_000)
    assert "error" in frame
    assert output(frame) == b""
    assert gas_used(frame) == 1_000_000


def test_modexp_at_1024_bytes_runs(osaka_chain):
    data = modexp_input(2, 3, 255, (1, 1024, 1))
    frame = precompile_frame(osaka_chain, MODEXP, data)
    assert "error" not in frame and output(frame) == b"\x08"
    assert gas_used(frame) == modexp_gas(data) == 16 * (16 * (1024 - 32) + 0)  # the first 32 bytes are 0


def test_prague_keeps_eip2565_pricing(prague_chain):
    frame = precompile_frame(prague_chain, MODEXP, modexp_input(3, 2, 5, (1, 1, 1)))
    assert gas_used(frame) == 200 and output(frame) == b"\x04"
    frame = precompile_frame(prague_chain, MODEXP, modexp_input(3, 2, 5, (1025, 1, 1)))
    assert "error" not in frame  # no EIP-7823 bound before Osaka


# ---------------------------------------------------------------------------- EIP-7825: the 2**24 cap

def test_max_transaction_gas():
    assert TX_MAX_GAS_LIMIT == 2**24 == 16_777_216
    assert max_transaction_gas(vm_class_for("osaka")) == max_transaction_gas(PlainOsakaVM) == 2**24
    assert max_transaction_gas(vm_class_for("prague")) is None
    assert max_transaction_gas(vm_class_for("cancun")) is None


def test_a_transaction_over_the_cap_is_refused(chain, alice, bob):
    with pytest.raises(TransactionRejected) as refused:
        chain.send_transaction(alice.address, bob.address, value=1, gas=2**24 + 1)
    assert str(refused.value) == "transaction gas limit too high (cap: 16777216, tx: 16777217)"
    assert len(chain.pool) == 0
    receipt = chain.get_receipt(chain.send_transaction(alice.address, bob.address, value=1, gas=2**24))
    assert receipt.status == 1


def test_prague_takes_a_transaction_over_the_cap(prague_chain):
    alice, bob = prague_chain.accounts[:2]
    receipt = prague_chain.get_receipt(prague_chain.send_transaction(alice.address, bob.address, value=1, gas=2**24 + 1))
    assert receipt.status == 1


def test_the_vm_refuses_a_transaction_over_the_cap_in_a_block(chain, alice, bob):
    """Block validation too (EIP-7825): past the pool, the VM still turns it away."""
    tx = chain.prepare_transaction(alice.address, bob.address, value=1, gas=2**24 + 1)
    built = chain.builder.build(chain.head, chain.head_root, [tx], chain.clock.next_block_timestamp(chain.head.timestamp), chain.next_block)
    assert built.block.transactions == ()
    ((rejected, reason),) = built.rejected
    assert rejected is tx and reason == "transaction gas limit too high (cap: 16777216, tx: 16777217)"


def test_estimates_get_at_most_the_cap_and_calls_any_gas(chain):
    """As geth: eth_estimateGas searches up to 2**24; eth_call skips the transaction checks, the cap too."""
    loop = b"\x0d" * 20
    chain.set_code(loop, bytes.fromhex("5b5f56"))  # JUMPDEST; PUSH0; JUMP: burns all it has
    with pytest.raises(ExecutionFailed, match="out of gas"):  # it would need more than a transaction may have
        chain.estimate_gas(CallRequest(to=loop, gas=chain.head.gas_limit))
    calldata_heavy = CallRequest(to=b"\x0e" * 20, data=bytes(1_700_000))  # a floor of 17,021,000 gas
    with pytest.raises(ExecutionFailed, match="intrinsic gas too low: gas 16777216, minimum needed 17021000"):
        chain.estimate_gas(calldata_heavy)
    assert chain.estimate_gas(CallRequest(to=b"\x0e" * 20, gas=chain.head.gas_limit)) == 21_000
    result = chain.call(CallRequest(to=loop, gas=chain.head.gas_limit))
    assert result.error == "out of gas" and result.gas_limit == chain.head.gas_limit == 30_000_000


def test_a_transaction_over_a_small_block_gas_limit_is_refused_as_before(dev_genesis):
    document = dev_genesis.to_json()
    document["gasLimit"] = hex(10_000_000)
    chain = Chain.open(parse_genesis(document), None)
    try:
        alice, bob = chain.accounts[:2]
        with pytest.raises(TransactionRejected, match="exceeds block gas limit: gas 10000001, block gas limit 10000000"):
            chain.send_transaction(alice.address, bob.address, value=1, gas=10_000_001)
    finally:
        chain.close()


# ---------------------------------------------------------------------------- EIP-7934: 8 MiB blocks

class _Raw:
    def __init__(self, size: int) -> None:
        self.raw = b"\x02" * size


def test_block_size_budget():
    assert MAX_RLP_BLOCK_SIZE == 10 * 2**20 - 2 * 2**20 == 8_388_608
    budget = BlockSizeBudget(SumchainOsakaVM)
    room = budget.room
    assert 8_380_000 < room < MAX_RLP_BLOCK_SIZE
    assert budget.fits(_Raw(room - 9)) and not budget.fits(_Raw(room - 8))
    budget.add(_Raw(room - 1009))
    assert budget.fits(_Raw(991)) and not budget.fits(_Raw(992))
    unlimited = BlockSizeBudget(vm_class_for("prague"))
    assert unlimited.room is None and unlimited.fits(_Raw(2 * MAX_RLP_BLOCK_SIZE))


def test_block_building_stops_before_the_size_limit(dev_genesis, monkeypatch):
    """With the limit shrunk to two transfers' worth, a third waits for the next block."""
    chain = Chain.open(dev_genesis, None, automine=False)
    try:
        accounts = chain.accounts
        size = len(chain.prepare_transaction(accounts[0].address, accounts[9].address, value=1).raw) + 9
        sent = [chain.send_transaction(accounts[i].address, accounts[9].address, value=1) for i in range(3)]
        monkeypatch.setattr(osaka, "MAX_RLP_BLOCK_SIZE", BlockSizeBudget._RESERVED + 2 * size)
        first = chain.mine()
        second = chain.mine()
        assert len(first.transactions) == 2 and len(second.transactions) == 1
        assert all(chain.get_receipt(h).status == 1 for h in sent)
        # What the budget reserves covers the header and the block's list headers.
        assert len(rlp.encode(first.header)) + 4 * 9 < BlockSizeBudget._RESERVED
    finally:
        chain.close()


# ---------------------------------------------------------------------------- the ML precompiles and SUM

def test_ml_precompiles_run_on_osaka(osaka_chain):
    vdot = next(p for p in PRECOMPILES if p.name == "VDOT")
    result = osaka_chain.call(CallRequest(to=vdot.address_bytes, data=encode_input(WORDS, [], [[1, 2, 3], [4, 5, 6]]),
                                          gas=1_000_000))
    assert result.success and int.from_bytes(result.output, "big", signed=True) == 32


def test_plain_osaka_has_no_ml_precompiles(dev_genesis):
    chain = Chain.open(dev_genesis, None, ml_precompiles=False)
    try:
        assert issubclass(chain.vm_class, PlainOsakaVM)  # on the fast paths (vm/interpreter.py)
        vdot = next(p for p in PRECOMPILES if p.name == "VDOT")
        result = chain.call(CallRequest(to=vdot.address_bytes, data=encode_input(WORDS, [], [[1], [2]]), gas=100_000))
        assert result.success and result.output == b""
    finally:
        chain.close()


@pytest.mark.parametrize("ml_precompiles", [True, False], ids=["precompile", "fallback"])
def test_a_sum_model_deploys_and_predicts_on_osaka(dev_genesis, ml_precompiles):
    artifact = json.loads((BUILD / "DensePerceptron.json").read_text())
    scale = 10**9
    weights, intercept = [2 * scale, -scale, scale // 2], 0
    args = encode(["string[]", "int80[]", "int80", "uint32"], [["no", "yes"], weights, intercept, scale // 10])
    chain = Chain.open(dev_genesis, None, ml_precompiles=ml_precompiles)
    try:
        alice = chain.accounts[0]
        receipt = chain.get_receipt(chain.send_transaction(alice.address, data=bytes.fromhex(artifact["bytecode"][2:]) + args))
        assert receipt.status == 1
        model = receipt.contract_address
        for x, expected in [([scale, 0, 0], 1), ([0, scale, 0], 0)]:
            result = chain.call(CallRequest(to=model, data=calldata("predict(int64[])", x)))
            assert result.success, result.error
            assert decode(["uint64"], result.output) == (expected,)
    finally:
        chain.close()
