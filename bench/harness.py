"""What every bench shares: a node of our own in a subprocess, and a progress bar."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
from datetime import date
from typing import Iterator

from tqdm import tqdm

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
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
