from __future__ import annotations

from node import speedups

speedups.install()  # first, before anything hashes: every test runs with them, as the node does

import pytest  # noqa: E402

from genesis import DEV_GENESIS  # noqa: E402
from node.chain import Chain  # noqa: E402
from node.genesis import load_genesis  # noqa: E402
from tests.support import compile_contract  # noqa: E402


@pytest.fixture(scope="session")
def dev_genesis():
    return load_genesis(DEV_GENESIS)


@pytest.fixture
def chain(dev_genesis):
    chain = Chain.open(dev_genesis, None)
    yield chain
    chain.close()


@pytest.fixture
def alice(chain):
    return chain.accounts[0]


@pytest.fixture
def bob(chain):
    return chain.accounts[1]


@pytest.fixture(scope="session")
def probe_code():
    return compile_contract("Probe.sol", "Probe")[1]


@pytest.fixture
def probe(chain, alice, probe_code):
    """Address of a freshly deployed Probe contract."""
    tx_hash = chain.send_transaction(alice.address, data=probe_code)
    receipt = chain.get_receipt(tx_hash)
    assert receipt.status == 1
    return receipt.contract_address


class RunningNode:
    """A chain served over JSON-RPC on a free loopback port, in a background thread."""

    def __init__(self, chain, allow_origin="*", **limits) -> None:
        import asyncio
        import threading

        from aiohttp import web

        from node.mining import Miner
        from rpc.methods import Api, Limits
        from rpc.server import RpcServer

        self.chain = chain
        self.miner = Miner(chain)
        self.loop = asyncio.new_event_loop()
        api = Api(chain, self.miner, Limits(**limits))
        self.runner = web.AppRunner(RpcServer(api, allow_origin=allow_origin).app(), access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.miner.stop()


@pytest.fixture
def node(chain):
    running = RunningNode(chain)
    yield running
    running.stop()


@pytest.fixture
def rpc(node):
    """Call one JSON-RPC method over HTTP: rpc(method, *params) -> the whole response object."""
    import json
    import urllib.request

    def call(method, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(node.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    return call


@pytest.fixture(scope="module", params=["native", "fallback"])
def sum_node(request):
    """A node in each mode (with the ML precompiles, and without: `--no-ml-precompiles`) behind
    JSON-RPC, with a web3.py client: every SUM contract test runs against both."""
    from web3 import Web3

    from node.chain import Chain
    from node.genesis import load_genesis
    from tests.sum_support import SumNode

    chain = Chain.open(load_genesis(DEV_GENESIS), None, ml_precompiles=request.param == "native")
    running = RunningNode(chain)
    w3 = Web3(Web3.HTTPProvider(running.url, request_kwargs={"timeout": 120}))
    yield SumNode(request.param, w3, [account.address for account in chain.accounts])
    running.stop()
    chain.close()
