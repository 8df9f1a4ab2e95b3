"""PredictionMarket: every phase and revert reason, the forfeit path, and a good/bad contributor story.

The trainer and the model are the stand-ins of tests/contracts/PmTestTrainer.sol (a trainer that
plays CollaborativeTrainer64's part towards its incentive mechanism, and a tiny perceptron), so the
market is tested on its own; the expected settlement comes from a Python model of the algorithm
(docs/contracts.md, "PredictionMarket").
"""
from __future__ import annotations

import functools
import json
import pathlib
from collections import defaultdict

import pytest
from eth_abi import encode
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from tests.sum_support import TO_FLOAT, pack, revert_reason, to_fixed
from tests.support import compile_contract

MIN_STAKE = 10**15
BOUNTY = 10**18
REVEAL_TIMEOUT_S = 3600
GAS_LOG = pathlib.Path("/tmp/sum-docs/pm-gas.json")

# Phases (MarketPhase)
NEW, INITIALIZATION, PARTICIPATION, REVEAL_TEST_SET, MEASURE, SETTLE, REWARD_COLLECT = range(7)

# Ground truth: class 1 iff x0 > 0. The initial model looks at x1 instead.
INITIAL_WEIGHTS, INITIAL_INTERCEPT = [0, 1], 0
PIECES = [
    ([[3, -2], [-2, 3], [4, 1], [-1, -4]], [1, 0, 1, 0]),
    ([[2, -3], [-3, 2], [1, 4], [-4, -1]], [1, 0, 1, 0]),
    ([[5, -1], [-1, 5], [2, 2], [-2, -2]], [1, 0, 1, 0]),
]


@functools.cache
def mock(name: str):
    return compile_contract("PmTestTrainer.sol", name)


def piece_hash(data, labels) -> bytes:
    return Web3.keccak(encode(["int64[][]", "uint64[]"], [data, labels]))


def log_gas(action: str, receipt) -> None:
    GAS_LOG.parent.mkdir(parents=True, exist_ok=True)
    log = json.loads(GAS_LOG.read_text()) if GAS_LOG.exists() else {}
    log[action] = max(log.get(action, 0), receipt.gasUsed)
    GAS_LOG.write_text(json.dumps(log, indent=2, sort_keys=True))


class Market:
    """A PredictionMarket owned by a stand-in trainer, with its stand-in model."""

    def __init__(self, node, allow_greater: bool = False, model=("PmTestPerceptron", (INITIAL_WEIGHTS, INITIAL_INTERCEPT))):
        self.node = node
        w3 = node.w3
        self.pm, receipt = node.deploy("PredictionMarket", MIN_STAKE, allow_greater, REVEAL_TIMEOUT_S)
        log_gas("deploy PredictionMarket", receipt)
        abi, code = mock(model[0])
        tx = w3.eth.contract(abi=abi, bytecode=code).constructor(*model[1]).transact({"from": node.accounts[0]})
        self.model = w3.eth.contract(address=w3.eth.wait_for_transaction_receipt(tx).contractAddress, abi=abi)
        abi, code = mock("PmTestTrainer")
        tx = w3.eth.contract(abi=abi, bytecode=code).constructor(self.pm.address, self.model.address).transact(
            {"from": node.accounts[0]})
        self.trainer = w3.eth.contract(address=w3.eth.wait_for_transaction_receipt(tx).contractAddress, abi=abi)
        assert node.transact(self.pm.functions.transferOwnership(self.trainer.address)).status == 1
        self.records = []  # (sender, data, label, addedTime, packed)
        self.gas = 0  # wei spent on gas by the transactions sent through `send`

    def send(self, call, sender, value=0, action=None):
        receipt = self.node.transact(call, sender=sender, value=value)
        assert receipt.status == 1
        self.gas += receipt.gasUsed * receipt.effectiveGasPrice
        if action:
            log_gas(action, receipt)
        return receipt

    def phase(self) -> int:
        return self.pm.functions.phase().call()

    def initialize(self, provider, min_length_s=0, min_contributions=2, bounty=BOUNTY):
        hashes = [piece_hash(*p) for p in PIECES]
        self.send(self.pm.functions.initializeMarket(hashes, min_length_s, min_contributions), provider, bounty,
                  "initializeMarket (3 pieces)")
        self.reveal_index = self.pm.functions.testRevealIndex().call()
        self.send(self.pm.functions.revealInitialTestSet(*PIECES[self.reveal_index]), provider,
                  action="revealInitialTestSet (4 samples)")

    def scoring_pieces(self):
        kept = [p for k, p in enumerate(PIECES) if k != self.reveal_index]
        return [p[0] for p in kept], [p[1] for p in kept]

    def add(self, sender, data, label, packed=False, value=MIN_STAKE):
        call = (self.trainer.functions.addDataPacked(pack(data), label) if packed
                else self.trainer.functions.addData(data, label))
        receipt = self.send(call, sender, value, "addData (d=2)")
        added = self.node.w3.eth.get_block(receipt.blockNumber)["timestamp"]
        self.records.append((sender, data, label, added, packed))
        return receipt

    def reveal_rest(self, provider):
        for k, piece in enumerate(PIECES):
            if k != self.reveal_index:
                self.send(self.pm.functions.revealNextTestSetPiece(*piece), provider,
                          action="revealNextTestSetPiece (4 samples)")

    def settle_all(self, caller) -> int:
        steps = 0
        while self.phase() == SETTLE:
            self.send(self.pm.functions.settleNextContribution(), caller, action="settleNextContribution")
            steps += 1
        return steps


# ------------------------------------------------------------------ a Python model of the contracts

def perceptron_accuracies(records, test) -> tuple[int, list[int]]:
    """Correct test predictions before training and after each contribution (None: refused)."""
    w, b = list(INITIAL_WEIGHTS), INITIAL_INTERCEPT

    def predict(x):
        return 1 if b + sum(wi * xi for wi, xi in zip(w, x)) > 0 else 0

    def correct():
        return sum(predict(x) == y for data, labels in zip(*test) for x, y in zip(data, labels))

    accuracies = []
    initial = correct()
    for _sender, x, y, _t, _packed in records:
        if len(x) != len(w):
            accuracies.append(None)
            continue
        if predict(x) != y:
            w = [wi + (xi if y else -xi) for wi, xi in zip(w, x)]
            b += 1 if y else -1
        accuracies.append(correct())
    return initial, accuracies


def reference_settlement(contributors, stakes, accuracies, initial, rounds_budget):
    """Balances credited per address and the bounty paid, by passes (the contract does it lazily)."""
    n = len(contributors)
    balance = list(stakes)
    credited, spent, valid = defaultdict(int), 0, 0
    live = [i for i in range(n) if accuracies[i] is not None]
    for i in set(range(n)) - set(live):
        credited[contributors[i]] += balance[i]
    while live:
        scores, prev = {}, initial
        for i in live:
            scores[i], prev = accuracies[i] - prev, accuracies[i]
        positive = sum(s for s in scores.values() if s > 0)
        negative = -sum(s for s in scores.values() if s < 0)
        worst = None
        for i in live:
            if scores[i] < 0 and (worst is None or balance[i] * -scores[worst] < balance[worst] * -scores[i]):
                worst = i
        last, remove, loss_num, loss_den, rounds = False, None, 0, 1, 0
        if negative == 0:
            rounds, last = (rounds_budget if positive else 0), True
        elif positive == 0:
            remove = worst
        else:
            loss_num, loss_den = min(positive, negative), negative
            rounds = balance[worst] * negative // (-scores[worst] * loss_num)
            if rounds >= rounds_budget:
                rounds, last = rounds_budget, True
            else:
                remove = worst
        rounds_budget -= rounds
        for i in live:
            s = scores[i]
            if s > 0:
                balance[i] += rounds * s
                spent += rounds * s
            elif s < 0:
                loss = min(balance[i], -(-(rounds * -s * loss_num) // loss_den))
                balance[i] -= loss
                spent -= loss
        if last:
            for i in live:
                credited[contributors[i]] += balance[i]
                valid += scores[i] >= 0
            break
        credited[contributors[remove]] += balance[remove]
        live.remove(remove)
    return dict(credited), spent, valid


# ------------------------------------------------------------------ tests

def test_phases_and_reverts(sum_node):
    provider, alice, bob = sum_node.accounts[1], sum_node.accounts[2], sum_node.accounts[3]
    m = Market(sum_node)
    pm, trainer = m.pm, m.trainer
    hashes = [piece_hash(*p) for p in PIECES]
    assert m.phase() == NEW
    assert pm.functions.getNextAddDataCost().call() == MIN_STAKE
    assert pm.functions.getNextAddDataCost([1, 2], 1).call() == MIN_STAKE

    # NEW
    assert revert_reason(pm.functions.initializeMarket(hashes[:1], 0, 1), provider, BOUNTY) == \
        "At least two test set pieces are required."
    assert revert_reason(pm.functions.initializeMarket(hashes, 0, 1), provider) == "A bounty is required."
    assert revert_reason(trainer.functions.addData([3, -2], 1), alice, MIN_STAKE) == \
        "The market is not accepting contributions."
    assert revert_reason(pm.functions.handleAddData(alice, MIN_STAKE, b"\0" * 32, 1), alice) == \
        "Sender is not the owner."
    assert revert_reason(pm.functions.handleReport(alice, b"\0" * 32, 0, 0, bob, 0, 0, False, 0, 0), alice) == \
        "The prediction market does not take reports."
    assert revert_reason(pm.functions.endMarket(), alice) == "The market is not in its participation phase."

    # INITIALIZATION
    m.send(pm.functions.initializeMarket(hashes, 10**6, 2), provider, BOUNTY)
    assert m.phase() == INITIALIZATION
    assert sum_node.w3.eth.get_balance(pm.address) == BOUNTY
    m.reveal_index = pm.functions.testRevealIndex().call()
    assert 0 <= m.reveal_index < 3
    assert revert_reason(pm.functions.initializeMarket(hashes, 0, 1), provider, BOUNTY) == \
        "The market has already been initialized."
    piece = PIECES[m.reveal_index]
    assert revert_reason(pm.functions.revealInitialTestSet(*piece), alice) == "Only the bounty provider can do this."
    other = PIECES[(m.reveal_index + 1) % 3]
    assert revert_reason(pm.functions.revealInitialTestSet(*other), provider) == \
        "The test set piece does not match its hash."
    assert revert_reason(pm.functions.revealInitialTestSet(piece[0], piece[1][:-1]), provider) == \
        "A test set piece needs as many labels as samples."
    assert revert_reason(pm.functions.revealNextTestSetPiece(*piece), provider) == \
        "The market is not in its reveal phase."
    m.send(pm.functions.revealInitialTestSet(*piece), provider)

    # PARTICIPATION
    assert m.phase() == PARTICIPATION
    assert revert_reason(pm.functions.revealInitialTestSet(*piece), provider) == \
        "The market is not waiting for the initial test set."
    assert revert_reason(trainer.functions.addData([3, -2], 1), alice, MIN_STAKE - 1) == \
        "Didn't pay enough for the deposit."
    before = sum_node.w3.eth.get_balance(alice)
    receipt = m.add(alice, [3, -2], 1)
    paid = before - sum_node.w3.eth.get_balance(alice) - receipt.gasUsed * receipt.effectiveGasPrice
    assert paid == MIN_STAKE
    assert revert_reason(pm.functions.endMarket(), bob) == "Can't end the market yet."
    before = sum_node.w3.eth.get_balance(alice)
    receipt = m.send(trainer.functions.addData([2, -3], 1), alice, 3 * MIN_STAKE)  # the excess comes back
    m.records.append((alice, [2, -3], 1, sum_node.w3.eth.get_block(receipt.blockNumber)["timestamp"], False))
    assert before - sum_node.w3.eth.get_balance(alice) - receipt.gasUsed * receipt.effectiveGasPrice == MIN_STAKE
    assert pm.functions.getNumContributions().call() == 2
    assert pm.functions.stakeOf(alice).call() == 2 * MIN_STAKE
    assert pm.functions.addressStats(alice).call() == [0, 2]
    assert pm.functions.totalSubmitted().call() == 2
    assert revert_reason(trainer.functions.refund([3, -2], 1, m.records[0][3]), alice) == \
        "The market has not been settled yet."
    assert revert_reason(pm.functions.measureInitialAccuracy(*m.scoring_pieces()), bob) == \
        "The market is not in its measuring phase."
    m.send(pm.functions.endMarket(), bob, action="endMarket")  # two contributions reached the minimum

    # REVEAL_TEST_SET
    assert m.phase() == REVEAL_TEST_SET
    assert revert_reason(trainer.functions.addData([3, -2], 1), alice, MIN_STAKE) == \
        "The market is not accepting contributions."
    assert revert_reason(pm.functions.endMarket(), bob) == "The market is not in its participation phase."
    assert revert_reason(pm.functions.forfeitBounty(), bob) == "The reveal deadline has not passed yet."
    first = 1 if m.reveal_index == 0 else 0
    assert revert_reason(pm.functions.revealNextTestSetPiece(*PIECES[first]), bob) == \
        "Only the bounty provider can do this."
    assert revert_reason(pm.functions.revealNextTestSetPiece(*PIECES[m.reveal_index]), provider) == \
        "The test set piece does not match its hash."
    assert revert_reason(pm.functions.withdrawBounty(), provider) == "The market has not been settled yet."
    m.reveal_rest(provider)

    # MEASURE
    assert m.phase() == MEASURE
    assert pm.functions.testSetSize().call() == 8
    test = m.scoring_pieces()
    assert revert_reason(pm.functions.revealNextTestSetPiece(*PIECES[first]), provider) == \
        "The market is not in its reveal phase."
    assert revert_reason(pm.functions.measureNextContribution([3, -2], 1, *test), bob) == \
        "Measure the initial accuracy first."
    assert revert_reason(pm.functions.measureInitialAccuracy(test[0][:1], test[1][:1]), bob) == \
        "Wrong number of test set pieces."
    tampered = ([test[0][0], test[0][1]], [[1 - y for y in test[1][0]], test[1][1]])
    assert revert_reason(pm.functions.measureInitialAccuracy(*tampered), bob) == \
        "The test set piece does not match its hash."
    assert revert_reason(pm.functions.settleNextContribution(), bob) == "The market is not in its settling phase."
    m.send(pm.functions.measureInitialAccuracy(*test), bob)
    assert revert_reason(pm.functions.measureInitialAccuracy(*test), bob) == \
        "The initial accuracy has already been measured."
    assert revert_reason(pm.functions.measureNextContribution([3, -2], 0, *test), bob) == \
        "The sample does not match the contribution."
    assert revert_reason(pm.functions.measureNextContribution([2, -3], 1, *test), bob) == \
        "The sample does not match the contribution."
    for _s, data, label, _t, _p in m.records:
        m.send(pm.functions.measureNextContribution(data, label, *test), bob)

    # SETTLE
    assert m.phase() == SETTLE
    assert revert_reason(pm.functions.measureNextContribution([3, -2], 1, *test), bob) == \
        "The market is not in its measuring phase."
    m.settle_all(bob)

    # REWARD_COLLECT
    assert m.phase() == REWARD_COLLECT
    assert revert_reason(pm.functions.settleNextContribution(), bob) == "The market is not in its settling phase."
    assert revert_reason(pm.functions.withdrawBounty(), alice) == "Only the bounty provider can do this."
    m.send(trainer.functions.refund([3, -2], 1, m.records[0][3]), alice)
    assert pm.functions.marketBalances(alice).call() == 0
    if pm.functions.bountyToReturn().call():
        m.send(pm.functions.withdrawBounty(), provider)
    assert revert_reason(pm.functions.withdrawBounty(), provider) == "Nothing to withdraw."
    assert sum_node.w3.eth.get_balance(pm.address) == 0


def test_constructor_checks(sum_node):
    from tests.sum_support import artifact

    data = artifact("PredictionMarket")
    factory = sum_node.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"])
    for args, reason in [((0, False, 1), "The minimum stake must be positive."),
                         ((1, False, 0), "The reveal timeout must be positive.")]:
        with pytest.raises(ContractLogicError, match=reason):
            sum_node.w3.eth.call({"from": sum_node.accounts[0], "data": factory.constructor(*args).data_in_transaction})


def advance_to(node, timestamp: int) -> None:
    """Mine until the latest block is at `timestamp` (the chain's time can run ahead of the clock's)."""
    while node.now() < timestamp:
        node.increase_time(timestamp - node.now())


def test_test_set_too_large_to_evaluate(sum_node):
    """Pieces that cost 6.6M gas each to evaluate: two of them exceed the bound on a measuring step."""
    provider, contributor = sum_node.accounts[1:3]
    m = Market(sum_node, model=("PmTestScriptedModel", ([1],)))
    heavy = [([[k, 0]], [7]) for k in range(3)]
    m.send(m.pm.functions.initializeMarket([piece_hash(*p) for p in heavy], 0, 1), provider, BOUNTY)
    reveal_index = m.pm.functions.testRevealIndex().call()
    m.send(m.pm.functions.revealInitialTestSet(*heavy[reveal_index]), provider)
    m.add(contributor, [1, 1], 1)
    m.send(m.pm.functions.endMarket(), contributor)
    rest = [p for k, p in enumerate(heavy) if k != reveal_index]
    m.send(m.pm.functions.revealNextTestSetPiece(*rest[0]), provider)
    assert 6_500_000 < m.pm.functions.testSetGas().call() < 7_500_000
    assert revert_reason(m.pm.functions.revealNextTestSetPiece(*rest[1]), provider) == \
        "The test set is too large to evaluate in one transaction."


def total_balance(w3, addresses) -> int:
    return sum(w3.eth.get_balance(a) for a in addresses)


def test_story_good_contributor_profits(sum_node):
    """A good and a bad contributor (labels flipped) alternate; a third sends a sample the model refuses."""
    w3 = sum_node.w3
    provider, good, bad, odd, keeper = sum_node.accounts[4:9]
    m = Market(sum_node)
    everyone = [provider, good, bad, odd, keeper, m.pm.address, m.trainer.address]
    start = total_balance(w3, everyone)
    m.send(m.pm.functions.initializeMarket([piece_hash(*p) for p in PIECES], 0, 5), provider, BOUNTY)
    m.reveal_index = m.pm.functions.testRevealIndex().call()
    m.send(m.pm.functions.revealInitialTestSet(*PIECES[m.reveal_index]), provider)
    m.add(good, [3, -2], 1)
    m.add(bad, [-3, 2], 1)             # truth 0
    m.add(good, [2, -3], 1, packed=True)
    m.add(bad, [-2, 3], 1)             # truth 0
    m.add(odd, [1, 1, 1], 1)           # three features: the model refuses it
    m.send(m.pm.functions.endMarket(), keeper)
    for k, piece in enumerate(PIECES):
        if k != m.reveal_index:
            m.send(m.pm.functions.revealNextTestSetPiece(*piece), provider)
    test = m.scoring_pieces()
    m.send(m.pm.functions.measureInitialAccuracy(*test), keeper, action="measureInitialAccuracy (8 test samples)")
    for index, (_s, data, label, _t, _p) in enumerate(m.records):
        receipt = m.send(m.pm.functions.measureNextContribution(data, label, *test), keeper,
                         action="measureNextContribution (DensePerceptron stand-in d=2, 8 test samples)")
        event = m.pm.events.ContributionMeasured().process_receipt(receipt, errors=DISCARD)[0]["args"]
        assert event["index"] == index and event["trained"] == (index != 4)
    while m.phase() == SETTLE:
        m.send(m.pm.functions.settleNextContribution(), keeper)
    assert m.phase() == REWARD_COLLECT

    initial, accuracies = perceptron_accuracies(m.records, test)
    assert m.pm.functions.initialNumCorrect().call() == initial
    assert [m.pm.functions.contributions(i).call()[6] for i in range(5)] == [a or 0 for a in accuracies]
    contributors = [r[0] for r in m.records]
    credited, spent, valid = reference_settlement(contributors, [MIN_STAKE] * 5, accuracies, initial, BOUNTY // 8)
    paid = max(spent, 0)
    for who in (good, bad, odd):
        assert m.pm.functions.marketBalances(who).call() == credited[who]
    assert m.pm.functions.bountyToReturn().call() == BOUNTY - paid
    assert m.pm.functions.totalGoodDataCount().call() == valid
    assert credited[good] > 2 * MIN_STAKE > credited[bad]
    assert credited[odd] == MIN_STAKE

    # Collect: any record of the contributor pays its whole balance; the next pays 0.
    for who in (good, bad, odd):
        sender, data, label, added, _packed = next(r for r in m.records if r[0] == who and not r[4])
        receipt = m.send(m.trainer.functions.refund(data, label, added), who, action="refund (collect)")
        assert m.pm.events.Refund().process_receipt(receipt, errors=DISCARD)[0]["args"]["amount"] == credited[who]
    again = next(r for r in m.records if r[0] == bad and r[1] == [-2, 3])
    m.send(m.trainer.functions.refund(again[1], again[2], again[3]), bad)
    if BOUNTY - paid:
        m.send(m.pm.functions.withdrawBounty(), provider, action="withdrawBounty")

    # The good contributor profits, the bad one does not; the bounty paid the net gain.
    assert credited[good] - 2 * MIN_STAKE > 0 and credited[bad] - 2 * MIN_STAKE < 0
    assert sum(credited.values()) == 5 * MIN_STAKE + paid
    assert w3.eth.get_balance(m.pm.address) == 0
    assert w3.eth.get_balance(m.trainer.address) == 0
    assert total_balance(w3, everyone) + m.gas == start


def test_provider_who_does_not_reveal_forfeits(sum_node):
    w3 = sum_node.w3
    provider, a, b, keeper = sum_node.accounts[6:10]
    m = Market(sum_node, allow_greater=True)
    everyone = [provider, a, b, keeper, m.pm.address, m.trainer.address]
    start = total_balance(w3, everyone)
    m.initialize(provider, min_length_s=100, min_contributions=10)
    m.add(a, [3, -2], 1)
    receipt = m.send(m.trainer.functions.addData([-3, 2], 0), b, 3 * MIN_STAKE)  # stake is what is sent
    m.records.append((b, [-3, 2], 0, w3.eth.get_block(receipt.blockNumber)["timestamp"], False))
    assert m.pm.functions.stakeOf(b).call() == 3 * MIN_STAKE
    assert revert_reason(m.pm.functions.endMarket(), keeper) == "Can't end the market yet."
    advance_to(sum_node, m.pm.functions.marketEarliestEnd().call())
    m.send(m.pm.functions.endMarket(), keeper)      # the minimum duration has passed
    assert m.phase() == REVEAL_TEST_SET
    advance_to(sum_node, m.pm.functions.revealDeadline().call())
    first = 1 if m.reveal_index == 0 else 0
    assert revert_reason(m.pm.functions.revealNextTestSetPiece(*PIECES[first]), provider) == \
        "The reveal deadline has passed."
    m.send(m.pm.functions.forfeitBounty(), keeper, action="forfeitBounty")
    assert m.phase() == REWARD_COLLECT and m.pm.functions.bountyForfeited().call()
    assert revert_reason(m.pm.functions.forfeitBounty(), keeper) == "The market is not in its reveal phase."
    assert revert_reason(m.pm.functions.withdrawBounty(), provider) == "Nothing to withdraw."
    amounts = {}
    for who, data, label, added, _p in m.records:
        receipt = m.send(m.trainer.functions.refund(data, label, added), who)
        amounts[who] = m.pm.events.Refund().process_receipt(receipt, errors=DISCARD)[0]["args"]["amount"]
    assert amounts[a] == MIN_STAKE + BOUNTY // 4
    assert amounts[b] == 3 * MIN_STAKE + BOUNTY * 3 // 4
    assert w3.eth.get_balance(m.pm.address) == 0
    assert w3.eth.get_balance(m.trainer.address) == 0  # 1/4 and 3/4 of 1e18 divide exactly
    assert total_balance(w3, everyone) + m.gas == start


# (script of per-piece correct counts: before training, then after each contribution; None: a
#  refused sample), stakes in MIN_STAKE units, bounty
SCENARIOS = {
    "gains and losses": ([1, 3, 2, 4, 1], [1, 1, 1, 1], BOUNTY),
    "losses exceed gains": ([3, 4, 1, 2], [1, 1, 1], BOUNTY),
    "nobody gains": ([4, 3, 2], [1, 1], BOUNTY),
    "bounty runs out": ([1, 3, 2], [1, 1], 8 * 3),
    "different stakes": ([2, 3, 1, 4, 0], [1, 3, 2, 5], BOUNTY),
    "a refused sample": ([1, 2, None, 1], [1, 1, 1], BOUNTY),
    "all refused": ([2, None], [1], BOUNTY),
    "no contributions": ([2], [], BOUNTY),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_settlement_matches_the_algorithm(sum_node, name):
    """A scripted model drives the settlement through gains, scaled losses, removals, the bounty cap."""
    w3 = sum_node.w3
    script, stakes, bounty = SCENARIOS[name]
    provider, keeper, *people = sum_node.accounts[1:6]
    counts = [v for v in script if v is not None]
    m = Market(sum_node, allow_greater=True, model=("PmTestScriptedModel", (counts,)))
    everyone = [provider, keeper, *people, m.pm.address, m.trainer.address]
    start = total_balance(w3, everyone)
    m.initialize(provider, min_contributions=0, bounty=bounty)
    for k, (stake, count) in enumerate(zip(stakes, script[1:])):
        data = [-1, k] if count is None else [k + 1, 1]
        m.add(people[k % len(people)], data, 1, value=stake * MIN_STAKE)
    m.send(m.pm.functions.endMarket(), keeper)
    m.reveal_rest(provider)
    test = m.scoring_pieces()
    m.send(m.pm.functions.measureInitialAccuracy(*test), keeper)
    trained = []
    for _s, data, label, _t, _p in m.records:
        receipt = m.send(m.pm.functions.measureNextContribution(data, label, *test), keeper)
        trained.append(m.pm.events.ContributionMeasured().process_receipt(receipt, errors=DISCARD)[0]["args"]["trained"])
    assert trained == [v is not None for v in script[1:]]
    m.settle_all(keeper)
    assert m.phase() == REWARD_COLLECT

    initial = m.pm.functions.initialNumCorrect().call()
    assert initial == 2 * script[0]  # two scoring pieces
    accuracies = [None if v is None else 2 * v for v in script[1:]]
    assert [m.pm.functions.contributions(i).call()[6] for i in range(len(stakes))] == [a or 0 for a in accuracies]
    contributors = [r[0] for r in m.records]
    credited, spent, valid = reference_settlement(
        contributors, [s * MIN_STAKE for s in stakes], accuracies, initial, bounty // 8)
    for who in set(contributors):
        assert m.pm.functions.marketBalances(who).call() == credited[who]
    assert m.pm.functions.bountyToReturn().call() == bounty - max(spent, 0)
    assert m.pm.functions.totalGoodDataCount().call() == valid
    for who in set(contributors):
        _who, data, label, added, _p = next(r for r in m.records if r[0] == who)
        m.send(m.trainer.functions.refund(data, label, added), who)
    if bounty - max(spent, 0):
        m.send(m.pm.functions.withdrawBounty(), provider)
    assert w3.eth.get_balance(m.pm.address) == 0
    # Rounding the scaled losses up can leave a few wei of stake in the trainer, never a shortfall.
    assert w3.eth.get_balance(m.trainer.address) == max(0, -spent)
    assert total_balance(w3, everyone) + m.gas == start


def unit(x) -> list[int]:
    norm = sum(v * v for v in x) ** 0.5
    return to_fixed([v / norm for v in x])


UNIT_PIECES = [([unit(x) for x in data], labels) for data, labels in PIECES]


def test_story_through_collaborative_trainer(sum_node):
    """The same story through CollaborativeTrainer64, DataHandler64 and a DensePerceptron (unit-norm data)."""
    w3 = sum_node.w3
    deployer, provider, good, bad, odd, keeper = sum_node.accounts[:6]
    model, _ = sum_node.deploy("DensePerceptron", ["0", "1"], [0, TO_FLOAT], 0, TO_FLOAT)
    dh, _ = sum_node.deploy("DataHandler64")
    pm, _ = sum_node.deploy("PredictionMarket", MIN_STAKE, False, REVEAL_TIMEOUT_S)
    trainer, _ = sum_node.deploy("CollaborativeTrainer64", "pm", "a prediction market", "none",
                                 dh.address, pm.address, model.address)
    for part in (dh, pm, model):
        assert sum_node.transact(part.functions.transferOwnership(trainer.address), sender=deployer).status == 1
    everyone = [provider, good, bad, odd, keeper, pm.address, trainer.address]
    start = total_balance(w3, everyone)
    gas = 0

    def send(call, sender, value=0, action=None):
        nonlocal gas
        receipt = sum_node.transact(call, sender=sender, value=value)
        assert receipt.status == 1
        gas += receipt.gasUsed * receipt.effectiveGasPrice
        if action:
            log_gas(action, receipt)
        return receipt

    send(pm.functions.initializeMarket([piece_hash(*p) for p in UNIT_PIECES], 0, 5), provider, BOUNTY)
    reveal_index = pm.functions.testRevealIndex().call()
    send(pm.functions.revealInitialTestSet(*UNIT_PIECES[reveal_index]), provider)
    records = []
    for who, data, label in [(good, unit([3, -2]), 1), (bad, unit([-3, 2]), 1), (good, unit([2, -3]), 1),
                             (bad, unit([-2, 3]), 1), (odd, [TO_FLOAT, TO_FLOAT], 1)]:
        receipt = send(trainer.functions.addData(data, label), who, MIN_STAKE,
                       "CollaborativeTrainer64.addData (DensePerceptron d=2)")
        records.append((who, data, label, w3.eth.get_block(receipt.blockNumber)["timestamp"]))
    assert model.functions.weights(0).call() == 0  # participation does not train
    send(pm.functions.endMarket(), keeper)
    for k, piece in enumerate(UNIT_PIECES):
        if k != reveal_index:
            send(pm.functions.revealNextTestSetPiece(*piece), provider,
                 action="revealNextTestSetPiece (DensePerceptron, 4 samples)")
    kept = [p for k, p in enumerate(UNIT_PIECES) if k != reveal_index]
    test = ([p[0] for p in kept], [p[1] for p in kept])
    send(pm.functions.measureInitialAccuracy(*test), keeper,
         action="measureInitialAccuracy (DensePerceptron, 8 test samples)")
    accuracies = []
    for _who, data, label, _t in records:
        receipt = send(pm.functions.measureNextContribution(data, label, *test), keeper,
                       action="measureNextContribution (DensePerceptron d=2, 8 test samples)")
        event = pm.events.ContributionMeasured().process_receipt(receipt, errors=DISCARD)[0]["args"]
        accuracies.append(event["numCorrect"] if event["trained"] else None)
    assert accuracies[4] is None  # not unit norm: the perceptron refuses the sample
    while pm.functions.phase().call() == SETTLE:
        send(pm.functions.settleNextContribution(), keeper)
    assert pm.functions.phase().call() == REWARD_COLLECT

    initial = pm.functions.initialNumCorrect().call()
    credited, spent, _valid = reference_settlement(
        [r[0] for r in records], [MIN_STAKE] * 5, accuracies, initial, BOUNTY // 8)
    assert credited[good] > 2 * MIN_STAKE > credited[bad]
    for who in (good, bad, odd):
        assert pm.functions.marketBalances(who).call() == credited[who]
        _w, data, label, added = next(r for r in records if r[0] == who)
        receipt = send(trainer.functions.refund(data, label, added), who,
                       action="CollaborativeTrainer64.refund (collect)")
    send(pm.functions.withdrawBounty(), provider)
    assert w3.eth.get_balance(pm.address) == 0
    assert w3.eth.get_balance(trainer.address) == 0
    assert total_balance(w3, everyone) + gas == start
