"""The fast interpreter (vm/interpreter.py) against stock py-evm: random programs and workloads
through both must give the same gas, outputs, errors, block hashes, receipts and traces."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from eth.vm.code_stream import CodeStream

from genesis import DEV_GENESIS
from node.chain import Chain
from node.execution import CallRequest
from node.genesis import load_genesis
from node.tracing import trace_transaction
from vm.interpreter import FastCodeStream

NOW = 1_750_000_000


def fixed_clock() -> float:
    return NOW


def chains() -> tuple[Chain, Chain]:
    genesis = load_genesis(DEV_GENESIS)
    return (Chain.open(genesis, None, clock=fixed_clock, fast_paths=True),
            Chain.open(genesis, None, clock=fixed_clock, fast_paths=False))


def push(value: int, size: int = 1) -> bytes:
    return bytes([0x5F + size]) + value.to_bytes(size, "big")


# Instructions a random program is made of: stack and flow opcodes (the written-out ones),
# arithmetic, memory, storage, calls into precompiles and logs, returns, reverts, self-destructs.
INSTRUCTIONS = st.one_of(
    st.integers(0, 255).map(lambda v: push(v)),
    st.integers(0, 2**16 - 1).map(lambda v: push(v, 2)),
    st.binary(min_size=32, max_size=32).map(lambda b: b"\x7f" + b),
    st.integers(0x80, 0x8F).map(lambda op: bytes([op])),  # DUP1..16
    st.integers(0x90, 0x9F).map(lambda op: bytes([op])),  # SWAP1..16
    st.sampled_from([0x01, 0x02, 0x03, 0x04, 0x06, 0x0A, 0x10, 0x11, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1B,
                     0x1C, 0x1D, 0x20, 0x30, 0x33, 0x34, 0x35, 0x36, 0x3D, 0x43, 0x47, 0x50, 0x51, 0x52, 0x53,
                     0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5B, 0x5B, 0xA0, 0xA1, 0x00, 0xFE]
                    ).map(lambda op: bytes([op])),
    st.integers(0, 40).map(lambda target: push(target) + b"\x56"),  # JUMP to a small offset
    st.integers(0, 40).map(lambda target: push(1) + push(target) + b"\x57"),  # JUMPI taken
    # STATICCALL / CALL into a precompile or the program itself, with some gas
    st.sampled_from([1, 2, 4, 0x0501, 0x0503]).map(
        lambda address: push(32) + push(0) + push(64) + push(0) + push(address, 2) + push(50_000, 3) + b"\xfa"),
    st.just(push(32) + push(0) + b"\xf3"),  # RETURN 32 bytes
    st.just(push(0) + push(0) + b"\xfd"),  # REVERT
    st.just(push(0x42) + b"\xff"),  # SELFDESTRUCT
)
# 17 words on the stack first, so that most programs run past their first DUP or ADD; they end by
# returning what GAS says (any difference in gas shows in the output), or in a PUSH cut short by
# the end of the code (its missing bytes read as zeros).
PRELUDE = b"".join(push(v) for v in range(1, 18))
ENDINGS = st.one_of(st.just(b"\x5a" + push(0) + b"\x52" + push(32) + push(0) + b"\xf3"),
                    st.binary(max_size=31).map(lambda b: b"\x7f" + b))
PROGRAMS = st.tuples(st.lists(INSTRUCTIONS, max_size=60), ENDINGS).map(
    lambda parts: PRELUDE + b"".join(parts[0]) + parts[1])


@settings(max_examples=300, deadline=None)
@given(code=st.binary(max_size=200), positions=st.lists(st.integers(0, 220), max_size=20))
def test_jump_analysis_is_py_evms(code, positions):
    """A jump target is an instruction or not exactly as py-evm's own analysis says, whether the
    memo is fresh or shared with earlier runs of the same code."""
    for _ in range(2):
        fast, stock = FastCodeStream(code), CodeStream(code)
        assert [fast.is_valid_opcode(p) for p in positions] == [stock.is_valid_opcode(p) for p in positions]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=PROGRAMS, value=st.sampled_from([0, 1]), gas=st.sampled_from([60_000, 100_000, 1_000_000]))
def test_random_programs_run_the_same(program, value, gas):
    """Random init code run as a call: the same output, gas, error message and revert data."""
    fast, stock = chains()
    try:
        sender = fast.accounts[0].address
        request = CallRequest(sender=sender, data=program, value=value, gas=gas)
        a, b = fast.call(request), stock.call(request)
        assert (a.output, a.gas_used, a.error, a.reverted) == (b.output, b.gas_used, b.error, b.reverted)
    finally:
        fast.close()
        stock.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs=st.lists(PROGRAMS, min_size=1, max_size=6), transfer=st.integers(0, 10**18))
def test_random_workloads_make_the_same_chain(programs, transfer):
    """Creations of random programs, calls into what they left, transfers: the same block hashes,
    receipts, and struct-log and call traces on both chains."""
    fast, stock = chains()
    try:
        alice, bob = fast.accounts[0].address, fast.accounts[1].address
        sent = []
        for program in programs:
            for chain in (fast, stock):
                hashes = [chain.send_transaction(alice, data=program, gas=500_000)]
                created = chain.get_receipt(hashes[0]).contract_address
                if created:
                    hashes.append(chain.send_transaction(bob, to=created, data=program[:4], value=1, gas=200_000))
                hashes.append(chain.send_transaction(bob, to=alice, value=transfer, gas=21_000))
                sent.append(hashes)
        for hashes_fast, hashes_stock in zip(sent[::2], sent[1::2]):
            assert hashes_fast == hashes_stock
            for tx_hash in hashes_fast:
                assert fast.get_receipt(tx_hash) == stock.get_receipt(tx_hash)
                for config in ({}, {"tracer": "callTracer"}):
                    assert trace_transaction(fast, tx_hash, config) == trace_transaction(stock, tx_hash, config)
        assert fast.head.hash == stock.head.hash
    finally:
        fast.close()
        stock.close()


def test_a_deployment_makes_the_same_chain(probe_code):
    """Deploying the Probe contract on both chains: the same blocks."""
    fast, stock = chains()
    try:
        for chain in (fast, stock):
            receipt = chain.get_receipt(chain.send_transaction(chain.accounts[0].address, data=probe_code))
            assert receipt.status == 1
        assert fast.head.hash == stock.head.hash
    finally:
        fast.close()
        stock.close()
