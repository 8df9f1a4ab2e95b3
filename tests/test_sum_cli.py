"""`sumchain model ...` end to end: the installed entry point in a subprocess, against a node in each mode.

Errors must be one line on stderr with exit code 1, never a traceback.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

ROOT = Path(__file__).resolve().parent.parent
SUMCHAIN = str(Path(sys.executable).parent / "sumchain")
if not Path(SUMCHAIN).exists():  # pragma: no cover - a venv without the entry point
    SUMCHAIN = shutil.which("sumchain") or SUMCHAIN
TIMEOUT = 600  # seconds for one command (a chunked deployment in fallback mode on a busy machine)
# Dev account 2 of the standard mnemonic (genesis/dev.json).
ACCOUNT_2_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
MODEL = {"type": "dense perceptron", "classifications": ["NEGATIVE", "POSITIVE"],
         "weights": [0, 1, -1, 0, 0, 0, 0, 1], "intercept": 0, "learningRate": 1e-9}
SAMPLE = "[1, 2, 3, 4, 5, 6, 7, 8]"


def model(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SUMCHAIN, "model", *args], capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT,
                          env={**os.environ, **(env or {})})


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = model(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fails(*args: str, env: dict[str, str] | None = None) -> str:
    """The one-line error of a command that must fail with exit code 1."""
    result = model(*args, env=env)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sumchain model: error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def rpc(sum_node) -> list[str]:
    return ["--rpc", sum_node.w3.provider.endpoint_uri]


@pytest.fixture(scope="module")
def deployed(sum_node, rpc, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("model") / "perceptron.json"
    path.write_text(json.dumps(MODEL))
    out = ok("deploy", str(path), *rpc, "--json", "--name", "CLI model", "--incentive", "stakeable",
             "--refund-wait", "10", "--owner-claim-wait", "20", "--any-claim-wait", "30", "--cost-weight", "1e12")
    return json.loads(out)


def wait_past(sum_node, timestamp: int) -> None:
    while sum_node.now() <= timestamp:
        sum_node.increase_time(timestamp + 1 - sum_node.now())


def test_help():
    out = ok("--help")
    for action in ("deploy", "add", "predict", "refund", "report", "info", "contributions"):
        assert action in out
    assert "--private-key" in ok("add", "--help")


def test_deploy_json_and_info(sum_node, rpc, deployed):
    assert deployed["modelType"] == "dense perceptron"
    assert len(deployed["transactions"]) == 7
    for tx in deployed["transactions"]:
        assert sum_node.w3.eth.get_transaction_receipt(tx["txHash"]).gasUsed == tx["gasUsed"] <= 16_777_216
    info = json.loads(ok("info", deployed["trainer"], *rpc, "--json"))
    assert info["name"] == "CLI model" and info["model_type"] == "dense perceptron"
    assert info["incentive"] == "stakeable" and info["cost_weight"] == 10**12
    assert info["classifier"] == deployed["classifier"]
    text = ok("info", deployed["trainer"], *rpc)
    assert "classes:             0 NEGATIVE, 1 POSITIVE" in text and "(stakeable)" in text


def test_deploy_prints_every_transaction(rpc, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"type": "dense perceptron", "classifications": ["a", "b"],
                                "weights": [((i % 11) - 5) / 10 for i in range(1000)], "bias": 0.5}))
    out = ok("deploy", str(path), *rpc)
    lines = out.splitlines()
    tx_lines = [line for line in lines if line.startswith("0x")]
    assert sum("initializeWeights" in line for line in tx_lines) >= 1
    for line in tx_lines:
        gas = int(line.split("gas")[1].split()[0].replace(",", ""))
        assert 0 < gas <= 16_777_216
    assert any(line.startswith("trainer:") for line in lines)
    assert f"deployed in {len(tx_lines)} transactions" in out


def test_add_predict_refund_report(sum_node, rpc, deployed):
    trainer = deployed["trainer"]
    good = ["--from", to_checksum_address(sum_node.accounts[3])]
    bad = ["--from", to_checksum_address(sum_node.accounts[4])]
    prediction = json.loads(ok("predict", trainer, SAMPLE, "--normalize", *rpc, "--json"))
    label = prediction["prediction"]
    assert prediction["classification"] == MODEL["classifications"][label]
    assert ok("predict", trainer, SAMPLE, "--normalize", *rpc).startswith(f"{label} (")

    added = json.loads(ok("add", trainer, SAMPLE, str(label), "--normalize", *good, *rpc, "--json"))
    assert added["status"] == 1 and added["cost"] > 0 and 0 < added["gasUsed"] <= 16_777_216
    wrong = MODEL["classifications"][1 - label]  # a class name works as a label
    bad_added = json.loads(ok("add", trainer, SAMPLE, wrong, "--normalize", *bad, *rpc, "--json"))
    assert "Not enough time has passed." in fails("refund", trainer, SAMPLE, str(label), str(added["time"]),
                                                  "--normalize", *good, *rpc)
    wait_past(sum_node, bad_added["time"] + 10)

    out = ok("refund", trainer, SAMPLE, str(label), str(added["time"]), "--normalize", *good, *rpc)
    assert out.startswith(f"refunded {added['cost']} wei") and "tx 0x" in out and "gas " in out
    report = json.loads(ok("report", trainer, SAMPLE, wrong, str(bad_added["time"]), bad[1], "--normalize",
                           *good, *rpc, "--json"))
    assert report["amount"] == bad_added["cost"]
    error = fails("refund", trainer, SAMPLE, str(label), str(added["time"]), "--normalize", *good, *rpc)
    assert error == "sumchain model: error: reverted: Deposit already claimed by submitter."
    history = ok("contributions", trainer, "--sender", good[1], *rpc)
    assert f"time {added['time']}" in history and "data [" in history


def test_packed_add_and_refund(sum_node, rpc, deployed):
    trainer = deployed["trainer"]
    sender = ["--from", to_checksum_address(sum_node.accounts[5])]
    label = json.loads(ok("predict", trainer, SAMPLE, "--normalize", *rpc, "--json"))["prediction"]
    added = json.loads(ok("add", trainer, SAMPLE, str(label), "--normalize", "--packed", *sender, *rpc, "--json"))
    assert added["packed"]
    wait_past(sum_node, added["time"] + 10)
    assert "Data not found." in fails("refund", trainer, SAMPLE, str(label), str(added["time"]), "--normalize",
                                      *sender, *rpc)
    refund = json.loads(ok("refund", trainer, SAMPLE, str(label), str(added["time"]), "--normalize", "--packed",
                           *sender, *rpc, "--json"))
    assert refund["amount"] == added["cost"]


def test_private_key_from_the_environment_is_never_printed(sum_node, rpc, deployed):
    env = {"SUMCHAIN_PRIVATE_KEY": ACCOUNT_2_KEY}
    label = json.loads(ok("predict", deployed["trainer"], SAMPLE, "--normalize", *rpc, "--json"))["prediction"]
    result = model("add", deployed["trainer"], SAMPLE, str(label), "--normalize", *rpc, "--json", env=env)
    assert result.returncode == 0, result.stderr
    added = json.loads(result.stdout)
    assert added["sender"] == to_checksum_address(sum_node.accounts[2])
    assert ACCOUNT_2_KEY[2:] not in result.stdout + result.stderr
    error = fails("add", deployed["trainer"], SAMPLE, "0", *rpc, "--private-key", "0xdeadbeef")
    assert "deadbeef" not in error and "private key" in error


def test_error_exits(sum_node, rpc, deployed, tmp_path):
    trainer = deployed["trainer"]
    assert "not an address" in fails("info", "0x1234", *rpc)
    assert "no contract at" in fails("info", "0x" + "42" * 20, *rpc)
    assert "is not a CollaborativeTrainer64" in fails("info", deployed["classifier"], *rpc)
    assert "cannot reach a node at http://127.0.0.1:1" in fails("info", trainer, "--rpc", "http://127.0.0.1:1")
    assert "is not an integer" in fails("predict", trainer, "[0.5, 0.5]", *rpc)
    assert "not a JSON array" in fails("predict", trainer, "[1, 2", *rpc)
    assert "neither a class index nor one of" in fails("add", trainer, SAMPLE, "MAYBE", "--normalize", *rpc)
    assert "reverted: The provided data does not have a norm of 1." in fails("add", trainer, SAMPLE, "1", *rpc)
    assert "same dimension" in fails("predict", trainer, "[1, 2]", *rpc)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**MODEL, "type": "random forest"}))
    assert "unknown model type 'random forest'" in fails("deploy", str(bad), *rpc)
    bad.write_text(json.dumps({k: v for k, v in MODEL.items() if k != "weights"}))
    assert "missing field 'weights'" in fails("deploy", str(bad), *rpc)
    assert "cannot read the model file" in fails("deploy", str(tmp_path / "none.json"), *rpc)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(MODEL))
    block = sum_node.w3.eth.block_number
    assert "refund wait <= owner claim wait" in fails("deploy", str(good), *rpc, "--refund-wait", "9",
                                                      "--owner-claim-wait", "1")
    assert sum_node.w3.eth.block_number == block  # refused before sending anything
