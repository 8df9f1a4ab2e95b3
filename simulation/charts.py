"""The charts of a simulation run: a PNG (matplotlib) and a self-contained interactive HTML page.

A run is a dict in the original's ``simulation_data.json`` schema (microsoft/0xDeCA10B,
simulation/decai/simulation/simulate.py)::

    {"agents": [{"address": "0x..", "good": bool, "start_balance": number, ...}],
     "baselineAccuracy": 0..1 or None, "initTrainDataPortion": float,
     "accuracies": [{"t": seconds, "accuracy": 0..1}],
     "balances": [{"t": seconds, "a": address, "b": balance}]}

As the original's plot: days on the x axis, each agent's balance as a percentage of its start
balance (good agents green and solid, bad agents red and dashed, callers blue dash-dot), and the
model's accuracy on the hidden test set in percent with the baseline (the model trained on all
the data) as a dotted line. The HTML page needs no network: its data is embedded as JSON and a
small inline script draws it as SVG, with tooltips and a click-to-hide legend.

``combine`` overlays saved runs as the paper's figures do: per run, the mean balance of its good
agents and of its bad agents, and its accuracy.
"""
from __future__ import annotations

import html
import json
import math
import os
import pathlib
import re
from typing import Any, Iterable

import matplotlib

matplotlib.use("Agg")  # no display here; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

__all__ = ["write_png", "write_html", "combine", "load_run", "parse_run", "run_chart", "combined_chart"]

DAY_S = 86_400
DPI = 100
FIGSIZE = (11, 6)
LEGEND_AGENTS_MAX = 12  # more agents than this: one legend entry per kind, not per agent
REQUIRED_KEYS = ("agents", "accuracies", "balances")
AGENT_KEYS = ("address", "good", "start_balance")
# Each entry's fields and the JSON types they take (an accuracy not measured is null).
ENTRY_FIELDS = {"accuracies": {"t": (int, float), "accuracy": (int, float, type(None))},
                "balances": {"t": (int, float), "a": str, "b": (int, float)}}

_FAMILY = {"good": "Greens", "bad": "Reds", "caller": "Blues"}
_DASH = {"good": "-", "bad": "--", "caller": "-."}
_SVG_DASH = {"-": "", "--": "7 4", "-.": "8 3 2 3", ":": "2 3"}
_RUN_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
ACCURACY_COLOUR = "#000000"
BALANCE_LABEL = "balance (% of start, gas apart)"  # deposits and payouts only; each agent's gas is in its record


# ------------------------------------------------------------------ loading


def load_run(path: str | os.PathLike) -> dict:
    """A saved ``...-simulation_data.json``; ``ValueError`` (one line, naming the file) if it is not one."""
    path = pathlib.Path(path)
    return parse_run(path.read_bytes(), str(path))


def parse_run(data: bytes, name: str) -> dict:
    """A run from a file's bytes (an upload, a saved file); ``ValueError`` (one line, naming ``name``) if it is not one."""
    try:
        run = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"{name}: not a simulation run's JSON (not UTF-8 text: byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{name}: not a simulation run's JSON ({error.msg} at line {error.lineno}, "
                         f"column {error.colno})") from None
    if not isinstance(run, dict):
        raise ValueError(f"{name}: not a simulation run: the top level is a JSON {type(run).__name__}, "
                         f"not an object with {', '.join(REQUIRED_KEYS)}")
    missing = [key for key in REQUIRED_KEYS if key not in run]
    if missing:
        raise ValueError(f"{name}: not a simulation run: missing key{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}")
    if not all(isinstance(run[key], list) for key in REQUIRED_KEYS):
        raise ValueError(f"{name}: not a simulation run: {', '.join(REQUIRED_KEYS)} must be lists")
    for index, agent in enumerate(run["agents"]):
        lacking = [key for key in AGENT_KEYS if not isinstance(agent, dict) or key not in agent]
        if lacking:
            raise ValueError(f"{name}: not a simulation run: agent {index} lacks {', '.join(lacking)}")
        if not isinstance(agent["start_balance"], (int, float)) or isinstance(agent["start_balance"], bool):
            raise ValueError(f"{name}: not a simulation run: agent {index}'s start_balance is not a number")
    for key, fields in ENTRY_FIELDS.items():
        for index, entry in enumerate(run[key]):
            wrong = [field for field, kinds in fields.items() if not isinstance(entry, dict)
                     or not isinstance(entry.get(field, ()), kinds) or isinstance(entry.get(field), bool)]
            if wrong:
                raise ValueError(f"{name}: not a simulation run: {key}[{index}] has no valid {', '.join(wrong)}")
    return run


# ------------------------------------------------------------------ the series, shared by PNG and HTML


def _kind(agent: dict) -> str:
    if agent.get("calls_model"):
        return "caller"
    return "good" if agent.get("good") else "bad"


def _short(address: str) -> str:
    address = str(address)
    return address if len(address) <= 8 else address[:6] + "\u2026"


def _colours(kind: str, count: int) -> list[str]:
    """``count`` distinguishable shades of the kind's colour family (never the palest)."""
    cmap = matplotlib.colormaps[_FAMILY[kind]]
    if count <= 1:
        return [matplotlib.colors.to_hex(cmap(0.75))]
    return [matplotlib.colors.to_hex(cmap(0.5 + 0.45 * i / (count - 1))) for i in range(count)]


def _agent_series(run: dict) -> list[dict[str, Any]]:
    """One series per agent: ``points`` [(day, % of start balance)], in time order, plus its style."""
    agents = [a for a in run.get("agents", []) if isinstance(a, dict) and "address" in a]
    by_address: dict[str, list[tuple[float, float]]] = {str(a["address"]): [] for a in agents}
    for entry in run.get("balances", []):
        points = by_address.get(str(entry.get("a")))
        if points is not None:
            points.append((float(entry["t"]), float(entry["b"])))
    kinds = [_kind(a) for a in agents]
    palette = {kind: iter(_colours(kind, kinds.count(kind))) for kind in set(kinds)}
    series = []
    for agent, kind in zip(agents, kinds):
        start = float(agent.get("start_balance") or 0)
        raw = sorted(by_address[str(agent["address"])], key=lambda p: p[0])
        points = ([(t / DAY_S, 100 * b / start) for t, b in raw] if start > 0
                  else [(t / DAY_S, b) for t, b in raw] if _in_points(run) else [])
        series.append({"address": str(agent["address"]), "kind": kind, "colour": next(palette[kind]),
                       "dash": _DASH[kind], "label": f"{kind} {_short(agent['address'])}", "points": points})
    return series


def _in_points(run: dict) -> bool:
    """A Points64 run: balances are points, which start at 0 (plotted as they are, not as % of start)."""
    return run.get("balanceUnit") == "points"


def _left_label(run: dict) -> str:
    return "points (contributions refunded as good)" if _in_points(run) else BALANCE_LABEL


def _accuracy_points(run: dict) -> list[tuple[float, float]]:
    points = [(float(e["t"]) / DAY_S, 100 * float(e["accuracy"])) for e in run.get("accuracies", [])
              if e.get("accuracy") is not None]
    return sorted(points, key=lambda p: p[0])


def _baseline(run: dict) -> float | None:
    baseline = run.get("baselineAccuracy")
    return None if baseline is None else 100 * float(baseline)


def _mean_points(series: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """The mean of several agents' balance %, each held at its last value (100% before its first)."""
    series = [s for s in series if s["points"]]
    if not series:
        return []
    days = sorted({day for s in series for day, _ in s["points"]})
    current = [100.0] * len(series)
    cursors = [0] * len(series)
    mean = []
    for day in days:
        for i, s in enumerate(series):
            points = s["points"]
            while cursors[i] < len(points) and points[cursors[i]][0] <= day:
                current[i] = points[cursors[i]][1]
                cursors[i] += 1
        mean.append((day, sum(current) / len(current)))
    return mean


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop the inner points of runs of equal values: the same line, fewer points."""
    if len(points) <= 2:
        return list(points)
    kept = [points[0]]
    for before, point, after in zip(points, points[1:], points[2:]):
        if not (point[1] == before[1] == after[1]):
            kept.append(point)
    kept.append(points[-1])
    return kept


# ------------------------------------------------------------------ PNG


def _finish_png(fig, ax, ax2, handles: list, title: str, path: str | os.PathLike,
                left_label: str = BALANCE_LABEL) -> None:
    ax.set_xlabel("time (days)")
    ax.set_ylabel(left_label)
    ax2.set_ylabel("accuracy on the hidden test set (%)")
    ax2.set_ylim(0, 105)
    low, high = ax.get_ylim()
    ax.set_ylim(min(0, low), max(110 if "%" in left_label else 1, high))
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    if handles:
        columns = min(4, max(1, math.ceil(len(handles) / 4)))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=columns,
                  fontsize="small", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)


def _legend_handles(series: list[dict[str, Any]]) -> list:
    if len(series) <= LEGEND_AGENTS_MAX:
        return [Line2D([], [], color=s["colour"], linestyle=s["dash"], label=s["label"]) for s in series]
    handles = []
    for kind in ("good", "bad", "caller"):
        members = [s for s in series if s["kind"] == kind]
        if members:
            handles.append(Line2D([], [], color=members[len(members) // 2]["colour"], linestyle=_DASH[kind],
                                  label=f"{kind} agents ({len(members)})"))
    return handles


def write_png(run: dict, path: str | os.PathLike, title: str) -> None:
    """The run's chart as a PNG: balance % per agent (left axis), accuracy % and baseline (right)."""
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax2 = ax.twinx()
    series = _agent_series(run)
    for s in series:
        if s["points"]:
            days, values = zip(*s["points"])
            ax.plot(days, values, color=s["colour"], linestyle=s["dash"], linewidth=1.4)
    handles = _legend_handles(series)
    accuracy = _accuracy_points(run)
    if accuracy:
        days, values = zip(*accuracy)
        ax2.plot(days, values, color=ACCURACY_COLOUR, linewidth=1.6, marker="." if len(days) < 40 else None)
        handles.append(Line2D([], [], color=ACCURACY_COLOUR, linewidth=1.6, label="accuracy"))
    baseline = _baseline(run)
    if baseline is not None:
        ax2.axhline(baseline, color=ACCURACY_COLOUR, linestyle=":", linewidth=1.3)
        handles.append(Line2D([], [], color=ACCURACY_COLOUR, linestyle=":",
                              label=f"baseline (all data) {baseline:.1f}%"))
    _finish_png(fig, ax, ax2, handles, title, path, _left_label(run))


def _combined_series(runs: list[tuple[str, dict]]) -> list[dict[str, Any]]:
    """Per run, in its colour: mean good %, mean bad % (left axis); accuracy and baseline (right axis)."""
    out = []
    for index, (label, run) in enumerate(runs):
        colour = _RUN_COLOURS[index % len(_RUN_COLOURS)]
        agents = _agent_series(run)
        for kind in ("good", "bad", "caller"):
            members = [s for s in agents if s["kind"] == kind]
            if members:
                out.append({"label": f"{label}: {kind} agents ({len(members)}), mean", "colour": colour,
                            "dash": _DASH[kind], "points": _mean_points(members), "address": label,
                            "axis": "left"})
        accuracy = _accuracy_points(run)
        if accuracy:
            out.append({"label": f"{label}: accuracy", "colour": colour, "dash": ":",
                        "points": accuracy, "address": label, "axis": "right"})
        baseline = _baseline(run)
        if baseline is not None:
            out.append({"label": f"{label}: baseline (all data) {baseline:.1f}%", "colour": colour,
                        "dash": "-.", "points": [], "baseline": baseline, "address": label, "axis": "right"})
    return out


def combine(runs: list[tuple[str, dict]], png_path: str | os.PathLike,
            html_path: str | os.PathLike | None = None) -> None:
    """Overlay saved runs, each ``(label, run)``: a PNG, and the HTML page too if ``html_path`` is given."""
    title, series = _combined(runs)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax2 = ax.twinx()
    handles = []
    for s in series:
        if "baseline" in s:
            ax2.axhline(s["baseline"], color=s["colour"], linestyle=s["dash"], linewidth=0.9, alpha=0.8)
        elif s["points"]:
            days, values = zip(*s["points"])
            if s["axis"] == "left":
                ax.plot(days, values, color=s["colour"], linestyle=s["dash"], linewidth=1.5)
            else:
                ax2.plot(days, values, color=s["colour"], linestyle=s["dash"], linewidth=1.8)
        handles.append(Line2D([], [], color=s["colour"], linestyle=s["dash"], label=s["label"]))
    _finish_png(fig, ax, ax2, handles, title, png_path)
    if html_path is not None:
        _write_page(html_path, _page_data(title, series))


def _combined(runs: list[tuple[str, dict]]) -> tuple[str, list[dict[str, Any]]]:
    """The title and the series of overlaid runs."""
    if not runs:
        raise ValueError("combine needs at least one run")
    title = "combined: " + ", ".join(label for label, _ in runs)
    return (title if len(title) <= 100 else f"{len(runs)} runs combined"), _combined_series(runs)


# ------------------------------------------------------------------ HTML


def _safe_json(value: Any) -> str:
    """JSON that can sit inside <script>: no '<', '>' or '&' (so no '</script>' or '<!--'), no U+2028/9."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _page_series(series: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in series:
        entry = {"name": s["label"], "who": s.get("address", ""), "colour": s["colour"],
                 "dash": _SVG_DASH.get(s["dash"], ""), "axis": s.get("axis", "left"),
                 "points": [[round(d, 5), round(v, 3)] for d, v in _thin(s["points"])
                            if math.isfinite(d) and math.isfinite(v)]}
        if "baseline" in s:
            entry["baseline"] = round(s["baseline"], 3)
        out.append(entry)
    return out


def _run_series(run: dict) -> list[dict[str, Any]]:
    """A run's series: each agent's balance, then the accuracy and the baseline."""
    series = _agent_series(run)
    accuracy = _accuracy_points(run)
    if accuracy:
        series.append({"label": "accuracy", "colour": ACCURACY_COLOUR, "dash": "-", "points": accuracy,
                       "address": "", "axis": "right"})
    baseline = _baseline(run)
    if baseline is not None:
        series.append({"label": f"baseline (all data) {baseline:.1f}%", "colour": ACCURACY_COLOUR, "dash": ":",
                       "points": [], "baseline": baseline, "address": "", "axis": "right"})
    return series


def _page_data(title: str, series: list[dict[str, Any]], left_label: str = BALANCE_LABEL) -> dict[str, Any]:
    """What a chart page draws: ``{title, left, series: [{name, who, colour, dash, axis, points, baseline?}]}``,
    ``points`` being [day, value] pairs, ``dash`` an SVG dash array, ``axis`` left (balances) or right (accuracy %)."""
    return {"title": str(title), "left": left_label, "series": _page_series(series)}


def run_chart(run: dict, title: str) -> dict[str, Any]:
    """The run's chart as data (what ``write_html`` embeds; the web dashboard draws it too)."""
    return _page_data(title, _run_series(run), _left_label(run))


def combined_chart(runs: list[tuple[str, dict]]) -> dict[str, Any]:
    """Overlaid runs as data (what ``combine``'s HTML page embeds)."""
    return _page_data(*_combined(runs))


def write_html(run: dict, path: str | os.PathLike, title: str) -> None:
    """The run's chart as one self-contained, offline, interactive HTML page."""
    _write_page(path, run_chart(run, title))


def _write_page(path: str | os.PathLike, data: dict[str, Any]) -> None:
    parts = {"TITLE": html.escape(data["title"]), "DATA": _safe_json(data)}
    page = re.sub(r"%%(TITLE|DATA)%%", lambda match: parts[match.group(1)], _PAGE)  # one pass
    pathlib.Path(path).write_text(page, encoding="utf-8")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%%TITLE%%</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 17px; font-weight: 600; margin: 0 0 8px; }
#chart { position: relative; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
.grid { stroke: #e6e6e6; }
.axis { stroke: #666; }
#tip { position: absolute; pointer-events: none; background: rgba(255,255,255,.95); border: 1px solid #999;
       padding: 4px 7px; font-size: 12px; white-space: pre; display: none; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 6px; max-width: 980px; }
#legend button { border: 0; background: none; cursor: pointer; font: 12px system-ui, sans-serif; padding: 2px;
                 display: flex; align-items: center; gap: 5px; }
#legend button.off { opacity: .35; text-decoration: line-through; }
#legend svg { width: 28px; height: 10px; }
.note { color: #666; font-size: 12px; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="chart"><svg id="svg" width="980" height="480"></svg><div id="tip"></div></div>
<div id="legend"></div>
<p class="note">Left axis: <span id="left-axis"></span>. Right axis: accuracy on the hidden test set (%).
Click a legend entry to hide or show its line; hover for values.</p>
<script id="run-data" type="application/json">%%DATA%%</script>
<script>
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("run-data").textContent);
  var W = 980, H = 480, M = {l: 62, r: 62, t: 14, b: 42};
  var svg = document.getElementById("svg"), tip = document.getElementById("tip");
  var NS = svg.namespaceURI;  // the inline <svg>'s own: no URL spelled out in the page
  var hidden = {};
  document.getElementById("title").textContent = DATA.title;
  document.getElementById("left-axis").textContent = DATA.left;

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function ticks(lo, hi, n) {
    var span = hi - lo || 1, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var err = span / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }
  function fmt(v) { return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2); }

  var xMax = 0, yMax = 110, yMin = 0;
  DATA.series.forEach(function (s) {
    s.points.forEach(function (p) {
      if (p[0] > xMax) xMax = p[0];
      if (s.axis === "left") { if (p[1] > yMax) yMax = p[1]; if (p[1] < yMin) yMin = p[1]; }
    });
  });
  if (xMax <= 0) xMax = 1;
  var x = function (d) { return M.l + (W - M.l - M.r) * d / xMax; };
  var yL = function (v) { return H - M.b - (H - M.t - M.b) * (v - yMin) / (yMax - yMin); };
  var yR = function (v) { return H - M.b - (H - M.t - M.b) * v / 105; };

  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    ticks(0, xMax, 10).forEach(function (d) {
      el("line", {x1: x(d), x2: x(d), y1: M.t, y2: H - M.b, "class": "grid"}, svg);
      el("text", {x: x(d), y: H - M.b + 16, "text-anchor": "middle"}, svg).textContent = fmt(d);
    });
    ticks(yMin, yMax, 8).forEach(function (v) {
      el("line", {x1: M.l, x2: W - M.r, y1: yL(v), y2: yL(v), "class": "grid"}, svg);
      el("text", {x: M.l - 6, y: yL(v) + 4, "text-anchor": "end"}, svg).textContent = fmt(v);
    });
    ticks(0, 100, 5).forEach(function (v) {
      el("text", {x: W - M.r + 6, y: yR(v) + 4}, svg).textContent = fmt(v);
    });
    el("path", {d: "M" + M.l + " " + M.t + "V" + (H - M.b) + "H" + (W - M.r) + "V" + M.t, fill: "none",
                "class": "axis"}, svg);
    el("text", {x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle"}, svg).textContent = "time (days)";
    el("text", {x: 14, y: (H - M.b + M.t) / 2, "text-anchor": "middle",
                transform: "rotate(-90 14 " + (H - M.b + M.t) / 2 + ")"}, svg).textContent = DATA.left;
    el("text", {x: W - 10, y: (H - M.b + M.t) / 2, "text-anchor": "middle",
                transform: "rotate(90 " + (W - 10) + " " + (H - M.b + M.t) / 2 + ")"}, svg).textContent = "accuracy (%)";
    DATA.series.forEach(function (s, i) {
      if (hidden[i]) return;
      var y = s.axis === "left" ? yL : yR;
      var attrs = {fill: "none", stroke: s.colour, "stroke-width": s.axis === "right" ? 2 : 1.5};
      if (s.dash) attrs["stroke-dasharray"] = s.dash;
      if (s.baseline !== undefined) {
        attrs.x1 = M.l; attrs.x2 = W - M.r; attrs.y1 = attrs.y2 = y(s.baseline);
        el("line", attrs, svg);
      } else if (s.points.length) {
        attrs.d = s.points.map(function (p, j) { return (j ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1); }).join("");
        el("path", attrs, svg);
      }
    });
  }

  svg.addEventListener("mousemove", function (event) {
    var box = svg.getBoundingClientRect(), mx = event.clientX - box.left, my = event.clientY - box.top;
    var best = null, bestDist = 400;  // within 20 px
    DATA.series.forEach(function (s, i) {
      if (hidden[i]) return;
      var y = s.axis === "left" ? yL : yR;
      if (s.baseline !== undefined) {
        var dist = Math.pow(y(s.baseline) - my, 2);
        if (dist < bestDist && mx >= M.l && mx <= W - M.r) { bestDist = dist; best = [s, (mx - M.l) / (W - M.l - M.r) * xMax, s.baseline]; }
        return;
      }
      s.points.forEach(function (p) {
        var d = Math.pow(x(p[0]) - mx, 2) + Math.pow(y(p[1]) - my, 2);
        if (d < bestDist) { bestDist = d; best = [s, p[0], p[1]]; }
      });
    });
    if (!best) { tip.style.display = "none"; return; }
    var s = best[0];
    tip.textContent = s.name + (s.who && s.name.indexOf(s.who) < 0 ? "\\n" + s.who : "") +
      "\\nday " + best[1].toFixed(2) + "\\n" + (s.axis === "left" ? DATA.left.split(" (")[0] + " " + best[2].toFixed(2) + (DATA.left.indexOf("%") >= 0 ? "%" : "")
                              : "accuracy " + best[2].toFixed(2) + "%");
    tip.style.display = "block";
    tip.style.left = Math.min(mx + 14, W - 200) + "px";
    tip.style.top = Math.max(my - 10, 0) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });

  var legend = document.getElementById("legend");
  DATA.series.forEach(function (s, i) {
    var button = document.createElement("button");
    button.type = "button";
    button.title = s.who ? s.who : s.name;
    var swatch = el("svg", {viewBox: "0 0 28 10"}, button);
    var line = el("line", {x1: 0, x2: 28, y1: 5, y2: 5, stroke: s.colour, "stroke-width": 2}, swatch);
    if (s.dash) line.setAttribute("stroke-dasharray", s.dash);
    var text = document.createElement("span");
    text.textContent = s.name;
    button.appendChild(text);
    button.addEventListener("click", function () {
      hidden[i] = !hidden[i];
      button.className = hidden[i] ? "off" : "";
      draw();
    });
    legend.appendChild(button);
  });
  draw();
})();
</script>
</body>
</html>
"""
