"""The Hardhat/Anvil setters of the blocks to come, dropTransaction and reset, over JSON-RPC."""
from __future__ import annotations

import pytest

from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas

from node.chain import Chain

ALICE = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
BOB = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
MINER = "0x" + "c0" * 20
RANDAO = "0x" + "5e" * 32
# COINBASE, BASEFEE, PREVRANDAO and GASLIMIT stored in slots 0..3.
READS_THE_BLOCK = "0x415f554860015544600255456003550000"


def latest(rpc) -> dict:
    return rpc("eth_getBlockByNumber", "latest", False)["result"]


def test_coinbase_applies_to_every_later_block_and_gets_the_tips(rpc):
    assert rpc("hardhat_setCoinbase", MINER)["result"] is None
    rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1", "maxPriorityFeePerGas": "0x2"})
    assert latest(rpc)["miner"] == MINER
    assert int(rpc("eth_getBalance", MINER, "latest")["result"], 16) == 21_000 * 2
    rpc("evm_mine")
    assert latest(rpc)["miner"] == MINER


def test_block_gas_limit_is_the_next_blocks_and_inherited(rpc):
    assert rpc("evm_setBlockGasLimit", hex(1_000_000))["result"] is True
    error = rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "gas": hex(2_000_000)})["error"]
    assert error["code"] == -32000 and "exceeds block gas limit" in error["message"]
    rpc("evm_mine")
    rpc("evm_mine")
    assert latest(rpc)["gasLimit"] == hex(1_000_000)
    assert rpc("anvil_setBlockGasLimit", hex(20_000))["error"]["message"] == (
        "gas limit must be from 21000 to 9223372036854775807, got 20000")


def test_base_fee_and_prev_randao_are_the_next_blocks_only(rpc, chain):
    assert rpc("hardhat_setNextBlockBaseFeePerGas", hex(8 * 10**9))["result"] is None
    assert rpc("hardhat_setPrevRandao", RANDAO)["result"] is None
    assert chain.next_base_fee() == 8 * 10**9
    rpc("evm_mine")
    block = latest(rpc)
    assert (int(block["baseFeePerGas"], 16), block["mixHash"]) == (8 * 10**9, RANDAO)
    rpc("evm_mine")
    following = latest(rpc)
    assert following["mixHash"] != RANDAO
    assert int(following["baseFeePerGas"], 16) == 7 * 10**9  # EIP-1559 from 8 gwei after an empty block
    error = rpc("hardhat_setPrevRandao", "0x01")["error"]
    assert error["code"] == -32602


def test_a_block_mined_with_settings_replays_to_the_same_values(rpc):
    """debug_traceTransaction rebuilds the block's start: it must see the block's own coinbase,
    base fee, PREVRANDAO and gas limit, not the defaults."""
    contract = "0x" + "77" * 20
    rpc("anvil_setCode", contract, READS_THE_BLOCK)
    rpc("anvil_setCoinbase", MINER)
    rpc("anvil_setNextBlockBaseFeePerGas", hex(3 * 10**9))
    rpc("hardhat_setPrevRandao", RANDAO)
    rpc("evm_setBlockGasLimit", hex(25_000_000))
    tx_hash = rpc("eth_sendTransaction", {"from": ALICE, "to": contract, "gas": hex(200_000)})["result"]
    stored = [rpc("eth_getStorageAt", contract, hex(slot), "latest")["result"] for slot in range(4)]
    assert [int(value, 16) for value in stored] == [int(MINER, 16), 3 * 10**9, int(RANDAO, 16), 25_000_000]
    trace = rpc("debug_traceTransaction", tx_hash, {})["result"]
    receipt = rpc("eth_getTransactionReceipt", tx_hash)["result"]
    assert trace["failed"] is False and trace["gas"] == int(receipt["gasUsed"], 16)
    seen = [int(step["stack"][-2], 16) for step in trace["structLogs"] if step["op"] == "SSTORE"]
    assert seen == [int(value, 16) for value in stored]


def test_drop_transaction_in_both_answers(rpc):
    rpc("evm_setAutomine", False)
    first = rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"})["result"]
    second = rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x2", "nonce": "0x1"})["result"]
    assert rpc("hardhat_dropTransaction", first)["result"] is True
    assert rpc("hardhat_dropTransaction", first)["result"] is False
    assert rpc("anvil_dropTransaction", second)["result"] == second
    assert rpc("anvil_dropTransaction", second)["result"] is None
    assert rpc("txpool_status")["result"] == {"pending": "0x0", "queued": "0x0"}
    rpc("evm_mine")
    assert latest(rpc)["transactions"] == []


def test_reset_returns_to_genesis(rpc):
    genesis = rpc("eth_getBlockByNumber", "0x0", False)["result"]
    rpc("anvil_setBalance", BOB, "0x5")  # a dev edit of the genesis state itself
    snapshot = rpc("evm_snapshot")["result"]
    rpc("anvil_mine", "0x5")
    rpc("anvil_setCoinbase", MINER)
    rpc("evm_increaseTime", hex(10**6))
    rpc("hardhat_impersonateAccount", MINER)
    rpc("evm_setAutomine", False)
    rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"})
    assert rpc("hardhat_reset")["result"] is True
    assert rpc("eth_blockNumber")["result"] == "0x0"
    assert rpc("eth_getBlockByNumber", "latest", False)["result"]["hash"] == genesis["hash"]
    assert rpc("eth_getBalance", BOB, "latest")["result"] == hex(10_000 * 10**18)
    assert rpc("txpool_status")["result"] == {"pending": "0x0", "queued": "0x0"}
    assert rpc("evm_revert", snapshot)["result"] is False
    error = rpc("eth_sendTransaction", {"from": MINER, "to": BOB})["error"]
    assert "not impersonated" in error["message"]
    rpc("evm_mine")
    block = latest(rpc)
    assert block["miner"] != MINER and int(block["timestamp"], 16) < int(genesis["timestamp"], 16) + 10**6
    error = rpc("hardhat_reset", {"forking": {"jsonRpcUrl": "http://127.0.0.1:1"}})["error"]
    assert error["code"] == -32602 and "forking is not supported" in error["message"]


def test_metadata_names_the_chain_and_a_new_instance_after_reset(rpc):
    """anvil_metadata, also as hardhat_metadata (hardhat-ethers on localhost sends with a fixed gas
    limit to a node that answers it); the instance id changes on reset, as Hardhat's and Anvil's."""
    rpc("evm_mine")
    metadata = rpc("hardhat_metadata")["result"]
    block = latest(rpc)
    assert metadata == rpc("anvil_metadata")["result"]
    assert (metadata["chainId"], metadata["latestBlockNumber"]) == (31337, int(block["number"], 16))
    assert metadata["latestBlockHash"] == block["hash"]
    assert metadata["clientVersion"] == rpc("web3_clientVersion")["result"]
    rpc("anvil_reset")
    after = rpc("anvil_metadata")["result"]
    assert after["latestBlockNumber"] == 0 and after["instanceId"] != metadata["instanceId"]
    assert len(bytes.fromhex(after["instanceId"][2:])) == 32


# PUSH4 0xdeadbeef PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT: reverts with 0xdeadbeef.
REVERTS = "0x63deadbeef6000526004601cfd"
LOOPS = "0x5b600056"  # JUMPDEST PUSH1 0 JUMP: out of gas


def test_throw_on_transaction_failures_answers_with_the_mined_failure(rpc, chain):
    """Hardhat's throwOnTransactionFailures: the failed transaction is mined all the same; the
    send's error carries Hardhat's data object (message, txHash, the revert data)."""
    reverter, looper = "0x" + "0e" * 20, "0x" + "0f" * 20
    rpc("anvil_setCode", reverter, REVERTS)
    rpc("anvil_setCode", looper, LOOPS)
    assert "result" in rpc("eth_sendTransaction", {"from": ALICE, "to": reverter, "gas": hex(100_000)})  # the default
    chain.throw_on_failures = True
    error = rpc("eth_sendTransaction", {"from": ALICE, "to": reverter, "gas": hex(100_000)})["error"]
    assert (error["code"], error["message"]) == (3, "execution reverted")
    assert error["data"]["data"] == "0xdeadbeef" and error["data"]["message"] == "execution reverted"
    receipt = rpc("eth_getTransactionReceipt", error["data"]["txHash"])["result"]
    assert receipt["status"] == "0x0" and receipt["blockNumber"] == latest(rpc)["number"]
    error = rpc("eth_sendTransaction", {"from": ALICE, "to": looper, "gas": hex(50_000)})["error"]
    assert (error["code"], error["message"], error["data"]["data"]) == (-32000, "out of gas", "0x")
    assert rpc("eth_getTransactionReceipt", error["data"]["txHash"])["result"]["gasUsed"] == hex(50_000)
    assert "result" in rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"})


def test_settings_survive_a_restart(dev_genesis, tmp_path):
    miner = bytes.fromhex(MINER[2:])
    chain = Chain.open(dev_genesis, str(tmp_path))
    chain.set_coinbase(miner)
    chain.set_next_block_base_fee(5)
    chain.close()
    chain = Chain.open(dev_genesis, str(tmp_path))
    try:
        assert chain.next_base_fee() == 5
        block = chain.mine()
        assert block.header.coinbase == miner and block.header.base_fee_per_gas == 5
        assert chain.next_base_fee() == calculate_expected_base_fee_per_gas(block.header)  # used up
        assert chain.mine().header.coinbase == miner  # kept
    finally:
        chain.close()


@pytest.mark.parametrize("method", ["hardhat_setCoinbase", "anvil_setCoinbase"])
def test_setters_check_their_input(rpc, method):
    error = rpc(method, "0x1234")["error"]
    assert error["code"] == -32602


def test_eth_config_describes_the_genesis_fork(rpc, dev_genesis):
    """EIP-7910 on a chain whose forks are all at genesis (Osaka by default)."""
    import zlib

    config = rpc("eth_config")["result"]
    assert (config["next"], config["last"]) == (None, None)
    current = config["current"]
    genesis_hash = bytes.fromhex(rpc("eth_getBlockByNumber", "0x0", False)["result"]["hash"][2:])
    assert current["forkId"] == "0x%08x" % zlib.crc32(genesis_hash)
    assert (current["activationTime"], current["chainId"]) == (0, "0x7a69")
    assert current["blobSchedule"] == {"baseFeeUpdateFraction": 5007716, "max": 9, "target": 6}
    precompiles = current["precompiles"]
    assert precompiles["ECREC"] == "0x" + "00" * 19 + "01"
    assert precompiles["P256VERIFY"] == "0x" + "00" * 18 + "0100"  # Osaka, EIP-7951
    assert precompiles["VDOT"] == "0x" + "00" * 18 + "0501" and precompiles["VSTORE"] == "0x" + "00" * 18 + "0510"
    assert len(precompiles) == 18 + 11
    assert current["systemContracts"]["HISTORY_STORAGE_ADDRESS"] == "0x0000f90827f1c53a10cb7a02335b175320002935"
    assert set(current["systemContracts"]) == {
        "BEACON_ROOTS_ADDRESS", "CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS", "DEPOSIT_CONTRACT_ADDRESS",
        "HISTORY_STORAGE_ADDRESS", "WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS"}


def test_eth_config_of_cancun_and_without_the_ml_precompiles(dev_genesis):
    from dataclasses import replace

    from rpc.methods import Api
    from node.mining import Miner

    for hardfork, ml, count in (("cancun", True, 10 + 11), ("prague", False, 17)):
        chain = Chain.open(replace(dev_genesis, hardfork=hardfork), None, ml_precompiles=ml)
        try:
            current = Api(chain, Miner(chain, 0)).eth_config([])["current"]
        finally:
            chain.close()
        assert len(current["precompiles"]) == count and ("VDOT" in current["precompiles"]) == ml
        if hardfork == "cancun":
            assert current["blobSchedule"] == {"baseFeeUpdateFraction": 3338477, "max": 6, "target": 3}
            assert list(current["systemContracts"]) == ["BEACON_ROOTS_ADDRESS"]
