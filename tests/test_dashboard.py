"""The web dashboard (dashboard/, docs/dashboard.md): served by the node at /dashboard/ and by
``sumchain dashboard --rpc URL`` through its proxy, and its explorer driven in a real headless
Chromium. SUMCHAIN_SCREENSHOTS=1 also writes the screenshots the docs show, docs/dashboard-*.png."""
from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from bench.harness import anvil_binary, anvil_node, stop, sumchain_node
from contracts.bindings import Connection, Trainer, deploy, normalize, parse_model
from contracts.bindings.contract import Sender
from contracts.bindings.rpc import RpcClient
from sumchain import cli
from tests.browser import page
from tests.test_cli import NodeProcess, parse_banner

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "dashboard-explorer.png"
MODELS_SCREENSHOT = ROOT / "docs" / "dashboard-models.png"
ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ACCOUNT_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
WAIT_MS = 30_000  # for a page to show what the node has


@pytest.fixture(scope="module")
def node():
    with sumchain_node() as url:
        yield url


def get(url: str, headers: dict | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode()


def post(url: str, body: bytes, content_type: str = "application/json", **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send_ether(url: str) -> str:
    return RpcClient(url).request("eth_sendTransaction", {"from": ACCOUNT_0, "to": ACCOUNT_1, "value": hex(10**18)})


class DashboardProcess:
    """``python -m sumchain dashboard --rpc URL --port 0``: the real CLI in a subprocess."""

    def __init__(self, upstream: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "sumchain", "dashboard", "--rpc", upstream, "--port", "0"],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        assert first.startswith("Dashboard:"), (first, self.proc.stderr.read() if self.proc.poll() is not None else "")
        self.url = first.split()[1]
        self.rpc_line = self.proc.stdout.readline()


@pytest.fixture
def dashboard_for():
    started: list[DashboardProcess] = []

    def start(upstream: str) -> DashboardProcess:
        started.append(DashboardProcess(upstream))
        return started[-1]

    yield start
    for process in started:
        stop(process.proc)


# ------------------------------------------------------------------ served by the node

def test_the_node_serves_the_dashboard_and_prints_its_url_above_the_json_rpc_line():
    node = NodeProcess("--in-memory", "--port", "0", "--allow-origin", "https://app.example")
    try:
        lines = node.read_banner()
        fields = parse_banner(lines)["fields"]
        base = fields["JSON-RPC"].split()[0]
        assert fields["Dashboard"] == f"{base}/dashboard/"
        assert lines[-2].startswith("Dashboard:") and lines[-1].startswith("JSON-RPC:")
        status, kind, html = get(fields["Dashboard"])
        assert (status, kind) == (200, "text/html") and 'src="static/app.js"' in html
        assert get(f"{base}/dashboard")[0] == 200  # redirected to the slash
        for name in ("app.js", "rpc.js", "abi.js", "style.css", "build/vendor.js"):
            assert get(f"{base}/dashboard/static/{name}")[0] == 200, name
        assert json.loads(get(f"{base}/dashboard/api/config")[2]) == {"rpc": "../", "upstream": None}
        precompiles = json.loads(get(f"{base}/dashboard/api/precompiles")[2])
        assert precompiles["0x0000000000000000000000000000000000000501"]["name"] == "VDOT"
        abis = json.loads(get(f"{base}/dashboard/api/abis")[2])
        add_data = next(e for e in abis["CollaborativeTrainer64"] if e.get("name") == "AddData")
        assert [item["type"] for item in add_data["inputs"]] == ["int64[]", "uint64", "uint256", "address", "uint256"]
        code = json.loads(get(f"{base}/dashboard/api/bytecode/Stakeable64")[2])["bytecode"]
        assert code == "0x" + json.loads((ROOT / "contracts/build/Stakeable64.json").read_text())["bytecode"].removeprefix("0x")
        assert get(f"{base}/dashboard/api/bytecode/IClassifier64")[0] == 404
        # JSON-RPC at the root is unchanged, and the page's own origin may call it, whatever --allow-origin.
        chain_id = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'
        status, body = post(base, chain_id, Origin=base)
        assert (status, json.loads(body)["result"]) == (200, "0x7a69")
        assert post(base, chain_id, Origin="https://other.example")[0] == 403
    finally:
        node.stop()
        node.kill()


def test_no_dashboard_flag_turns_it_off():
    node = NodeProcess("--in-memory", "--port", "0", "--no-dashboard")
    try:
        lines = node.read_banner()
        assert not any(line.startswith("Dashboard:") for line in lines)
        base = parse_banner(lines)["fields"]["JSON-RPC"].split()[0]
        assert get(f"{base}/dashboard/")[0] == 404
        assert get(f"{base}/dashboard/static/app.js")[0] == 404
    finally:
        node.stop()
        node.kill()


# ------------------------------------------------------------------ sumchain dashboard --rpc

def test_dashboard_command_proxies_json_rpc_to_another_node(node, dashboard_for):
    dashboard = dashboard_for(node)
    assert dashboard.rpc_line.split()[1] == node
    rpc = dashboard.url + "rpc"
    assert json.loads(get(dashboard.url + "api/config")[2]) == {"rpc": "rpc", "upstream": node}
    status, body = post(rpc, b'{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}')
    assert (status, json.loads(body)) == (200, {"jsonrpc": "2.0", "id": 7, "result": "0x7a69"})
    # What a foreign page could send without a preflight, a foreign page, a rebound host, a huge body.
    assert post(rpc, b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', "text/plain")[0] == 415
    assert post(rpc, b"{}", Origin="https://evil.example")[0] == 403
    assert get(dashboard.url, {"Host": "evil.example"})[0] == 403
    assert post(rpc, b"[" + b"1," * (3 * 2**20) + b"1]")[0] == 413
    assert get(dashboard.url.replace("/dashboard/", "/"))[0] == 200  # / sends the browser to the page


def test_dashboard_command_answers_a_502_json_rpc_error_when_the_node_is_down(dashboard_for):
    closed = f"http://127.0.0.1:{free_port()}"
    dashboard = dashboard_for(closed)
    status, body = post(dashboard.url + "rpc", b'{"jsonrpc":"2.0","id":3,"method":"eth_blockNumber"}')
    answer = json.loads(body)
    assert status == 502 and answer["id"] == 3 and answer["error"]["code"] == -32000
    assert answer["error"]["message"].startswith(f"the node at {closed} does not answer")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8545", "127.0.0.1:8545", "http://", "http://127.0.0.1:99999"])
def test_dashboard_command_refuses_a_bad_url_in_one_line(capsys, url):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["dashboard", "--rpc", url])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("sumchain dashboard: error: argument --rpc:") and "Traceback" not in error


def test_dashboard_command_on_a_busy_port_exits_1_in_one_line(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["dashboard", "--rpc", "http://127.0.0.1:8545", "--port", str(port)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"sumchain: cannot listen on 127.0.0.1:{port}: ") and error.count("\n") == 1


def test_dashboard_help_names_its_flags(capsys):
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--help"])
    text = capsys.readouterr().out
    assert all(flag in text for flag in ("--rpc", "--port", "--host", "8546", "127.0.0.1"))


@pytest.mark.skipif(anvil_binary() is None,
                    reason="anvil is not installed (make test installs it in tests/anvil; or SUMCHAIN_ANVIL=PATH)")
def test_dashboard_command_shows_an_anvil_chain_in_the_browser(dashboard_for):
    with anvil_node(anvil_binary()) as anvil:
        tx_hash = send_ether(anvil)
        dashboard = dashboard_for(anvil)
        with page(loopback=True) as tab:
            tab.goto(dashboard.url)
            tab.locator("tr.block-row").get_by_role("link", name="1", exact=True).wait_for(timeout=WAIT_MS)
            assert tab.locator("#node").inner_text() == f"JSON-RPC: {anvil}"
            tab.goto(f"{dashboard.url}#/tx/{tx_hash}")
            tab.wait_for_selector("#calls .frame", timeout=WAIT_MS)  # Anvil's own callTracer
            assert "success" in tab.locator("#transaction").inner_text()


# ------------------------------------------------------------------ the explorer in Chromium

def test_explorer_shows_a_block_its_transaction_and_an_account(node):
    tx_hash = send_ether(node)
    receipt = RpcClient(node).request("eth_getTransactionReceipt", tx_hash)
    number = int(receipt["blockNumber"], 16)
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/")
        block_link = tab.locator("tr.block-row").get_by_role("link", name=str(number), exact=True)
        block_link.wait_for(timeout=WAIT_MS)
        block_link.click()
        tab.wait_for_selector("tr.tx-row", timeout=WAIT_MS)
        assert tab.locator("h1").inner_text() == f"Block {number}"
        tab.locator("tr.tx-row a").first.click()
        tab.wait_for_selector("#transaction", timeout=WAIT_MS)
        text = tab.locator("#transaction").inner_text()
        assert tx_hash in text and "success" in text and "21,000" in text and "1 ETH" in text
        tab.wait_for_selector("#calls .frame", timeout=WAIT_MS)  # a plain transfer: one CALL frame
        tab.goto(f"{node}/dashboard/#/address/{ACCOUNT_1}")
        tab.wait_for_selector("#account", timeout=WAIT_MS)
        account = tab.locator("#account").inner_text()
        assert "none (an externally owned account)" in account and "ETH" in account
        tab.fill("#search input", tx_hash)  # the search box takes a hash, a block by its hash too
        tab.press("#search input", "Enter")
        tab.wait_for_selector("#transaction", timeout=WAIT_MS)
        tab.goto(f"{node}/dashboard/#/block/{receipt['blockHash']}")
        tab.get_by_role("heading", name=f"Block {number}").wait_for(timeout=WAIT_MS)
        tab.fill("#search input", "not a thing")
        tab.press("#search input", "Enter")
        tab.get_by_text('"not a thing" is not a block number').wait_for(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def contributed(node):
    """A small dense perceptron (Points: no deposit) and one sample added to it: (trainer, sample, Added)."""
    conn = Connection(RpcClient(node), Sender(ACCOUNT_0))
    model = parse_model({"type": "dense perceptron", "classifications": ["neg", "pos"],
                         "weights": [1.0, -1.0, 0.5], "intercept": 0})
    trainer = Trainer.load(conn, deploy(conn, model, "dashboard test", "a small model").trainer)
    sample = normalize([1, 0, 0])
    return trainer, sample, trainer.add_data(sample, trainer.predict(sample))


def test_trace_of_an_add_data_names_the_precompile_and_decodes_the_event(node, contributed):
    trainer, sample, added = contributed
    with page(loopback=True) as tab:
        tab.set_viewport_size({"width": 1200, "height": 900})
        tab.goto(f"{node}/dashboard/#/tx/{added.tx.tx_hash}")
        tab.wait_for_selector("#calls .frame.precompile", timeout=WAIT_MS)
        names = tab.locator(".frame.precompile .target").all_inner_texts()
        # The dense perceptron checks the sample's norm and trains its weights in the vector store.
        assert names == ["VNORM (0x0000000000000000000000000000000000000503)",
                         "VSTORE (0x0000000000000000000000000000000000000510)"], names
        assert all("gas " in frame for frame in tab.locator(".frame.precompile").all_inner_texts())
        events = tab.locator("#events").inner_text()
        assert "AddData" in events and f"sender: {ACCOUNT_0}" in events
        assert f"d: [{', '.join(map(str, sample))}]" in events
        if os.environ.get("SUMCHAIN_SCREENSHOTS") == "1":
            tab.screenshot(path=str(SCREENSHOT), full_page=True)


def test_a_banner_shows_while_the_node_is_down_and_goes_when_it_is_back():
    port = free_port()
    flags = ("--in-memory", "--port", str(port))
    node = NodeProcess(*flags)
    try:
        base = parse_banner(node.read_banner())["fields"]["JSON-RPC"].split()[0]
        with page(loopback=True) as tab:
            tab.goto(f"{base}/dashboard/")
            tab.wait_for_selector("tr.block-row", timeout=WAIT_MS)
            assert tab.locator("#down").is_hidden()
            assert node.stop() == 0
            tab.wait_for_selector("#down", state="visible", timeout=WAIT_MS)
            assert "does not answer" in tab.locator("#down").inner_text()
            node = NodeProcess(*flags)
            node.read_banner()
            tab.wait_for_selector("#down", state="hidden", timeout=WAIT_MS)
            tab.wait_for_selector("tr.block-row", timeout=WAIT_MS)
    finally:
        node.kill()


def test_model_list_finds_the_deployed_models_on_the_chain(node, contributed):
    conn = Connection(RpcClient(node), Sender(ACCOUNT_0))
    naive_bayes = parse_model({"type": "naive bayes", "classifications": ["A", "B", "C"], "classCounts": [1, 1, 1],
                               "featureCounts": [[[0, 1]], [[1, 1]], [[2, 1]]], "totalNumFeatures": 3,
                               "smoothingFactor": 1})
    second = deploy(conn, naive_bayes, "second model").trainer
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/#/models")
        tab.wait_for_selector("tr.model-row", timeout=WAIT_MS)
        rows = [row.split("\t") for row in tab.locator("tr.model-row").all_inner_texts()]
        assert ["dashboard test", "a small model", "dense perceptron", "points", "neg, pos", "1", "0 ETH"] in rows, rows
        assert ["second model", "", "naive bayes", "points", "A, B, C", "0", "0 ETH"] in rows, rows
        first = tab.get_by_role("link", name="dashboard test")
        assert first.get_attribute("href") == f"#/model/{contributed[0].address.lower()}"
        if os.environ.get("SUMCHAIN_SCREENSHOTS") == "1":
            tab.set_viewport_size({"width": 1200, "height": 500})
            tab.screenshot(path=str(MODELS_SCREENSHOT))
        # A model by its address, and an address that is not one.
        tab.fill("#add-model input", second)
        tab.press("#add-model input", "Enter")
        tab.wait_for_selector("#model", timeout=WAIT_MS)
        assert tab.locator("h1").inner_text() == "second model"
        tab.goto(f"{node}/dashboard/#/model/{ACCOUNT_1}")
        tab.get_by_text(f"{ACCOUNT_1} is not a CollaborativeTrainer64").wait_for(timeout=WAIT_MS)
        tab.goto(f"{node}/dashboard/#/model/0x1234")
        tab.get_by_text("0x1234 is not an address").wait_for(timeout=WAIT_MS)
