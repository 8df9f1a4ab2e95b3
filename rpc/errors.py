"""JSON-RPC error codes and the mapping from the chain's errors to them."""
from __future__ import annotations

from typing import Any

from node.errors import ChainError, ExecutionFailed, InvalidRequest, TransactionFailed

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # geth's code for rejected transactions and failed calls
LIMIT_EXCEEDED = -32005
EXECUTION_REVERTED = 3  # geth and Anvil: revert data in `data`


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, message)


def from_chain_error(error: ChainError) -> RpcError:
    """The JSON-RPC error a client expects for a chain-level failure."""
    if isinstance(error, TransactionFailed):  # Hardhat's shape: the transaction is mined all the same
        data = {"message": str(error), "txHash": "0x" + error.tx_hash.hex(), "data": "0x" + error.data.hex()}
        return RpcError(EXECUTION_REVERTED if error.reverted else SERVER_ERROR, str(error), data)
    if isinstance(error, ExecutionFailed) and error.reverted:
        return RpcError(EXECUTION_REVERTED, str(error), "0x" + error.data.hex())
    if isinstance(error, InvalidRequest):
        return RpcError(INVALID_PARAMS, str(error))
    # Rejected transactions, failed calls, unknown blocks: geth's -32000 family.
    return RpcError(SERVER_ERROR, str(error))
