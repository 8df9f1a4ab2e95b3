"""Issue 13: memory stays bounded per call. py-evm keeps every finished sub-call until the
transaction ends; their input and memory are freed as they return."""
from __future__ import annotations

import subprocess
import sys

from node.execution import CallRequest
from tests.support import ROOT

CALLER = bytes.fromhex("00000000000000000000000000000000000c0de0")
# A loop of STATICCALLs to an empty account, each with a 512 KB argument, while gas lasts.
BIG_ARGUMENT_LOOP = bytes.fromhex("60006207ffe0525b5f5f620800005f61dead5afa506127105a1160075700")

# The child imports this checkout's code, whatever its cwd and wherever the installed package points.
RUN_UNDER_A_MEMORY_LIMIT = f"""
import resource, sys
sys.path.insert(0, {str(ROOT)!r})
resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))
from node import speedups
speedups.install()
from genesis import DEV_GENESIS
from node.chain import Chain
from node.execution import CallRequest
from node.genesis import load_genesis
chain = Chain.open(load_genesis(DEV_GENESIS), None)
chain.set_code({CALLER!r}, {BIG_ARGUMENT_LOOP!r})
result = chain.call(CallRequest(sender=chain.accounts[0].address, to={CALLER!r}, gas=1_300_000))
print(result.error, result.gas_used)
"""


def test_finished_sub_calls_let_go_of_their_input_and_memory(chain):
    chain.set_code(CALLER, BIG_ARGUMENT_LOOP)
    result = chain.call(CallRequest(sender=chain.accounts[0].address, to=CALLER, gas=1_300_000))
    assert result.error is None
    children = result.computation.children
    assert len(children) > 100
    assert all(child.msg.data == b"" and len(child._memory) == 0 for child in children)


def test_a_call_of_many_large_sub_calls_fits_in_a_gigabyte():
    """2.6 GB for this call before the fix (a 30M-gas transaction would have needed ~100 GB)."""
    run = subprocess.run([sys.executable, "-c", RUN_UNDER_A_MEMORY_LIMIT], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    error, gas_used = run.stdout.split()
    assert error == "None" and int(gas_used) > 1_200_000
