"""bench/gas_split.py: the trace path gives the same execution gas the receipt shows when it can."""
from __future__ import annotations

from bench.gas_split import TRACE_CONFIG, calldata_costs, execution_from_trace, split
from tests.support import calldata


def test_calldata_costs():
    assert calldata_costs(b"") == (21_000, 21_000)
    assert calldata_costs(b"\x00\x01") == (21_000 + 4 + 16, 21_000 + 10 * (1 + 4))


def test_trace_path_matches_the_receipt(chain, alice, probe, rpc):
    # Probe.sol's store(uint256,uint256): storage work with a refund when a slot is cleared.
    for value in (7, 0):
        data = calldata("store(uint256,uint256)", 3, value)
        tx_hash = chain.send_transaction(alice.address, to=probe, data=data)
        receipt = chain.get_receipt(tx_hash)
        intrinsic, floor = calldata_costs(data)
        assert receipt.gas_used > floor  # the receipt shows the execution: compare both paths
        trace = rpc("debug_traceTransaction", "0x" + tx_hash.hex(), TRACE_CONFIG)["result"]
        assert execution_from_trace(trace, intrinsic) == receipt.gas_used - intrinsic
        assert split(receipt.gas_used, data, lambda: trace).execution == receipt.gas_used - intrinsic


def test_floor_binding_uses_the_trace(chain, alice, probe, rpc):
    data = calldata("store(uint256,uint256)", 3, 7) + b"\xff" * 4000  # trailing bytes: ignored by the ABI
    tx_hash = chain.send_transaction(alice.address, to=probe, data=data)
    receipt = chain.get_receipt(tx_hash)
    intrinsic, floor = calldata_costs(data)
    assert receipt.gas_used == floor
    trace = rpc("debug_traceTransaction", "0x" + tx_hash.hex(), TRACE_CONFIG)["result"]
    result = split(receipt.gas_used, data, lambda: trace)
    assert result.floor_binds
    assert 0 < result.execution < floor - intrinsic
    # The same work without the padding shows its execution in the receipt.
    plain = calldata("store(uint256,uint256)", 4, 7)
    plain_receipt = chain.get_receipt(chain.send_transaction(alice.address, to=probe, data=plain))
    assert result.execution == plain_receipt.gas_used - calldata_costs(plain)[0]
