// A Hardhat 2 project whose networks are a running sumchain node (tests/test_hardhat_helpers.py
// starts one and passes its URL). Nothing is compiled by Hardhat (it would download solc): the
// tests compile their contract with the npm solc pinned in package.json.
require("@nomicfoundation/hardhat-ethers");

module.exports = {
  networks: {
    sumchain: { url: process.env.SUMCHAIN_URL || "http://127.0.0.1:8545", timeout: 60_000 },
    // Hardhat's own localhost network (remote accounts), pointed at the test's node.
    localhost: { url: process.env.SUMCHAIN_URL || "http://127.0.0.1:8545", timeout: 60_000 },
  },
  mocha: { timeout: 60_000, reporter: process.env.MOCHA_REPORTER || "spec" },
};
