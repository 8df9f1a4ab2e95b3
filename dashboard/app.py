"""The dashboard's aiohttp sub-application: the page and its static files, the JSON the page
needs from the project (the contracts' ABIs and creation code, the precompiles' names, where to send
JSON-RPC), and, when it fronts another node, the /rpc proxy. Mounted at /dashboard/ by the node (rpc/server.py) and by
``sumchain dashboard``."""
from __future__ import annotations

import pathlib
from typing import Any, Awaitable, Callable

from aiohttp import web

from . import catalog, deploying, market
from .proxy import Proxy
from .runs import Runs

STATIC = pathlib.Path(__file__).resolve().parent / "static"
PREFIX = "/dashboard"
MAX_REQUEST_BYTES = 5 * 2**20  # the node's own default (--max-request-size)


def dashboard_app(upstream: str | None = None, max_request_bytes: int = MAX_REQUEST_BYTES,
                  runs_dir: str | None = None) -> web.Application:
    """The sub-app; with ``upstream`` the page's JSON-RPC goes to its /rpc proxy, else to the
    node that mounts it (the root of the same origin). ``runs_dir``: the saved simulation runs (--runs)."""
    app = web.Application(client_max_size=max_request_bytes)
    # Relative to the page (/dashboard/): the node's JSON-RPC is its root, the proxy is beside it.
    config = {"rpc": "rpc" if upstream else "../", "upstream": upstream}
    app.router.add_get("/", _index)
    for name, payload in (("config", config), ("abis", catalog.abis()), ("precompiles", catalog.precompiles())):
        app.router.add_get(f"/api/{name}", _json_route(payload))
    app.router.add_get("/api/bytecode/{name}", _bytecode)
    deploying.install(app)
    market.install(app)
    Runs(runs_dir).install(app)
    app.router.add_static("/static/", STATIC)
    if upstream:
        Proxy(upstream).install(app)
    return app


def mount(parent: web.Application, app: web.Application) -> None:
    """``app`` at /dashboard/, and /dashboard sent there (the page's relative links need the slash)."""
    parent.router.add_get(PREFIX, _to_slash)
    parent.add_subapp(PREFIX + "/", app)


async def _to_slash(request: web.Request) -> web.Response:
    raise web.HTTPFound(PREFIX + "/")


def _json_route(payload: Any) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(payload)
    return handler


async def _bytecode(request: web.Request) -> web.Response:
    code = catalog.bytecode(request.match_info["name"])
    if code is None:
        raise web.HTTPNotFound(text=f"no deployable contract {request.match_info['name']!r} in contracts/build")
    return web.json_response({"bytecode": code})


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})
