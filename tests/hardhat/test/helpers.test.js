// @nomicfoundation/hardhat-network-helpers against sumchain, unchanged: each helper the
// OpenZeppelin suite uses, and the rest of the package, through Hardhat's own provider.
const { expect } = require("chai");
const hre = require("hardhat");
const helpers = require("@nomicfoundation/hardhat-network-helpers");
const compile = require("../compile");

const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Clock {
    uint256 public ticks;
    event Ticked(uint256 ticks, uint256 time, uint256 number);

    function tick() external {
        ticks += 1;
        emit Ticked(ticks, block.timestamp, block.number);
    }
}

contract Vault {
    address public immutable owner;

    constructor(address owner_) payable {
        owner = owner_;
    }

    function withdraw() external {
        require(msg.sender == owner, "Vault: not the owner");
        payable(msg.sender).transfer(address(this).balance);
    }
}
`;

const OWNER = "0x00000000000000000000000000000000000b0b00";
let artifacts;

async function deployClockAndVault() {
  const [deployer] = await hre.ethers.getSigners();
  const factory = (name) => new hre.ethers.ContractFactory(artifacts[name].abi, artifacts[name].evm.bytecode.object, deployer);
  const clock = await (await factory("Clock").deploy()).waitForDeployment();
  const vault = await (await factory("Vault").deploy(OWNER, { value: hre.ethers.parseEther("1") })).waitForDeployment();
  return { deployer, clock, vault };
}

async function block(tag = "latest") {
  return hre.ethers.provider.getBlock(tag);
}

describe("hardhat-network-helpers on sumchain", function () {
  before(function () {
    artifacts = compile(SOURCE);
  });

  describe("loadFixture and snapshots", function () {
    it("deploys once and hands each test the fixture's state", async function () {
      const { clock } = await helpers.loadFixture(deployClockAndVault);
      await (await clock.tick()).wait();
      expect(await clock.ticks()).to.equal(1n);
    });

    it("restores the fixture for the next test (same addresses, state undone)", async function () {
      const { clock } = await helpers.loadFixture(deployClockAndVault);
      expect(await clock.ticks()).to.equal(0n);
      const again = await helpers.loadFixture(deployClockAndVault);
      expect(await again.clock.getAddress()).to.equal(await clock.getAddress());
    });

    it("takeSnapshot().restore() can be used more than once", async function () {
      const { clock } = await helpers.loadFixture(deployClockAndVault);
      const snapshot = await helpers.takeSnapshot();
      await (await clock.tick()).wait();
      await snapshot.restore();
      expect(await clock.ticks()).to.equal(0n);
      await (await clock.tick()).wait();
      await (await clock.tick()).wait();
      await snapshot.restore();
      expect(await clock.ticks()).to.equal(0n);
    });
  });

  describe("time", function () {
    it("increase(n) makes the next block exactly n seconds after the latest", async function () {
      const { clock } = await helpers.loadFixture(deployClockAndVault);
      const before = await helpers.time.latest();
      const returned = await helpers.time.increase(3600);
      expect(returned).to.equal(before + 3600);
      expect(await helpers.time.latest()).to.equal(before + 3600);
      const receipt = await (await clock.tick()).wait();
      const [, time] = clock.interface.parseLog(receipt.logs[0]).args;
      expect(Number(time)).to.be.greaterThan(before + 3600);
    });

    it("increaseTo and setNextBlockTimestamp set the next block's time", async function () {
      const { clock } = await helpers.loadFixture(deployClockAndVault);
      const target = (await helpers.time.latest()) + 86_400;
      await helpers.time.increaseTo(target);
      expect(await helpers.time.latest()).to.equal(target);
      await helpers.time.setNextBlockTimestamp(target + 100);
      const receipt = await (await clock.tick()).wait();
      expect(clock.interface.parseLog(receipt.logs[0]).args[1]).to.equal(BigInt(target + 100));
    });

    it("latestBlock and duration", async function () {
      expect(await helpers.time.latestBlock()).to.equal(await hre.ethers.provider.getBlockNumber());
      expect(helpers.time.duration.days(2)).to.equal(172_800);
    });

    it("a timestamp not after the latest block is refused", async function () {
      const latest = await helpers.time.latest();
      let refused = null;
      try {
        await helpers.time.setNextBlockTimestamp(latest);
      } catch (error) {
        refused = error;
      }
      expect(refused).to.not.equal(null);
    });
  });

  describe("mining", function () {
    it("mine(n) mines n blocks one second apart", async function () {
      const number = await hre.ethers.provider.getBlockNumber();
      const time = await helpers.time.latest();
      await helpers.mine(10);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(number + 10);
      expect(await helpers.time.latest()).to.be.at.least(time + 10);
    });

    it("mine(n, {interval}) spaces the blocks", async function () {
      await helpers.mine(1);
      await helpers.mine(3, { interval: 60 });
      const head = await block();
      const before = await block(head.number - 1);
      expect(head.timestamp - before.timestamp).to.equal(60);
    });

    it("mineUpTo(n) reaches block n", async function () {
      const target = (await hre.ethers.provider.getBlockNumber()) + 25;
      await helpers.mineUpTo(target);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(target);
    });

    it("dropTransaction removes a pooled transaction", async function () {
      const [sender] = await hre.ethers.getSigners();
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        const tx = await sender.sendTransaction({ to: OWNER, value: 1 });
        expect(await helpers.dropTransaction(tx.hash)).to.equal(true);
        await helpers.mine();
        expect((await block()).transactions).to.deep.equal([]);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
    });
  });

  describe("accounts and state", function () {
    it("impersonateAccount and setBalance let a test act as any address", async function () {
      const { vault } = await helpers.loadFixture(deployClockAndVault);
      await helpers.setBalance(OWNER, hre.ethers.parseEther("10"));
      await helpers.impersonateAccount(OWNER);
      const owner = await hre.ethers.getSigner(OWNER);
      await (await vault.connect(owner).withdraw()).wait();
      expect(await hre.ethers.provider.getBalance(await vault.getAddress())).to.equal(0n);
      await helpers.stopImpersonatingAccount(OWNER);
      let refused = null;
      try {
        await vault.connect(owner).withdraw();
      } catch (error) {
        refused = error;
      }
      expect(refused).to.not.equal(null);
    });

    it("a revert reaches the test as code 3 with the reason and its data", async function () {
      const { vault, deployer } = await helpers.loadFixture(deployClockAndVault);
      let failure = null;
      try {
        await vault.connect(deployer).withdraw.staticCall();
      } catch (error) {
        failure = error;
      }
      expect(failure.code).to.equal(3);
      expect(failure.message).to.equal("execution reverted: Vault: not the owner");
      const [reason] = hre.ethers.AbiCoder.defaultAbiCoder().decode(["string"], "0x" + failure.data.slice(10));
      expect(failure.data.slice(0, 10)).to.equal("0x08c379a0"); // Error(string)
      expect(reason).to.equal("Vault: not the owner");
    });

    it("setCode, setStorageAt, getStorageAt and setNonce", async function () {
      const address = "0x000000000000000000000000000000000000c0de";
      await helpers.setCode(address, "0x6001600055");
      expect(await hre.ethers.provider.getCode(address)).to.equal("0x6001600055");
      await helpers.setStorageAt(address, 7, 42);
      expect(BigInt(await helpers.getStorageAt(address, 7))).to.equal(42n);
      await helpers.setNonce(address, 99);
      expect(await hre.ethers.provider.getTransactionCount(address)).to.equal(99);
    });
  });

  describe("the next block", function () {
    it("setCoinbase, setPrevRandao, setNextBlockBaseFeePerGas and setBlockGasLimit", async function () {
      const coinbase = "0x00000000000000000000000000000000000c0b1e";
      const randao = "0x" + "ab".repeat(32);
      await helpers.setCoinbase(coinbase);
      await helpers.setPrevRandao(randao);
      await helpers.setNextBlockBaseFeePerGas(12_345);
      await helpers.setBlockGasLimit(25_000_000);
      await helpers.mine();
      const mined = await hre.network.provider.send("eth_getBlockByNumber", ["latest", false]);
      expect(mined.miner).to.equal(coinbase);
      expect(mined.mixHash).to.equal(randao);
      expect(BigInt(mined.baseFeePerGas)).to.equal(12_345n);
      expect(BigInt(mined.gasLimit)).to.equal(25_000_000n);
    });
  });

  describe("reset", function () {
    it("reset() returns to the genesis block", async function () {
      await helpers.mine(3);
      await helpers.reset();
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(0);
    });
  });
});
