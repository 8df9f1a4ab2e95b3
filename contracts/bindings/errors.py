"""The bindings' exceptions: one base class, so a caller (the CLI) can report any of them in one line."""
from __future__ import annotations

from typing import Any


class SumError(Exception):
    """Anything the bindings refuse or the node rejects; the message is meant for the user."""


class NodeUnreachable(SumError):
    """No JSON-RPC answer: wrong URL, node down, not a JSON-RPC server."""


class NodeError(SumError):
    """A JSON-RPC error answer (the node refused the request)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class Reverted(SumError):
    """A call or transaction the contract refused; `reason` is its decoded revert reason.

    `tx_hash` and `gas_used` are set when a mined transaction failed, None when the refusal was
    seen before sending (gas estimation or eth_call)."""

    def __init__(self, reason: str, tx_hash: str | None = None, gas_used: int | None = None) -> None:
        where = f" (transaction {tx_hash}, gas used {gas_used:,})" if tx_hash and gas_used is not None else ""
        super().__init__(f"reverted: {reason}{where}")
        self.reason = reason
        self.tx_hash = tx_hash
        self.gas_used = gas_used


class ModelFileError(SumError):
    """A model file that cannot be deployed; the message names the field at fault."""


class ContractError(SumError):
    """An address that is not what the bindings expect, or a contract artifact that is missing."""
