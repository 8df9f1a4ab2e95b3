// Who signs the page's transactions. By default the node's dev accounts (eth_accounts: the node
// holds their keys and signs eth_sendTransaction); when the page finds an injected EIP-1193 wallet
// (window.ethereum, e.g. MetaMask) the picker offers it too, and it then signs. Either way the
// page estimates first, so a call the contract refuses shows its revert reason before anything
// is signed, and waits for the receipt through the node.
import { h, link, short, gas } from "./dom.js";
import { NodeDown, RpcError } from "./rpc.js";

const INJECTED = "injected";
const RECEIPT_POLL_MS = 100;
const STORED_CHOICE = "sumchain.wallet"; // localStorage: the picker's choice survives a reload

// A transaction the contract refuses (when estimated, or once mined), with its reason.
export class Reverted extends Error {
  constructor(reason, hash = null, gasUsed = null) {
    super(`reverted: ${reason}`);
    this.reason = reason;
    this.hash = hash;
    this.gasUsed = gasUsed;
  }
}

// The gas limit to send with: the estimate plus a tenth (the state may move before it is mined),
// never over `cap` when one is given, as the Python bindings send (contracts/bindings/contract.py gas_limit).
export function gasLimit(estimate, cap = null) {
  const limit = estimate + estimate / 10n;
  return cap !== null && limit > cap ? cap : limit;
}

export class Wallet {
  constructor(rpc, abis) {
    this.rpc = rpc;
    this.abis = abis;
    this.devAccounts = [];
    this.injected = globalThis.ethereum ?? null;
    this.injectedAccount = null;
    this.choice = localStorage.getItem(STORED_CHOICE);
    this.sent = []; // {action, hash, status, gasUsed, error}: every transaction this page sent, newest last
    this.listeners = new Set();
  }

  async load() {
    try {
      this.devAccounts = (await this.rpc.call("eth_accounts")).map((address) => address.toLowerCase());
    } catch (error) {
      if (error instanceof NodeDown) throw error;
      this.devAccounts = []; // a node that holds no keys (a public RPC)
    }
    if (this.choice === INJECTED && this.injected) await this.connectInjected();
    else if (!this.devAccounts.includes(this.choice)) this.choice = this.devAccounts[0] ?? null;
  }

  get account() {
    return this.choice === INJECTED ? this.injectedAccount : this.choice;
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  async choose(choice) {
    this.choice = choice;
    localStorage.setItem(STORED_CHOICE, choice);
    if (choice === INJECTED) await this.connectInjected();
    this.changed();
  }

  async connectInjected() {
    const [account] = await this.injected.request({ method: "eth_requestAccounts" });
    this.injectedAccount = account?.toLowerCase() ?? null;
  }

  // The header's account picker: each dev account, and the injected wallet when there is one.
  picker() {
    const select = h("select", { id: "wallet", "aria-label": "account", onchange: (event) => this.choose(event.target.value) },
      this.devAccounts.map((address, i) => h("option", { value: address, selected: address === this.choice }, `dev ${i}: ${short(address)}`)),
      this.injected ? h("option", { value: INJECTED, selected: this.choice === INJECTED }, "injected wallet (EIP-1193)") : []);
    if (!this.devAccounts.length && !this.injected) return h("span", { id: "wallet", class: "muted" }, "no account: read only");
    return select;
  }

  // Send {to, data, value} from the chosen account as `action`; {hash, receipt, gasUsed}.
  // Reverted when the contract refuses it (estimated, or once mined). With `gas` (a limit the
  // caller estimated, as the deployer does to fit each transaction under the cap) it is not
  // estimated again.
  async send(action, request) {
    const from = this.account;
    if (!from) throw new Error("no account to send from: the node has no dev accounts and no wallet is connected");
    const tx = { from, ...request, value: request.value ? "0x" + BigInt(request.value).toString(16) : "0x0" };
    const entry = { action, hash: null, status: "estimating", gasUsed: null, error: null };
    this.record(entry);
    try {
      tx.gas = request.gas === undefined ? await this.estimate(tx) : "0x" + BigInt(request.gas).toString(16);
      entry.status = "pending";
      entry.hash = this.choice === INJECTED
        ? await this.injected.request({ method: "eth_sendTransaction", params: [tx] })
        : await this.rpc.call("eth_sendTransaction", [tx]);
      this.changed();
      const receipt = await this.receipt(entry.hash);
      entry.gasUsed = BigInt(receipt.gasUsed);
      if (BigInt(receipt.status) !== 1n) throw new Reverted(await this.minedReason(tx, receipt), entry.hash, entry.gasUsed);
      entry.status = "success";
      return { hash: entry.hash, receipt, gasUsed: entry.gasUsed };
    } catch (error) {
      entry.status = "failed";
      entry.error = error.reason ?? error.message;
      throw error;
    } finally {
      this.changed();
    }
  }

  record(entry) {
    this.sent.push(entry);
    this.changed();
  }

  // The gas limit: the node's estimate plus a tenth.
  async estimate(tx) {
    try {
      return "0x" + gasLimit(BigInt(await this.rpc.call("eth_estimateGas", [tx]))).toString(16);
    } catch (error) {
      throw this.refusal(error);
    }
  }

  refusal(error) {
    if (!(error instanceof RpcError)) return error;
    const data = typeof error.data === "string" ? error.data : error.data?.data;
    const reason = this.abis.revertReason(data) ?? error.message.replace(/^execution reverted:?\s*/, "");
    return /revert/i.test(error.message) || data ? new Reverted(reason || "no reason given") : error;
  }

  // Why a mined transaction failed: the same call replayed at its block's parent.
  async minedReason(tx, receipt) {
    const parent = "0x" + (BigInt(receipt.blockNumber) - 1n).toString(16);
    try {
      await this.rpc.call("eth_call", [{ ...tx, gas: undefined }, parent]);
      return "failed once mined (the state moved after it was estimated)";
    } catch (error) {
      const refusal = this.refusal(error);
      return refusal instanceof Reverted ? refusal.reason : refusal.message;
    }
  }

  async receipt(hash) {
    for (;;) {
      const receipt = await this.rpc.call("eth_getTransactionReceipt", [hash]);
      if (receipt) return receipt;
      await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS));
    }
  }
}

// The transactions this page sent, for a page's "Your transactions" table: action, hash, status, gas.
export function sentTable(entries) {
  return h("table", { class: "sent" },
    h("tr", {}, ["action", "transaction", "status", "gas used"].map((name) => h("th", {}, name))),
    entries.map((entry) => h("tr", { class: `sent-row ${entry.status}` },
      h("td", {}, entry.action),
      h("td", { class: "hash" }, entry.hash ? link(`tx/${entry.hash}`, short(entry.hash)) : "—"),
      h("td", {}, entry.error ? `${entry.status}: ${entry.error}` : entry.status),
      h("td", {}, entry.gasUsed === null ? "—" : gas(entry.gasUsed)))));
}
