// A SUM model's reads and actions for its page, over JSON-RPC: the page's side of
// contracts/bindings/trainer.py (the same views, AddData events and transactions). Whether a
// refund or report is possible is asked of the contracts: the transaction that would be sent,
// as an eth_call from the chosen account at the pending block (where the wallet's estimate runs),
// answers with the contract's own revert reason.
import { chain } from "./dom.js";
import { Reverted } from "./wallet.js";

// PredictionMarket.sol's MarketPhase, in order.
const MARKET_PHASES = ["new", "initialization", "participation", "reveal test set", "measure", "settle", "reward collect"];
const ADD_DATA = "AddData(int64[],uint64,uint256,address,uint256)";
const ADD_DATA_PACKED = "AddDataPacked(bytes32,uint64,uint256,address,uint256)";
const PACKED_INPUT = "addDataPacked(bytes,uint64)";
const CLAIM_SIGNATURES = { // action -> [for an ABI sample, for a packed one]
  refund: ["refund(int64[],uint64,uint256)", "refundPacked(bytes,uint64,uint256)"],
  report: ["report(int64[],uint64,uint256,address)", "reportPacked(bytes,uint64,uint256,address)"],
};

export class Trainer {
  static async load(address) {
    return new Trainer(address.toLowerCase(), await chain.models.parts(address));
  }

  constructor(address, { classifier, dataHandler, incentive }) {
    this.address = address;
    this.classifier = classifier;
    this.dataHandler = dataHandler;
    this.incentive = incentive;
  }

  // The decoded answer of `signature` at `to`; Reverted with the contract's reason when refused.
  async call(to, signature, args = [], from = undefined, block = "latest") {
    let answer;
    try {
      answer = await chain.rpc.call("eth_call", [{ to, from, data: chain.abis.encode(signature, args) }, block]);
    } catch (error) {
      throw chain.wallet.refusal(error);
    }
    return chain.abis.decode(signature, answer);
  }

  view(to, signature, ...args) {
    return chain.models.view(to, signature, ...args);
  }

  // The list's summary, the trainer's encoder and fixed point, and `mechanism`: the incentive
  // mechanism's waits, owner and totals, or a market's state (the views Trainer.info() reads).
  async info() {
    const [summary, encoder, toFloat] = await Promise.all([
      chain.models.summary(this.address), this.view(this.address, "encoder()"), this.view(this.classifier, "toFloat()")]);
    const im = this.incentive;
    const mechanism = summary.incentive === "prediction market"
      ? await named({
        phase: this.view(im, "phase()").then((phase) => MARKET_PHASES[Number(phase)] ?? `phase ${phase}`),
        minStake: this.view(im, "minStake()"), allowGreaterDeposit: this.view(im, "allowGreaterDeposit()"),
        revealTimeoutS: this.view(im, "revealTimeoutS()"), totalBounty: this.view(im, "totalBounty()"),
        marketEarliestEnd: this.view(im, "marketEarliestEnd()"), minNumContributions: this.view(im, "minNumContributions()"),
        revealDeadline: this.view(im, "revealDeadline()"),
      })
      : await named({
        refundWaitS: this.view(im, "refundWaitTimeS()"), ownerClaimWaitS: this.view(im, "ownerClaimWaitTimeS()"),
        anyAddressClaimWaitS: this.view(im, "anyAddressClaimWaitTimeS()"), modelOwner: this.view(im, "modelOwner()"),
        costWeight: this.view(im, "costWeight()"), totalGood: this.view(im, "totalGoodDataCount()"),
      });
    return { ...summary, encoder, toFloat: Number(toFloat), mechanism };
  }

  // The account's own numbers as the incentive mechanism keeps them: its contributions and those
  // refunded as good (a Points64 model's points), and a market's stake and balance to collect.
  async yours(account, kind) {
    const [numValid, numSubmitted] = await this.call(this.incentive, "addressStats(address)", [account]);
    if (kind !== "prediction market") return { numValid, numSubmitted };
    return { numValid, numSubmitted, ...await named({
      stake: this.view(this.incentive, "stakeOf(address)", account),
      toCollect: this.view(this.incentive, "marketBalances(address)", account),
    }) };
  }

  async predict(sample) {
    const [prediction] = await this.call(this.classifier, "predict(int64[])", [sample]);
    return Number(prediction);
  }

  async nextCost() {
    return BigInt(await this.view(this.incentive, "getNextAddDataCost()"));
  }

  // addData with the deposit the incentive mechanism asks now (the trainer returns any excess).
  async addData(sample, label) {
    const value = await this.nextCost();
    const sent = await chain.wallet.send("addData", { to: this.address, data: chain.abis.encode("addData(int64[],uint64)", [sample, label]), value });
    const log = sent.receipt.logs.find((entry) => entry.address.toLowerCase() === this.address && entry.topics[0] === chain.abis.topic(ADD_DATA));
    return { ...sent, contribution: log ? await this.contribution(log) : null };
  }

  // {to, data} of a refund or a report of contribution `c`, packed or not as it was added.
  claim(action, c) {
    const [abi, packed] = CLAIM_SIGNATURES[action];
    const args = [c.packed ? c.packedData : c.sample, c.label, c.time, ...(action === "report" ? [c.sender] : [])];
    return { to: this.address, data: chain.abis.encode(c.packed ? packed : abi, args) };
  }

  // Why `account` cannot send this claim now (the contract's reason), or null when it can.
  async refusal(action, c, account) {
    try {
      await chain.rpc.call("eth_call", [{ from: account, ...this.claim(action, c) }, "pending"]);
      return null;
    } catch (error) {
      const refusal = chain.wallet.refusal(error);
      if (refusal instanceof Reverted) return refusal.reason;
      throw refusal;
    }
  }

  // Send the claim; {hash, gasUsed, amount}: what the incentive mechanism's Refund or Report
  // event says it paid (Points64 names only the recipient: null).
  async send(action, c) {
    const sent = await chain.wallet.send(action, this.claim(action, c));
    const paid = sent.receipt.logs.filter((log) => log.address.toLowerCase() === this.incentive)
      .map((log) => chain.abis.decodeLog(log)).find((event) => event && ["Refund", "Report"].includes(event.name));
    return { ...sent, amount: paid?.args.find((arg) => arg.name === "amount")?.value ?? null };
  }

  // Every contribution, oldest first: the AddData and AddDataPacked events (a packed sample
  // read back from its transaction's input), with what the data handler still holds of each.
  async contributions() {
    const logs = await chain.rpc.call("eth_getLogs", [{ address: this.address, fromBlock: "0x0", toBlock: "latest",
      topics: [[chain.abis.topic(ADD_DATA), chain.abis.topic(ADD_DATA_PACKED)]] }]);
    return Promise.all(logs.map((log) => this.contribution(log)));
  }

  async contribution(log) {
    const event = Object.fromEntries(chain.abis.decodeLog(log).args.map((arg) => [arg.name, arg.value]));
    const c = { label: Number(event.c), time: Number(event.t), sender: event.sender.toLowerCase(), cost: event.cost,
      txHash: log.transactionHash, packed: event.key !== undefined, sample: null, packedData: null };
    if (c.packed) {
      c.packedData = await this.packedInput(log.transactionHash);
      c.sample = c.packedData && unpack(c.packedData);
    } else {
      c.sample = [...event.d];
    }
    c.record = await this.record(c, event.key);
    return c;
  }

  // The sample bytes of a direct addDataPacked call; null when sent otherwise (through a contract).
  async packedInput(hash) {
    const tx = await chain.rpc.call("eth_getTransactionByHash", [hash]);
    const trainer = chain.abis.contract("CollaborativeTrainer64");
    if (tx?.to?.toLowerCase() !== this.address || !tx.input.startsWith(trainer.getFunction(PACKED_INPUT).selector)) return null;
    return trainer.decodeFunctionData(PACKED_INPUT, tx.input)[0];
  }

  // {left, claims}: the deposit left to claim and the claims made, from the data handler's views
  // by the record's parts (a packed record by its key, which its event carries).
  async record(c, key) {
    if (c.packed) {
      const [, , , , left, claims] = await this.call(this.dataHandler, "addedData(bytes32)", [key]);
      return { left, claims: Number(claims) };
    }
    const parts = [c.sample, c.label, c.time, c.sender];
    const [[left], [claims]] = await Promise.all([
      this.call(this.dataHandler, "getClaimableAmount(int64[],uint64,uint256,address)", parts),
      this.call(this.dataHandler, "getNumClaims(int64[],uint64,uint256,address)", parts)]);
    return { left, claims: Number(claims) };
  }
}

// {name: promise} -> {name: value}.
async function named(promises) {
  const entries = Object.entries(promises);
  const values = await Promise.all(entries.map(([, promise]) => promise));
  return Object.fromEntries(entries.map(([name], i) => [name, values[i]]));
}

// The packed layout: 8-byte big-endian two's complement int64 per element (trainer.py unpack).
function unpack(hex) {
  const bytes = hex.slice(2);
  return Array.from({ length: bytes.length / 16 }, (_, i) => BigInt.asIntN(64, BigInt("0x" + bytes.slice(i * 16, i * 16 + 16))));
}
