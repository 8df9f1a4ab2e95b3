"""`sumchain market ...`: the model bounty market from the command line (docs/market.md).

The content store (`put`, `get`) works offline; every other action talks to a node over JSON-RPC
through contracts/bindings/market.py, which splits, salts, commits, keeps the secrets, scores and
reveals. Amounts are in whole stake tokens (decimals allowed: 0.5); windows in seconds or with a
unit (90s, 30m, 2h, 7d).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from .cli import connection_arguments, open_connection, print_json, print_result, run_action, tx_json
from .content import CONTENT_ENV, DEFAULT_ROOT, ContentError, ContentStore
from .errors import SumError
from .market import (DEFAULT_HOME, FINAL_STATES, SECRETS_ENV, Action, Market, RequestInfo, SecretStore,
                     SubmissionInfo, Windows)
from .market_data import DEFAULT_LABEL_COLUMN, classes_of, read_csv, read_predictions, split_dataset

MARKET_ENV = "SUMCHAIN_MARKET"
STAKE_DECIMALS = 18  # StakeToken's: `deploy --supply` converts before the token exists to ask
_DURATION = re.compile(r"(\d+)\s*([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}


def add_parser(commands: Any) -> None:
    """Register `market` and its actions on the `sumchain` subcommands."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", type=pathlib.Path, metavar="DIR",
                       help=f"the content store's directory (default: ${CONTENT_ENV}, else ./{DEFAULT_ROOT})")
    chain = argparse.ArgumentParser(add_help=False, parents=[connection_arguments(), store])
    chain.add_argument("--market", metavar="ADDRESS",
                       help=f"the BountyMarket (default: ${MARKET_ENV}, else the one `deploy` recorded for the chain)")
    chain.add_argument("--home", type=pathlib.Path, metavar="DIR",
                       help=f"where secrets and deployments are kept (default: ${SECRETS_ENV}, else ./{DEFAULT_HOME})")

    market = commands.add_parser(
        "market", help="the model bounty market: deploy, request, submit, reveal, claim, status ...",
        description="The model bounty market (docs/market.md). Datasets and models are addressed by the "
                    "keccak256 of their bytes (0x and 64 hex digits, a bytes32 on chain) in a local content "
                    "store; salts and what reveals need are kept in the market home, readable only by you.",
    )
    actions = market.add_subparsers(dest="market_command", required=True, metavar="ACTION")

    put = actions.add_parser("put", parents=[store], help="store a file; prints its address",
                             description="Copy a file into the content store and print its address: "
                                         "0x + keccak256 of its bytes.")
    put.add_argument("file", metavar="FILE", help="the file to store ('-' reads standard input)")

    get = actions.add_parser("get", parents=[store], help="write the bytes of an address",
                             description="Write the bytes stored under an address to standard output or a "
                                         "file, after checking they hash to it.")
    get.add_argument("address", metavar="ADDRESS", help="0x and 64 hex digits, as printed by put")
    get.add_argument("-o", "--output", type=pathlib.Path, metavar="OUT",
                     help="write to this file instead of standard output")

    deploy = actions.add_parser("deploy", parents=[chain], help="deploy a stake token and a market",
                                description="Deploy StakeToken and a BountyMarket on it, and record them for "
                                            "this chain (later actions find the market there).")
    deploy.add_argument("--supply", type=_amount, default=Decimal(0), metavar="TOKENS",
                        help="tokens minted to the deployer (default: 0; dev chains have the faucet)")

    faucet = actions.add_parser("faucet", parents=[chain], help="mint stake tokens (dev chains only)",
                                description="Mint stake tokens to the sender: at most 1000 a call, only on chain "
                                            "ids 31337 and 1337.")
    faucet.add_argument("amount", nargs="?", type=_amount, default=Decimal(1000), metavar="TOKENS",
                        help="how many (default: 1000)")

    balance = actions.add_parser("balance", parents=[chain], help="stake tokens of an account",
                                 description="The stake-token balance of an account (default: the sender).")
    balance.add_argument("account", nargs="?", metavar="ADDRESS", help="the account (default: the sender)")

    request = actions.add_parser(
        "request", parents=[chain], help="split a dataset and open a request with a reward",
        description="Split a labelled CSV (stratified; the test rows shuffled) into a training set and an "
                    "unlabelled test set, put both in the content store, commit to the test labels with a "
                    "random salt (kept in the market home), and open a request locking the reward.")
    request.add_argument("dataset", metavar="DATASET.csv", help="labelled CSV with a header row")
    request.add_argument("--reward", type=_amount, required=True, metavar="TOKENS", help="the reward, locked now")
    request.add_argument("--stake", type=_amount, required=True, metavar="TOKENS", help="what each trainer stakes")
    request.add_argument("--test-fraction", type=float, default=0.2, metavar="F",
                         help="share of each class's rows in the test set (default: 0.2)")
    request.add_argument("--seed", type=int, help="the split's random seed (default: a random one, kept with the labels)")
    request.add_argument("--label-column", default=DEFAULT_LABEL_COLUMN, metavar="NAME",
                         help=f"the label column (default: {DEFAULT_LABEL_COLUMN})")
    request.add_argument("--context", default="", help="what the model is for (public; default: empty)")
    defaults = Windows()
    for name, default, meaning in (
            ("submission", defaults.submission, "trainers submit (from now)"),
            ("response", defaults.response, "you reveal the labels (after submissions close)"),
            ("claim", defaults.claim, "trainers claim their accuracy (after the labels)"),
            ("reveal", defaults.reveal, "the selected candidate proves its claim")):
        request.add_argument(f"--{name}-window", type=_duration, default=default, metavar="DURATION",
                             help=f"how long {meaning} (default: {default} s)")

    submit = actions.add_parser(
        "submit", parents=[chain], help="stake on a request with predictions and a model",
        description="Commit to your predictions for the request's test set and to your model file (put in "
                    "the content store), with random salts kept in the market home, and stake.")
    submit.add_argument("id", type=_request_id, metavar="ID", help="the request id")
    submit.add_argument("predictions", type=pathlib.Path, metavar="PREDICTIONS",
                        help="one prediction per line in the test set's order (class names or indices), or a JSON array")
    submit.add_argument("--model", type=pathlib.Path, required=True, metavar="FILE", help="your model file")
    submit.add_argument("--label-column", default=DEFAULT_LABEL_COLUMN, metavar="NAME",
                        help=f"the training set's label column, to read the classes (default: {DEFAULT_LABEL_COLUMN})")

    cancel = actions.add_parser("cancel", parents=[chain], help="cancel a request or a submission (while open)",
                                description="The requester cancels a request (reward back, every stake "
                                            "withdrawable); with INDEX, a trainer cancels a submission (stake back).")
    cancel.add_argument("id", type=_request_id, metavar="ID", help="the request id")
    cancel.add_argument("index", nargs="?", type=_request_id, metavar="INDEX", help="your submission's index")

    for name, text in (
            ("reveal", "the requester reveals the labels; the selected candidate its predictions and model"),
            ("claim", "claim the accuracy of your submissions (scored here against the revealed labels)"),
            ("advance", "anyone: move a request whose window is over (refund, punish, select, slash)"),
            ("withdraw", "withdraw what your submissions are owed (final states)")):
        action = actions.add_parser(name, parents=[chain], help=text, description=text[0].upper() + text[1:] + ".")
        action.add_argument("id", type=_request_id, metavar="ID", help="the request id")

    status = actions.add_parser("status", parents=[chain], help="a request in detail, or every request",
                                description="A request's state, deadlines, datasets, submissions and what comes "
                                            "next; without ID, one line per request.")
    status.add_argument("id", nargs="?", type=_request_id, metavar="ID", help="the request id")


def run(args: argparse.Namespace) -> int:
    """Run one `sumchain market` action (errors: one line on stderr, exit code 1)."""
    return run_action("market", _ACTIONS[args.market_command], args)


# ------------------------------------------------------------ the content store
def _store(args: argparse.Namespace) -> ContentStore:
    return ContentStore(args.store)  # None: $SUMCHAIN_CONTENT or ./.sumchain-content


def _put(args: argparse.Namespace) -> int:
    store = _store(args)
    address = store.put_stream(sys.stdin.buffer) if args.file == "-" else store.put_file(args.file)
    print(address)
    return 0


def _get(args: argparse.Namespace) -> int:
    data = _store(args).get(args.address)
    if args.output is not None:
        try:
            args.output.write_bytes(data)
        except OSError as error:
            raise ContentError(f"cannot write {args.output}: {error.strerror or error}") from None
        return 0
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


# ------------------------------------------------------------ on chain
def _market(args: argparse.Namespace) -> Market:
    return Market.load(open_connection(args), args.market or os.environ.get(MARKET_ENV) or None,
                       SecretStore(args.home), _store(args))


def _deploy(args: argparse.Namespace) -> int:
    conn = open_connection(args)
    market = Market.deploy(conn, _units(args.supply, STAKE_DECIMALS), SecretStore(args.home), _store(args))
    return print_result(args, {"market": market.address, "token": market.token, "chainId": market.chain_id},
                f"stake token: {market.token}\nmarket:      {market.address}\n"
                f"recorded for chain {market.chain_id} in {market.home.root / 'deployments.json'}")


def _faucet(args: argparse.Namespace) -> int:
    market = _market(args)
    tx = market.faucet(_units(args.amount, market.decimals))
    balance = market.balance()
    return print_result(args, tx_json(tx) | {"balance": balance}, f"balance {market.tokens(balance)}  (tx {tx.tx_hash})")


def _balance(args: argparse.Namespace) -> int:
    market = _market(args)
    amount = market.balance(args.account)
    return print_result(args, {"balance": amount}, market.tokens(amount))


def _request(args: argparse.Namespace) -> int:
    market = _market(args)
    split = split_dataset(_read(pathlib.Path(args.dataset)), args.test_fraction, args.seed, args.label_column)
    decimals = market.decimals
    windows = Windows(args.submission_window, args.response_window, args.claim_window, args.reveal_window)
    created = market.create_request(split, _units(args.reward, decimals), _units(args.stake, decimals), windows,
                                    args.context)
    request = market.request(created.id)
    if args.json:
        print_json(tx_json(created.tx) | {"id": created.id, "trainingSet": created.training_set,
                                          "testSet": created.test_set, "testSize": len(split.labels),
                                          "classes": split.classes, "labelsCommitment": created.labels_commitment,
                                          "submissionDeadline": request.submission_deadline})
        return 0
    classes = ", ".join(split.classes) if split.classes else "the labels are class indices"
    print(f"request {created.id}: {market.tokens(request.reward)} reward, {market.tokens(request.trainer_stake)} stake")
    print(f"training set: {created.training_set}  ({len(read_csv(split.training, args.label_column)[1])} rows)")
    print(f"test set:     {created.test_set}  ({len(split.labels)} rows, labels committed)")
    print(f"classes:      {classes}")
    print(f"submissions close at chain time {request.submission_deadline} ({_when(request.submission_deadline, market.now())})")
    print(f"tx {created.tx.tx_hash}  gas {created.tx.gas_used:,}")
    return 0


def _submit(args: argparse.Namespace) -> int:
    market = _market(args)
    request = market.request(args.id)
    if not market.store.has(request.training_set):
        raise SumError(f"the request's training set {request.training_set} is not in the content store "
                       f"{market.store.root}: get it from the requester (sumchain market put)")
    classes = classes_of(market.store.get(request.training_set), args.label_column)
    predictions = read_predictions(_read(args.predictions), classes)
    submitted = market.submit(args.id, predictions, _read(args.model))
    if args.json:
        print_json(tx_json(submitted.tx) | {"id": args.id, "index": submitted.index, "model": submitted.model,
                                            "predictionsCommitment": submitted.predictions_commitment})
        return 0
    print(f"submission {submitted.index} on request {args.id}: staked {market.tokens(request.trainer_stake)}, "
          f"model {submitted.model}")
    print(f"tx {submitted.tx.tx_hash}  gas {submitted.tx.gas_used:,}")
    return 0


def _cancel(args: argparse.Namespace) -> int:
    market = _market(args)
    if args.index is None:
        tx = market.cancel_request(args.id)
        return print_result(args, tx_json(tx), f"request {args.id} cancelled: reward returned  (tx {tx.tx_hash})")
    tx = market.cancel_submission(args.id, args.index)
    return print_result(args, tx_json(tx), f"submission {args.index} on request {args.id} cancelled: stake returned  "
                                   f"(tx {tx.tx_hash})")


def _reveal(args: argparse.Namespace) -> int:
    market = _market(args)
    action = market.reveal(args.id)
    if action.action == "revealLabels":
        request = market.request(args.id)
        text = f"labels revealed: trainers claim until chain time {request.claim_deadline}"
    elif action.outcome == "paid":
        text = f"predictions and model revealed: paid {market.tokens(action.amount or 0)}"
    else:
        text = "predictions revealed but they do not check out: slashed; the next claim is selected"
    return _actions(args, [action], text)


def _claim(args: argparse.Namespace) -> int:
    market = _market(args)
    claims = market.claim(args.id)
    size = market.request(args.id).test_size
    lines = [f"submission {c.index}: claimed {c.correct}/{size} correct" for c in claims]
    return _actions(args, claims, "\n".join(lines))


def _advance(args: argparse.Namespace) -> int:
    market = _market(args)
    action = market.advance(args.id)
    return _actions(args, [action], f"{action.action}: request {args.id} is now {action.outcome}")


def _withdraw(args: argparse.Namespace) -> int:
    market = _market(args)
    paid = market.withdraw(args.id)
    lines = [f"submission {a.index}: withdrew {market.tokens(a.amount or 0)}" for a in paid]
    return _actions(args, paid, "\n".join(lines))


def _status(args: argparse.Namespace) -> int:
    market = _market(args)
    if args.id is None:
        requests = [market.request(i) for i in range(market.request_count())]
        if args.json:
            print_json([asdict(r) for r in requests])
            return 0
        if not requests:
            print(f"no requests yet on {market.address}")
        for r in requests:
            context = f"  {r.context[:40]}" if r.context else ""
            print(f"{r.id:>4}  {r.state:<17} reward {market.tokens(r.reward):<14} test {r.test_size:>5} rows  "
                  f"{r.active} submissions{context}")
        return 0
    request, submissions, now = market.request(args.id), market.submissions(args.id), market.now()
    winner = market.winner(args.id) if request.state == "Paid" else None
    if args.json:
        print_json(asdict(request) | {"now": now, "submissions": [asdict(s) for s in submissions],
                                      "winner": winner and {"index": winner[0], "trainer": winner[1],
                                                            "model": winner[2], "amount": winner[3]}})
        return 0
    print("\n".join(_describe(market, request, submissions, now, winner)))
    return 0


_ACTIONS = {"put": _put, "get": _get, "deploy": _deploy, "faucet": _faucet, "balance": _balance,
            "request": _request, "submit": _submit, "cancel": _cancel, "reveal": _reveal, "claim": _claim,
            "advance": _advance, "withdraw": _withdraw, "status": _status}


# ------------------------------------------------------------ status in words
def _describe(market: Market, r: RequestInfo, submissions: list[SubmissionInfo], now: int,
              winner: tuple[int, str, str, int] | None) -> list[str]:
    lines = [
        f"request {r.id}: {r.state}",
        f"requester:     {r.requester}",
        f"reward:        {market.tokens(r.reward)}",
        f"trainer stake: {market.tokens(r.trainer_stake)}",
        f"context:       {r.context or '-'}",
        f"training set:  {r.training_set}",
        f"test set:      {r.test_set}  ({r.test_size} rows)",
        f"labels:        {'revealed' if r.labels else 'committed ' + r.labels_commitment}",
        f"chain time:    {now}  (what the contract sees now)",
        f"  submissions close   {r.submission_deadline}  ({_when(r.submission_deadline, now)})",
        f"  labels due by       {r.labels_deadline}  ({_when(r.labels_deadline, now)})",
    ]
    if r.claim_deadline:
        lines.append(f"  claims close        {r.claim_deadline}  ({_when(r.claim_deadline, now)})")
    if r.state == "Verifying":
        lines.append(f"  candidate reveals by {r.verify_deadline}  ({_when(r.verify_deadline, now)})")
    lines.append(f"submissions:   {len(submissions)} ({r.active} active)")
    for s in submissions:
        lines.append(f"  {s.index:>3}  {s.trainer}  {_submission_state(r, s)}"
                     + (f"  owed {market.tokens(s.owed)}" if s.owed else ""))
    if winner is not None:
        lines.append(f"winner:        submission {winner[0]} of {winner[1]}, paid {market.tokens(winner[3])}")
        lines.append(f"model:         {winner[2]}  (sumchain market get {winner[2]})")
    lines.append(f"next:          {_next(r, submissions, now)}")
    return lines


def _submission_state(r: RequestInfo, s: SubmissionInfo) -> str:
    if s.cancelled:
        return "cancelled"
    if s.slashed:
        return f"claimed {s.correct}/{r.test_size}, slashed"
    if r.state == "Verifying" and s.index == r.candidate:
        return f"claimed {s.correct}/{r.test_size}, candidate"
    if r.state == "Paid" and s.index == r.candidate:
        return f"claimed {s.correct}/{r.test_size}, won"
    if s.claimed:
        return f"claimed {s.correct}/{r.test_size}" + (", withdrawn" if s.settled else "")
    if r.state == "Claiming":
        return "not claimed yet"
    return "never claimed: stake forfeited" if r.labels else "committed"


def _next(r: RequestInfo, submissions: list[SubmissionInfo], now: int) -> str:
    if r.state == "Open":
        return f"trainers submit until {r.submission_deadline} (sumchain market submit {r.id} ...)"
    if r.state == "AwaitingLabels":
        if r.active == 0:
            return f"nobody submitted: anyone may refund the requester (sumchain market advance {r.id})"
        if now < r.labels_deadline:
            return f"the requester reveals the labels (sumchain market reveal {r.id}) before {r.labels_deadline}"
        return f"the labels are late: anyone may punish the requester (sumchain market advance {r.id})"
    if r.state == "Claiming":
        if now < r.claim_deadline:
            return f"trainers claim (sumchain market claim {r.id}) before {r.claim_deadline}; then anyone advances"
        return f"claims are closed: anyone selects the best claim (sumchain market advance {r.id})"
    if r.state == "Verifying":
        if now < r.verify_deadline:
            return f"the candidate reveals (sumchain market reveal {r.id}) before {r.verify_deadline}"
        return f"the candidate is late: anyone may slash it (sumchain market advance {r.id})"
    assert r.state in FINAL_STATES
    if any(s.owed for s in submissions):
        return f"final: trainers withdraw what they are owed (sumchain market withdraw {r.id})"
    return "final: nothing is owed"


# ------------------------------------------------------------ output and parsing helpers
def _actions(args: argparse.Namespace, actions: list[Action], text: str) -> int:
    if args.json:
        print_json([tx_json(a.tx) | {"action": a.action, "index": a.index, "amount": a.amount,
                                     "correct": a.correct, "outcome": a.outcome} for a in actions])
        return 0
    print(text)
    for a in actions:
        print(f"tx {a.tx.tx_hash}  gas {a.tx.gas_used:,}  {a.action}")
    return 0


def _units(tokens: Decimal, decimals: int) -> int:
    value = tokens.scaleb(decimals)
    if value != value.to_integral_value():
        raise SumError(f"{tokens} has more than {decimals} decimals")
    return int(value)


def _when(deadline: int, now: int) -> str:
    """A chain timestamp for people: its UTC date and how far it is from the chain's clock."""
    seconds = deadline - now
    span = _span(abs(seconds))
    relative = f"in {span}" if seconds > 0 else "now" if seconds == 0 else f"{span} ago"
    return f"{datetime.fromtimestamp(deadline, timezone.utc):%Y-%m-%d %H:%M:%S} UTC, {relative}"


def _span(seconds: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}".replace(".0 ", " ")
    return f"{seconds} s"


def _read(path: pathlib.Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SumError(f"cannot read {path}: {error.strerror or error}") from None


def _amount(text: str) -> Decimal:
    """Stake tokens: a decimal number >= 0 (converted with the token's decimals when used)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount of tokens: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"an amount of tokens is a number >= 0, got {text!r}")
    return value


def _duration(text: str) -> int:
    """Seconds: 3600, 90s, 30m, 2h or 7d."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (seconds, or a number with s, m, h or d)")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _request_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value
