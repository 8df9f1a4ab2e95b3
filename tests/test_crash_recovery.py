"""Durability of the data dir: SIGKILL mid-write, snapshots across restarts,
the single-writer lock, and refusing a data dir made from another genesis.

The crash tests run tests/scripts/crash_writer.py in a real subprocess and
kill it with SIGKILL, so nothing in the child gets a chance to clean up: the
data dir must be consistent from its last commit alone. Every wait is bounded.
"""
from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genesis import DEV_GENESIS
from node.chain import Chain
from node.errors import ChainError
from node.genesis import load_genesis
from node.store import StoreLockedError
from tests.support import OutputReader

ROOT = Path(__file__).resolve().parent.parent
CRASH_WRITER = Path(__file__).resolve().parent / "scripts" / "crash_writer.py"
SUMCHAIN = str(Path(sys.executable).parent / "sumchain")
if not Path(SUMCHAIN).exists():  # pragma: no cover - a venv without the entry point
    SUMCHAIN = shutil.which("sumchain") or SUMCHAIN

START_BALANCE = 10_000 * 10**18
STARTUP_TIMEOUT = 60  # seconds for a child to open the chain / print its banner
LINE_TIMEOUT = 30  # seconds between two acknowledged transactions, at most
EXIT_TIMEOUT = 30


@pytest.fixture(scope="module")
def genesis():
    return load_genesis(DEV_GENESIS)


class LineReader(OutputReader):
    """A child's output, line by line, each read bounded by a timeout."""

    def next_line(self, timeout: float) -> str:
        """The next complete stdout line (without its newline); fails on timeout or EOF."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no output for {timeout}s; stderr: {self.stderr}")
        if line is None or not line.endswith("\n"):
            self.proc.wait(EXIT_TIMEOUT)
            pytest.fail(f"child exited ({self.proc.returncode}) unexpectedly; stderr: {self.stderr}")
        return line[:-1]

    def rest(self) -> list[str]:
        """After the child has exited: the complete lines it wrote that were not read yet."""
        for thread in self._threads:
            thread.join(EXIT_TIMEOUT)
        rest = []
        while True:
            line = self.lines.get_nowait()
            if line is None:
                return rest
            if line.endswith("\n"):  # a torn last line was never acknowledged
                rest.append(line[:-1])

    def read_banner(self, timeout: float = STARTUP_TIMEOUT) -> list[str]:
        banner = []
        deadline = time.monotonic() + timeout
        while not (banner and banner[-1].startswith("JSON-RPC")):
            banner.append(self.next_line(max(0.0, deadline - time.monotonic())))
        return banner

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(EXIT_TIMEOUT)


def spawn(command: list[str]) -> LineReader:
    proc = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, bufsize=1,
    )
    return LineReader(proc)


def run_sumchain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SUMCHAIN, *args], cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=STARTUP_TIMEOUT,
    )


def assert_consistent(chain: Chain) -> int:
    """Check the invariants of a chain made only of 1-wei transfers from account 0
    to account 1, one per block (automine); returns the number of transfers."""
    sender, receiver = chain.accounts[0].address, chain.accounts[1].address
    head = chain.head_number
    transfers = chain.get_nonce(sender)
    assert transfers == head, f"account 0 sent {transfers} transactions but the head is block {head}"
    assert chain.get_balance(receiver) == START_BALANCE + transfers
    fees = 0
    for number in range(1, head + 1):
        block = chain.get_block(number)
        assert len(block.transactions) == 1, f"block {number} has {len(block.transactions)} transactions"
        (receipt,) = block.receipt_views
        assert (receipt.sender, receipt.to, receipt.status) == (sender, receiver, 1)
        assert block.transactions[0].nonce == number - 1
        assert chain.get_receipt(receipt.transaction_hash) == receipt
        fees += receipt.gas_used * receipt.effective_gas_price
    assert chain.get_balance(sender) == START_BALANCE - transfers - fees
    return transfers


# ---------------------------------------------------------------------- SIGKILL mid-write

KILL_SEEDS = [11, 23, 47]


@pytest.mark.parametrize("seed", KILL_SEEDS, ids=[f"seed{seed}" for seed in KILL_SEEDS])
def test_sigkill_loses_no_acknowledged_transaction(seed: int, tmp_path: Path, genesis) -> None:
    rng = random.Random(seed)
    kill_after = rng.randint(5, 40)
    jitter = rng.uniform(0, 0.005)  # moves the kill to a random point in the next transaction
    data_dir = tmp_path / "data"

    child = spawn([sys.executable, str(CRASH_WRITER), str(data_dir)])
    acknowledged: list[str] = []
    try:
        assert child.next_line(STARTUP_TIMEOUT) == "ready 0"
        while len(acknowledged) < kill_after:
            acknowledged.append(child.next_line(LINE_TIMEOUT))
        time.sleep(jitter)
        child.proc.send_signal(signal.SIGKILL)
        assert child.proc.wait(EXIT_TIMEOUT) == -signal.SIGKILL, child.stderr
        # Hashes printed before the kill landed were acknowledged too.
        acknowledged += child.rest()
    finally:
        child.kill()
    assert all(len(tx_hash) == 64 for tx_hash in acknowledged), acknowledged
    assert len(acknowledged) >= kill_after

    chain = Chain.open(genesis, data_dir)
    try:
        assert chain.head_number >= len(acknowledged)
        for position, tx_hash in enumerate(acknowledged):
            receipt = chain.get_receipt(bytes.fromhex(tx_hash))
            assert receipt is not None, f"acknowledged transaction #{position} 0x{tx_hash} was lost"
            assert receipt.status == 1
            assert receipt.block_number == position + 1  # automine: one block per transfer, in order
        assert_consistent(chain)
        # A kill between pooling a transfer and mining it may leave it pooled; it
        # must be the next transfer, not a duplicate or a gap.
        pooled = chain.pool.all()
        assert [(tx.sender, tx.nonce) for tx in pooled] in ([], [(chain.accounts[0].address, chain.head_number)])

        # The recovered chain keeps working.
        sender, receiver = chain.accounts[0].address, chain.accounts[1].address
        after_crash = chain.head_number
        new_hash = chain.send_transaction(sender, receiver, value=1)
        receipt = chain.get_receipt(new_hash)
        assert receipt is not None and receipt.status == 1
        assert receipt.block_number == chain.head_number > after_crash
        transfers = assert_consistent(chain)
    finally:
        chain.close()

    # ... and what it wrote after the crash is durable too.
    chain = Chain.open(genesis, data_dir)
    try:
        assert chain.get_receipt(new_hash) == receipt
        assert assert_consistent(chain) == transfers
    finally:
        chain.close()


# ---------------------------------------------------------------------- snapshots across restarts


def test_snapshot_revert_survives_restarts(tmp_path: Path, genesis) -> None:
    data_dir = tmp_path / "data"
    chain = Chain.open(genesis, data_dir)
    sender, receiver = chain.accounts[0].address, chain.accounts[1].address
    try:
        chain.send_transaction(sender, receiver, value=1)  # so the snapshot is not at genesis
        snapshot_id = chain.snapshot()
        at_snapshot = (chain.head_number, chain.head.hash)
        balances = (chain.get_balance(sender), chain.get_balance(receiver), chain.get_nonce(sender))
        reverted = [chain.send_transaction(sender, receiver, value=10**18) for _ in range(3)]
        assert chain.head_number == at_snapshot[0] + 3
    finally:
        chain.close()

    chain = Chain.open(genesis, data_dir)
    try:
        # The 3 transfers were durable ...
        assert chain.head_number == at_snapshot[0] + 3
        assert all(chain.get_receipt(tx_hash) is not None for tx_hash in reverted)
        # ... and the snapshot taken before them still exists after the restart.
        assert chain.revert(snapshot_id) is True
        assert (chain.head_number, chain.head.hash) == at_snapshot
        assert all(chain.get_receipt(tx_hash) is None for tx_hash in reverted)
        assert all(chain.get_transaction(tx_hash) is None for tx_hash in reverted)
        assert (chain.get_balance(sender), chain.get_balance(receiver), chain.get_nonce(sender)) == balances
        assert chain.revert(snapshot_id) is False  # used up, as in Hardhat and Anvil
    finally:
        chain.close()

    chain = Chain.open(genesis, data_dir)
    try:
        assert (chain.head_number, chain.head.hash) == at_snapshot
        assert all(chain.get_receipt(tx_hash) is None for tx_hash in reverted)
        assert (chain.get_balance(sender), chain.get_balance(receiver), chain.get_nonce(sender)) == balances
        assert chain.revert(snapshot_id) is False
        # Mining continues from the snapshot's block.
        tx_hash = chain.send_transaction(sender, receiver, value=1)
        assert chain.get_receipt(tx_hash).block_number == at_snapshot[0] + 1
        assert chain.get_nonce(sender) == balances[2] + 1
    finally:
        chain.close()


# ---------------------------------------------------------------------- one process per data dir


def test_second_node_on_a_data_dir_in_use_exits_1(tmp_path: Path, genesis) -> None:
    data_dir = tmp_path / "data"
    first = spawn([SUMCHAIN, "node", "--data-dir", str(data_dir), "--port", "0"])
    try:
        banner = first.read_banner()
        assert any(line.startswith("Data:") and str(data_dir) in line for line in banner), banner

        second = run_sumchain("node", "--data-dir", str(data_dir), "--port", "0")
        assert second.returncode == 1, (second.stdout, second.stderr)
        assert "in use" in second.stderr
        assert any(line.startswith("sumchain: ") and str(data_dir) in line for line in second.stderr.splitlines())
        assert "Traceback" not in second.stderr
        assert "Available Accounts" not in second.stdout

        first.proc.send_signal(signal.SIGINT)
        assert first.proc.wait(EXIT_TIMEOUT) == 0, first.stderr
    finally:
        first.kill()

    # The lock went with the first node: the data dir opens again.
    chain = Chain.open(genesis, data_dir)
    try:
        assert chain.head_number == 0
    finally:
        chain.close()


def test_in_process_second_open_is_refused_too(tmp_path: Path, genesis) -> None:
    chain = Chain.open(genesis, tmp_path / "data")
    try:
        with pytest.raises(StoreLockedError, match="in use"):
            Chain.open(genesis, tmp_path / "data")
        assert chain.head_number == 0  # the refused open did not disturb the first
    finally:
        chain.close()


# ---------------------------------------------------------------------- genesis mismatch


def test_data_dir_from_another_genesis_is_refused(tmp_path: Path, genesis) -> None:
    data_dir = tmp_path / "data"
    node = spawn([SUMCHAIN, "node", "--data-dir", str(data_dir), "--port", "0"])
    try:
        banner = node.read_banner()
        assert any(line.split() == ["Chain", "ID:", "31337"] for line in banner), banner
        node.proc.send_signal(signal.SIGINT)
        assert node.proc.wait(EXIT_TIMEOUT) == 0, node.stderr
    finally:
        node.kill()

    other = run_sumchain("node", "--data-dir", str(data_dir), "--port", "0", "--chain-id", "999")
    assert other.returncode == 1, (other.stdout, other.stderr)
    errors = [line for line in other.stderr.splitlines() if line.startswith("sumchain: ")]
    assert len(errors) == 1, other.stderr
    assert "different genesis" in errors[0]
    assert "config" in errors[0]  # the part of the genesis that differs (chainId is in config)
    assert str(data_dir) in errors[0]
    assert "Traceback" not in other.stderr
    assert "Available Accounts" not in other.stdout

    # The refused start changed nothing: the data dir still opens with its own genesis.
    chain = Chain.open(genesis, data_dir)
    try:
        assert (chain.chain_id, chain.head_number) == (31337, 0)
    finally:
        chain.close()


def test_refused_open_releases_the_data_dir(tmp_path: Path, genesis) -> None:
    data_dir = tmp_path / "data"
    Chain.open(genesis, data_dir).close()
    with pytest.raises(ChainError, match="different genesis") as refused:
        Chain.open(genesis.with_overrides(chain_id=999), data_dir)
    # A caller that keeps (logs, re-raises, reports) the error must not keep the lock.
    chain = Chain.open(genesis, data_dir)
    try:
        assert chain.head_number == 0
    finally:
        chain.close()
    assert str(data_dir) in str(refused.value)  # (and the error stayed referenced until here)


def test_transaction_pooled_at_a_crash_is_mined_on_reopen(tmp_path: Path, genesis) -> None:
    """A crash between pooling and mining leaves an unacknowledged transaction in the
    pool; an automine node mines it once it serves (never while opening: a pooled
    transaction must not keep the node from starting)."""
    data_dir = tmp_path / "data"
    chain = Chain.open(genesis, data_dir)
    alice, bob = chain.accounts[0], chain.accounts[1]
    chain.set_automine(False)  # stands in for the crash: pooled, not mined
    tx_hash = chain.send_transaction(alice.address, bob.address, value=1)
    chain.close()
    chain = Chain.open(genesis, data_dir)
    try:
        assert chain.get_receipt(tx_hash) is None and len(chain.pool) == 1
        chain.mine_leftover_pool()
        receipt = chain.get_receipt(tx_hash)
        assert receipt is not None and receipt.status == 1
        assert len(chain.pool) == 0
    finally:
        chain.close()
