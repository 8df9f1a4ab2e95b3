"""The simulation runs the page's #/runs charts: the ``-simulation_data.json`` files ``sumchain simulate``
saved in one directory (``--runs DIR``, a flag of both ``sumchain node`` and ``sumchain dashboard``), each
validated and turned into its chart's series by simulation/charts.py, the series its HTML chart draws. The page
names a run by its file name and only names in the directory's listing are opened: no path comes from the page.
A run opened from disk in the page is posted here and checked by the same rules."""
from __future__ import annotations

import argparse
import pathlib
from typing import Any

from aiohttp import web

from sumchain.simulate import DEFAULT_OUT

from .proxy import refusal

# simulation.charts (matplotlib: half a second) is imported where it is used, so the node starts without it.

SUFFIX = "-simulation_data.json"


def add_runs_flag(parser: argparse.ArgumentParser) -> None:
    """``--runs DIR``, the same for every command that serves the dashboard."""
    parser.add_argument("--runs", default=DEFAULT_OUT, metavar="DIR",
                        help="directory of the saved simulation runs the dashboard charts "
                             "(where `sumchain simulate --out DIR` writes them)")


def summary(run: dict) -> dict[str, Any]:
    """What the list shows of a run: its settings (None where an original run lacks them), its length in
    simulated days, the accuracy at its start and end with the baseline, and each agent's last balance."""
    from simulation.charts import DAY_S

    last: dict[str, float] = {}
    for entry in run["balances"]:
        last[entry["a"]] = entry["b"]
    accuracies = [entry["accuracy"] for entry in run["accuracies"] if entry["accuracy"] is not None]
    times = [entry["t"] for entry in run["accuracies"] + run["balances"]]
    return {
        **{key: run.get(key) for key in ("dataset", "model", "incentive", "seed")},
        "unit": run.get("balanceUnit", "units"),
        "days": max(times, default=0) / DAY_S,
        "accuracy": [accuracies[0], accuracies[-1]] if accuracies else None,
        "baseline": run.get("baselineAccuracy"),
        "agents": [{"address": agent["address"], "good": bool(agent["good"]), "start": agent["start_balance"],
                    "end": last.get(agent["address"], agent["start_balance"])} for agent in run["agents"]],
    }


class Runs:
    """The routes over one directory of saved runs."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = pathlib.Path(directory or DEFAULT_OUT).resolve()  # None: --runs's default

    def install(self, app: web.Application) -> None:
        app.router.add_get("/api/runs", self._list)
        app.router.add_get("/api/runs/chart", self._chart)
        app.router.add_post("/api/runs/upload", self._upload)

    def names(self) -> list[str]:
        """The saved runs' file names, newest first (a name starts with its unix time)."""
        return sorted((path.name for path in self.directory.glob("*" + SUFFIX) if path.is_file()), reverse=True)

    def load(self, name: str) -> dict:
        """A listed run, validated; ValueError (one line, naming the file) if it is not one."""
        from simulation.charts import parse_run

        try:
            data = (self.directory / name).read_bytes()
        except OSError as error:
            raise ValueError(f"{name}: cannot read it: {error.strerror or error}") from None
        return parse_run(data, name)

    async def _list(self, request: web.Request) -> web.Response:
        answer: dict[str, Any] = {"directory": str(self.directory)}
        if not self.directory.is_dir():
            answer["error"] = (f"There is no directory {self.directory} (the dashboard's --runs DIR): "
                               f"`sumchain simulate --out DIR` saves its runs there.")
            return web.json_response(answer)
        runs = []
        for name in self.names():
            try:
                runs.append({"name": name, **summary(self.load(name))})
            except ValueError as error:
                runs.append({"name": name, "error": str(error)})
        return web.json_response({**answer, "runs": runs})

    async def _chart(self, request: web.Request) -> web.Response:
        """?run=NAME: that run's chart; several: the runs overlaid, as `sumchain simulate combine` draws them."""
        from simulation.charts import combined_chart, run_chart

        names = request.query.getall("run", [])
        listed = set(self.names())
        unknown = [name for name in names if name not in listed]
        if not names or unknown:
            return web.json_response({"error": f"no saved run {unknown[0] if unknown else ''!r} in {self.directory}"},
                                     status=404)
        try:
            runs = [(name.removesuffix(SUFFIX), self.load(name)) for name in names]
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=422)
        return web.json_response(run_chart(runs[0][1], runs[0][0]) if len(runs) == 1 else combined_chart(runs))

    async def _upload(self, request: web.Request) -> web.Response:
        """A run's file opened in the page (?name=its file name, for messages): its summary and its chart."""
        from simulation.charts import parse_run, run_chart

        refused = refusal(request)  # what a foreign page could send without a preflight
        if refused is not None:
            return refused
        name = request.query.get("name", "the file")
        try:
            run = parse_run(await request.read(), name)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=422)
        return web.json_response({"summary": {"name": name, **summary(run)},
                                  "chart": run_chart(run, name.removesuffix(SUFFIX))})
