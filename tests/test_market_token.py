"""contracts/market/StakeToken.sol: the bounty market's ERC-20 (OpenZeppelin) and its dev-chain faucet.

Deployed from contracts/build/StakeToken.json on an in-process node, driven with web3.py over JSON-RPC.
"""
from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from node.chain import Chain
from tests.conftest import RunningNode
from tests.sum_support import SumNode, revert_reason

TOKEN = 10**18
LIMIT = 1000 * TOKEN
CLOSED = "StakeToken: faucet closed on this chain"
OVER_LIMIT = "StakeToken: faucet limit is 1000 tokens"
TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")
ZERO = "0x" + "00" * 20


def client(running: RunningNode, chain: Chain) -> SumNode:
    w3 = Web3(Web3.HTTPProvider(running.url, request_kwargs={"timeout": 120}))
    return SumNode("native", w3, [to_checksum_address(account.address) for account in chain.accounts])


@pytest.fixture
def dev(chain, node) -> SumNode:
    """The dev genesis (chain id 31337) behind JSON-RPC."""
    return client(node, chain)


@pytest.fixture
def other_chain(dev_genesis, request):
    """A node whose genesis has another chain id (request.param)."""
    chain = Chain.open(dev_genesis.with_overrides(chain_id=request.param), None)
    running = RunningNode(chain)
    yield client(running, chain)
    running.stop()
    chain.close()


def balances(token, accounts) -> list[int]:
    return [token.functions.balanceOf(account).call() for account in accounts]


def transfers(receipt) -> list[tuple[str, str, int]]:
    """(from, to, value) of each Transfer log in a receipt."""
    found = []
    for log in receipt.logs:
        if bytes(log.topics[0]) == TRANSFER_TOPIC:
            sender, receiver = (to_checksum_address(bytes(topic)[-20:]) for topic in log.topics[1:3])
            found.append((sender, receiver, int.from_bytes(bytes(log.data), "big")))
    return found


def test_metadata_and_initial_supply(dev):
    token, receipt = dev.deploy("StakeToken", 5 * TOKEN)
    assert token.functions.name().call() == "SUM Stake"
    assert token.functions.symbol().call() == "STAKE"
    assert token.functions.decimals().call() == 18
    assert token.functions.FAUCET_LIMIT().call() == LIMIT
    assert token.functions.faucetOpen().call() is True
    assert token.functions.totalSupply().call() == 5 * TOKEN
    assert token.functions.balanceOf(dev.accounts[0]).call() == 5 * TOKEN
    assert transfers(receipt) == [(ZERO, dev.accounts[0], 5 * TOKEN)]


def test_no_initial_supply(dev):
    token, receipt = dev.deploy("StakeToken", 0)
    assert token.functions.totalSupply().call() == 0
    assert transfers(receipt) == []


def test_faucet_mints_to_the_caller_and_emits_transfer(dev):
    token, _ = dev.deploy("StakeToken", 0)
    alice, bob = dev.accounts[1], dev.accounts[2]
    receipt = dev.transact(token.functions.faucet(LIMIT), sender=alice)
    assert receipt.status == 1
    assert transfers(receipt) == [(ZERO, alice, LIMIT)]
    receipt = dev.transact(token.functions.faucet(7), sender=bob)
    assert transfers(receipt) == [(ZERO, bob, 7)]
    # the limit is per call: calling again mints again
    dev.transact(token.functions.faucet(LIMIT), sender=alice)
    assert balances(token, [alice, bob]) == [2 * LIMIT, 7]
    assert token.functions.totalSupply().call() == 2 * LIMIT + 7


def test_faucet_limit(dev):
    token, _ = dev.deploy("StakeToken", 0)
    alice = dev.accounts[1]
    assert revert_reason(token.functions.faucet(LIMIT + 1), alice) == OVER_LIMIT
    assert revert_reason(token.functions.faucet(2**256 - 1), alice) == OVER_LIMIT
    # mined, not only simulated: the transaction fails and nothing is minted
    tx_hash = token.functions.faucet(LIMIT + 1).transact({"from": alice, "gas": 200_000})
    assert dev.w3.eth.wait_for_transaction_receipt(tx_hash).status == 0
    assert token.functions.totalSupply().call() == 0


@pytest.mark.parametrize("other_chain", [1337], indirect=True)
def test_faucet_open_on_1337(other_chain):
    assert other_chain.w3.eth.chain_id == 1337
    token, _ = other_chain.deploy("StakeToken", 0)
    assert token.functions.faucetOpen().call() is True
    receipt = other_chain.transact(token.functions.faucet(TOKEN), sender=other_chain.accounts[1])
    assert transfers(receipt) == [(ZERO, other_chain.accounts[1], TOKEN)]


@pytest.mark.parametrize("other_chain", [1, 11155111], indirect=True)
def test_faucet_closed_on_other_chains(other_chain, request):
    assert other_chain.w3.eth.chain_id == request.node.callspec.params["other_chain"]
    token, _ = other_chain.deploy("StakeToken", 3 * TOKEN)
    assert token.functions.faucetOpen().call() is False
    alice = other_chain.accounts[1]
    # closed comes first: even a small amount, even within the limit
    assert revert_reason(token.functions.faucet(1), alice) == CLOSED
    assert revert_reason(token.functions.faucet(LIMIT + 1), alice) == CLOSED
    tx_hash = token.functions.faucet(1).transact({"from": alice, "gas": 200_000})
    assert other_chain.w3.eth.wait_for_transaction_receipt(tx_hash).status == 0
    # the deployer's initial supply is all there is, and it still moves
    assert token.functions.totalSupply().call() == 3 * TOKEN
    other_chain.transact(token.functions.transfer(alice, TOKEN))
    assert balances(token, [other_chain.accounts[0], alice]) == [2 * TOKEN, TOKEN]


def test_transfer_approve_transfer_from_conserve_balances(dev):
    token, _ = dev.deploy("StakeToken", 0)
    owner, spender, receiver = dev.accounts[1], dev.accounts[2], dev.accounts[3]
    dev.transact(token.functions.faucet(LIMIT), sender=owner)
    people = [owner, spender, receiver]

    receipt = dev.transact(token.functions.transfer(receiver, 100 * TOKEN), sender=owner)
    assert receipt.status == 1 and transfers(receipt) == [(owner, receiver, 100 * TOKEN)]
    assert balances(token, people) == [900 * TOKEN, 0, 100 * TOKEN]

    receipt = dev.transact(token.functions.approve(spender, 50 * TOKEN), sender=owner)
    assert receipt.status == 1
    assert token.functions.allowance(owner, spender).call() == 50 * TOKEN
    receipt = dev.transact(token.functions.transferFrom(owner, receiver, 30 * TOKEN), sender=spender)
    assert receipt.status == 1 and transfers(receipt) == [(owner, receiver, 30 * TOKEN)]
    assert token.functions.allowance(owner, spender).call() == 20 * TOKEN
    assert balances(token, people) == [870 * TOKEN, 0, 130 * TOKEN]

    # over the allowance or the balance: OpenZeppelin's custom errors, nothing moves
    tx_hash = token.functions.transferFrom(owner, receiver, 21 * TOKEN).transact({"from": spender, "gas": 200_000})
    assert dev.w3.eth.wait_for_transaction_receipt(tx_hash).status == 0
    tx_hash = token.functions.transfer(owner, 1).transact({"from": spender, "gas": 200_000})
    assert dev.w3.eth.wait_for_transaction_receipt(tx_hash).status == 0

    assert balances(token, people) == [870 * TOKEN, 0, 130 * TOKEN]
    assert sum(balances(token, people)) == token.functions.totalSupply().call() == LIMIT
