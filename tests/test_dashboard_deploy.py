"""The dashboard's deploy page (dashboard/static/deploy-page.js, dashboard/deploying.py,
docs/dashboard.md "Deploy") in real headless Chromium: model files given through the file input,
the live status table, and then the chain holds the same model as the Python deploy() makes from
the same file, in the same transactions; a bad field or broken JSON named on the page; a refusal
mid-way; and on Anvil through ``sumchain dashboard --rpc``, where chunks halve."""
from __future__ import annotations

import json
import os
import pathlib

import pytest

from bench.harness import anvil_binary, anvil_node
from contracts.bindings import Connection, IncentiveSettings, Trainer, deploy, parse_model
from contracts.bindings.contract import Function, Sender
from contracts.bindings.rpc import RpcClient
from dashboard.app import MAX_REQUEST_BYTES
from tests.browser import page
from tests.test_dashboard import ACCOUNT_0, WAIT_MS, dashboard_for, node  # noqa: F401 (fixtures)
from tests.test_dashboard_wallet import INJECTED

SCREENSHOT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "dashboard-deploy.png"
DEPLOY_MS = 120_000  # a whole deployment, every transaction mined
DENSE = {"type": "dense perceptron", "classifications": ["neg", "pos"], "weights": [1.0, -1.0, 0.5] * 400,
         "intercept": 0.25, "learningRate": 0.5}
MODELS = {
    "sparse perceptron": {"type": "sparse perceptron", "classifications": ["no", "yes"], "weights": [0.5, -0.5] * 200,
                          "sparseWeights": {str(1000 + i): (-1) ** i for i in range(200)}, "intercept": 0},
    "naive bayes": {"type": "naive bayes", "classifications": ["a", "b", "c"], "classCounts": [5, 5, 5],
                    "featureCounts": [[[i, 1 + (i + c) % 3] for i in range(300)] for c in range(3)],
                    "totalNumFeatures": 900, "encoder": "MurmurHash3"},
    "nearest centroid": {"type": "nearest centroid classifier", "centroids": {
        name: {"centroid": [((j * (k + 2)) % 7 - 3) / 3 for j in range(300)], "dataCount": 4 + k}
        for k, name in enumerate(["red", "green", "blue"])}},
    "sparse nearest centroid": {"type": "sparse nearest centroid classifier", "centroids": {
        name: {"centroid": {str(j * (k + 1)): 1 + j % 5 for j in range(260)}, "dataCount": 2}
        for k, name in enumerate(["x", "y"])}},
}
# Samples each model predicts: dense vectors in contract units, or feature indices.
SAMPLES = {
    "dense perceptron": [[10**9, 0, 0] * 400, [0, 10**9, 0] * 400],
    "sparse perceptron": [[0, 2, 4], [1, 3, 1001]],
    "naive bayes": [[0, 1, 2], [5, 7, 299]],
    "nearest centroid": [[((j * 2) % 7 - 3) * 10**9 // 3 for j in range(300)], [10**9] * 300],
    "sparse nearest centroid": [[0, 2, 4, 6], [1, 3, 5, 7]],
}


def conn_for(url: str) -> Connection:
    return Connection(RpcClient(url), Sender(ACCOUNT_0))


def nonce(url: str) -> int:
    return int(RpcClient(url).request("eth_getTransactionCount", ACCOUNT_0, "latest"), 16)


def model_file(tmp_path: pathlib.Path, name: str, document: dict | str) -> str:
    path = tmp_path / f"{name.replace(' ', '-')}.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def choose(tab, dashboard: str, path: str) -> str:
    """Open the deploy page and give it the file; what the page says of it."""
    tab.goto(f"{dashboard}#/deploy")
    tab.set_input_files("#model-file", path)
    tab.wait_for_function("!document.querySelector('#model-summary').textContent.startsWith('Checking')",
                          timeout=WAIT_MS)
    return tab.locator("#model-summary").inner_text() or tab.locator("#deploy-error").inner_text()


def deploy_on_page(tab, dashboard: str, path: str, description: str = "", kind: str | None = None,
                   settings: dict[str, str | bool] | None = None) -> tuple[str, list[list[str]]]:
    """Deploy the file from the page: (the trainer it links to, the status table's rows)."""
    assert "classes" in choose(tab, dashboard, path)
    tab.fill("#model-description", description)
    if kind:
        tab.select_option("#incentive", kind)
    for name, value in (settings or {}).items():
        field = tab.locator(f"#incentive-settings [name={name}]")
        field.set_checked(value) if isinstance(value, bool) else field.fill(value)
    tab.click("#deploy-button")
    tab.wait_for_selector("#deployed, #deploy-error:not([hidden])", timeout=DEPLOY_MS)
    assert tab.locator("#deploy-error").is_hidden(), tab.locator("#deploy-error").inner_text()
    rows = [row.split("\t") for row in tab.locator("tr.deploy-step").all_inner_texts()]
    href = tab.locator("#deployed a").get_attribute("href")
    assert href.startswith("#/model/0x")
    return href.removeprefix("#/model/"), rows


def assert_same_model(url: str, document: dict, on_page: str, rows: list[list[str]], samples: list[list[int]],
                      incentive: IncentiveSettings = IncentiveSettings()) -> Trainer:
    """The page's deployment holds what deploy() makes of the same file, sent as the same steps."""
    conn = conn_for(url)
    python = deploy(conn, parse_model(document), "by python", encoder=document.get("encoder") or "none",
                    incentive=incentive)
    mine, theirs = Trainer.load(conn, on_page), Trainer.load(conn, python.trainer)
    assert mine.model_type() == theirs.model_type() == parse_model(document).type
    assert mine.classifications() == theirs.classifications()
    assert [mine.predict(sample) for sample in samples] == [theirs.predict(sample) for sample in samples]
    assert [row[1] for row in rows] == [step.action for step in python.steps]
    assert all(row[2] == "success" for row in rows), rows
    created = {row[5] for row in rows if row[5] != "—"}
    assert {mine.classifier.lower(), mine.data_handler.lower(), mine.incentive_mechanism.lower(), on_page} == created
    return mine


def test_a_dense_perceptron_deployed_from_the_page_with_stakeable_waits(node, tmp_path):
    path = model_file(tmp_path, "dense model", DENSE)
    before = nonce(node)
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/#/deploy")
        tab.select_option("#incentive", "stakeable")  # the defaults come from IncentiveSettings
        defaults = IncentiveSettings()
        assert tab.input_value("#incentive-settings [name=refund_wait_s]") == str(defaults.refund_wait_s)
        assert tab.input_value("#incentive-settings [name=cost_weight]") == str(defaults.cost_weight)
        trainer, rows = deploy_on_page(tab, f"{node}/dashboard/", path, "from the page", "stakeable",
                                       {"refund_wait_s": "60", "owner_claim_wait_s": "120",
                                        "any_address_claim_wait_s": "180", "cost_weight": "7"})
        assert rows[0][1] == "DensePerceptron constructor: weights 0-449 of 1200"
        assert [row[0] for row in rows] == [str(i) for i in range(1, 10)]
        assert all(int(row[4].replace(",", "")) > 0 and row[3].startswith("0x") for row in rows)
        assert tab.locator("#deployed").inner_text().startswith("Deployed in 9 transactions")
        assert nonce(node) - before == len(rows)
        if os.environ.get("SUMCHAIN_SCREENSHOTS") == "1":
            tab.set_viewport_size({"width": 1200, "height": 900})
            tab.screenshot(path=str(SCREENSHOT), full_page=True)
        tab.click("#deployed a")  # the new model's page, where the deployed model takes data
        tab.wait_for_selector("#sample-form", timeout=WAIT_MS)
        assert tab.locator("h1").inner_text() == "dense-model"  # the file name, as the CLI names it
        unit = [10**9] + [0] * (len(DENSE["weights"]) - 1)
        tab.fill("#sample", json.dumps(unit))
        tab.select_option("#label", label="1: pos")
        tab.click("#add")
        tab.locator("#sample-result").get_by_text("added").wait_for(timeout=WAIT_MS)
    settings = IncentiveSettings("stakeable", 60, 120, 180, 7)
    mine = assert_same_model(node, DENSE, trainer, rows, SAMPLES["dense perceptron"], settings)
    [added] = mine.contributions()  # the sample added on the new model's page
    assert (added.sender, added.label, added.data) == (ACCOUNT_0, 1, unit)
    info = mine.info()
    assert (info.name, info.description, info.encoder, info.incentive) == ("dense-model", "from the page", "none", "stakeable")
    assert (info.refund_wait_s, info.owner_claim_wait_s, info.any_address_claim_wait_s, info.cost_weight) == (60, 120, 180, 7)


@pytest.mark.parametrize("kind", list(MODELS))
def test_a_model_deployed_from_the_page_is_the_one_deploy_makes(node, tmp_path, kind):
    document = MODELS[kind]
    with page(loopback=True) as tab:
        trainer, rows = deploy_on_page(tab, f"{node}/dashboard/", model_file(tmp_path, kind, document))
    info = assert_same_model(node, document, trainer, rows, SAMPLES[kind]).info()
    assert (info.incentive, info.encoder) == ("points", document.get("encoder", "none"))


def test_a_prediction_market_takes_its_own_settings(node, tmp_path):
    document = {**MODELS["naive bayes"], "featureCounts": [[[0, 1]], [[1, 1]], [[2, 1]]], "totalNumFeatures": 3}
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/#/deploy")
        tab.select_option("#incentive", "prediction-market")
        assert tab.locator("#incentive-settings [name=refund_wait_s]").count() == 0  # not a market's setting
        trainer, rows = deploy_on_page(tab, f"{node}/dashboard/", model_file(tmp_path, "market", document),
                                       kind="prediction-market", settings={
                                           "min_stake": "5", "allow_greater_deposit": True, "reveal_timeout_s": "600"})
    settings = IncentiveSettings("prediction-market", min_stake=5, allow_greater_deposit=True, reveal_timeout_s=600)
    mine = assert_same_model(node, document, trainer, rows, SAMPLES["naive bayes"], settings)
    market = mine.incentive_mechanism
    views = [Function(name, (), (kind,)) for name, kind in
             (("minStake", "uint256"), ("allowGreaterDeposit", "bool"), ("revealTimeoutS", "uint32"))]
    assert [mine.conn.call(market, view) for view in views] == [5, True, 600]


def test_a_bad_field_broken_json_a_huge_file_and_bad_settings_are_named_and_nothing_is_sent(node, tmp_path):
    bad_field = {**DENSE, "weights": [1.0, "heavy", 0.5]}
    before = nonce(node)
    with page(loopback=True) as tab:
        said = choose(tab, f"{node}/dashboard/", model_file(tmp_path, "bad field", bad_field))
        assert said == "bad-field.json: field 'weights[1]': expected a number, got 'heavy'"
        tab.click("#deploy-button")
        tab.get_by_text("Choose a valid model file first.").wait_for(timeout=WAIT_MS)
        # Broken JSON, dropped on the form.
        drop = tab.evaluate_handle("""() => {
          const files = new DataTransfer();
          files.items.add(new File(['{"type": "naive bayes",'], "broken.json", { type: "application/json" }));
          return files;
        }""")
        tab.dispatch_event("#deploy-form", "drop", {"dataTransfer": drop})
        tab.wait_for_function("!document.querySelector('#model-summary').textContent.startsWith('Checking')",
                              timeout=WAIT_MS)
        said = tab.locator("#deploy-error").inner_text()
        assert said.startswith("broken.json: not JSON: Expecting property name enclosed in double quotes: line 1")
        huge = model_file(tmp_path, "huge", json.dumps({**DENSE, "padding": "x" * MAX_REQUEST_BYTES}))
        assert choose(tab, f"{node}/dashboard/", huge).startswith("the dashboard server answered 413: ")
        assert "classes" in choose(tab, f"{node}/dashboard/", model_file(tmp_path, "good", DENSE))
        tab.select_option("#incentive", "points")
        tab.fill("#incentive-settings [name=refund_wait_s]", "soon")
        tab.click("#deploy-button")
        tab.get_by_text("Incentive mechanism: the refund wait (s) must be a whole number, got 'soon'").wait_for(timeout=WAIT_MS)
        tab.fill("#incentive-settings [name=refund_wait_s]", str(10**6))
        tab.click("#deploy-button")
        tab.get_by_text("Incentive mechanism: the waits must satisfy refund wait <= owner claim wait").wait_for(timeout=WAIT_MS)
        assert tab.locator("tr.deploy-step").count() == 0
    assert nonce(node) == before


# An injected wallet whose user rejects the fifth transaction it is asked to sign (MetaMask's 4001).
REJECTING = INJECTED.replace("window.injectedCalls.push(method);", """window.injectedCalls.push(method);
    if (method === "eth_sendTransaction" && window.injectedCalls.filter((m) => m === method).length === 5)
      throw Object.assign(new Error("User rejected the request."), { code: 4001 });""")


def test_a_failure_mid_way_names_its_step_and_leaves_the_table(node, tmp_path):
    path = model_file(tmp_path, "rejected", DENSE)
    with page(loopback=True) as tab:
        tab.add_init_script(REJECTING % {"account": json.dumps(ACCOUNT_0)})
        tab.goto(f"{node}/dashboard/")
        tab.wait_for_selector("#wallet option", state="attached", timeout=WAIT_MS)
        tab.select_option("#wallet", "injected")
        assert "classes" in choose(tab, f"{node}/dashboard/", path)
        tab.click("#deploy-button")
        tab.get_by_text('Failed at "Points64": User rejected the request.').wait_for(timeout=DEPLOY_MS)
        rows = [row.split("\t") for row in tab.locator("tr.deploy-step").all_inner_texts()]
        assert [row[2] for row in rows] == ["success"] * 4 + ["failed: User rejected the request."]
        assert rows[4][1] == "Points64" and rows[4][3] == "—"
        assert tab.locator("#deployed").count() == 0
        assert tab.locator("#deploy-button").is_enabled()


@pytest.mark.skipif(anvil_binary() is None,
                    reason="anvil is not installed (make test installs it in tests/anvil; or SUMCHAIN_ANVIL=PATH)")
def test_deploy_on_anvil_through_the_proxy_halves_the_chunks_as_deploy_does(dashboard_for, tmp_path):
    document = MODELS["naive bayes"]
    with anvil_node(anvil_binary()) as anvil:
        dashboard = dashboard_for(anvil)
        with page(loopback=True) as tab:
            trainer, rows = deploy_on_page(tab, dashboard.url, model_file(tmp_path, "on anvil", document))
        # The plain-Solidity constructor does not take 150 pairs per class on Anvil: halved to fit.
        assert rows[0][1].startswith("NaiveBayesClassifier constructor: classes 0-2 of 3, first ")
        assert not rows[0][1].endswith("first 150 entries each")
        assert_same_model(anvil, document, trainer, rows, SAMPLES["naive bayes"])
