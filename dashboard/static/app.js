// The dashboard's single-page app: hash routes, each a view drawn from JSON-RPC answers (the
// explorer, the models); the node's health shown as a banner; the account picker; the
// transactions this page sent, with their gas, at the foot of every page.
import { Abis } from "./abi.js";
import { deployPage } from "./deploy-page.js";
import { POLL_MS, api, chain, h, link } from "./dom.js";
import { account, block, latestBlocks, transaction } from "./explorer.js";
import { MARKET_ROUTE, marketView } from "./market-pages.js";
import { model, modelList } from "./model-pages.js";
import { Models } from "./models.js";
import { NodeDown, Rpc } from "./rpc.js";
import { runs } from "./runs-page.js";
import { Wallet, sentTable } from "./wallet.js";

const view = document.getElementById("view");
const down = document.getElementById("down");
let nodeLabel = ""; // the node the page reads: its URL behind the proxy, else this origin
let poll = null;
let generation = 0; // of the latest render: an older one still in flight draws nothing

// ------------------------------------------------------------------ routing
const ROUTES = [
  [/^$/, () => latestBlocks(), true],
  [/^block\/(.+)$/, (id) => block(id), false],
  [/^tx\/(.+)$/, (hash) => transaction(hash), false],
  [/^address\/(.+)$/, (address) => account(address), false],
  [/^models$/, () => modelList(), false],
  [/^model\/(.+)$/, (address) => model(address), false],
  [/^deploy$/, () => deployPage(), false],
  [MARKET_ROUTE, (address, id) => marketView(address, id), false],
  [/^runs$/, () => runs(), false],
];

async function render() {
  clearTimeout(poll);
  const path = location.hash.replace(/^#\/?/, "");
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  if (!route) {
    view.replaceChildren(h("p", { class: "error" }, `No page ${location.hash}.`), link("", "latest blocks"));
    return;
  }
  const [pattern, draw, polled] = route;
  const mine = ++generation;
  try {
    const parts = await draw(...path.match(pattern).slice(1).map(decodeURIComponent));
    if (mine === generation) view.replaceChildren(...parts);
  } catch (error) {
    if (!(error instanceof NodeDown) && mine === generation) view.replaceChildren(h("p", { class: "error" }, error.message));
  }
  if (polled && mine === generation && chain.rpc.up) poll = setTimeout(render, POLL_MS);
}

function search(event) {
  event.preventDefault();
  const query = event.target.q.value.trim();
  if (/^\d+$/.test(query)) location.hash = `#/block/${query}`;
  else if (/^0x[0-9a-fA-F]{64}$/.test(query)) location.hash = `#/tx/${query}`;
  else if (/^0x[0-9a-fA-F]{40}$/.test(query)) location.hash = `#/address/${query}`;
  else view.replaceChildren(h("p", { class: "error" }, `"${query}" is not a block number, a transaction hash or an address.`));
}

// The banner follows every answer; while it is up a probe asks the node again until it is back.
function onHealth(up) {
  const wasDown = !down.hidden;
  down.hidden = up;
  if (!up) {
    down.textContent = `The node at ${nodeLabel} does not answer; retrying every ${POLL_MS / 1000} s.`;
    setTimeout(probe, POLL_MS);
  } else if (wasDown) {
    render(); // the page as it is now, polling again
  }
}

async function probe() {
  try {
    await chain.rpc.call("eth_chainId");
  } catch {
    setTimeout(probe, POLL_MS);
  }
}

function drawSent() {
  const section = document.getElementById("sent");
  section.hidden = chain.wallet.sent.length === 0;
  section.replaceChildren(h("h2", {}, "Your transactions"), sentTable(chain.wallet.sent.slice().reverse()));
}

async function drawWallet() {
  await chain.wallet.load();
  document.getElementById("wallet-picker").replaceChildren(chain.wallet.picker());
}

async function start() {
  const [config, abis, precompiles] = await Promise.all(["api/config", "api/abis", "api/precompiles"].map((path) => api(path)));
  const url = new URL(config.rpc, location.href);
  chain.rpc = new Rpc(url.href, onHealth);
  chain.abis = new Abis(abis);
  chain.precompiles = precompiles;
  chain.models = new Models(chain.rpc, chain.abis);
  chain.wallet = new Wallet(chain.rpc, chain.abis);
  chain.wallet.onChange(drawSent);
  nodeLabel = config.upstream ?? url.origin;
  document.getElementById("node").textContent = `JSON-RPC: ${nodeLabel}`;
  document.getElementById("search").addEventListener("submit", search);
  window.addEventListener("hashchange", render);
  render();
  drawWallet().catch((error) => {
    if (!(error instanceof NodeDown)) document.getElementById("wallet-picker").textContent = `no accounts: ${error.message}`;
  });
}

start();
