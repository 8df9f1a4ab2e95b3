"""CollaborativeTrainer64, DataHandler64, Stakeable64 and Points64 over JSON-RPC, in both node modes.

The rules and revert reasons are those of the original SUM contracts (shared/sum-spec.md); the
calls between the contracts pass the record key, not the sample (docs/contracts.md, "Plumbing").
Times are pinned with evm_setNextBlockTimestamp so costs and wait-time boundaries are exact.
"""
from __future__ import annotations

import numpy as np
import pytest
from eth_abi import encode
from eth_hash.auto import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError

from tests.sum_support import BUILD, TO_FLOAT, artifact, pack, revert_reason, unit_vector
from tests.support import compile_contract, selector

pytestmark = pytest.mark.skipif(
    not (BUILD / "CollaborativeTrainer64.json").exists(), reason="SUM trainer artifacts not built"
)

COST_WEIGHT = 10**15
SMALL_WEIGHT = 10**13
CLASSES = ["Negative", "Positive"]


# ---------------------------------------------------------------- helpers

def deploy_test_contract(node, name="SumTestClassifier"):
    abi, code = compile_contract("SumTestClassifier.sol", name)
    factory = node.w3.eth.contract(abi=abi, bytecode=code)
    receipt = node.w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": node.accounts[0]}))
    return node.w3.eth.contract(address=receipt.contractAddress, abi=abi)


def users(node) -> list[str]:
    """The dev accounts as checksum addresses (how web3 returns addresses from calls and events)."""
    return [Web3.to_checksum_address(a) for a in node.accounts]


def ok(node, call, sender=None, value=0):
    receipt = node.transact(call, sender=sender, value=value, gas=16_000_000)
    assert receipt.status == 1
    return receipt


def set_next(node, timestamp: int) -> int:
    response = node.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    assert "error" not in response, response
    return timestamp


def fee(receipt) -> int:
    return receipt["gasUsed"] * receipt["effectiveGasPrice"]


def balance(node, account) -> int:
    return node.w3.eth.get_balance(account)


def abi_key(data, c, t, author) -> bytes:
    body = b"".join(int(v).to_bytes(32, "big", signed=True) for v in data)
    return keccak(body + c.to_bytes(8, "big") + t.to_bytes(32, "big") + bytes.fromhex(author[2:]))


def packed_key(data: bytes, c, t, author) -> bytes:
    return keccak(b"\x01" + data + c.to_bytes(8, "big") + t.to_bytes(32, "big") + bytes.fromhex(author[2:]))


def deploy_reason(node, name, *args) -> str:
    data = artifact(name)
    factory = node.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"])
    tx = factory.constructor(*args).build_transaction({"from": node.accounts[0], "gas": 5_000_000})
    try:
        node.w3.eth.call({"from": node.accounts[0], "data": tx["data"]})
    except ContractLogicError as error:
        return error.message.removeprefix("execution reverted: ")
    raise AssertionError("the deployment did not revert")


class System:
    """A classifier, DataHandler64, an incentive mechanism and the trainer owning all three."""

    def __init__(self, node, im_name, im_args, classifier=None, owner=None):
        self.node = node
        owner = owner or node.accounts[0]
        self.classifier = classifier if classifier is not None else deploy_test_contract(node)
        self.dh, _ = node.deploy("DataHandler64", sender=owner)
        self.im, _ = node.deploy(im_name, *im_args, sender=owner)
        self.trainer, _ = node.deploy(
            "CollaborativeTrainer64", "name", "description", "encoder",
            self.dh.address, self.im.address, self.classifier.address, sender=owner,
        )
        for part in (self.dh, self.im, self.classifier):
            ok(node, part.functions.transferOwnership(self.trainer.address), sender=owner)

    def add(self, data, c, sender, value=0, at=None):
        if at is not None:
            set_next(self.node, at)
        receipt = ok(self.node, self.trainer.functions.addData(data, c), sender=sender, value=value)
        event = self.trainer.events.AddData().process_receipt(receipt)[0]["args"]
        return receipt, event

    def record(self, data, c, t, author):
        return self.dh.functions.addedData(abi_key(data, c, t, author)).call()


def sparse_perceptron(node, weights, intercept=0, learning_rate=TO_FLOAT):
    contract, _ = node.deploy("SparsePerceptron", CLASSES, weights, intercept, learning_rate)
    return contract


# ---------------------------------------------------------------- Stakeable64 on its own

def test_stakeable_cost_table(sum_node):
    im, receipt = sum_node.deploy("Stakeable64", 1, 2, 3, COST_WEIGHT)
    last = im.functions.lastUpdateTimeS().call()
    assert last == sum_node.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    table = {0: 36 * 10**17, 60: 514285714285714285, 3600: 6 * 10**16, 86400: 12286689419795221}
    for delta, cost in table.items():
        assert im.functions.getNextAddDataCost(last + delta).call() == cost
    assert revert_reason(im.functions.getNextAddDataCost(last - 1), users(sum_node)[0]) == (
        "The last update time is after the current time."
    )
    set_next(sum_node, last + 3600)  # what a transaction sent now pays: the pending block's time
    assert im.functions.getNextAddDataCost().call(block_identifier="pending") == 6 * 10**16
    assert im.functions.getNextAddDataCost([1, -2], 1).call(block_identifier="pending") == 6 * 10**16
    free, _ = sum_node.deploy("Stakeable64", 1, 2, 3, 0)
    assert free.functions.getNextAddDataCost(0).call() == 0
    assert free.functions.getNextAddDataCost().call() == 0
    assert [im.functions.refundWaitTimeS().call(), im.functions.ownerClaimWaitTimeS().call(),
            im.functions.anyAddressClaimWaitTimeS().call(), im.functions.costWeight().call()] == [1, 2, 3, COST_WEIGHT]


def test_wait_times_must_be_ordered(sum_node):
    for name, extra in (("Stakeable64", [1]), ("Points64", [])):
        assert deploy_reason(sum_node, name, 2, 1, 3, *extra) == (
            "Owner claim wait time must be at least the refund wait time."
        )
        assert deploy_reason(sum_node, name, 1, 3, 2, *extra) == (
            "Owner claim wait time must be less than the any address claim wait time."
        )


def test_stakeable_hooks_directly(sum_node):
    """The original's stakeable.js: the deployer owns the mechanism and calls its hooks itself."""
    owner, other, third = users(sum_node)[:3]
    im, _ = sum_node.deploy("Stakeable64", 100, 200, 300, COST_WEIGHT)
    key = b"\x11" * 32
    assert revert_reason(im.functions.handleAddData(owner, 10**18, key, 0), other) == "Sender is not the owner."
    start = sum_node.now() + 10
    set_next(sum_node, start)
    cost = im.functions.getNextAddDataCost(start).call()
    assert revert_reason(im.functions.handleAddData(owner, cost - 1, key, 0), owner) == (
        "Didn't pay enough for the deposit."
    )
    ok(sum_node, im.functions.handleAddData(owner, cost, key, 0))
    assert im.functions.lastUpdateTimeS().call() == start
    assert im.functions.addressStats(owner).call() == [0, 1]
    assert im.functions.totalSubmitted().call() == 1

    refund = im.functions.handleRefund
    set_next(sum_node, start + 99)
    assert revert_reason(refund(owner, key, 0, start, cost, True, 0, 0), owner) == "Deposit already claimed by submitter."
    assert revert_reason(refund(owner, key, 0, start, 0, False, 0, 0), owner) == "There is no reward left to claim."
    assert revert_reason(refund(owner, key, 0, start, cost, False, 0, 0), owner) == "Not enough time has passed."
    assert revert_reason(im.functions.handleReport(other, key, 0, start, third, 1, 1, False, 1, 0), owner) == (
        "Not enough time has passed."
    )
    set_next(sum_node, start + 100)
    assert revert_reason(refund(owner, key, 0, start, cost, False, 1, 0), owner) == (
        "The model doesn't agree with your contribution."
    )
    receipt = ok(sum_node, refund(owner, key, 0, start, cost, False, 0, 0))
    assert im.events.Refund().process_receipt(receipt)[0]["args"] == {"recipient": owner, "amount": cost}
    assert im.functions.numValidForAddress(owner).call() == 1
    ok(sum_node, refund(other, key, 0, start, cost, False, 0, 0))
    assert im.functions.totalGoodDataCount().call() == 2

    report = im.functions.handleReport
    deposit = 10**18
    set_next(sum_node, start + 150)
    assert revert_reason(report(owner, key, 0, start, owner, deposit, deposit, False, 1, 0), owner) == (
        "Cannot take your own deposit."
    )
    assert revert_reason(report(other, key, 0, start, owner, deposit, deposit, True, 1, 0), owner) == (
        "Deposit already claimed by reporter."
    )
    assert revert_reason(report(other, key, 0, start, owner, deposit, deposit, False, 0, 0), owner) == (
        "The model should not agree with the contribution."
    )
    assert revert_reason(report(third, key, 0, start, owner, deposit, deposit, False, 1, 0), owner) == (
        "The sender has not sent any good data."
    )
    assert revert_reason(report(other, key, 0, start, owner, deposit, 0, False, 1, 0), owner) == (
        "There is no reward left to claim."
    )
    # 1 of 2 valid contributions: half the initial deposit; more than is left: all that is left.
    assert report(other, key, 0, start, owner, deposit, deposit, False, 1, 1).call({"from": owner}, "pending") == deposit // 2
    assert report(other, key, 0, start, owner, deposit, deposit // 3, False, 1, 1).call({"from": owner}, "pending") == deposit // 3
    # Rounds to 0: everything left.
    assert report(other, key, 0, start, owner, 1, 1, False, 1, 1).call({"from": owner}, "pending") == 1
    # The model owner (the deployer) after ownerClaimWaitTimeS takes everything, even its own data.
    set_next(sum_node, start + 200)
    receipt = ok(sum_node, report(owner, key, 0, start, owner, deposit, deposit - 5, True, 0, 3))
    assert im.events.Report().process_receipt(receipt)[0]["args"] == {"recipient": owner, "amount": deposit - 5}
    # Anyone after anyAddressClaimWaitTimeS, the author included.
    set_next(sum_node, start + 299)
    assert revert_reason(report(third, key, 0, start, third, deposit, 7, False, 0, 0), owner) == (
        "Cannot take your own deposit."
    )
    set_next(sum_node, start + 300)
    assert report(third, key, 0, start, third, deposit, 7, True, 0, 4).call({"from": owner}, "pending") == 7


def test_model_owner_is_transferable_only_by_itself(sum_node):
    owner, other = users(sum_node)[:2]
    im, _ = sum_node.deploy("Stakeable64", 1, 2, 3, 0)
    assert im.functions.modelOwner().call() == owner
    assert revert_reason(im.functions.transferModelOwnership(other), other) == "Sender is not the model owner."
    assert revert_reason(im.functions.transferModelOwnership("0x" + "00" * 20), owner) == "New owner cannot be 0x0."
    ok(sum_node, im.functions.transferModelOwnership(other))
    assert im.functions.modelOwner().call() == other


# ---------------------------------------------------------------- Points64 on its own

def test_points_hooks_directly(sum_node):
    """The original's points.js, plus the wait time and the refusals' reasons."""
    owner, other, third = users(sum_node)[:3]
    im, _ = sum_node.deploy("Points64", 0, 0, 0)
    key = b"\x22" * 32
    assert im.functions.getNextAddDataCost().call() == 0
    assert im.functions.getNextAddDataCost(5).call() == 0
    assert im.functions.getNextAddDataCost([], 0).call() == 0
    assert im.functions.handleAddData(owner, 10**18, key, 0).call({"from": owner}, "pending") == [0, True]
    ok(sum_node, im.functions.handleAddData(owner, 0, key, 0))
    assert im.functions.totalSubmitted().call() == 1 and im.functions.addressStats(owner).call() == [0, 1]
    t = sum_node.now()
    refund, report = im.functions.handleRefund, im.functions.handleReport
    assert refund(other, key, 0, t, 0, False, 0, 0).call({"from": owner}, "pending") == 0
    receipt = ok(sum_node, refund(owner, key, 0, t, 0, False, 0, 0))
    assert im.events.Refund().process_receipt(receipt)[0]["args"] == {"recipient": owner}
    assert im.functions.numValidForAddress(owner).call() == 1 and im.functions.totalGoodDataCount().call() == 1
    assert revert_reason(refund(owner, key, 0, t, 0, False, 0, 1), owner) == "Already claimed."
    assert revert_reason(refund(owner, key, 0, t, 0, True, 0, 0), owner) == "Already claimed by submitter."
    assert revert_reason(refund(owner, key, 0, t, 0, False, 1, 0), owner) == (
        "The model doesn't agree with your contribution."
    )
    receipt = ok(sum_node, report(other, key, 0, t, owner, 0, 0, False, 1, 0))
    assert im.events.Report().process_receipt(receipt)[0]["args"] == {"recipient": other}
    assert im.functions.numValidForAddress(other).call() == 0 and im.functions.totalGoodDataCount().call() == 1
    assert revert_reason(report(third, key, 0, t, owner, 0, 0, False, 1, 1), owner) == "Already claimed."
    assert revert_reason(report(owner, key, 0, t, owner, 0, 0, False, 1, 0), owner) == "Cannot report yourself."
    assert revert_reason(report(other, key, 0, t, owner, 0, 0, True, 1, 0), owner) == "Already claimed by reporter."
    assert revert_reason(report(other, key, 0, t, owner, 0, 0, False, 0, 0), owner) == (
        "The model should not agree with the contribution."
    )
    waiting, _ = sum_node.deploy("Points64", 100, 200, 300)
    start = sum_node.now() + 10
    set_next(sum_node, start + 99)
    assert revert_reason(waiting.functions.handleRefund(owner, key, 0, start, 0, False, 0, 0), owner) == (
        "Not enough time has passed."
    )
    assert revert_reason(waiting.functions.handleReport(other, key, 0, start, owner, 0, 0, False, 1, 0), owner) == (
        "Cannot be claimed yet."
    )
    set_next(sum_node, start + 100)
    assert waiting.functions.handleReport(other, key, 0, start, owner, 0, 0, False, 1, 0).call({"from": owner}, "pending") == 0


# ---------------------------------------------------------------- DataHandler64 on its own

def test_data_handler_records_and_reasons(sum_node):
    owner, author, reporter = users(sum_node)[:3]
    dh, _ = sum_node.deploy("DataHandler64")
    data, c = [3, -4, 5], 1
    start = set_next(sum_node, sum_node.now() + 10)
    key = abi_key(data, c, start, author)
    assert revert_reason(dh.functions.handleAddData(author, 7, key, c), author) == "Sender is not the owner."
    ok(sum_node, dh.functions.handleAddData(author, 7, key, c))
    assert dh.functions.addedData(key).call() == [c, start, author, 7, 7, 0]
    views = dh.functions
    assert views.getClaimableAmount(data, c, start, author).call() == 7
    assert views.getInitialDeposit(data, c, start, author).call() == 7
    assert views.getNumClaims(data, c, start, author).call() == 0
    assert views.hasClaimed(data, c, start, author, author).call() is False
    assert revert_reason(views.getClaimableAmount(data, 0, start, author), owner) == "Data not found."
    assert revert_reason(views.getInitialDeposit(data, c, start + 1, author), owner) == "Data not found."
    assert revert_reason(views.getNumClaims(data, c, start, reporter), owner) == "Data not found."
    assert revert_reason(views.hasClaimed([3, -4], c, start, author, author), owner) == "Data not found."
    assert views.isDataEqual(data, data).call() is True
    assert views.isDataEqual(data, [3, -4, 6]).call() is False
    assert views.isDataEqual(data, [3, -4]).call() is False

    assert revert_reason(dh.functions.handleAddData(author, 7, key, c), owner) == (
        "Conflicting data key. The data may have already been added."
    )
    unknown = b"\x33" * 32
    refund, report = dh.functions.handleRefund, dh.functions.handleReport
    assert revert_reason(refund(author, unknown, c, start), owner) == "Data not found."
    assert revert_reason(refund(author, key, 0, start), owner) == "Classification is not equal."
    assert revert_reason(refund(author, key, c, start + 1), owner) == "Added time is not equal."
    assert revert_reason(refund(reporter, key, c, start), owner) == "Data is not from the sender."
    assert revert_reason(report(reporter, unknown, c, start, author), owner) == "Data not found."
    assert revert_reason(report(reporter, key, 0, start, author), owner) == "Classification is not equal."
    assert revert_reason(report(reporter, key, c, start + 1, author), owner) == "Added time is not equal."
    assert revert_reason(report(reporter, key, c, start, reporter), owner) == "Sender is not equal."

    assert report(reporter, key, c, start, author).call({"from": owner}, "pending") == [7, 7, False, 0]
    ok(sum_node, report(reporter, key, c, start, author))
    assert views.hasClaimed(data, c, start, author, reporter).call() is True
    assert views.hasClaimed(data, c, start, author, author).call() is False
    assert report(reporter, key, c, start, author).call({"from": owner}, "pending") == [7, 7, True, 1]
    assert revert_reason(dh.functions.updateClaimableAmount(key, 8), owner) == (
        "The reward is more than the claimable amount."
    )
    ok(sum_node, dh.functions.updateClaimableAmount(key, 3))
    assert views.getClaimableAmount(data, c, start, author).call() == 4
    assert refund(author, key, c, start).call({"from": owner}, "pending") == [4, False, 1]
    ok(sum_node, refund(author, key, c, start))
    assert dh.functions.addedData(key).call() == [c, start, author, 7, 0, 2]
    assert views.hasClaimed(data, c, start, author, author).call() is True
    assert refund(author, key, c, start).call({"from": owner}, "pending") == [0, True, 2]
    # Nothing left to claim, but claimed: the key stays refused, so no claim could carry over.
    assert revert_reason(dh.functions.handleAddData(author, 0, key, c), owner) == (
        "Conflicting data key. The data may have already been added."
    )
    # A record with nothing to claim and no claims may be replaced, and starts fresh.
    free = b"\x44" * 32
    ok(sum_node, dh.functions.handleAddData(author, 0, free, c))
    receipt = ok(sum_node, dh.functions.handleAddData(reporter, 5, free, 0))
    t = sum_node.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert dh.functions.addedData(free).call() == [0, t, reporter, 5, 5, 0]
    assert revert_reason(dh.functions.handleAddData(author, 2**96, b"\x55" * 32, c), owner) == "The deposit is too large."


# ---------------------------------------------------------------- the trainer

def test_trainer_getters_and_ownership(sum_node):
    owner, user = users(sum_node)[:2]
    system = System(sum_node, "Stakeable64", [1, 2, 3, 0])
    trainer = system.trainer
    assert [trainer.functions.name().call(), trainer.functions.description().call(), trainer.functions.encoder().call()] == [
        "name", "description", "encoder"
    ]
    assert trainer.functions.dataHandler().call() == system.dh.address
    assert trainer.functions.incentiveMechanism().call() == system.im.address
    assert trainer.functions.classifier().call() == system.classifier.address
    for part in (system.dh, system.im, system.classifier):
        assert part.functions.owner().call() == trainer.address
    key = b"\x01" * 32
    for sender in (owner, user):
        assert revert_reason(system.dh.functions.handleAddData(sender, 0, key, 0), sender) == "Sender is not the owner."
        assert revert_reason(system.im.functions.handleAddData(sender, 0, key, 0), sender) == "Sender is not the owner."
        assert revert_reason(system.dh.functions.updateClaimableAmount(key, 0), sender) == "Sender is not the owner."
        assert revert_reason(system.classifier.functions.update([1], 0), sender) == "Sender is not the owner."
        assert revert_reason(trainer.functions.trainOnBehalfOfIncentive([1], 0), sender) == (
            "Only the incentive mechanism may train."
        )
    try:
        sum_node.w3.eth.call({"from": user, "to": trainer.address, "value": 1})
    except ContractLogicError as error:
        assert "Only the incentive mechanism may send ether." in error.message
    else:
        raise AssertionError("the trainer accepted ether from a user")
    assert revert_reason(trainer.functions.refund([0, 2], 1, 3), user) == "Data not found."


def test_the_incentive_mechanism_may_train_and_pay_in(sum_node):
    """trainOnBehalfOfIncentive and receive() (the prediction market's calls), with an account
    standing in for the mechanism."""
    mechanism, user = users(sum_node)[8:10]
    classifier = deploy_test_contract(sum_node)
    dh, _ = sum_node.deploy("DataHandler64")
    trainer, _ = sum_node.deploy(
        "CollaborativeTrainer64", "n", "d", "e", dh.address, mechanism, classifier.address
    )
    ok(sum_node, classifier.functions.transferOwnership(trainer.address))
    ok(sum_node, classifier.functions.setRecording(True))
    data = [5, -6, 2**40]
    assert revert_reason(trainer.functions.trainOnBehalfOfIncentive(data, 1), user) == (
        "Only the incentive mechanism may train."
    )
    ok(sum_node, trainer.functions.trainOnBehalfOfIncentive(data, 1), sender=mechanism)
    assert classifier.functions.lastInput().call() == keccak(
        selector("update(int64[],uint64)") + encode(["int64[]", "uint64"], [data, 1])
    )
    tx_hash = sum_node.w3.eth.send_transaction({"from": mechanism, "to": trainer.address, "value": 12345})
    assert sum_node.w3.eth.wait_for_transaction_receipt(tx_hash).status == 1
    assert balance(sum_node, trainer.address) == 12345


@pytest.mark.skipif(not (BUILD / "PredictionMarket.json").exists(), reason="PredictionMarket not built")
def test_with_the_prediction_market(sum_node):
    """The real PredictionMarket behind the trainer: a stake recorded without training, the bounty
    forwarded to the trainer (forfeited by a provider who never reveals), paid out by a refund."""
    provider, contributor = users(sum_node)[3:5]
    perceptron = sparse_perceptron(sum_node, [0, 5 * TO_FLOAT, -1 * TO_FLOAT])
    stake, bounty = 10**15, 10**18
    system = System(sum_node, "PredictionMarket", [stake, False, 100], classifier=perceptron)
    market, trainer = system.im, system.trainer
    pieces = [([[0, 1]], [1]), ([[2]], [0])]
    hashes = [keccak(encode(["int64[][]", "uint64[]"], list(piece))) for piece in pieces]
    ok(sum_node, market.functions.initializeMarket(hashes, 0, 1), sender=provider, value=bounty)
    ok(sum_node, market.functions.revealInitialTestSet(*pieces[market.functions.testRevealIndex().call()]), sender=provider)

    before = balance(sum_node, contributor)
    receipt, event = system.add([0, 1], 0, contributor, value=stake + 7)
    assert event["cost"] == stake
    assert balance(sum_node, contributor) == before - stake - fee(receipt)
    assert perceptron.functions.weights(1).call() == 5 * TO_FLOAT  # recorded, not trained
    assert system.record([0, 1], 0, event["t"], contributor)[3:] == [stake, stake, 0]
    assert balance(sum_node, trainer.address) == stake

    ok(sum_node, market.functions.endMarket())
    set_next(sum_node, market.functions.revealDeadline().call())
    ok(sum_node, market.functions.forfeitBounty())
    assert balance(sum_node, trainer.address) == stake + bounty
    before = balance(sum_node, contributor)
    receipt = ok(sum_node, trainer.functions.refund([0, 1], 0, event["t"]), sender=contributor)
    assert balance(sum_node, contributor) == before + stake + bounty - fee(receipt)
    assert balance(sum_node, trainer.address) == 0
    assert revert_reason(trainer.functions.report([0, 1], 0, event["t"], contributor), provider) == (
        "The prediction market does not take reports."
    )


def test_failed_payments_revert_with_a_reason(sum_node):
    owner, author = users(sum_node)[:2]
    contributor = deploy_test_contract(sum_node, "SumTestContributor")
    forward = contributor.functions.forward
    points = System(sum_node, "Points64", [0, 0, 0])
    call = points.trainer.functions.addData([1], 1)._encode_transaction_data()
    assert revert_reason(forward(points.trainer.address, call), owner, value=1) == "Returning the excess value failed."

    system = System(sum_node, "Stakeable64", [10, 20, 30, SMALL_WEIGHT])
    ok(sum_node, system.classifier.functions.setPrediction(1))
    trainer = system.trainer.functions
    t = set_next(sum_node, system.im.functions.lastUpdateTimeS().call() + 3600)
    ok(sum_node, forward(system.trainer.address, trainer.addData([1], 1)._encode_transaction_data()),
       value=SMALL_WEIGHT * 60)
    set_next(sum_node, t + 10)
    refund = trainer.refund([1], 1, t)._encode_transaction_data()
    assert revert_reason(forward(system.trainer.address, refund), owner) == "Paying the refund failed."
    ok(sum_node, contributor.functions.setAccepting(True))
    ok(sum_node, forward(system.trainer.address, refund))
    assert balance(sum_node, contributor.address) == SMALL_WEIGHT * 60
    ok(sum_node, contributor.functions.setAccepting(False))

    _, event = system.add([2], 1, author, value=10**18)
    set_next(sum_node, event["t"] + 30)
    report = trainer.report([2], 1, event["t"], author)._encode_transaction_data()
    assert revert_reason(forward(system.trainer.address, report), owner) == "Paying the reward failed."
    ok(sum_node, contributor.functions.setAccepting(True))
    ok(sum_node, forward(system.trainer.address, report))
    assert balance(sum_node, contributor.address) == SMALL_WEIGHT * 60 + event["cost"]


def test_forwarding_is_word_for_word(sum_node):
    """The classifier gets exactly the canonical update(int64[],uint64) / updatePacked(bytes,uint64)
    calldata; the event and the record key are those of the original."""
    user = users(sum_node)[1]
    system = System(sum_node, "Points64", [0, 0, 0])
    test_classifier = system.classifier
    ok(sum_node, test_classifier.functions.setRecording(True))
    data = [-(2**63), 2**63 - 1, -1, 0, 5]
    receipt, event = system.add(data, 3, user)
    expected = selector("update(int64[],uint64)") + encode(["int64[]", "uint64"], [data, 3])
    assert test_classifier.functions.lastInput().call() == keccak(expected)
    t = sum_node.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert dict(event) == {"d": data, "c": 3, "t": t, "sender": user, "cost": 0}
    assert system.record(data, 3, t, user) == [3, t, user, 0, 0, 0]
    receipt, event = system.add([], 0, user)
    assert test_classifier.functions.lastInput().call() == keccak(
        selector("update(int64[],uint64)") + encode(["int64[]", "uint64"], [[], 0])
    )
    assert event["d"] == []
    for raw in (pack([1, -2, 3]), pack([-7] * 5)):
        receipt = ok(sum_node, system.trainer.functions.addDataPacked(raw, 1), sender=user)
        assert test_classifier.functions.lastInput().call() == keccak(
            selector("updatePacked(bytes,uint64)") + encode(["bytes", "uint64"], [raw, 1])
        )
        t = sum_node.w3.eth.get_block(receipt.blockNumber)["timestamp"]
        args = system.trainer.events.AddDataPacked().process_receipt(receipt)[0]["args"]
        key = packed_key(raw, 1, t, user)
        assert dict(args) == {"key": key, "c": 1, "t": t, "sender": user, "cost": 0}
        assert system.dh.functions.addedData(key).call() == [1, t, user, 0, 0, 0]
    assert revert_reason(system.trainer.functions.addDataPacked(b"\x00" * 12, 1), user) == (
        "Packed data must be 8 bytes per element."
    )


def test_stakeable_through_trainer_costs_and_excess(sum_node):
    owner, user = users(sum_node)[:2]
    system = System(sum_node, "Stakeable64", [100, 200, 300, SMALL_WEIGHT])
    last = system.im.functions.lastUpdateTimeS().call()
    data = [0, 1]
    at = set_next(sum_node, last + 3600)
    assert revert_reason(system.trainer.functions.addData(data, 1), user, value=SMALL_WEIGHT * 60 - 1) == (
        "Didn't pay enough for the deposit."
    )
    before = balance(sum_node, user)
    receipt, event = system.add(data, 1, user, value=10**18, at=at)
    assert event["cost"] == SMALL_WEIGHT * 60 and event["t"] == at
    assert balance(sum_node, user) == before - SMALL_WEIGHT * 60 - fee(receipt)
    assert balance(sum_node, system.trainer.address) == SMALL_WEIGHT * 60
    assert system.im.functions.lastUpdateTimeS().call() == at
    assert system.im.functions.addressStats(user).call() == [0, 1]
    # Exact payment: no excess call (the transaction also works for a contract without receive()).
    at = set_next(sum_node, at + 60)
    before = balance(sum_node, user)
    receipt, event = system.add(data, 0, user, value=SMALL_WEIGHT * 3600 // 7, at=at)
    assert balance(sum_node, user) == before - SMALL_WEIGHT * 3600 // 7 - fee(receipt)
    assert system.im.functions.totalSubmitted().call() == 2


def test_refund_and_report_paths(sum_node):
    """Every trainer path in order, with the test classifier's prediction set by the test."""
    owner, good, bad, reporter, stranger = users(sum_node)[:5]
    system = System(sum_node, "Stakeable64", [100, 200, 300, SMALL_WEIGHT])
    clf, trainer = system.classifier, system.trainer
    ok(sum_node, clf.functions.setPrediction(1))
    start = system.im.functions.lastUpdateTimeS().call() + 3600
    good_data, bad_data, old_data = [1, 2, 3], [4, 5, 6], [7, 8, 9]
    _, e_good = system.add(good_data, 1, good, value=10**18, at=start)
    _, e_rep = system.add([9], 1, reporter, value=10**18, at=start + 1)
    _, e_bad = system.add(bad_data, 0, bad, value=10**18, at=start + 2)
    _, e_old = system.add(old_data, 1, bad, value=10**18, at=start + 3)
    assert e_good["cost"] == SMALL_WEIGHT * 60 and e_rep["cost"] == SMALL_WEIGHT * 3600
    t_good, t_rep, t_bad, t_old = start, start + 1, start + 2, start + 3

    set_next(sum_node, t_good + 99)
    assert revert_reason(trainer.functions.refund(good_data, 1, t_good), good) == "Not enough time has passed."
    assert revert_reason(trainer.functions.refund(good_data, 1, t_good), bad) == "Data not found."
    assert revert_reason(trainer.functions.refund(good_data, 0, t_good), good) == "Data not found."
    set_next(sum_node, t_good + 100)
    ok(sum_node, clf.functions.setPrediction(0))
    set_next(sum_node, t_good + 101)
    assert revert_reason(trainer.functions.refund(good_data, 1, t_good), good) == (
        "The model doesn't agree with your contribution."
    )
    ok(sum_node, clf.functions.setPrediction(1))
    before = balance(sum_node, good)
    receipt = ok(sum_node, trainer.functions.refund(good_data, 1, t_good), sender=good)
    assert balance(sum_node, good) == before + e_good["cost"] - fee(receipt)
    assert system.im.events.Refund().process_receipt(receipt)[0]["args"] == {"recipient": good, "amount": e_good["cost"]}
    assert system.dh.functions.getClaimableAmount(good_data, 1, t_good, good).call() == 0
    assert system.dh.functions.hasClaimed(good_data, 1, t_good, good, good).call() is True
    assert revert_reason(trainer.functions.refund(good_data, 1, t_good), good) == "Deposit already claimed by submitter."
    ok(sum_node, trainer.functions.refund([9], 1, t_rep), sender=reporter)
    assert system.im.functions.totalGoodDataCount().call() == 2

    # The model (prediction 1) disagrees with bad's label 0.
    report = trainer.functions.report
    assert revert_reason(report(bad_data, 0, t_bad, bad), bad) == "Cannot take your own deposit."
    assert revert_reason(report(bad_data, 0, t_bad, bad), stranger) == "The sender has not sent any good data."
    assert revert_reason(report(bad_data, 0, t_bad, good), reporter) == "Data not found."
    assert revert_reason(report(good_data, 1, t_good, good), reporter) == "There is no reward left to claim."
    assert revert_reason(report(old_data, 1, t_old, bad), reporter) == (
        "The model should not agree with the contribution."
    )
    deposit = e_bad["cost"]
    share = deposit * 1 // 2
    before = balance(sum_node, reporter)
    receipt = ok(sum_node, report(bad_data, 0, t_bad, bad), sender=reporter)
    assert balance(sum_node, reporter) == before + share - fee(receipt)
    assert system.im.events.Report().process_receipt(receipt)[0]["args"] == {"recipient": reporter, "amount": share}
    assert system.dh.functions.getClaimableAmount(bad_data, 0, t_bad, bad).call() == deposit - share
    assert system.dh.functions.getNumClaims(bad_data, 0, t_bad, bad).call() == 1
    assert revert_reason(report(bad_data, 0, t_bad, bad), reporter) == "Deposit already claimed by reporter."
    # good holds the other valid contribution: half the initial deposit, exactly what is left.
    receipt = ok(sum_node, report(bad_data, 0, t_bad, bad), sender=good)
    assert system.im.events.Report().process_receipt(receipt)[0]["args"]["amount"] == deposit - share
    assert revert_reason(report(bad_data, 0, t_bad, bad), stranger) == "There is no reward left to claim."

    # The owner branch through the trainer: the deployer takes old_data's deposit after 200 s,
    # although the model agrees with it; before that, or for anyone else, it is refused.
    set_next(sum_node, t_old + 199)
    assert revert_reason(report(old_data, 1, t_old, bad), owner) == (
        "The model should not agree with the contribution."
    )
    set_next(sum_node, t_old + 200)
    assert revert_reason(report(old_data, 1, t_old, bad), reporter) == (
        "The model should not agree with the contribution."
    )
    before = balance(sum_node, owner)
    receipt = ok(sum_node, report(old_data, 1, t_old, bad), sender=owner)
    assert balance(sum_node, owner) == before + e_old["cost"] - fee(receipt)
    assert balance(sum_node, trainer.address) == 0


def test_any_address_branch_includes_the_author(sum_node):
    author = users(sum_node)[1]
    system = System(sum_node, "Stakeable64", [100, 200, 300, SMALL_WEIGHT])
    ok(sum_node, system.classifier.functions.setPrediction(1))
    start = system.im.functions.lastUpdateTimeS().call() + 3600
    _, event = system.add([1], 1, author, value=10**18, at=start)
    set_next(sum_node, start + 299)
    assert revert_reason(system.trainer.functions.report([1], 1, start, author), author) == "Cannot take your own deposit."
    set_next(sum_node, start + 300)
    before = balance(sum_node, author)
    receipt = ok(sum_node, system.trainer.functions.report([1], 1, start, author), sender=author)
    assert balance(sum_node, author) == before + event["cost"] - fee(receipt)
    assert system.dh.functions.getClaimableAmount([1], 1, start, author).call() == 0


def test_points_through_trainer(sum_node):
    a, b, c = users(sum_node)[1:4]
    system = System(sum_node, "Points64", [0, 0, 0])
    ok(sum_node, system.classifier.functions.setPrediction(1))
    before = balance(sum_node, a)
    receipt, event = system.add([1, 2], 1, a, value=12345)
    assert event["cost"] == 0
    assert balance(sum_node, a) == before - fee(receipt)
    ok(sum_node, system.trainer.functions.refund([1, 2], 1, event["t"]), sender=a)
    assert system.im.functions.numValidForAddress(a).call() == 1
    assert revert_reason(system.trainer.functions.report([1, 2], 1, event["t"], a), b) == "Already claimed."
    _, bad = system.add([3], 0, b)
    assert revert_reason(system.trainer.functions.report([3], 0, bad["t"], b), b) == "Cannot report yourself."
    receipt = ok(sum_node, system.trainer.functions.report([3], 0, bad["t"], b), sender=c)
    assert system.im.events.Report().process_receipt(receipt)[0]["args"] == {"recipient": c}
    assert revert_reason(system.trainer.functions.refund([3], 0, bad["t"]), b) == "Already claimed."
    assert system.im.functions.totalSubmitted().call() == 2
    assert system.im.functions.addressStats(b).call() == [0, 1]


def test_good_and_bad_users_with_a_sparse_perceptron(sum_node):
    """The original's sparseperceptron.js story, with exact balances: a good contributor gets its
    deposit back; a reporter takes a bad contributor's deposit (it holds every valid contribution)."""
    good, bad = users(sum_node)[5:7]
    perceptron = sparse_perceptron(sum_node, [0, 5 * TO_FLOAT, -1 * TO_FLOAT])
    system = System(sum_node, "Stakeable64", [1, 2, 3, 10**12], classifier=perceptron)
    assert perceptron.functions.predict([2]).call() == 0 and perceptron.functions.predict([0, 1]).call() == 1
    start = system.im.functions.lastUpdateTimeS().call() + 100
    cost = 10**12 * 3600 // 10
    before_good = balance(sum_node, good)
    r_good, e_good = system.add([0, 1], 1, good, value=10**18, at=start)
    assert e_good["cost"] == cost
    assert balance(sum_node, good) == before_good - cost - fee(r_good)
    before_bad = balance(sum_node, bad)
    r_bad, e_bad = system.add([0, 1], 0, bad, value=10**18, at=start + 1)
    assert e_bad["cost"] == 10**12 * 3600
    # The bad sample trained the model: weights 0 and 1 fell by the learning rate.
    assert perceptron.functions.weights(0).call() == -TO_FLOAT and perceptron.functions.weights(1).call() == 4 * TO_FLOAT
    assert perceptron.functions.predict([0, 1]).call() == 1
    set_next(sum_node, start + 2)
    r_refund = ok(sum_node, system.trainer.functions.refund([0, 1], 1, start), sender=good)
    assert system.dh.functions.getClaimableAmount([0, 1], 1, start, good).call() == 0
    set_next(sum_node, start + 3)
    r_report = ok(sum_node, system.trainer.functions.report([0, 1], 0, start + 1, bad), sender=good)
    assert system.dh.functions.getClaimableAmount([0, 1], 0, start + 1, bad).call() == 0
    assert system.dh.functions.hasClaimed([0, 1], 0, start + 1, bad, good).call() is True
    assert balance(sum_node, good) == before_good - fee(r_good) - fee(r_refund) - fee(r_report) + e_bad["cost"]
    assert balance(sum_node, bad) == before_bad - e_bad["cost"] - fee(r_bad)
    assert balance(sum_node, system.trainer.address) == 0


@pytest.mark.skipif(not (BUILD / "DensePerceptron.json").exists(), reason="DensePerceptron not built")
def test_packed_entries_with_a_dense_perceptron(sum_node):
    user, reporter = users(sum_node)[1:3]
    rng = np.random.default_rng(5)
    d = 8
    perceptron, _ = sum_node.deploy("DensePerceptron", CLASSES, [0] * d, 0, TO_FLOAT)
    system = System(sum_node, "Stakeable64", [10, 20, 30, SMALL_WEIGHT], classifier=perceptron)
    x = unit_vector(rng, d)
    raw = pack(x)
    start = system.im.functions.lastUpdateTimeS().call() + 3600
    set_next(sum_node, start)
    before = balance(sum_node, user)
    receipt = ok(sum_node, system.trainer.functions.addDataPacked(raw, 1), sender=user, value=10**17)
    args = system.trainer.events.AddDataPacked().process_receipt(receipt)[0]["args"]
    cost = SMALL_WEIGHT * 60
    assert dict(args) == {"key": packed_key(raw, 1, start, user), "c": 1, "t": start, "sender": user, "cost": cost}
    assert balance(sum_node, user) == before - cost - fee(receipt)
    # The zero model predicted 0, so the update moved the weights onto x.
    assert perceptron.functions.predictPacked(raw).call() == 1
    assert perceptron.functions.weights(0).call() == x[0]
    # A packed contribution is found only through the packed entries.
    set_next(sum_node, start + 10)
    assert revert_reason(system.trainer.functions.refund(x, 1, start), user) == "Data not found."
    assert revert_reason(system.trainer.functions.refundPacked(raw, 1, start + 1), user) == "Data not found."
    assert revert_reason(system.trainer.functions.refundPacked(raw, 0, start), user) == "Data not found."
    before = balance(sum_node, user)
    receipt = ok(sum_node, system.trainer.functions.refundPacked(raw, 1, start), sender=user)
    assert balance(sum_node, user) == before + cost - fee(receipt)
    # A second contribution, taken whole by a reporter after the any-address wait.
    y = pack(unit_vector(rng, d))
    receipt = ok(sum_node, system.trainer.functions.addDataPacked(y, 0), sender=user, value=10**18)
    args = system.trainer.events.AddDataPacked().process_receipt(receipt)[0]["args"]
    set_next(sum_node, args["t"] + 29)
    assert revert_reason(system.trainer.functions.reportPacked(y, 0, args["t"], user), reporter) in {
        "The sender has not sent any good data.", "The model should not agree with the contribution."
    }
    set_next(sum_node, args["t"] + 30)
    before = balance(sum_node, reporter)
    receipt = ok(sum_node, system.trainer.functions.reportPacked(y, 0, args["t"], user), sender=reporter)
    assert balance(sum_node, reporter) == before + args["cost"] - fee(receipt)
    assert system.dh.functions.addedData(args["key"]).call()[4] == 0
    assert revert_reason(system.trainer.functions.addDataPacked(y[:-1], 1), user, value=10**18) == (
        "Packed data must be 8 bytes per element."
    )


def test_packed_entries_need_a_dense_model(sum_node):
    perceptron = sparse_perceptron(sum_node, [0, 1])
    system = System(sum_node, "Points64", [0, 0, 0], classifier=perceptron)
    assert revert_reason(system.trainer.functions.addDataPacked(pack([1]), 1), users(sum_node)[1]) == (
        "Packed data is not supported by this model."
    )


def execution_gas(node, tx_hash) -> int:
    """The gas the transaction's code used (all frames), before refunds: gasUsed less the intrinsic
    cost, and not hidden by Prague's calldata floor (EIP-7623), which a large sample reaches."""
    trace = node.w3.provider.make_request(
        "debug_traceTransaction", [tx_hash.to_0x_hex(), {"disableStack": True, "disableStorage": True}]
    )["result"]["structLogs"]
    return trace[0]["gas"] - trace[-1]["gas"] + trace[-1]["gasCost"]


def test_gas_of_the_plumbing_at_d_1000(sum_node):
    """The trainer + data handler + incentive mechanism share of addData/refund/report at d = 1000,
    with a classifier that does nothing (printed; the bounds guard against regressions)."""
    if sum_node.mode != "native":
        pytest.skip("the plumbing does not depend on the mode")
    user, reporter = users(sum_node)[7:9]
    system = System(sum_node, "Stakeable64", [10, 20, 30, SMALL_WEIGHT])
    ok(sum_node, system.classifier.functions.setPrediction(1))
    functions = system.trainer.functions
    rng = np.random.default_rng(1)
    # A returning contributor: its stats slot and the totals already exist.
    ok(sum_node, functions.addData([1], 1), sender=user, value=10**18)
    start = sum_node.now() + 3600
    gas = {}

    def measure(name, call, sender, value=0):
        receipt = ok(sum_node, call, sender=sender, value=value)
        gas[name] = (receipt.gasUsed, execution_gas(sum_node, receipt.transactionHash))

    for kind in ("abi", "packed"):
        data = unit_vector(rng, 1000)
        sample = data if kind == "abi" else pack(data)
        add, refund, report = (
            (functions.addData, functions.refund, functions.report) if kind == "abi"
            else (functions.addDataPacked, functions.refundPacked, functions.reportPacked)
        )
        t = set_next(sum_node, start)
        measure(f"{kind} addData", add(sample, 1), user, 10**18)
        set_next(sum_node, t + 10)
        measure(f"{kind} refund", refund(sample, 1, t), user)
        t2 = set_next(sum_node, t + 11)
        ok(sum_node, add(sample, 0), sender=user, value=10**18)
        set_next(sum_node, t2 + 30)
        measure(f"{kind} report", report(sample, 0, t2, user), reporter)
        start = t2 + 4000
    print("\nplumbing gas at d=1000 (gasUsed, execution):")
    for name, (total, execution) in gas.items():
        print(f"  {name:16} {total:>9} {execution:>9}")
    # The ABI AddData event logs the sample: 8 gas a byte, 32,160 bytes at d = 1000.
    assert gas["abi addData"][1] < 258_000 + 110_000
    for name, (total, execution) in gas.items():
        if name != "abi addData":
            assert execution < 100_000, (name, execution)
