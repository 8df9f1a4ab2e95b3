"""The vector store (VSTORE, 0x0510) through the real EVM: docs/precompiles.md, "The vector store".

Contracts (tests/contracts/StoreUser.sol) forward raw inputs to the store in
CALL, STATICCALL, DELEGATECALL and reverting frames, so tests act as owners;
``eth_call`` (``chain.call``) reads from outside. Results are checked against
the stateless reference (vm/precompiles/reference.py) and, for random op
sequences, against the plain-Python model of the store
(vm/precompiles/store_reference.py).
"""
from __future__ import annotations

import rlp
import pytest
from eth.rlp.accounts import Account
from eth_abi import decode
from eth_hash.auto import keccak
from hypothesis import HealthCheck, given, settings, strategies as st
from trie import HexaryTrie

from node.blocks import LATEST
from node.chain import Chain
from node.execution import CallRequest
from node.proofs import get_proof
from vm.precompiles import ML_PRECOMPILES, reference
from vm.precompiles.encoding import PACKED, WORDS, encode_input
from vm.precompiles.store import (
    GAS_PER_ADDED_BYTE, GAS_PER_EXTRA_VECTOR, GAS_PER_PERCEPTRON_REWRITE, PERCEPTRON_REWRITE_BASE, STORE_GAS,
    VSTORE_ADDRESS,
    vector_address, vstore,
)
from vm.precompiles.store_reference import StoreFailure, VectorStoreModel
from tests.support import calldata, compile_contract

SET, GET, ADDSCALED, CENTROID, DOT, NEAREST, SPARSEADD, SPARSEDOT, LENGTH, PERCEPTRON = range(1, 11)
LAYOUTS = (WORDS, PACKED)
TX_GAS = 3_000_000


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _vstore_registered(monkeypatch):
    """The real chain serves VSTORE once the registry has it; until then add it for these tests."""
    if VSTORE_ADDRESS not in ML_PRECOMPILES:
        from vm import fork

        for computation in (fork.SumchainPragueComputation, fork.SumchainCancunComputation):
            monkeypatch.setitem(computation._precompiles, VSTORE_ADDRESS, vstore)


@pytest.fixture(scope="session")
def store_user_code():
    return compile_contract("StoreUser.sol", "StoreUser")[1]


def deploy(chain, sender, code) -> bytes:
    receipt = chain.get_receipt(chain.send_transaction(sender, data=code))
    assert receipt.status == 1
    return receipt.contract_address


@pytest.fixture
def user_a(chain, alice, store_user_code):
    return deploy(chain, alice.address, store_user_code)


@pytest.fixture
def user_b(chain, alice, store_user_code):
    return deploy(chain, alice.address, store_user_code)


def owner_word(address: bytes) -> int:
    return int.from_bytes(address, "big")


def op_input(op: int, params: list[int], vectors: list[list[int]], layout: int = WORDS) -> bytes:
    return encode_input(layout, params, vectors, op=op)


def set_input(vector_id: int, width: int, values: list[int], layout: int = WORDS) -> bytes:
    return op_input(SET, [vector_id, width], [values], layout)


def get_input(owner: bytes, vector_id: int) -> bytes:
    return op_input(GET, [owner_word(owner), vector_id], [])


def send(chain, sender, to: bytes, data: bytes, gas: int = TX_GAS):
    """Mine a transaction (explicit gas: no estimate, so failing ones are mined too); its receipt."""
    return chain.get_receipt(chain.send_transaction(sender, to, data=data, gas=gas))


def write(chain, sender, user: bytes, data: bytes) -> None:
    """``user`` CALLs the store with ``data``; the transaction reverts unless the call succeeds."""
    receipt = send(chain, sender, user, calldata("callOrRevert(bytes)", data))
    assert receipt.status == 1, "the store call failed"


def attempt(chain, user: bytes, data: bytes, function: str = "call") -> tuple[bool, bytes]:
    """(ok, output) of ``user.<function>(data)`` run by eth_call."""
    result = chain.call(CallRequest(to=user, data=calldata(f"{function}(bytes)", data)))
    result.raise_for_error()
    return decode(["bool", "bytes"], result.output)


def store_call(chain, data: bytes, sender: bytes = b"\x00" * 20):
    """eth_call straight to 0x0510 from outside (an EOA or nobody)."""
    return chain.call(CallRequest(sender=sender, to=VSTORE_ADDRESS, data=data))


def read(chain, owner: bytes, vector_id: int) -> list[int]:
    result = store_call(chain, get_input(owner, vector_id))
    result.raise_for_error()
    return list(decode(["int256[]"], result.output)[0])


def read_scalar(chain, op: int, params: list[int], vectors: list[list[int]], kind: str = "int256", layout=WORDS,
                sender: bytes = b"\x00" * 20):
    result = store_call(chain, op_input(op, params, vectors, layout), sender)
    result.raise_for_error()
    return decode([kind], result.output)[0]


def stored_code(width: int, values: list[int]) -> bytes:
    return bytes([0xFE, width]) + b"".join(v.to_bytes(width, "big", signed=True) for v in values)


# ---------------------------------------------------------------------------- basics


@pytest.mark.parametrize("layout", LAYOUTS)
def test_set_get_round_trip_and_the_stored_form(chain, alice, user_a, layout):
    vectors = {
        1: (8, [0, 1, -1, 2**63 - 1, -(2**63)]),
        2: (16, [5, -7, 2**62] if layout == PACKED else [2**127 - 1, -(2**127), 3]),
        3: (32, [-(2**63), 42]),
        4: (8, []),
    }
    for vector_id, (width, values) in vectors.items():
        write(chain, alice.address, user_a, set_input(vector_id, width, values, layout))
    for vector_id, (width, values) in vectors.items():
        assert read(chain, user_a, vector_id) == values
        assert read_scalar(chain, LENGTH, [owner_word(user_a), vector_id], [], "uint256") == len(values)
        # exactly the stored form of the spec, as the code of the pseudo-account
        address = keccak(b"sumchain.vector" + user_a + vector_id.to_bytes(32, "big"))[12:]
        assert address == vector_address(user_a, vector_id.to_bytes(32, "big"))
        assert chain.get_code(address) == stored_code(width, values)
    # absent: GET empty, LENGTH 0
    assert read(chain, user_a, 99) == []
    assert read_scalar(chain, LENGTH, [owner_word(user_a), 99], [], "uint256") == 0
    # replacing changes width and length
    write(chain, alice.address, user_a, set_input(1, 32, [7, 8], layout))
    assert read(chain, user_a, 1) == [7, 8]
    assert chain.get_code(vector_address(user_a, (1).to_bytes(32, "big"))) == stored_code(32, [7, 8])


def test_another_contract_cannot_write_my_vector_but_can_read_it(chain, alice, user_a, user_b):
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    # B's SET of id 1 writes B's own vector 1
    write(chain, alice.address, user_b, set_input(1, 8, [9, 9, 9]))
    assert read(chain, user_a, 1) == [1, 2, 3]
    assert read(chain, user_b, 1) == [9, 9, 9]
    # B's in-place ops act on B's vectors only: id 2 exists only for A
    write(chain, alice.address, user_a, set_input(2, 8, [5]))
    assert attempt(chain, user_b, op_input(ADDSCALED, [2, 1, 1], [[1]])) == (False, b"")
    assert attempt(chain, user_b, op_input(SPARSEADD, [2, 1, 0], [[0]])) == (False, b"")
    assert attempt(chain, user_b, op_input(CENTROID, [2, 1], [[1]])) == (False, b"")
    # B reads A's vectors by naming A, in a CALL and in a STATICCALL
    for function in ("call", "staticcall"):
        ok, output = attempt(chain, user_b, get_input(user_a, 1), function)
        assert ok and decode(["int256[]"], output)[0] == (1, 2, 3)
        ok, output = attempt(chain, user_b, op_input(DOT, [owner_word(user_a), 1], [[1, 1, 1]]), function)
        assert ok and decode(["int256"], output)[0] == 6


def test_a_delegatecall_cannot_write_as_the_callers_caller(chain, alice, user_a, user_b):
    """A calls B; B DELEGATECALLs the store, where msg.sender is A: the write must fail."""
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    attack = calldata("delegatecall(bytes)", set_input(1, 8, [6, 6, 6]))
    result = chain.call(CallRequest(to=user_a, data=calldata("forward(address,bytes)", user_b, attack)))
    reached, output = decode(["bool", "bytes"], result.output)
    assert reached and decode(["bool", "bytes"], output) == (False, b"")
    send(chain, alice.address, user_a, calldata("forward(address,bytes)", user_b, attack))
    assert read(chain, user_a, 1) == [1, 2, 3]
    assert chain.get_code(vector_address(user_b, (1).to_bytes(32, "big"))) == b""
    # reads through a DELEGATECALL are fine
    ok, output = attempt(chain, user_b, get_input(user_a, 1), "delegatecall")
    assert ok and decode(["int256[]"], output)[0] == (1, 2, 3)


def test_eth_call_reads_vectors_from_outside(chain, alice, bob, user_a):
    write(chain, alice.address, user_a, set_input(5, 16, [3, -4]))
    assert read(chain, user_a, 5) == [3, -4]
    assert store_call(chain, get_input(user_a, 5), sender=bob.address).output == store_call(
        chain, get_input(user_a, 5)).output
    assert read_scalar(chain, DOT, [owner_word(user_a), 5], [[2, 1]]) == 2
    assert read_scalar(chain, LENGTH, [owner_word(user_a), 5], [], "uint256") == 2
    # an eth_call that writes (as the EOA) changes nothing
    assert store_call(chain, set_input(5, 8, [1]), sender=bob.address).success
    assert read(chain, bob.address, 5) == []
    # the pseudo-account is not callable: its code starts with INVALID
    result = chain.call(CallRequest(to=vector_address(user_a, (5).to_bytes(32, "big"))))
    assert not result.success and not result.reverted


def test_an_eoa_owns_what_it_writes_directly(chain, alice):
    receipt = send(chain, alice.address, VSTORE_ADDRESS, set_input(1, 8, [4, 5]))
    assert receipt.status == 1
    assert read(chain, alice.address, 1) == [4, 5]


def test_writes_fail_in_static_calls(chain, alice, user_a):
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2]))
    writes = [
        set_input(1, 8, [3, 4]),
        set_input(2, 8, [3, 4]),
        op_input(ADDSCALED, [1, 1, 1], [[1, 1]]),
        op_input(CENTROID, [1, 1], [[5, 5]]),
        op_input(SPARSEADD, [1, 1, 0], [[0]]),
    ]
    for data in writes:
        assert attempt(chain, user_a, data) [0]  # fine in a CALL
        assert attempt(chain, user_a, data, "staticcall") == (False, b"")
        assert attempt(chain, user_a, data, "callUnderStatic") == (False, b"")
        send(chain, alice.address, user_a, calldata("callUnderStatic(bytes)", data))
    assert read(chain, user_a, 1) == [1, 2]
    assert read(chain, user_a, 2) == []
    ok, output = attempt(chain, user_a, get_input(user_a, 1), "callUnderStatic")
    assert ok and decode(["int256[]"], output)[0] == (1, 2)


def test_a_failed_call_burns_all_the_gas_it_was_given(chain, alice, user_a):
    def used(data: bytes, gas_limit: int) -> tuple[bool, int]:
        result = chain.call(CallRequest(to=user_a, data=calldata("measure(bytes,uint256)", data, gas_limit)))
        return decode(["bool", "uint256"], result.output)

    ok, gas_used = used(set_input(1, 7, [1]), 100_000)  # width 7 is not a width
    assert not ok and gas_used > 100_000
    ok, gas_ok = used(set_input(1, 8, [1]), 100_000)
    assert ok and gas_ok < 100_000


def test_reverted_transactions_and_frames_leave_the_vector_unchanged(chain, alice, user_a):
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    update = op_input(ADDSCALED, [1, 10, 1], [[1, 1, 1]])
    # the whole transaction reverts after a successful write
    receipt = send(chain, alice.address, user_a, calldata("callThenRevert(bytes)", update))
    assert receipt.status == 0
    assert read(chain, user_a, 1) == [1, 2, 3]
    # a child frame writes, then reverts; the transaction succeeds
    assert decode(["bool"], chain.call(CallRequest(
        to=user_a, data=calldata("writeInRevertedFrame(bytes)", update))).output) == (True,)
    receipt = send(chain, alice.address, user_a, calldata("writeInRevertedFrame(bytes)", set_input(2, 8, [7])))
    assert receipt.status == 1
    receipt = send(chain, alice.address, user_a, calldata("writeInRevertedFrame(bytes)", update))
    assert receipt.status == 1
    assert read(chain, user_a, 1) == [1, 2, 3]
    assert read(chain, user_a, 2) == []
    # a failed write (overflow) changes nothing either
    receipt = send(chain, alice.address, user_a, calldata("call(bytes)", op_input(ADDSCALED, [1, 2**63, 1], [[1, 1, 1]])))
    assert receipt.status == 1
    assert read(chain, user_a, 1) == [1, 2, 3]


def test_snapshot_revert_restores_the_old_vectors(chain, alice, user_a):
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    snapshot = chain.snapshot()
    write(chain, alice.address, user_a, set_input(1, 16, [4, 5, 6, 7]))
    write(chain, alice.address, user_a, set_input(2, 8, [9]))
    write(chain, alice.address, user_a, op_input(SPARSEADD, [1, 100, 0], [[0, 0]]))
    assert read(chain, user_a, 1) == [204, 5, 6, 7]
    assert chain.revert(snapshot)
    assert read(chain, user_a, 1) == [1, 2, 3]
    assert read(chain, user_a, 2) == []
    assert chain.get_code(vector_address(user_a, (1).to_bytes(32, "big"))) == stored_code(8, [1, 2, 3])
    # and the chain goes on from there
    write(chain, alice.address, user_a, op_input(ADDSCALED, [1, 1, 1], [[1, 1, 1]]))
    assert read(chain, user_a, 1) == [2, 3, 4]


def test_vectors_survive_a_restart(dev_genesis, tmp_path, store_user_code):
    chain = Chain.open(dev_genesis, str(tmp_path))
    try:
        alice = chain.accounts[0].address
        user = deploy(chain, alice, store_user_code)
        write(chain, alice, user, set_input(1, 8, [1, -2, 3]))
        write(chain, alice, user, set_input(2, 32, [2**100]))
        write(chain, alice, user, op_input(CENTROID, [1, 3], [[5, 6, 7]]))
        root = chain.head.state_root
        expected = read(chain, user, 1)
    finally:
        chain.close()
    chain = Chain.open(dev_genesis, str(tmp_path))
    try:
        assert chain.head.state_root == root
        assert read(chain, user, 1) == expected == [2, 0, 4]
        assert read(chain, user, 2) == [2**100]
        write(chain, alice, user, op_input(ADDSCALED, [1, -1, 1], [[2, 0, 4]]))
        assert read(chain, user, 1) == [0, 0, 0]
    finally:
        chain.close()


def test_stored_vectors_are_in_the_state_root(chain, alice, user_a):
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    address = vector_address(user_a, (1).to_bytes(32, "big"))
    # the account is proved against the block's state root, and its code hash is the vector's
    proof = get_proof(chain, address, [], LATEST)
    encoded = HexaryTrie.get_from_proof(
        chain.head.state_root, keccak(address), [rlp.decode(node) for node in proof.account_proof])
    account = rlp.decode(encoded, sedes=Account)
    assert account.code_hash == keccak(stored_code(8, [1, 2, 3])) == proof.code_hash
    # a vector's value is part of the root: the same state but the one vector differs
    with_vector = chain.state_at(LATEST)
    other = chain.state_at(LATEST)
    other.set_code(address, stored_code(8, [1, 2, 4]))
    assert other.make_state_root() != with_vector.make_state_root()


# ---------------------------------------------------------------------------- the arithmetic


@pytest.mark.parametrize("layout", LAYOUTS)
def test_in_place_ops_equal_the_stateless_reference(chain, alice, user_a, layout):
    w = [10**9, -3 * 10**9, 7, -7, 0, 2**40]
    x = [3, -5, 2**31, -(2**31), 17, -1]
    cases = [
        (ADDSCALED, [13, 10**9], lambda v: reference.vperceptron(13, 10**9, v, x)),
        (ADDSCALED, [-(10**6), 7], lambda v: reference.vperceptron(-(10**6), 7, v, x)),
        (CENTROID, [4], lambda v: reference.vcentroid(4, v, x)),
        (CENTROID, [0], lambda v: reference.vcentroid(0, v, x)),
    ]
    for vector_id, (op, params, expected) in enumerate(cases, start=1):
        write(chain, alice.address, user_a, set_input(vector_id, 32, w, layout))
        write(chain, alice.address, user_a, op_input(op, [vector_id, *params], [x], layout))
        assert read(chain, user_a, vector_id) == expected(w)
    # PERCEPTRON: a step only when the prediction (bias + w·x > 0) differs from the label
    margin = reference.vdot(w, x)
    for vector_id, (bias, label) in enumerate([(-margin, 1), (-margin + 1, 1), (-margin + 1, 0), (-margin, 0)], start=20):
        write(chain, alice.address, user_a, set_input(vector_id, 32, w, layout))
        predicted = 1 if bias + margin > 0 else 0
        assert read_scalar(chain, PERCEPTRON, [vector_id, bias, 13, 10**9, label], [x], "uint256", layout,
                           sender=user_a) == predicted
        write(chain, alice.address, user_a, op_input(PERCEPTRON, [vector_id, bias, 13, 10**9, label], [x], layout))
        step = 13 if label else -13
        assert read(chain, user_a, vector_id) == (w if predicted == label else reference.vperceptron(step, 10**9, w, x))
    idx, vals = [0, 5, 5, 2], [4, -9, 1, 2**20]
    write(chain, alice.address, user_a, set_input(10, 16, w, layout))
    write(chain, alice.address, user_a, op_input(SPARSEADD, [10, -3, 0], [idx], layout))
    assert read(chain, user_a, 10) == reference.vsparseadd(-3, w, idx, None)
    write(chain, alice.address, user_a, op_input(SPARSEADD, [10, 999, 1], [idx, vals], layout))
    assert read(chain, user_a, 10) == reference.vsparseadd(999, reference.vsparseadd(-3, w, idx, None), idx, vals)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reads_equal_the_stateless_reference(chain, alice, user_a, layout):
    centroids = {7: [0, 0, 0], 8: [10, -10, 3], 9: [1, 1, 1], 10: [10, -10, 3]}
    for vector_id, values in centroids.items():
        write(chain, alice.address, user_a, set_input(vector_id, 8, values, layout))
    x = [9, -8, 2]
    owner = owner_word(user_a)
    assert read_scalar(chain, DOT, [owner, 8], [x], layout=layout) == reference.vdot(centroids[8], x)
    for ids, divisor in (([7, 8, 9, 10], 1), ([9, 10, 8], 1), ([7, 9], 1), ([7, 9], 10**9), ([10, 8], 3)):
        expected = reference.vnearest(divisor, len(ids), x, [e for i in ids for e in centroids[i]])
        assert read_scalar(chain, NEAREST, [owner, divisor], [ids, x], "uint256", layout) == expected
    idx, vals = [2, 0, 2], [5, -6, 7]
    assert read_scalar(chain, SPARSEDOT, [owner, 8, 0], [idx], layout=layout) == reference.vsparsedot(
        centroids[8], idx, None)
    assert read_scalar(chain, SPARSEDOT, [owner, 8, 1], [idx, vals], layout=layout) == reference.vsparsedot(
        centroids[8], idx, vals)


def test_malformed_and_out_of_range_inputs_fail(chain, alice, user_a):
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    owner = owner_word(user_a)
    failing = [
        b"", b"\x00", b"\x02\x02", bytes([0, 0x0B]),                    # short, bad layout, unknown op
        get_input(user_a, 1) + b"\x00",                                 # trailing byte
        op_input(GET, [owner | (1 << 200), 1], []),                     # owner is not an address
        op_input(DOT, [owner, 1], [[1, 2]]),                            # length mismatch
        op_input(DOT, [owner, 9], [[1]]),                               # absent = empty
        op_input(ADDSCALED, [1, 1, 0], [[1, 2, 3]]),                    # scale 0
        op_input(ADDSCALED, [9, 1, 1], [[1]]),                          # absent
        op_input(NEAREST, [owner, 0], [[1], [1, 2, 3]]),                # divisor 0
        op_input(NEAREST, [owner, 1], [[], [1, 2, 3]]),                 # no ids
        op_input(NEAREST, [owner, 1], [[-1], [1, 2, 3]]),               # id below 0
        op_input(SPARSEDOT, [owner, 1, 0], [[3]]),                      # index out of range
        op_input(SPARSEDOT, [owner, 1, 2], [[0]]),                      # hasValues not 0/1
        op_input(SPARSEDOT, [owner, 1, 1], [[0], [1, 2]]),              # idx/vals mismatch
        op_input(SPARSEADD, [1, 1, 0], [[-1]]),                         # index below 0
        op_input(DOT, [owner, 1], [[2**127, 0, 0]]),                    # element outside int128
        op_input(PERCEPTRON, [1, 0, 1, 0, 1], [[1, 2, 3]]),             # scale 0
        op_input(PERCEPTRON, [1, 0, 1, 1, 2], [[1, 2, 3]]),             # label not 0/1
        op_input(PERCEPTRON, [9, 0, 1, 1, 1], [[1]]),                   # absent
        op_input(PERCEPTRON, [1, 0, 1, 1, 1], [[1, 2]]),                # length mismatch
    ]
    for data in failing:
        assert attempt(chain, user_a, data) == (False, b""), data.hex()
    assert read(chain, user_a, 1) == [1, 2, 3]


def test_elements_that_do_not_fit_the_width_fail(chain, alice, user_a):
    for width in (8, 16):
        high = 2 ** (8 * width - 1) - 1
        for values in ([high + 1], [-high - 2], [0, high + 1]):
            assert attempt(chain, user_a, set_input(1, width, values)) == (False, b"")
        assert attempt(chain, user_a, set_input(1, width, [high, -high - 1]))[0]
    for width in (0, 4, 64, 2**255):
        assert attempt(chain, user_a, set_input(1, width, [1])) == (False, b"")
    # in-place ops that would leave the width fail and change nothing
    write(chain, alice.address, user_a, set_input(1, 8, [2**63 - 2, -(2**63) + 1]))
    for data in (
        op_input(ADDSCALED, [1, 1, 1], [[2, 0]]),
        op_input(ADDSCALED, [1, 1, 1], [[0, -2]]),
        op_input(SPARSEADD, [1, 2, 0], [[0]]),
        op_input(SPARSEADD, [1, 0, 1], [[1, 0], [-2, 1]]),
        op_input(CENTROID, [1, 1], [[2**64, 0]]),
    ):
        assert attempt(chain, user_a, data) == (False, b""), data.hex()
        send(chain, alice.address, user_a, calldata("call(bytes)", data))
    assert read(chain, user_a, 1) == [2**63 - 2, -(2**63) + 1]
    # exactly to the edge is fine
    write(chain, alice.address, user_a, op_input(SPARSEADD, [1, 1, 0], [[0]]))
    assert read(chain, user_a, 1) == [2**63 - 1, -(2**63) + 1]
    # width 32 holds results beyond int128
    write(chain, alice.address, user_a, set_input(2, 32, [2**126]))
    write(chain, alice.address, user_a, op_input(ADDSCALED, [2, 2**100, 1], [[2**126]]))
    assert read(chain, user_a, 2) == [2**126 + 2**226]


# ---------------------------------------------------------------------------- gas


def _measure(chain, user, data: bytes, gas_limit: int = 2_000_000) -> tuple[bool, int]:
    result = chain.call(CallRequest(to=user, data=calldata("measure(bytes,uint256)", data, gas_limit)))
    result.raise_for_error()
    return decode(["bool", "uint256"], result.output)


@pytest.mark.parametrize("width,d", [(8, 10), (16, 3), (32, 64), (8, 0)])
def test_growth_pays_200_gas_per_byte(chain, alice, user_a, width, d):
    values = [(-1) ** i * (i + 1) for i in range(d)]
    data = set_input(1, width, values)
    ok, new = _measure(chain, user_a, data)
    assert ok
    write(chain, alice.address, user_a, data)
    ok, again = _measure(chain, user_a, data)
    assert ok
    assert new - again == GAS_PER_ADDED_BYTE * (2 + d * width)
    # growing by 5 elements pays for their bytes only (against a same-size re-SET of as many elements)
    longer = values + [9] * 5
    ok, grow = _measure(chain, user_a, set_input(1, width, longer))
    write(chain, alice.address, user_a, set_input(2, width, longer))
    ok2, same = _measure(chain, user_a, set_input(2, width, longer))
    assert ok and ok2 and grow - same == GAS_PER_ADDED_BYTE * 5 * width
    # shrinking or narrowing adds no bytes: priced as a same-size re-SET
    ok, shrink = _measure(chain, user_a, set_input(2, width, values))
    ok2, fresh_small = _measure(chain, user_a, set_input(3, width, values))
    assert ok and ok2 and fresh_small - shrink == GAS_PER_ADDED_BYTE * (2 + d * width)


def _exact_cost(chain, user, data: bytes, expected: int) -> None:
    """The store call succeeds with ``expected`` gas and fails with one less."""
    assert _measure(chain, user, data, expected)[0], data.hex()
    assert not _measure(chain, user, data, expected - 1)[0], data.hex()


def test_gas_is_base_plus_per_element_plus_growth(chain, alice, user_a):
    def price(name: str, n: int) -> int:
        return STORE_GAS[name].base + STORE_GAS[name].per_element * n

    owner = owner_word(user_a)
    _exact_cost(chain, user_a, set_input(1, 8, [1, 2, 3]), price("VSTORE_SET", 3) + 200 * (2 + 24))
    write(chain, alice.address, user_a, set_input(1, 8, [1, 2, 3]))
    write(chain, alice.address, user_a, set_input(2, 8, [4, 5, 6]))
    _exact_cost(chain, user_a, set_input(1, 8, [3, 2, 1]), price("VSTORE_SET", 3))
    _exact_cost(chain, user_a, get_input(user_a, 1), price("VSTORE_GET", 3))
    _exact_cost(chain, user_a, op_input(LENGTH, [owner, 1], []), price("VSTORE_LENGTH", 0))
    for layout in LAYOUTS:
        _exact_cost(chain, user_a, op_input(ADDSCALED, [1, 1, 1], [[1, 1, 1]], layout), price("VSTORE_ADDSCALED", 6))
        _exact_cost(chain, user_a, op_input(CENTROID, [1, 1], [[1, 1, 1]], layout), price("VSTORE_CENTROID", 6))
        _exact_cost(chain, user_a, op_input(DOT, [owner, 1], [[1, 1, 1]], layout), price("VSTORE_DOT", 6))
        _exact_cost(chain, user_a, op_input(NEAREST, [owner, 1], [[1, 2], [0, 0, 0]], layout),
                    price("VSTORE_NEAREST", 2 + 3 + 6) + GAS_PER_EXTRA_VECTOR)
        _exact_cost(chain, user_a, op_input(SPARSEADD, [1, 1, 0], [[0, 1]], layout), price("VSTORE_SPARSEADD", 2 + 3))
        _exact_cost(chain, user_a, op_input(SPARSEADD, [1, 1, 1], [[0, 1], [1, 1]], layout),
                    price("VSTORE_SPARSEADD", 4 + 3))
        _exact_cost(chain, user_a, op_input(SPARSEDOT, [owner, 1, 1], [[2], [5]], layout),
                    price("VSTORE_SPARSEDOT", 2 + 1))
        # w = [1, 2, 3], x = [1, 1, 1]: predicts 1; label 1 reads only, label 0 rewrites the 3 weights
        _exact_cost(chain, user_a, op_input(PERCEPTRON, [1, 0, 0, 1, 1], [[1, 1, 1]], layout),
                    price("VSTORE_PERCEPTRON", 6))
        _exact_cost(chain, user_a, op_input(PERCEPTRON, [1, 0, 0, 1, 0], [[1, 1, 1]], layout),
                    price("VSTORE_PERCEPTRON", 6) + PERCEPTRON_REWRITE_BASE + GAS_PER_PERCEPTRON_REWRITE * 3)


# ---------------------------------------------------------------------------- against the model

ID_POOL = [0, 1, 2]
INT64 = st.integers(-(2**63), 2**63 - 1)
INT128 = st.integers(-(2**127), 2**127 - 1)
INTERESTING = st.sampled_from([0, 1, -1, 2, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 2**127 - 1, -(2**127), 10**9])


def _elements(layout: int):
    small = st.integers(-1000, 1000)
    wide = st.one_of(small, small, small, INTERESTING, INT64 if layout == PACKED else INT128)
    return wide.filter(lambda v: layout == WORDS or -(2**63) <= v < 2**63)


@st.composite
def _op(draw, owners, dimension):
    """One VSTORE input: (mode, data); mode 0 CALL by A, 1 STATICCALL by A, 2 CALL by B.

    Vectors mostly have the sequence's ``dimension``, so that most ops meet a matching vector.
    """
    layout = draw(st.sampled_from(LAYOUTS))
    elements = _elements(layout)
    d = draw(st.sampled_from([dimension] * 8 + [0, 1, 2, 3]))
    vec = st.lists(elements, min_size=d, max_size=d)
    in_range = st.integers(0, max(dimension - 1, 0))
    indices = st.lists(st.one_of(in_range, in_range, in_range, st.sampled_from([-1, dimension])), max_size=4)
    vector_id = draw(st.sampled_from([0, 0, 1, 1, 2]))
    owner = owner_word(draw(st.sampled_from(owners[:2] * 3 + owners[2:])))
    op = draw(st.sampled_from([SET, SET, GET, ADDSCALED, CENTROID, DOT, NEAREST, SPARSEADD, SPARSEDOT, LENGTH, PERCEPTRON]))
    if op == SET:
        width = draw(st.sampled_from([8, 8, 16, 32, 32, 4]))
        params, vectors = [vector_id, width], [draw(vec)]
    elif op in (GET, LENGTH):
        params, vectors = [owner, vector_id], []
    elif op == ADDSCALED:
        params = [vector_id, draw(st.one_of(INTERESTING, st.integers(-(2**70), 2**70))),
                  draw(st.sampled_from([1, 1, 3, 10**9, 0]))]
        vectors = [draw(vec)]
    elif op == CENTROID:
        params, vectors = [vector_id, draw(st.sampled_from([0, 1, 2, 99, 2**200]))], [draw(vec)]
    elif op == PERCEPTRON:
        params = [vector_id, draw(st.one_of(INTERESTING, st.integers(-(2**70), 2**70))),
                  draw(st.one_of(INTERESTING, st.integers(-(2**70), 2**70))), draw(st.sampled_from([1, 3, 10**9, 0])),
                  draw(st.sampled_from([0, 0, 1, 1, 2]))]
        vectors = [draw(vec)]
    elif op == DOT:
        params, vectors = [owner, vector_id], [draw(vec)]
    elif op == NEAREST:
        ids = draw(st.lists(st.sampled_from([0, 0, 1, 1, 2, -1]), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=4))
        params, vectors = [owner, draw(st.sampled_from([1, 1, 7, 10**9, 0]))], [ids, draw(vec)]
    else:
        has_values = draw(st.sampled_from([0, 0, 1, 1, 1, 2]))
        idx = draw(indices)
        vals = draw(st.lists(elements, min_size=len(idx), max_size=len(idx) + draw(st.sampled_from([0, 0, 0, 1]))))
        first = [vector_id, draw(st.one_of(INTERESTING, INT64))] if op == SPARSEADD else [owner, vector_id]
        params = [*first, has_values]
        vectors = [idx, vals] if has_values == 1 else [idx]
    mode = draw(st.sampled_from([0, 0, 0, 0, 1, 2, 2, 2]))
    return mode, encode_input(layout, params, vectors, op=op)


@st.composite
def _sequences(draw, owners):
    """A few SETs of vectors of one dimension by A and B (so that later ops find them), then random ops."""
    dimension = draw(st.integers(0, 4))
    setup = []
    for mode, vector_id in draw(st.lists(st.sampled_from([(0, 0), (0, 1), (2, 0), (2, 2)]), min_size=3, max_size=4, unique=True)):
        layout = draw(st.sampled_from(LAYOUTS))
        values = draw(st.lists(_elements(layout), min_size=dimension, max_size=dimension))
        width = draw(st.sampled_from([8, 16, 32]))
        setup.append((mode, encode_input(layout, [vector_id, width], [values], op=SET)))
    return setup + draw(st.lists(_op(owners, dimension), min_size=1, max_size=8))


def test_random_op_sequences_match_the_model(dev_genesis, store_user_code):
    chain = Chain.open(dev_genesis, None)
    try:
        sender = chain.accounts[0].address
        user_a = deploy(chain, sender, store_user_code)
        user_b = deploy(chain, sender, store_user_code)
        owners = [user_a, user_b, sender]
        gas_each = 600_000

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(ops=_sequences(owners))
        def run(ops):
            snapshot = chain.snapshot()
            try:
                model = VectorStoreModel()
                modes = [mode for mode, _ in ops]
                inputs = [data for _, data in ops]
                data = calldata("batch(bytes[],uint8[],address,uint256)", inputs, modes, user_b, gas_each)
                # eth_call shows each call's result; the transaction then applies the same calls
                result = chain.call(CallRequest(sender=sender, to=user_a, data=data))
                result.raise_for_error()
                oks, outputs = decode(["bool[]", "bytes[]"], result.output)
                for (mode, raw), ok, output in zip(ops, oks, outputs):
                    caller = user_b if mode == 2 else user_a
                    try:
                        expected = model.run(caller, raw, static=mode == 1)
                    except StoreFailure:
                        assert (ok, output) == (False, b""), raw.hex()
                    else:
                        assert (ok, output) == (True, expected), raw.hex()
                receipt = send(chain, sender, user_a, data, gas=len(ops) * (gas_each + 250_000) + 500_000)
                assert receipt.status == 1
                for owner in (user_a, user_b):
                    for vector_id in ID_POOL:
                        stored = model.vectors.get((owner, vector_id))
                        code = chain.get_code(vector_address(owner, vector_id.to_bytes(32, "big")))
                        assert code == (b"" if stored is None else stored_code(*stored))
            finally:
                chain.revert(snapshot)

        run()
    finally:
        chain.close()


def test_perceptron_step_matches_the_model_on_wide_and_extreme_values(chain, alice, user_a):
    """PERCEPTRON's int64 fast path and its exact fallback agree with the model (d up to 300)."""
    import random

    rng = random.Random(5)
    extremes = [2**63 - 1, -(2**63), 10**9, -(10**9), 0, 1, -1]
    for case in range(24):
        width = (8, 16, 32)[case % 3]
        layout = LAYOUTS[case % 2]
        d = rng.choice([1, 7, 300])
        wide = 2**126 if layout == WORDS and width > 8 else 2**62  # stored values beyond int64: the exact path
        w = [rng.choice([rng.randrange(-wide, wide), rng.choice(extremes), rng.randrange(-(10**9), 10**9)])
             for _ in range(d)]
        w = [max(-(2 ** (8 * width - 1)), min(2 ** (8 * width - 1) - 1, value)) for value in w]
        x = [rng.choice([rng.randrange(-(2**63), 2**63), rng.choice(extremes), rng.randrange(-(10**9), 10**9)])
             for _ in range(d)]
        params = [rng.choice([0, 5, -(10**20), 2**100]), rng.choice([1, 10**9, -7, 2**80, 2**63]),
                  rng.choice([1, 10**9, 3, 2**70]), rng.choice([0, 1])]
        model = VectorStoreModel()
        model.set(user_a, 40 + case, width, w)
        data = op_input(PERCEPTRON, [40 + case, *params], [x], layout)
        write(chain, alice.address, user_a, set_input(40 + case, width, w))
        try:
            expected = model.run(user_a, data)
        except StoreFailure:
            assert attempt(chain, user_a, data) == (False, b"")
            continue
        assert attempt(chain, user_a, data) == (True, expected)
        send(chain, alice.address, user_a, calldata("call(bytes)", data))
        assert read(chain, user_a, 40 + case) == model.get(user_a, 40 + case)
