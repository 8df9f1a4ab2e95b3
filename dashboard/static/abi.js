// ABI encoding and decoding with ethers, over the ABIs of every contract in contracts/build/
// (/dashboard/api/abis): calls by signature ("name(types)"), logs by topic, reverts by selector.
import { ethers } from "./build/vendor.js";

export { ethers };

export class Abis {
  constructor(table) {
    this.contracts = Object.fromEntries(Object.entries(table).map(([name, abi]) => [name, new ethers.Interface(abi)]));
    const fragments = new Map(); // "function name(types)" -> fragment: the first contract's of a shared signature
    this.declaredBy = {}; // event topic -> the contracts that declare it
    for (const [name, contract] of Object.entries(this.contracts)) {
      const add = (kind, fragment) => {
        const key = `${kind} ${fragment.format("sighash")}`;
        if (!fragments.has(key)) fragments.set(key, fragment);
      };
      contract.forEachFunction((fragment) => add("function", fragment));
      contract.forEachError((fragment) => add("error", fragment));
      contract.forEachEvent((fragment) => {
        add("event", fragment);
        (this.declaredBy[fragment.topicHash] ??= []).push(name);
      });
    }
    this.all = new ethers.Interface([...fragments.values()]);
  }

  // The Interface of one contract of contracts/build/ by its name.
  contract(name) {
    const found = this.contracts[name];
    if (!found) throw new Error(`no contract ${name} in contracts/build`);
    return found;
  }

  encode(signature, args = []) {
    return this.all.encodeFunctionData(signature, args);
  }

  decode(signature, data) {
    return this.all.decodeFunctionResult(signature, data);
  }

  topic(signature) {
    return this.all.getEvent(signature).topicHash;
  }

  // {name, signature, contracts, args: [{name, type, indexed, value}]}, or null for an unknown event.
  decodeLog(log) {
    const parsed = this.all.parseLog(log);
    if (!parsed) return null;
    const { fragment } = parsed;
    return {
      name: fragment.name, signature: fragment.format("sighash"), contracts: this.declaredBy[parsed.topic],
      args: fragment.inputs.map((input, i) => ({ name: input.name, type: input.type, indexed: input.indexed, value: parsed.args[i] })),
    };
  }

  // What revert data says: an Error(string)'s reason, a Panic's code, a custom error with its
  // arguments; null when there is none.
  revertReason(data) {
    if (!data || data === "0x") return null;
    let parsed = null;
    try {
      parsed = this.all.parseError(data);
    } catch {
      // data no contract here declares
    }
    if (!parsed) return `unknown error ${data.slice(0, 10)}`;
    if (parsed.signature === "Error(string)") return parsed.args[0];
    if (parsed.signature === "Panic(uint256)") return `panic 0x${parsed.args[0].toString(16)}`;
    return `${parsed.name}(${parsed.args.map(show).join(", ")})`;
  }
}

// A decoded value as text: integers in decimal, arrays in brackets.
export function show(value) {
  if (Array.isArray(value)) return `[${[...value].map(show).join(", ")}]`;
  return String(value);
}
