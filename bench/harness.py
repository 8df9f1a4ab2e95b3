"""What every bench shares: a node of our own in a subprocess, and a progress bar."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from typing import Iterator

from tqdm import tqdm

from contracts.bindings.rpc import RpcClient
from genesis import DEV_GENESIS

ROOT = pathlib.Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def sumchain_node(*extra: str, hardfork: str | None = None) -> Iterator[str]:
    """``sumchain node --in-memory`` on a free port (plus ``extra`` flags), yielding its URL.

    ``hardfork`` writes a copy of genesis/dev.json with that ``config.hardfork``."""
    with tempfile.TemporaryDirectory() as scratch:
        flags = list(extra)
        if hardfork is not None:
            genesis = json.loads(DEV_GENESIS.read_text())
            genesis["config"]["hardfork"] = hardfork
            path = pathlib.Path(scratch) / f"{hardfork}.json"
            path.write_text(json.dumps(genesis))
            flags += ["--genesis", str(path)]
        # This interpreter's sumchain, from this bench's own tree (cwd), not whichever is first on PATH.
        command = [sys.executable, "-m", "sumchain", "node", "--in-memory", "--port", "0", "--log-level", "warning",
                   *flags]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            for line in process.stdout:
                if line.startswith("JSON-RPC:"):
                    break
            else:
                raise RuntimeError(f"the node did not start: {' '.join(command)}")
            yield line.split()[1]
        finally:
            stop(process)


def child_rss_mib(command_part: str) -> float | None:
    """The resident size (MiB, /proc's VmRSS) of this process's child whose command line holds
    ``command_part`` (the node ``sumchain_node`` started); None when there is none."""
    for status in pathlib.Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            if int(fields.get("PPid", "0")) != os.getpid():
                continue
            if command_part in (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                return round(int(fields["VmRSS"].split()[0]) / 1024, 1)
        except (OSError, ValueError, KeyError):
            continue
    return None


def stop(process: subprocess.Popen) -> None:
    """Terminate a node, and kill it if it has not gone within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def anvil_binary() -> str | None:
    """Anvil from npm: $SUMCHAIN_ANVIL, the copy make test installs (tests/anvil), make peers' one, or PATH's."""
    for candidate in (os.environ.get("SUMCHAIN_ANVIL"), ROOT / "tests" / "anvil" / "node_modules" / ".bin" / "anvil",
                      ROOT / "bench" / "peers" / "node_modules" / ".bin" / "anvil", shutil.which("anvil")):
        if candidate and pathlib.Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@contextlib.contextmanager
def anvil_node(binary: str, *flags: str) -> Iterator[str]:
    """A fresh Anvil on a free port (``--port 0``), yielding its URL; stopped after."""
    process = subprocess.Popen([binary, "--port", "0", *flags], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        for line in process.stdout:
            if line.startswith("Listening on "):
                break
        else:
            raise RuntimeError(f"anvil did not start: {binary} --port 0 {' '.join(flags)}")
        url = "http://" + line.split()[-1]
        # Keep reading its log so that a full pipe never blocks it.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(Exception):
                RpcClient(url).request("eth_chainId")
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"anvil at {url} does not answer")
            time.sleep(0.1)
        yield url
    finally:
        stop(process)


def progress(total: int, description: str) -> tqdm:
    """A progress bar on stderr (hidden when stderr is not a terminal and SUMCHAIN_PROGRESS is unset)."""
    return tqdm(total=total, desc=description, unit="step", file=sys.stderr, dynamic_ncols=True,
                disable=None if not os.environ.get("SUMCHAIN_PROGRESS") else False)


def machine() -> dict[str, object]:
    """Where a run happened: written beside every figure."""
    memory = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory = round(int(open("/proc/meminfo").readline().split()[1]) / 2**20, 1)
    return {"date": date.today().isoformat(), "machine": platform.machine(), "cores": os.cpu_count(),
            "memory_gib": memory, "python": platform.python_version(), "system": platform.platform()}
