"""`sumchain market deploy|faucet|balance|request|submit|cancel|reveal|claim|advance|withdraw|status`
against a node in each mode: the README's session (a requester, an honest winner, a worse model, a
no-show), each action's JSON, and bad input as one line on stderr with exit code 1 (argparse: 2).
"""
from __future__ import annotations

import json
import pathlib
import random
import subprocess
import sys

import pytest
from eth_utils import to_checksum_address

from contracts.bindings.market_data import classes_of, score
from sumchain.cli import main
from tests.sum_support import BUILD
from tests.test_market_bindings import nearest_centroid

pytestmark = pytest.mark.skipif(not (BUILD / "BountyMarket.json").exists(), reason="market artifacts not built")

WINDOW = 100
EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "market-example"
# Dev account 4 of the standard mnemonic (genesis/dev.json).
ACCOUNT_4_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"


class Cli:
    """`sumchain market ...` in this process, in a working directory of its own, against one node."""

    def __init__(self, sum_node, capsys, workdir, monkeypatch) -> None:
        self.node, self.capsys = sum_node, capsys
        self.url = sum_node.w3.provider.endpoint_uri
        self.accounts = [to_checksum_address(a) for a in sum_node.accounts]
        monkeypatch.chdir(workdir)
        monkeypatch.delenv("SUMCHAIN_MARKET", raising=False)
        monkeypatch.delenv("SUMCHAIN_MARKET_HOME", raising=False)
        monkeypatch.delenv("SUMCHAIN_CONTENT", raising=False)
        monkeypatch.delenv("SUMCHAIN_PRIVATE_KEY", raising=False)

    def run(self, *args: str, who: int | None = None) -> tuple[int, str, str]:
        argv = ["market", *args]
        if args[0] not in ("put", "get"):
            argv += ["--rpc", self.url]
        if who is not None:
            argv += ["--from", self.accounts[who]]
        self.capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exit:
            code = exit.code
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str, who: int | None = None) -> str:
        code, out, err = self.run(*args, who=who)
        assert code == 0, err
        return out

    def json(self, *args: str, who: int | None = None):
        return json.loads(self.ok(*args, "--json", who=who))

    def fails(self, *args: str, who: int | None = None) -> str:
        """The one-line error of an action that must fail with exit code 1."""
        code, out, err = self.run(*args, who=who)
        assert code == 1, (out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sumchain market: error: "), err
        return lines[0]

    def usage(self, *args: str) -> str:
        """An argument argparse refuses: exit code 2 and a usage message."""
        code, _, err = self.run(*args)
        assert code == 2 and "usage:" in err and "Traceback" not in err, err
        return err

    def wait(self) -> None:
        self.node.wait(WINDOW)


@pytest.fixture
def cli(sum_node, capsys, tmp_path, monkeypatch) -> Cli:
    return Cli(sum_node, capsys, tmp_path, monkeypatch)


def windows() -> list[str]:
    return sum(([f"--{name}-window", "100s"] for name in ("submission", "response", "claim", "reveal")), [])


def test_session(cli, tmp_path):
    deployed = cli.json("deploy")
    assert deployed["chainId"] == 31337
    assert json.loads((tmp_path / ".sumchain-market" / "deployments.json").read_text())["31337"]["market"] == \
        deployed["market"]
    for who in range(4):
        assert cli.json("faucet", "100", who=who)["balance"] == 100 * 10**18
    assert cli.ok("balance", cli.accounts[1]).strip() == "100 STAKE"

    created = cli.json("request", str(EXAMPLE / "petals.csv"), "--reward", "60", "--stake", "2.5", "--seed", "1",
                       "--context", "iris species", *windows())
    rid = str(created["id"])
    assert created["testSize"] == 12 and created["classes"] == ["setosa", "versicolor", "virginica"]
    assert cli.ok("balance").strip() == "40 STAKE"

    # Trainers fetch the published sets from the content store and predict with their own models.
    cli.ok("get", created["trainingSet"], "-o", "train.csv")
    cli.ok("get", created["testSet"], "-o", "test.csv")
    training, test = (tmp_path / "train.csv").read_bytes(), (tmp_path / "test.csv").read_bytes()
    classes = classes_of(training)
    # The README's trainer: docs/market-example/nearest_centroid.py prints one class per test row.
    best = subprocess.run([sys.executable, str(EXAMPLE / "nearest_centroid.py"), "train.csv", "test.csv"],
                          capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert best == [classes[p] for p in nearest_centroid(training, test)]
    worse = [classes[(i + classes.index(p)) % 3] for i, p in enumerate(best)]
    (tmp_path / "best.txt").write_text("prediction\n" + "\n".join(best) + "\n")
    (tmp_path / "worse.json").write_text(json.dumps(worse))
    (tmp_path / "model.bin").write_bytes(bytes(range(256)))
    (tmp_path / "other.bin").write_bytes(b"another model")
    (tmp_path / "short.txt").write_text("\n".join(best[:5]))
    (tmp_path / "typo.txt").write_text("\n".join(["setosa", "setosa", "dog"] + best[3:]))

    assert "5 predictions for a test set of 12 rows" in cli.fails("submit", rid, "short.txt", "--model", "model.bin", who=1)
    assert "prediction 3: 'dog' is not one of the classes" in cli.fails("submit", rid, "typo.txt", "--model",
                                                                       "model.bin", who=1)
    best_sub = cli.json("submit", rid, "best.txt", "--model", "model.bin", who=1)
    worse_sub = cli.json("submit", rid, "worse.json", "--model", "other.bin", who=2)
    no_show = cli.ok("submit", rid, "best.txt", "--model", "other.bin", who=3)
    assert (best_sub["index"], worse_sub["index"]) == (0, 1) and no_show.startswith("submission 2 on request")
    status = cli.ok("status", rid)
    assert f"request {rid}: Open" in status
    assert "trainers submit until" in status and "committed" in status

    assert "its requester reveals the labels" in cli.fails("reveal", rid, who=1)
    assert "open for submissions until" in cli.fails("advance", rid)
    cli.wait()
    assert cli.json("status", rid)["state"] == "AwaitingLabels"
    assert "the requester reveals the labels" in cli.ok("status", rid)
    assert "labels revealed" in cli.ok("reveal", rid)
    labels = cli.json("status", rid)["labels"]
    right = score([classes.index(p) for p in best], labels)
    assert right >= 10  # the petal classes are well apart
    assert f"submission 0: claimed {right}/12 correct" in cli.ok("claim", rid, who=1)
    claimed = cli.json("claim", rid, who=2)
    assert claimed[0]["correct"] == score([classes.index(p) for p in worse], labels) < right
    assert [(c["action"], c["index"]) for c in claimed] == [("claimAccuracy", 1)]
    assert "claim window not over" in cli.fails("advance", rid)
    cli.wait()
    assert "selectCandidate: request" in cli.ok("advance", rid) and "Verifying" in cli.ok("status", rid)
    assert "is the candidate, not yours" in cli.fails("reveal", rid, who=2)
    paid = cli.json("reveal", rid, who=1)
    assert paid[0]["outcome"] == "paid" and paid[0]["amount"] == (60 + 2.5 + 2.5) * 10**18  # the no-show's stake
    assert "withdrew 2.5 STAKE" in cli.ok("withdraw", rid, who=2)
    assert "nothing to withdraw" in cli.fails("withdraw", rid, who=3)

    final = cli.json("status", rid)
    assert final["state"] == "Paid" and final["winner"]["model"] == best_sub["model"]
    text = cli.ok("status", rid)
    assert f"claimed {right}/12, won" in text and f"model:         {best_sub['model']}" in text
    assert "next:          final: nothing is owed" in text
    assert cli.ok("balance", who=1).strip() == "162.5 STAKE"  # 100 - 2.5 staked + 60 + 2.5 lost by the no-show + 2.5
    listing = cli.ok("status")
    assert "Paid" in listing and "iris species" in listing
    cli.ok("get", best_sub["model"], "-o", "won.bin")
    assert (tmp_path / "won.bin").read_bytes() == bytes(range(256))  # the winner's model, by its address


def test_cancel_and_private_key(cli, tmp_path, monkeypatch):
    cli.ok("deploy")
    cli.ok("faucet")
    (tmp_path / "data.csv").write_text("label,x\n" + "".join(f"{i % 2},{i}\n" for i in range(20)))
    created = cli.json("request", "data.csv", "--reward", "1", "--stake", "1", "--test-fraction", "0.5")
    assert created["classes"] is None and created["testSize"] == 10  # whole-number labels are the indices
    rid = str(created["id"])
    (tmp_path / "p.txt").write_text("\n".join("1" for _ in range(10)))
    monkeypatch.setenv("SUMCHAIN_PRIVATE_KEY", ACCOUNT_4_KEY)
    cli.ok("faucet", "5")
    assert "submission 0 on request" in cli.ok("submit", rid, "p.txt", "--model", "p.txt")
    assert "stake returned" in cli.ok("cancel", rid, "0")
    assert "already cancelled" in cli.fails("cancel", rid, "0")
    monkeypatch.delenv("SUMCHAIN_PRIVATE_KEY")
    assert "not the requester" in cli.fails("cancel", rid, who=5)
    assert "reward returned" in cli.ok("cancel", rid)
    assert cli.json("status", rid)["state"] == "Cancelled"
    assert cli.ok("balance", cli.accounts[4]).strip() == "5 STAKE"


def test_bad_input(cli, tmp_path):
    assert "no market recorded for chain 31337" in cli.fails("status")
    assert "no contract at" in cli.fails("status", "--market", "0x" + "ab" * 20)
    assert "not an address" in cli.fails("status", "--market", "0x12")
    cli.ok("deploy")
    assert "no requests yet" in cli.ok("status")
    assert "no such request" in cli.fails("status", "7")
    assert "cannot read missing.csv" in cli.fails("request", "missing.csv", "--reward", "1", "--stake", "1")
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n")
    assert "no 'label' column" in cli.fails("request", "bad.csv", "--reward", "1", "--stake", "1")
    (tmp_path / "tiny.csv").write_text("label,x\na,1\nb,2\n")
    assert "leaves no test rows" in cli.fails("request", "tiny.csv", "--reward", "1", "--stake", "1")
    (tmp_path / "ok.csv").write_text("label,x\n" + "".join(f"c{i % 3},{random.random()}\n" for i in range(30)))
    assert "has 0 STAKE, 1 STAKE needed" in cli.fails("request", "ok.csv", "--reward", "1", "--stake", "1")
    assert "has more than 18 decimals" in cli.fails("request", "ok.csv", "--reward", "0.0000000000000000001",
                                                    "--stake", "1")
    cli.usage("request", "ok.csv", "--reward", "lots", "--stake", "1")
    cli.usage("request", "ok.csv", "--reward", "-1", "--stake", "1")
    cli.usage("request", "ok.csv", "--reward", "1", "--stake", "1", "--claim-window", "5 weeks")
    cli.usage("status", "-3")
    cli.usage("submit", "0", "p.txt")  # --model is required
    assert "faucet limit is 1000 tokens" in cli.fails("faucet", "1001")
