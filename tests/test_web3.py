"""web3.py against the node: deploy, transact, events, filters, reverts, WebSocket subscriptions."""
from __future__ import annotations

import asyncio

import pytest
from web3 import AsyncWeb3, Web3
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.providers.persistent import WebSocketProvider

from tests.support import compile_contract


@pytest.fixture
def w3(node):
    return Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))


@pytest.fixture
def deployed(w3):
    abi, bytecode = compile_contract("Probe.sol", "Probe")
    tx_hash = w3.eth.contract(abi=abi, bytecode=bytecode).constructor().transact({"from": w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    return w3.eth.contract(address=receipt.contractAddress, abi=abi)


def test_connects_and_reads_the_chain(w3):
    assert w3.is_connected()
    assert w3.eth.chain_id == 31337
    assert w3.eth.accounts[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert w3.eth.get_balance(w3.eth.accounts[0]) == 10_000 * 10**18
    assert w3.client_version.startswith("anvil/sumchain/")
    assert w3.eth.get_block("latest").number == 0


def test_transfer_and_receipt(w3):
    sender, receiver = w3.eth.accounts[:2]
    tx_hash = w3.eth.send_transaction({"from": sender, "to": receiver, "value": w3.to_wei(1, "ether")})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt.status == 1 and receipt.gasUsed == 21_000
    assert w3.eth.get_balance(receiver) == 10_001 * 10**18
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["from"] == sender and tx.blockNumber == receipt.blockNumber
    block = w3.eth.get_block(receipt.blockNumber, full_transactions=True)
    assert block.transactions[0]["hash"] == tx_hash


def test_signed_raw_transaction(w3):
    account = w3.eth.account.from_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    signed = account.sign_transaction({
        "to": w3.eth.accounts[2], "value": 5, "gas": 21_000, "nonce": w3.eth.get_transaction_count(account.address),
        "maxFeePerGas": w3.to_wei(10, "gwei"), "maxPriorityFeePerGas": w3.to_wei(1, "gwei"), "chainId": 31337,
    })
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction), timeout=30)
    assert receipt.status == 1 and receipt["from"] == account.address


def test_contract_calls_events_and_filters(w3, deployed):
    sender = w3.eth.accounts[0]
    event_filter = deployed.events.Stored.create_filter(from_block="latest")
    receipt = w3.eth.wait_for_transaction_receipt(deployed.functions.store(7, 77).transact({"from": sender}), timeout=30)
    assert deployed.functions.values(7).call() == 77
    (event,) = deployed.events.Stored().process_receipt(receipt)
    assert event.args.who == sender and event.args.key == 7 and event.args.value == 77
    assert [e.args.value for e in event_filter.get_new_entries()] == [77]
    assert event_filter.get_new_entries() == []
    logs = deployed.events.Stored.get_logs(from_block=0)
    assert [log.args.key for log in logs] == [7]
    assert deployed.functions.store(8, 1).estimate_gas({"from": sender}) > 21_000


def test_revert_reasons(w3, deployed):
    with pytest.raises(ContractLogicError, match="execution reverted: nope"):
        deployed.functions.fail("nope").call()
    with pytest.raises(ContractCustomError) as custom:
        deployed.functions.failCustom(7).call()
    assert custom.value.data == "0xcb362b34" + (7).to_bytes(32, "big").hex()
    with pytest.raises(ContractLogicError, match="Panic error 0x12"):  # decoded from our revert data
        deployed.functions.divide(1, 0).call()


def test_dev_methods_through_web3(w3):
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    w3.provider.make_request("evm_mine", [])
    assert w3.eth.block_number == 1
    assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True
    assert w3.eth.block_number == 0


def test_websocket_subscriptions(node, deployed):
    sender = deployed.w3.eth.accounts[0]

    async def scenario() -> tuple[list, list]:
        async with AsyncWeb3(WebSocketProvider(node.ws_url)) as aw3:
            heads_id = await aw3.eth.subscribe("newHeads")
            logs_id = await aw3.eth.subscribe("logs", {"address": deployed.address})
            await aw3.eth.send_transaction({"from": sender, "to": deployed.address,
                                            "data": deployed.encode_abi("store", args=[3, 33])})
            heads, logs = [], []
            async for message in aw3.socket.process_subscriptions():
                target = heads if message["subscription"] == heads_id else logs
                target.append(message["result"])
                if heads and logs:
                    break
            assert await aw3.eth.unsubscribe(heads_id)
            return heads, logs

    heads, logs = asyncio.run(asyncio.wait_for(scenario(), timeout=60))
    assert heads[0]["number"] == 2
    assert logs[0]["address"] == deployed.address
