"""The JSON-RPC server's behaviour: errors, limits, dev methods, filters, WebSocket, CORS."""
from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request

import aiohttp
import pytest

from tests.conftest import RunningNode
from tests.support import calldata, sign

ALICE = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
BOB = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


def post(url: str, body: bytes | str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_protocol_errors_and_the_server_keeps_serving(node, rpc):
    cases = [
        ("not json", -32700, None),
        ('{"jsonrpc": "2.0", "id": 1}', -32600, 1),
        ('{"jsonrpc": "1.0", "id": 2, "method": "eth_chainId"}', -32600, 2),
        ('"a string"', -32600, None),
        ("[]", -32600, None),
        ('{"jsonrpc": "2.0", "id": 3, "method": "eth_nope", "params": []}', -32601, 3),
        ('{"jsonrpc": "2.0", "id": 4, "method": "eth_getBalance", "params": {"a": 1}}', -32602, 4),
        ('{"jsonrpc": "2.0", "id": [1], "method": "eth_chainId"}', -32600, None),
    ]
    for body, code, request_id in cases:
        status, _, raw = post(node.url, body)
        response = json.loads(raw)
        assert status == 200 and response["error"]["code"] == code, (body, response)
        assert response["id"] == request_id
    assert rpc("eth_chainId")["result"] == "0x7a69"


def test_bad_params_name_the_parameter(rpc):
    cases = [
        ("eth_getBalance", ("0x12", "latest"), "address: expected 20 bytes, got 1"),
        ("eth_getBalance", (ALICE, "tomorrow"), "block: expected a block number"),
        ("eth_getBalance", (), "missing value for required argument 0 (address)"),
        ("eth_getBlockByNumber", ("0x0", "yes"), "hydrated: expected true or false"),
        ("eth_call", ({"to": BOB, "value": "12"},), "transaction.value: expected a hex quantity"),
        ("eth_call", ({"to": BOB, "colour": "red"},), "transaction: unknown field(s) colour"),
        ("eth_sendRawTransaction", ("0xzz",), "transaction: invalid hex data"),
        ("eth_getLogs", ({"topics": ["0x01"]},), "filter.topics[0]: expected 32 bytes"),
        ("eth_getStorageAt", (ALICE, "0x" + "1" * 65), "position"),
    ]
    for method, params, message in cases:
        error = rpc(method, *params)["error"]
        assert error["code"] == -32602 and message in error["message"], (method, error)


def test_quantities_and_data_are_encoded_per_spec(rpc):
    assert rpc("eth_blockNumber")["result"] == "0x0"
    assert rpc("eth_getTransactionCount", ALICE, "latest")["result"] == "0x0"
    block = rpc("eth_getBlockByNumber", "0x0", False)["result"]
    assert block["number"] == "0x0" and block["gasLimit"] == "0x1c9c380"
    assert block["miner"] == "0x" + "00" * 20
    assert all(value == value.lower() for value in block.values() if isinstance(value, str))
    assert rpc("eth_getStorageAt", ALICE, "0x0", "latest")["result"] == "0x" + "00" * 32
    assert rpc("web3_sha3", "0x68656c6c6f")["result"] == "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8"
    assert rpc("eth_getBlockByNumber", "0x5", False)["result"] is None


def test_rejected_and_reverted_transactions(rpc, chain, probe, alice):
    raw = sign(alice.private_key, nonce=5, to=chain.accounts[1].checksum_address, value=10**30)
    error = rpc("eth_sendRawTransaction", "0x" + raw.hex())["error"]
    assert error["code"] == -32000 and "insufficient funds for gas * price + value" in error["message"]
    call = {"from": ALICE, "to": "0x" + probe.hex(), "data": "0x" + calldata("fail(string)", "boom").hex()}
    error = rpc("eth_call", call, "latest")["error"]
    assert error["code"] == 3 and error["message"] == "execution reverted: boom"
    assert error["data"].startswith("0x08c379a0")
    error = rpc("eth_estimateGas", call)["error"]
    assert error["code"] == 3 and error["message"] == "execution reverted: boom"
    custom = dict(call, data="0x" + calldata("failCustom(uint256)", 7).hex())
    error = rpc("eth_call", custom)["error"]
    assert error["message"] == "execution reverted" and error["data"] == "0x" + calldata("Custom(uint256)", 7).hex()


def test_call_gas_cap_and_time_limit(chain, alice):
    burner = b"\x0c" * 20
    chain.set_code(burner, bytes.fromhex("5b600056"))  # JUMPDEST PUSH1 0 JUMP: loops until out of gas
    capped = RunningNode(chain, call_gas_cap=100_000, call_timeout=0.5)
    try:
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": "0x" + burner.hex(), "gas": "0x" + "f" * 15}]}
        response = json.loads(post(capped.url, json.dumps(request))[2])
        assert response["error"]["code"] == -32000 and "out of gas" in response["error"]["message"].lower()
    finally:
        capped.stop()
    slow = RunningNode(chain, call_timeout=0.2)
    try:
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": "0x" + burner.hex()}]}
        response = json.loads(post(slow.url, json.dumps(request))[2])
        assert response["error"]["code"] == -32000 and "timeout" in response["error"]["message"]
    finally:
        slow.stop()


def test_batches_notifications_and_limits(chain):
    limited = RunningNode(chain, max_batch=3, max_request_bytes=4096)
    try:
        batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in range(3)]
        batch.append({"jsonrpc": "2.0", "method": "eth_blockNumber"})  # a notification: no answer
        response = json.loads(post(limited.url, json.dumps(batch[:3]))[2])
        assert [r["id"] for r in response] == [0, 1, 2]
        too_many = json.loads(post(limited.url, json.dumps(batch))[2])
        assert too_many["error"]["code"] == -32600 and "batch too large" in too_many["error"]["message"]
        status, _, body = post(limited.url, json.dumps(batch[3]))
        assert status == 204 and body == b""
        status, _, _ = post(limited.url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"data": "0x" + "00" * 5000}]}))
        assert status == 413
        assert json.loads(post(limited.url, json.dumps(batch[0]))[2])["result"] == "0x0"
    finally:
        limited.stop()


def test_cors(node):
    status, headers, _ = post(node.url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}), {"Origin": "http://dapp.test"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    preflight = urllib.request.Request(node.url, method="OPTIONS", headers={
        "Origin": "http://dapp.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    with urllib.request.urlopen(preflight, timeout=30) as response:
        assert response.status == 204
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_no_cors_unless_allowed(chain):
    from rpc.hosts import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    closed = RunningNode(chain, allow_origin=None)
    try:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"})
        status, headers, _ = post(closed.url, body, {"Origin": "http://dapp.test"})
        assert status == 200 and "Access-Control-Allow-Origin" not in headers
        preflight = urllib.request.Request(closed.url, method="OPTIONS", headers={"Origin": "http://dapp.test"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(preflight, timeout=30)
        assert refused.value.code == 403
    finally:
        closed.stop()


def test_dev_methods_and_their_aliases(rpc, chain):
    assert rpc("evm_mine")["result"] == "0x0"
    assert rpc("anvil_mine", "0x3", "0xc")["result"] is None
    assert rpc("hardhat_mine", "0x2")["result"] is None
    assert rpc("eth_blockNumber")["result"] == "0x6"
    snapshot = rpc("evm_snapshot")["result"]
    rpc("anvil_setBalance", BOB, "0x64")
    rpc("hardhat_setNonce", BOB, "0x9")
    rpc("anvil_setCode", BOB, "0x6001")
    assert rpc("hardhat_setStorageAt", BOB, "0x1", "0x" + "00" * 31 + "2a")["result"] is True
    assert rpc("eth_getBalance", BOB, "latest")["result"] == "0x64"
    assert rpc("eth_getTransactionCount", BOB, "latest")["result"] == "0x9"
    assert rpc("eth_getCode", BOB, "latest")["result"] == "0x6001"
    assert rpc("eth_getStorageAt", BOB, "0x1", "latest")["result"] == "0x" + "00" * 31 + "2a"
    offset = chain.time_offset  # anvil_mine's intervals moved the clock already
    assert rpc("evm_increaseTime", "0xe10")["result"] == hex(offset + 3600)
    rpc("evm_mine")
    assert rpc("evm_revert", snapshot)["result"] is True
    assert rpc("evm_revert", snapshot)["result"] is False
    assert rpc("eth_getBalance", BOB, "latest")["result"] == hex(10_000 * 10**18)
    assert rpc("eth_blockNumber")["result"] == "0x6"
    head = int(rpc("eth_getBlockByNumber", "latest", False)["result"]["timestamp"], 16)
    rpc("evm_setNextBlockTimestamp", hex(head + 1000))
    rpc("evm_mine")
    assert int(rpc("eth_getBlockByNumber", "latest", False)["result"]["timestamp"], 16) == head + 1000
    rpc("evm_mine", hex(head + 2000))
    assert int(rpc("eth_getBlockByNumber", "latest", False)["result"]["timestamp"], 16) == head + 2000
    error = rpc("evm_setNextBlockTimestamp", hex(head))["error"]
    assert error["code"] == -32602 and "not after the latest block" in error["message"]


def test_impersonation_over_rpc(rpc):
    whale = "0x" + "ab" * 20
    rpc("anvil_setBalance", whale, hex(10**18))
    tx = {"from": whale, "to": BOB, "value": "0x1"}
    error = rpc("eth_sendTransaction", tx)["error"]
    assert error["code"] == -32000 and "not impersonated" in error["message"]
    rpc("hardhat_impersonateAccount", whale)
    tx_hash = rpc("eth_sendTransaction", tx)["result"]
    assert rpc("eth_getTransactionReceipt", tx_hash)["result"]["from"] == whale
    assert rpc("eth_getTransactionByHash", tx_hash)["result"]["from"] == whale
    rpc("anvil_stopImpersonatingAccount", whale)
    assert "error" in rpc("eth_sendTransaction", tx)


def test_manual_mining_pool_and_pending(rpc):
    assert rpc("evm_setAutomine", False)["result"] is True
    assert rpc("anvil_getAutomine")["result"] is False
    hashes = [rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": hex(v)})["result"] for v in (1, 2)]
    assert rpc("eth_getTransactionReceipt", hashes[0])["result"] is None
    pending_tx = rpc("eth_getTransactionByHash", hashes[0])["result"]
    assert pending_tx["blockNumber"] is None and pending_tx["blockHash"] is None
    assert rpc("eth_getTransactionCount", ALICE, "pending")["result"] == "0x2"
    assert rpc("txpool_status")["result"] == {"pending": "0x2", "queued": "0x0"}
    content = rpc("txpool_content")["result"]
    assert sorted(content["pending"][ALICE]) == ["0", "1"]
    pending = rpc("eth_getBlockByNumber", "pending", False)["result"]
    assert pending["number"] == "0x1" and pending["transactions"] == hashes and pending["hash"] is None
    inspect = rpc("txpool_inspect")["result"]
    assert inspect["pending"][ALICE]["0"].startswith(f"{BOB}: 1 wei + 21000 gas × ")
    rpc("evm_mine")
    assert rpc("eth_getBlockTransactionCountByNumber", "0x1")["result"] == "0x2"
    assert rpc("txpool_status")["result"] == {"pending": "0x0", "queued": "0x0"}
    assert rpc("evm_setAutomine", True)["result"] is True


def test_filters(rpc, chain, probe, alice):
    probe_hex = "0x" + probe.hex()
    log_filter = rpc("eth_newFilter", {"address": probe_hex})["result"]
    block_filter = rpc("eth_newBlockFilter")["result"]
    pending_filter = rpc("eth_newPendingTransactionFilter")["result"]
    tx_hash = rpc("eth_sendTransaction", {"from": ALICE, "to": probe_hex,
                                          "data": "0x" + calldata("store(uint256,uint256)", 3, 4).hex()})["result"]
    logs = rpc("eth_getFilterChanges", log_filter)["result"]
    assert [entry["transactionHash"] for entry in logs] == [tx_hash]
    assert rpc("eth_getFilterChanges", log_filter)["result"] == []
    head = rpc("eth_getBlockByNumber", "latest", False)["result"]["hash"]
    assert rpc("eth_getFilterChanges", block_filter)["result"] == [head]
    assert rpc("eth_getFilterChanges", pending_filter)["result"] == [tx_hash]
    assert len(rpc("eth_getFilterLogs", log_filter)["result"]) == 1
    assert rpc("eth_uninstallFilter", log_filter)["result"] is True
    assert rpc("eth_uninstallFilter", log_filter)["result"] is False
    assert rpc("eth_getFilterChanges", log_filter)["error"]["message"] == "filter not found"


def test_get_logs_over_rpc(rpc, probe):
    probe_hex = "0x" + probe.hex()
    for key in (1, 2):
        rpc("eth_sendTransaction", {"from": ALICE, "to": probe_hex, "data": "0x" + calldata("store(uint256,uint256)", key, key).hex()})
    logs = rpc("eth_getLogs", {"fromBlock": "earliest", "address": [probe_hex], "topics": [None, None, "0x" + (2).to_bytes(32, "big").hex()]})["result"]
    assert len(logs) == 1 and logs[0]["removed"] is False
    block_hash = logs[0]["blockHash"]
    assert rpc("eth_getLogs", {"blockHash": block_hash})["result"] == logs
    error = rpc("eth_getLogs", {"blockHash": block_hash, "fromBlock": "0x0"})["error"]
    assert error["code"] == -32602


def test_websocket_subscriptions(node, chain, probe):
    async def scenario() -> dict:
        async with aiohttp.ClientSession() as session, session.ws_connect(node.ws_url) as ws:
            seen: dict = {}

            async def call(request_id: int, method: str, *params) -> dict:
                await ws.send_json({"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)})
                while True:
                    message = await ws.receive_json(timeout=30)
                    if message.get("method") == "eth_subscription":  # may come before the answer
                        seen[message["params"]["subscription"]] = message["params"]["result"]
                    elif message.get("id") == request_id:
                        return message
            heads = (await call(1, "eth_subscribe", "newHeads"))["result"]
            logs = (await call(2, "eth_subscribe", "logs", {"address": "0x" + probe.hex()}))["result"]
            pending = (await call(3, "eth_subscribe", "newPendingTransactions"))["result"]
            sent = (await call(4, "eth_sendTransaction", {"from": ALICE, "to": "0x" + probe.hex(),
                                                          "data": "0x" + calldata("store(uint256,uint256)", 1, 2).hex()}))["result"]
            while len(seen) < 3:
                message = await ws.receive_json(timeout=30)
                if message.get("method") == "eth_subscription":
                    seen[message["params"]["subscription"]] = message["params"]["result"]
            assert (await call(5, "eth_unsubscribe", heads))["result"] is True
            assert (await call(6, "eth_unsubscribe", heads))["result"] is False
            return {"heads": seen[heads], "logs": seen[logs], "pending": seen[pending], "sent": sent}

    result = asyncio.run(scenario())
    assert result["pending"] == result["sent"]
    assert result["logs"]["transactionHash"] == result["sent"]
    assert result["heads"]["number"] == hex(chain.head_number)


def test_subscribe_over_http_is_refused(rpc):
    error = rpc("eth_subscribe", "newHeads")["error"]
    assert error["code"] == -32601 and "WebSocket" in error["message"]


def test_many_clients_at_once_and_a_stalled_websocket(node, chain):
    """A WebSocket client that never reads does not hold up HTTP clients or blocks."""
    async def stalled_client(started: threading.Event, done: threading.Event) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(node.ws_url) as ws:
            await ws.send_json({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]})
            started.set()
            while not done.is_set():  # subscribed, but never reads
                await asyncio.sleep(0.05)

    started, done = threading.Event(), threading.Event()
    stalled = threading.Thread(target=lambda: asyncio.run(stalled_client(started, done)))
    stalled.start()
    assert started.wait(30)
    errors: list = []

    def client(index: int) -> None:
        try:
            for _ in range(10):
                body = json.dumps({"jsonrpc": "2.0", "id": index, "method": "eth_sendTransaction",
                                   "params": [{"from": "0x" + chain.accounts[index].address.hex(), "to": BOB, "value": "0x1"}]})
                response = json.loads(post(node.url, body)[2])
                assert "result" in response, response
        except Exception as error:  # collected and asserted below
            errors.append(error)

    clients = [threading.Thread(target=client, args=(i,)) for i in range(2, 8)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    done.set()
    stalled.join(timeout=30)
    assert errors == []
    assert chain.head_number == 60
    assert chain.get_nonce(chain.accounts[5].address) == 10


def test_sign_transaction_returns_raw_bytes_that_send_later(rpc, chain):
    from eth_account import Account

    raw = rpc("eth_signTransaction", {"from": ALICE, "to": BOB, "value": "0x5"})["result"]
    assert chain.head_number == 0  # signed, not sent
    assert Account.recover_transaction(raw).lower() == ALICE
    tx_hash = rpc("eth_sendRawTransaction", raw)["result"]
    assert rpc("eth_getTransactionReceipt", tx_hash)["result"]["status"] == "0x1"
    whale = "0x" + "ab" * 20
    rpc("anvil_impersonateAccount", whale)
    error = rpc("eth_signTransaction", {"from": whale, "to": BOB})["error"]
    assert error["code"] == -32000 and "only dev accounts can sign" in error["message"]
    assert rpc("eth_blobBaseFee")["result"] == "0x1"
