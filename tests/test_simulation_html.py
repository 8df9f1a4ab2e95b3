"""The simulation's interactive HTML chart in a real headless Chromium: it opens from file:// with
no network, draws every series, hides and shows a line from its legend entry, and answers a
hover with the value under the pointer."""
from __future__ import annotations

from simulation.charts import write_html
from tests.browser import page
from tests.test_simulation_charts import BAD, GOOD, synthetic_run

LINES = "#svg > path[stroke]"  # the data lines (the frame path has no stroke attribute)


def test_the_chart_opens_offline_and_responds(tmp_path):
    path = tmp_path / "run.html"
    write_html(synthetic_run(), path, "a run, seed 0")
    with page() as tab:
        tab.goto(path.as_uri())
        assert tab.text_content("#title") == "a run, seed 0"
        assert tab.text_content("#left-axis") == "balance (% of start, gas apart)"
        assert tab.locator(LINES).count() == 3  # the good agent, the bad agent, the accuracy
        assert tab.locator("#svg > line[stroke-dasharray]").count() >= 1  # the baseline
        legend = tab.locator("#legend button")
        assert [legend.nth(i).text_content() for i in range(legend.count())] == [
            f"good {GOOD[:6]}…", f"bad {BAD[:6]}…", "accuracy", "baseline (all data) 79.5%"]

        legend.nth(1).click()  # hide the bad agent
        assert legend.nth(1).get_attribute("class") == "off"
        assert tab.locator(LINES).count() == 2
        legend.nth(1).click()
        assert tab.locator(LINES).count() == 3

        good_line = tab.locator(LINES).first
        d = good_line.get_attribute("d")
        x, y = (float(v) for v in d[1:].split("L")[0].split())  # the first point: day 0, 100%
        box = tab.locator("#svg").bounding_box()
        tab.mouse.move(box["x"] + x, box["y"] + y)
        tip = tab.locator("#tip")
        assert tip.is_visible()
        assert "day 0.00" in tip.text_content() and "100.00%" in tip.text_content()


def test_a_points_run_plots_points(tmp_path):
    run = synthetic_run()
    run["balanceUnit"] = "points"
    for agent in run["agents"]:
        agent["start_balance"] = 0
    for entry in run["balances"]:
        entry["b"] = round(entry["b"] / 1000)
    path = tmp_path / "points.html"
    write_html(run, path, "points")
    with page() as tab:
        tab.goto(path.as_uri())
        assert tab.text_content("#left-axis") == "points (contributions refunded as good)"
        assert tab.locator(LINES).count() == 3
