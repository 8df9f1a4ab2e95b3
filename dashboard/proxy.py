"""The same-origin /rpc route of ``sumchain dashboard``: forwards the page's JSON-RPC POSTs to
another node, so the page needs no CORS from it. Only JSON POSTs pass (a form or text/plain body
is what a foreign page could send without a preflight), and a node that does not answer is a
502 with a JSON-RPC error the page can show."""
from __future__ import annotations

from typing import Any, AsyncIterator

import aiohttp
import orjson
from aiohttp import hdrs, web

from rpc.hosts import host_name, is_loopback

JSON_TYPES = ("application/json", "application/json-rpc", "application/jsonrequest")
UPSTREAM_TIMEOUT_S = 60  # a long debug_traceTransaction on the other node may take this long
NODE_DOWN = -32000


@web.middleware
async def loopback_host(request: web.Request, handler: Any) -> web.StreamResponse:
    """On a loopback address only loopback Host names: another is a page's domain rebound to
    127.0.0.1, which must not reach the proxy."""
    if not is_loopback(host_name(request.host).lower()):
        return web.Response(status=403, text="invalid host specified\n")
    return await handler(request)


def refusal(request: web.Request) -> web.Response | None:
    """The answer to a POST the page itself would not send (a foreign page could): one that is not
    JSON, or comes from another page's origin; None for the page's own."""
    if request.content_type not in JSON_TYPES:
        return web.Response(status=415, text="invalid content type, only application/json is supported\n")
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return web.Response(status=403, text=f"origin {origin} is not allowed: the dashboard serves its own page only\n")
    return None


class Proxy:
    """Forwards JSON-RPC to ``upstream``; one client session for the app's lifetime."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._session: aiohttp.ClientSession

    def install(self, app: web.Application) -> None:
        app.router.add_post("/rpc", self.forward)
        app.cleanup_ctx.append(self._client)

    async def _client(self, app: web.Application) -> AsyncIterator[None]:
        """One client session from the app's start to its end."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=UPSTREAM_TIMEOUT_S))
        yield
        await self._session.close()

    async def forward(self, request: web.Request) -> web.Response:
        refused = refusal(request)
        if refused is not None:
            return refused
        body = await request.read()  # past the app's client_max_size: aiohttp answers 413
        try:
            async with self._session.post(self.upstream, data=body,
                                          headers={hdrs.CONTENT_TYPE: "application/json"}) as answer:
                payload = await answer.read()
                return web.Response(status=answer.status, body=payload,
                                    content_type=answer.content_type or "application/json")
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = str(error) or type(error).__name__
            return web.json_response(_node_down(body, f"the node at {self.upstream} does not answer: {reason}"),
                                     status=502)


def _node_down(body: bytes, message: str) -> Any:
    """One JSON-RPC error per request of the body (a batch gets a batch), with their ids."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = None

    def one(item: Any) -> dict[str, Any]:
        request_id = item.get("id") if isinstance(item, dict) else None
        return {"jsonrpc": "2.0", "id": request_id, "error": {"code": NODE_DOWN, "message": message}}

    return [one(item) for item in payload] if isinstance(payload, list) and payload else one(payload)
