"""`sumchain bench gas --quick` runs end to end and its JSON has every field (no timing asserts)."""
from __future__ import annotations

import json

import pytest

from sumchain.cli import main

VECTOR_FIELDS = {"op", "n", "mode", "status", "op_gas", "gas_used", "seconds"}
SPLIT_FIELDS = {"fork", "mode", "model", "action", "entry", "gas_used", "intrinsic", "floor", "execution", "floor_binds"}
GOAL_FIELDS = {"model", "action", "entry", "precompile_execution", "fallback_execution", "execution_ratio",
               "precompile_seconds", "fallback_seconds", "seconds_ratio", "goal"}


def test_quick_gas_bench_writes_every_field(tmp_path) -> None:
    assert main(["bench", "gas", "--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "gas.json").read_text())
    assert {"machine", "command", "vector_ops", "sum_actions", "market", "goals", "original", "forks",
            "sizes"} <= set(result)
    assert {"date", "machine", "cores", "memory_gib", "python"} <= set(result["machine"])

    vector = result["vector_ops"]
    assert {(r["mode"], r["n"]) for r in vector} == {(m, n) for m in ("precompile", "fallback") for n in result["sizes"]}
    for row in vector:
        assert VECTOR_FIELDS <= set(row), row
        assert row["status"] == "ok" and row["op_gas"] > 0 and row["gas_used"] > row["op_gas"], row

    actions = result["sum_actions"]
    assert {r["mode"] for r in actions} == {"precompile", "fallback"}
    for row in actions:
        if row["action"] == "deploy":
            assert {"gas_used", "transactions", "largest_transaction"} <= set(row), row
        else:
            assert SPLIT_FIELDS <= set(row), row
            assert row["gas_used"] >= row["intrinsic"] and row["execution"] > 0, row
    named = {(r["model"], r["action"], r["entry"]) for r in actions}
    for action in ("deploy", "predict", "addData, model agrees", "addData, model updates", "refund", "report"):
        assert ("DensePerceptron d=9", action, "abi") in named, action
    assert all("seconds" in r for r in actions if r["action"] == "addData, model updates")

    assert {g["entry"] for g in result["goals"]} == {"abi", "packed"}
    for goal in result["goals"]:
        assert GOAL_FIELDS <= set(goal)
        assert goal["fallback_execution"] > goal["precompile_execution"]
    from bench.gas_market import ACTIONS as MARKET_ACTIONS

    assert {(r["mode"], r["action"]) for r in result["market"]} == {
        (m, a) for m in ("precompile", "fallback") for a in MARKET_ACTIONS}
    for row in result["market"]:
        assert {"fork", "mode", "action", "gas_used", "intrinsic", "execution"} <= set(row) and row["gas_used"] > 21_000
    for name in ("gas.md", "gas.png", "gas-vector.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_gas_bench_refuses_unknown_flags(capsys) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["bench", "gas", "--no-such-flag"])
    assert refused.value.code == 2 and "--no-such-flag" in capsys.readouterr().err
