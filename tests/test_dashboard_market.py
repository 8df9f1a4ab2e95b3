"""The dashboard's bounty market pages (dashboard/static/market-pages.js, dashboard/market.py) in a
real headless Chromium against a sumchain node: the market story, from a request created from a CSV
on the page to the winner's payout, each step taken on the page by the account the picker chose,
and what the chain and the secret store hold read back with the Python bindings. The node's secret
and content stores are temporary ($SUMCHAIN_MARKET_HOME, $SUMCHAIN_CONTENT).
SUMCHAIN_SCREENSHOTS=1 also writes docs/dashboard-market.png."""
from __future__ import annotations

import base64
import json
import os
import pathlib
import urllib.error
import urllib.request
from datetime import datetime, timezone
from unittest import mock

import pytest
from aiohttp.test_utils import make_mocked_request

from bench.harness import anvil_binary, anvil_node, stop, sumchain_node
from contracts.bindings import Connection
from contracts.bindings.content import CONTENT_ENV, ContentStore, content_address
from contracts.bindings.contract import Sender
from contracts.bindings.market import SECRETS_ENV, Market, SecretStore, labels_commitment
from contracts.bindings.rpc import RpcClient
from dashboard.app import dashboard_app
from tests.browser import page
from tests.test_dashboard import DashboardProcess, post

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "dashboard-market.png"
ACCOUNTS = ("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
TOKEN = 10**18
WAIT_MS = 30_000
CLASSES = ("setosa", "versicolor", "virginica")
DATASET = "sepal,petal,label\n" + "".join(f"{i}.{c},{c}.{i},{name}\n" for c, name in enumerate(CLASSES) for i in range(10))


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(secret store root, content store root), temporary, for the node (its dashboard) and the test."""
    home, content = tmp_path_factory.mktemp("market-home"), tmp_path_factory.mktemp("content")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRETS_ENV, str(home))
        patch.setenv(CONTENT_ENV, str(content))
        yield SecretStore(home), ContentStore(content)


@pytest.fixture(scope="module", params=["sumchain", "anvil"])
def served(request, stores):
    """(the node's JSON-RPC URL, the dashboard's URL): sumchain's own /dashboard/, or Anvil's through
    `sumchain dashboard --rpc` (where BountyMarket scores with its Solidity fallback)."""
    if request.param == "sumchain":
        with sumchain_node() as url:
            yield url, f"{url}/dashboard/"
        return
    if anvil_binary() is None:
        pytest.skip("anvil is not installed (make test installs it in tests/anvil; or SUMCHAIN_ANVIL=PATH)")
    with anvil_node(anvil_binary()) as url:
        dashboard = DashboardProcess(url)
        try:
            yield url, dashboard.url
        finally:
            stop(dashboard.proc)


@pytest.fixture(scope="module")
def node(served):
    return served[0]


@pytest.fixture(scope="module")
def market(node, stores):
    """A StakeToken and a BountyMarket deployed with the bindings, recorded for the chain."""
    home, content = stores
    return Market.deploy(Connection(RpcClient(node), Sender(ACCOUNTS[0])), home=home, store=content)


def use(tab, account: str) -> None:
    """Choose `account` in the header's picker and wait for the market view drawn for it."""
    tab.select_option("#wallet", account.lower())
    tab.locator(f".you:text-is('{account.lower()}')").wait_for(timeout=WAIT_MS)


def outcome(tab, kind: str = "ok") -> str:
    """The text of the step's outcome once shown (ok, or error)."""
    shown = tab.locator("#market-notice p:not(.muted)")
    shown.wait_for(timeout=WAIT_MS)
    assert shown.get_attribute("class") == kind, shown.inner_text()
    return shown.inner_text()


def mint(tab, base: str, account: str) -> None:
    tab.goto(f"{base}#/market")
    use(tab, account)
    tab.click("#faucet button")
    assert outcome(tab) == "minted: your balance is 1000 STAKE"


def create(tab, dataset: bytes, reward: str) -> None:
    tab.set_input_files("#new-request input[name=csv]", {"name": "iris.csv", "mimeType": "text/csv", "buffer": dataset})
    tab.fill("#new-request input[name=reward]", reward)
    tab.fill("#new-request input[name=stake]", "10")
    tab.fill("#new-request input[name=context]", "iris species")
    tab.click("#new-request button")


def step(tab, button: str, kind: str = "ok") -> str:
    tab.click(f"#steps button:text-is('{button}')")
    return outcome(tab, kind)


def move_time(node: str, seconds: int) -> None:
    client = RpcClient(node)
    client.request("evm_increaseTime", seconds)
    client.request("evm_mine")


def test_the_market_story_on_the_page(served, market, stores):
    (node, base), (home, content) = served, stores
    request_page = f"{base}#/market/{market.address.lower()}/0"
    with page(loopback=True) as tab:
        tab.set_viewport_size({"width": 1200, "height": 1000})
        # The market recorded for the chain, its token, and the faucet.
        mint(tab, base, ACCOUNTS[0])
        assert f"{market.token.lower()} (STAKE, 18 decimals)" in tab.locator("#market").inner_text()
        # Bad input: a CSV without the label column, and a request the contract refuses.
        create(tab, b"a,b\n1,2\n", "100")
        assert outcome(tab, "error") == "create request: no 'label' column in the header ['a', 'b']: name the label column"
        create(tab, DATASET.encode(), "a lot")
        assert outcome(tab, "error") == ('create request: reward: not an amount of tokens: "a lot" '
                                         '(a number >= 0, at most 18 decimals)')
        create(tab, DATASET.encode(), "0")
        assert outcome(tab, "error") == "create request: reverted: BountyMarket: reward is zero"
        create(tab, DATASET.encode(), "100")
        assert outcome(tab).startswith("request 0 created: 6 test rows, classes setosa, versicolor, virginica")
        assert tab.locator("h1").inner_text() == "Request 0: Open"
        assert tab.locator(".secret-download").get_attribute("download").startswith("labels-0x")
        tab.click("text=← the market")
        row = tab.locator("tr.request-row")
        row.wait_for(timeout=WAIT_MS)
        request = market.request(0)
        closes = f"{datetime.fromtimestamp(request.submission_deadline, timezone.utc):%Y-%m-%dT%H:%M:%SZ}"
        cells = row.inner_text().split("\t")
        assert cells[:6] == ["0", "Open", "100 STAKE", "10 STAKE", "6", "0"] and cells[6].startswith(f"{closes} (in ")
        assert cells[7:] == [f"trainers submit (Submit, on the request's page) until {closes}", "iris species"]
        tab.click("tr.request-row a")
        assert (request.state, request.reward, request.trainer_stake, request.test_size, request.context) == (
            "Open", 100 * TOKEN, 10 * TOKEN, 6, "iris species")
        # The labels are kept where `sumchain market reveal` looks for them, committed as the contract checks.
        secret = home.load(market.chain_id, market.address, "labels", request.labels_commitment)
        assert "0x" + labels_commitment(secret["labels"], bytes.fromhex(secret["salt"][2:]), ACCOUNTS[0], 0).hex() \
            == request.labels_commitment
        assert content.has(request.training_set) and content.has(request.test_set)
        predictions = [CLASSES[label] for label in secret["labels"]]
        worse = [CLASSES[(secret["labels"][0] + 1) % 3]] + predictions[1:]
        # Two trainers submit from the picker's accounts 1 and 2.
        for index, (account, guesses) in enumerate(((ACCOUNTS[1], predictions), (ACCOUNTS[2], worse))):
            mint(tab, base, account)
            tab.goto(request_page)
            tab.wait_for_selector("#submit", timeout=WAIT_MS)
            tab.set_input_files("#submit input[name=predictions]", {"name": "predictions.txt", "mimeType": "text/plain",
                                                                     "buffer": "\n".join(guesses).encode()})
            tab.set_input_files("#submit input[name=model]", {"name": "model.json", "mimeType": "application/json",
                                                               "buffer": json.dumps({"trainer": index}).encode()})
            tab.click("#submit button")
            assert outcome(tab).startswith(f"submission {index} on request 0: staked 10 STAKE")
        # The requester reveals once submissions close; the trainers claim.
        move_time(node, request.submission_deadline - market.now() + 1)
        tab.reload()
        use(tab, ACCOUNTS[0])
        assert tab.locator("h1").inner_text() == "Request 0: AwaitingLabels"
        assert step(tab, "Reveal").startswith("labels revealed: trainers claim until")
        use(tab, ACCOUNTS[1])
        assert step(tab, "Claim") == "submission 0: claimed 6/6 correct"
        assert step(tab, "Advance", "error") == "advance: reverted: BountyMarket: claim window not over"
        use(tab, ACCOUNTS[2])
        assert step(tab, "Claim") == "submission 1: claimed 5/6 correct"
        # Anyone selects the best claim once claims close; it reveals and is paid; the other withdraws.
        move_time(node, market.request(0).claim_deadline - market.now() + 1)
        assert step(tab, "Advance") == "selectCandidate: request 0 is now Verifying"
        assert step(tab, "Reveal", "error") == (f"reveal: submission 0 of {ACCOUNTS[1].lower()} is the candidate, "
                                               f"not yours")
        use(tab, ACCOUNTS[1])
        assert step(tab, "Reveal") == "predictions and model revealed: paid 110 STAKE"
        use(tab, ACCOUNTS[2])
        assert step(tab, "Withdraw") == "submission 1: withdrew 10 STAKE"
        model = content_address(json.dumps({"trainer": 0}).encode())
        assert tab.locator("#winner").inner_text() == f"Winner: submission 0 of {ACCOUNTS[1].lower()}, paid 110 STAKE; its model {model}"
        assert tab.locator("h1").inner_text() == "Request 0: Paid"
        if os.environ.get("SUMCHAIN_SCREENSHOTS") == "1" and base == f"{node}/dashboard/":  # sumchain's own
            tab.screenshot(path=str(SCREENSHOT), full_page=True)
    assert market.winner(0) == (0, ACCOUNTS[1], model, 110 * TOKEN)
    assert [market.balance(account) // TOKEN for account in ACCOUNTS] == [900, 1100, 1000]
    assert content.get(model) == json.dumps({"trainer": 0}).encode()


def test_a_market_by_address_and_addresses_that_are_not_one(served, market):
    base = served[1]
    with page(loopback=True) as tab:
        tab.goto(f"{base}#/market/{ACCOUNTS[1]}")
        tab.get_by_text(f"no contract at {ACCOUNTS[1]}").wait_for(timeout=WAIT_MS)
        tab.goto(f"{base}#/market/0x12")
        tab.fill("#open-market input", market.address)
        tab.press("#open-market input", "Enter")
        tab.wait_for_selector("#market", timeout=WAIT_MS)
        assert market.address.lower() in tab.locator("#market").inner_text()


def test_the_market_routes_take_the_pages_json_only_and_name_a_bad_field(served, market):
    routes = f"{served[1]}api/market"
    config = json.loads(urllib.request.urlopen(f"{routes}/config").read())
    assert config["deployments"]["31337"] == {"market": market.address, "token": market.token}
    assert config["windows"] == {"submission": 86_400, "response": 3_600, "claim": 3_600, "reveal": 3_600}
    body = json.dumps({"chainId": 31337, "market": market.address, "requester": ACCOUNTS[0], "requestId": 0,
                       "csv": base64.b64encode(DATASET.encode()).decode()}).encode()
    assert post(f"{routes}/request", body, "text/plain")[0] == 415  # what a foreign page may send unasked
    assert post(f"{routes}/request", body, Origin="https://evil.example")[0] == 403
    status, answer = post(f"{routes}/request", json.dumps({"chainId": "31337"}).encode())
    assert (status, json.loads(answer)) == (400, {"error": "chainId: int expected, got '31337'"})
    status, answer = post(f"{routes}/secret", json.dumps({"chainId": 31337, "market": market.address, "kind": "labels",
                                                         "commitment": "0x" + "00" * 32}).encode())
    assert status == 400 and json.loads(answer)["error"].startswith(f"no labels for commitment 0x{'00' * 32} in ")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{served[1]}api/content/0x{'00' * 32}")
    assert missing.value.code == 404


async def test_the_market_routes_answer_this_machine_only():
    """A dashboard served on another interface (--host) keeps the user's secrets to this machine."""
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: ("10.0.0.5", 40000) if name == "peername" else default
    request = make_mocked_request("POST", "/api/market/secret", headers={"Content-Type": "application/json"},
                                  transport=transport)
    route = await dashboard_app().router.resolve(request)
    answer = await route.handler(request)
    assert answer.status == 403 and "this machine's" in answer.text
