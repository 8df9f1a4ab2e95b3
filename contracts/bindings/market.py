"""The bounty market from Python (docs/market.md): a typed BountyMarket client that salts, commits,
keeps the secrets, scores and reveals for the user, over plain JSON-RPC (any Ethereum node).

    conn = Connection.open("http://127.0.0.1:8545")
    market = Market.deploy(conn)                          # StakeToken + BountyMarket (or Market.load)
    market.faucet(1000 * 10**18)                          # dev chains only
    split = split_dataset(pathlib.Path("iris.csv").read_bytes(), test_fraction=0.2)
    created = market.create_request(split, reward=100 * 10**18, stake=10 * 10**18, context="iris species")

    # a trainer, from the published files
    market.submit(created.id, read_predictions(my_predictions, classes), model_file_bytes)
    # after the submission deadline: the requester reveals, trainers claim, anyone advances
    market.reveal(created.id); market.claim(created.id); market.advance(created.id)
    market.reveal(created.id)                             # the selected candidate proves its claim
    market.withdraw(created.id)                           # honest losers take their stakes back

Every commitment is keccak-256 over an ABI encoding that includes the salt, the sender and the
request id, exactly as contracts/market/BountyMarket.sol recomputes it on reveal. Salts are 32
random bytes; what a reveal needs (labels or predictions, salts, the model's address) is written
to the secret store (`SecretStore`) *before* the transaction that commits to it is sent.
"""
from __future__ import annotations

import json
import os
import pathlib
import secrets as random_bytes
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from .content import ContentStore, remove_quietly, sync_directory
from .contract import Connection, Event, Function, TxResult, checksum
from .deploy import creation_code
from .errors import ContractError, SumError
from .market_data import Split, score


def labels_commitment(labels: Sequence[int], salt: bytes, requester: str, request_id: int) -> bytes:
    return keccak(encode(["uint64[]", "bytes32", "address", "uint256"], [list(labels), salt, requester, request_id]))


def predictions_commitment(predictions: Sequence[int], salt: bytes, trainer: str, request_id: int) -> bytes:
    return keccak(encode(["uint64[]", "bytes32", "address", "uint256"], [list(predictions), salt, trainer, request_id]))


def model_commitment(model: bytes, salt: bytes, trainer: str, request_id: int) -> bytes:
    return keccak(encode(["bytes32", "bytes32", "address", "uint256"], [model, salt, trainer, request_id]))


# StakeToken (ERC-20 and the dev-chain faucet)
FAUCET = Function("faucet", ("uint256",))
APPROVE = Function("approve", ("address", "uint256"), ("bool",))
ALLOWANCE = Function("allowance", ("address", "address"), ("uint256",))
BALANCE_OF = Function("balanceOf", ("address",), ("uint256",))
DECIMALS = Function("decimals", (), ("uint8",))
SYMBOL = Function("symbol", (), ("string",))
# BountyMarket
TOKEN = Function("token", (), ("address",))
CREATE_REQUEST = Function("createRequest", ("uint256", "uint256", "uint64", "uint64", "uint64", "uint64", "string",
                                            "bytes32", "bytes32", "uint64", "bytes32"), ("uint256",))
CANCEL_REQUEST = Function("cancelRequest", ("uint256",))
SUBMIT = Function("submit", ("uint256", "bytes32", "bytes32"), ("uint256",))
CANCEL_SUBMISSION = Function("cancelSubmission", ("uint256", "uint256"))
REVEAL_LABELS = Function("revealLabels", ("uint256", "uint64[]", "bytes32"))
CLAIM_ACCURACY = Function("claimAccuracy", ("uint256", "uint256", "uint64"))
SELECT_CANDIDATE = Function("selectCandidate", ("uint256",))
REVEAL_PREDICTIONS = Function("revealPredictions", ("uint256", "uint64[]", "bytes32", "bytes32", "bytes32"))
REFUND_UNANSWERED = Function("refundUnanswered", ("uint256",))
TIMEOUT_LABELS = Function("timeoutLabels", ("uint256",))
TIMEOUT_CANDIDATE = Function("timeoutCandidate", ("uint256",))
WITHDRAW = Function("withdraw", ("uint256", "uint256"))
REQUEST_COUNT = Function("requestCount", (), ("uint256",))
STATE_OF = Function("stateOf", ("uint256",), ("uint8",))
GET_REQUEST = Function("getRequest", ("uint256",), (
    "(address,uint8,uint32,uint32,uint32,uint32,uint64,uint64,uint64,uint64,uint64,uint64,uint64,"
    "uint256,uint256,uint256,bytes32,bytes32,bytes32,string,uint64[])",))
SUBMISSION_COUNT = Function("submissionCount", ("uint256",), ("uint256",))
GET_SUBMISSION = Function("getSubmission", ("uint256", "uint256"), ("(address,uint64,bool,bool,bool,bool,bytes32,bytes32)",))
OWED = Function("owed", ("uint256", "uint256"), ("uint256",))
REQUEST_CREATED = Event("RequestCreated", ("uint256", "address", "uint256", "uint256", "uint64", "uint64"),
                        (True, True, False, False, False, False))
SUBMITTED = Event("Submitted", ("uint256", "uint256", "address", "bytes32", "bytes32"), (True, False, True, False, False))
PAID = Event("Paid", ("uint256", "uint256", "address", "bytes32", "uint256"), (True, False, True, False, False))
CANDIDATE_SLASHED = Event("CandidateSlashed", ("uint256", "uint256", "address", "uint256"), (True, False, True, False))
CANDIDATE_SELECTED = Event("CandidateSelected", ("uint256", "uint256", "address", "uint64", "uint64"),
                           (True, False, True, False, False))
REFUNDED = Event("Refunded", ("uint256", "address", "uint256"), (True, True, False))

# The contract's State enum, in order (stateOf numbers them 0..7).
STATES = ("Open", "AwaitingLabels", "Claiming", "Verifying", "Paid", "Refunded", "RequesterPunished", "Cancelled")
FINAL_STATES = ("Paid", "Refunded", "RequesterPunished", "Cancelled")
SECRETS_ENV = "SUMCHAIN_MARKET_HOME"
DEFAULT_HOME = ".sumchain-market"
_ID_RACE_RETRIES = 3
DEV_CHAINS = (31337, 1337)  # where StakeToken's faucet is open
# Creation code returning block.timestamp: TIMESTAMP PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
RETURN_TIMESTAMP = "0x4260005260206000f3"


@dataclass(frozen=True)
class Windows:
    """A request's four windows, in seconds (docs/market.md: when each one starts)."""

    submission: int = 86_400
    response: int = 3_600
    claim: int = 3_600
    reveal: int = 3_600

    def check(self) -> None:
        for name, value in asdict(self).items():
            if not 0 < value < 2**63:
                raise ContractError(f"the {name} window must be 1 to 2^63-1 seconds, got {value}")


@dataclass(frozen=True)
class RequestInfo:
    """A request as stored on chain, with its state now (AwaitingLabels derived from the clock)."""

    id: int
    requester: str
    state: str
    active: int
    claimed: int
    candidate: int
    test_size: int
    submission_deadline: int
    labels_deadline: int
    claim_deadline: int
    verify_deadline: int
    claim_window: int
    reveal_window: int
    reward: int
    trainer_stake: int
    forfeited: int
    training_set: str
    test_set: str
    labels_commitment: str
    context: str
    labels: list[int]


@dataclass(frozen=True)
class SubmissionInfo:
    """One submission of a request, with what `withdraw` would pay it now."""

    index: int
    trainer: str
    correct: int
    claimed: bool
    cancelled: bool
    slashed: bool
    settled: bool
    predictions_commitment: str
    model_commitment: str
    owed: int


@dataclass(frozen=True)
class Created:
    id: int
    tx: TxResult
    training_set: str
    test_set: str
    labels_commitment: str


@dataclass(frozen=True)
class Submitted:
    id: int
    index: int
    tx: TxResult
    model: str
    predictions_commitment: str


@dataclass(frozen=True)
class Kept:
    """A commitment and the secret its reveal needs, kept in the secret store at `path`."""

    commitment: bytes
    secret: dict[str, Any]
    path: pathlib.Path
    model_commitment: bytes | None = None  # a submission's second commitment (its model's)


@dataclass(frozen=True)
class Action:
    """One transaction a high-level step sent: what it did, for whom, and how it went."""

    action: str
    tx: TxResult
    index: int | None = None
    amount: int | None = None
    correct: int | None = None
    outcome: str | None = None


class SecretStore:
    """What reveals need, kept by the user: one JSON file per commitment, readable only by them.

    ROOT/<chain id>/<market address>/labels-<commitment>.json      (the requester's labels and salt)
    ROOT/<chain id>/<market address>/predictions-<commitment>.json (a trainer's predictions, model, salts)
    ROOT/deployments.json                                          (the market `Market.deploy` made, per chain)

    ROOT is $SUMCHAIN_MARKET_HOME, else ./.sumchain-market. Files are written atomically (temporary
    file, fsync, rename) with mode 0600; losing one means the commitment can never be revealed."""

    def __init__(self, root: pathlib.Path | str | None = None) -> None:
        self.root = pathlib.Path(root if root is not None else os.environ.get(SECRETS_ENV) or DEFAULT_HOME)

    def save(self, chain_id: int, market: str, kind: str, commitment: bytes, secret: dict[str, Any]) -> pathlib.Path:
        path = self._path(chain_id, market, kind, commitment)
        _write_private(path, json.dumps(secret, indent=2).encode())
        return path

    def commit_labels(self, chain_id: int, market: str, split: Split, salt: bytes, requester: str, request_id: int,
                      training: str, test: str) -> Kept:
        """Commit to the split's labels for request `request_id`, keeping what revealLabels needs first."""
        commitment = labels_commitment(split.labels, salt, requester, request_id)
        secret = {"requestId": request_id, "requester": requester, "labels": split.labels, "salt": "0x" + salt.hex(),
                  "classes": split.classes, "seed": split.seed, "trainingSet": training, "testSet": test}
        return Kept(commitment, secret, self.save(chain_id, market, "labels", commitment, secret))

    def commit_predictions(self, chain_id: int, market: str, predictions: Sequence[int], model: str, trainer: str,
                           request_id: int) -> Kept:
        """Commit to a trainer's predictions and model (its content address) with fresh salts,
        keeping what revealPredictions needs first."""
        predictions_salt, model_salt = random_bytes.token_bytes(32), random_bytes.token_bytes(32)
        commitment = predictions_commitment(predictions, predictions_salt, trainer, request_id)
        secret = {"requestId": request_id, "trainer": trainer, "predictions": list(predictions),
                  "predictionsSalt": "0x" + predictions_salt.hex(), "model": model, "modelSalt": "0x" + model_salt.hex()}
        path = self.save(chain_id, market, "predictions", commitment, secret)
        return Kept(commitment, secret, path, model_commitment(_bytes32(model), model_salt, trainer, request_id))

    def load(self, chain_id: int, market: str, kind: str, commitment: bytes | str) -> dict[str, Any] | None:
        return _read_json(self._path(chain_id, market, kind, commitment), None)

    def record_deployment(self, chain_id: int, market: str, token: str) -> None:
        deployments = self.deployments()
        deployments[str(chain_id)] = {"market": market, "token": token}
        _write_private(self.root / "deployments.json", json.dumps(deployments, indent=2).encode())

    def deployments(self) -> dict[str, dict[str, str]]:
        return _read_json(self.root / "deployments.json", {})

    def _path(self, chain_id: int, market: str, kind: str, commitment: bytes | str) -> pathlib.Path:
        digits = commitment.hex() if isinstance(commitment, bytes) else commitment.removeprefix("0x")
        return self.root / str(chain_id) / market.lower() / f"{kind}-0x{digits}.json"


class Market:
    """A BountyMarket and its stake token, used by the connection's sender."""

    def __init__(self, conn: Connection, address: str, home: SecretStore | None = None,
                 store: ContentStore | None = None) -> None:
        self.conn = conn
        self.address = checksum(address)
        self.home = home or SecretStore()
        self.store = store or ContentStore()

    @classmethod
    def deploy(cls, conn: Connection, initial_supply: int = 0, home: SecretStore | None = None,
               store: ContentStore | None = None) -> Market:
        """A new StakeToken (minting `initial_supply` to the sender) and a BountyMarket on it,
        recorded in the secret store's deployments.json for this chain."""
        token = conn.send(None, creation_code("StakeToken", ("uint256",), (initial_supply,))).contract_address
        market = conn.send(None, creation_code("BountyMarket", ("address",), (token,))).contract_address
        assert token is not None and market is not None  # mined creations
        deployed = cls(conn, market, home, store)
        deployed.home.record_deployment(deployed.chain_id, market, token)
        return deployed

    @classmethod
    def load(cls, conn: Connection, address: str | None = None, home: SecretStore | None = None,
             store: ContentStore | None = None) -> Market:
        """The market at `address`, or the one deployments.json records for the node's chain."""
        home = home or SecretStore()
        if address is None:
            chain_id = int(conn.client.request("eth_chainId"), 16)
            recorded = home.deployments().get(str(chain_id))
            if recorded is None:
                raise ContractError(f"no market recorded for chain {chain_id} in {home.root / 'deployments.json'}: "
                                    f"pass the market's address or deploy one (sumchain market deploy)")
            address = recorded["market"]
        market = cls(conn, address, home, store)
        if not conn.has_code(market.address):
            raise ContractError(f"no contract at {market.address}: is this the chain the market was deployed on?")
        return market

    # ------------------------------------------------------------ the token
    @cached_property
    def token(self) -> str:
        return to_checksum_address(self.conn.call(self.address, TOKEN))

    @cached_property
    def chain_id(self) -> int:
        return int(self.conn.client.request("eth_chainId"), 16)

    @cached_property
    def decimals(self) -> int:
        return self.conn.call(self.token, DECIMALS)

    @cached_property
    def symbol(self) -> str:
        return self.conn.call(self.token, SYMBOL)

    def balance(self, account: str | None = None) -> int:
        return self.conn.call(self.token, BALANCE_OF, checksum(account) if account else self.conn.sender.address)

    def faucet(self, amount: int) -> TxResult:
        """Mint stake tokens to the sender (dev chains only; at most 1,000 tokens a call)."""
        return self.conn.transact(self.token, FAUCET, amount)

    def tokens(self, amount: int) -> str:
        """An amount in whole tokens, for people: 2.5 STAKE."""
        text = f"{Decimal(amount).scaleb(-self.decimals):f}"
        return f"{text.rstrip('0').rstrip('.') if '.' in text else text} {self.symbol}"

    def _allow(self, amount: int) -> None:
        """Let the market pull `amount` from the sender, approving it only when needed; a sender
        without the tokens is told so here rather than by the token's custom error."""
        me = self.conn.sender.address
        balance = self.balance(me)
        if balance < amount:
            raise SumError(f"{me} has {self.tokens(balance)}, {self.tokens(amount)} needed"
                           + (" (sumchain market faucet)" if self.chain_id in DEV_CHAINS else ""))
        if self.conn.call(self.token, ALLOWANCE, me, self.address) < amount:
            self.conn.transact(self.token, APPROVE, self.address, amount)

    # ------------------------------------------------------------ reading
    def now(self) -> int:
        """The time a transaction sent now runs at: `block.timestamp` of an eth_call at `pending`
        (the block about to be mined on sumchain, Hardhat and Anvil, so evm_increaseTime shows at
        once; the latest block on geth), the clock `stateOf` is read with too. Read by eth_call
        of creation code that returns TIMESTAMP, so it works on any node."""
        return int(self.conn.client.request("eth_call", {"data": RETURN_TIMESTAMP}, "pending"), 16)

    def request_count(self) -> int:
        return self.conn.call(self.address, REQUEST_COUNT)

    def request(self, request_id: int) -> RequestInfo:
        fields = self.conn.call(self.address, GET_REQUEST, request_id)
        state = self.conn.call(self.address, STATE_OF, request_id, block="pending")  # at now()'s time
        (requester, _, active, claimed, candidate, _, test_size, submission_deadline, labels_deadline,
         claim_deadline, verify_deadline, claim_window, reveal_window, reward, stake, forfeited,
         training, test, commitment, context, labels) = fields
        return RequestInfo(request_id, to_checksum_address(requester), STATES[state], active, claimed, candidate,
                           test_size, submission_deadline, labels_deadline, claim_deadline, verify_deadline,
                           claim_window, reveal_window, reward, stake, forfeited, "0x" + training.hex(),
                           "0x" + test.hex(), "0x" + commitment.hex(), context, list(labels))

    def submission(self, request_id: int, index: int) -> SubmissionInfo:
        trainer, correct, claimed, cancelled, slashed, settled, predictions, model = self.conn.call(
            self.address, GET_SUBMISSION, request_id, index)
        return SubmissionInfo(index, to_checksum_address(trainer), correct, claimed, cancelled, slashed, settled,
                              "0x" + predictions.hex(), "0x" + model.hex(),
                              self.conn.call(self.address, OWED, request_id, index))

    def submissions(self, request_id: int) -> list[SubmissionInfo]:
        return [self.submission(request_id, index)
                for index in range(self.conn.call(self.address, SUBMISSION_COUNT, request_id))]

    def winner(self, request_id: int) -> tuple[int, str, str, int] | None:
        """(index, trainer, model address, amount) of a paid request, from its Paid event."""
        logs = self.conn.logs(self.address, [PAID.topic, "0x" + request_id.to_bytes(32, "big").hex()])
        if not logs:
            return None
        _, index, trainer, model, amount = PAID.decode(logs[-1])
        return index, to_checksum_address(trainer), "0x" + model.hex(), amount

    # ------------------------------------------------------------ the requester
    def create_request(self, split: Split, reward: int, stake: int, windows: Windows = Windows(),
                       context: str = "") -> Created:
        """Publish the split's training and test sets in the content store, commit to its labels with
        a fresh salt, and open a request locking `reward` (approved here).

        The labels commitment contains the request id, which is the market's request counter when
        the transaction runs: if another request takes that id first, ours could never be revealed,
        so it is cancelled at once (the reward comes back) and created again with the next id."""
        windows.check()
        training, test = self.store.put(split.training), self.store.put(split.test)
        requester = self.conn.sender.address
        salt = random_bytes.token_bytes(32)
        for _ in range(_ID_RACE_RETRIES):
            expected = self.request_count()
            commitment = self.home.commit_labels(self.chain_id, self.address, split, salt, requester, expected,
                                                 training, test).commitment
            self._allow(reward)
            tx = self.conn.transact(self.address, CREATE_REQUEST, reward, stake, windows.submission,
                                    windows.response, windows.claim, windows.reveal, context, _bytes32(training),
                                    _bytes32(test), len(split.labels), commitment)
            request_id = self._event(tx, REQUEST_CREATED)[0]
            if request_id == expected:
                return Created(request_id, tx, training, test, "0x" + commitment.hex())
            self.cancel_request(request_id)
        raise SumError(f"other requests kept taking the next request id ({_ID_RACE_RETRIES} tries); try again")

    def cancel_request(self, request_id: int) -> TxResult:
        return self.conn.transact(self.address, CANCEL_REQUEST, request_id)

    # ------------------------------------------------------------ trainers
    def submit(self, request_id: int, predictions: Sequence[int], model: bytes) -> Submitted:
        """Stake on a request (approved here) with commitments to `predictions` (class indices, in the
        test set's order) and to `model` (the model file's bytes, put in the content store)."""
        request = self.request(request_id)
        if len(predictions) != request.test_size:
            raise SumError(f"{len(predictions)} predictions for a test set of {request.test_size} rows")
        trainer = self.conn.sender.address
        model_address = self.store.put(model)
        kept = self.home.commit_predictions(self.chain_id, self.address, predictions, model_address, trainer, request_id)
        self._allow(request.trainer_stake)
        tx = self.conn.transact(self.address, SUBMIT, request_id, kept.commitment, kept.model_commitment)
        index = self._event(tx, SUBMITTED)[1]
        return Submitted(request_id, index, tx, model_address, "0x" + kept.commitment.hex())

    def cancel_submission(self, request_id: int, index: int) -> TxResult:
        return self.conn.transact(self.address, CANCEL_SUBMISSION, request_id, index)

    def claim(self, request_id: int) -> list[Action]:
        """Claim, for each of the sender's unclaimed submissions, the number of test rows its
        predictions get right against the revealed labels."""
        request = self.request(request_id)
        if request.state != "Claiming":
            raise SumError(f"request {request_id} is {request.state}: accuracy is claimed in Claiming")
        me = self.conn.sender.address
        mine = [s for s in self.submissions(request_id) if s.trainer == me]
        if not mine:
            raise SumError(f"{me} has no submission on request {request_id}")
        unclaimed = [(s, self._secret(s)) for s in mine if not s.claimed and not s.cancelled]
        if not unclaimed:
            raise SumError(f"{me}'s submissions on request {request_id} have all claimed (or were cancelled)")
        claims = []
        for submission, secret in unclaimed:
            correct = score(secret["predictions"], request.labels)
            tx = self.conn.transact(self.address, CLAIM_ACCURACY, request_id, submission.index, correct)
            claims.append(Action("claimAccuracy", tx, submission.index, correct=correct))
        return claims

    # ------------------------------------------------------------ either side: reveal
    def reveal(self, request_id: int) -> Action:
        """The step only the sender can take now: the requester reveals the labels (AwaitingLabels);
        the selected candidate reveals its predictions and model (Verifying)."""
        request = self.request(request_id)
        me = self.conn.sender.address
        if request.state == "AwaitingLabels" and me == request.requester:
            secret = self.home.load(self.chain_id, self.address, "labels", request.labels_commitment)
            if secret is None:
                raise SumError(f"no labels for request {request_id} in {self.home.root}: only they can be revealed")
            tx = self.conn.transact(self.address, REVEAL_LABELS, request_id, secret["labels"], _bytes32(secret["salt"]))
            return Action("revealLabels", tx)
        if request.state == "Verifying":
            candidate = self.submission(request_id, request.candidate)
            if candidate.trainer != me:
                raise SumError(f"submission {candidate.index} of {candidate.trainer} is the candidate, not yours")
            secret = self._secret(candidate)
            tx = self.conn.transact(self.address, REVEAL_PREDICTIONS, request_id, secret["predictions"],
                                    _bytes32(secret["predictionsSalt"]), _bytes32(secret["model"]),
                                    _bytes32(secret["modelSalt"]))
            paid = PAID.found_in(tx.logs, self.address)
            outcome = "paid" if paid else "slashed"
            return Action("revealPredictions", tx, candidate.index, paid[0][4] if paid else None, outcome=outcome)
        raise SumError(f"nothing for {me} to reveal on request {request_id}: " + {
            "Open": f"it is open for submissions until chain time {request.submission_deadline}; then its "
                    f"requester reveals the labels",
            "AwaitingLabels": f"its requester {request.requester} reveals the labels now",
            "Claiming": f"trainers claim their accuracy until chain time {request.claim_deadline}; then the "
                        f"best claim is selected and reveals",
        }.get(request.state, f"it is {request.state}"))

    # ------------------------------------------------------------ anyone
    def advance(self, request_id: int) -> Action:
        """Move a request whose window is over: refund an unanswered request, punish a requester who
        never revealed, select the best claim, or slash a silent candidate. The contract decides
        whether the time has come (its revert reason says what is awaited)."""
        request = self.request(request_id)
        if request.state == "AwaitingLabels":
            function = REFUND_UNANSWERED if request.active == 0 else TIMEOUT_LABELS
        elif request.state == "Claiming":
            function = SELECT_CANDIDATE
        elif request.state == "Verifying":
            function = TIMEOUT_CANDIDATE
        elif request.state == "Open":
            raise SumError(f"request {request_id} is open for submissions until {request.submission_deadline} "
                           f"(chain time now {self.now()})")
        else:
            raise SumError(f"request {request_id} is {request.state}: nothing left to move")
        tx = self.conn.transact(self.address, function, request_id)
        after = self.request(request_id)
        return Action(function.name, tx, outcome=after.state)

    def withdraw(self, request_id: int) -> list[Action]:
        """Withdraw what each of the sender's submissions is owed (a final state only)."""
        me = self.conn.sender.address
        paid = []
        for submission in self.submissions(request_id):
            if submission.trainer == me and submission.owed > 0:
                tx = self.conn.transact(self.address, WITHDRAW, request_id, submission.index)
                paid.append(Action("withdraw", tx, submission.index, submission.owed))
        if not paid:
            raise SumError(f"nothing to withdraw for {me} on request {request_id} "
                           f"({self.request(request_id).state})")
        return paid

    # ------------------------------------------------------------ internals
    def _secret(self, submission: SubmissionInfo) -> dict[str, Any]:
        secret = self.home.load(self.chain_id, self.address, "predictions", submission.predictions_commitment)
        if secret is None:
            raise SumError(f"no predictions for submission {submission.index} "
                           f"({submission.predictions_commitment}) in {self.home.root}")
        return secret

    def _event(self, tx: TxResult, event: Event) -> tuple[Any, ...]:
        found = event.found_in(tx.logs, self.address)
        if not found:
            raise ContractError(f"transaction {tx.tx_hash} has no {event.name} event: is {self.address} a BountyMarket?")
        return found[0]


def _bytes32(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))


def _read_json(path: pathlib.Path, missing: Any) -> Any:
    """A JSON file of the market home, or `missing` when there is none."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return missing
    except (OSError, ValueError) as error:
        raise SumError(f"cannot read {path}: {error}") from None


def _write_private(path: pathlib.Path, data: bytes) -> None:
    """Write a file readable only by its owner, atomically and durably (temporary file, fsync,
    rename, then the directory synced, as the content store writes)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError as error:
        raise SumError(f"cannot write in {path.parent}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except OSError as error:
        remove_quietly(temp)
        raise SumError(f"cannot write {path}: {error.strerror or error}") from None
    sync_directory(path.parent)
