"""bench/gas_vector.py and contracts/bench/VectorBench.sol: every operation's emitted result against a
plain-Python reference built from the same generator, in both modes, and the shape of the rows."""
from __future__ import annotations

import math

import pytest
from eth_utils import keccak

from bench import gas_vector
from bench.gas_vector import OPS, value
from bench.harness import sumchain_node
from contracts.bindings.replica import trunc_div

SIZES = (10, 100)
SEED = gas_vector.SEED
UNIT = 10**9


class FakeBar:
    def __init__(self) -> None:
        self.updates = 0
        self.postfix: list[str] = []

    def update(self, k: int) -> None:
        self.updates += k

    def set_postfix_str(self, text: str) -> None:
        self.postfix.append(text)


@pytest.fixture(scope="module")
def runs():
    """measure() at n = 10 and 100 on a node with the precompiles and on one without."""
    out = {}
    for mode, flags in (("precompile", ()), ("fallback", ("--no-ml-precompiles",))):
        bar = FakeBar()
        with sumchain_node(*flags) as url:
            out[mode] = (gas_vector.measure(url, mode, SIZES, bar), bar)
    return out


# ------------------------------------------------------------------ references


def vec(stream: int, n: int) -> list[int]:
    return [value(SEED, stream, i) for i in range(n)]


def words_hash(v: list[int]) -> str:
    return "0x" + keccak(b"".join((x % 2**256).to_bytes(32, "big") for x in v)).hex()


def word(x: int) -> str:
    return "0x" + (x % 2**256).to_bytes(32, "big").hex()


def indices(n: int) -> list[int]:
    return [(value(SEED, 4, j) + UNIT) % n for j in range(max(1, n // 50))]


def reference(op: str, n: int) -> str:
    x, y = vec(1, n), vec(2, n)
    if op == "dot":
        return word(sum(a * b for a, b in zip(x, y)))
    if op == "sqDist":
        return word(sum((a - b) ** 2 // UNIT for a, b in zip(x, y)))
    if op == "norm":
        return word(math.isqrt(sum(a * a for a in x)))
    if op == "nearest":
        c = vec(3, 4 * n)
        dists = [sum((a - c[j * n + i]) ** 2 // UNIT for i, a in enumerate(x)) for j in range(4)]
        return word(dists.index(min(dists)))
    if op == "perceptronUpdate":
        return words_hash([w + trunc_div(a * UNIT, UNIT) for w, a in zip(x, y)])
    if op == "centroidUpdate":
        return words_hash([trunc_div(c * 100 + a, 101) for c, a in zip(x, y)])
    idx = indices(n)
    vals = vec(5, len(idx))
    if op == "sparseDot":
        return word(sum(x[i] * v for i, v in zip(idx, vals)))
    if op == "sparseAdd":
        out = list(x)
        for i, v in zip(idx, vals):
            out[i] += v
        return words_hash(out)
    if op == "argmax":
        return word(x.index(max(x)))
    if op == "countEqual":
        return word(sum(1 for i in range(n) if i % 3 != 0))
    stored, inputs = vec(6, n), vec(7, n)
    if op == "store set":
        return words_hash(stored)
    if op == "store dot":
        return word(sum(a * b for a, b in zip(stored, inputs)))
    if op == "store perceptron":  # bias 1e30 predicts 1, label 0: v -= x
        return words_hash([a - b for a, b in zip(stored, inputs)])
    raise AssertionError(op)


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("mode", ["precompile", "fallback"])
def test_results_match_the_reference(runs, mode):
    rows, _ = runs[mode]
    assert [(row["op"], row["n"]) for row in rows] == [(op, n) for op in OPS for n in SIZES]
    for row in rows:
        assert row["status"] == "ok", row
        assert row["result"] == reference(row["op"], row["n"]), (row["op"], row["n"])


@pytest.mark.parametrize("mode", ["precompile", "fallback"])
def test_rows_and_bar(runs, mode):
    rows, bar = runs[mode]
    assert bar.updates == gas_vector.steps(SIZES) == len(rows)
    assert bar.postfix[-1] == f"{OPS[-1]} n={SIZES[-1]}"
    for row in rows:
        assert set(row) >= {"op", "n", "mode", "status", "op_gas", "gas_used", "seconds"}
        assert row["mode"] == mode
        assert 0 < row["op_gas"] < row["gas_used"]
        assert row["seconds"] >= 0


def test_precompile_is_cheaper(runs):
    gas = {mode: {(r["op"], r["n"]): r["op_gas"] for r in runs[mode][0]} for mode in runs}
    assert gas["precompile"][("dot", 100)] < gas["fallback"][("dot", 100)]
    assert gas["precompile"][("store set", 100)] < gas["fallback"][("store set", 100)]


def test_wrong_mode_is_refused():
    with sumchain_node("--no-ml-precompiles") as url:
        with pytest.raises(RuntimeError, match="fallback mode"):
            gas_vector.measure(url, "precompile", [10], FakeBar())


def test_markdown_and_chart(runs, tmp_path):
    rows = runs["precompile"][0] + runs["fallback"][0]
    rows.append({"op": "store set", "n": 10_000, "mode": "fallback", "status": gas_vector.EXCEEDS,
                 "op_gas": None, "gas_used": None, "seconds": 1.0})
    text = gas_vector.markdown(rows)
    assert "| op | n | precompile gas | fallback gas | fallback / precompile |" in text
    dot = {r["mode"]: r["op_gas"] for r in rows if r["op"] == "dot" and r["n"] == 100}
    assert f"| dot | 100 | {dot['precompile']:,} | {dot['fallback']:,} |" in text
    assert f"| store set | 10,000 | – | – ({gas_vector.EXCEEDS}) | – |" in text
    path = tmp_path / "vector.png"
    gas_vector.chart(rows, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_out_of_gas_is_exceeds():
    """A measurement that runs out of the gas it was sent with is EXCEEDS, not a crash."""
    from contracts.bindings.contract import Connection, artifact

    with sumchain_node("--no-ml-precompiles") as url:
        conn = Connection.open(url)
        address = conn.send(None, bytes.fromhex(artifact("VectorBench")["bytecode"][2:])).contract_address
        status, _ = gas_vector._send(conn, address, gas_vector._MEASURE.encode(OPS.index("store set"), 100, 1), 200_000)
        assert status == gas_vector.EXCEEDS
        status, _ = gas_vector._send(conn, address, gas_vector._MEASURE.encode(99, 10, 1), 200_000)
        assert status == "reverted: VectorBench: unknown op"
