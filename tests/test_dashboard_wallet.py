"""The dashboard's wallet (dashboard/static/wallet.js, docs/dashboard.md "Wallets") in real headless
Chromium: the picker's dev accounts, the choice kept across a reload, an injected EIP-1193 provider
that then signs, a refused transaction's reason before anything is sent, and the sent table."""
from __future__ import annotations

import json

import pytest

from contracts.bindings.rpc import RpcClient
from tests.browser import page
from tests.test_dashboard import ACCOUNT_0, ACCOUNT_1, WAIT_MS, node  # noqa: F401 (the node fixture)

ACCOUNT_2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"

# An injected wallet as MetaMask injects one: window.ethereum with request(), holding one account
# (dev account 2, whose key the node holds, so the node can sign what the wallet passes on).
INJECTED = """
window.injectedCalls = [];
window.ethereum = {
  async request({ method, params }) {
    window.injectedCalls.push(method);
    if (method === "eth_requestAccounts") return [%(account)s];
    const answer = await fetch("/", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then((r) => r.json());
    if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
    return answer.result;
  },
};
"""

# Send from the page's own wallet module, as a page's button does.
SEND = """async ([to, value, data]) => {
  const { chain } = await import("./static/dom.js");
  try {
    const sent = await chain.wallet.send("test transfer", { to, value, data });
    return { hash: sent.hash, gas: sent.gasUsed.toString() };
  } catch (error) {
    return { error: error.message, reason: error.reason ?? null };
  }
}"""


def balance(url: str, address: str) -> int:
    return int(RpcClient(url).request("eth_getBalance", address, "latest"), 16)


def wait_for_picker(tab) -> None:
    tab.wait_for_selector("#wallet option", state="attached", timeout=WAIT_MS)


def test_the_picker_lists_the_dev_accounts_and_sends_from_the_chosen_one(node):
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/")
        wait_for_picker(tab)
        options = tab.locator("#wallet option").all_inner_texts()
        assert options[:2] == ["dev 0: 0xf39fd6e5…b92266", "dev 1: 0x70997970…dc79c8"] and len(options) == 10, options
        tab.select_option("#wallet", ACCOUNT_1.lower())
        tab.reload()  # the choice is kept
        wait_for_picker(tab)
        assert tab.locator("#wallet").input_value() == ACCOUNT_1.lower()
        before = balance(node, ACCOUNT_2)
        sent = tab.evaluate(SEND, [ACCOUNT_2, str(10**18), "0x"])
        assert "error" not in sent, sent
        tx = RpcClient(node).request("eth_getTransactionByHash", sent["hash"])
        assert tx["from"] == ACCOUNT_1.lower() and balance(node, ACCOUNT_2) == before + 10**18
        row = tab.locator("#sent tr.sent-row").first
        row.wait_for(timeout=WAIT_MS)
        assert row.inner_text().split("\t") == ["test transfer", f"{sent['hash'][:10]}…{sent['hash'][-6:]}", "success", "21,000"]


def test_a_refused_transaction_shows_its_reason_and_sends_nothing(node):
    with page(loopback=True) as tab:
        tab.goto(f"{node}/dashboard/")
        wait_for_picker(tab)
        nonce = RpcClient(node).request("eth_getTransactionCount", ACCOUNT_0, "latest")
        # Creation code that reverts with Error("no"): mstore the ABI-encoded reason, revert it.
        reason = "08c379a0" + "20".rjust(64, "0") + "2".rjust(64, "0") + "6e6f".ljust(64, "0")
        code = "".join(f"7f{reason[i:i + 64].ljust(64, '0')}60{i // 2:02x}52" for i in range(0, len(reason), 64))
        code += f"60{len(reason) // 2:02x}6000fd"
        sent = tab.evaluate(SEND, [None, "0", "0x" + code])
        assert sent == {"error": "reverted: no", "reason": "no"}, sent
        assert RpcClient(node).request("eth_getTransactionCount", ACCOUNT_0, "latest") == nonce
        tab.locator("#sent tr.sent-row.failed").get_by_text("failed: no").wait_for(timeout=WAIT_MS)


def test_an_injected_eip1193_wallet_is_offered_and_then_signs(node):
    with page(loopback=True) as tab:
        tab.add_init_script(INJECTED % {"account": json.dumps(ACCOUNT_2)})
        tab.goto(f"{node}/dashboard/")
        wait_for_picker(tab)
        assert tab.locator("#wallet option").last.inner_text() == "injected wallet (EIP-1193)"
        tab.select_option("#wallet", "injected")
        tab.wait_for_function("window.injectedCalls.includes('eth_requestAccounts')", timeout=WAIT_MS)
        sent = tab.evaluate(SEND, [ACCOUNT_0, "1", "0x"])
        assert "error" not in sent, sent
        assert RpcClient(node).request("eth_getTransactionByHash", sent["hash"])["from"] == ACCOUNT_2.lower()
        assert "eth_sendTransaction" in tab.evaluate("window.injectedCalls")
