"""The ``sumchain`` command line: help, the startup banner, clean shutdown, and errors.

Every test runs the installed ``sumchain`` entry point in a subprocess (cwd:
the project root) and never waits unboundedly: output is read by threads into
queues, and every wait has a timeout.
"""
from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import OutputReader

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "scripts"
SUMCHAIN = str(Path(sys.executable).parent / "sumchain")
if not Path(SUMCHAIN).exists():  # pragma: no cover - a venv without the entry point
    SUMCHAIN = shutil.which("sumchain") or SUMCHAIN

STARTUP_TIMEOUT = 60  # seconds for the node to print its banner (imports py-evm)
EXIT_TIMEOUT = 30  # seconds for the node to exit after a signal / a failing start

NODE_FLAGS = (
    "--host", "--port", "--data-dir", "--in-memory", "--genesis", "--block-time",
    "--chain-id", "--accounts", "--mnemonic", "--log-level",
)
ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ACCOUNT_LINE = re.compile(r"^\((\d+)\) (0x[0-9a-fA-F]{40}) \((.*) ETH\)$")
KEY_LINE = re.compile(r"^\((\d+)\) (0x[0-9a-f]{64})$")


class NodeProcess(OutputReader):
    """A ``sumchain node`` subprocess whose stdout is read line by line with timeouts."""

    def __init__(self, *flags: str, command: list[str] | None = None) -> None:
        super().__init__(subprocess.Popen(
            command or [SUMCHAIN, "node", *flags],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1,
        ))
        self.stdout: list[str] = []

    def read_banner(self, timeout: float = STARTUP_TIMEOUT) -> list[str]:
        """stdout lines up to and including the one starting with "JSON-RPC"."""
        banner: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no banner within {timeout}s; stdout so far: {banner!r}; stderr: {self.stderr}")
            if line is None:
                self.proc.wait(EXIT_TIMEOUT)
                pytest.fail(
                    f"node exited ({self.proc.returncode}) before its banner was complete; "
                    f"stdout: {banner!r}; stderr: {self.stderr}"
                )
            line = line.rstrip("\n")
            banner.append(line)
            self.stdout.append(line)
            if line.startswith("JSON-RPC"):
                return banner

    def read_until_exit_or_banner(self, timeout: float = STARTUP_TIMEOUT) -> list[str]:
        """stdout lines until the process exits (then waited for) or its banner ends."""
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"neither exit nor banner within {timeout}s; stdout: {lines!r}; stderr: {self.stderr}")
            if line is None:
                self.proc.wait(EXIT_TIMEOUT)
                self._threads[1].join(EXIT_TIMEOUT)  # stderr complete
                return lines
            lines.append(line.rstrip("\n"))
            if line.startswith("JSON-RPC"):
                return lines

    def drain_stdout(self) -> list[str]:
        """After the process exited and kill() joined the readers: the unread stdout lines."""
        lines = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return lines
            if line is not None:
                lines.append(line.rstrip("\n"))

    def stop(self, signum: int = signal.SIGINT, timeout: float = EXIT_TIMEOUT) -> int:
        """Send ``signum`` and wait (bounded) for the exit code."""
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"node still running {timeout}s after signal {signum}; stderr: {self.stderr}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(EXIT_TIMEOUT)
        for reader in self._threads:
            reader.join(5)


@pytest.fixture
def start_node():
    started: list[NodeProcess] = []

    def start(*flags: str, command: list[str] | None = None) -> NodeProcess:
        node = NodeProcess(*flags, command=command)
        started.append(node)
        return node

    yield start
    for node in started:
        node.kill()


def run_sumchain(*args: str, timeout: float = STARTUP_TIMEOUT) -> subprocess.CompletedProcess:
    """Run ``sumchain ARGS`` to completion (for commands that exit by themselves)."""
    return subprocess.run(
        [SUMCHAIN, *args], cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=timeout,
    )


def parse_banner(lines: list[str]) -> dict:
    accounts = [m.groups() for m in map(ACCOUNT_LINE.match, lines) if m]
    keys = [m.groups() for m in map(KEY_LINE.match, lines) if m]
    fields = dict(line.split(":", 1) for line in lines if re.match(r"^[A-Za-z -]+:\s", line))
    return {
        "accounts": accounts,
        "keys": keys,
        "fields": {name.strip(): value.strip() for name, value in fields.items()},
    }


# ---------------------------------------------------------------------- help


def test_top_level_help_lists_the_node_command() -> None:
    result = run_sumchain("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sumchain")
    assert re.search(r"^\s+node\s+start the node", result.stdout, re.MULTILINE), result.stdout
    assert "--version" in result.stdout


def test_node_help_mentions_every_flag() -> None:
    result = run_sumchain("node", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sumchain node")
    missing = [flag for flag in NODE_FLAGS if flag not in result.stdout]
    assert not missing, f"`sumchain node --help` does not mention {missing}:\n{result.stdout}"
    # Defaults are shown (ArgumentDefaultsHelpFormatter), e.g. the genesis file used.
    assert "genesis/dev.json" in result.stdout


def test_version() -> None:
    result = run_sumchain("--version")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"sumchain \d+\.\d+\.\d+\S*\n", result.stdout), result.stdout


# ---------------------------------------------------------------------- banner and shutdown


def test_in_memory_banner_shows_the_dev_accounts_and_sigint_exits_0(start_node) -> None:
    node = start_node("--in-memory", "--port", "0")
    lines = node.read_banner()
    text = "\n".join(lines)
    banner = parse_banner(lines)

    assert ACCOUNT_0 in text
    assert ACCOUNT_0_KEY in text
    assert banner["fields"]["Chain ID"] == "31337"
    # The ten well-known dev accounts, in order, each with 10,000 ETH and its key.
    assert [int(index) for index, _, _ in banner["accounts"]] == list(range(10))
    assert banner["accounts"][0][1] == ACCOUNT_0
    assert {balance for _, _, balance in banner["accounts"]} == {"10000"}
    assert [int(index) for index, _ in banner["keys"]] == list(range(10))
    assert banner["keys"][0][1] == ACCOUNT_0_KEY
    assert banner["fields"]["Data"].startswith("in memory")
    assert banner["fields"]["Mining"] == "automine"

    assert node.stop(signal.SIGINT) == 0, node.stderr
    assert "Traceback" not in node.stderr


def test_accounts_and_chain_id_flags_change_the_banner(start_node) -> None:
    node = start_node("--in-memory", "--port", "0", "--accounts", "3", "--chain-id", "1337")
    lines = node.read_banner()
    banner = parse_banner(lines)

    assert [int(index) for index, _, _ in banner["accounts"]] == [0, 1, 2]
    assert [int(index) for index, _ in banner["keys"]] == [0, 1, 2]
    assert banner["accounts"][0][1] == ACCOUNT_0  # same mnemonic, same first account
    assert banner["keys"][0][1] == ACCOUNT_0_KEY
    assert banner["fields"]["Chain ID"] == "1337"
    assert "31337" not in "\n".join(lines)

    assert node.stop(signal.SIGINT) == 0, node.stderr


def test_sigterm_also_exits_0(start_node) -> None:
    node = start_node("--in-memory", "--port", "0", "--accounts", "1")
    node.read_banner()
    assert node.stop(signal.SIGTERM) == 0, node.stderr


def test_sigterm_during_anvil_mine_stops_after_the_current_block(start_node, tmp_path: Path) -> None:
    """anvil_mine of 10,000 blocks (~15 s) does not hold the node past a SIGTERM: the call ends
    after the block in hand with an error that says how far it got, and those blocks are kept."""
    import threading
    import urllib.request

    data_dir = str(tmp_path / "chain")
    node = start_node("--data-dir", data_dir, "--port", "0", "--accounts", "1")
    url = parse_banner(node.read_banner())["fields"]["JSON-RPC"].split()[0]

    def rpc(method: str, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    answers: list[dict] = []
    mining = threading.Thread(target=lambda: answers.append(rpc("anvil_mine", hex(10_000))))
    mining.start()
    while int(rpc("eth_blockNumber")["result"], 16) == 0:
        time.sleep(0.05)
    assert node.stop(signal.SIGTERM) == 0, node.stderr
    mining.join(EXIT_TIMEOUT)
    error = answers[0]["error"]
    mined = int(re.fullmatch(r"the node is stopping: mined (\d+) of 10000 blocks", error["message"]).group(1))
    assert error["code"] == -32000 and 1 <= mined < 10_000

    again = start_node("--data-dir", data_dir, "--port", "0", "--accounts", "1")
    assert parse_banner(again.read_banner())["fields"]["Data"] == f"{data_dir} (head block {mined})"
    assert again.stop(signal.SIGTERM) == 0, again.stderr


def test_sigint_the_moment_the_banner_is_flushed_exits_0(start_node) -> None:
    """The banner is the node's "ready" line: a script that waits for it and then
    stops the node sends SIGINT right after it. tests/scripts/sigint_at_banner.py
    makes that timing deterministic (it delivers SIGINT from inside the flush of
    the banner); the node must still stop cleanly rather than die of a
    KeyboardInterrupt traceback."""
    node = start_node(command=[
        sys.executable, str(SCRIPTS / "sigint_at_banner.py"), "--in-memory", "--port", "0", "--accounts", "1",
    ])
    try:
        returncode = node.proc.wait(EXIT_TIMEOUT + STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"node did not stop after the SIGINT at its banner; stderr: {node.stderr}")
    node.kill()  # joins the readers, so stdout and stderr are complete
    stdout = node.drain_stdout()
    assert any(line.startswith("JSON-RPC") for line in stdout), stdout  # the banner was out
    assert "KeyboardInterrupt" not in node.stderr, node.stderr
    assert returncode == 0, node.stderr
    assert any(line.startswith("stopping:") for line in stdout), stdout  # the clean shutdown path


# ---------------------------------------------------------------------- errors


def test_bad_genesis_field_exits_1_naming_the_field(tmp_path: Path) -> None:
    genesis = tmp_path / "bad.json"
    genesis.write_text(json.dumps({"config": {"chainId": "abc"}}))
    result = run_sumchain("node", "--in-memory", "--port", "0", "--genesis", str(genesis))

    assert result.returncode == 1, (result.stdout, result.stderr)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("sumchain: ")]
    assert len(error_lines) == 1, result.stderr
    assert "config.chainId" in error_lines[0]
    assert str(genesis) in error_lines[0]
    assert '"abc"' in error_lines[0]
    assert "Traceback" not in result.stderr
    assert "Available Accounts" not in result.stdout


def test_missing_genesis_file_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = run_sumchain("node", "--in-memory", "--port", "0", "--genesis", str(missing))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"sumchain: genesis file not found: {missing}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        pytest.param(["--block-time", "-1"], "--block-time", id="block-time=-1"),
        pytest.param(["--block-time", "nan"], "--block-time", id="block-time=nan"),
        pytest.param(["--port", "70000"], "--port", id="port=70000"),
        pytest.param(["--port", "-1"], "--port", id="port=-1"),
        pytest.param(["--chain-id", "0"], "--chain-id", id="chain-id=0"),
        pytest.param(["--accounts", "-1"], "--accounts", id="accounts=-1"),
        pytest.param(["--log-level", "loud"], "--log-level", id="log-level=loud"),
        pytest.param(["--data-dir", "{tmp}/d", "--in-memory"], "not allowed with", id="data-dir+in-memory"),
        pytest.param(["--block-time", "inf"], "--block-time", id="block-time=inf"),
    ],
)
def test_invalid_flag_values_are_rejected_by_argparse(
    flags: list[str], named: str, tmp_path: Path, start_node
) -> None:
    flags = [flag.replace("{tmp}", str(tmp_path)) for flag in flags]
    # Otherwise valid flags around the bad one, so only the bad one can fail.
    defaults = [] if {"--in-memory", "--data-dir"} & set(flags) else ["--in-memory"]
    defaults += [] if "--port" in flags else ["--port", "0"]
    node = start_node(*defaults, *flags)
    # Fail fast, not after a timeout, if the node accepts the flag and starts.
    stdout = node.read_until_exit_or_banner()
    assert not any(line.startswith("JSON-RPC") for line in stdout), f"{flags} accepted: {stdout}"
    assert node.proc.returncode == 2, (stdout, node.stderr)
    assert "usage: sumchain node" in node.stderr
    assert named in node.stderr
    assert "Traceback" not in node.stderr
    assert stdout == []


def test_data_dir_that_is_a_file_exits_1_with_a_message(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    result = run_sumchain("node", "--port", "0", "--data-dir", str(not_a_dir))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert any(line.startswith("sumchain: ") and str(not_a_dir) in line for line in result.stderr.splitlines())
