// Compiles every .sol under contracts/ with the pinned npm solc and writes one artifact per
// contract of those sources (imported npm packages such as @openzeppelin/contracts, read from
// node_modules, get none): contracts/build/<ContractName>.json = {abi, bytecode, deployedBytecode} (0x hex),
// sorted keys, two-space indent, trailing newline, so a rebuild of unchanged sources is
// byte-identical. `make contracts` runs it; tests/test_contract_artifacts.py checks it is current.
//
//   node contracts/build.js [--out DIR] [--only FILE.sol ...]
//     DIR defaults to contracts/build. --only compiles just the named sources (their imports are
//     read as needed) and writes their artifacts without removing the others': for working on a few
//     contracts while other sources are mid-edit. `make contracts` always rebuilds everything.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const ROOT = path.resolve(__dirname, "..");
const CONTRACTS = path.join(ROOT, "contracts");
const SETTINGS = {
  evmVersion: "prague",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function sources(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "build" && entry.name !== "node_modules") found.push(...sources(full));
    } else if (entry.name.endsWith(".sol")) {
      found.push(full);
    }
  }
  return found;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
  }
  return value;
}

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const outDir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(CONTRACTS, "build");
  const onlyIndex = args.indexOf("--only");
  let only = null;
  if (onlyIndex >= 0) {
    const rest = args.slice(onlyIndex + 1);
    const end = rest.findIndex((a) => a.startsWith("--"));
    only = (end < 0 ? rest : rest.slice(0, end)).map((f) => path.resolve(f));
  }

  const input = { language: "Solidity", sources: {}, settings: SETTINGS };
  for (const file of only || sources(CONTRACTS)) {
    // Source unit names relative to the repository, with "/": the metadata hash in the
    // bytecode depends on them, so every machine must use the same.
    const name = path.relative(ROOT, file).split(path.sep).join("/");
    input.sources[name] = { content: fs.readFileSync(file, "utf8") };
  }
  // Imports resolve against the repository root ("contracts/lib/VectorMath.sol"), then against
  // node_modules for npm packages ("@openzeppelin/contracts/token/ERC20/ERC20.sol", pinned in
  // package.json). The unit name stays the import path, so artifacts do not depend on where
  // node_modules is.
  const fromPackages = new Set();
  const findImports = (name) => {
    for (const base of [ROOT, path.join(ROOT, "node_modules")]) {
      try {
        const contents = fs.readFileSync(path.join(base, name), "utf8");
        if (base !== ROOT) fromPackages.add(name);
        return { contents };
      } catch (e) {
        // try the next base
      }
    }
    return { error: `not found: ${name} (looked under the repository and node_modules)` };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) process.stderr.write((e.formattedMessage || e.message) + "\n");
  if (errors.length) process.exit(1);

  const artifacts = {};
  const wanted = only && new Set(only.map((f) => path.relative(ROOT, f).split(path.sep).join("/")));
  for (const unit of Object.keys(output.contracts || {}).sort()) {
    if (wanted && !wanted.has(unit)) continue;
    // Artifacts only for our own sources: units read from node_modules (ERC20, IERC20, ...) are
    // compiled into our contracts' bytecode but get no artifact of their own.
    if (fromPackages.has(unit)) continue;
    for (const [name, compiled] of Object.entries(output.contracts[unit])) {
      if (artifacts[name]) {
        process.stderr.write(`two contracts named ${name} (${artifacts[name].unit}, ${unit})\n`);
        process.exit(1);
      }
      artifacts[name] = {
        unit,
        json: {
          abi: compiled.abi,
          bytecode: "0x" + compiled.evm.bytecode.object,
          deployedBytecode: "0x" + compiled.evm.deployedBytecode.object,
        },
      };
    }
  }
  fs.mkdirSync(outDir, { recursive: true });
  if (!only) {
    for (const old of fs.readdirSync(outDir)) {
      if (old.endsWith(".json")) fs.unlinkSync(path.join(outDir, old));
    }
  }
  for (const name of Object.keys(artifacts).sort()) {
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(sortKeys(artifacts[name].json), null, 2) + "\n");
  }
  process.stdout.write(`${Object.keys(artifacts).length} artifacts in ${path.relative(ROOT, outDir) || outDir}\n`);
}

main();
