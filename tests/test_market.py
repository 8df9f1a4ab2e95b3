"""BountyMarket (docs/market.md): every transition and revert reason, each timeout path, a story with
an honest winner, a cheater, a no-show and an honest loser, and one test per fault of the original
design ("Faults of the original design, fixed"), in both node modes (VCOUNTEQ and its fallback).

The stake token is contracts/market/StakeToken.sol (faucet-funded dev accounts); the "token
transfer failed" path uses tests/contracts/MarketFalseToken.sol. Every test ends with `check()`:
the sum of the token balances of the requester, the trainers, the stranger and the market is what
it was, and the market holds exactly what it still owes (worked out here from the rules, not read
from the contract's own `owed`).

Faults of the original, and the tests that would fail on it:
- inverted cancel condition / division by zero: test_cancel_request_without_submissions,
  test_cancel_request_with_two_submissions
- cancelling changed a memory copy: test_cancelled_submission_is_skipped
- anyone could set any accuracy at any time: test_claim_accuracy_rules
- a no-show's sentinel was picked first: test_no_show_is_not_selected
- commitments copyable: test_copied_commitment_cannot_be_revealed
- labels as decimal digits: test_twelve_class_labels
- hex string against raw bytes: test_correct_reveal_succeeds
- `msg.sender == address(this)` guards: test_every_timeout_path_moves_the_request
- winning upload repeatable / unguarded: test_reveal_predictions_only_once_and_only_the_candidate
- request ids overwritten: test_ids_come_from_a_counter
- losers never got their stake back: test_story (the honest loser withdraws)
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD

from contracts.bindings.market import labels_commitment, model_commitment, predictions_commitment
from tests.sum_support import BUILD, revert_reason
from tests.support import compile_contract

pytestmark = pytest.mark.skipif(
    not (BUILD / "BountyMarket.json").exists() or not (BUILD / "StakeToken.json").exists(),
    reason="market artifacts not built",
)

REWARD = 9_000_001  # odd, so that split rewards leave a remainder
STAKE = 1_000_000
WINDOW = 1000  # every window, in seconds
TEST_SIZE = 20
CLASSES = 3
FAUCET = 1000 * 10**18
MAX_UINT = 2**256 - 1
GAS_LOG = pathlib.Path("/tmp/market-gas.json")

OPEN, AWAITING_LABELS, CLAIMING, VERIFYING, PAID, REFUNDED, PUNISHED, CANCELLED = range(8)
FINAL = (PAID, REFUNDED, PUNISHED, CANCELLED)

# Roles: dev accounts 0..5.
REQUESTER, T1, T2, T3, T4, STRANGER = range(6)


# ---------------------------------------------------------------- commitments (docs/market.md)

def salt(tag: str) -> bytes:
    return keccak(tag.encode())


# ---------------------------------------------------------------- data

def dataset(seed: int = 7, size: int = TEST_SIZE, classes: int = CLASSES) -> list[int]:
    return [int(v) for v in np.random.default_rng(seed).integers(0, classes, size)]


def with_errors(labels, wrong: int, classes: int = CLASSES) -> list[int]:
    """The labels with the first `wrong` points predicted as the next class: len - wrong correct."""
    return [(v + 1) % classes if i < wrong else v for i, v in enumerate(labels)]


# ---------------------------------------------------------------- fixtures and a test world

@pytest.fixture(scope="module")
def token(sum_node):
    contract, _ = sum_node.deploy("StakeToken", 0)
    for account in sum_node.accounts[:6]:
        assert sum_node.transact(contract.functions.faucet(FAUCET), sender=account).status == 1
    return contract


@pytest.fixture
def world(sum_node, token):
    return World(sum_node, token)


def log_gas(mode: str, gas: dict) -> None:
    log = json.loads(GAS_LOG.read_text()) if GAS_LOG.exists() else {}
    log.setdefault(mode, {}).update(gas)
    GAS_LOG.write_text(json.dumps(log, indent=2))


class World:
    """A fresh BountyMarket on the module's token, the six accounts approved for it, and what the
    trainers committed to (to reveal it later)."""

    def __init__(self, node, token):
        self.node = node
        self.w3 = node.w3
        self.token = token
        self.market, self.deploy_receipt = node.deploy("BountyMarket", token.address)
        self.fn = self.market.functions
        self.people = [Web3.to_checksum_address(a) for a in node.accounts[:6]]
        for account in self.people:
            self.send(token.functions.approve(self.market.address, MAX_UINT), account)
        self.start = self.total()
        self.secrets = {}  # (request id, index) -> (predictions, predictions salt, model, model salt)
        self.labels = {}  # request id -> (labels, salt)

    # -------------------------------------------------- plumbing

    def send(self, call, who):
        sender = who if isinstance(who, str) else self.people[who]
        receipt = self.node.transact(call, sender=sender, gas=8_000_000)
        assert receipt.status == 1
        return receipt

    def reason(self, call, who) -> str:
        return revert_reason(call, self.people[who] if isinstance(who, int) else who)

    def balance(self, who) -> int:
        return self.token.functions.balanceOf(self.people[who] if isinstance(who, int) else who).call()

    def events(self, receipt, name: str) -> list:
        return [dict(e.args) for e in getattr(self.market.events, name)().process_receipt(receipt, errors=DISCARD)]

    def move_to(self, timestamp: int) -> None:
        """Mine a block at `timestamp` (or the next second if that is past): later blocks are after it."""
        head = self.w3.eth.get_block("latest")["timestamp"]
        response = self.w3.provider.make_request("evm_setNextBlockTimestamp", [max(timestamp, head + 1)])
        assert "error" not in response, response
        self.w3.provider.make_request("evm_mine", [])

    def pin_next(self, timestamp: int) -> None:
        """The next block (and eth_call) at exactly `timestamp`."""
        response = self.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
        assert "error" not in response, response

    # -------------------------------------------------- views

    def request(self, rid: int) -> dict:
        names = [c["name"] for c in self.market.get_function_by_name("getRequest").abi["outputs"][0]["components"]]
        return dict(zip(names, self.fn.getRequest(rid).call()))

    def submission(self, rid: int, index: int) -> dict:
        abi = self.market.get_function_by_name("getSubmission").abi
        names = [c["name"] for c in abi["outputs"][0]["components"]]
        return dict(zip(names, self.fn.getSubmission(rid, index).call()))

    def state(self, rid: int) -> int:
        return self.fn.stateOf(rid).call()

    # -------------------------------------------------- actions

    def create(self, labels=None, who=REQUESTER, reward=REWARD, stake=STAKE, windows=(WINDOW,) * 4,
               test_size=None, tag="labels"):
        labels = dataset() if labels is None else labels
        rid = self.fn.requestCount().call()
        secret = salt(f"{tag}-{rid}")
        commitment = labels_commitment(labels, secret, self.people[who], rid)
        receipt = self.send(self.create_call(reward, stake, windows, len(labels) if test_size is None else test_size,
                                             commitment), who)
        assert self.events(receipt, "RequestCreated")[0]["id"] == rid
        self.labels[rid] = (labels, secret)
        return rid, receipt

    def create_call(self, reward=REWARD, stake=STAKE, windows=(WINDOW,) * 4, test_size=TEST_SIZE,
                    commitment=b"\x11" * 32):
        return self.fn.createRequest(reward, stake, *windows, "a model for the test", keccak(b"train"),
                                     keccak(b"test"), test_size, commitment)

    def submit(self, rid: int, who: int, predictions, model: bytes | None = None):
        trainer = self.people[who]
        index = self.fn.submissionCount(rid).call()
        model = model or keccak(f"model of {who}".encode())
        p_salt, m_salt = salt(f"p{rid}-{index}"), salt(f"m{rid}-{index}")
        receipt = self.send(self.fn.submit(rid, predictions_commitment(predictions, p_salt, trainer, rid),
                                           model_commitment(model, m_salt, trainer, rid)), who)
        assert self.events(receipt, "Submitted")[0]["index"] == index
        self.secrets[(rid, index)] = (list(predictions), p_salt, model, m_salt)
        return index, receipt

    def close_submissions(self, rid: int) -> None:
        self.move_to(self.request(rid)["submissionDeadline"])

    def reveal_labels(self, rid: int):
        labels, secret = self.labels[rid]
        return self.send(self.fn.revealLabels(rid, labels, secret), REQUESTER)

    def to_claiming(self, rid: int):
        self.close_submissions(rid)
        return self.reveal_labels(rid)

    def close_claims(self, rid: int) -> None:
        self.move_to(self.request(rid)["claimDeadline"])

    def select(self, rid: int, who=STRANGER):
        self.close_claims(rid)
        return self.send(self.fn.selectCandidate(rid), who)

    def reveal_call(self, rid: int, index: int, predictions=None, model=None):
        committed, p_salt, committed_model, m_salt = self.secrets[(rid, index)]
        return self.fn.revealPredictions(rid, committed if predictions is None else predictions, p_salt,
                                         committed_model if model is None else model, m_salt)

    def reveal(self, rid: int, index: int, who: int, predictions=None, model=None):
        return self.send(self.reveal_call(rid, index, predictions, model), who)

    # -------------------------------------------------- conservation

    def total(self) -> int:
        return sum(self.balance(a) for a in self.people) + self.balance(self.market.address)

    def owed(self) -> int:
        """What the market must still hold, from docs/market.md's rules."""
        total = 0
        for rid in range(self.fn.requestCount().call()):
            r, state = self.request(rid), self.state(rid)
            subs = [self.submission(rid, i) for i in range(self.fn.submissionCount(rid).call())]
            active = [s for s in subs if not s["cancelled"]]
            stake = r["trainerStake"]
            if state not in FINAL:
                total += r["reward"] + stake * len(active)
            elif state == CANCELLED:
                total += stake * sum(not s["settled"] for s in active)
            elif state == PUNISHED:
                first = subs.index(active[0])
                for i, s in enumerate(subs):
                    if not s["cancelled"] and not s["settled"]:
                        total += stake + r["reward"] // len(active) + (r["reward"] % len(active) if i == first else 0)
            else:  # Paid, Refunded: honest stakes not yet withdrawn
                total += stake * sum(s["claimed"] and not s["slashed"] and not s["settled"] for s in subs)
        return total

    def check(self) -> None:
        assert self.total() == self.start
        assert self.balance(self.market.address) == self.owed()


# ---------------------------------------------------------------- createRequest, ids

def test_create_request_and_its_reverts(world):
    call, who = world.create_call, REQUESTER
    assert world.reason(call(reward=0), who) == "BountyMarket: reward is zero"
    assert world.reason(call(stake=0), who) == "BountyMarket: stake is zero"
    for k in range(4):
        windows = [WINDOW] * 4
        windows[k] = 0
        assert world.reason(call(windows=windows), who) == "BountyMarket: window is zero"
    assert world.reason(call(test_size=0), who) == "BountyMarket: empty test set"
    assert world.reason(call(test_size=65_537), who) == "BountyMarket: test set too large"
    assert world.reason(world.fn.cancelRequest(0), who) == "BountyMarket: no such request"

    before = world.balance(REQUESTER)
    rid, receipt = world.create()
    now = world.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert world.balance(REQUESTER) == before - REWARD
    r = world.request(rid)
    assert (r["requester"], r["reward"], r["trainerStake"], r["testSize"]) == (world.people[REQUESTER], REWARD, STAKE,
                                                                                TEST_SIZE)
    assert (r["submissionDeadline"], r["labelsDeadline"]) == (now + WINDOW, now + 2 * WINDOW)
    assert (r["trainingSet"], r["testSet"], r["context"]) == (keccak(b"train"), keccak(b"test"), "a model for the test")
    assert r["labels"] == []
    assert world.events(receipt, "RequestCreated")[0] == {
        "id": rid, "requester": world.people[REQUESTER], "reward": REWARD, "trainerStake": STAKE,
        "submissionDeadline": now + WINDOW, "labelsDeadline": now + 2 * WINDOW}
    assert world.state(rid) == OPEN
    world.close_submissions(rid)
    assert world.state(rid) == AWAITING_LABELS
    world.check()


def test_ids_come_from_a_counter(world):
    """Fault: a request id could be overwritten."""
    first, _ = world.create(reward=REWARD)
    second, _ = world.create(reward=REWARD + 1, who=T1)
    assert (first, second) == (0, 1)
    assert world.fn.requestCount().call() == 2
    assert (world.request(0)["requester"], world.request(0)["reward"]) == (world.people[REQUESTER], REWARD)
    assert (world.request(1)["requester"], world.request(1)["reward"]) == (world.people[T1], REWARD + 1)
    world.check()


def test_token_transfer_failed(sum_node):
    abi, code = compile_contract("MarketFalseToken.sol", "MarketFalseToken")
    tx = sum_node.w3.eth.contract(abi=abi, bytecode=code).constructor().transact({"from": sum_node.accounts[0]})
    token = sum_node.w3.eth.contract(address=sum_node.w3.eth.wait_for_transaction_receipt(tx).contractAddress, abi=abi)
    world = World(sum_node, token)
    for account in world.people:
        world.send(token.functions.mint(account, 10 * REWARD), account)
    world.send(token.functions.setFailing(True), REQUESTER)
    assert world.reason(world.create_call(), REQUESTER) == "BountyMarket: token transfer failed"
    world.send(token.functions.setFailing(False), REQUESTER)
    rid, _ = world.create()
    index, _ = world.submit(rid, T1, dataset())
    world.send(token.functions.setFailing(True), REQUESTER)
    assert world.reason(world.fn.cancelSubmission(rid, index), T1) == "BountyMarket: token transfer failed"
    assert world.reason(world.fn.submit(rid, b"\x01" * 32, b"\x02" * 32), T2) == "BountyMarket: token transfer failed"


# ---------------------------------------------------------------- cancelRequest

def test_cancel_request_without_submissions(world):
    """Fault: with no trainer left the original divided by zero."""
    rid, _ = world.create()
    before = world.balance(REQUESTER)
    assert world.reason(world.fn.cancelRequest(rid), T1) == "BountyMarket: not the requester"
    receipt = world.send(world.fn.cancelRequest(rid), REQUESTER)
    assert world.events(receipt, "RequestCancelled") == [{"id": rid, "refund": REWARD}]
    assert world.balance(REQUESTER) == before + REWARD
    assert world.state(rid) == CANCELLED
    assert world.reason(world.fn.cancelRequest(rid), REQUESTER) == "BountyMarket: not open"
    assert world.reason(world.fn.submit(rid, b"\x01" * 32, b"\x02" * 32), T1) == "BountyMarket: submissions closed"
    world.check()


def test_cancel_request_with_two_submissions(world):
    """Fault: with trainers left the original refunded the requester only (inverted condition)."""
    rid, _ = world.create()
    a, _ = world.submit(rid, T1, dataset())
    b, _ = world.submit(rid, T2, dataset())
    requester, t1, t2 = world.balance(REQUESTER), world.balance(T1), world.balance(T2)
    world.send(world.fn.cancelRequest(rid), REQUESTER)
    assert world.balance(REQUESTER) == requester + REWARD
    world.check()  # the two stakes are still owed
    assert world.fn.owed(rid, a).call() == STAKE
    receipt = world.send(world.fn.withdraw(rid, a), T1)
    assert world.events(receipt, "Withdrawn") == [{"id": rid, "index": a, "trainer": world.people[T1], "amount": STAKE}]
    world.send(world.fn.withdraw(rid, b), T2)
    assert (world.balance(T1), world.balance(T2)) == (t1 + STAKE, t2 + STAKE)
    assert world.reason(world.fn.withdraw(rid, a), T1) == "BountyMarket: nothing to withdraw"
    assert world.reason(world.fn.withdraw(rid, b), T1) == "BountyMarket: not your submission"
    assert world.balance(world.market.address) == 0
    world.check()


def test_cancel_request_after_the_deadline(world):
    rid, _ = world.create()
    world.close_submissions(rid)
    assert world.reason(world.fn.cancelRequest(rid), REQUESTER) == "BountyMarket: not open"


# ---------------------------------------------------------------- submit, cancelSubmission

def test_submit_and_cancel_submission(world):
    rid, _ = world.create()
    before = world.balance(T1)
    index, receipt = world.submit(rid, T1, dataset())
    assert world.balance(T1) == before - STAKE
    assert world.events(receipt, "Submitted")[0]["trainer"] == world.people[T1]
    assert world.fn.submit(rid, b"\x01" * 32, b"\x02" * 32).call({"from": world.people[T2]}) == 1  # the index
    assert world.reason(world.fn.cancelSubmission(rid, index), T2) == "BountyMarket: not your submission"
    assert world.reason(world.fn.cancelSubmission(rid, 5), T1) == "BountyMarket: not your submission"
    receipt = world.send(world.fn.cancelSubmission(rid, index), T1)
    assert world.events(receipt, "SubmissionCancelled") == [{"id": rid, "index": index, "trainer": world.people[T1]}]
    assert world.balance(T1) == before
    assert world.submission(rid, index)["cancelled"]
    assert world.reason(world.fn.cancelSubmission(rid, index), T1) == "BountyMarket: already cancelled"
    other, _ = world.submit(rid, T2, dataset())
    world.close_submissions(rid)
    assert world.reason(world.fn.submit(rid, b"\x01" * 32, b"\x02" * 32), T3) == "BountyMarket: submissions closed"
    assert world.reason(world.fn.cancelSubmission(rid, other), T2) == "BountyMarket: submissions closed"
    world.check()


def test_cancelled_submission_is_skipped(world):
    """Fault: cancelling changed a memory copy; the stored submission must be marked and skipped."""
    labels = dataset()
    rid, _ = world.create(labels)
    best, _ = world.submit(rid, T1, labels)  # perfect predictions, then cancelled
    other, _ = world.submit(rid, T2, with_errors(labels, 5))
    world.send(world.fn.cancelSubmission(rid, best), T1)
    assert world.request(rid)["active"] == 1
    world.to_claiming(rid)
    assert world.reason(world.fn.claimAccuracy(rid, best, TEST_SIZE), T1) == "BountyMarket: already cancelled"
    world.send(world.fn.claimAccuracy(rid, other, TEST_SIZE - 5), T2)
    receipt = world.select(rid)
    assert world.events(receipt, "CandidateSelected")[0]["index"] == other
    before = world.balance(T2)
    world.reveal(rid, other, T2)
    assert world.balance(T2) == before + REWARD + STAKE  # no forfeited stake from the cancelled one
    assert world.reason(world.fn.withdraw(rid, best), T1) == "BountyMarket: nothing to withdraw"
    world.check()


# ---------------------------------------------------------------- revealLabels

def test_reveal_labels_rules(world):
    labels = dataset()
    rid, _ = world.create(labels)
    world.submit(rid, T1, labels)
    _, secret = world.labels[rid]
    reveal = world.fn.revealLabels
    assert world.reason(reveal(rid, labels, secret), REQUESTER) == "BountyMarket: not awaiting labels"
    world.close_submissions(rid)
    assert world.reason(reveal(rid, labels, secret), T1) == "BountyMarket: not the requester"
    mismatch = "BountyMarket: labels do not match the commitment"
    assert world.reason(reveal(rid, labels, salt("wrong")), REQUESTER) == mismatch
    assert world.reason(reveal(rid, with_errors(labels, 1), secret), REQUESTER) == mismatch
    assert world.reason(reveal(rid, labels[:-1], secret), REQUESTER) == mismatch
    receipt = world.reveal_labels(rid)
    now = world.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert world.events(receipt, "LabelsRevealed") == [{"id": rid, "claimDeadline": now + WINDOW}]
    assert world.state(rid) == CLAIMING
    assert world.request(rid)["labels"] == labels
    assert world.reason(reveal(rid, labels, secret), REQUESTER) == "BountyMarket: not awaiting labels"
    world.check()


def test_reveal_labels_after_the_response_window(world):
    rid, _ = world.create()
    world.submit(rid, T1, dataset())
    labels, secret = world.labels[rid]
    world.move_to(world.request(rid)["labelsDeadline"] - 1)
    world.pin_next(world.request(rid)["labelsDeadline"])
    assert world.reason(world.fn.revealLabels(rid, labels, secret), REQUESTER) == "BountyMarket: response window over"


def test_twelve_class_labels(world):
    """Fault: labels were hashed as decimal digits, so only 0-9 worked."""
    labels = dataset(seed=3, size=24, classes=12)
    assert max(labels) >= 10
    rid, _ = world.create(labels)
    index, _ = world.submit(rid, T1, with_errors(labels, 4, classes=12))
    world.to_claiming(rid)
    assert world.request(rid)["labels"] == labels
    world.send(world.fn.claimAccuracy(rid, index, 20), T1)
    world.select(rid)
    receipt = world.reveal(rid, index, T1)
    assert world.events(receipt, "Paid")[0]["amount"] == REWARD + STAKE
    world.check()


def test_correct_reveal_succeeds(world):
    """Fault: the stored hash was a hex string compared with raw bytes, so no reveal ever matched."""
    labels = dataset()
    rid, _ = world.create(labels)
    index, _ = world.submit(rid, T1, with_errors(labels, 2), model=b"\xab" * 32)
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, index, TEST_SIZE - 2), T1)
    world.select(rid)
    receipt = world.reveal(rid, index, T1)
    assert world.events(receipt, "Paid") == [{"id": rid, "index": index, "trainer": world.people[T1],
                                               "model": b"\xab" * 32, "amount": REWARD + STAKE}]
    assert world.state(rid) == PAID
    world.check()


# ---------------------------------------------------------------- timeoutLabels, refundUnanswered

def test_requester_punished(world):
    rid, _ = world.create()
    indices = [world.submit(rid, who, dataset())[0] for who in (T1, T2, T3)]
    world.send(world.fn.cancelSubmission(rid, indices[0]), T1)  # two active: T2 (first active) and T3
    assert world.reason(world.fn.timeoutLabels(rid), STRANGER) == "BountyMarket: not awaiting labels"
    deadline = world.request(rid)["labelsDeadline"]
    world.move_to(deadline - 2)
    world.pin_next(deadline - 1)
    assert world.reason(world.fn.timeoutLabels(rid), STRANGER) == "BountyMarket: response window not over"
    assert world.reason(world.fn.refundUnanswered(rid), STRANGER) == "BountyMarket: request has submissions"
    world.pin_next(deadline)
    receipt = world.send(world.fn.timeoutLabels(rid), STRANGER)
    share = REWARD // 2
    assert world.events(receipt, "RequesterPunished") == [{"id": rid, "submissions": 2, "share": share}]
    assert world.state(rid) == PUNISHED
    world.check()
    t2, t3 = world.balance(T2), world.balance(T3)
    world.send(world.fn.withdraw(rid, indices[1]), T2)
    world.send(world.fn.withdraw(rid, indices[2]), T3)
    assert world.balance(T2) == t2 + STAKE + share + REWARD % 2
    assert world.balance(T3) == t3 + STAKE + share
    assert world.reason(world.fn.withdraw(rid, indices[0]), T1) == "BountyMarket: nothing to withdraw"
    assert world.reason(world.fn.withdraw(rid, indices[1]), T2) == "BountyMarket: nothing to withdraw"
    labels, secret = world.labels[rid]
    assert world.reason(world.fn.revealLabels(rid, labels, secret), REQUESTER) == "BountyMarket: not awaiting labels"
    assert world.balance(world.market.address) == 0
    world.check()


def test_refund_unanswered(world):
    rid, _ = world.create()
    index, _ = world.submit(rid, T1, dataset())
    assert world.reason(world.fn.refundUnanswered(rid), STRANGER) == "BountyMarket: not awaiting labels"
    world.send(world.fn.cancelSubmission(rid, index), T1)
    world.close_submissions(rid)
    world.move_to(world.request(rid)["labelsDeadline"])
    assert world.reason(world.fn.timeoutLabels(rid), STRANGER) == "BountyMarket: no submissions"
    before = world.balance(REQUESTER)
    receipt = world.send(world.fn.refundUnanswered(rid), STRANGER)
    assert world.events(receipt, "Refunded") == [{"id": rid, "requester": world.people[REQUESTER], "amount": REWARD}]
    assert world.balance(REQUESTER) == before + REWARD
    assert world.state(rid) == REFUNDED
    world.check()


# ---------------------------------------------------------------- claimAccuracy, selectCandidate

def test_claim_accuracy_rules(world):
    """Fault: anyone could set any submission's accuracy, at any time."""
    labels = dataset()
    rid, _ = world.create(labels)
    index, _ = world.submit(rid, T1, labels)
    claim = world.fn.claimAccuracy
    assert world.reason(claim(rid, index, 3), T1) == "BountyMarket: not claiming"
    world.to_claiming(rid)
    assert world.reason(claim(rid, index, 3), STRANGER) == "BountyMarket: not your submission"
    assert world.reason(claim(rid, 7, 3), T1) == "BountyMarket: not your submission"
    assert world.reason(claim(rid, index, TEST_SIZE + 1), T1) == "BountyMarket: claim above the test size"
    receipt = world.send(claim(rid, index, TEST_SIZE), T1)
    assert world.events(receipt, "AccuracyClaimed") == [{"id": rid, "index": index, "trainer": world.people[T1],
                                                          "correct": TEST_SIZE}]
    assert world.reason(claim(rid, index, 3), T1) == "BountyMarket: already claimed"
    assert world.submission(rid, index)["correct"] == TEST_SIZE


def test_late_claim_reverts(world):
    rid, _ = world.create()
    index, _ = world.submit(rid, T1, dataset())
    world.to_claiming(rid)
    deadline = world.request(rid)["claimDeadline"]
    world.move_to(deadline - 1)
    world.pin_next(deadline)
    assert world.reason(world.fn.claimAccuracy(rid, index, 3), T1) == "BountyMarket: claim window over"


def test_select_candidate_rules(world):
    labels = dataset()
    rid, _ = world.create(labels)
    a, _ = world.submit(rid, T1, with_errors(labels, 3))
    b, _ = world.submit(rid, T2, with_errors(labels, 3))
    assert world.reason(world.fn.selectCandidate(rid), STRANGER) == "BountyMarket: not claiming"
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, b, 17), T2)
    world.send(world.fn.claimAccuracy(rid, a, 17), T1)  # a tie: the earliest submission wins it
    assert world.reason(world.fn.selectCandidate(rid), STRANGER) == "BountyMarket: claim window not over"
    receipt = world.select(rid)
    now = world.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert world.events(receipt, "CandidateSelected") == [{"id": rid, "index": a, "trainer": world.people[T1],
                                                            "correct": 17, "verifyDeadline": now + WINDOW}]
    assert world.state(rid) == VERIFYING
    assert world.reason(world.fn.selectCandidate(rid), STRANGER) == "BountyMarket: not claiming"
    world.check()


def test_no_show_is_not_selected(world):
    """Fault: a submission that never claimed kept a sentinel above every accuracy and was picked first."""
    labels = dataset()
    rid, _ = world.create(labels)
    no_show, _ = world.submit(rid, T1, labels)
    honest, _ = world.submit(rid, T2, with_errors(labels, 15))
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, honest, 5), T2)
    receipt = world.select(rid)
    assert world.events(receipt, "CandidateSelected")[0]["index"] == honest
    before = world.balance(T2)
    world.reveal(rid, honest, T2)
    assert world.balance(T2) == before + REWARD + STAKE + STAKE  # with the no-show's stake
    assert world.reason(world.fn.withdraw(rid, no_show), T1) == "BountyMarket: nothing to withdraw"
    world.check()


def test_no_claims_refunded(world):
    rid, _ = world.create()
    world.submit(rid, T1, dataset())
    world.submit(rid, T2, dataset())
    world.to_claiming(rid)
    before = world.balance(REQUESTER)
    receipt = world.select(rid)
    assert world.events(receipt, "Refunded") == [{"id": rid, "requester": world.people[REQUESTER],
                                                   "amount": REWARD + 2 * STAKE}]
    assert world.balance(REQUESTER) == before + REWARD + 2 * STAKE
    assert world.state(rid) == REFUNDED
    assert world.balance(world.market.address) == 0
    world.check()


# ---------------------------------------------------------------- revealPredictions, timeoutCandidate

def test_reveal_predictions_only_once_and_only_the_candidate(world):
    """Fault: the winning upload checked neither phase nor caller and could be repeated to drain."""
    labels = dataset()
    rid, _ = world.create(labels)
    a, _ = world.submit(rid, T1, with_errors(labels, 2))
    b, _ = world.submit(rid, T2, with_errors(labels, 4))
    assert world.reason(world.reveal_call(rid, a), T1) == "BountyMarket: not verifying"
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, a, 18), T1)
    world.send(world.fn.claimAccuracy(rid, b, 16), T2)
    world.select(rid)
    assert world.reason(world.reveal_call(rid, a), T2) == "BountyMarket: not the candidate"
    assert world.reason(world.reveal_call(rid, b), T2) == "BountyMarket: not the candidate"
    world.reveal(rid, a, T1)
    assert world.reason(world.reveal_call(rid, a), T1) == "BountyMarket: not verifying"
    assert world.reason(world.fn.timeoutCandidate(rid), STRANGER) == "BountyMarket: not verifying"
    assert world.reason(world.fn.withdraw(rid, a), T1) == "BountyMarket: nothing to withdraw"
    world.send(world.fn.withdraw(rid, b), T2)
    assert world.balance(world.market.address) == 0
    world.check()


def test_reveal_after_the_reveal_window(world):
    labels = dataset()
    rid, _ = world.create(labels)
    a, _ = world.submit(rid, T1, labels)
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, a, TEST_SIZE), T1)
    world.select(rid)
    deadline = world.request(rid)["verifyDeadline"]
    world.move_to(deadline - 2)
    world.pin_next(deadline - 1)
    assert world.reason(world.fn.timeoutCandidate(rid), STRANGER) == "BountyMarket: reveal window not over"
    world.pin_next(deadline)
    assert world.reason(world.reveal_call(rid, a), T1) == "BountyMarket: reveal window over"


def test_candidate_timeout(world):
    """A silent candidate is slashed and the next selected; the last one's silence refunds."""
    labels = dataset()
    rid, _ = world.create(labels)
    a, _ = world.submit(rid, T1, with_errors(labels, 1))
    b, _ = world.submit(rid, T2, with_errors(labels, 3))
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, a, 19), T1)
    world.send(world.fn.claimAccuracy(rid, b, 17), T2)
    world.select(rid)
    world.move_to(world.request(rid)["verifyDeadline"])
    receipt = world.send(world.fn.timeoutCandidate(rid), STRANGER)
    assert world.events(receipt, "CandidateSlashed") == [{"id": rid, "index": a, "trainer": world.people[T1],
                                                           "stake": STAKE}]
    assert world.events(receipt, "CandidateSelected")[0]["index"] == b
    assert world.state(rid) == VERIFYING
    world.check()
    before = world.balance(REQUESTER)
    world.move_to(world.request(rid)["verifyDeadline"])
    receipt = world.send(world.fn.timeoutCandidate(rid), STRANGER)
    assert world.events(receipt, "Refunded")[0]["amount"] == REWARD + 2 * STAKE
    assert world.balance(REQUESTER) == before + REWARD + 2 * STAKE
    assert world.reason(world.fn.withdraw(rid, a), T1) == "BountyMarket: nothing to withdraw"
    assert world.reason(world.fn.withdraw(rid, b), T2) == "BountyMarket: nothing to withdraw"
    assert world.state(rid) == REFUNDED
    world.check()


def test_overclaim_is_slashed_and_the_next_paid(world):
    """A claim above what the committed predictions score is slashed at the reveal."""
    labels = dataset()
    rid, _ = world.create(labels)
    liar, _ = world.submit(rid, T1, with_errors(labels, 8))
    honest, _ = world.submit(rid, T2, with_errors(labels, 9))
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, liar, 13), T1)  # scores 12
    world.send(world.fn.claimAccuracy(rid, honest, 11), T2)
    world.select(rid)
    receipt = world.reveal(rid, liar, T1)
    assert world.events(receipt, "CandidateSlashed")[0]["index"] == liar
    assert world.events(receipt, "CandidateSelected")[0]["index"] == honest
    before = world.balance(T2)
    world.reveal(rid, honest, T2)
    assert world.balance(T2) == before + REWARD + 2 * STAKE
    world.check()


def test_other_model_is_slashed(world):
    """Right predictions with another model than the committed one: slashed, nobody left: refunded."""
    labels = dataset()
    rid, _ = world.create(labels)
    index, _ = world.submit(rid, T1, labels)
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, index, TEST_SIZE), T1)
    world.select(rid)
    receipt = world.reveal(rid, index, T1, model=keccak(b"a better model"))
    assert world.events(receipt, "CandidateSlashed")[0]["index"] == index
    assert world.events(receipt, "Refunded")[0]["amount"] == REWARD + STAKE
    world.check()


def test_copied_commitment_cannot_be_revealed(world):
    """Fault: commitments had no salt or sender, so a copier could reveal another's work."""
    labels = dataset()
    rid, _ = world.create(labels)
    original, _ = world.submit(rid, T1, with_errors(labels, 2))
    victim = world.submission(rid, original)
    # T2 copies both commitments and later learns the salts: its reveal would score the same.
    copy = world.fn.submissionCount(rid).call()
    world.send(world.fn.submit(rid, victim["predictionsCommitment"], victim["modelCommitment"]), T2)
    world.to_claiming(rid)
    world.send(world.fn.claimAccuracy(rid, original, 18), T1)
    world.send(world.fn.claimAccuracy(rid, copy, 18), T2)
    # The tie goes to the original; let it stay silent so that the copier becomes the candidate.
    world.select(rid)
    world.move_to(world.request(rid)["verifyDeadline"])
    world.send(world.fn.timeoutCandidate(rid), STRANGER)
    assert world.request(rid)["candidate"] == copy
    receipt = world.send(world.reveal_call(rid, original), T2)  # the original's predictions, salts, model
    assert world.events(receipt, "CandidateSlashed")[0]["index"] == copy
    assert world.events(receipt, "Paid") == []
    assert world.state(rid) == REFUNDED
    # The same commitment in another request cannot be opened either: the request id is inside.
    predictions, p_salt, model, m_salt = world.secrets[(rid, original)]
    assert predictions_commitment(predictions, p_salt, world.people[T1], rid + 1) != victim["predictionsCommitment"]
    assert predictions_commitment(predictions, p_salt, world.people[T2], rid) != victim["predictionsCommitment"]
    world.check()


def test_every_timeout_path_moves_the_request(world):
    """Fault: `msg.sender == address(this)` guards made selection and timeouts revert. A stranger
    moves each stuck request on: timeoutLabels, refundUnanswered, selectCandidate, timeoutCandidate."""
    punished, _ = world.create()
    world.submit(punished, T1, dataset())
    unanswered, _ = world.create()
    silent, _ = world.create()
    world.submit(silent, T1, dataset())
    world.move_to(max(world.request(r)["labelsDeadline"] for r in (punished, unanswered)))
    world.send(world.fn.timeoutLabels(punished), STRANGER)
    world.send(world.fn.refundUnanswered(unanswered), STRANGER)
    assert (world.state(punished), world.state(unanswered)) == (PUNISHED, REFUNDED)

    third, _ = world.create()
    index = world.submit(third, T1, dataset())[0]
    world.to_claiming(third)
    world.send(world.fn.claimAccuracy(third, index, 20), T1)
    world.select(third)
    assert world.state(third) == VERIFYING
    world.move_to(world.request(third)["verifyDeadline"])
    world.send(world.fn.timeoutCandidate(third), STRANGER)
    assert world.state(third) == REFUNDED
    assert world.state(silent) == AWAITING_LABELS
    world.send(world.fn.timeoutLabels(silent), STRANGER)
    world.check()


# ---------------------------------------------------------------- the story

def test_story(world, sum_node):
    """20 test points, 3 classes. T1 honest (17 right), T2 a cheater (commits 12 right, claims 20 and
    reveals the published labels instead), T3 a no-show (never claims), T4 an honest loser (10 right).
    The cheater is slashed, T1 is paid reward + the two lost stakes + its own; T4 withdraws."""
    gas = {"deploy BountyMarket": world.deploy_receipt.gasUsed}
    labels = dataset()
    rid, receipt = world.create(labels)
    gas["createRequest"] = receipt.gasUsed
    start = {who: world.balance(who) for who in (REQUESTER, T1, T2, T3, T4)}
    honest, receipt = world.submit(rid, T1, with_errors(labels, 3))
    gas["submit"] = receipt.gasUsed
    cheater, _ = world.submit(rid, T2, with_errors(labels, 8))
    no_show, _ = world.submit(rid, T3, with_errors(labels, 1))
    loser, _ = world.submit(rid, T4, with_errors(labels, 10))
    world.check()

    world.close_submissions(rid)
    gas["revealLabels (20 labels)"] = world.reveal_labels(rid).gasUsed
    gas["claimAccuracy"] = world.send(world.fn.claimAccuracy(rid, honest, 17), T1).gasUsed
    world.send(world.fn.claimAccuracy(rid, cheater, 20), T2)
    world.send(world.fn.claimAccuracy(rid, loser, 10), T4)
    world.check()

    receipt = world.select(rid)
    gas["selectCandidate (4 submissions)"] = receipt.gasUsed
    assert world.events(receipt, "CandidateSelected")[0]["index"] == cheater
    receipt = world.reveal(rid, cheater, T2, predictions=labels)  # not what was committed
    gas["revealPredictions, failing (slash + select next)"] = receipt.gasUsed
    assert world.events(receipt, "CandidateSlashed")[0]["index"] == cheater
    assert world.events(receipt, "CandidateSelected")[0]["index"] == honest
    world.check()

    receipt = world.reveal(rid, honest, T1)
    gas["revealPredictions, paid (20 predictions)"] = receipt.gasUsed
    model = world.secrets[(rid, honest)][2]
    amount = REWARD + 3 * STAKE  # reward, the cheater's and the no-show's stakes, its own
    assert world.events(receipt, "Paid") == [{"id": rid, "index": honest, "trainer": world.people[T1],
                                               "model": model, "amount": amount}]
    world.check()
    gas["withdraw"] = world.send(world.fn.withdraw(rid, loser), T4).gasUsed
    for who, index in ((T2, cheater), (T3, no_show), (T1, honest), (T4, loser)):
        assert world.reason(world.fn.withdraw(rid, index), who) == "BountyMarket: nothing to withdraw"

    assert world.balance(REQUESTER) == start[REQUESTER]  # the reward was taken before `start`
    assert world.balance(T1) == start[T1] - STAKE + amount
    assert world.balance(T2) == start[T2] - STAKE
    assert world.balance(T3) == start[T3] - STAKE
    assert world.balance(T4) == start[T4]
    assert world.balance(world.market.address) == 0
    world.check()
    log_gas(sum_node.mode, gas)


def test_submission_cap(world, sum_node):
    """Selection scans every submission, so a request takes at most MAX_SUBMISSIONS (256). The cap
    does not depend on the mode: run once."""
    if sum_node.mode != "native":
        pytest.skip("the same in both modes")
    cap = world.fn.MAX_SUBMISSIONS().call()
    assert cap == 256
    rid, _ = world.create()
    for _ in range(cap):
        world.send(world.fn.submit(rid, b"\x01" * 32, b"\x02" * 32), T1)
    assert world.reason(world.fn.submit(rid, b"\x01" * 32, b"\x02" * 32), T2) == "BountyMarket: too many submissions"
    world.to_claiming(rid)
    receipt = world.select(rid)  # scans all 256, finds no claim: Refunded
    assert world.events(receipt, "Refunded")[0]["amount"] == REWARD + cap * STAKE
    assert receipt.gasUsed < 2_000_000
    log_gas(sum_node.mode, {"selectCandidate (256 submissions, none claimed)": receipt.gasUsed})
    world.check()
