"""Tracing: geth's struct logs and callTracer frames for mined transactions and calls."""
from __future__ import annotations


import pytest
from eth_hash.auto import keccak

from node.chain import Chain
from node.errors import ChainError, ExecutionFailed, InvalidRequest
from node.execution import CallRequest, execute_call
from node.tracing import trace_call, trace_transaction
from tests.support import calldata, compile_contract, decode_output
from vm.tracing import Deadline, ExecutionTimeout, Inspector, inspecting

CALL_TRACER = {"tracer": "callTracer"}
WITH_LOG = {"tracer": "callTracer", "tracerConfig": {"withLog": True}}
SHA256 = (2).to_bytes(20, "big")
IDENTITY = (4).to_bytes(20, "big")
# JUMPDEST PUSH1 0 JUMP: loops until the gas runs out.
ENDLESS_LOOP = bytes.fromhex("5b600056")
CALL_OPCODES = {"CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2"}


def word(value: int) -> str:
    return f"{value:064x}"


def address_of(json_address: str) -> bytes:
    return bytes.fromhex(json_address[2:])


@pytest.fixture(scope="session")
def trace_probe_code():
    return compile_contract("TraceProbe.sol", "TraceProbe")[1]


@pytest.fixture
def deployment(chain, alice, trace_probe_code):
    """The receipt of a TraceProbe deployment (which deploys an Echo)."""
    receipt = chain.get_receipt(chain.send_transaction(alice.address, data=trace_probe_code))
    assert receipt.status == 1
    return receipt


@pytest.fixture
def trace_probe(deployment):
    return deployment.contract_address


@pytest.fixture
def echo(chain, trace_probe):
    output = chain.call(CallRequest(to=trace_probe, data=calldata("echo()"))).output
    return bytes.fromhex(decode_output(["address"], output)[0][2:])


def deploy_code(chain, sender, runtime: bytes) -> bytes:
    """Deploy ``runtime`` (at most 32 bytes) with init code that returns it; its address."""
    init = bytes([0x7F]) + runtime.rjust(32, b"\x00") + bytes.fromhex("5f52") \
        + bytes([0x60, len(runtime), 0x60, 32 - len(runtime), 0xF3])  # PUSH32 code, MSTORE at 0, RETURN its tail
    receipt = chain.get_receipt(chain.send_transaction(sender, data=init))
    assert receipt.status == 1 and chain.get_code(receipt.contract_address) == runtime
    return receipt.contract_address


# ---------------------------------------------------------------------------- struct logs


def test_transfer_has_no_struct_logs(chain, alice, bob):
    tx_hash = chain.send_transaction(alice.address, bob.address, value=1)
    assert trace_transaction(chain, tx_hash, {}) == {"gas": 21_000, "failed": False, "returnValue": "", "structLogs": []}


def test_struct_logs_of_a_contract_call(chain, alice, probe):
    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 7, 9))
    receipt = chain.get_receipt(tx_hash)
    tx = chain.get_transaction(tx_hash).transaction
    trace = trace_transaction(chain, tx_hash, {})
    logs = trace["structLogs"]
    assert trace["gas"] == receipt.gas_used and trace["failed"] is False and trace["returnValue"] == ""
    assert logs[0] == {"pc": 0, "op": "PUSH1", "gas": tx.gas - tx.intrinsic_gas, "gasCost": 3, "depth": 1, "stack": []}
    assert logs[1]["stack"] == ["0x80"]
    for log, following in zip(logs, logs[1:]):
        assert log["gas"] - log["gasCost"] == following["gas"], log
    # The SSTORE of values[7] = 9: slot keccak(key . slot of the mapping), as geth shows it.
    slot = keccak(bytes.fromhex(word(7) + word(0)))
    sstore = next(log for log in logs if log["op"] == "SSTORE")
    assert sstore["storage"] == {slot.hex(): word(9)}
    assert sstore["gasCost"] == 22_100  # cold slot, zero to non-zero
    assert sstore["stack"][-2:] == [hex(9), "0x" + slot.hex()]
    assert logs[-1]["op"] == "STOP"
    # geth's gas used = the gas the transaction paid for: its limit less what the logs left over.
    assert tx.gas - (logs[-1]["gas"] - logs[-1]["gasCost"]) == receipt.gas_used


def test_struct_logger_return_value_and_options(chain, alice, probe, trace_probe):
    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("divide(uint256,uint256)", 84, 2))
    trace = trace_transaction(chain, tx_hash, {"disableStack": True, "enableMemory": True, "limit": 20})
    assert trace["returnValue"] == word(42)
    assert len(trace["structLogs"]) == 20
    assert all("stack" not in log for log in trace["structLogs"])
    memory = trace["structLogs"][-1]["memory"]
    assert memory[2] == word(0x80)  # Solidity's free memory pointer, at 0x40
    assert all(len(chunk) == 64 for chunk in memory)

    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 21))
    logs = trace_transaction(chain, tx_hash, {"enableReturnData": True, "disableStorage": True})["structLogs"]
    assert all("storage" not in log and "memory" not in log for log in logs)
    after_echo = next(log for log in logs if "returnData" in log)
    assert after_echo["returnData"] == "0x" + word(42)
    assert after_echo["depth"] == 1


def test_struct_logs_enter_and_leave_call_frames(chain, alice, trace_probe):
    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 21))
    logs = trace_transaction(chain, tx_hash, {})["structLogs"]
    frames = trace_transaction(chain, tx_hash, CALL_TRACER)["calls"]
    call_at = [index for index, log in enumerate(logs) if log["op"] in CALL_OPCODES]
    assert [logs[index]["op"] for index in call_at] == ["CALL", "CALL", "STATICCALL", "STATICCALL"]
    for index, frame in zip(call_at, frames):
        call = logs[index]
        first_inside = logs[index + 1]
        back = next(log for log in logs[index + 1:] if log["depth"] == 1)
        if frame["to"] in ("0x" + SHA256.hex(), "0x" + IDENTITY.hex()):
            assert first_inside is back  # a precompile runs no opcodes
        else:
            assert first_inside["depth"] == 2 and first_inside["pc"] == 0
            assert first_inside["gas"] == int(frame["gas"], 16)
        # geth's CALL cost includes the gas it forwards; what comes back returns after it.
        assert back["gas"] == call["gas"] - call["gasCost"] + int(frame["gas"], 16) - int(frame["gasUsed"], 16)
    revert = next(log for log in logs if log["op"] == "REVERT")
    assert revert["depth"] == 2 and "error" not in revert  # geth marks only failures found before an opcode runs


def test_struct_log_of_an_opcode_out_of_gas(chain, alice, probe):
    request = CallRequest(sender=alice.address, to=probe, data=calldata("store(uint256,uint256)", 7, 9), gas=30_000)
    trace = trace_call(chain, request, "latest", {})
    last = trace["structLogs"][-1]
    assert trace["failed"] is True and trace["returnValue"] == "" and trace["gas"] == 30_000
    assert last["op"] == "SSTORE" and last["error"] == "out of gas"
    assert last["gasCost"] > last["gas"]  # what it asked for, not what was left
    assert list(last)[:6] == ["pc", "op", "gas", "gasCost", "depth", "error"]
    assert trace_call(chain, request, "latest", CALL_TRACER)["error"] == "out of gas"


def test_refund_counter(chain, alice, probe):
    chain.send_transaction(alice.address, probe, data=calldata("fill(uint256)", 2))
    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("clear(uint256)", 2))
    logs = trace_transaction(chain, tx_hash, {})["structLogs"]
    refunds = [log.get("refund", 0) for log in logs if log["op"] == "SSTORE"]
    assert refunds == [0, 4_800]  # before each SSTORE; clearing a slot refunds 4,800 (EIP-3529)
    assert logs[-1]["refund"] == 9_600


@pytest.mark.parametrize(
    "runtime, ops",
    [
        ("6001", [(0, "PUSH1"), (2, "STOP")]),  # off the end: geth's implicit STOP
        ("600100", [(0, "PUSH1"), (2, "STOP")]),  # a real STOP in the last byte
        ("6000", [(0, "PUSH1"), (2, "STOP")]),  # the last byte is PUSH data, not a STOP
        ("61ff", [(0, "PUSH2"), (3, "STOP")]),  # truncated PUSH: geth pads it and stops past the end
    ],
)
def test_struct_logs_place_every_stop(chain, alice, runtime, ops):
    contract = deploy_code(chain, alice.address, bytes.fromhex(runtime))
    logs = trace_call(chain, CallRequest(to=contract), "latest", {})["structLogs"]
    assert [(log["pc"], log["op"]) for log in logs] == ops


# ---------------------------------------------------------------------------- call frames


def test_call_frames_of_nested_calls_and_precompiles(chain, alice, trace_probe, echo):
    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 21))
    receipt = chain.get_receipt(tx_hash)
    tx = chain.get_transaction(tx_hash).transaction
    top = trace_transaction(chain, tx_hash, WITH_LOG)
    doubled = (42).to_bytes(32, "big")
    assert top["type"] == "CALL" and top["from"] == "0x" + alice.address.hex() and top["to"] == "0x" + trace_probe.hex()
    assert int(top["gas"], 16) == tx.gas and int(top["gasUsed"], 16) == receipt.gas_used
    assert top["value"] == "0x0" and top["input"] == "0x" + tx.data.hex()
    ping, failure, sha, identity = top["calls"]

    assert ping["type"] == "CALL" and ping["from"] == top["to"] and ping["to"] == "0x" + echo.hex()
    assert ping["output"] == "0x" + doubled.hex() and "error" not in ping and "calls" not in ping
    assert ping["logs"] == [{
        "address": "0x" + echo.hex(),
        "topics": ["0x" + keccak(b"Echoed(uint256)").hex()],
        "data": "0x" + word(21),
        "position": "0x0",
    }]

    assert failure["type"] == "CALL" and failure["error"] == "execution reverted"
    assert failure["revertReason"] == "no good"
    assert decode_output(["string"], bytes.fromhex(failure["output"][10:])) == ("no good",)
    assert "logs" not in failure  # the frame failed: its log never happened

    # Precompile frames, with the gas they charged: SHA256 60 + 12 per word, identity 15 + 3 per word.
    assert sha["type"] == "STATICCALL" and sha["to"] == "0x" + SHA256.hex() and "value" not in sha
    assert sha["input"] == "0x" + doubled.hex() and int(sha["gasUsed"], 16) == 72
    assert identity["to"] == "0x" + IDENTITY.hex() and int(identity["gasUsed"], 16) == 18
    assert identity["output"] == identity["input"] == "0x" + word(21)

    assert top["output"] == sha["output"]  # run returns the digest
    assert top["logs"][0]["position"] == "0x4"  # after the four calls
    assert top["logs"][0]["topics"] == ["0x" + keccak(b"Ran(uint256,bytes32)").hex()]


def test_call_frames_of_creations(chain, alice, deployment, trace_probe, echo):
    top = trace_transaction(chain, deployment.transaction_hash, CALL_TRACER)
    assert top["type"] == "CREATE" and top["to"] == "0x" + trace_probe.hex()
    assert int(top["gasUsed"], 16) == deployment.gas_used
    assert top["output"] == "0x" + chain.get_code(trace_probe).hex()
    (created,) = top["calls"]
    assert created["type"] == "CREATE" and created["from"] == top["to"] and created["to"] == "0x" + echo.hex()
    assert created["output"] == "0x" + chain.get_code(echo).hex()
    assert int(created["gasUsed"], 16) < int(created["gas"], 16)

    salt = b"\x01" * 32
    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("spawn(bytes32)", salt))
    (created2,) = trace_transaction(chain, tx_hash, CALL_TRACER)["calls"]
    init_code = bytes.fromhex(created2["input"][2:])
    expected = keccak(b"\xff" + trace_probe + salt + keccak(init_code))[12:]
    assert created2["type"] == "CREATE2" and created2["to"] == "0x" + expected.hex()
    assert chain.get_code(expected) == bytes.fromhex(created2["output"][2:])


def test_delegatecall_frame_names_the_caller_and_its_value(chain, alice, trace_probe, echo):
    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("borrow(uint256)", 21), value=5)
    (borrowed,) = trace_transaction(chain, tx_hash, CALL_TRACER)["calls"]
    assert borrowed["type"] == "DELEGATECALL"
    assert borrowed["from"] == "0x" + trace_probe.hex() and borrowed["to"] == "0x" + echo.hex()
    assert borrowed["value"] == "0x5"  # inherited from the call it runs in, as geth reports it
    assert borrowed["output"] == "0x" + word(42)


def test_only_top_call(chain, alice, trace_probe):
    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 21))
    full = trace_transaction(chain, tx_hash, WITH_LOG)
    top = trace_transaction(chain, tx_hash, {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": True, "withLog": True}})
    assert "calls" not in top
    # The top frame's own logs; as in geth, their position counts the calls recorded (none).
    assert top["logs"] == [dict(log, position="0x0") for log in full["logs"]]
    assert {key: value for key, value in full.items() if key not in ("calls", "logs")} == {
        key: value for key, value in top.items() if key != "logs"
    }


def test_failed_transaction(chain, alice, probe):
    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("fail(string)", "why"), gas=100_000)
    receipt = chain.get_receipt(tx_hash)
    assert receipt.status == 0
    revert_data = calldata("Error(string)", "why")
    logged = trace_transaction(chain, tx_hash, {})
    assert logged["failed"] is True and logged["returnValue"] == revert_data.hex() and logged["gas"] == receipt.gas_used
    top = trace_transaction(chain, tx_hash, CALL_TRACER)
    assert top["error"] == "execution reverted" and top["revertReason"] == "why"
    assert top["output"] == "0x" + revert_data.hex() and int(top["gasUsed"], 16) == receipt.gas_used

    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("divide(uint256,uint256)", 1, 0), gas=100_000)
    assert trace_transaction(chain, tx_hash, CALL_TRACER)["revertReason"] == "division or modulo by zero"


@pytest.mark.parametrize(
    "runtime, error",
    [
        ("fe", "invalid opcode: INVALID"),
        ("ef", "invalid opcode: opcode 0xef not defined"),
        ("600056", "invalid jump destination"),
        ("01", "stack underflow"),
    ],
)
def test_frame_errors_in_geths_words(chain, runtime, error):
    contract = b"\x42" * 20
    chain.set_code(contract, bytes.fromhex(runtime))  # 0xef could not be deployed (EIP-3541)
    request = CallRequest(to=contract, gas=100_000)
    top = trace_call(chain, request, "latest", CALL_TRACER)
    assert top["error"] == error and top["gasUsed"] == hex(100_000)  # such failures burn all the gas
    last = trace_call(chain, request, "latest", {})["structLogs"][-1]
    assert (last.get("error") == error) is (error == "stack underflow")  # found before the opcode runs


def test_creation_at_a_taken_address(chain, alice, trace_probe_code):
    taken = keccak(bytes.fromhex("d694") + alice.address + b"\x80")[12:]  # alice's first contract address
    chain.set_code(taken, b"\x00")
    tx_hash = chain.send_transaction(alice.address, data=trace_probe_code, gas=1_000_000)
    assert chain.get_receipt(tx_hash).status == 0
    top = trace_transaction(chain, tx_hash, CALL_TRACER)
    assert top["type"] == "CREATE" and top["error"] == "contract address collision" and "to" not in top
    assert int(top["gasUsed"], 16) == chain.get_receipt(tx_hash).gas_used


def test_cancun_traces_the_same_frames(dev_genesis, trace_probe_code):
    chain = Chain.open(dev_genesis.with_overrides(hardfork="cancun"), None)
    try:
        alice = chain.accounts[0].address
        trace_probe = chain.get_receipt(chain.send_transaction(alice, data=trace_probe_code)).contract_address
        tx_hash = chain.send_transaction(alice, trace_probe, data=calldata("run(uint256)", 21))
        top = trace_transaction(chain, tx_hash, CALL_TRACER)
        assert [call["type"] for call in top["calls"]] == ["CALL", "CALL", "STATICCALL", "STATICCALL"]
        assert [int(call["gasUsed"], 16) for call in top["calls"][2:]] == [72, 18]
        assert int(top["gasUsed"], 16) == chain.get_receipt(tx_hash).gas_used
        assert trace_transaction(chain, tx_hash, {})["gas"] == chain.get_receipt(tx_hash).gas_used
    finally:
        chain.close()


# ---------------------------------------------------------------------------- replay and calls


def test_trace_of_a_later_transaction_in_a_block(chain, alice, bob, probe, trace_probe):
    chain.set_automine(False)
    sent = [
        chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 1, 1)),
        chain.send_transaction(bob.address, probe, data=calldata("store(uint256,uint256)", 1, 2)),
        chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 3)),
        chain.send_transaction(bob.address, probe, data=calldata("store(uint256,uint256)", 1, 0)),
    ]
    block = chain.mine()
    assert len(block.transactions) == 4
    for tx_hash in sent:
        receipt = chain.get_receipt(tx_hash)
        assert receipt.transaction_index == sent.index(tx_hash)
        assert trace_transaction(chain, tx_hash, {})["gas"] == receipt.gas_used
        assert int(trace_transaction(chain, tx_hash, CALL_TRACER)["gasUsed"], 16) == receipt.gas_used
    # The second store overwrites the first's slot (warm, dirty, non-zero): replayed after it, not alone.
    sstore = next(log for log in trace_transaction(chain, sent[1], {})["structLogs"] if log["op"] == "SSTORE")
    assert sstore["gasCost"] == 5_000


def test_replay_starts_from_dev_edits_made_before_the_block(chain, alice, probe):
    slot = int.from_bytes(keccak(bytes.fromhex(word(7) + word(0))), "big")
    chain.set_storage_at(probe, slot, 5)
    tx_hash = chain.send_transaction(alice.address, probe, data=calldata("store(uint256,uint256)", 7, 0))
    trace = trace_transaction(chain, tx_hash, {})
    sstore = next(log for log in trace["structLogs"] if log["op"] == "SSTORE")
    assert sstore["gasCost"] == 5_000 and trace["structLogs"][-1]["refund"] == 4_800  # cleared the edited value
    assert trace["gas"] == chain.get_receipt(tx_hash).gas_used


def test_tracing_changes_nothing(chain, alice, bob, trace_probe, echo):
    tx_hash = chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 21))
    before = (chain.head_number, chain.head.hash, chain.chaindb.canonical(chain.head_number), chain.get_balance(alice.address),
              chain.get_nonce(alice.address), chain.get_storage_at(echo, 0), len(chain.pool))
    trace_transaction(chain, tx_hash, {})
    trace_transaction(chain, tx_hash, WITH_LOG)
    trace_call(chain, CallRequest(sender=alice.address, to=trace_probe, data=calldata("run(uint256)", 5)), "latest", {})
    after = (chain.head_number, chain.head.hash, chain.chaindb.canonical(chain.head_number), chain.get_balance(alice.address),
             chain.get_nonce(alice.address), chain.get_storage_at(echo, 0), len(chain.pool))
    assert after == before
    # Deterministic: the same trace every time.
    assert trace_transaction(chain, tx_hash, {}) == trace_transaction(chain, tx_hash, {})


def test_trace_call_of_a_view(chain, alice, trace_probe, echo):
    chain.send_transaction(alice.address, trace_probe, data=calldata("run(uint256)", 21))
    request = CallRequest(sender=alice.address, to=trace_probe, data=calldata("peek()"), gas=100_000)
    expected = chain.call(request)
    top = trace_call(chain, request, "latest", CALL_TRACER)
    assert top["output"] == "0x" + expected.output.hex() == "0x" + word(21)
    assert top["gas"] == hex(100_000) and int(top["gasUsed"], 16) == expected.gas_used
    (peek,) = top["calls"]
    assert peek["type"] == "STATICCALL" and peek["to"] == "0x" + echo.hex() and peek["output"] == top["output"]
    logged = trace_call(chain, request, "latest", {})
    assert logged["returnValue"] == word(21) and logged["gas"] == expected.gas_used and not logged["failed"]
    # State overrides apply as for chain.call: here the echo's stored value.
    overridden = trace_call(chain, request, "latest", CALL_TRACER, lambda state: state.set_storage(echo, 0, 5))
    assert overridden["output"] == "0x" + word(5)
    # With no gas named, the call gets the block gas limit, as chain.call gives it.
    unlimited = trace_call(chain, CallRequest(to=trace_probe, data=calldata("peek()")), "latest", CALL_TRACER)
    assert int(unlimited["gas"], 16) == chain.head.gas_limit


def test_unknown_transaction_and_tracer(chain, alice, bob):
    with pytest.raises(ChainError, match="^transaction not found: 0x1212"):
        trace_transaction(chain, b"\x12" * 32, {})
    chain.set_automine(False)
    pending = chain.send_transaction(alice.address, bob.address, value=1)
    with pytest.raises(ChainError, match="^transaction not found"):
        trace_transaction(chain, pending, {})
    mined = chain.mine().transactions[0].hash
    with pytest.raises(InvalidRequest, match="^tracer prestateTracer not supported; use callTracer or the default struct logger$"):
        trace_transaction(chain, mined, {"tracer": "prestateTracer"})
    with pytest.raises(InvalidRequest, match="timeout"):
        trace_transaction(chain, mined, {"timeout": "soon"})


# ---------------------------------------------------------------------------- the hooks themselves


def test_deadline_aborts_an_endless_loop(chain, alice):
    """An endless loop with a huge gas limit ends at the deadline, not at out-of-gas."""
    loop = deploy_code(chain, alice.address, ENDLESS_LOOP)
    request = CallRequest(sender=alice.address, to=loop, gas=30_000_000)

    state = chain.state_at()
    with pytest.raises(ExecutionTimeout, match=r"execution aborted \(timeout = 0.2s\)"):
        with inspecting(state, Deadline(0.2)):
            execute_call(chain.vm_class, state, request, chain.chain_id, 30_000_000, True)

    # The chain turns the VM's timeout into a failed call (-32000 over RPC).
    with pytest.raises(ExecutionFailed, match="timeout"):
        chain.call(request, timeout=0.2)
    with pytest.raises(ExecutionFailed, match="timeout"):
        chain.estimate_gas(request, timeout=0.2)
    with pytest.raises(ExecutionFailed, match="timeout"):
        trace_call(chain, request, "latest", {"tracer": "callTracer", "timeout": "200ms"})
    assert chain.call(CallRequest(sender=alice.address, to=loop, gas=100_000)).error.lower() == "out of gas"


class Recorder(Inspector):
    """Records the hooks' calls."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, int]] = []
        self.exits = 0
        self.steps = 0
        self.step_ends = 0

    def enter(self, computation, call_type):
        self.frames.append((call_type, computation.msg.depth))

    def exit(self, computation):
        self.exits += 1

    def step(self, computation, pc, opcode):
        self.steps += 1

    def step_end(self, computation, pc, opcode, gas_cost, error):
        self.step_ends += 1


def test_inspection_is_opt_in_per_state(chain, alice, trace_probe):
    original = chain.vm_class.get_state_class().computation_class
    request = CallRequest(sender=alice.address, to=trace_probe, data=calldata("run(uint256)", 21))
    state = chain.state_at()
    recorder = Recorder()
    with inspecting(state, recorder):
        assert issubclass(state.computation_class, original) and state.computation_class is not original
        assert chain.state_at().computation_class is original  # other states are untouched
        execute_call(chain.vm_class, state, request, chain.chain_id, 1_000_000, True)
    assert state.computation_class is original and "computation_class" not in vars(state)
    assert recorder.frames == [("CALL", 0), ("CALL", 1), ("CALL", 1), ("STATICCALL", 1), ("STATICCALL", 1)]
    assert recorder.exits == 5 and recorder.steps == recorder.step_ends > 0
    # Normal execution afterwards runs py-evm's own classes.
    assert type(chain.call(request).computation) is original
    assert chain.state_at().computation_class is original


def test_inspections_nest(chain, alice, trace_probe):
    state = chain.state_at()
    outer, inner = Recorder(), Recorder()
    request = CallRequest(sender=alice.address, to=trace_probe, data=calldata("run(uint256)", 21))
    with inspecting(state, outer):
        with inspecting(state, inner):
            execute_call(chain.vm_class, state, request, chain.chain_id, 1_000_000, True)
        assert state.computation_class is not chain.vm_class.get_state_class().computation_class
    assert outer.frames == inner.frames and outer.steps == inner.steps > 0
