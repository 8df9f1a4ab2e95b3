"""Gas calibration of the ML precompiles against ECRECOVER, measured in the same run.

Run: ``sumchain bench precompiles`` (or ``.venv/bin/python -m bench.precompiles``).
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
from fractions import Fraction
from typing import Callable

from eth.precompiles import ecrecover
from eth.vm.message import Message
from eth_keys import keys

from genesis import DEV_GENESIS
from node import speedups
from node.chain import Chain
from node.genesis import load_genesis
from vm.precompiles import PRECOMPILES
from vm.precompiles.encoding import ELEMENT_BYTES, PACKED, WORD, WORDS, encode_input
from vm.precompiles.gas import GAS
from vm.precompiles.store import (
    GAS_PER_EXTRA_VECTOR, GAS_PER_PERCEPTRON_REWRITE, OPS, PERCEPTRON_REWRITE_BASE, STORE_GAS, encode_stored,
    vector_address, vstore,
)

PRICES = {**GAS, **STORE_GAS}

ECRECOVER_GAS = 3000
TIMER_SENDER = b"\x11" * 20  # the caller of every timed precompile (the store's owner)
LOWER, UPPER = 0.5, 4.0  # allowed gas-per-microsecond, relative to ECRECOVER
SIZES = (1, 16, 256, 1024, 4096, 16384, 65536)
ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Measurement:
    op: str
    size: int
    microseconds: float
    gas: int
    layout: str = "words"  # a key of LAYOUTS, or of STORE_LAYOUTS for the store
    case: str = ""  # "ids": the store's NEAREST over many one-element vectors

    def gas_per_us(self) -> float:
        return self.gas / self.microseconds


class Timer:
    """Runs a precompile function on fresh computations over one state, timing only the call."""

    def __init__(self, chain: Chain) -> None:
        self.state = chain.state_at()
        self.context = self.state.get_transaction_context_class()(gas_price=0, origin=b"\0" * 20)

    def computation(self, to: bytes, data: bytes, cold: bool = False):
        """A computation over the timer's state, or (``cold``) over a fresh state of its persisted root:
        no account cached, nothing in a journal, so every account it reads is a trie lookup."""
        state = self.state
        if cold:
            state = type(state)(state._db, state.execution_context, state.state_root)
        message = Message(gas=10**12, to=to, sender=TIMER_SENDER, value=0, data=data, code=b"")
        return state.get_computation(message, self.context)

    def store_cold(self, width: int, vectors: dict[int, list[int]]) -> None:
        """Store TIMER_SENDER's ``vectors`` (id -> elements) at ``width`` and persist them, so a
        ``cold`` computation reads them from the database. Written as SET would write them, but
        directly, so elements beyond int128 (which only the store's own arithmetic can make) fit."""
        for vector_id, values in vectors.items():
            self.state.set_code(vector_address(TIMER_SENDER, vector_id.to_bytes(32, "big")),
                                encode_stored(width, values))
        self.state.persist()

    def time(self, function: Callable, to: bytes, data: bytes, budget_seconds: float = 0.3,
             cold: bool = False) -> tuple[float, int]:
        """Median microseconds per call over repeated runs, and the gas one call charged."""
        samples = []
        spent = 0.0
        gas = 0
        while spent < budget_seconds or len(samples) < 5:
            batch = [self.computation(to, data, cold) for _ in range(max(1, min(50, int(len(samples) * 0.5) + 1)))]
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


STATICCALL, CALL = 0xFA, 0xF1
SPAMMER = TIMER_SENDER  # the full blocks' loop contract: also the owner of the vectors the store reads
ID_SPAN = 10**6  # the second transaction's vector ids start this far above the first's
COLD_READ_MAX_N = 16  # store cases up to this n spend most of their time reading the vector


def _assemble(parts: list) -> bytes:
    """Bytecode from ``parts``: bytes, ``("label", name)`` (a JUMPDEST) or ``("to", name)`` (PUSH2 of it)."""
    labels, offset = {}, 0
    for part in parts:
        if isinstance(part, tuple) and part[0] == "label":
            labels[part[1]] = offset
        offset += 1 if isinstance(part, tuple) and part[0] == "label" else 3 if isinstance(part, tuple) else len(part)
    code = b""
    for part in parts:
        if isinstance(part, tuple):
            code += b"\x5b" if part[0] == "label" else b"\x61" + labels[part[1]].to_bytes(2, "big")
        else:
            code += part
    return code


def _push3(value: int) -> bytes:
    return b"\x62" + value.to_bytes(3, "big")


def spammer_code(precompile: bytes, data: bytes, reserve: int = 60_000, id_offset: int | None = None,
                 opcode: int = STATICCALL) -> bytes:
    """Runtime code that calls ``precompile`` (STATICCALL, or CALL for the store's writes) with
    ``data`` until under ``reserve`` gas is left (60k, or one call's gas and more, so the last call
    does not fail for gas and burn it unworked). A failed call ends the transaction with INVALID, so
    a successful receipt means every call did its work.

    ``id_offset``: the offset in ``data`` of a vector id word, which starts at its value plus the
    transaction's calldata word and goes up by one after each call, so every call opens another
    vector (cold, when they were stored in an earlier block). Lengths and offsets are PUSH3s, so
    inputs of any accepted size fit (65,536 words: 2 MB)."""
    step_id = [] if id_offset is None else [_push3(id_offset), b"\x51\x60\x01\x01", _push3(id_offset), b"\x52"]
    value = b"\x60\x00" if opcode == CALL else b""
    body = [
        *([] if id_offset is None else  # id += calldata word 0
          [b"\x60\x00\x35", _push3(id_offset), b"\x51\x01", _push3(id_offset), b"\x52"]),
        ("label", "loop"),
        b"\x5a", _push3(reserve), b"\x11", ("to", "end"), b"\x57",  # reserve > GAS: to the end
        b"\x60\x00\x60\x00", _push3(len(data)), b"\x60\x00", value, b"\x61" + precompile[-2:],
        b"\x5a", bytes([opcode]),
        b"\x15", ("to", "fail"), b"\x57",  # the call failed: INVALID
        *step_id,
        ("to", "loop"), b"\x56",
        ("label", "end"), b"\x00",
        ("label", "fail"), b"\xfe",
    ]

    def prologue(data_offset: int) -> list:  # CODECOPY the data (after the code) to memory 0
        return [_push3(len(data)), _push3(data_offset), b"\x60\x00\x39"]

    return _assemble(prologue(len(_assemble(prologue(0) + body))) + body) + data


def full_block_seconds(code: bytes, calldata: tuple[bytes, bytes] = (b"", b""),
                       vectors: tuple[int, dict[bytes, list[int]]] | None = None) -> tuple[float, int]:
    """Wall time to mine a 30M-gas block of two 15M-gas transactions to the loop ``code``, and its
    gas (which includes the loops' own EVM gas and the memory their input takes). ``vectors``
    (width, id -> elements) are SPAMMER's, stored before the block (so read cold in it)."""
    chain = Chain.open(load_genesis(DEV_GENESIS), None)
    if vectors is not None:
        width, stored = vectors
        for vector_id, values in stored.items():
            chain.set_code(vector_address(SPAMMER, vector_id), encode_stored(width, values))
    chain.set_code(SPAMMER, code)
    chain.set_automine(False)
    hashes = [chain.send_transaction(account.address, SPAMMER, gas=15_000_000, data=data)
              for account, data in zip(chain.accounts[:2], calldata)]
    start = time.perf_counter()
    block = chain.mine()
    elapsed = time.perf_counter() - start
    failed = [h.hex() for h in hashes if chain.get_receipt(h).status != 1]
    chain.close()
    if failed:
        raise RuntimeError(f"a call in the full block failed (transactions {failed})")
    return elapsed, block.header.gas_used


INT64 = (-(2**63), 2**63 - 1)
INT128 = (-(2**127), 2**127 - 1)
# Every element width an input accepts (encoding.ELEMENT_BYTES): the words layout carries int128
# values, the packed one int64s. Each op is timed in both, on the extremes of that width.
LAYOUTS = {"words": (WORDS, INT128), "packed": (PACKED, INT64)}
# The vector store's combinations of input layout and stored width (store.WIDTHS, bytes per element).
STORE_LAYOUTS = {"packed/8": (PACKED, INT64, 8), "words/16": (WORDS, INT128, 16), "words/32": (WORDS, INT128, 32)}


def _extremes(d: int, bounds: tuple[int, int], first: int = 0) -> list[int]:
    """Both extremes of ``bounds``, alternating (negative first, or positive when ``first`` = 1):
    the widest values of both signs, and sums of products that cancel, so results stay in int256."""
    low, high = bounds
    return [high if (i + first) % 2 else low for i in range(d)]


def op_input(name: str, n: int, rng: random.Random, layout: str = "words") -> bytes:
    """An input reading about ``n`` elements of ``layout`` with the values that take the op's slowest
    exact path: the extremes of the layout's width (int128 words, int64 packed) of both signs, and
    multi-limb parameters (rate, scale, n), so no numpy shortcut and the widest Python ints."""
    code, bounds = LAYOUTS[layout]
    top = bounds[1]
    d = max(1, n // 2)
    if name == "VDOT":
        return encode_input(code, [], [_extremes(d, bounds), [top] * d])
    if name == "VCOUNTEQ":
        return encode_input(code, [], [_extremes(d, bounds), _extremes(d, bounds)])  # all equal: every limb compared
    if name == "VSQDIST":
        return encode_input(code, [10**9], [_extremes(d, bounds), _extremes(d, bounds, 1)])
    if name in ("VNORM", "VARGMAX"):
        return encode_input(code, [], [_extremes(max(1, n), bounds)])
    if name == "VNEAREST":
        k = 8
        d = max(1, n // (k + 1))
        return encode_input(code, [10**9, k], [_extremes(d, bounds), _extremes(k * d, bounds, 1)])
    if name == "VPERCEPTRON":
        # |x·rate| < 2^254 and the step x·rate/scale stays small: multi-limb products and divisions
        rate = 2**253 // (top + 1) - 1
        return encode_input(code, [-rate, 2**127 + 1], [_extremes(d, bounds), _extremes(d, bounds, 1)])
    if name == "VCENTROID":
        return encode_input(code, [2**255 + 12_345], [_extremes(d, bounds), _extremes(d, bounds, 1)])
    m = max(1, n // 4)
    d = max(1, n - 2 * m)
    weights = _extremes(d, bounds)
    indices = [rng.randrange(d) for _ in range(m)]
    if name == "VSPARSEDOT":
        # each product ±(top·|w|), signs alternating, so the sum stays within int256
        values = [top * (1 if (j % 2) == (weights[i] < 0) else -1) for j, i in enumerate(indices)]
        return encode_input(code, [1], [weights, indices, values])
    if name == "VSPARSEADD":
        return encode_input(code, [-(10**9), 1], [weights, indices, _extremes(m, bounds, 1)])
    raise KeyError(name)


VSTORE = (0x0510).to_bytes(20, "big")
STORE_OPS = {"SET": 0x01, "GET": 0x02, "ADDSCALED": 0x03, "CENTROID": 0x04, "DOT": 0x05, "NEAREST": 0x06,
             "SPARSEADD": 0x07, "SPARSEDOT": 0x08, "LENGTH": 0x09, "PERCEPTRON": 0x0A}
NEAREST_K = 4
MANY_IDS_UP_TO = 4096  # NEAREST over n/2 cold ids of one element each: sizes up to this


@dataclass
class StoreCase:
    op: str  # its key in STORE_GAS
    n: int  # elements, as STORE_GAS counts them
    data: bytes
    stored: dict[int, list[int]]  # id -> the vector stored (at the case's width) before the call
    case: str = ""  # "ids": NEAREST over many one-element vectors


def store_cases(n: int, rng: random.Random, layout: str = "words/32") -> list[StoreCase]:
    """Each VSTORE op on about ``n`` elements, for one input layout and stored width.

    Values take the slowest exact path: inputs at the extremes of the layout's width, stored
    elements near the extremes of the vector's width (half of them, so that a write's result still
    fits: 2^254 at width 32), signs alternating; multi-limb rates and scales. Every stored vector is
    cold: written and persisted before, then read by a fresh state (no account cache, no journal),
    as a vector set in an earlier block is. Writes overwrite a vector of the same length, so no
    state-growth charge is included (200 gas per added byte, priced by rule, not measured)."""
    code, bounds, width = STORE_LAYOUTS[layout]
    top = bounds[1]
    big = 2 ** (8 * width - 2)  # stored magnitude: plus a step of at most |x|/4 it fits the width
    d = max(1, n // 2)
    x = _extremes(d, bounds)
    stored = _extremes(d, (-big, big), 1)  # opposite in sign to x
    owner_word = int.from_bytes(TIMER_SENDER, "big")
    rate, scale = 2**126, 2**128 + 1  # step = x·rate/scale: about x/4, through multi-limb arithmetic

    def op(name: str, params: list[int], vectors: list[list[int]]) -> bytes:
        return encode_input(code, params, vectors, op=STORE_OPS[name])

    one = {1: stored}
    m = max(1, n // 4)
    indices = rng.sample(range(d), min(m, d)) * (m // d + 1) if m > d else rng.sample(range(d), m)
    indices = indices[:m]
    # SPARSEDOT: each product ±(big·top), alternating in sign; an odd last one 0, so the sum fits int256
    dot_values = [top * (1 if (j % 2) == (stored[i] < 0) else -1) for j, i in enumerate(indices)]
    if m % 2:
        dot_values[-1] = 0
    add_values = [-top if stored[i] > 0 else top for i in indices]  # toward 0: the sum fits the width
    dot_x = [top] * d  # Σ v_i·x_i cancels in pairs (v alternates in sign)
    if d % 2:
        dot_x[-1] = 0
    k_d = max(1, n // (NEAREST_K + 1))
    centroids = {10 + j: _extremes(k_d, (-big, big), j % 2) for j in range(NEAREST_K)}
    prediction = 1 if sum(a * b for a, b in zip(stored, x)) > 0 else 0
    cases = [
        StoreCase("VSTORE_SET", d, op("SET", [1, width], [_extremes(d, bounds)]), one),
        StoreCase("VSTORE_GET", d, op("GET", [owner_word, 1], []), one),
        StoreCase("VSTORE_ADDSCALED", 2 * d, op("ADDSCALED", [1, rate, scale], [x]), one),
        StoreCase("VSTORE_CENTROID", 2 * d, op("CENTROID", [1, 2**255 + 12_345], [x]), one),
        StoreCase("VSTORE_DOT", 2 * d, op("DOT", [owner_word, 1], [dot_x]), one),
        StoreCase("VSTORE_NEAREST", NEAREST_K + k_d + NEAREST_K * k_d,
                  op("NEAREST", [owner_word, 10**9], [list(range(10, 10 + NEAREST_K)), _extremes(k_d, bounds)]),
                  centroids),
        StoreCase("VSTORE_SPARSEADD", 2 * m + d, op("SPARSEADD", [1, 0, 1], [indices, add_values]), one),
        StoreCase("VSTORE_SPARSEDOT", 3 * m, op("SPARSEDOT", [owner_word, 1, 1], [indices, dot_values]), one),
        StoreCase("VSTORE_LENGTH", 0, op("LENGTH", [owner_word, 1], []), one),
        # the label the stored weights get wrong, so the step rewrites them
        StoreCase("VSTORE_PERCEPTRON", 2 * d, op("PERCEPTRON", [1, 0, rate, scale, 1 - prediction], [x]), one),
    ]
    if n <= MANY_IDS_UP_TO:
        # NEAREST over k = n/2 cold one-element vectors: an account read per id, GAS_PER_EXTRA_VECTOR's part
        k = max(1, n // 2)
        ids = {100 + j: [big if j % 2 else -big] for j in range(k)}
        cases.append(StoreCase("VSTORE_NEAREST", k + 1 + k, op("NEAREST", [owner_word, 10**9], [list(ids), [top]]),
                               ids, case="ids"))
    return cases


def extra_gas(case: StoreCase) -> int:
    """What a case is charged beyond STORE_GAS's base + per_element × n (the other store constants)."""
    if case.op == "VSTORE_NEAREST":
        return GAS_PER_EXTRA_VECTOR * (len(case.stored) - 1)  # each vector opened after the first
    if case.op == "VSTORE_PERCEPTRON":
        return PERCEPTRON_REWRITE_BASE + GAS_PER_PERCEPTRON_REWRITE * (case.n // 2)  # every case rewrites
    return 0


# The parameter that holds the vector id, by op: the store's full block opens another vector each call.
ID_PARAM = {"VSTORE_SET": 0, "VSTORE_ADDSCALED": 0, "VSTORE_CENTROID": 0, "VSTORE_SPARSEADD": 0,
            "VSTORE_PERCEPTRON": 0, "VSTORE_GET": 1, "VSTORE_DOT": 1, "VSTORE_SPARSEDOT": 1, "VSTORE_LENGTH": 1}


def store_block_seconds(m: Measurement) -> tuple[float, int]:
    """:func:`full_block_seconds` for the store case ``m`` (one vector id, not NEAREST), every call
    on another vector stored before the block, so each is a cold read (and a write's, an overwrite
    of the same length: no state growth)."""
    _, _, width = STORE_LAYOUTS[m.layout]
    case = next(c for size in SIZES for c in store_cases(size, random.Random(2), m.layout)
                if c.op == m.op and c.n == m.size and not c.case)
    (stored,) = case.stored.values()
    writes = next(op for op in OPS.values() if op.name == m.op).writes
    calls = 15_000_000 // m.gas + 1
    vectors = {(first + 1 + j).to_bytes(32, "big"): stored for first in (0, ID_SPAN) for j in range(calls)}
    code = spammer_code(VSTORE, case.data, max(60_000, m.gas * 65 // 64 + 60_000), 2 + WORD * ID_PARAM[m.op],
                        CALL if writes else STATICCALL)
    return full_block_seconds(code, (b"", ID_SPAN.to_bytes(32, "big")), (width, vectors))


def measure_store(timer: Timer, sizes: tuple[int, ...]) -> list[Measurement]:
    rng = random.Random(3)
    found = []
    for layout, (_, _, width) in STORE_LAYOUTS.items():
        for size in sizes:
            for case in store_cases(size, rng, layout):
                timer.store_cold(width, case.stored)
                microseconds, gas = timer.time(vstore, VSTORE, case.data, cold=True)
                found.append(Measurement(case.op, case.n, microseconds, gas, layout, case.case))
                print(f"  {case.op:<17} {layout:<8} {case.case:<3} n={case.n:<6} {microseconds:>10.1f} us "
                      f"{gas:>9,} gas", flush=True)
    return found


def measure(timer: Timer, sizes: tuple[int, ...]) -> list[Measurement]:
    rng = random.Random(1)
    found = []
    for precompile in PRECOMPILES:
        if precompile.name not in GAS:
            continue
        for layout in LAYOUTS:
            for size in sizes:
                data = op_input(precompile.name, size, rng, layout)
                microseconds, gas = timer.time(precompile.function, precompile.address_bytes, data)
                found.append(Measurement(precompile.name, size, microseconds, gas, layout))
                print(f"  {precompile.name:<12} {layout:<6} n={size:<6} {microseconds:>10.1f} us {gas:>9,} gas",
                      flush=True)
    return found


FLOOR = 1.3  # calibrate so every size costs >= 1.3 x ECRECOVER's gas/us (2.6x headroom to the 0.5 floor)
TARGET = 3.5  # fit under this worst ratio if possible (the ceiling, 4, less an eighth), then overprice least on average
PRICE_STEP = Fraction(1, 64)  # a per-element price under 1 gas is a multiple of this (gas.py rounds up)


def _price_at_least(need: float) -> Fraction:
    """The least per-element price >= ``need``: a multiple of PRICE_STEP under 1 gas, whole gas above."""
    if need <= 0:
        return Fraction(0)
    if need < 1:
        return math.ceil(need / PRICE_STEP) * PRICE_STEP
    return Fraction(math.ceil(need))


def _fit(points: list[tuple[int, float, str, int]], reference: float) -> tuple[int, dict[str, Fraction]]:
    """One base and a per-element price per layout under which every point (n, µs, layout, gas
    charged apart from the fitted formula) costs >= FLOOR and which overprice least: the lowest
    mean ratio among the fits whose worst ratio is under TARGET, or else the lowest worst ratio."""
    best: tuple[tuple[bool, float], int, dict[str, Fraction]] | None = None
    layouts = sorted({point[2] for point in points})
    needs = [(n, FLOOR * reference * t - credit, layout, t) for n, t, layout, credit in points]
    for base in range(1, 40_000, 7):
        per = {layout: max([Fraction(0)] + [_price_at_least((need - base) / n)
                                            for n, need, l, _ in needs if l == layout and n])
               for layout in layouts}
        charged = [(base + math.ceil(per[layout] * n), need, t) for n, need, layout, t in needs]
        if any(gas < need for gas, need, _ in charged):
            continue  # a point without elements needs a larger base
        ratios = [(gas + (FLOOR * reference * t - need)) / t / reference for gas, need, t in charged]
        worst = max(ratios)
        score = (False, sum(ratios) / len(ratios)) if worst < TARGET else (True, worst)
        if best is None or score < best[0]:
            best = (score, base, per)
    assert best is not None, "no base up to 40,000 covers the measurements"
    return best[1], best[2]


def suggested_extra_vector(found: list[Measurement], reference: float) -> int | None:
    """GAS_PER_EXTRA_VECTOR at which each vector NEAREST opens (a cold account read, its two
    elements, its share of the loop) costs >= FLOOR x ECRECOVER's gas per microsecond, from the
    many-ids cases of at least 16 ids (the base and the elements' price then on top, as margin)."""
    needs = [math.ceil(FLOOR * reference * m.microseconds / ((m.size - 1) // 2 - 1))
             for m in found if m.case == "ids" and (m.size - 1) // 2 >= 16]
    return max(needs) if needs else None


def suggested(found: list[Measurement], reference: float) -> dict[str, tuple[int, Fraction, Fraction | None]]:
    """Per op, the (base, per_element, per_packed) that overprices least while every measured size
    and width costs at least FLOOR x ECRECOVER's gas per microsecond: one base, and for the
    stateless ops a per-element price per layout (per_element: words, per_packed: packed); the
    store has one per-element price (per_packed None) for every layout and stored width. NEAREST's
    extra vectors count at :func:`suggested_extra_vector`'s price (or today's)."""
    extra = suggested_extra_vector(found, reference) or GAS_PER_EXTRA_VECTOR
    result = {}
    for name in sorted({m.op for m in found}):
        ms = [m for m in found if m.op == name]
        if name in GAS:
            base, per = _fit([(m.size, m.microseconds, m.layout, 0) for m in ms], reference)
            result[name] = (base, per.get("words", per.get("packed")), per.get("packed"))
        else:
            points = []
            for m in ms:
                ids = NEAREST_K if not m.case else (m.size - 1) // 2
                credit = extra * (ids - 1) if name == "VSTORE_NEAREST" else \
                    m.gas - STORE_GAS[name].cost(m.size) if name == "VSTORE_PERCEPTRON" else 0
                points.append((m.size, m.microseconds, "", credit))
            base, per = _fit(points, reference)
            result[name] = (base, per[""], None)
    return result


def _price(m: Measurement) -> str:
    """The formula that charged ``m``: the op's base and the per-element price of its width."""
    return PRICES[m.op].formula_for(ELEMENT_BYTES[LAYOUTS.get(m.layout, STORE_LAYOUTS.get(m.layout))[0]])


def _label(m: Measurement) -> str:
    return m.op + (" (many ids)" if m.case == "ids" else "")


def write_reports(found: list[Measurement], reference: float, ecrecover_us: float,
                  blocks: dict[str, tuple[Measurement | None, float, int]], command: str) -> None:
    """docs/gas-schedule.md, bench/results/gas-schedule.json and docs/gas-schedule.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(parents=True, exist_ok=True)
    _, ecrecover_seconds, ecrecover_gas = blocks["ECRECOVER"]
    (RESULTS / "gas-schedule.json").write_text(json.dumps({
        "date": date.today().isoformat(),
        "ecrecover": {"gas": ECRECOVER_GAS, "microseconds": ecrecover_us, "gas_per_us": reference},
        "measurements": [
            {"op": m.op, "layout": m.layout, "case": m.case, "size": m.size, "microseconds": m.microseconds,
             "gas": m.gas, "gas_per_us": m.gas_per_us(), "ratio_to_ecrecover": m.gas_per_us() / reference}
            for m in found
        ],
        "worst_case_blocks": [
            {"op": m.op, "layout": m.layout, "size": m.size, "seconds": block_seconds, "gas": block_gas,
             "ecrecover_seconds": ecrecover_seconds, "ecrecover_gas": ecrecover_gas,
             "ratio": block_seconds / ecrecover_seconds}
            for key, (m, block_seconds, block_gas) in blocks.items() if key != "ECRECOVER" and m is not None
        ],
    }, indent=2) + "\n")

    figure, (stateless, store) = plt.subplots(1, 2, figsize=(14, 6), sharey=True)
    for axes, ops in ((stateless, GAS), (store, STORE_GAS)):
        for name in ops:
            for layout in list(LAYOUTS) + list(STORE_LAYOUTS):
                for case in ("", "ids"):
                    points = [m for m in found if m.op == name and m.layout == layout and m.case == case]
                    if points:
                        axes.plot([m.size for m in points], [m.gas_per_us() / reference for m in points],
                                  marker="o", markersize=3, linewidth=1,
                                  label=f"{name.removeprefix('VSTORE_')} {layout}{' ids' if case else ''}")
        for bound, style in ((LOWER, "--"), (1.0, ":"), (UPPER, "--")):
            axes.axhline(bound, color="black", linestyle=style, linewidth=1)
        axes.set_xscale("log", base=2)
        axes.set_yscale("log", base=2)
        axes.set_xlabel("input elements n")
        axes.legend(fontsize=6, ncol=3)
    stateless.set_ylabel("gas per microsecond, relative to ECRECOVER")
    stateless.set_title("stateless ops, slowest values of each layout", fontsize=10)
    store.set_title("VSTORE ops, layout/stored width, cold vectors", fontsize=10)
    figure.suptitle(f"ML precompile pricing on this node ({date.today().isoformat()}); dashed: allowed band")
    figure.tight_layout()
    figure.savefig(DOCS / "gas-schedule.png", dpi=100)
    plt.close(figure)

    lines = [
        "# Gas schedule of the ML precompiles",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, with `{command}`. Each operation runs on the slowest inputs it",
        "accepts, in every width: the words layout with int128 values and the packed layout with int64",
        "values, each at both extremes of its width, signs alternating, with multi-limb parameters (rate,",
        "scale, n); the store's ops also at each stored width (8, 16 and 32 bytes, elements near the",
        "width's extremes) on cold vectors (persisted, read by a fresh state: no cache, no journal),",
        "and NEAREST over many one-element vectors. Its gas comes from `vm/precompiles/gas.py`",
        "(`base + perElement × n`, n = input elements, perElement set by the element width); the rule",
        f"is that gas per microsecond stays between {LOWER} and {UPPER} times ECRECOVER's, measured in",
        f"the same run: ECRECOVER took {ecrecover_us:.1f} µs for {ECRECOVER_GAS} gas, **{reference:.1f} gas/µs**.",
        "",
        "![gas per microsecond relative to ECRECOVER](gas-schedule.png)",
        "",
        "| op | layout | gas formula | n | µs | gas | gas/µs | × ECRECOVER |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in found:
        ratio = m.gas_per_us() / reference
        flag = "" if LOWER <= ratio <= UPPER else " **out of band**"
        extra = " + extra vectors" if m.op == "VSTORE_NEAREST" else " + rewrite" if m.op == "VSTORE_PERCEPTRON" else ""
        lines.append(f"| {_label(m)} | {m.layout} | {_price(m)}{extra} | {m.size:,} | {m.microseconds:,.1f} | "
                     f"{m.gas:,} | {m.gas_per_us():.1f} | {ratio:.2f}{flag} |")
    lines += [
        "",
        "## Worst case: a full block of the cheapest operation",
        "",
        "For each layout, the stateless operation and size that buy the most node time per gas, and",
        "of the vector store's ops that name one vector, the cheapest per microsecond of all sizes and",
        f"of those with n ≤ {COLD_READ_MAX_N} (mostly the cold read), called in a loop by two 15M-gas",
        "transactions until their gas runs out, against the same block of ECRECOVER calls (gas used",
        "includes the loops' EVM gas and the memory holding the input). The store's loop opens another",
        "vector on every call, each stored before the block, so every read is cold (a database read)",
        "and a write overwrites a vector of the same length:",
        "",
        "| block | × ECRECOVER gas/µs | gas used | seconds to mine | × ECRECOVER block |",
        "|---|---|---|---|---|",
        f"| ECRECOVER loop | 1.00 | {ecrecover_gas:,} | {ecrecover_seconds:.2f} | 1.00 |",
    ]
    for key, (m, block_seconds, block_gas) in blocks.items():
        if key != "ECRECOVER" and m is not None:
            lines.append(f"| {m.op} {m.layout} (n = {m.size:,}) loop | {m.gas_per_us() / reference:.2f} | "
                         f"{block_gas:,} | {block_seconds:.2f} | {block_seconds / ecrecover_seconds:.2f} |")
    lines += ["", "The rule: each at most 2 times the ECRECOVER block."]
    (DOCS / "gas-schedule.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    speedups.install()  # timed with the node's own keccak, RLP and trie helpers
    parser = argparse.ArgumentParser(prog="sumchain bench precompiles", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 1,024 only, no files written")
    parser.add_argument("--ops", default="", help="comma-separated op names to re-measure only (no files written)")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.ops.split(",") if name.strip()}
    chain = Chain.open(load_genesis(DEV_GENESIS), None)
    timer = Timer(chain)
    microseconds, gas = timer.time(ecrecover, b"\0" * 19 + b"\x01", ecrecover_input())
    reference = ECRECOVER_GAS / microseconds
    print(f"ECRECOVER: {microseconds:.1f} us for {ECRECOVER_GAS} gas = {reference:.1f} gas/us")
    ecrecover_address = b"\0" * 19 + b"\x01"
    seconds, block_gas = full_block_seconds(spammer_code(ecrecover_address, ecrecover_input()))
    print(f"a {block_gas:,}-gas block of ECRECOVER calls: {seconds:.2f} s")
    sizes = SIZES[:4] if args.quick else SIZES
    found = (measure(timer, sizes) if not only or only & set(GAS) else []) + \
        (measure_store(timer, sizes) if not only or only & set(STORE_GAS) else [])
    if only:
        found = [m for m in found if m.op in only]
    for name, (base, per_element, per_packed) in suggested(found, reference).items():
        print(f"  suggested {name}: Gas(base={base}, per_element={per_element}, per_packed={per_packed})"
              f"   now {PRICES[name]}")
    extra = suggested_extra_vector(found, reference)
    if extra is not None:
        print(f"  suggested GAS_PER_EXTRA_VECTOR: {extra}   now {GAS_PER_EXTRA_VECTOR}")
    for group, ops in (("stateless", GAS), ("store", STORE_GAS)):
        group_found = [m for m in found if m.op in ops]
        if group_found:
            low = min(group_found, key=Measurement.gas_per_us)
            high = max(group_found, key=Measurement.gas_per_us)
            print(f"{group}: cheapest per microsecond {_label(low)} {low.layout} n={low.size}: "
                  f"{low.gas_per_us() / reference:.2f} x ECRECOVER; dearest {_label(high)} {high.layout} "
                  f"n={high.size}: {high.gas_per_us() / reference:.2f} x")
    blocks: dict[str, tuple[Measurement | None, float, int]] = {"ECRECOVER": (None, seconds, block_gas)}
    for layout in LAYOUTS:
        candidates = [m for m in found if m.op in GAS and m.layout == layout]
        if candidates:
            worst = min(candidates, key=Measurement.gas_per_us)
            precompile = next(p for p in PRECOMPILES if p.name == worst.op)
            data = op_input(worst.op, worst.size, random.Random(2), layout)
            blocks[layout] = (worst, *full_block_seconds(
                spammer_code(precompile.address_bytes, data, max(60_000, worst.gas * 65 // 64 + 60_000))))
    # The store: its cheapest op of all, and its cheapest of the small ones, whose time is mostly the cold read.
    for key, largest in (("store", SIZES[-1]), ("store, cold reads", COLD_READ_MAX_N)):
        candidates = [m for m in found if m.op in ID_PARAM and m.size <= largest]
        if candidates:
            worst = min(candidates, key=Measurement.gas_per_us)
            blocks[key] = (worst, *store_block_seconds(worst))
    for key, (m, block_seconds, gas_used) in blocks.items():
        if m is not None:
            print(f"a {gas_used:,}-gas block of {m.op} {m.layout} n={m.size} calls: {block_seconds:.2f} s "
                  f"({block_seconds / seconds:.2f} x the ECRECOVER block)")
    if not args.quick and not only:
        write_reports(found, reference, microseconds, blocks, "sumchain bench precompiles")
        print("wrote docs/gas-schedule.md, docs/gas-schedule.png, bench/results/gas-schedule.json")
    out_of_band = [m for m in found if not LOWER <= m.gas_per_us() / reference <= UPPER]
    for m in out_of_band:
        print(f"  out of band: {_label(m)} {m.layout} n={m.size}: {m.gas_per_us() / reference:.2f} x ECRECOVER")
    slow_blocks = [key for key, (m, block_seconds, _) in blocks.items() if m is not None and block_seconds > 2 * seconds]
    if out_of_band or slow_blocks:
        print(f"FAIL: {len(out_of_band)} measurements out of the band; blocks over 2 x ECRECOVER's: {slow_blocks}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
