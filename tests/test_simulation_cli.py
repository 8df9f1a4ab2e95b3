"""`sumchain simulate` through its real parser: a short run on the chain and its files, and bad input."""
from __future__ import annotations

import json

import numpy as np

from contracts.bindings.model import parse_model
from sumchain.cli import main


def _csv(path, rows: int = 70, seed: int = 5) -> None:
    """A separable two-class set: the label says which side of a fixed plane a point lies."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    labels = np.where(x @ np.array([1.0, -2.0, 0.5, 1.5]) > 0, "yes", "no")
    path.write_text("a,b,c,d,label\n" + "".join(
        ",".join(f"{v:.4f}" for v in row) + f",{label}\n" for row, label in zip(x, labels)))


def test_a_short_run_writes_its_data_model_and_charts(tmp_path, capsys):
    data = tmp_path / "points.csv"
    _csv(data)
    out = tmp_path / "runs"
    assert main(["simulate", "--dataset", f"csv:{data}", "--days", "11", "--seed", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    (data_file,) = out.glob("*-simulation_data.json")
    run = json.loads(data_file.read_text())
    assert set(run) == {"agents", "baselineAccuracy", "initTrainDataPortion", "accuracies", "balances"}
    assert [agent["good"] for agent in run["agents"]] == [True, False]
    assert all(agent["start_balance"] == 10_000 and agent["gas"] > 0 for agent in run["agents"])
    assert run["initTrainDataPortion"] == 0.1
    assert all(0 <= entry["accuracy"] <= 1 for entry in run["accuracies"])
    times = [entry["t"] for entry in run["balances"]]
    assert times == sorted(times) and times[-1] > 9 * 86_400  # past the take-all wait
    final = {entry["a"]: entry["b"] for entry in run["balances"]}
    good, bad = (final[agent["address"]] for agent in run["agents"])
    assert good > 10_000 > bad  # the good agent takes what the bad one loses
    model_file = data_file.with_name(data_file.name.replace("-simulation_data.json", "-model.json"))
    model = parse_model(json.loads(model_file.read_text()))
    assert len(model.weights) == 4 and sorted(model.classifications) == ["no", "yes"]
    png = data_file.with_name(data_file.name.replace("-simulation_data.json", "-plot.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = png.with_suffix(".html").read_text()
    assert run["agents"][0]["address"] in html
    assert "good agent" in printed and "bad  agent" in printed

    combined = tmp_path / "combined"
    assert main(["simulate", "combine", str(data_file), str(data_file), "--out", str(combined)]) == 0
    assert len(list(combined.glob("*-combined.png"))) == 1


def test_the_same_seed_gives_the_same_run(tmp_path):
    data = tmp_path / "points.csv"
    _csv(data, rows=40)
    runs = []
    for name in ("first", "second"):
        assert main(["simulate", "--dataset", f"csv:{data}", "--days", "2", "--seed", "7",
                     "--out", str(tmp_path / name)]) == 0
        (data_file,) = (tmp_path / name).glob("*-simulation_data.json")
        runs.append(json.loads(data_file.read_text()))
    assert runs[0]["balances"] == runs[1]["balances"] and runs[0]["accuracies"] == runs[1]["accuracies"]


def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2,yes\n3,4,no\n5,no\n")
    for argv in (["simulate", "--dataset", "no-such-set"],
                 ["simulate", "--dataset", f"csv:{ragged}"],
                 ["simulate", "--rpc", "http://127.0.0.1:9", "--out", str(tmp_path)],
                 ["simulate", "--init-portion", "1.5"]):
        assert main(argv) == 1, argv
        error = capsys.readouterr().err.strip()
        assert error.startswith("sumchain simulate: error: ") and "\n" not in error, (argv, error)
