// The Mocha tests' Solidity, compiled with the npm solc pinned in package.json (Hardhat would
// download a compiler): compile(source) -> {ContractName: {abi, evm: {bytecode: {object}}}}.
const solc = require("solc");

module.exports = function compile(source) {
  const input = {
    language: "Solidity",
    sources: { "Contracts.sol": { content: source } },
    settings: { evmVersion: "prague", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return output.contracts["Contracts.sol"];
};
