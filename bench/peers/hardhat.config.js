// `npx hardhat node` needs a config file in its directory; the defaults are what we compare with
// (chain id 31337, automine, the "test test ... junk" accounts).
module.exports = {};
