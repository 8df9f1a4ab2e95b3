"""`sumchain model ...`: deploy a model file and use a deployed model from the command line."""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .contract import Connection, TxResult
from .deploy import IncentiveSettings, Step, deploy
from .errors import SumError
from .model import load_model
from .rpc import DEFAULT_URL
from .trainer import Claimed, Trainer, normalize

PRIVATE_KEY_ENV = "SUMCHAIN_PRIVATE_KEY"


def connection_arguments() -> argparse.ArgumentParser:
    """The options every on-chain action takes: --rpc, --from, --private-key, --json."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--rpc", default=DEFAULT_URL, metavar="URL", help=f"JSON-RPC endpoint of the node (default: {DEFAULT_URL})")
    common.add_argument("--from", dest="sender", metavar="ADDRESS",
                        help="send from this account, unlocked on the node (default: its first account)")
    common.add_argument("--private-key", metavar="HEX",
                        help=f"sign locally with this key (or set {PRIVATE_KEY_ENV}); it is never printed")
    common.add_argument("--json", action="store_true", help="print JSON for programs")
    return common


def add_parser(commands: Any) -> None:
    """Register `model` and its actions on the `sumchain` subcommands."""
    common = connection_arguments()

    model = commands.add_parser(
        "model", help="deploy and use SUM models (any node, over JSON-RPC)",
        description="Deploy a SUM model file (classifier, data handler, incentive mechanism, "
                    "CollaborativeTrainer64) and use a deployed model: add data, predict, refund, report.",
    )
    actions = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")

    deploy = actions.add_parser(
        "deploy", parents=[common],
        help="deploy a model file", description="Deploy a model file in transactions of at most 16,777,216 gas.",
    )
    deploy.add_argument("model_file", metavar="MODEL.json", help="model file: JSON, floats unscaled (type, classifications, weights...)")
    deploy.add_argument("--name", help="the model's name (default: the file name without .json)")
    deploy.add_argument("--description", default="", help="the model's description (default: empty)")
    deploy.add_argument("--encoder", help="the input encoding clients use (default: the file's 'encoder', or none)")
    deploy.add_argument("--incentive", choices=["points", "stakeable"], default="points",
                        help="incentive mechanism: points (karma, no money; the default) or stakeable (deposits)")
    deploy.add_argument("--refund-wait", type=_seconds, default=86_400, metavar="SECONDS",
                        help="wait before a contributor may take back a deposit (default: 86400, a day)")
    deploy.add_argument("--owner-claim-wait", type=_seconds, default=7 * 86_400, metavar="SECONDS",
                        help="wait before the model's owner may take any deposit (default: 604800, a week)")
    deploy.add_argument("--any-claim-wait", type=_seconds, default=14 * 86_400, metavar="SECONDS",
                        help="wait before anyone may take any deposit (default: 1209600, two weeks)")
    deploy.add_argument("--cost-weight", type=_wei, default=10**15, metavar="WEI",
                        help="stakeable: the deposit is cost weight * 3600 / sqrt(seconds since the last addition) "
                             "(default: 1e15)")

    add = actions.add_parser("add", parents=[common], help="contribute a sample (addData)",
                             description="Add a sample with its label; pays the current deposit unless --value.")
    _sample_arguments(add, label=True)
    add.add_argument("--packed", action="store_true", help="send it packed, 8 bytes per element (dense models)")
    add.add_argument("--value", type=_wei, metavar="WEI", help="value to send (default: the current deposit)")

    predict = actions.add_parser("predict", parents=[common], help="predict a sample's class (free)",
                                 description="The classifier's prediction for a sample (eth_call, no transaction).")
    _sample_arguments(predict, label=False)

    refund = actions.add_parser("refund", parents=[common], help="take back your deposit",
                                description="Refund your contribution's deposit (the model must agree with it).")
    _sample_arguments(refund, label=True)
    refund.add_argument("added_time", type=int, metavar="ADDED_TIME", help="the contribution's time (from add)")
    refund.add_argument("--packed", action="store_true", help="the contribution was added packed")

    report = actions.add_parser("report", parents=[common], help="take another's deposit",
                                description="Report a contribution the model disagrees with (or any, after the "
                                            "long wait) and take its deposit or a share of it.")
    _sample_arguments(report, label=True)
    report.add_argument("added_time", type=int, metavar="ADDED_TIME", help="the contribution's time")
    report.add_argument("author", metavar="AUTHOR", help="the contribution's author")
    report.add_argument("--packed", action="store_true", help="the contribution was added packed")

    info = actions.add_parser("info", parents=[common], help="describe a deployed model",
                              description="Name, classes, model type, incentive mechanism and its state.")
    info.add_argument("address", metavar="ADDRESS", help="the CollaborativeTrainer64 address")

    history = actions.add_parser("contributions", parents=[common], help="list contributions (AddData events)",
                                 description="Every contribution: what refund and report need.")
    history.add_argument("address", metavar="ADDRESS", help="the CollaborativeTrainer64 address")
    history.add_argument("--sender", metavar="ADDRESS", help="only this author's")


def _sample_arguments(parser: argparse.ArgumentParser, label: bool) -> None:
    parser.add_argument("address", metavar="ADDRESS", help="the CollaborativeTrainer64 address")
    parser.add_argument("data", metavar="DATA",
                        help="JSON array: fixed-point integers (v*1e9) for dense models, feature indices for "
                             "sparse ones; floats with --normalize")
    if label:
        parser.add_argument("label", metavar="LABEL", help="class index or class name")
    parser.add_argument("--normalize", action="store_true",
                        help="scale DATA to unit norm, then to fixed point (dense models)")


def run(args: argparse.Namespace) -> int:
    """Run one `sumchain model` action."""
    return run_action("model", _ACTIONS[args.model_command], args)


def run_action(command: str, action: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one `sumchain COMMAND` action: its errors are one line on stderr and exit code 1."""
    try:
        return action(args)
    except SumError as error:
        print(f"sumchain {command}: error: {error}", file=sys.stderr)
        return 1


def open_connection(args: argparse.Namespace) -> Connection:
    return Connection.open(args.rpc, args.sender, args.private_key or os.environ.get(PRIVATE_KEY_ENV) or None)


def _deploy(args: argparse.Namespace) -> int:
    model = load_model(args.model_file)
    incentive = IncentiveSettings(args.incentive, args.refund_wait, args.owner_claim_wait, args.any_claim_wait,
                                  args.cost_weight)
    conn = open_connection(args)

    def show(step: Step) -> None:
        if not args.json:
            at = f" -> {step.address}" if step.address else ""
            print(f"{step.tx_hash}  gas {step.gas_used:>10,}  {step.action}{at}", flush=True)

    deployment = deploy(conn, model, args.name or pathlib.Path(args.model_file).stem, args.description,
                        args.encoder or model.encoder or "none", incentive, on_step=show)
    if args.json:
        print_json({
            "trainer": deployment.trainer, "classifier": deployment.classifier,
            "dataHandler": deployment.data_handler, "incentiveMechanism": deployment.incentive_mechanism,
            "modelType": model.type,
            "transactions": [{"action": s.action, "txHash": s.tx_hash, "gasUsed": s.gas_used, "address": s.address}
                             for s in deployment.steps],
        })
        return 0
    total = sum(step.gas_used for step in deployment.steps)
    print(f"\n{model.type} deployed in {len(deployment.steps)} transactions, {total:,} gas in all "
          f"(largest {max(s.gas_used for s in deployment.steps):,})")
    print(f"trainer:             {deployment.trainer}")
    print(f"classifier:          {deployment.classifier}")
    print(f"data handler:        {deployment.data_handler}")
    print(f"incentive mechanism: {deployment.incentive_mechanism} ({incentive.kind})")
    return 0


def _add(args: argparse.Namespace) -> int:
    trainer, names = _trainer(args)
    data, label = _data(args), _label(args.label, names)
    add = trainer.add_data_packed if args.packed else trainer.add_data
    added = add(data, label, args.value)
    c = added.contribution
    return print_result(args, {**tx_json(added.tx), "label": c.label, "time": c.time, "sender": c.sender,
                               "cost": c.cost, "packed": c.packed},
                        f"added: class {c.label} ({names[c.label]}), time {c.time}, deposit {c.cost} wei\n"
                        f"tx {added.tx.tx_hash}  gas {added.tx.gas_used:,}")


def _predict(args: argparse.Namespace) -> int:
    trainer, names = _trainer(args)
    prediction = trainer.predict(_data(args))
    name = names[prediction] if prediction < len(names) else None
    return print_result(args, {"prediction": prediction, "classification": name}, f"{prediction} ({name})")


def _refund(args: argparse.Namespace) -> int:
    trainer, names = _trainer(args)
    refund = trainer.refund_packed if args.packed else trainer.refund
    claimed = refund(_data(args), _label(args.label, names), args.added_time)
    return _print_claim(args, "refunded", claimed)


def _report(args: argparse.Namespace) -> int:
    trainer, names = _trainer(args)
    report = trainer.report_packed if args.packed else trainer.report
    claimed = report(_data(args), _label(args.label, names), args.added_time, args.author)
    return _print_claim(args, "reported: took", claimed)


def _info(args: argparse.Namespace) -> int:
    info = Trainer.load(open_connection(args), args.address).info()
    if args.json:
        print_json(info.to_json())
        return 0
    classes = ", ".join(f"{i} {name}" for i, name in enumerate(info.classifications))
    lines = [
        f"name:                {info.name}",
        f"description:         {info.description}",
        f"encoder:             {info.encoder}",
        f"trainer:             {info.address}",
        f"classifier:          {info.classifier} ({info.model_type})",
        f"classes:             {classes}",
        f"feature indices:     {info.num_feature_indices or 'all'}",
        f"data handler:        {info.data_handler}",
        f"incentive mechanism: {info.incentive_mechanism} ({info.incentive})",
    ]
    if info.model_owner:
        lines.append(f"model owner:         {info.model_owner}")
    lines += [
        f"refund wait:         {info.refund_wait_s} s",
        f"owner claim wait:    {info.owner_claim_wait_s} s",
        f"any claim wait:      {info.any_address_claim_wait_s} s",
    ]
    if info.cost_weight is not None:
        lines.append(f"cost weight:         {info.cost_weight} wei")
    lines += [
        f"contributions:       {info.total_submitted} ({info.total_good_data_count} refunded as good)",
        f"next deposit:        {info.next_add_data_cost} wei",
    ]
    print("\n".join(lines))
    return 0


def _contributions(args: argparse.Namespace) -> int:
    found = Trainer.load(open_connection(args), args.address).contributions(args.sender)
    if args.json:
        print_json([c.__dict__ for c in found])
        return 0
    for c in found:
        kind = " (packed)" if c.packed else ""
        print(f"time {c.time}  class {c.label}  deposit {c.cost} wei  by {c.sender}  tx {c.tx_hash}{kind}")
        print(f"  data {json.dumps(c.data)}")
    return 0


_ACTIONS = {"deploy": _deploy, "add": _add, "predict": _predict, "refund": _refund, "report": _report,
            "info": _info, "contributions": _contributions}


# ------------------------------------------------------------ helpers
def _trainer(args: argparse.Namespace) -> tuple[Trainer, list[str]]:
    trainer = Trainer.load(open_connection(args), args.address)
    return trainer, trainer.classifications()


def _data(args: argparse.Namespace) -> list[int]:
    """DATA: integers as they are (fixed point or indices); with --normalize, any numbers, scaled."""
    try:
        values = json.loads(args.data)
    except ValueError:
        raise SumError(f"DATA is not a JSON array: {args.data!r}") from None
    if not isinstance(values, list) or not values:
        raise SumError("DATA must be a non-empty JSON array of numbers")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise SumError(f"DATA[{i}] is not a number: {v!r}")
    if args.normalize:
        return normalize(values)
    for i, v in enumerate(values):
        if not (isinstance(v, int) or v.is_integer()):
            raise SumError(f"DATA[{i}] = {v!r} is not an integer: give fixed-point integers (v*1e9) or --normalize")
        if not -(2**63) <= int(v) < 2**63:
            raise SumError(f"DATA[{i}] = {v!r} does not fit in int64")
    return [int(v) for v in values]


def _label(text: str, names: list[str]) -> int:
    if text in names:
        return names.index(text)
    try:
        label = int(text)
    except ValueError:
        raise SumError(f"LABEL {text!r} is neither a class index nor one of {names}") from None
    if not 0 <= label < 2**64:
        raise SumError(f"LABEL {label} is not a class index")
    return label


def _print_claim(args: argparse.Namespace, verb: str, claimed: Claimed) -> int:
    return print_result(args, {**tx_json(claimed.tx), "amount": claimed.amount},
                        f"{verb} {claimed.amount} wei\ntx {claimed.tx.tx_hash}  gas {claimed.tx.gas_used:,}")


def tx_json(tx: TxResult) -> dict[str, Any]:
    return {"txHash": tx.tx_hash, "gasUsed": tx.gas_used, "status": tx.status, "blockNumber": tx.block_number}


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


def print_result(args: argparse.Namespace, data: Any, text: str) -> int:
    """An action's result: `data` as JSON with --json, else `text`; the exit code 0."""
    if args.json:
        print_json(data)
    else:
        print(text)
    return 0


def _seconds(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError("seconds are 0 to 2^32-1")
    return value


def _wei(text: str) -> int:
    """An amount in wei: an integer, written plainly or as 1e15."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount of wei: {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise argparse.ArgumentTypeError(f"wei are a whole number >= 0, got {text!r}")
    return int(value)
