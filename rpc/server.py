"""JSON-RPC 2.0 over HTTP POST and WebSocket, on one aiohttp port.

Every method runs in a worker thread (the chain is synchronous), so a slow
call never stalls the event loop; the methods that execute code or scan the
chain (HEAVY_METHODS) share all but QUICK_WORKERS of the threads and encode
their own answers there, so cheap requests never queue behind them and a
large trace is not serialised on the event loop. WebSocket connections each
have their own bounded send queue, so a slow reader only ever delays itself.

Hostile input costs one error answer, never the node: JSON is parsed by orjson,
whose nesting limit keeps a deep document from overflowing the C stack (py_ecc
raises the recursion limit to 100,000, so the stdlib decoder would segfault
first), and the Host, Origin and Content-Type checks keep web pages the user
visits from calling a node on their machine (docs/rpc.md, "Hostile input and
browsers").
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import orjson
from aiohttp import WSMsgType, hdrs, web

from node.blocks import Block, LogEntry, TransactionLookup
from node.errors import ChainError
from node.transactions import NodeTransaction

from . import codec as c
from .errors import (
    INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, LIMIT_EXCEEDED, METHOD_NOT_FOUND, PARSE_ERROR, RpcError,
    from_chain_error,
)
from .hosts import host_name, is_loopback
from .methods import Api, Limits

log = logging.getLogger("sumchain.rpc")

WEBSOCKET_QUEUE_LIMIT = 10_000  # messages a client may fall behind before it is dropped
MAX_SUBSCRIPTIONS = 1_000  # per WebSocket connection
WORKER_THREADS = 8
QUICK_WORKERS = 2  # threads heavy methods may never take: eth_blockNumber stays answered
HEAVY_METHODS = frozenset({
    "eth_call", "eth_estimateGas", "eth_createAccessList", "eth_getLogs", "eth_getFilterLogs",
    "debug_traceTransaction", "debug_traceCall", "evm_mine", "anvil_mine", "hardhat_mine",
})
JSON_CONTENT_TYPES = ("application/json", "application/json-rpc", "application/jsonrequest")  # geth's


class RpcServer:
    def __init__(self, api: Api, *, allow_origin: str | None = None) -> None:
        self.api = api
        self.limits: Limits = api.limits
        self.allow_origin = allow_origin
        self.handlers: dict[str, Callable[[list], Any]] = api.table()
        self._executor = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="rpc")
        self._heavy_slots = asyncio.Semaphore(WORKER_THREADS - QUICK_WORKERS)
        self._formatted_logs: tuple[bytes, list] = (b"", [])

    def app(self, dashboard: bool = False, runs_dir: str | None = None) -> web.Application:
        """The server's routes; ``dashboard`` mounts the web dashboard at /dashboard/ (same port), charting
        the simulation runs of ``runs_dir`` (its --runs)."""
        app = web.Application(client_max_size=self.limits.max_request_bytes, middlewares=[self._guard, self._cors])
        app.router.add_post("/", self._http)
        app.router.add_get("/", self._websocket)
        app.router.add_route("OPTIONS", "/", self._preflight)
        if dashboard:
            from dashboard.app import dashboard_app, mount

            mount(app, dashboard_app(max_request_bytes=self.limits.max_request_bytes, runs_dir=runs_dir))
        app.on_cleanup.append(self._shutdown)
        return app

    def formatted_logs(self, block: Block) -> list[tuple[LogEntry, dict[str, Any]]]:
        """A block's logs with their JSON, made once for all the subscriptions that send them
        (block listeners run one block at a time, in the mining thread)."""
        if self._formatted_logs[0] != block.hash:
            logs = [(entry, c.format_log(entry)) for receipt in block.receipt_views for entry in receipt.logs]
            self._formatted_logs = (block.hash, logs)
        return self._formatted_logs[1]

    async def _shutdown(self, app: web.Application) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # ------------------------------------------------------------ HTTP
    async def _http(self, request: web.Request) -> web.Response:
        if request.content_type not in JSON_CONTENT_TYPES:  # a missing one reads as application/octet-stream
            # what a page may POST cross-origin without a preflight (text/plain, a form, an untyped Blob)
            return web.Response(status=415, text="invalid content type, only application/json is supported\n")
        response = await self.handle_payload(await request.read())
        if response is None:  # only notifications: nothing to answer
            return web.Response(status=204)
        return web.Response(body=_encode(response), content_type="application/json")

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        """Refuses what a web page could make the user's browser send: a rebound Host, a foreign Origin."""
        if not self._host_allowed(request):
            return web.Response(status=403, text="invalid host specified\n")
        origin = request.headers.get(hdrs.ORIGIN)
        same_origin = origin == f"{request.scheme}://{request.host}"  # the node's own dashboard page
        if origin is not None and not same_origin and not self._origin_allowed(origin, websocket=request.method == "GET"):
            return web.Response(status=403, text=f"origin {origin} is not allowed (see --allow-origin)\n")
        return await handler(request)

    @staticmethod
    def _host_allowed(request: web.Request) -> bool:
        """On a loopback address only loopback names: another name is a page's domain rebound to 127.0.0.1."""
        host_header = request.headers.get(hdrs.HOST)
        sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
        if host_header is None or not sockname or not is_loopback(sockname[0]):
            return True
        return is_loopback(host_name(host_header).lower())

    def _origin_allowed(self, origin: str, *, websocket: bool) -> bool:
        """The --allow-origin page (any with *); with none, no page may open a WebSocket."""
        if self.allow_origin == "*":
            return True
        if self.allow_origin is None:
            # Over HTTP CORS keeps pages out (no CORS headers, refused preflight, JSON-only bodies);
            # a WebSocket upgrade has no CORS, so there every page is refused.
            return not websocket
        return origin.lower() == self.allow_origin.lower()

    @web.middleware
    async def _cors(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        response = await handler(request)
        if self.allow_origin is not None and not response.prepared:
            response.headers["Access-Control-Allow-Origin"] = self.allow_origin
            response.headers["Vary"] = "Origin"
        return response

    async def _preflight(self, request: web.Request) -> web.Response:
        if self.allow_origin is None:
            return web.Response(status=403, text="cross-origin requests are not allowed (see --allow-origin)")
        return web.Response(status=204, headers={
            "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
            "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", "Content-Type"),
            "Access-Control-Max-Age": "600",
        })

    # ------------------------------------------------------------ JSON-RPC
    async def handle_payload(self, raw: bytes | str, connection: "Connection | None" = None) -> Any:
        """The response to one request or a batch (None when nothing is owed)."""
        try:
            payload = orjson.loads(raw)  # nesting deeper than 1,024 is a JSONDecodeError, as is bad UTF-8
        except orjson.JSONDecodeError as error:
            return _error_response(None, RpcError(PARSE_ERROR, f"parse error: {error}"))
        if isinstance(payload, list):
            if not payload:
                return _error_response(None, RpcError(INVALID_REQUEST, "empty batch"))
            if len(payload) > self.limits.max_batch:
                return _error_response(None, RpcError(
                    INVALID_REQUEST, f"batch too large: {len(payload)} requests, at most {self.limits.max_batch}"
                ))
            responses = [await self._handle_one(item, connection) for item in payload]
            return [response for response in responses if response is not None] or None
        return await self._handle_one(payload, connection)

    async def _handle_one(self, item: Any, connection: "Connection | None") -> dict[str, Any] | None:
        if not isinstance(item, dict):
            return _error_response(None, RpcError(INVALID_REQUEST, "invalid request: expected a JSON object"))
        request_id = item.get("id")
        notification = "id" not in item
        if not isinstance(request_id, (str, int, type(None))) or isinstance(request_id, bool):
            # orjson reads an integer past 64 bits as a float, refused like any other fraction
            return _error_response(None, RpcError(
                INVALID_REQUEST, "invalid request: id must be a string, an integer of at most 64 bits, or null"
            ))
        method, params = item.get("method"), item.get("params", [])
        if item.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return _error_response(request_id, RpcError(INVALID_REQUEST, 'invalid request: needs "jsonrpc": "2.0" and a method name'))
        if not isinstance(params, list):
            return _error_response(request_id, RpcError(INVALID_PARAMS, "params: expected an array of positional parameters"))
        log.debug("%s %s", method, _preview(params))
        try:
            result = await self._dispatch(method, params, connection)
        except RpcError as error:
            response = _error_response(request_id, error)
        except ChainError as error:
            response = _error_response(request_id, from_chain_error(error))
        except Exception:  # a bug must cost one request, never the server
            log.exception("internal error in %s", method)
            response = _error_response(request_id, RpcError(INTERNAL_ERROR, f"internal error in {method}"))
        else:
            response = {"jsonrpc": "2.0", "id": request_id, "result": result}
        return None if notification else response

    async def _dispatch(self, method: str, params: list, connection: "Connection | None") -> Any:
        if method in ("eth_subscribe", "eth_unsubscribe"):
            if connection is None:
                raise RpcError(METHOD_NOT_FOUND, f"{method} is only available over WebSocket")
            if method == "eth_subscribe":
                return connection.subscribe(params)
            return connection.unsubscribe(params)
        handler = self.handlers.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available")
        loop = asyncio.get_running_loop()
        if method not in HEAVY_METHODS:
            return await loop.run_in_executor(self._executor, handler, params)
        async with self._heavy_slots:  # waiting here holds no thread
            return await loop.run_in_executor(self._executor, _encoded_result, handler, params)

    # ------------------------------------------------------------ WebSocket
    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=self.limits.max_request_bytes, heartbeat=30)
        if not ws.can_prepare(request).ok:
            return web.Response(text="sumchain JSON-RPC: POST requests to this URL, or open a WebSocket here.\n")
        await ws.prepare(request)
        connection = Connection(self, ws, request.transport)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT or message.type == WSMsgType.BINARY:
                    response = await self.handle_payload(message.data, connection)
                    if response is not None:
                        connection.send(response)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            await connection.close()
        return ws


class Connection:
    """One WebSocket client: its subscriptions and its own ordered send queue."""

    def __init__(self, server: RpcServer, ws: web.WebSocketResponse, transport: asyncio.Transport | None) -> None:
        self.server = server
        self.ws = ws
        self.transport = transport
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=WEBSOCKET_QUEUE_LIMIT)
        self.subscriptions: dict[str, Callable] = {}
        self.sender = self.loop.create_task(self._send_forever())
        self.dropped = False  # set once it fell too far behind

    def send(self, message: Any) -> None:
        if self.dropped:  # being disconnected: the rest is dropped, unlogged
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:  # it stopped reading: drop it rather than hold memory
            log.warning("closing a WebSocket client that fell %d messages behind", WEBSOCKET_QUEUE_LIMIT)
            self.dropped = True
            # Cut, not closed: a close frame waits behind a send buffer the client never empties,
            # and meanwhile the node would go on reading (and answering into nothing) its requests.
            if self.transport is not None:
                self.transport.abort()

    async def _send_forever(self) -> None:
        while True:
            message = await self.queue.get()
            try:
                await self.ws.send_str(_encode(message).decode())
            except (ConnectionError, RuntimeError):
                return

    def subscribe(self, params: list) -> str:
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            raise RpcError(LIMIT_EXCEEDED, f"too many subscriptions on this connection: at most {MAX_SUBSCRIPTIONS}")
        kind = c.params_at(params, 0, "subscription type")
        chain = self.server.api.chain
        subscription = hex(secrets.randbits(128))
        if kind == "newHeads":
            def on_block(block: Block) -> None:
                self._notify(subscription, c.format_header(block.header))
            listeners = (chain.on_block, on_block)
        elif kind == "logs":
            log_filter, _, _ = c.parse_log_filter(c.params_at(params, 1, "filter", None))

            def on_block(block: Block) -> None:
                for entry, formatted in self.server.formatted_logs(block):
                    if log_filter.matches(entry):
                        self._notify(subscription, formatted)
            listeners = (chain.on_block, on_block)
        elif kind == "newPendingTransactions":
            full = bool(c.params_at(params, 1, "hydrated", False))

            def on_pending(tx: NodeTransaction) -> None:
                        self._notify(subscription, c.format_transaction(TransactionLookup(tx)) if full else c.data(tx.hash))
            listeners = (chain.on_pending_transaction, on_pending)
        else:
            raise RpcError(INVALID_PARAMS, f"unknown subscription type {kind!r} (newHeads, logs, newPendingTransactions)")
        register, listener = listeners
        register(listener)
        self.subscriptions[subscription] = listener
        return subscription

    def unsubscribe(self, params: list) -> bool:
        listener = self.subscriptions.pop(c.params_at(params, 0, "subscription id"), None)
        if listener is None:
            return False
        self.server.api.chain.remove_listener(listener)
        return True

    def _notify(self, subscription: str, result: Any) -> None:
        """Called from the mining thread: hand the message to the event loop."""
        message = {"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": subscription, "result": result}}
        self.loop.call_soon_threadsafe(self.send, message)

    async def close(self) -> None:
        for listener in self.subscriptions.values():
            self.server.api.chain.remove_listener(listener)
        self.subscriptions.clear()
        self.sender.cancel()


def _error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


def _encode(message: Any) -> bytes:
    """orjson's bytes; the stdlib's where orjson refuses (ints past 64 bits, nesting past 254 levels:
    a callTracer frame tree of a deep call stack), so no result is lost to the encoder."""
    try:
        return orjson.dumps(message)
    except TypeError:
        pass
    try:
        return json.dumps(message).encode()
    except (TypeError, ValueError):  # a bug must cost one answer, never the connection
        log.exception("unserialisable JSON-RPC answer")
        return orjson.dumps(_error_response(None, RpcError(INTERNAL_ERROR, "internal error: unserialisable answer")))


def _encoded_result(handler: Callable[[list], Any], params: list) -> orjson.Fragment:
    """Run ``handler`` and encode its result in the worker thread: the event loop only copies it."""
    return orjson.Fragment(_encode(handler(params)))


def _preview(params: Any) -> str:
    text = json.dumps(params)
    return text if len(text) <= 200 else text[:197] + "..."
