"""Child process of tests/test_crash_recovery.py: transfer 1 wei from dev account 0
to dev account 1 forever, printing each transaction hash only after
send_transaction returned it (i.e. after its block was committed).

Usage: python tests/scripts/crash_writer.py DATA_DIR   (cwd: the project root)
The parent kills it with SIGKILL at a moment of its choosing.
"""
from __future__ import annotations

import sys

from genesis import DEV_GENESIS
from node import speedups
from node.chain import Chain
from node.genesis import load_genesis


def main() -> None:
    speedups.install()
    data_dir = sys.argv[1]
    chain = Chain.open(load_genesis(DEV_GENESIS), data_dir)
    sender, receiver = chain.accounts[0].address, chain.accounts[1].address
    print("ready", chain.head_number, flush=True)
    while True:
        tx_hash = chain.send_transaction(sender, receiver, value=1)
        print(tx_hash.hex(), flush=True)


if __name__ == "__main__":
    main()
