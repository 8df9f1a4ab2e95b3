"""The dashboard's model page (dashboard/static/model-page.js, docs/dashboard.md "The model page")
in real headless Chromium: a Stakeable64 model with short waits deployed with the Python bindings,
then, on the page, predict, add data with its deposit from two dev accounts chosen in the picker,
the contracts' reasons while the refund wait runs, time moved, a refund and a report; the
encoders (MurmurHash3's constants of the original demo); and a short flow against Anvil.
SUMCHAIN_SCREENSHOTS=1 also writes docs/dashboard-model.png."""
from __future__ import annotations

import os
import pathlib
import re

import pytest

from bench.harness import anvil_binary, anvil_node
from contracts.bindings import Connection, Trainer, deploy, normalize, parse_model
from contracts.bindings.contract import Sender
from contracts.bindings.deploy import STAKEABLE, IncentiveSettings
from contracts.bindings.rpc import RpcClient
from tests.browser import page
from tests.test_dashboard import ACCOUNT_0, ACCOUNT_1, WAIT_MS, dashboard_for, node  # noqa: F401 (fixtures)

SCREENSHOT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "dashboard-model.png"
REFUND_WAIT_S = 60
WAITS = IncentiveSettings(STAKEABLE, refund_wait_s=REFUND_WAIT_S, owner_claim_wait_s=120, any_address_claim_wait_s=180,
                          cost_weight=10**13)
PERCEPTRON = {"type": "dense perceptron", "classifications": ["neg", "pos"], "weights": [3.0, -3.0, 1.0],
              "intercept": 0}
SCALED = "Multiply by 1E9, then round"  # the original demo's name of the ×1e9 encoder
NOT_UNIT = "The provided data does not have a norm of 1."  # DensePerceptron.sol's NOT_UNIT


def connection(url: str, account: str = ACCOUNT_0) -> Connection:
    return Connection(RpcClient(url), Sender(account))


def balance(url: str, address: str) -> int:
    return int(RpcClient(url).request("eth_getBalance", address, "latest"), 16)


def fee(url: str, tx_hash: str) -> int:
    receipt = RpcClient(url).request("eth_getTransactionReceipt", tx_hash)
    return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)


def tx_of(tab, where: str) -> str:
    """The transaction hash a result links to (#/tx/0x…)."""
    return tab.locator(f"{where} a").last.get_attribute("href").removeprefix("#/tx/")


def open_model(tab, url: str, trainer: str) -> None:
    tab.goto(f"{url}/dashboard/#/model/{trainer}")
    tab.wait_for_selector("#sample-form", timeout=WAIT_MS)
    tab.wait_for_selector("#wallet option", state="attached", timeout=WAIT_MS)


def result(tab, where: str, starts: str) -> str:
    """The text of `where` once it starts with `starts`."""
    tab.locator(where).filter(has_text=re.compile("^" + re.escape(starts))).wait_for(timeout=WAIT_MS)
    return tab.locator(where).inner_text()


def row_of(tab, sender: str):
    return tab.locator(f"tr.contribution[data-sender='{sender.lower()}']")


def choose(tab, account: str) -> None:
    tab.select_option("#wallet", account.lower())
    tab.locator("#yours").get_by_text(account.lower()).wait_for(timeout=WAIT_MS)


def add(tab, sample: str, label: str) -> str:
    """Add `sample` as class `label` from the page; the result's text."""
    tab.fill("#sample", sample)
    tab.select_option("#label", label=label)
    tab.click("#add")
    tab.locator("#sample-result").filter(has_text=re.compile(r"^(added|reverted|Sample)")).wait_for(timeout=WAIT_MS)
    return tab.locator("#sample-result").inner_text()


@pytest.fixture(scope="module")
def staked(node):  # noqa: F811
    model = parse_model(PERCEPTRON)
    return Trainer.load(connection(node), deploy(connection(node), model, "staked", "a staked model", SCALED, WAITS).trainer)


def test_predict_add_refund_and_report_on_the_model_page(node, staked):  # noqa: F811
    with page(loopback=True) as tab:
        open_model(tab, node, staked.address)
        incentive = tab.locator("#incentive").inner_text()
        assert "refund wait\t1 min (60 s)" in incentive and "any-address claim wait\t3 min (180 s)" in incentive
        assert tab.locator("#encoder").input_value() == SCALED  # the trainer's own encoder

        # Predict is free: the page's answer is the binding's.
        tab.fill("#sample", "[0, 1, 0]")
        assert tab.locator("#encoded").inner_text() == "encoded: [0, 1000000000, 0]"
        tab.click("#predict")
        expected = staked.predict(normalize([0, 1, 0]))
        assert result(tab, "#sample-result", "prediction") == f"prediction: {expected} (neg)"

        # Bad input names the value; a sample the contract refuses shows its reason; neither is sent.
        assert add(tab, "[1, x, 0]", "1: pos") == "Sample: value 2 (x) is not a number"
        assert add(tab, "[2, 0, 0]", "1: pos") == f"reverted: {NOT_UNIT}"
        assert staked.contributions() == []

        # dev 0 adds a sample the model agrees with, paying the deposit the page shows.
        before = balance(node, ACCOUNT_0)
        added = add(tab, "[0, 1, 0]", "0: neg")
        [mine] = staked.contributions()
        assert (mine.sender, mine.label, mine.data) == (ACCOUNT_0, 0, normalize([0, 1, 0]))
        assert mine.cost > 0 and f"deposit {mine.cost / 1e18:g} ETH" in added
        assert balance(node, ACCOUNT_0) == before - mine.cost - fee(node, mine.tx_hash)

        # dev 1, chosen in the picker, adds one the model disagrees with.
        choose(tab, ACCOUNT_1)
        assert add(tab, "[1, 0, 0]", "0: neg").startswith("added as class 0 (neg)")
        bad = staked.contributions(ACCOUNT_1)[0]
        assert staked.predict(bad.data) == 1 and len(staked.contributions()) == 2
        # Its refund, before the wait is over: the contract's reason and when the wait ends.
        reason = row_of(tab, ACCOUNT_1).locator(".claim.refund").inner_text()
        assert reason.startswith("Refund: Not enough time has passed. (the refund wait ends at ")
        assert reason.endswith("in 1 min)"), reason

        choose(tab, ACCOUNT_0)
        assert row_of(tab, ACCOUNT_0).locator(".claim.refund").inner_text().startswith("Refund: Not enough time has passed.")
        assert row_of(tab, ACCOUNT_1).locator(".claim.report").inner_text().startswith("Report: Not enough time has passed.")
        assert row_of(tab, ACCOUNT_1).locator(".claim.refund").inner_text() == "Refund: not your contribution"

        # Time moves (from the test); the page sees the new block: dev 0 may take its deposit back,
        # but may not report yet, having no good data refunded.
        rpc = RpcClient(node)
        rpc.request("evm_increaseTime", REFUND_WAIT_S + 1)
        rpc.request("evm_mine")
        refund = row_of(tab, ACCOUNT_0).locator("button.refund")
        refund.wait_for(timeout=WAIT_MS)
        assert row_of(tab, ACCOUNT_1).locator(".claim.report").inner_text().startswith(
            "Report: The sender has not sent any good data. (what is left may be taken after ")
        before = balance(node, ACCOUNT_0)
        refund.click()
        refunded = result(tab, "#claim-result", "Refund")
        refund_tx = tx_of(tab, "#claim-result")
        assert f"paid {mine.cost / 1e18:g} ETH" in refunded
        assert balance(node, ACCOUNT_0) == before + mine.cost - fee(node, refund_tx)
        assert staked.num_valid(ACCOUNT_0) == 1
        # The account's own numbers, as the incentive mechanism keeps them.
        tab.locator("#yours tr").filter(has_text=re.compile(r"^refunded as good\s*1$")).wait_for(timeout=WAIT_MS)
        assert "your contributions\t1" in tab.locator("#yours").inner_text()
        row_of(tab, ACCOUNT_0).get_by_text("Refund: Deposit already claimed by submitter.").wait_for(timeout=WAIT_MS)

        # Now dev 0 has good data: it reports dev 1's contribution and takes its deposit.
        report = row_of(tab, ACCOUNT_1).locator("button.report")
        report.wait_for(timeout=WAIT_MS)
        before = balance(node, ACCOUNT_0)
        report.click()
        reported = result(tab, "#claim-result", "Report")
        report_tx = tx_of(tab, "#claim-result")
        assert f"paid {bad.cost / 1e18:g} ETH" in reported
        assert balance(node, ACCOUNT_0) == before + bad.cost - fee(node, report_tx)
        row_of(tab, ACCOUNT_1).get_by_text("Report: There is no reward left to claim.").wait_for(timeout=WAIT_MS)

        # Each transaction with its gas in the page's table.
        sent = [row.split("\t") for row in tab.locator("#sent tr.sent-row").all_inner_texts()]
        assert [row[0] for row in sent] == ["report", "refund", "addData", "addData", "addData"], sent
        assert sent[0][2] == "success" and re.fullmatch(r"[\d,]+", sent[0][3])
        assert sent[-1][2] == f"failed: {NOT_UNIT}"
        if os.environ.get("SUMCHAIN_SCREENSHOTS") == "1":
            tab.set_viewport_size({"width": 1200, "height": 900})
            tab.screenshot(path=str(SCREENSHOT), full_page=True)


def test_murmurhash3_encodes_text_as_the_original_demo_did(node):  # noqa: F811
    # A Naive Bayes model over hashed words, its trainer's encoder MurmurHash3.
    hey, blockchain, you = 318325784, 3905957473, 814527388  # the original's constants
    model = parse_model({"type": "naive bayes", "classifications": ["greeting", "tech"], "classCounts": [5, 5],
                         "featureCounts": [[[hey, 5], [you, 3]], [[blockchain, 5]]], "totalNumFeatures": 2**32,
                         "smoothingFactor": 1})
    trainer = Trainer.load(connection(node), deploy(connection(node), model, "words", "", "MurmurHash3").trainer)
    with page(loopback=True) as tab:
        open_model(tab, node, trainer.address)
        assert tab.locator("#encoder").input_value() == "MurmurHash3"
        tab.fill("#sample", "Hey  blockchain\nYOU")  # lower-cased, split on any white space
        assert tab.locator("#encoded").inner_text() == f"encoded: [{hey}, {blockchain}, {you}]"
        tab.fill("#sample", "blockchain")
        tab.click("#predict")
        assert result(tab, "#sample-result", "prediction") == f"prediction: {trainer.predict([blockchain])} (tech)"
        # The other encoders name the value they cannot take.
        tab.select_option("#encoder", "none")
        assert tab.locator("#encoded").inner_text() == 'Sample: value 1 (blockchain) is not an integer: the encoder "none" sends integers as given (×1e9 scales decimals)'
        tab.fill("#sample", "[1, 99999999999999999999]")
        assert tab.locator("#encoded").inner_text() == "Sample: value 2 (99999999999999999999) does not fit in int64"


@pytest.mark.skipif(anvil_binary() is None,
                    reason="anvil is not installed (make test installs it in tests/anvil; or SUMCHAIN_ANVIL=PATH)")
def test_predict_and_add_data_on_anvil(dashboard_for):  # noqa: F811
    with anvil_node(anvil_binary()) as anvil:
        conn = connection(anvil)
        trainer = Trainer.load(conn, deploy(conn, parse_model(PERCEPTRON), "on anvil", "", SCALED, WAITS).trainer)
        dashboard = dashboard_for(anvil)
        with page(loopback=True) as tab:
            tab.goto(f"{dashboard.url}#/model/{trainer.address}")
            tab.wait_for_selector("#sample-form", timeout=WAIT_MS)
            tab.wait_for_selector("#wallet option", state="attached", timeout=WAIT_MS)
            tab.fill("#sample", "[0.6, 0.8, 0]")
            tab.click("#predict")
            expected = trainer.predict(normalize([0.6, 0.8, 0]))
            assert result(tab, "#sample-result", "prediction") == f"prediction: {expected} (neg)"
            assert add(tab, "[0.6, 0.8, 0]", "0: neg").startswith("added as class 0 (neg)")
            [added] = trainer.contributions()
            assert added.sender == ACCOUNT_0 and added.cost > 0
            row_of(tab, ACCOUNT_0).get_by_text("Refund: Not enough time has passed.").wait_for(timeout=WAIT_MS)
