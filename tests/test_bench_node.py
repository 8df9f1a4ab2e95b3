"""`sumchain bench node --quick --against` runs end to end and writes every field (no timing checked).

The node compared against is a second sumchain without the ML precompiles: it exercises --against and
the SUM contracts' plain-Solidity paths without needing Hardhat, Anvil or Ganache."""
from __future__ import annotations

import json
import socket

import pytest

from bench.harness import sumchain_node
from bench.node import WORKLOADS, main

NODE_FIELDS = {"name", "url", "client_version", "chain_id", "mode", "deploy_transactions", "deploy_gas",
               "deploy_seconds", "add_data_gas_limit", "add_data_gas_used"}
ROW_FIELDS = {"workload", "unit", "clients", "node", "count", "seconds", "per_second", "median_ms", "p95_ms"}


def test_quick_bench_against_a_node_without_precompiles(tmp_path):
    with sumchain_node("--no-ml-precompiles") as other:
        assert main(["--quick", "--mine", "3", "--out", str(tmp_path), "--against", other]) == 0
    result = json.loads((tmp_path / "node.json").read_text())
    assert {"machine", "command", "settings", "nodes", "rows"} <= result.keys()
    assert {"date", "cores", "memory_gib"} <= result["machine"].keys()
    assert result["command"].startswith("sumchain bench node --quick")
    assert result["settings"]["quick"] is True and result["settings"]["clients"] == 2

    ours, theirs = result["nodes"]
    for node in (ours, theirs):
        assert NODE_FIELDS <= node.keys(), NODE_FIELDS - node.keys()
        assert node["client_version"].startswith("anvil/sumchain/")
    assert (ours["name"], ours["mode"]) == ("sumchain", "precompiles")
    assert theirs["mode"] == "fallback" and theirs["name"] != ours["name"] and theirs["url"] == other
    assert theirs["add_data_gas_used"] > ours["add_data_gas_used"]  # the Solidity paths cost more gas
    assert ours["rss_mib"] > 0 and ours["rss_mib_after_mining"] > 0 and ours["blocks_mined"] == 3

    rows = result["rows"]
    for row in rows:
        assert ROW_FIELDS <= row.keys(), ROW_FIELDS - row.keys()
        assert row["per_second"] > 0 and row["count"] > 0 and row["p95_ms"] >= 0
    cells = {(row["workload"], row["clients"], row["node"]) for row in rows}
    assert cells == {(w, c, n["name"]) for w in WORKLOADS for c in (1, 2) for n in (ours, theirs)}
    assert {row["count"] for row in rows if row["workload"] == "addData"} == {4}

    text = (tmp_path / "node.md").read_text()
    assert "resident size" in text and "after 3 more (empty) blocks" in text
    assert "| workload | clients | sumchain /s |" in text and theirs["name"] in text and "ratio" in text
    assert (tmp_path / "node.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"



def test_an_unreachable_other_node_is_one_line_and_exit_1(capsys):
    with socket.socket() as probe:  # a loopback port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert main(["--quick", "--against", url]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: cannot reach a node at {url}"), err


def test_unknown_flags_are_refused(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["--no-such-flag"])
    assert refused.value.code == 2 and "--no-such-flag" in capsys.readouterr().err
