// #/runs: the simulation runs `sumchain simulate` saved in the dashboard's --runs directory, listed with
// what each holds, and charted with Chart.js as the run's own HTML chart draws it (simulation/charts.py):
// each agent's balance and the model's accuracy over simulated days, the baseline dotted. Ticking several
// runs overlays them as `sumchain simulate combine` does; a run's file can also be opened from disk. The
// server validates the files and computes every series (dashboard/runs.py); this page only draws them.
import { Chart } from "./build/vendor.js";
import { api, h, short, table } from "./dom.js";

const ACCURACY_AXIS_MAX = 105; // the HTML chart's right axis: accuracy in %, with room above 100
let shown = null; // the Chart on the page: destroyed before the next is drawn
let latest = 0; // the latest chart asked for: an older answer still in flight draws nothing

const percent = (fraction) => `${(100 * fraction).toFixed(1)}%`;

function accuracyText(run) {
  const [start, end] = run.accuracy ?? [];
  const baseline = run.baseline === null ? "" : ` (baseline ${percent(run.baseline)})`;
  return run.accuracy ? `${percent(start)} → ${percent(end)}${baseline}` : `not measured${baseline}`;
}

// Each agent's last balance: % of its start, or points under Points64 (they start at 0).
const agentsText = (run) => run.agents.map((agent) => `${agent.good ? "good" : "bad"} ${short(agent.address)}: ${
  run.unit === "points" || !agent.start ? `${agent.end.toLocaleString("en")} ${run.unit}` : percent(agent.end / agent.start)}`).join("; ");

const summaryCells = (run) => [
  h("td", {}, run.dataset ?? "—"), h("td", {}, run.model ?? "—"), h("td", {}, run.incentive ?? "—"),
  h("td", {}, run.days.toFixed(1)), h("td", {}, accuracyText(run)), h("td", {}, agentsText(run))];

const HEAD = ["dataset", "model", "incentive", "days", "accuracy start → end", "agents at the end"];

// The chart's data ({title, left, series}, from simulation/charts.py) as a Chart.js line chart on `canvas`.
function draw(canvas, chart) {
  shown?.destroy();
  const lastDay = chart.series.reduce((most, s) => s.points.reduce((m, [day]) => Math.max(m, day), most), 0);
  const datasets = chart.series.map((s) => ({
    label: s.name,
    // A baseline is a level line across the run's days.
    data: s.baseline === undefined ? s.points.map(([x, y]) => ({ x, y })) : [{ x: 0, y: s.baseline }, { x: lastDay, y: s.baseline }],
    borderColor: s.colour,
    backgroundColor: s.colour,
    borderDash: s.dash ? s.dash.split(" ").map(Number) : [],
    borderWidth: s.axis === "left" ? 1.4 : 1.8,
    pointRadius: 0,
    yAxisID: s.axis === "left" ? "balance" : "accuracy",
  }));
  shown = new Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      animation: false,
      parsing: false,
      maintainAspectRatio: false,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: { type: "linear", min: 0, max: lastDay || undefined, title: { display: true, text: "time (days)" } },
        balance: { position: "left", suggestedMin: 0, suggestedMax: chart.left.includes("%") ? 110 : undefined,
          title: { display: true, text: chart.left } },
        accuracy: { position: "right", min: 0, max: ACCURACY_AXIS_MAX, grid: { drawOnChartArea: false },
          title: { display: true, text: "accuracy on the hidden test set (%)" } },
      },
      plugins: { title: { display: true, text: chart.title }, legend: { position: "bottom", labels: { boxWidth: 28, boxHeight: 2 } } },
    },
  });
}

// Shows `loading`'s chart in `place`, or its error; a newer request wins.
async function showChart(place, loading) {
  const mine = ++latest;
  const message = h("p", { class: "muted" }, "Loading the chart…");
  place.replaceChildren(message);
  let chart;
  try {
    chart = await loading;
  } catch (error) {
    if (mine === latest) message.replaceWith(h("p", { class: "error", id: "run-error" }, error.message));
    return;
  }
  if (mine !== latest) return;
  const canvas = h("canvas", { id: "run-canvas" });
  place.replaceChildren(h("div", { class: "run-chart" }, canvas));
  draw(canvas, chart);
}

function chartTicked(list, place) {
  const names = [...list.querySelectorAll("input.run-pick:checked")].map((box) => box.value);
  if (names.length === 0) {
    shown?.destroy();
    latest++;
    place.replaceChildren(h("p", { class: "muted" }, "Tick a run to chart it; tick several to overlay them."));
    return;
  }
  showChart(place, api(`api/runs/chart?${names.map((name) => `run=${encodeURIComponent(name)}`).join("&")}`));
}

// The upload box: the file is posted as it is and checked by the same rules as a saved run; it is
// charted alone, so the ticks in `list` (if any) are cleared.
function uploadBox(place, list = null) {
  const input = h("input", { type: "file", id: "run-file", accept: ".json,application/json", "aria-label": "a simulation run's file" });
  const about = h("div", { id: "uploaded" });
  input.addEventListener("change", () => {
    const [file] = input.files;
    if (!file) return;
    for (const box of list?.querySelectorAll("input.run-pick") ?? []) box.checked = false;
    about.replaceChildren();
    const loading = file.arrayBuffer()
      .then((body) => api(`api/runs/upload?name=${encodeURIComponent(file.name)}`, { method: "POST", headers: { "Content-Type": "application/json" }, body }))
      .then((answer) => {
        about.replaceChildren(table(HEAD, h("tr", { class: "uploaded-row" }, summaryCells(answer.summary))));
        return answer.chart;
      }, (error) => {
        throw new Error(error.status === 413 ? `${file.name} is larger than the dashboard takes in one request: save it in the --runs directory instead.` : error.message);
      });
    showChart(place, loading);
  });
  return [h("p", {}, "Open a ", h("code", {}, "-simulation_data.json"), " from disk: ", input), about];
}

export async function runs() {
  const listing = await api("api/runs");
  const place = h("div", { id: "run-chart" });
  const head = [h("h1", {}, "Simulation runs"),
    h("p", { class: "muted" }, `Saved by \`sumchain simulate\` in ${listing.directory} (the dashboard's --runs DIR), newest first.`)];
  if (listing.error) return [...head, h("p", { class: "error", id: "runs-missing" }, listing.error), h("h2", {}, "A run from disk"), ...uploadBox(place), place];
  const rows = listing.runs.map((run) => (run.error
    ? h("tr", { class: "run-row broken" }, h("td", {}), h("td", { class: "mono" }, run.name), h("td", { class: "error", colspan: HEAD.length }, run.error))
    : h("tr", { class: "run-row" }, h("td", {}, h("input", { type: "checkbox", class: "run-pick", value: run.name, "aria-label": `chart ${run.name}` })),
      h("td", { class: "mono" }, run.name), summaryCells(run))));
  const list = table(["chart", "run", ...HEAD], rows, { id: "runs" });
  list.addEventListener("change", () => chartTicked(list, place));
  const newest = list.querySelector("input.run-pick");
  if (newest) newest.checked = true;
  chartTicked(list, place);
  return [...head,
    listing.runs.length ? list : h("p", {}, "No runs saved there yet: `sumchain simulate --out DIR` saves one."),
    place,
    h("h2", {}, "A run from disk"), ...uploadBox(place, list)];
}
