// The dashboard's single-page app: hash routes (#/, #/block/N, #/tx/HASH, #/address/ADDR), each
// a view drawn from JSON-RPC answers; the node's health shown as a banner.
import { decodeLog, show } from "./abi.js";
import { Models } from "./models.js";
import { NodeDown, Rpc } from "./rpc.js";

const POLL_MS = 2000;
const LATEST = 10; // blocks on the front page
const view = document.getElementById("view");
const down = document.getElementById("down");
let rpc;
let nodeLabel = ""; // the node the page reads: its URL behind the proxy, else this origin
let events = {};
let precompiles = {};
let models;
let poll = null;
let generation = 0; // of the latest render: an older one still in flight draws nothing

// An element with attributes and children (strings become text: nothing from the chain is HTML).
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children.flat().map((child) => (child instanceof Node ? child : String(child ?? ""))));
  return element;
}

const number = (hex) => BigInt(hex);
const link = (route, text) => h("a", { href: `#/${route}` }, text ?? route.split("/").pop());
const ether = (wei) => `${(Number(wei) / 1e18).toLocaleString("en", { maximumFractionDigits: 6 })} ETH`;
const table = (head, rows) => h("table", {}, h("tr", {}, head.map((name) => h("th", {}, name))), rows);
const field = (name, ...value) => h("tr", {}, h("th", {}, name), h("td", { class: "mono" }, ...value));
const short = (hash) => `${hash.slice(0, 10)}…${hash.slice(-6)}`;
const addressLink = (address) => (address ? link(`address/${address}`, address) : "—");

function precompileName(address) {
  const entry = address && precompiles[address.toLowerCase()];
  return entry ? entry.name : null;
}

// ------------------------------------------------------------------ views
async function latestBlocks() {
  const head = number(await rpc.call("eth_blockNumber"));
  const numbers = [];
  for (let n = head; n >= 0n && numbers.length < LATEST; n--) numbers.push(n);
  const blocks = await Promise.all(numbers.map((n) => rpc.call("eth_getBlockByNumber", ["0x" + n.toString(16), false])));
  return [
    h("h1", {}, "Latest blocks"),
    table(["block", "hash", "time", "transactions", "gas used"], blocks.map((block) => h("tr", { class: "block-row" },
      h("td", {}, link(`block/${number(block.number)}`, number(block.number))),
      h("td", { class: "hash" }, short(block.hash)),
      h("td", {}, new Date(Number(number(block.timestamp)) * 1000).toISOString().replace(".000Z", "Z")),
      h("td", {}, block.transactions.length),
      h("td", {}, number(block.gasUsed).toLocaleString("en"))))),
  ];
}

async function block(id) {
  const tag = /^\d+$/.test(id) ? "0x" + BigInt(id).toString(16) : id;
  const method = tag.length === 66 ? "eth_getBlockByHash" : "eth_getBlockByNumber";
  const found = await rpc.call(method, [tag, true]);
  if (!found) return [h("h1", {}, `Block ${id}`), h("p", { class: "error" }, "No such block.")];
  return [
    h("h1", {}, `Block ${number(found.number)}`),
    h("table", {},
      field("hash", found.hash),
      field("parent", number(found.number) > 0n ? link(`block/${number(found.number) - 1n}`, found.parentHash) : found.parentHash),
      field("time", new Date(Number(number(found.timestamp)) * 1000).toISOString()),
      field("gas used", `${number(found.gasUsed).toLocaleString("en")} of ${number(found.gasLimit).toLocaleString("en")}`),
      field("base fee", found.baseFeePerGas ? number(found.baseFeePerGas).toLocaleString("en") + " wei" : "—")),
    h("h2", {}, `Transactions (${found.transactions.length})`),
    table(["hash", "from", "to", "value"], found.transactions.map((tx) => h("tr", { class: "tx-row" },
      h("td", { class: "hash" }, link(`tx/${tx.hash}`, short(tx.hash))),
      h("td", { class: "mono" }, addressLink(tx.from)),
      h("td", { class: "mono" }, tx.to ? addressLink(tx.to) : "(contract creation)"),
      h("td", {}, ether(number(tx.value)))))),
  ];
}

async function account(address) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return [h("p", { class: "error" }, `${address} is not an address (0x and 40 hex digits).`)];
  const [balance, nonce, code] = await Promise.all([
    rpc.call("eth_getBalance", [address, "latest"]),
    rpc.call("eth_getTransactionCount", [address, "latest"]),
    rpc.call("eth_getCode", [address, "latest"]),
  ]);
  return [
    h("h1", {}, "Account"),
    h("table", { id: "account" },
      field("address", address),
      field("balance", ether(number(balance))),
      field("nonce", number(nonce)),
      field("code", code === "0x" ? "none (an externally owned account)" : `${(code.length - 2) / 2} bytes`)),
  ];
}

function eventView(log) {
  let decoded;
  try {
    decoded = decodeLog(log, events);
  } catch (error) {
    return h("div", { class: "event error" }, `log ${number(log.logIndex)}: cannot decode: ${error.message}`);
  }
  if (!decoded) return h("div", { class: "event" }, h("span", { class: "muted" }, `unknown event ${short(log.topics[0] ?? "0x")}`), " from ", addressLink(log.address));
  return h("div", { class: "event" },
    h("strong", {}, decoded.name), " ", h("span", { class: "muted" }, `(${decoded.contracts.join(", ")})`), " from ", addressLink(log.address),
    h("div", { class: "args" }, decoded.args.map((arg) => h("div", {}, `${arg.name}: ${show(arg.value)}`))));
}

function frameView(frame) {
  const name = precompileName(frame.to);
  const target = name ? `${name} (${frame.to})` : frame.to ?? "(new contract)";
  const gas = `gas ${number(frame.gasUsed ?? "0x0").toLocaleString("en")} of ${number(frame.gas ?? "0x0").toLocaleString("en")}`;
  return h("li", {},
    h("div", { class: name ? "frame precompile" : "frame" },
      h("span", { class: "kind" }, frame.type), h("span", { class: "target mono" }, target), " ",
      h("span", { class: "muted" }, `${gas}, input ${Math.max(0, (frame.input?.length ?? 2) - 2) / 2} bytes`),
      frame.error ? h("span", { class: "failed" }, `${frame.error}${frame.revertReason ? ": " + frame.revertReason : ""}`) : ""),
    frame.calls?.length ? h("ul", {}, frame.calls.map(frameView)) : "");
}

async function traceView(hash) {
  try {
    const root = await rpc.call("debug_traceTransaction", [hash, { tracer: "callTracer" }]);
    return h("ul", { class: "calls", id: "calls" }, frameView(root));
  } catch (error) {
    if (error instanceof NodeDown) throw error;
    return h("p", { class: "muted" }, `No call tree: the node answered ${error.message}`);
  }
}

async function transaction(hash) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return [h("p", { class: "error" }, `${hash} is not a transaction hash (0x and 64 hex digits).`)];
  const [tx, receipt] = await Promise.all([
    rpc.call("eth_getTransactionByHash", [hash]),
    rpc.call("eth_getTransactionReceipt", [hash]),
  ]);
  if (!tx) return [h("h1", {}, "Transaction"), h("p", { class: "error" }, "No such transaction.")];
  const parts = [
    h("h1", {}, "Transaction"),
    h("table", { id: "transaction" },
      field("hash", tx.hash),
      field("block", tx.blockNumber ? link(`block/${number(tx.blockNumber)}`, number(tx.blockNumber)) : "pending"),
      field("from", addressLink(tx.from)),
      field("to", tx.to ? addressLink(tx.to)
        : receipt?.contractAddress ? ["(contract creation: ", addressLink(receipt.contractAddress), ")"] : "(contract creation)"),
      field("value", ether(number(tx.value))),
      field("status", receipt ? (number(receipt.status) === 1n ? "success" : "failed") : "pending"),
      field("gas used", receipt ? number(receipt.gasUsed).toLocaleString("en") : "—"),
      field("input", `${(tx.input.length - 2) / 2} bytes`)),
  ];
  if (!receipt) return parts;
  parts.push(h("h2", {}, `Events (${receipt.logs.length})`), h("div", { id: "events" }, receipt.logs.map(eventView)));
  parts.push(h("h2", {}, "Call tree"), await traceView(hash));
  return parts;
}

function addModelForm() {
  const form = h("form", { id: "add-model" },
    h("input", { name: "address", placeholder: "0x… a CollaborativeTrainer64's address", "aria-label": "model address" }), " ",
    h("button", { type: "submit" }, "Open model"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/model/${form.address.value.trim()}`;
  });
  return form;
}

async function modelList() {
  const addresses = await models.discover();
  const summaries = await Promise.all(addresses.map((address) => models.summary(address)));
  return [
    h("h1", {}, "Models"),
    h("p", { class: "muted" }, "Found on the chain itself: the trainers named as new owners in their parts' OwnershipTransferred logs."),
    summaries.length === 0 ? h("p", {}, "No models on this chain yet: `sumchain model deploy` adds one.")
      : table(["name", "model type", "incentive", "classes", "contributions", "current deposit"], summaries.map((model) => h("tr", { class: "model-row" },
        h("td", {}, link(`model/${model.address}`, model.name)),
        h("td", {}, model.type),
        h("td", {}, model.incentive),
        h("td", {}, model.classes.join(", ")),
        h("td", {}, model.contributions),
        h("td", {}, ether(model.deposit))))),
    h("h2", {}, "A model by its address"),
    addModelForm(),
  ];
}

async function model(address) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return [h("p", { class: "error" }, `${address} is not an address (0x and 40 hex digits).`), addModelForm()];
  const found = await models.summary(address);
  return [
    h("h1", {}, found.name),
    h("p", {}, found.description),
    h("table", { id: "model" },
      field("trainer", addressLink(found.address)),
      field("model type", found.type),
      field("incentive", found.incentive),
      field("classes", found.classes.join(", ")),
      field("contributions", found.contributions),
      field("current deposit", ether(found.deposit))),
  ];
}

// ------------------------------------------------------------------ routing
const ROUTES = [
  [/^$/, () => latestBlocks(), true],
  [/^block\/(.+)$/, (id) => block(id), false],
  [/^tx\/(.+)$/, (hash) => transaction(hash), false],
  [/^address\/(.+)$/, (address) => account(address), false],
  [/^models$/, () => modelList(), false],
  [/^model\/(.+)$/, (address) => model(address), false],
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
  if (polled && mine === generation && rpc.up) poll = setTimeout(render, POLL_MS);
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
    await rpc.call("eth_chainId");
  } catch {
    setTimeout(probe, POLL_MS);
  }
}

async function start() {
  const get = async (path) => (await fetch(path)).json();
  const [config, eventTable, precompileTable, functions] = await Promise.all(
    ["api/config", "api/events", "api/precompiles", "api/functions"].map(get));
  events = eventTable;
  precompiles = precompileTable;
  const url = new URL(config.rpc, location.href);
  rpc = new Rpc(url.href, onHealth);
  models = new Models(rpc, functions, events);
  nodeLabel = config.upstream ?? url.origin;
  document.getElementById("node").textContent = `JSON-RPC: ${nodeLabel}`;
  document.getElementById("search").addEventListener("submit", search);
  window.addEventListener("hashchange", render);
  render();
}

start();
