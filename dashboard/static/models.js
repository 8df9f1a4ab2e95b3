// The SUM models on a chain, found from the chain itself: every deployment hands its classifier,
// data handler and incentive mechanism to its CollaborativeTrainer64 (transferOwnership), so the
// OwnershipTransferred logs name every trainer as a new owner; a candidate is a trainer when its
// three getters answer and each part's owner() is the candidate. Then a model's summary, read
// with the same views the Python bindings use (contracts/bindings/trainer.py).
import { RpcError } from "./rpc.js";

class NotATrainer extends Error {}

export class Models {
  constructor(rpc, abis) {
    this.rpc = rpc;
    this.abis = abis;
    this.ownershipTopic = abis.topic("OwnershipTransferred(address,address)");
  }

  // The view `signature` of `address` with `args`; null when it reverts (a view it does not have).
  async view(address, signature, ...args) {
    let answer;
    try {
      answer = await this.rpc.call("eth_call", [{ to: address, data: this.abis.encode(signature, args) }, "latest"]);
    } catch (error) {
      if (error instanceof RpcError) return null;
      throw error;
    }
    if (answer === "0x") return null; // no code, or a fallback that returns nothing
    try {
      const [value] = this.abis.decode(signature, answer);
      return typeof value === "string" && value.startsWith("0x") && value.length === 42 ? value.toLowerCase() : value;
    } catch {
      return null; // an answer too short for the view: another contract's function
    }
  }

  // The trainers' addresses, in the order they were deployed.
  async discover() {
    const logs = await this.rpc.call("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest", topics: [this.ownershipTopic] }]);
    const candidates = [...new Set(logs.filter((log) => log.topics.length === 3).map((log) => "0x" + log.topics[2].slice(26)))];
    const checked = await Promise.all(candidates.map((address) => this.parts(address).then(() => address, (error) => {
      if (error instanceof NotATrainer) return null; // another contract's new owner: an account, a multisig
      throw error;
    })));
    return checked.filter(Boolean);
  }

  // The trainer's three parts, each owned by it; NotATrainer otherwise.
  async parts(address) {
    const [classifier, dataHandler, incentive] = await Promise.all(
      ["classifier()", "dataHandler()", "incentiveMechanism()"].map((getter) => this.view(address, getter)));
    if (!classifier || !dataHandler || !incentive) throw new NotATrainer(`${address} is not a CollaborativeTrainer64 (no classifier, dataHandler or incentiveMechanism getter)`);
    const owners = await Promise.all([classifier, dataHandler, incentive].map((part) => this.view(part, "owner()")));
    if (owners.some((owner) => owner !== address.toLowerCase())) throw new NotATrainer(`the parts of ${address} are not all owned by it: the deployment is incomplete`);
    return { classifier, dataHandler, incentive };
  }

  // {address, name, description, type, incentive, classes, contributions, deposit}.
  async summary(address) {
    const { classifier, incentive } = await this.parts(address);
    const count = Number(await this.view(classifier, "getNumClassifications()"));
    const [name, description, type, mechanism, contributions, deposit, ...classes] = await Promise.all([
      this.view(address, "name()"),
      this.view(address, "description()"),
      this.modelType(classifier),
      this.incentiveKind(incentive),
      this.view(incentive, "totalSubmitted()"),
      this.view(incentive, "getNextAddDataCost()"),
      ...Array.from({ length: count }, (_, i) => this.view(classifier, "classifications(uint256)", i)),
    ]);
    return { address, name, description, type, incentive: mechanism, classes, contributions, deposit };
  }

  // Told apart by the views only each kind has, in the bindings' order (Trainer.model_type).
  async modelType(classifier) {
    if ((await this.view(classifier, "smoothingFactor()")) !== null) return "naive bayes";
    if ((await this.view(classifier, "getSquaredMagnitude(uint256)", 0)) !== null) return "sparse nearest centroid classifier";
    if ((await this.view(classifier, "learningRate()")) !== null) {
      // Sparse models refuse norm ("Normalization is not required.").
      return (await this.view(classifier, "norm(int64[])", [1_000_000_000])) !== null ? "dense perceptron" : "sparse perceptron";
    }
    if ((await this.view(classifier, "getNumSamples(uint256)", 0)) !== null) return "nearest centroid classifier";
    return "unknown";
  }

  async incentiveKind(mechanism) {
    if ((await this.view(mechanism, "costWeight()")) !== null) return "stakeable";
    return (await this.view(mechanism, "minStake()")) !== null ? "prediction market" : "points";
  }
}
