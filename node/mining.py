"""Block production modes: automine, interval mining and manual mining.

- automine (the default): every admitted transaction is mined at once in its
  own block; the sender gets the hash after the block is committed.
- interval: a background thread mines a block every ``interval`` seconds with
  everything executable in the pool (empty blocks too, as Anvil does).
- manual: nothing is mined until ``Chain.mine`` (``evm_mine``) is called.

Turning automine on stops interval mining and vice versa, as in Anvil. The Miner
owns the mode: it is the one that switches ``Chain.automine`` (which the chain
reads to mine on admission) and keeps the interval; callers set the mode here,
not on the chain.
"""
from __future__ import annotations

import logging
import threading
import time

from .chain import Chain

log = logging.getLogger("sumchain.mining")

AUTOMINE, INTERVAL, MANUAL = "automine", "interval", "manual"


class Miner:
    def __init__(self, chain: Chain, block_time: float = 0) -> None:
        self.chain = chain
        self._interval = 0.0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        if block_time > 0:
            self.set_interval(block_time)

    @property
    def mode(self) -> str:
        if self.chain.automine:
            return AUTOMINE
        return INTERVAL if self._interval > 0 else MANUAL

    @property
    def interval(self) -> float:
        return self._interval

    def set_automine(self, enabled: bool) -> None:
        if enabled:
            self._stop_thread()
            self._interval = 0.0
        self.chain.set_automine(enabled)

    def set_interval(self, seconds: float) -> None:
        """Mine every ``seconds``; 0 stops interval mining (leaving manual mode)."""
        if seconds < 0:
            raise ValueError("the block interval must be >= 0 seconds")
        self._stop_thread()
        self._interval = float(seconds)
        self.chain.set_automine(False)
        if seconds > 0:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="interval-miner", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop_thread()

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        deadline = time.monotonic() + self._interval
        while not self._stop.wait(max(0.0, deadline - time.monotonic())):
            try:
                block = self.chain.mine()
                log.debug("interval block %d with %d transactions", block.number, len(block.transactions))
            except Exception:  # a failed block must not end interval mining
                log.exception("interval mining failed")
            deadline = max(deadline + self._interval, time.monotonic())
