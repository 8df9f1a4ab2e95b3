"""Issue 13: the bounds on what one request may cost (trace size and time, log queries,
filters, anvil_mine), each answered with a clear error while the node keeps serving."""
from __future__ import annotations

import json
import threading
import urllib.request

import pytest

from rpc.filters import MAX_FILTERS
from tests.conftest import RunningNode

EMITTER = "0x00000000000000000000000000000000000e0e0e"
LOOPER = "0x0000000000000000000000000000000000001007"
EMIT_FIVE = "0x" + "60006000a0" * 5 + "00"  # LOG0 with no data, five times
LOOP = "0x5b600056"  # JUMPDEST PUSH1 0 JUMP: runs until its gas is gone


def _client(url):
    def call(method, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())
    return call


@pytest.fixture
def bounded(chain):
    running = RunningNode(chain, max_trace_bytes=200_000, max_log_results=7, call_timeout=0.5)
    yield _client(running.url)
    running.stop()


def _send(rpc, chain, to, gas):
    sender = "0x" + chain.accounts[0].address.hex()
    answer = rpc("eth_sendTransaction", {"from": sender, "to": to, "gas": hex(gas)})
    assert "result" in answer, answer
    return answer["result"]


def test_a_trace_past_its_size_bound_is_refused_and_smaller_ones_answer(bounded, chain):
    assert bounded("anvil_setCode", LOOPER, LOOP)["result"] is None
    tx_hash = _send(bounded, chain, LOOPER, 200_000)
    answer = bounded("debug_traceTransaction", tx_hash)
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"].startswith("trace too large: more than 200000 bytes")
    logs = bounded("debug_traceTransaction", tx_hash, {"limit": 100})["result"]["structLogs"]
    assert len(logs) == 100
    assert bounded("debug_traceTransaction", tx_hash, {"tracer": "callTracer"})["result"]["to"] == LOOPER
    # The same bound holds for a call, and for the call tracer's inputs.
    answer = bounded("debug_traceCall", {"to": LOOPER, "gas": hex(200_000)}, "latest")
    assert answer["error"]["message"].startswith("trace too large")
    answer = bounded("debug_traceCall", {"to": LOOPER, "data": "0x" + "ab" * 150_000}, "latest", {"tracer": "callTracer"})
    assert answer["error"]["message"].startswith("trace too large")
    assert bounded("eth_blockNumber")["result"] == hex(chain.head_number)


def test_traces_of_mined_transactions_have_the_call_time_limit(bounded, chain):
    bounded("anvil_setCode", LOOPER, LOOP)
    tx_hash = _send(bounded, chain, LOOPER, 3_000_000)
    answer = bounded("debug_traceTransaction", tx_hash, {"tracer": "callTracer", "timeout": "1ms"})
    assert answer["error"]["code"] == -32000 and "timeout" in answer["error"]["message"]


def test_log_queries_past_the_result_bound_are_refused(bounded, chain):
    bounded("anvil_setCode", EMITTER, EMIT_FIVE)
    first = chain.head_number + 1
    _send(bounded, chain, EMITTER, 100_000)
    assert len(bounded("eth_getLogs", {"fromBlock": hex(first), "address": EMITTER})["result"]) == 5
    _send(bounded, chain, EMITTER, 100_000)
    answer = bounded("eth_getLogs", {"fromBlock": hex(first), "address": EMITTER})
    assert answer["error"] == {"code": -32000, "message": "query returned more than 7 results; narrow the block range or the filter"}
    filter_id = bounded("eth_newFilter", {"fromBlock": hex(first), "address": EMITTER})["result"]
    assert bounded("eth_getFilterLogs", filter_id)["error"]["message"].startswith("query returned more than 7")


def test_filters_are_bounded_in_number(rpc):
    for start in range(0, MAX_FILTERS, 500):
        for _ in range(start, start + 500):
            assert "result" in rpc("eth_newBlockFilter")
    answer = rpc("eth_newFilter", {})
    assert answer["error"]["code"] == -32005 and "too many filters" in answer["error"]["message"]


def test_filters_share_the_chains_log_entries_and_format_them_when_polled(rpc, chain):
    rpc("anvil_setCode", EMITTER, EMIT_FIVE)
    filters = [rpc("eth_newFilter", {"address": EMITTER})["result"] for _ in range(3)]
    _send(rpc, chain, EMITTER, 100_000)
    polled = [rpc("eth_getFilterChanges", f)["result"] for f in filters]
    assert len(polled[0]) == 5 and polled[0] == polled[1] == polled[2]
    assert polled[0][0]["address"] == EMITTER and polled[0][0]["blockNumber"] == hex(chain.head_number)


def test_anvil_mine_is_bounded_and_lets_reads_through(rpc, chain):
    from node.chain import MAX_MINED_BLOCKS

    answer = rpc("anvil_mine", hex(MAX_MINED_BLOCKS + 1))
    assert answer["error"]["code"] == -32602 and str(MAX_MINED_BLOCKS) in answer["error"]["message"]
    start = chain.head_number
    seen: list[int] = []
    mining = threading.Thread(target=rpc, args=("anvil_mine", hex(2_000)))
    mining.start()
    while mining.is_alive():
        seen.append(int(rpc("eth_blockNumber")["result"], 16))
    mining.join()
    assert chain.head_number == start + 2_000
    assert any(start < number < start + 2_000 for number in seen)


def test_cheap_requests_do_not_queue_behind_expensive_ones(chain):
    """A dozen endless calls (more than the server's threads) and eth_blockNumber is still answered
    before any of them ends."""
    import time

    running = RunningNode(chain, call_timeout=3.0)
    try:
        rpc = _client(running.url)
        rpc("anvil_setCode", LOOPER, LOOP)
        finished: list[float] = []

        def endless_call():
            answer = rpc("eth_call", {"to": LOOPER, "gas": hex(30_000_000)})
            finished.append(time.monotonic())
            assert "timeout" in answer["error"]["message"]

        callers = [threading.Thread(target=endless_call) for _ in range(12)]
        for caller in callers:
            caller.start()
        time.sleep(0.5)  # let them all reach the server
        assert rpc("eth_blockNumber")["result"] == hex(chain.head_number)
        answered = time.monotonic()
        for caller in callers:
            caller.join()
        assert len(finished) == 12 and answered < min(finished)
    finally:
        running.stop()


def test_websocket_subscriptions_are_bounded_per_connection(node, chain):
    import asyncio

    import aiohttp

    from rpc.server import MAX_SUBSCRIPTIONS

    async def run():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(node.ws_url) as ws:
                answers = []
                for first in (0, MAX_SUBSCRIPTIONS):  # a batch holds at most 1,000 requests
                    batch = [{"jsonrpc": "2.0", "id": n, "method": "eth_subscribe", "params": ["newHeads"]}
                             for n in range(first, min(first + 1_000, MAX_SUBSCRIPTIONS + 1))]
                    await ws.send_str(json.dumps(batch))
                    answers += json.loads((await ws.receive(timeout=60)).data)
                return answers

    answers = asyncio.run(run())
    assert sum("result" in answer for answer in answers) == MAX_SUBSCRIPTIONS
    refused = [answer for answer in answers if "error" in answer]
    assert len(refused) == 1 and refused[0]["error"]["code"] == -32005


def test_log_subscriptions_share_one_formatting_per_block(node, chain):
    import asyncio

    import aiohttp

    rpc = _client(node.url)
    rpc("anvil_setCode", EMITTER, EMIT_FIVE)

    async def run():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(node.ws_url) as ws:
                for n in range(3):
                    await ws.send_str(json.dumps({"jsonrpc": "2.0", "id": n, "method": "eth_subscribe",
                                                  "params": ["logs", {"address": EMITTER}]}))
                    assert "result" in json.loads((await ws.receive(timeout=60)).data)
                await asyncio.get_running_loop().run_in_executor(None, _send, rpc, chain, EMITTER, 100_000)
                received = [json.loads((await ws.receive(timeout=60)).data) for _ in range(15)]
                return received

    received = asyncio.run(run())
    by_subscription: dict[str, list] = {}
    for message in received:
        by_subscription.setdefault(message["params"]["subscription"], []).append(message["params"]["result"])
    assert len(by_subscription) == 3
    first, second, third = by_subscription.values()
    assert len(first) == 5 and first == second == third
