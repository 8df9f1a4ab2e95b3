"""`sumchain simulate` through its real parser: a short run on the chain and its files, and bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest

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
    assert set(run) == {"agents", "baselineAccuracy", "initTrainDataPortion", "accuracies", "balances",
                        "dataset", "model", "incentive", "seed", "balanceUnit", "unitWei"}
    assert (run["model"], run["incentive"], run["seed"], run["balanceUnit"]) == ("perceptron", "stakeable", 1, "units")
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
                 ["simulate", "--init-portion", "1.5"],
                 ["simulate", "--model", "naive-bayes", "--dataset", "wine"],  # naive Bayes takes sparse data
                 ["simulate", "--model", "perceptron", "--dataset", "wine"],  # three classes
                 ["simulate", "--bad-wait", "0"]):
        assert main(argv) == 1, argv
        error = capsys.readouterr().err.strip()
        assert error.startswith("sumchain simulate: error: ") and "\n" not in error, (argv, error)


def _run(tmp_path, *argv: str) -> dict:
    out = tmp_path / "_".join(argv).replace("-", "").replace(":", "").replace("/", "")[-60:]
    assert main(["simulate", *argv, "--out", str(out)]) == 0
    (data_file,) = out.glob("*-simulation_data.json")
    return json.loads(data_file.read_text()), data_file


@pytest.mark.parametrize("model", ["sparse-perceptron", "naive-bayes", "sparse-nearest-centroid"])
def test_the_sparse_models_run_on_text(tmp_path, model):
    """A few simulated hours of synthetic text: the model deploys, agents add, the replica agrees
    (the run fails otherwise), and the exported model is a model file of the same kind."""
    run, data_file = _run(tmp_path, "--dataset", "synthetic-text", "--model", model, "--days", "0.1")
    assert run["model"] == model and len(run["balances"]) > 2
    exported = parse_model(json.loads(data_file.with_name(
        data_file.name.replace("-simulation_data.json", "-model.json")).read_text()))
    assert exported.type == model.replace("-", " ").replace("nearest centroid", "nearest centroid classifier")


def test_multi_class_nearest_centroid_with_points(tmp_path):
    """Wine's three cultivars on a dense nearest-centroid model under Points64: balances are points,
    starting at 0; the good agent earns them for its refunded contributions, the bad one earns none."""
    run, _ = _run(tmp_path, "--dataset", "wine", "--model", "nearest-centroid", "--incentive", "points",
                  "--good-wait", "2000", "--bad-wait", "4000", "--days", "2.5", "--seed", "2")
    assert run["balanceUnit"] == "points" and all(agent["start_balance"] == 0 for agent in run["agents"])
    final = {entry["a"]: entry["b"] for entry in run["balances"]}
    good, bad = (final[agent["address"]] for agent in run["agents"])
    assert good > 0 and bad == 0


def test_per_kind_agent_flags(tmp_path):
    run, _ = _run(tmp_path, "--dataset", "wine", "--model", "nearest-centroid", "--days", "0.2",
                  "--good-balance", "500", "--good-deposit", "20", "--good-wait", "300",
                  "--bad-balance", "700", "--bad-wait", "1800")
    good, bad = run["agents"]
    assert (good["start_balance"], good["mean_deposit"], good["mean_wait_s"]) == (500, 20, 300)
    assert (bad["start_balance"], bad["mean_deposit"], bad["mean_wait_s"]) == (700, 100, 1800)
