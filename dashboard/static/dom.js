// What every page's views share: building elements (text only: nothing from the chain is HTML),
// the formats of numbers, hashes and times, the page's connection to the chain, and polling it.
import { NodeDown } from "./rpc.js";

// Filled once by app.js's start(): the JSON-RPC client, the contracts' ABIs, the precompiles'
// names, the models on the chain, the wallet that signs.
export const chain = { rpc: null, abis: null, precompiles: {}, models: null, wallet: null };

// How often a page asks the node again: the front page's blocks, the model list, the down banner's probe.
export const POLL_MS = 2000;

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().map((child) => (child instanceof Node ? child : String(child ?? ""))));
  return element;
}

export const number = (hex) => BigInt(hex);
export const link = (route, text) => h("a", { href: `#/${route}` }, text ?? route.split("/").pop());
export const ether = (wei) => `${(Number(wei) / 1e18).toLocaleString("en", { maximumFractionDigits: 6 })} ETH`;
export const table = (head, rows, attributes = {}) => h("table", attributes, h("tr", {}, head.map((name) => h("th", {}, name))), rows);
export const field = (name, ...value) => h("tr", {}, h("th", {}, name), h("td", { class: "mono" }, ...value));
export const short = (hash) => `${hash.slice(0, 10)}…${hash.slice(-6)}`;
export const addressLink = (address) => (address ? link(`address/${address}`, address) : "—");
export const gas = (amount) => Number(amount).toLocaleString("en");
export const isAddress = (text) => /^0x[0-9a-fA-F]{40}$/.test(text);

// A JSON route of the dashboard server: its answer. On an HTTP error, its `error` (the bindings'
// own words) or what the server said instead, thrown as the message the page shows, with the
// HTTP status as the error's `status`.
export async function api(path, options = {}) {
  const response = await fetch(path, options);
  if (response.ok) return response.json();
  const text = await response.text();
  let error = null;
  try {
    error = JSON.parse(text).error ?? null;
  } catch {
    // not JSON: the server's own words below
  }
  throw Object.assign(new Error(error ?? `the dashboard server answered ${response.status}: ${text}`), { status: response.status });
}

export const postJson = (path, body) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

// A box to open a contract's page by its address: `route` is the page's hash before the address.
export function addressForm(id, route, what, button) {
  const form = h("form", { id },
    h("input", { name: "address", placeholder: `0x… ${what}'s address`, "aria-label": `${route} address` }), " ",
    h("button", { type: "submit" }, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/${route}/${form.address.value.trim()}`;
  });
  return form;
}

// A time in chain seconds as UTC, and how far it is from `now` ("in 2 h 5 min", "3 d ago").
export const utc = (seconds) => new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

export function duration(seconds) {
  let left = Math.abs(Number(seconds));
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]]) {
    if (left >= size || (unit === "s" && parts.length === 0)) {
      parts.push(`${Math.floor(left / size)} ${unit}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

export const relative = (seconds, now) => (Number(seconds) >= Number(now)
  ? `in ${duration(Number(seconds) - Number(now))}` : `${duration(Number(now) - Number(seconds))} ago`);

// Calls `refresh` every POLL_MS while `element` is on the page (the first call a period after it is drawn),
// so the rest of the page (a form being filled) stays as it is. A node that does not answer ends it: the
// page is redrawn when the node is back. Another failure shows in `element`, and the polling goes on.
export function refreshWhileShown(element, refresh) {
  const tick = async () => {
    if (!element.isConnected) return;
    try {
      await refresh();
    } catch (error) {
      if (error instanceof NodeDown) return;
      element.replaceChildren(h("p", { class: "error" }, error.message));
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}
