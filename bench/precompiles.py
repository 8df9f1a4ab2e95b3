"""Gas calibration of the ML precompiles against ECRECOVER, measured in the same run.

Run: ``sumchain bench precompiles`` (or ``.venv/bin/python bench/precompiles.py``).
Each operation is timed on this node over sizes 1 to 65,536 with inputs that
take its slowest exact path; its gas (from the schedule in vm/precompiles/gas.py)
divided by its time must stay within [0.5, 4] x ECRECOVER's gas per microsecond.
Prints the table, writes docs/gas-schedule.md, bench/results/gas-schedule.json
and docs/gas-schedule.png, and times a 30M-gas block of the cheapest operation
per microsecond against a 30M-gas block of ECRECOVER calls.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eth.precompiles import ecrecover  # noqa: E402
from eth.vm.message import Message  # noqa: E402
from eth_keys import keys  # noqa: E402

from node.chain import Chain  # noqa: E402
from node.genesis import load_genesis  # noqa: E402
from vm.precompiles import PRECOMPILES  # noqa: E402
from vm.precompiles.encoding import WORDS, encode_input  # noqa: E402
from vm.precompiles.gas import GAS  # noqa: E402
from vm.precompiles.store import STORE_GAS, vstore  # noqa: E402

PRICES = {**GAS, **STORE_GAS}

ECRECOVER_GAS = 3000
TIMER_SENDER = b"\x11" * 20  # the caller of every timed precompile (the store's owner)
LOWER, UPPER = 0.5, 4.0  # allowed gas-per-microsecond, relative to ECRECOVER
SIZES = (1, 16, 256, 1024, 4096, 16384, 65536)
DOCS = ROOT / "docs"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Measurement:
    op: str
    size: int
    microseconds: float
    gas: int

    def gas_per_us(self) -> float:
        return self.gas / self.microseconds


class Timer:
    """Runs a precompile function on fresh computations over one state, timing only the call."""

    def __init__(self, chain: Chain) -> None:
        self.state = chain.state_at()
        self.context = self.state.get_transaction_context_class()(gas_price=0, origin=b"\0" * 20)

    def computation(self, to: bytes, data: bytes):
        message = Message(gas=10**12, to=to, sender=TIMER_SENDER, value=0, data=data, code=b"")
        return self.state.get_computation(message, self.context)

    def time(self, function: Callable, to: bytes, data: bytes, budget_seconds: float = 0.3) -> tuple[float, int]:
        """Median microseconds per call over repeated runs, and the gas one call charged."""
        samples = []
        spent = 0.0
        gas = 0
        while spent < budget_seconds or len(samples) < 5:
            batch = [self.computation(to, data) for _ in range(max(1, min(50, int(len(samples) * 0.5) + 1)))]
            start = time.perf_counter()
            for computation in batch:
                function(computation)
            elapsed = time.perf_counter() - start
            spent += elapsed
            samples.append(elapsed / len(batch))
            gas = batch[0].get_gas_used()
            if len(samples) > 200:
                break
        samples.sort()
        return samples[len(samples) // 2] * 1e6, gas


def ecrecover_input() -> bytes:
    private_key = keys.PrivateKey(b"\x42" * 32)
    message_hash = b"\x24" * 32
    v, r, s = private_key.sign_msg_hash(message_hash).vrs
    return message_hash + (v + 27).to_bytes(32, "big") + r.to_bytes(32, "big") + s.to_bytes(32, "big")


def spammer_code(precompile: bytes, data: bytes) -> bytes:
    """Runtime code that STATICCALLs ``precompile`` with ``data`` until under 60k gas is left."""
    length = len(data).to_bytes(2, "big")
    address = precompile[-2:]
    prologue = bytes.fromhex("61") + length + bytes.fromhex("61") + b"\0\0" + bytes.fromhex("6000" "39")
    loop_start = len(prologue)
    body = (
        bytes.fromhex("5b")                               # JUMPDEST
        + bytes.fromhex("5a" "62") + (60_000).to_bytes(3, "big") + bytes.fromhex("11")  # 60000 > GAS?
        + bytes.fromhex("61") + b"\0\0" + bytes.fromhex("57")  # JUMPI to the end (patched below)
        + bytes.fromhex("6000" "6000" "61") + length + bytes.fromhex("6000" "61") + address
        + bytes.fromhex("5a" "fa" "50")                   # GAS STATICCALL POP
        + bytes.fromhex("61") + loop_start.to_bytes(2, "big") + bytes.fromhex("56")  # JUMP loop
    )
    end = loop_start + len(body)
    body = body.replace(bytes.fromhex("61") + b"\0\0" + bytes.fromhex("57"), bytes.fromhex("61") + end.to_bytes(2, "big") + bytes.fromhex("57"), 1)
    code = prologue + body + bytes.fromhex("5b" "00")    # JUMPDEST STOP
    data_offset = len(code)
    code = code.replace(bytes.fromhex("61") + length + bytes.fromhex("61") + b"\0\0", bytes.fromhex("61") + length + bytes.fromhex("61") + data_offset.to_bytes(2, "big"), 1)
    return code + data


def full_block_seconds(precompile: bytes, data: bytes) -> tuple[float, int]:
    """Wall time to mine a 30M-gas block of two 15M-gas loops over ``precompile``, and its gas."""
    chain = Chain.open(load_genesis(ROOT / "genesis" / "dev.json"), None)
    spammer = b"\x5a" * 20
    chain.set_code(spammer, spammer_code(precompile, data))
    chain.set_automine(False)
    for account in chain.accounts[:2]:
        chain.send_transaction(account.address, spammer, gas=15_000_000)
    start = time.perf_counter()
    block = chain.mine()
    elapsed = time.perf_counter() - start
    chain.close()
    return elapsed, block.header.gas_used


INT64 = (-(2**63), 2**63 - 1)
INT80 = (-(2**79), 2**79 - 1)


def _vector(rng: random.Random, d: int, bounds: tuple[int, int]) -> list[int]:
    return [rng.randint(*bounds) for _ in range(d)]


def op_input(name: str, n: int, rng: random.Random) -> bytes:
    """An input reading about ``n`` elements, with values that take the slowest exact path
    (int64 data against int80 weights: products beyond int64, so no numpy shortcut)."""
    d = max(1, n // 2)
    if name in ("VDOT", "VCOUNTEQ"):
        return encode_input(WORDS, [], [_vector(rng, d, INT64), _vector(rng, d, INT80)])
    if name == "VSQDIST":
        return encode_input(WORDS, [10**9], [_vector(rng, d, INT64), _vector(rng, d, INT64)])
    if name in ("VNORM", "VARGMAX"):
        return encode_input(WORDS, [], [_vector(rng, max(1, n), INT64)])
    if name == "VNEAREST":
        k = 8
        d = max(1, n // (k + 1))
        return encode_input(WORDS, [10**9, k], [_vector(rng, d, INT64), _vector(rng, k * d, INT64)])
    if name == "VPERCEPTRON":
        return encode_input(WORDS, [-(10**9), 10**9], [_vector(rng, d, INT80), _vector(rng, d, INT64)])
    if name == "VCENTROID":
        return encode_input(WORDS, [12_345], [_vector(rng, d, INT64), _vector(rng, d, INT64)])
    m = max(1, n // 4)
    d = max(1, n - 2 * m)
    weights, indices = _vector(rng, d, INT80), [rng.randrange(d) for _ in range(m)]
    if name == "VSPARSEDOT":
        return encode_input(WORDS, [1], [weights, indices, _vector(rng, m, INT64)])
    if name == "VSPARSEADD":
        return encode_input(WORDS, [-(10**9), 1], [weights, indices, _vector(rng, m, INT64)])
    raise KeyError(name)


VSTORE = (0x0510).to_bytes(20, "big")
STORE_OPS = {"SET": 0x01, "GET": 0x02, "ADDSCALED": 0x03, "CENTROID": 0x04, "DOT": 0x05, "NEAREST": 0x06,
             "SPARSEADD": 0x07, "SPARSEDOT": 0x08, "LENGTH": 0x09, "PERCEPTRON": 0x0A}
NEAREST_K = 4


def store_cases(n: int, rng: random.Random) -> list[tuple[str, int, bytes, list[bytes]]]:
    """(op, elements n as STORE_GAS counts them, input, inputs to run first) for each VSTORE op.

    Stored vectors hold int80-range values (width 16), inputs int64 ones: the slowest exact path.
    Writes overwrite an existing vector of the same length, so no state-growth charge is included
    (that part is priced by rule, 200 gas per added byte, not by measurement)."""
    d = max(1, n // 2)
    stored = _vector(rng, d, INT80)

    def op(name: str, params: list[int], vectors: list[list[int]]) -> bytes:
        return encode_input(WORDS, params, vectors, op=STORE_OPS[name])

    def set_vector(vector_id: int, values: list[int]) -> bytes:
        return op("SET", [vector_id, 16], [values])

    setup = [set_vector(1, stored)]
    x = _vector(rng, d, INT64)
    m = max(1, n // 4)
    indices, values = [rng.randrange(d) for _ in range(m)], _vector(rng, m, INT64)
    k_d = max(1, n // (NEAREST_K + 1))
    centroids = [_vector(rng, k_d, INT64) for _ in range(NEAREST_K)]
    owner_word = int.from_bytes(TIMER_SENDER, "big")
    return [
        ("VSTORE_SET", d, set_vector(1, stored), setup),
        ("VSTORE_GET", d, op("GET", [owner_word, 1], []), setup),
        ("VSTORE_ADDSCALED", 2 * d, op("ADDSCALED", [1, 0, 10**9], [x]), setup),  # rate 0: values stay in width
        ("VSTORE_CENTROID", 2 * d, op("CENTROID", [1, 7], [x]), setup),
        ("VSTORE_DOT", 2 * d, op("DOT", [owner_word, 1], [x]), setup),
        ("VSTORE_NEAREST", NEAREST_K + k_d + NEAREST_K * k_d,
         op("NEAREST", [owner_word, 10**9], [list(range(10, 10 + NEAREST_K)), _vector(rng, k_d, INT64)]),
         [set_vector(10 + j, c) for j, c in enumerate(centroids)]),
        ("VSTORE_SPARSEADD", 2 * m + d, op("SPARSEADD", [1, 0, 1], [indices, [0] * m]), setup),
        ("VSTORE_SPARSEDOT", 3 * m, op("SPARSEDOT", [owner_word, 1, 1], [indices, values]), setup),
        ("VSTORE_LENGTH", 0, op("LENGTH", [owner_word, 1], []), setup),
        # the label the stored weights get wrong, so the step rewrites them (rate 0 keeps them in width)
        ("VSTORE_PERCEPTRON", 2 * d,
         op("PERCEPTRON", [1, 0, 0, 10**9, 0 if sum(a * b for a, b in zip(stored, x)) > 0 else 1], [x]), setup),
    ]


def measure_store(timer: Timer, sizes: tuple[int, ...]) -> list[Measurement]:
    rng = random.Random(3)
    found = []
    for size in sizes:
        for name, n, data, setup in store_cases(size, rng):
            for prepared in setup:
                computation = timer.computation(VSTORE, prepared)
                vstore(computation)
                assert not computation.is_error, computation.error
            microseconds, gas = timer.time(vstore, VSTORE, data)
            found.append(Measurement(name, n, microseconds, gas))
            print(f"  {name:<17} n={n:<6} {microseconds:>10.1f} us {gas:>9,} gas", flush=True)
    return found


def measure(timer: Timer, sizes: tuple[int, ...]) -> list[Measurement]:
    rng = random.Random(1)
    found = []
    for precompile in PRECOMPILES:
        if precompile.name not in GAS:
            continue
        for size in sizes:
            data = op_input(precompile.name, size, rng)
            microseconds, gas = timer.time(precompile.function, precompile.address_bytes, data)
            found.append(Measurement(precompile.name, size, microseconds, gas))
            print(f"  {precompile.name:<12} n={size:<6} {microseconds:>10.1f} us {gas:>9,} gas", flush=True)
    return found


FLOOR = 1.3  # calibrate so every size costs >= 1.3 x ECRECOVER's gas/us (2.6x headroom to the 0.5 floor)


def suggested(found: list[Measurement], reference: float) -> dict[str, tuple[int, int]]:
    """Per op, the (base, per-element) pair that overprices least while every measured size
    costs at least FLOOR x ECRECOVER's gas per microsecond."""
    result = {}
    for name in sorted({m.op for m in found}):
        points = [(m.size, m.microseconds) for m in found if m.op == name]
        best: tuple[float, int, int] | None = None
        for per_element in range(0, 300):
            base = max(1, max(math.ceil(FLOOR * reference * t - per_element * n) for n, t in points))
            worst = max((base + per_element * n) / t / reference for n, t in points)
            if best is None or worst < best[0]:
                best = (worst, base, per_element)
        result[name] = (best[1], best[2])
    return result


def write_reports(found: list[Measurement], reference: float, ecrecover_us: float,
                  blocks: dict[str, tuple[float, int]], worst: Measurement, command: str) -> None:
    """docs/gas-schedule.md, bench/results/gas-schedule.json and docs/gas-schedule.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(parents=True, exist_ok=True)
    ecrecover_block, ml_block = blocks["ECRECOVER"], blocks["worst"]
    (RESULTS / "gas-schedule.json").write_text(json.dumps({
        "date": date.today().isoformat(),
        "ecrecover": {"gas": ECRECOVER_GAS, "microseconds": ecrecover_us, "gas_per_us": reference},
        "measurements": [
            {"op": m.op, "size": m.size, "microseconds": m.microseconds, "gas": m.gas,
             "gas_per_us": m.gas_per_us(), "ratio_to_ecrecover": m.gas_per_us() / reference}
            for m in found
        ],
        "worst_case_block": {
            "op": worst.op, "size": worst.size,
            "seconds": ml_block[0], "gas": ml_block[1],
            "ecrecover_seconds": ecrecover_block[0], "ecrecover_gas": ecrecover_block[1],
        },
    }, indent=2) + "\n")

    figure, axes = plt.subplots(figsize=(9, 5.5))
    for name in sorted({m.op for m in found}):
        points = [m for m in found if m.op == name]
        axes.plot([m.size for m in points], [m.gas_per_us() / reference for m in points], marker="o", label=name)
    for bound, style in ((LOWER, "--"), (1.0, ":"), (UPPER, "--")):
        axes.axhline(bound, color="black", linestyle=style, linewidth=1)
    axes.set_xscale("log", base=2)
    axes.set_yscale("log", base=2)
    axes.set_xlabel("input elements n")
    axes.set_ylabel("gas per microsecond, relative to ECRECOVER")
    axes.set_title(f"ML precompile pricing on this node ({date.today().isoformat()}); dashed: allowed band")
    axes.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    figure.savefig(DOCS / "gas-schedule.png", dpi=110)
    plt.close(figure)

    lines = [
        "# Gas schedule of the ML precompiles",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, with `{command}`. Each operation runs on inputs that take its slowest",
        "exact path (int64 data against int80 weights). Its gas comes from `vm/precompiles/gas.py`",
        "(`base + perElement × n`, n = input elements); the rule is that gas per microsecond stays",
        f"between {LOWER} and {UPPER} times ECRECOVER's, measured in the same run:",
        f"ECRECOVER took {ecrecover_us:.1f} µs for {ECRECOVER_GAS} gas, **{reference:.1f} gas/µs**.",
        "",
        "![gas per microsecond relative to ECRECOVER](gas-schedule.png)",
        "",
        "| op | gas formula | n | µs | gas | gas/µs | × ECRECOVER |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in found:
        ratio = m.gas_per_us() / reference
        flag = "" if LOWER <= ratio <= UPPER else " **out of band**"
        lines.append(f"| {m.op} | {PRICES[m.op].formula} | {m.size:,} | {m.microseconds:,.1f} | {m.gas:,} | "
                     f"{m.gas_per_us():.1f} | {ratio:.2f}{flag} |")
    lines += [
        "",
        "## Worst case: a full block of the cheapest operation",
        "",
        f"The operation that buys the most node time per gas is **{worst.op} at n = {worst.size:,}**",
        f"({worst.gas_per_us() / reference:.2f} × ECRECOVER's gas per µs). A block of two 15M-gas",
        "transactions that call it in a loop until their gas runs out, against the same block of",
        "ECRECOVER calls:",
        "",
        "| block | gas used | seconds to mine |",
        "|---|---|---|",
        f"| ECRECOVER loop | {ecrecover_block[1]:,} | {ecrecover_block[0]:.2f} |",
        f"| {worst.op} (n = {worst.size:,}) loop | {ml_block[1]:,} | {ml_block[0]:.2f} |",
        "",
        f"Ratio: **{ml_block[0] / ecrecover_block[0]:.2f}** (the rule: at most 2).",
    ]
    (DOCS / "gas-schedule.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sumchain bench precompiles", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 1,024 only, no files written")
    args = parser.parse_args(argv)
    chain = Chain.open(load_genesis(ROOT / "genesis" / "dev.json"), None)
    timer = Timer(chain)
    microseconds, gas = timer.time(ecrecover, b"\0" * 19 + b"\x01", ecrecover_input())
    reference = ECRECOVER_GAS / microseconds
    print(f"ECRECOVER: {microseconds:.1f} us for {ECRECOVER_GAS} gas = {reference:.1f} gas/us")
    seconds, block_gas = full_block_seconds(b"\0" * 19 + b"\x01", ecrecover_input())
    print(f"a {block_gas:,}-gas block of ECRECOVER calls: {seconds:.2f} s")
    sizes = SIZES[:4] if args.quick else SIZES
    found = measure(timer, sizes) + measure_store(timer, sizes)
    for name, (base, per_element) in suggested(found, reference).items():
        print(f"  suggested {name}: Gas(base={base}, per_element={per_element})   now {PRICES[name]}")
    worst = min((m for m in found if m.op in GAS), key=Measurement.gas_per_us)
    worst_store = min((m for m in found if m.op in STORE_GAS), key=Measurement.gas_per_us)
    print(f"cheapest per microsecond in the store: {worst_store.op} at n={worst_store.size}: "
          f"{worst_store.gas_per_us() / reference:.2f} x ECRECOVER")
    print(f"cheapest per microsecond: {worst.op} at n={worst.size}: {worst.gas_per_us() / reference:.2f} x ECRECOVER")
    precompile = next(p for p in PRECOMPILES if p.name == worst.op)
    blocks = {
        "ECRECOVER": (seconds, block_gas),
        "worst": full_block_seconds(precompile.address_bytes, op_input(worst.op, worst.size, random.Random(2))),
    }
    print(f"a {blocks['worst'][1]:,}-gas block of {worst.op} calls: {blocks['worst'][0]:.2f} s "
          f"({blocks['worst'][0] / seconds:.2f} x the ECRECOVER block)")
    if not args.quick:
        write_reports(found, reference, microseconds, blocks, worst, "sumchain bench precompiles")
        print("wrote docs/gas-schedule.md, docs/gas-schedule.png, bench/results/gas-schedule.json")
    out_of_band = [m for m in found if not LOWER <= m.gas_per_us() / reference <= UPPER]
    if out_of_band or blocks["worst"][0] > 2 * seconds:
        print(f"FAIL: {len(out_of_band)} measurements out of the band; worst block ratio "
              f"{blocks['worst'][0] / seconds:.2f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
