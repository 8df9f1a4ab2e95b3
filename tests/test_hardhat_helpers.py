"""A Hardhat 2 project (tests/hardhat) drives a real `sumchain node` through
@nomicfoundation/hardhat-network-helpers, unchanged: `npx hardhat test --network sumchain`.

The helpers only work on a node whose web3_clientVersion starts with "anvil", "hardhatnetwork" or
"zksync"; sumchain's starts with "anvil/sumchain/". `make test` installs the project's npm packages;
if they are missing this test fails and says so.
"""
from __future__ import annotations

import json
import os
import re
import subprocess

from tests.support import ROOT
from tests.test_cli import NodeProcess, parse_banner

PROJECT = ROOT / "tests" / "hardhat"


def run_mocha(test_file: str, network: str, *node_args: str) -> None:
    """Run one of the project's Mocha files against a fresh node; every test it writes must pass."""
    assert (PROJECT / "node_modules" / ".bin" / "hardhat").exists(), "run `make install` (tests/hardhat's npm packages)"
    process = NodeProcess("--in-memory", "--port", "0", *node_args)
    try:
        url = parse_banner(process.read_banner())["fields"]["JSON-RPC"].split()[0]
        run = subprocess.run(
            [str(PROJECT / "node_modules" / ".bin" / "hardhat"), "test", "--no-compile", "--network", network,
             f"test/{test_file}"],
            cwd=PROJECT, capture_output=True, text=True, timeout=300,
            env=os.environ | {"SUMCHAIN_URL": url, "MOCHA_REPORTER": "json", "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"},
        )
    finally:
        process.kill()
    report = json.loads(run.stdout[run.stdout.index("{"):])
    failures = {test["fullTitle"]: test["err"].get("message") for test in report["failures"]}
    assert failures == {} and run.returncode == 0, run.stderr[-2000:]
    written = re.findall(r'^\s*it\("(.+?)",', (PROJECT / "test" / test_file).read_text(), re.MULTILINE)
    assert sorted(test["title"] for test in report["passes"]) == sorted(written)
    assert report["stats"]["pending"] == 0


def test_hardhat_network_helpers_pass_on_sumchain():
    run_mocha("helpers.test.js", "sumchain")


def test_hardhat_localhost_network_sees_a_hardhat_like_node():
    """What OpenZeppelin's suite needed beyond the helpers (docs/compatibility.md): hardhat_metadata
    (fixed gas instead of racing estimates), views in the latest block's own context, and mined
    failures answered with their revert data under --throw-on-transaction-failures."""
    run_mocha("localhost.test.js", "localhost", "--throw-on-transaction-failures")
