// Solidity standard-JSON compiler: reads the input JSON on stdin, writes the output JSON on stdout.
// It runs the npm package `solc` pinned in package.json, so every machine compiles identically.
const solc = require("solc");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  process.stdout.write(solc.compile(input));
});
