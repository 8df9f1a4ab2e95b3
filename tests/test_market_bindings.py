"""The bounty market's Python bindings (contracts/bindings/market.py) against a node in each mode:
a three-trainer story on a dataset made here (an honest best model wins, a cheater who claims more
than its predictions score is slashed, a no-show loses its stake, an honest loser withdraws), every
`advance` path, cancelling, the request-id race, secrets kept 0600, and bad input refused before
anything is sent. Token balances are conserved in every story.
"""
from __future__ import annotations

import csv
import io
import pathlib
import random
import runpy
import stat

import pytest
from eth_utils import to_checksum_address

from contracts.bindings import Connection, ContractError, Reverted, Sender, SumError
from contracts.bindings.content import ContentStore, content_address
from contracts.bindings.market import (CLAIM_ACCURACY, Market, SecretStore, Windows, labels_commitment)
from contracts.bindings.market_data import classes_of, score, split_dataset
from contracts.bindings.rpc import RpcClient
from tests.sum_support import BUILD

pytestmark = pytest.mark.skipif(not (BUILD / "BountyMarket.json").exists(), reason="market artifacts not built")

TOKEN = 10**18
REWARD, STAKE = 90 * TOKEN + 1, 10 * TOKEN  # an odd reward: split rewards leave a remainder
WINDOW = 100
WINDOWS = Windows(WINDOW, WINDOW, WINDOW, WINDOW)
REQUESTER, HONEST, CHEATER, NO_SHOW, LOSER, STRANGER = range(6)
_EXAMPLE_MODEL = runpy.run_path(str(pathlib.Path(__file__).resolve().parent.parent / "docs" / "market-example"
                                    / "nearest_centroid.py"))["predict"]
CENTERS = {"setosa": (1.4, 0.2), "versicolor": (4.3, 1.3), "virginica": (5.6, 2.1)}


def iris_like(rows_per_class: int = 30, seed: int = 5) -> bytes:
    """A small labelled CSV: three well separated classes of two features."""
    rng = random.Random(seed)
    out = ["label,petal_length,petal_width"]
    for name, (length, width) in CENTERS.items():
        out += [f"{name},{length + rng.gauss(0, 0.25):.3f},{width + rng.gauss(0, 0.1):.3f}"
                for _ in range(rows_per_class)]
    return ("\n".join(out) + "\n").encode()


def nearest_centroid(training: bytes, test: bytes) -> list[int]:
    """A trainer's honest model (the README's, docs/market-example/nearest_centroid.py): class indices
    predicted for the test rows."""
    classes = classes_of(training)
    rows = [list(csv.DictReader(io.StringIO(data.decode()))) for data in (training, test)]
    return [classes.index(label) for label in _EXAMPLE_MODEL(*rows)]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("market")
    return SecretStore(root / "home"), ContentStore(root / "content")


@pytest.fixture(scope="module")
def base(sum_node, places):
    home, store = places
    market = Market.deploy(connect(sum_node, REQUESTER), home=home, store=store)
    for person in range(6):
        as_person(sum_node, market, person).faucet(1000 * TOKEN)
    return market


def connect(sum_node, index: int) -> Connection:
    return Connection(RpcClient(sum_node.w3.provider.endpoint_uri), Sender(to_checksum_address(sum_node.accounts[index])))


def as_person(sum_node, market: Market, index: int) -> Market:
    return Market(connect(sum_node, index), market.address, market.home, market.store)


class People:
    """The six accounts on one market, and their token balances (and the market's) at the start."""

    def __init__(self, sum_node, market: Market) -> None:
        self.node = sum_node
        self.markets = [as_person(sum_node, market, i) for i in range(6)]
        self.start = self.balances()

    def __getitem__(self, index: int) -> Market:
        return self.markets[index]

    def balances(self) -> list[int]:
        market = self.markets[0]
        return [market.balance(m.conn.sender.address) for m in self.markets] + [market.balance(market.address)]

    def change(self) -> list[int]:
        """Each balance's change since the start; their sum is always 0 (conservation)."""
        delta = [now - then for now, then in zip(self.balances(), self.start)]
        assert sum(delta) == 0
        return delta

    def wait(self) -> None:
        """Past every window that started before now."""
        self.node.wait(WINDOW)


@pytest.fixture
def people(sum_node, base) -> People:
    return People(sum_node, base)


def test_story_honest_best_model_wins(people):
    split = split_dataset(iris_like(), 0.2, seed=11)
    created = people[REQUESTER].create_request(split, REWARD, STAKE, WINDOWS, "iris species")
    rid = created.id
    request = people[REQUESTER].request(rid)
    assert (request.state, request.requester, request.test_size) == ("Open", people[REQUESTER].conn.sender.address, 18)
    assert request.reward == REWARD and request.context == "iris species"
    assert people.change()[REQUESTER] == -REWARD

    # Trainers work from the published files only.
    training, test = people[HONEST].store.get(request.training_set), people[HONEST].store.get(request.test_set)
    assert (training, test) == (split.training, split.test)
    honest = nearest_centroid(training, test)
    assert score(honest, split.labels) == 18
    mediocre = [(p + 1) % 3 if i < 9 else p for i, p in enumerate(honest)]  # 9 of 18 right
    loser = [(p + 2) % 3 if i < 12 else p for i, p in enumerate(honest)]  # 6 of 18 right
    # The cheater submits first: on a tie of claims the earliest submission is selected.
    order = ((CHEATER, mediocre), (HONEST, honest), (NO_SHOW, honest), (LOSER, loser))
    submitted = {who: people[who].submit(rid, predictions, f"model of {who}".encode()) for who, predictions in order}
    assert [submitted[who].index for who, _ in order] == [0, 1, 2, 3]
    assert submitted[HONEST].model == content_address(f"model of {HONEST}".encode())
    assert people[HONEST].store.get(submitted[HONEST].model) == f"model of {HONEST}".encode()

    people.wait()
    assert people[REQUESTER].request(rid).state == "AwaitingLabels"
    assert people[REQUESTER].reveal(rid).action == "revealLabels"
    assert people[REQUESTER].request(rid).labels == split.labels
    assert [(c.index, c.correct) for c in people[HONEST].claim(rid)] == [(1, 18)]
    assert [(c.index, c.correct) for c in people[LOSER].claim(rid)] == [(3, 6)]
    with pytest.raises(SumError, match="have all claimed"):
        people[HONEST].claim(rid)
    # The cheater claims more than its predictions score, going around the bindings' scoring.
    people[CHEATER].conn.transact(people[CHEATER].address, CLAIM_ACCURACY, rid, 0, 18)

    people.wait()
    assert people[STRANGER].advance(rid).outcome == "Verifying"
    assert people[STRANGER].request(rid).candidate == 0
    with pytest.raises(SumError, match="is the candidate, not yours"):
        people[HONEST].reveal(rid)
    cheat = people[CHEATER].reveal(rid)
    assert (cheat.index, cheat.outcome) == (0, "slashed")
    assert people[STRANGER].request(rid).candidate == 1  # the next best, selected at once
    won = people[HONEST].reveal(rid)
    assert (won.index, won.outcome, won.amount) == (1, "paid", REWARD + 3 * STAKE)  # two lost stakes and its own
    assert people[STRANGER].winner(rid) == (1, people[HONEST].conn.sender.address, submitted[HONEST].model,
                                            REWARD + 3 * STAKE)
    assert [(a.index, a.amount) for a in people[LOSER].withdraw(rid)] == [(3, STAKE)]
    for who in (CHEATER, NO_SHOW, HONEST, LOSER):
        with pytest.raises(SumError, match="nothing to withdraw"):
            people[who].withdraw(rid)

    states = [(s.index, s.claimed, s.slashed, s.settled, s.owed) for s in people[STRANGER].submissions(rid)]
    assert states == [(0, True, True, True, 0), (1, True, False, True, 0), (2, False, False, False, 0),
                      (3, True, False, True, 0)]
    assert people[STRANGER].request(rid).state == "Paid"
    assert people.change() == [-REWARD, REWARD + 2 * STAKE, -STAKE, -STAKE, 0, 0, 0]


def test_secrets_are_private_and_written_before_sending(people):
    split = split_dataset(iris_like(10), 0.3, seed=3)
    created = people[REQUESTER].create_request(split, REWARD, STAKE, WINDOWS)
    home = people[REQUESTER].home
    secret = home.load(people[REQUESTER].chain_id, people[REQUESTER].address, "labels", created.labels_commitment)
    assert secret["labels"] == split.labels and secret["requestId"] == created.id and secret["seed"] == 3
    salt = bytes.fromhex(secret["salt"][2:])
    assert "0x" + labels_commitment(split.labels, salt, people[REQUESTER].conn.sender.address,
                                    created.id).hex() == created.labels_commitment
    files = [p for p in home.root.rglob("*.json") if p.name != "deployments.json"]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    submitted = people[HONEST].submit(created.id, split.labels, b"model")
    path = home._path(people[HONEST].chain_id, people[HONEST].address, "predictions", submitted.predictions_commitment)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Without its secret a commitment cannot be opened: the bindings say so before sending anything.
    path.unlink()
    people.wait()
    people[REQUESTER].reveal(created.id)
    with pytest.raises(SumError, match="no predictions for submission 0"):
        people[HONEST].claim(created.id)
    people.wait()
    people[STRANGER].advance(created.id)  # nobody claimed: refunded
    assert people[STRANGER].request(created.id).state == "Refunded"
    assert people.change() == [STAKE, -STAKE, 0, 0, 0, 0, 0]  # the unclaimed stake goes to the requester


def test_request_id_race_cancels_and_retries(people, monkeypatch):
    """Another request takes the id the labels were committed to: ours is cancelled and made again."""
    requester = people[REQUESTER]
    stale = requester.request_count()
    people[STRANGER].create_request(split_dataset(iris_like(5), 0.4, seed=1), REWARD, STAKE, WINDOWS)
    answers = [stale]  # the first read is stale; later ones are the chain's
    real = Market.request_count
    monkeypatch.setattr(requester, "request_count", lambda: answers.pop() if answers else real(requester))
    split = split_dataset(iris_like(5), 0.4, seed=2)
    created = requester.create_request(split, REWARD, STAKE, WINDOWS)
    assert created.id == stale + 2
    assert requester.request(stale + 1).state == "Cancelled"  # committed to the wrong id, cancelled at once
    people.wait()
    requester.reveal(created.id)  # the commitment opens: it was made for the right id
    assert requester.request(created.id).labels == split.labels
    assert people.change()[REQUESTER] == -REWARD


def test_advance_refund_punish_and_slash(people):
    market = people[STRANGER]
    split = split_dataset(iris_like(5), 0.4, seed=4)
    unanswered = people[REQUESTER].create_request(split, REWARD, STAKE, WINDOWS).id
    silent_requester = people[REQUESTER].create_request(split, REWARD, STAKE, WINDOWS).id
    silent_candidate = people[REQUESTER].create_request(split, REWARD, STAKE, WINDOWS).id
    for rid in (silent_requester, silent_candidate):
        people[HONEST].submit(rid, split.labels, b"m")
        people[LOSER].submit(rid, split.labels, b"m")
    with pytest.raises(SumError, match="open for submissions until"):
        market.advance(unanswered)
    people.wait()
    assert market.advance(unanswered).action == "refundUnanswered"
    assert market.request(unanswered).state == "Refunded"
    with pytest.raises(Reverted, match="response window not over"):
        market.advance(silent_requester)
    people[REQUESTER].reveal(silent_candidate)
    people[HONEST].claim(silent_candidate)
    people.wait()
    assert market.advance(silent_requester).action == "timeoutLabels"
    assert market.request(silent_requester).state == "RequesterPunished"
    share = [a.amount for who in (HONEST, LOSER) for a in people[who].withdraw(silent_requester)]
    assert share == [STAKE + REWARD // 2 + REWARD % 2, STAKE + REWARD // 2]

    assert market.advance(silent_candidate).action == "selectCandidate"  # the loser never claimed
    with pytest.raises(Reverted, match="reveal window not over"):
        market.advance(silent_candidate)
    people.wait()
    slashed = market.advance(silent_candidate)
    assert (slashed.action, slashed.outcome) == ("timeoutCandidate", "Refunded")
    with pytest.raises(SumError, match="nothing left to move"):
        market.advance(silent_candidate)
    # Requester: -3 rewards, +1 refunded, +1 back with the two lost stakes; the trainers of the
    # punished request share its reward.
    assert people.change() == [-REWARD + 2 * STAKE, REWARD // 2 + REWARD % 2 - STAKE, 0, 0,
                               REWARD // 2 - STAKE, 0, 0]


def test_cancel_request_and_submission(people):
    split = split_dataset(iris_like(5), 0.4, seed=6)
    rid = people[REQUESTER].create_request(split, REWARD, STAKE, WINDOWS).id
    index = people[HONEST].submit(rid, split.labels, b"m").index
    people[LOSER].submit(rid, split.labels, b"m")
    people[HONEST].cancel_submission(rid, index)
    assert people.change() == [-REWARD, 0, 0, 0, -STAKE, 0, REWARD + STAKE]
    with pytest.raises(Reverted, match="not the requester"):
        people[STRANGER].cancel_request(rid)
    people[REQUESTER].cancel_request(rid)
    assert people[STRANGER].request(rid).state == "Cancelled"
    assert [a.amount for a in people[LOSER].withdraw(rid)] == [STAKE]
    assert people.change() == [0] * 7


def test_bad_input_is_refused_before_sending(people, sum_node, places):
    requester = people[REQUESTER]
    split = split_dataset(iris_like(5), 0.4, seed=7)
    rid = requester.create_request(split, REWARD, STAKE, WINDOWS).id
    before = people.balances()
    nonce = sum_node.w3.eth.get_transaction_count(people[HONEST].conn.sender.address)
    with pytest.raises(SumError, match=f"5 predictions for a test set of {len(split.labels)} rows"):
        people[HONEST].submit(rid, [0] * 5, b"m")
    with pytest.raises(SumError, match="accuracy is claimed in Claiming"):
        people[HONEST].claim(rid)
    people.wait()
    requester.reveal(rid)
    with pytest.raises(SumError, match="no submission on request"):
        people[HONEST].claim(rid)
    with pytest.raises(SumError, match="nothing for .* to reveal"):
        people[STRANGER].reveal(rid)
    with pytest.raises(Reverted, match="no such request"):
        requester.request(10**6)
    with pytest.raises(ContractError, match="window must be"):
        requester.create_request(split, REWARD, STAKE, Windows(0, 1, 1, 1))
    with pytest.raises(Reverted, match="reward is zero"):
        requester.create_request(split, 0, STAKE, WINDOWS)
    assert sum_node.w3.eth.get_transaction_count(people[HONEST].conn.sender.address) == nonce
    assert people.balances()[1:] == before[1:]

    home, store = places
    conn = connect(sum_node, STRANGER)
    with pytest.raises(ContractError, match="no market recorded for chain 31337"):
        Market.load(conn, home=SecretStore(home.root / "empty"), store=store)
    with pytest.raises(ContractError, match="no contract at"):
        Market.load(conn, "0x" + "12" * 20, home=home, store=store)
    assert Market.load(conn, home=home, store=store).chain_id == 31337  # the deployment it recorded
