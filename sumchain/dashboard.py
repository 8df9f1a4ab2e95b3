"""``sumchain dashboard``: the web dashboard in front of any other node (Anvil, Hardhat, a
testnet), its JSON-RPC forwarded through a same-origin proxy (dashboard/proxy.py)."""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from dashboard.runs import add_runs_flag
from sumchain.serve import port_number, stop_requested, url_host


def add_parser(commands: Any) -> None:
    dashboard = commands.add_parser(
        "dashboard",
        help="serve the web dashboard for another node",
        description="Serve the web dashboard (docs/dashboard.md) against any Ethereum node's JSON-RPC; "
                    "the node itself serves it at /dashboard/ already.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    dashboard.add_argument("--rpc", required=True, type=_rpc_url, metavar="URL",
                           help="the node's HTTP JSON-RPC URL, e.g. http://127.0.0.1:8545 (Anvil, Hardhat)")
    dashboard.add_argument("--port", type=port_number, default=8546, help="port the dashboard listens on")
    dashboard.add_argument("--host", default="127.0.0.1",
                           help="address the dashboard binds; loopback unless you mean to expose the proxy")
    add_runs_flag(dashboard)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_serve(args))


async def _serve(args: argparse.Namespace) -> int:
    from dashboard.app import MAX_REQUEST_BYTES, dashboard_app, mount
    from dashboard.proxy import loopback_host
    from rpc.hosts import is_loopback

    stopping = stop_requested()
    # The root's limit is the one aiohttp applies to every request, the sub-app's routes included.
    root = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[loopback_host] if is_loopback(args.host) else [])
    root.router.add_get("/", _to_dashboard)
    mount(root, dashboard_app(upstream=args.rpc, runs_dir=args.runs))
    runner = web.AppRunner(root, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as error:
        print(f"sumchain: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        await runner.cleanup()
        return 1
    port = runner.addresses[0][1]  # the real one when --port 0
    print(f"Dashboard:         http://{url_host(args.host)}:{port}/dashboard/\n"
          f"JSON-RPC:          {args.rpc} (through the dashboard's /dashboard/rpc proxy)", flush=True)
    await stopping.wait()
    await runner.cleanup()
    return 0


async def _to_dashboard(request: web.Request) -> web.Response:
    raise web.HTTPFound("/dashboard/")


def _rpc_url(text: str) -> str:
    """An http(s) URL with a host: what the proxy can POST to."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL, e.g. http://127.0.0.1:8545")
    try:
        parts.port
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} has a bad port") from None
    return text
