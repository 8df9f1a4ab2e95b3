"""The dashboard's simulation runs (#/runs: dashboard/runs.py, runs-page.js) in a real headless Chromium:
runs the real simulator saves are listed, charted with Chart.js (the chart's own datasets read back and
compared with simulation/charts.py's series, the ones the run's HTML chart draws) and overlaid as
``sumchain simulate combine`` does; a broken file's one-line message, a run opened from disk, a missing
``--runs`` directory, the routes' refusals, the flag in both commands' --help. And the model list (#/models)
reading the chain again when a block comes: a new model and a contribution appear without a reload.
SUMCHAIN_SCREENSHOTS=1 also writes docs/dashboard-runs.png."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from bench.harness import stop, sumchain_node
from contracts.bindings import Connection, Trainer, deploy, normalize, parse_model
from contracts.bindings.contract import Sender
from contracts.bindings.rpc import RpcClient
from dashboard.runs import SUFFIX
from simulation.charts import combined_chart, load_run, run_chart
from sumchain import cli
from tests.browser import page
from tests.test_dashboard import ACCOUNT_0, ROOT, WAIT_MS, get, post

SCREENSHOT = ROOT / "docs" / "dashboard-runs.png"
BROKEN = "0-broken" + SUFFIX  # oldest by its name: listed last
BROKEN_ERROR = f"{BROKEN}: not a simulation run: missing key balances"
# Chart.js from the page's own bundle, for reading the chart it drew (Chart.getChart(canvas)).
LOAD_CHART_JS = 'async () => { window.Chart = (await import("./static/build/vendor.js")).Chart; }'
DATASETS = '() => Chart.getChart(document.getElementById("run-canvas")).data.datasets.map((d) => [d.label, d.data.map((p) => [p.x, p.y])])'


def _simulate(out, *argv: str) -> None:
    assert cli.main(["simulate", *argv, "--out", str(out)]) == 0


@pytest.fixture(scope="module")
def saved_runs(tmp_path_factory):
    """Two short real runs (a stakeable perceptron on a CSV, a points nearest centroid on wine), a broken
    file, and files that are not runs."""
    out = tmp_path_factory.mktemp("saved_runs")
    data = out.parent / "points.csv"
    rng = np.random.default_rng(5)
    x = rng.normal(size=(70, 4))
    labels = np.where(x @ np.array([1.0, -2.0, 0.5, 1.5]) > 0, "yes", "no")
    data.write_text("a,b,c,d,label\n" + "".join(
        ",".join(f"{v:.4f}" for v in row) + f",{label}\n" for row, label in zip(x, labels)))
    _simulate(out, "--dataset", f"csv:{data}", "--days", "11", "--seed", "1")  # past the 9-day take-all
    _simulate(out, "--dataset", "wine", "--model", "nearest-centroid", "--incentive", "points",
              "--good-wait", "2000", "--bad-wait", "4000", "--days", "1", "--seed", "2")
    (out / BROKEN).write_text(json.dumps({"agents": [], "accuracies": []}))
    (out / "notes.txt").write_text("not a run")
    return out


def _listed(directory) -> list[str]:
    return sorted((path.name for path in directory.glob("*" + SUFFIX)), reverse=True)


@pytest.fixture(scope="module")
def node(saved_runs):
    with sumchain_node("--runs", str(saved_runs)) as url:
        yield url


def _expected(chart: dict) -> list:
    """charts.py's series as the page's datasets: [label, [[day, value]...]], a baseline a level line."""
    last_day = max((day for s in chart["series"] for day, _ in s["points"]), default=0)
    return [[s["name"], [[0, s["baseline"]], [last_day, s["baseline"]]] if "baseline" in s else s["points"]]
            for s in chart["series"]]


def _chart_shows(tab, chart: dict) -> None:
    """Waits for the canvas to hold ``chart`` (the chart drawn last), then checks every dataset's points."""
    expected = _expected(chart)
    labels = [label for label, _ in expected]
    tab.wait_for_function(
        """(labels) => { const canvas = document.getElementById("run-canvas"), chart = canvas && Chart.getChart(canvas);
           return chart && JSON.stringify(chart.data.datasets.map((d) => d.label)) === JSON.stringify(labels); }""",
        arg=labels, timeout=WAIT_MS)
    assert tab.evaluate(DATASETS) == expected


def test_runs_page_lists_the_saved_runs_and_charts_the_newest(node, saved_runs):
    newest, older, broken = _listed(saved_runs)
    assert broken == BROKEN
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/")
        tab.get_by_role("link", name="Runs").click()
        tab.wait_for_selector("#run-canvas", timeout=WAIT_MS)
        tab.evaluate(LOAD_CHART_JS)
        assert str(saved_runs) in tab.locator("h1 + p").inner_text()
        rows = [row.split("\t") for row in tab.locator("tr.run-row").all_inner_texts()]
        assert [row[1] for row in rows] == [newest, older, broken]  # not notes.txt nor the -model.json files
        assert rows[2][2] == BROKEN_ERROR
        wine, csv = load_run(saved_runs / newest), load_run(saved_runs / older)
        assert rows[0][2:6] == ["wine", "nearest-centroid", "points", "1.0"]
        assert rows[1][2:5] == ["csv-points", "perceptron", "stakeable"]
        final = {entry["a"]: entry["b"] for entry in csv["balances"]}
        good, bad = csv["agents"]
        assert final[good["address"]] > 10_000 > final[bad["address"]]  # the good agent takes what the bad one loses
        assert rows[1][7] == (f"good {good['address'][:10]}…{good['address'][-6:]}: {100 * final[good['address']] / 10_000:.1f}%; "
                              f"bad {bad['address'][:10]}…{bad['address'][-6:]}: {100 * final[bad['address']] / 10_000:.1f}%")
        first, last = csv["accuracies"][0]["accuracy"], csv["accuracies"][-1]["accuracy"]
        assert rows[1][6] == f"{100 * first:.1f}% → {100 * last:.1f}% (baseline {100 * csv['baselineAccuracy']:.1f}%)"
        assert "points" in rows[0][7]
        # The newest run is ticked and charted: each agent's balance, the accuracy, the baseline.
        assert tab.locator("input.run-pick").first.is_checked()
        _chart_shows(tab, run_chart(wine, newest.removesuffix(SUFFIX)))
        assert len(tab.evaluate(DATASETS)) == len(wine["agents"]) + 2

        # Ticking the older one overlays both, as `sumchain simulate combine` does; none ticked, none charted.
        tab.locator("input.run-pick").nth(1).check()
        combined = combined_chart([(newest.removesuffix(SUFFIX), wine), (older.removesuffix(SUFFIX), csv)])
        _chart_shows(tab, combined)
        assert len(combined["series"]) == 8  # per run: good mean, bad mean, accuracy, baseline
        tab.locator("input.run-pick").first.uncheck()
        _chart_shows(tab, run_chart(csv, older.removesuffix(SUFFIX)))
        if os.environ.get("SUMCHAIN_SCREENSHOTS") == "1":
            tab.set_viewport_size({"width": 1200, "height": 900})
            tab.screenshot(path=str(SCREENSHOT), full_page=True)
        tab.locator("input.run-pick").nth(1).uncheck()
        tab.get_by_text("Tick a run to chart it").wait_for(timeout=WAIT_MS)
        assert tab.locator("#run-canvas").count() == 0


def test_a_run_opened_from_disk_is_checked_and_charted(node, saved_runs, tmp_path):
    newest = _listed(saved_runs)[0]
    mine = tmp_path / ("mine" + SUFFIX)
    shutil.copy(saved_runs / newest, mine)
    wrong = json.loads(mine.read_text())
    wrong["balances"][3]["b"] = "lots"
    broken = tmp_path / ("wrong" + SUFFIX)
    broken.write_text(json.dumps(wrong))
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/#/runs")
        tab.wait_for_selector("#run-canvas", timeout=WAIT_MS)
        tab.evaluate(LOAD_CHART_JS)
        tab.set_input_files("#run-file", str(broken))
        tab.wait_for_selector("#run-error", timeout=WAIT_MS)
        assert tab.locator("#run-error").inner_text() == f"{broken.name}: not a simulation run: balances[3] has no valid b"
        assert tab.locator("input.run-pick:checked").count() == 0
        tab.set_input_files("#run-file", str(mine))
        _chart_shows(tab, run_chart(load_run(mine), "mine"))
        assert tab.locator("tr.uploaded-row td").first.inner_text() == "wine"
        huge = tmp_path / ("huge" + SUFFIX)
        huge.write_text(json.dumps({**json.loads(mine.read_text()), "padding": "x" * 6 * 2**20}))  # past the node's 5 MiB requests
        tab.set_input_files("#run-file", str(huge))
        tab.get_by_text(f"{huge.name} is larger than the dashboard takes in one request").wait_for(timeout=WAIT_MS)


def test_the_routes_open_only_listed_runs(node, saved_runs):
    base = f"{node}/dashboard/api/runs"
    model_file = next(saved_runs.glob("*-model.json")).name
    for name in ("../" + _listed(saved_runs)[0], str(saved_runs / _listed(saved_runs)[0]), model_file, "notes.txt", ""):
        status, _, body = get(f"{base}/chart?run={name}")
        assert status == 404 and "no saved run" in json.loads(body)["error"], name
    status, _, body = get(f"{base}/chart?run={BROKEN}")
    assert (status, json.loads(body)) == (422, {"error": BROKEN_ERROR})
    assert post(f"{base}/upload?name=x.json", b"{}", "text/plain")[0] == 415  # what a foreign page could send
    status, body = post(f"{base}/upload?name=x.json", b"[1]")
    assert status == 422 and json.loads(body)["error"].startswith("x.json: not a simulation run: the top level is a JSON list")


def test_dashboard_command_says_a_runs_directory_is_missing_and_takes_node_sized_uploads(node, saved_runs, tmp_path):
    missing = tmp_path / "nowhere"
    process = subprocess.Popen([sys.executable, "-m", "sumchain", "dashboard", "--rpc", node, "--port", "0",
                                "--runs", str(missing)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[1]
        with page(loopback=True) as tab:
            tab.goto(f"{url}#/runs")
            tab.wait_for_selector("#runs-missing", timeout=WAIT_MS)
            assert tab.locator("#runs-missing").inner_text() == (
                f"There is no directory {missing} (the dashboard's --runs DIR): "
                "`sumchain simulate --out DIR` saves its runs there.")
            assert tab.locator("#run-file").count() == 1  # a run from disk still opens
        # Its requests take what the node's do (5 MiB), not aiohttp's default of 1 MiB.
        padded = {**load_run(saved_runs / _listed(saved_runs)[0]), "padding": "x" * 2 * 2**20}
        status, body = post(f"{url}api/runs/upload?name=padded.json", json.dumps(padded).encode())
        assert status == 200 and json.loads(body)["summary"]["dataset"] == "wine"
    finally:
        stop(process)


@pytest.mark.parametrize("command", ["node", "dashboard"])
def test_help_names_the_runs_flag(capsys, command):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--runs DIR" in text and "sumchain simulate --out DIR" in text and "./saved_runs" in text


# ------------------------------------------------------------------ the model list polls

def test_model_list_shows_a_new_model_and_contribution_without_a_reload():
    with sumchain_node() as url:
        conn = Connection(RpcClient(url), Sender(ACCOUNT_0))
        with page(loopback=True) as tab:
            tab.goto(f"{url}/dashboard/#/models")
            tab.get_by_text("No models on this chain yet").wait_for(timeout=WAIT_MS)
            tab.fill("#add-model input", "0xbeef")  # being typed: a refresh must leave it
            model = parse_model({"type": "dense perceptron", "classifications": ["neg", "pos"],
                                 "weights": [1.0, -1.0, 0.5], "intercept": 0})
            trainer = Trainer.load(conn, deploy(conn, model, "polled model", "deployed while the list is open").trainer)
            row = tab.locator("tr.model-row")
            row.wait_for(timeout=WAIT_MS)
            info = trainer.info()
            assert row.inner_text().split("\t") == [info.name, info.description, info.model_type, info.incentive,
                                                    ", ".join(info.classifications), "0", "0 ETH"]
            assert (info.name, info.model_type) == ("polled model", "dense perceptron")
            sample = normalize([1, 0, 0])
            trainer.add_data(sample, trainer.predict(sample))
            assert trainer.info().total_submitted == 1  # what the chain holds, and the page shows
            tab.locator("tr.model-row td:nth-child(6)", has_text="1").wait_for(timeout=WAIT_MS)
            assert tab.locator("#add-model input").input_value() == "0xbeef"
