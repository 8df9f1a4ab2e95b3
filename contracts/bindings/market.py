"""The bounty market's commitments (docs/market.md) and ABI, for any client of BountyMarket.

Every commitment is keccak-256 over an ABI encoding that includes the salt, the sender and the
request id, exactly as contracts/market/BountyMarket.sol recomputes it on reveal.
"""
from __future__ import annotations

from typing import Sequence

from eth_abi import encode
from eth_utils import keccak

from .contract import Function


def labels_commitment(labels: Sequence[int], salt: bytes, requester: str, request_id: int) -> bytes:
    return keccak(encode(["uint64[]", "bytes32", "address", "uint256"], [list(labels), salt, requester, request_id]))


def predictions_commitment(predictions: Sequence[int], salt: bytes, trainer: str, request_id: int) -> bytes:
    return keccak(encode(["uint64[]", "bytes32", "address", "uint256"], [list(predictions), salt, trainer, request_id]))


def model_commitment(model: bytes, salt: bytes, trainer: str, request_id: int) -> bytes:
    return keccak(encode(["bytes32", "bytes32", "address", "uint256"], [model, salt, trainer, request_id]))


FAUCET = Function("faucet", ("uint256",))
APPROVE = Function("approve", ("address", "uint256"), ("bool",))
CREATE_REQUEST = Function("createRequest", ("uint256", "uint256", "uint64", "uint64", "uint64", "uint64", "string",
                                            "bytes32", "bytes32", "uint64", "bytes32"), ("uint256",))
SUBMIT = Function("submit", ("uint256", "bytes32", "bytes32"), ("uint256",))
CANCEL_SUBMISSION = Function("cancelSubmission", ("uint256", "uint256"))
REVEAL_LABELS = Function("revealLabels", ("uint256", "uint64[]", "bytes32"))
CLAIM_ACCURACY = Function("claimAccuracy", ("uint256", "uint256", "uint64"))
SELECT_CANDIDATE = Function("selectCandidate", ("uint256",))
REVEAL_PREDICTIONS = Function("revealPredictions", ("uint256", "uint64[]", "bytes32", "bytes32", "bytes32"))
WITHDRAW = Function("withdraw", ("uint256", "uint256"))
REQUEST_COUNT = Function("requestCount", (), ("uint256",))
