"""Hostile input at the JSON-RPC server: deep JSON, huge ids, cross-origin pages, rebound hosts, slow readers."""
from __future__ import annotations

import asyncio
import http.client
import json
import socket
import logging
import urllib.parse

import aiohttp
import pytest

from tests.conftest import RunningNode
from tests.test_cli import NodeProcess, parse_banner

DEPTH = 100_000  # far past any parser's limit: the stdlib C decoder overflowed the C stack on it
DEEP_ARRAYS = "[" * DEPTH
DEEP_OBJECTS = '{"a":' * DEPTH
CHAIN_ID = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
SEND = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction", "params": [
    {"from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "value": "0x1"},
]})
GOOD = "http://good.example"
EVIL = "http://evil.example"


def request(url: str, body: str, headers: dict[str, str], method: str = "POST") -> tuple[int, dict, bytes]:
    """One HTTP request with exactly these headers (http.client adds no Content-Type, and no Host if given)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, "/", body.encode(), headers)
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


def post_json(url: str, body: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    return request(url, body, {"Content-Type": "application/json", **(headers or {})})


def websocket_exchange(ws_url: str, messages: list[str], headers: dict[str, str] | None = None) -> list:
    """The answers to ``messages`` sent over one WebSocket, or the handshake's HTTP status if refused."""
    async def run() -> list:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(ws_url, headers=headers or {}, max_msg_size=0) as ws:
                    answers = []
                    for message in messages:
                        await ws.send_str(message)
                        answers.append(json.loads((await ws.receive(timeout=60)).data))
                    return answers
            except aiohttp.WSServerHandshakeError as error:
                return [error.status]

    return asyncio.run(run())


def error_code(raw: bytes) -> int:
    return json.loads(raw)["error"]["code"]


# ---------------------------------------------------------------- deep JSON

@pytest.fixture
def node_process():
    """A real `sumchain node`: if deep JSON crashed it, the test fails instead of pytest dying with it."""
    process = NodeProcess("--in-memory", "--port", "0")
    url = parse_banner(process.read_banner())["fields"]["JSON-RPC"].split()[0]
    yield process, url, "ws" + url[len("http"):]
    process.kill()


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
def test_deep_json_is_a_parse_error_and_the_node_keeps_serving(node_process, body):
    process, url, ws_url = node_process
    for attempt in range(2):  # twice: a node that survived once must survive again
        status, _, raw = post_json(url, body)
        assert status == 200 and error_code(raw) == -32700, raw[:200]
        assert "depth" in json.loads(raw)["error"]["message"]
    deep, chain_id = websocket_exchange(ws_url, [body, CHAIN_ID])
    assert deep["error"]["code"] == -32700 and chain_id["result"] == "0x7a69"
    assert json.loads(post_json(url, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber"}))[2])["result"] == "0x0"
    assert process.proc.poll() is None, process.stderr


def test_the_depth_limit_is_1024(node):
    """Nesting up to orjson's limit is parsed (then judged as a request); one level more is a parse error."""
    status, _, raw = post_json(node.url, "[" * 1024 + "]" * 1024)
    assert status == 200 and json.loads(raw) == [
        {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request: expected a JSON object"}},
    ]
    assert error_code(post_json(node.url, "[" * 1025 + "]" * 1025)[2]) == -32700
    params = json.loads("[" * 1000 + "]" * 1000)  # deep parameters reach the method (and the debug log) intact
    body = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "eth_chainId", "params": [params]})
    assert json.loads(post_json(node.url, body)[2])["result"] == "0x7a69"


def test_ids_past_64_bits_are_invalid_requests(node):
    """orjson reads integers past 64 bits as floats: such an id is refused, never echoed wrongly or crashed on."""
    for request_id in (2**64 - 1, -(2**63)):
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "eth_chainId"})
        assert json.loads(post_json(node.url, body)[2]) == {"jsonrpc": "2.0", "id": request_id, "result": "0x7a69"}
    for request_id in (2**64, -(2**63) - 1, 10**400):
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "eth_chainId"})
        status, _, raw = post_json(node.url, body)
        answer = json.loads(raw)
        assert status == 200 and answer["id"] is None and answer["error"]["code"] == (-32700 if request_id == 10**400 else -32600), answer
    body = json.dumps({"jsonrpc": "2.0", "id": 2**64, "method": "eth_chainId"})
    assert websocket_exchange(node.ws_url, [body])[0]["error"]["code"] == -32600


def test_answers_orjson_cannot_write_are_written_by_the_stdlib():
    """Ints past 64 bits and nesting past orjson's 254 levels (a callTracer tree of a deep call stack)."""
    from rpc.server import _encode

    deep: list = []
    for _ in range(600):
        deep = [deep]
    assert json.loads(_encode({"big": 2**200, "deep": deep})) == {"big": 2**200, "deep": deep}
    assert json.loads(_encode({"id": 1, "result": "0x1"})) == {"id": 1, "result": "0x1"}
    assert json.loads(_encode({"bug": b"bytes"}))["error"]["code"] == -32603


# ---------------------------------------------------------------- browsers

@pytest.fixture
def guarded(chain):
    running = RunningNode(chain, allow_origin=GOOD)
    yield running
    running.stop()


def test_a_foreign_page_cannot_post(guarded, chain):
    status, _, raw = post_json(guarded.url, SEND, {"Origin": EVIL})
    assert status == 403 and b"origin http://evil.example is not allowed" in raw
    preflight = request(guarded.url, "", {"Origin": EVIL, "Access-Control-Request-Method": "POST"}, method="OPTIONS")
    assert preflight[0] == 403
    # what a page may send without a preflight: text/plain, a form, or a Blob with no type
    for content_type in ("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        for origin in ({}, {"Origin": GOOD}):  # refused for the content type alone
            status, _, raw = request(guarded.url, SEND, {**headers, **origin})
            assert status == 415 and b"only application/json" in raw, (content_type, origin, raw)
    assert chain.head_number == 0  # nothing was sent

    status, headers, raw = post_json(guarded.url, CHAIN_ID, {"Origin": GOOD})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == GOOD and json.loads(raw)["result"] == "0x7a69"
    status, _, raw = request(guarded.url, CHAIN_ID, {"Content-Type": "Application/JSON; charset=utf-8"})  # no Origin: curl, web3.py
    assert status == 200 and json.loads(raw)["result"] == "0x7a69"


def test_a_foreign_page_cannot_open_a_websocket(chain, guarded):
    assert websocket_exchange(guarded.ws_url, [SEND], {"Origin": EVIL}) == [403]
    assert websocket_exchange(guarded.ws_url, [CHAIN_ID], {"Origin": GOOD})[0]["result"] == "0x7a69"
    assert websocket_exchange(guarded.ws_url, [CHAIN_ID])[0]["result"] == "0x7a69"  # no Origin: ethers in Node.js, cast
    assert chain.head_number == 0
    closed = RunningNode(chain, allow_origin=None)  # no --allow-origin: no page at all (WebSocket has no CORS)
    try:
        assert websocket_exchange(closed.ws_url, [SEND], {"Origin": GOOD}) == [403]
        assert websocket_exchange(closed.ws_url, [CHAIN_ID])[0]["result"] == "0x7a69"
    finally:
        closed.stop()
    assert chain.head_number == 0


def test_any_page_with_allow_origin_star(node):
    assert websocket_exchange(node.ws_url, [CHAIN_ID], {"Origin": EVIL})[0]["result"] == "0x7a69"
    assert post_json(node.url, CHAIN_ID, {"Origin": EVIL})[0] == 200


def test_a_loopback_node_answers_only_loopback_host_names(node, chain):
    """DNS rebinding: evil.example re-resolved to 127.0.0.1 makes the page same-origin, but it still says Host: evil.example."""
    port = urllib.parse.urlsplit(node.url).port
    for host in ("evil.example", f"evil.example:{port}", "localhost.evil.example", "127.0.0.1.evil.example", "[::2]:1"):
        status, _, raw = post_json(node.url, SEND, {"Host": host})
        assert status == 403 and raw == b"invalid host specified\n", host
        assert websocket_exchange(node.ws_url, [SEND], {"Host": host}) == [403]
    assert chain.head_number == 0
    for host in ("localhost", f"localhost:{port}", "LOCALHOST:1", "127.0.0.1", f"127.0.0.1:{port}", "127.1.2.3:80", f"[::1]:{port}"):
        status, _, raw = post_json(node.url, CHAIN_ID, {"Host": host})
        assert status == 200 and json.loads(raw)["result"] == "0x7a69", host


# ---------------------------------------------------------------- slow WebSocket readers

def test_a_client_that_stops_reading_is_cut_once_and_logged_once(chain, caplog):
    from rpc.server import WEBSOCKET_QUEUE_LIMIT, Connection

    class StalledSocket:
        """A WebSocket whose client never reads: every send blocks."""

        async def send_str(self, text: str) -> None:
            await asyncio.Event().wait()

    class Transport:
        aborts = 0

        def abort(self) -> None:
            Transport.aborts += 1

    async def flood() -> None:
        connection = Connection(server=None, ws=StalledSocket(), transport=Transport())
        for index in range(WEBSOCKET_QUEUE_LIMIT + 5_000):
            connection.send({"jsonrpc": "2.0", "id": index, "result": "0x0"})
        await asyncio.sleep(0.1)
        await connection.close()

    with caplog.at_level(logging.WARNING, logger="sumchain.rpc"):
        asyncio.run(flood())
    assert [record.getMessage() for record in caplog.records] == [
        f"closing a WebSocket client that fell {WEBSOCKET_QUEUE_LIMIT} messages behind",
    ]
    assert Transport.aborts == 1


def test_a_real_client_that_stops_reading_is_disconnected_with_one_warning(node, caplog):
    """It sends requests with big answers and never reads one: the node hangs up on it, and says so once."""
    unknown_method = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "x" * 1000})  # a 1 kB answer each

    def small_receive_buffer(addr_info) -> socket.socket:
        """A client whose kernel buffer fills at once: the node's send buffer then fills too."""
        family, kind, proto, _, _ = addr_info
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        return sock

    async def flood() -> int:
        connector = aiohttp.TCPConnector(socket_factory=small_receive_buffer)
        async with aiohttp.ClientSession(connector=connector) as session, session.ws_connect(node.ws_url) as ws:
            for sent in range(200_000):
                try:
                    await ws.send_str(unknown_method)
                except ConnectionError:
                    return sent
        pytest.fail("the node never hung up on a client that reads nothing")

    from rpc.server import WEBSOCKET_QUEUE_LIMIT

    with caplog.at_level(logging.WARNING, logger="sumchain.rpc"):
        sent = asyncio.run(asyncio.wait_for(flood(), timeout=60))
    assert sent > WEBSOCKET_QUEUE_LIMIT
    assert [record.getMessage() for record in caplog.records if record.name == "sumchain.rpc"] == [
        f"closing a WebSocket client that fell {WEBSOCKET_QUEUE_LIMIT} messages behind",
    ]
    assert websocket_exchange(node.ws_url, [CHAIN_ID])[0]["result"] == "0x7a69"
