"""Typed Python bindings for the SUM contracts over plain JSON-RPC (any Ethereum node).

    from contracts.bindings import Connection, Trainer, deploy, load_model, normalize

    conn = Connection.open("http://127.0.0.1:8545")            # sends from the node's first account
    deployment = deploy(conn, load_model("model.json"), name="My model")
    trainer = Trainer.load(conn, deployment.trainer)
    added = trainer.add_data(normalize([0.2, -0.4, 1.0]), 1)
    trainer.predict(normalize([0.2, -0.4, 1.0]))

Nothing here imports the node: only the JSON-RPC client, eth_abi and eth_account.
"""
from .contract import TX_GAS_CAP, Connection, Sender, TxResult
from .deploy import Deployment, IncentiveSettings, Step, deploy
from .errors import ContractError, ModelFileError, NodeError, NodeUnreachable, Reverted, SumError
from .market import Market, SecretStore, Windows
from .market_data import DatasetError, Split, read_predictions, score, split_dataset
from .model import Model, load_model, parse_model
from .trainer import Added, Claimed, Contribution, Trainer, TrainerInfo, normalize, pack, unpack

__all__ = [
    "TX_GAS_CAP", "Added", "Claimed", "Connection", "ContractError", "Contribution", "DatasetError", "Deployment",
    "IncentiveSettings", "Market", "Model", "ModelFileError", "NodeError", "NodeUnreachable", "Reverted", "SecretStore", "Sender", "Split",
    "Step", "SumError", "Trainer", "TrainerInfo", "TxResult", "Windows", "deploy", "load_model", "normalize", "pack",
    "parse_model", "read_predictions", "score", "split_dataset", "unpack",
]
