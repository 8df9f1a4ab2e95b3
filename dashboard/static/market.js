// A BountyMarket and its stake token over JSON-RPC, read the way contracts/bindings/market.py reads
// them (a request's state at the pending block's time, which is the clock the contract sees), and
// the dashboard's market routes (dashboard/market.py), which split, commit, score and keep the
// secrets with the Python bindings. Transactions go through chain.wallet.send.
import { ethers } from "./abi.js";
import { api, chain, postJson } from "./dom.js";

// A field of a form the page cannot use; the message names it.
export class FieldError extends Error {}

// A POST to one of the dashboard's market routes; its 400's message is the bindings' own.
export const post = (route, body) => postJson(`api/market/${route}`, body);

export const fetchConfig = () => api("api/market/config");

// A file the user chose, as the base64 the routes take.
export async function fileBase64(input, name) {
  const file = input.files[0];
  if (!file) throw new FieldError(`${name}: choose a file`);
  return ethers.encodeBase64(new Uint8Array(await file.arrayBuffer()));
}

export class BountyMarket {
  constructor(address, config, chainId, token, symbol, decimals, faucet) {
    Object.assign(this, { address: address.toLowerCase(), config, chainId, token, symbol, decimals, faucet });
    this.market = chain.abis.contract("BountyMarket");
    this.stakeToken = chain.abis.contract("StakeToken");
  }

  // The market at `address` and its token; an address without code gets a message saying so.
  static async open(address, config) {
    if ((await chain.rpc.call("eth_getCode", [address, "latest"])) === "0x") {
      throw new Error(`no contract at ${address}: is this the chain the market was deployed on?`);
    }
    const market = chain.abis.contract("BountyMarket");
    const [token] = await view(address, market, "token");
    const stakeToken = chain.abis.contract("StakeToken");
    const [[symbol], [decimals], [open], [limit], chainId] = await Promise.all([
      view(token, stakeToken, "symbol"), view(token, stakeToken, "decimals"), view(token, stakeToken, "faucetOpen"),
      view(token, stakeToken, "FAUCET_LIMIT"), chain.rpc.call("eth_chainId")]);
    return new BountyMarket(address, config, Number(chainId), token.toLowerCase(), symbol, Number(decimals),
      open ? { limit } : null);
  }

  // An amount in whole tokens, for people: "2.5 STAKE".
  tokens(amount) {
    return `${ethers.formatUnits(amount, this.decimals).replace(/\.0$/, "")} ${this.symbol}`;
  }

  // Whole tokens typed in a field (decimals allowed) as the token's units.
  units(text, name) {
    try {
      const value = ethers.parseUnits(text.trim(), this.decimals);
      if (value >= 0n) return value;
    } catch {
      // not a decimal number, or more decimals than the token has
    }
    throw new FieldError(`${name}: not an amount of tokens: "${text}" (a number >= 0, at most ${this.decimals} decimals)`);
  }

  async balance(account) {
    return (await view(this.token, this.stakeToken, "balanceOf", [account]))[0];
  }

  // The time a transaction sent now runs at (Market.now): block.timestamp at `pending`.
  async now() {
    return BigInt(await chain.rpc.call("eth_call", [{ data: this.config.clock }, "pending"]));
  }

  async requestCount() {
    return Number((await view(this.address, this.market, "requestCount"))[0]);
  }

  // A request as stored, with its state now (AwaitingLabels derived from the clock), as Market.request.
  async request(id) {
    const [[stored], [state]] = await Promise.all([
      view(this.address, this.market, "getRequest", [id]),
      view(this.address, this.market, "stateOf", [id], "pending")]);
    return {
      id, requester: stored.requester.toLowerCase(), state: this.config.states[Number(state)],
      active: Number(stored.active), candidate: Number(stored.candidate), testSize: Number(stored.testSize),
      submissionDeadline: stored.submissionDeadline, labelsDeadline: stored.labelsDeadline,
      claimDeadline: stored.claimDeadline, verifyDeadline: stored.verifyDeadline, reward: stored.reward,
      trainerStake: stored.trainerStake, trainingSet: stored.trainingSet, testSet: stored.testSet,
      labelsCommitment: stored.labelsCommitment, context: stored.context, labels: [...stored.labels].map(Number),
    };
  }

  // Its submissions, each with what withdraw would pay it now.
  async submissions(id) {
    const [count] = await view(this.address, this.market, "submissionCount", [id]);
    return Promise.all(Array.from({ length: Number(count) }, async (_, index) => {
      const [[s], [owed]] = await Promise.all([
        view(this.address, this.market, "getSubmission", [id, index]),
        view(this.address, this.market, "owed", [id, index])]);
      return {
        index, trainer: s.trainer.toLowerCase(), correct: Number(s.correct), claimed: s.claimed, cancelled: s.cancelled,
        slashed: s.slashed, settled: s.settled, predictionsCommitment: s.predictionsCommitment, owed,
      };
    }));
  }

  // {index, trainer, model, amount} of a paid request, from its Paid event (Market.winner); or null.
  async winner(id) {
    const logs = await chain.rpc.call("eth_getLogs", [{
      address: this.address, fromBlock: "0x0", toBlock: "latest",
      topics: [this.market.getEvent("Paid").topicHash, ethers.zeroPadValue(ethers.toBeHex(id), 32)],
    }]);
    if (!logs.length) return null;
    const { args } = this.market.parseLog(logs.at(-1));
    return { index: Number(args.index), trainer: args.trainer.toLowerCase(), model: args.model, amount: args.amount };
  }

  // The market's events of a mined transaction, by name: {Paid: [args], ...}.
  events(receipt) {
    const found = {};
    for (const log of receipt.logs.filter((entry) => entry.address.toLowerCase() === this.address)) {
      const parsed = this.market.parseLog(log);
      if (parsed) (found[parsed.name] ??= []).push(parsed.args);
    }
    return found;
  }

  // Send `name(args)` to the market from the chosen account: {hash, receipt, events}.
  async send(name, args) {
    const sent = await chain.wallet.send(name, { to: this.address, data: this.market.encodeFunctionData(name, args) });
    return { ...sent, events: this.events(sent.receipt) };
  }

  async sendToken(name, args) {
    return chain.wallet.send(name, { to: this.token, data: this.stakeToken.encodeFunctionData(name, args) });
  }

  // Let the market pull `amount` from the sender, approving only when needed (Market._allow); a
  // sender without the tokens is told so here rather than by the token's custom error.
  async allow(amount) {
    const me = chain.wallet.account;
    const balance = await this.balance(me);
    if (balance < amount) {
      throw new Error(`${me} has ${this.tokens(balance)}, ${this.tokens(amount)} needed${this.faucet ? " (the market page's faucet mints more)" : ""}`);
    }
    const [allowance] = await view(this.token, this.stakeToken, "allowance", [me, this.address]);
    if (allowance < amount) await this.sendToken("approve", [this.address, amount]);
  }

  // What a reveal needs, kept by the dashboard's secret store for a commitment.
  async secret(kind, commitment) {
    return (await post("secret", { chainId: this.chainId, market: this.address, kind, commitment })).secret;
  }
}

// The view `name(args)` of `contract` (an ethers Interface) at `address`: its decoded answer.
async function view(address, contract, name, args = [], block = "latest") {
  const answer = await chain.rpc.call("eth_call", [{ to: address, data: contract.encodeFunctionData(name, args) }, block]);
  return contract.decodeFunctionResult(name, answer);
}
