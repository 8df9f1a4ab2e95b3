// What OpenZeppelin's suite relies on when it runs against a node on Hardhat's `localhost`
// network (`npx hardhat test --network localhost`), as against `npx hardhat node`:
// hardhat_metadata answered (hardhat-ethers then sends with a fixed gas limit, no estimates),
// views at "latest" in the latest block's own context, and, with the node started with
// --throw-on-transaction-failures, a mined failure answered with its revert data.
const { expect } = require("chai");
const hre = require("hardhat");
const compile = require("../compile");

const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Race {
    uint256 public a;
    uint256 public b;
    mapping(uint256 => uint256) public extra;

    // Each costs a new storage slot more once the other has run: an estimate made before
    // the other is mined is too low after it (OpenZeppelin's concurrent delegate + transfer).
    function setA() external {
        a = 1;
        if (b != 0) extra[1] = block.number;
    }

    function setB() external {
        b = 1;
        if (a != 0) extra[2] = block.number;
    }
}

contract Clock {
    error TooLate(uint256 number);

    function now_() external view returns (uint256 number, uint256 time) {
        return (block.number, block.timestamp);
    }

    function fail() external view {
        revert TooLate(block.number);
    }
}
`;

let artifacts;

async function deploy(name, signer) {
  const artifact = artifacts[name];
  const factory = new hre.ethers.ContractFactory(artifact.abi, artifact.evm.bytecode.object, signer);
  return (await factory.deploy()).waitForDeployment();
}

describe("sumchain as Hardhat's localhost network", function () {
  before(function () {
    artifacts = compile(SOURCE);
  });

  it("answers hardhat_metadata with its chain and latest block", async function () {
    const metadata = await hre.network.provider.send("hardhat_metadata");
    const latest = await hre.ethers.provider.getBlock("latest");
    expect(metadata.chainId).to.equal(31337);
    expect(metadata.latestBlockNumber).to.equal(latest.number);
    expect(metadata.latestBlockHash).to.equal(latest.hash);
    expect(metadata.instanceId).to.match(/^0x[0-9a-f]{64}$/);
    expect(metadata.clientVersion).to.match(/^anvil\/sumchain\//);
  });

  it("mines two racing transactions whose estimates would be too low", async function () {
    const [first, second] = await hre.ethers.getSigners();
    const race = await deploy("Race", first);
    const [sentA, sentB] = await Promise.all([
      race.connect(first).setA(),
      race.connect(second).setB(),
    ]);
    expect(sentA.gasLimit).to.equal(2n ** 24n); // hardhat-ethers' fixed limit on a Hardhat-like localhost
    const receipts = await Promise.all([sentA.wait(), sentB.wait()]);
    expect(receipts.map((receipt) => receipt.status)).to.deep.equal([1, 1]);
    expect((await race.extra(1)) + (await race.extra(2)) > 0n).to.equal(true); // the second paid for its extra slot
  });

  it("runs a view at latest in the latest block's own number and time", async function () {
    const [signer] = await hre.ethers.getSigners();
    const clock = await deploy("Clock", signer);
    await hre.network.provider.send("evm_increaseTime", [3600]);
    const latest = await hre.ethers.provider.getBlock("latest");
    const [number, time] = await clock.now_();
    expect([number, time]).to.deep.equal([BigInt(latest.number), BigInt(latest.timestamp)]);
    const [pendingNumber, pendingTime] = await clock.now_({ blockTag: "pending" });
    expect(pendingNumber).to.equal(BigInt(latest.number + 1));
    expect(pendingTime >= BigInt(latest.timestamp + 3600)).to.equal(true);
  });

  it("answers a send mined with status 0 with its revert data and hash", async function () {
    const [signer] = await hre.ethers.getSigners();
    const clock = await deploy("Clock", signer);
    const data = clock.interface.encodeFunctionData("fail");
    let failure;
    try {
      await signer.sendTransaction({ to: await clock.getAddress(), data, gasLimit: 100000 });
    } catch (error) {
      failure = error;
    }
    expect(failure, "the send was answered with a hash").to.not.equal(undefined);
    const decoded = clock.interface.parseError(failure.data.data);
    expect(decoded.name).to.equal("TooLate");
    const receipt = await hre.ethers.provider.getTransactionReceipt(failure.data.txHash);
    expect(receipt.status).to.equal(0);
    expect(decoded.args[0]).to.equal(BigInt(receipt.blockNumber));
  });
});
