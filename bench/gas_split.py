"""Split a transaction's gas into calldata (intrinsic) and execution, under Prague's rules.

Since Prague (EIP-7623) a transaction pays ``max(intrinsic + execution, floor)``: ``intrinsic`` is
21,000 plus 4 gas per zero and 16 per non-zero calldata byte (EIP-2028), ``floor`` is 21,000 plus
10 gas per calldata token (a zero byte is 1 token, a non-zero byte 4). For dense ML samples the
floor often binds, and then the receipt hides the execution gas; the trace still shows it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

TX_BASE = 21_000
FLOOR_PER_TOKEN = 10


@dataclass
class GasSplit:
    gas_used: int  # the receipt's
    intrinsic: int  # 21,000 + calldata at 4/16 gas per byte
    floor: int  # EIP-7623's minimum for this calldata
    execution: int  # EVM execution, net of refunds

    @property
    def floor_binds(self) -> bool:
        return self.gas_used == self.floor and self.intrinsic + self.execution <= self.floor

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "floor_binds": self.floor_binds}


def calldata_costs(data: bytes) -> tuple[int, int]:
    """(intrinsic, floor) of a call transaction with this input."""
    zeros = data.count(0)
    nonzeros = len(data) - zeros
    return TX_BASE + 4 * zeros + 16 * nonzeros, TX_BASE + FLOOR_PER_TOKEN * (zeros + 4 * nonzeros)


def split(gas_used: int, data: bytes, trace: Callable[[], dict]) -> GasSplit:
    """The split of a mined call transaction; ``trace`` fetches its struct-log trace when needed.

    When the receipt is above the floor, execution is simply ``gas_used − intrinsic``. When the
    floor binds, execution comes from the trace: the gas at the first step minus the gas left
    after the last, less the refund the transaction earned (capped at a fifth of the gas used, as
    EIP-3529 does)."""
    intrinsic, floor = calldata_costs(data)
    if gas_used > floor:
        return GasSplit(gas_used, intrinsic, floor, gas_used - intrinsic)
    return GasSplit(gas_used, intrinsic, floor, execution_from_trace(trace(), intrinsic))


def execution_from_trace(trace: dict, intrinsic: int) -> int:
    """Execution gas net of refunds, from a geth-style struct-log trace of the transaction."""
    logs = trace["structLogs"]
    if not logs:
        return 0
    first, last = logs[0], logs[-1]
    gross = first["gas"] - (last["gas"] - last["gasCost"])
    refund = min(last.get("refund", 0), (intrinsic + gross) // 5)
    return gross - refund


TRACE_CONFIG = {"disableStack": True, "disableStorage": True, "enableMemory": False, "enableReturnData": False}


def split_mined(conn: Any, tx: Any) -> GasSplit:
    """The split of a mined transaction (a bindings ``TxResult``), its input and, when the floor
    binds, its trace fetched through ``conn`` (a bindings ``Connection``)."""
    trace = lambda: conn.client.request("debug_traceTransaction", tx.tx_hash, TRACE_CONFIG)  # noqa: E731
    return split(tx.gas_used, conn.transaction_input(tx.tx_hash), trace)
