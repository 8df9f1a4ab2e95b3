"""simulation.charts: the PNG, the offline HTML page, the overlay of saved runs, loading a run."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import matplotlib.image as mpimg
import pytest

from simulation.charts import DPI, FIGSIZE, combine, load_run, write_html, write_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GOOD = "0x1111111111111111111111111111111111111111"
BAD = "0x2222222222222222222222222222222222222222"
EVIL = "</script><script>alert(1)</script>"
DAY = 86_400


def synthetic_run(agents=((GOOD, True), (BAD, False)), days=20, accuracies=True, baseline=0.795) -> dict:
    """Good agents climb from 100% to ~196% of their start, bad agents fall to 0, accuracy flat near 79%."""
    run = {"agents": [{"address": a, "good": g, "start_balance": 10_000, "mean_deposit": 50} for a, g in agents],
           "baselineAccuracy": baseline, "initTrainDataPortion": 0.08, "accuracies": [], "balances": []}
    for day in range(days + 1):
        t = day * DAY
        for address, good in agents:
            balance = 10_000 * (1 + 0.96 * day / days) if good else 10_000 * max(0.0, 1 - day / (days * 0.8))
            run["balances"].append({"t": t, "a": address, "b": balance})
        if accuracies and day % 2 == 0:
            run["accuracies"].append({"t": t, "accuracy": 0.79 + 0.002 * (day % 3)})
    return run


def embedded_data(page: str) -> dict:
    match = re.search(r'<script id="run-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page embeds its data"
    return json.loads(match.group(1))


def check_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    image = mpimg.imread(path)
    height, width = image.shape[:2]
    assert (width, height) == (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI)
    assert image.std() > 0.01  # something is drawn, not a blank canvas
    return image


# ------------------------------------------------------------------ PNG


def test_write_png_makes_a_readable_png_of_the_figure_size(tmp_path):
    path = tmp_path / "run.png"
    write_png(synthetic_run(), path, "imdb, perceptron, stakeable")
    image = check_png(path)
    # the good agent's green and the bad agent's red are both on it
    rgb = image[..., :3]
    greenish = ((rgb[..., 1] > rgb[..., 0] + 0.15) & (rgb[..., 1] > rgb[..., 2] + 0.05)).sum()
    reddish = ((rgb[..., 0] > rgb[..., 1] + 0.25) & (rgb[..., 0] > rgb[..., 2] + 0.25)).sum()
    assert greenish > 100 and reddish > 100


@pytest.mark.parametrize("run", [
    synthetic_run(agents=((GOOD, True),)),
    synthetic_run(accuracies=False, baseline=None),
    synthetic_run(agents=tuple((f"0x{i:040x}", i % 3 != 0) for i in range(40)), days=5),
    {"agents": [{"address": GOOD, "good": True, "start_balance": 0}], "baselineAccuracy": None,
     "initTrainDataPortion": 0.1, "accuracies": [], "balances": [{"t": 0, "a": GOOD, "b": 0}]},
], ids=["one-agent", "no-accuracies-no-baseline", "forty-agents", "zero-start-balance"])
def test_write_png_copes_with_small_empty_and_large_runs(tmp_path, run):
    path = tmp_path / "run.png"
    write_png(run, path, "edge case")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert mpimg.imread(path).shape[:2] == (FIGSIZE[1] * DPI, FIGSIZE[0] * DPI)


# ------------------------------------------------------------------ HTML


def test_write_html_is_one_offline_file_with_the_agents_and_the_data(tmp_path):
    path = tmp_path / "run.html"
    run = synthetic_run()
    write_html(run, path, "imdb, perceptron")
    assert [p.name for p in tmp_path.iterdir()] == ["run.html"]
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert GOOD in page and BAD in page
    data = embedded_data(page)
    by_who = {s["who"]: s for s in data["series"]}
    good, bad = by_who[GOOD], by_who[BAD]
    assert good["name"].startswith("good 0x1111") and bad["name"].startswith("bad 0x2222")
    assert good["axis"] == bad["axis"] == "left"
    assert good["points"][0] == [0, 100] and good["points"][-1] == [20, 196]
    assert bad["points"][-1] == [20, 0] and bad["dash"] and not good["dash"]
    accuracy = next(s for s in data["series"] if s["name"] == "accuracy")
    assert accuracy["axis"] == "right" and accuracy["points"][0] == [0, 79]
    assert len(accuracy["points"]) == len(run["accuracies"])
    baseline = next(s for s in data["series"] if s.get("baseline") is not None)
    assert baseline["baseline"] == 79.5 and baseline["name"].startswith("baseline (all data)")
    # the pieces the interactions need: hover tooltips and a click toggle per legend entry
    assert 'addEventListener("mousemove"' in page and 'addEventListener("click"' in page


def test_write_html_cannot_be_broken_out_of_by_a_title_or_an_address(tmp_path):
    path = tmp_path / "run.html"
    run = synthetic_run(agents=((EVIL, True), (BAD, False)))
    write_html(run, path, EVIL)
    page = path.read_text(encoding="utf-8")
    assert EVIL not in page
    assert "alert(1)</script>" not in page and "<script>alert" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2  # only the page's own two
    data = embedded_data(page)
    assert data["title"] == EVIL  # intact once parsed, only escaped in the page
    assert EVIL in {s["who"] for s in data["series"]}
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_page_script_is_valid_javascript(tmp_path):
    path = tmp_path / "run.html"
    write_html(synthetic_run(), path, "syntax")
    scripts = re.findall(r"<script>(.*?)</script>", path.read_text(encoding="utf-8"), re.S)
    assert len(scripts) == 1
    source = tmp_path / "page.js"
    source.write_text(scripts[0])
    checked = subprocess.run(["node", "--check", str(source)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


# ------------------------------------------------------------------ combine


def test_combine_overlays_two_runs_in_a_png_and_an_html_page(tmp_path):
    first = synthetic_run(agents=((GOOD, True), ("0x3333333333333333333333333333333333333333", True), (BAD, False)))
    second = synthetic_run(days=30, baseline=0.9)
    png, page_path = tmp_path / "combined.png", tmp_path / "combined.html"
    combine([("nb", first), ("perceptron", second)], png, page_path)
    check_png(png)
    page = page_path.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    names = [s["name"] for s in embedded_data(page)["series"]]
    assert names == ["nb: good agents (2), mean", "nb: bad agents (1), mean", "nb: accuracy",
                     "nb: baseline (all data) 79.5%",
                     "perceptron: good agents (1), mean", "perceptron: bad agents (1), mean", "perceptron: accuracy",
                     "perceptron: baseline (all data) 90.0%"]
    series = {s["name"]: s for s in embedded_data(page)["series"]}
    assert series["nb: good agents (2), mean"]["points"][-1] == [20, 196]  # both good agents end at 196%
    assert series["perceptron: bad agents (1), mean"]["points"][-1] == [30, 0]


def test_combine_without_an_html_path_writes_only_the_png(tmp_path):
    png = tmp_path / "combined.png"
    combine([("a", synthetic_run()), ("b", synthetic_run(accuracies=False, baseline=None))], png)
    check_png(png)
    assert [p.name for p in tmp_path.iterdir()] == ["combined.png"]


def test_combine_refuses_no_runs(tmp_path):
    with pytest.raises(ValueError, match="at least one run"):
        combine([], tmp_path / "x.png")


# ------------------------------------------------------------------ load_run


def test_load_run_reads_a_saved_run(tmp_path):
    path = tmp_path / "1-x-simulation_data.json"
    run = synthetic_run()
    path.write_text(json.dumps(run))
    assert load_run(path) == run
    assert load_run(str(path)) == run


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not a simulation run's JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    ("[1, 2]", "top level is a JSON list"),
    (json.dumps({"agents": [], "baselineAccuracy": 0.5}), "missing keys accuracies, balances"),
    (json.dumps({"agents": [], "accuracies": [], "balances": {}}), "must be lists"),
    (json.dumps({"agents": [{"address": GOOD}], "accuracies": [], "balances": []}),
     "agent 0 lacks good, start_balance"),
    (json.dumps({"agents": [{"address": GOOD, "good": True, "start_balance": "lots"}], "accuracies": [], "balances": []}),
     "agent 0's start_balance is not a number"),
    (json.dumps({"agents": [], "accuracies": [{"t": 1}], "balances": []}), "accuracies[0] has no valid accuracy"),
    (json.dumps({"agents": [], "accuracies": [], "balances": [{"t": 1, "a": GOOD, "b": True}, 2]}),
     "balances[0] has no valid b"),
    (json.dumps({"agents": [], "accuracies": [{"t": 1, "accuracy": None}], "balances": [2]}),
     "balances[0] has no valid t, a, b"),
])
def test_load_run_errors_are_one_line_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "bad-simulation_data.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ValueError) as caught:
        load_run(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message
