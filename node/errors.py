"""Errors the chain reports to its callers, with the text a client is shown."""
from __future__ import annotations


class ChainError(Exception):
    """Base class; ``str(error)`` is the message for the client."""


class TransactionRejected(ChainError):
    """The transaction was not accepted (it is neither pooled nor mined)."""


class UnknownBlock(ChainError):
    """A block reference that names no block of this chain."""


class InvalidRequest(ChainError):
    """A well-formed call with arguments the chain cannot act on."""


class ExecutionFailed(ChainError):
    """A call or gas estimate whose execution failed.

    ``data`` holds the raw revert output (empty for non-revert failures) so
    clients can decode custom errors themselves.
    """

    def __init__(self, message: str, data: bytes = b"", reverted: bool = False) -> None:
        super().__init__(message)
        self.data = data
        self.reverted = reverted


class TransactionFailed(ExecutionFailed):
    """A transaction mined with status 0, reported to its sender as Hardhat does
    (``--throw-on-transaction-failures``): it stays mined; ``tx_hash`` names it."""

    def __init__(self, message: str, data: bytes, reverted: bool, tx_hash: bytes) -> None:
        super().__init__(message, data, reverted)
        self.tx_hash = tx_hash
