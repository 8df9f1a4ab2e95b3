// The chain explorer's views: the latest blocks, a block, an account, and a transaction with its
// receipt, its SUM events decoded and its call tree (debug_traceTransaction's callTracer), where
// the calls into the ML precompiles are named with their gas.
import { show } from "./abi.js";
import { addressLink, chain, field, h, isAddress, link, number, short, table, utc, ether } from "./dom.js";
import { NodeDown } from "./rpc.js";

const LATEST = 10; // blocks on the front page

function precompileName(address) {
  const entry = address && chain.precompiles[address.toLowerCase()];
  return entry ? entry.name : null;
}

export async function latestBlocks() {
  const head = number(await chain.rpc.call("eth_blockNumber"));
  const numbers = [];
  for (let n = head; n >= 0n && numbers.length < LATEST; n--) numbers.push(n);
  const blocks = await Promise.all(numbers.map((n) => chain.rpc.call("eth_getBlockByNumber", ["0x" + n.toString(16), false])));
  return [
    h("h1", {}, "Latest blocks"),
    table(["block", "hash", "time", "transactions", "gas used"], blocks.map((block) => h("tr", { class: "block-row" },
      h("td", {}, link(`block/${number(block.number)}`, number(block.number))),
      h("td", { class: "hash" }, short(block.hash)),
      h("td", {}, utc(number(block.timestamp))),
      h("td", {}, block.transactions.length),
      h("td", {}, number(block.gasUsed).toLocaleString("en"))))),
  ];
}

export async function block(id) {
  const tag = /^\d+$/.test(id) ? "0x" + BigInt(id).toString(16) : id;
  const method = tag.length === 66 ? "eth_getBlockByHash" : "eth_getBlockByNumber";
  const found = await chain.rpc.call(method, [tag, true]);
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

export async function account(address) {
  if (!isAddress(address)) return [h("p", { class: "error" }, `${address} is not an address (0x and 40 hex digits).`)];
  const [balance, nonce, code] = await Promise.all([
    chain.rpc.call("eth_getBalance", [address, "latest"]),
    chain.rpc.call("eth_getTransactionCount", [address, "latest"]),
    chain.rpc.call("eth_getCode", [address, "latest"]),
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
    decoded = chain.abis.decodeLog(log);
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
    const root = await chain.rpc.call("debug_traceTransaction", [hash, { tracer: "callTracer" }]);
    return h("ul", { class: "calls", id: "calls" }, frameView(root));
  } catch (error) {
    if (error instanceof NodeDown) throw error;
    return h("p", { class: "muted" }, `No call tree: the node answered ${error.message}`);
  }
}

export async function transaction(hash) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return [h("p", { class: "error" }, `${hash} is not a transaction hash (0x and 64 hex digits).`)];
  const [tx, receipt] = await Promise.all([
    chain.rpc.call("eth_getTransactionByHash", [hash]),
    chain.rpc.call("eth_getTransactionReceipt", [hash]),
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
