"""The bounty market's gas (part of ``sumchain bench gas``): one request's story, action by action.

On the node at ``url``: deploy StakeToken and BountyMarket, fund a requester and three trainers
from the faucet, create a request with a test set of ``TEST_SIZE`` points, three submissions, the
labels revealed, three claims, the candidate selected and its predictions revealed and paid (scored
with VCOUNTEQ or its fallback), and an honest loser's withdrawal. Each row is a receipt's gasUsed,
split into calldata and execution (bench/gas_split.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from eth_utils import keccak

from bench.gas_split import split_mined
from contracts.bindings.contract import Connection, TxResult
from contracts.bindings.deploy import creation_code
from contracts.bindings.market import (
    APPROVE, CLAIM_ACCURACY, CREATE_REQUEST, FAUCET, REQUEST_COUNT, REVEAL_LABELS, REVEAL_PREDICTIONS,
    SELECT_CANDIDATE, SUBMIT, WITHDRAW, labels_commitment, model_commitment, predictions_commitment,
)

TEST_SIZE = 100
CLASSES = 10
WINDOW_S = 100
REWARD, STAKE = 10 * 10**18, 10**18
ACTIONS = ("deploy StakeToken", "deploy BountyMarket", "createRequest", "submit", "revealLabels", "claimAccuracy",
           "selectCandidate", "revealPredictions (paid)", "withdraw")


def steps() -> int:
    return 1


def measure(url: str, mode: str, fork: str, bar: Any) -> list[dict[str, Any]]:
    bar.set_postfix_str(f"{fork} {mode}: bounty market")
    accounts = Connection.open(url).client.request("eth_accounts")[:4]
    requester, *trainers = [Connection.open(url, account) for account in accounts]
    rng = np.random.default_rng(5)
    rows: list[dict[str, Any]] = []

    def record(action: str, tx: TxResult) -> TxResult:
        rows.append({"fork": fork, "mode": mode, "action": action, **split_mined(requester, tx).as_dict()})
        return tx

    token = record("deploy StakeToken", requester.send(None, creation_code("StakeToken", ("uint256",), (0,))))
    market = record("deploy BountyMarket", requester.send(None, creation_code("BountyMarket", ("address",),
                                                                              (token.contract_address,))))
    token, market = token.contract_address, market.contract_address
    for conn in (requester, *trainers):
        conn.transact(token, FAUCET, 1000 * 10**18)
        conn.transact(token, APPROVE, market, 2**256 - 1)
    labels = [int(v) for v in rng.integers(0, CLASSES, TEST_SIZE)]
    rid = requester.call(market, REQUEST_COUNT)
    labels_salt = keccak(b"labels")
    record("createRequest", requester.transact(
        market, CREATE_REQUEST, REWARD, STAKE, WINDOW_S, WINDOW_S, WINDOW_S, WINDOW_S, "bench request",
        keccak(b"training set"), keccak(b"test set"), TEST_SIZE,
        labels_commitment(labels, labels_salt, requester.sender.address, rid)))
    # Trainer i gets all but 5*i points right: trainer 0 is the best.
    secrets = []
    for i, conn in enumerate(trainers):
        predictions = [(v + 1) % CLASSES if j < 5 * i else v for j, v in enumerate(labels)]
        model, p_salt, m_salt = keccak(f"model {i}".encode()), keccak(f"p{i}".encode()), keccak(f"m{i}".encode())
        who = conn.sender.address
        tx = conn.transact(market, SUBMIT, rid, predictions_commitment(predictions, p_salt, who, rid),
                           model_commitment(model, m_salt, who, rid))
        if i == 0:
            record("submit", tx)
        secrets.append((predictions, p_salt, model, m_salt))
    _advance(requester, WINDOW_S)
    record("revealLabels", requester.transact(market, REVEAL_LABELS, rid, labels, labels_salt))
    for i, conn in enumerate(trainers):
        tx = conn.transact(market, CLAIM_ACCURACY, rid, i, TEST_SIZE - 5 * i)
        if i == 0:
            record("claimAccuracy", tx)
    _advance(requester, WINDOW_S)
    record("selectCandidate", requester.transact(market, SELECT_CANDIDATE, rid))
    predictions, p_salt, model, m_salt = secrets[0]
    record("revealPredictions (paid)", trainers[0].transact(market, REVEAL_PREDICTIONS, rid, predictions, p_salt,
                                                            model, m_salt))
    record("withdraw", trainers[1].transact(market, WITHDRAW, rid, 1))
    bar.update(1)
    return rows


def _advance(conn: Connection, seconds: int) -> None:
    """Mine a block `seconds` (and one) after the latest (a burst of automined blocks can run ahead of
    the clock, so evm_increaseTime alone may not reach a deadline)."""
    latest = int(conn.client.request("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    conn.client.request("evm_setNextBlockTimestamp", latest + seconds + 1)
    conn.client.request("evm_mine")


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "## Bounty market",
        "",
        f"One request's story on each node (`bench/gas_market.py`): a test set of {TEST_SIZE} points in {CLASSES} "
        "classes, three trainers, the best one verified and paid (its predictions scored on chain with VCOUNTEQ, "
        "or its Solidity fallback), an honest loser's withdrawal. gasUsed of each receipt; the action's rules "
        "are in [market.md](market.md).",
        "",
        "| action | fork | precompile | fallback |",
        "|---|---|---|---|",
    ]
    for action in ACTIONS:
        for fork in dict.fromkeys(r["fork"] for r in rows):
            found = {r["mode"]: r for r in rows if r["action"] == action and r["fork"] == fork}
            if found:
                cells = [f"{found[m]['gas_used']:,}" if m in found else "–" for m in ("precompile", "fallback")]
                lines.append(f"| {action} | {fork} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
