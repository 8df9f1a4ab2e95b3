"""Polling filters (eth_newFilter and friends) and their expiry.

Filters collect events as the chain produces them (block and pending
transaction listeners), so a poll returns only what happened since the last
one. Like geth, a filter nobody polls for five minutes is removed. At most
MAX_FILTERS exist at once, each holding at most MAX_QUEUED_PER_FILTER
changes; a log filter holds the chain's own log entries (shared by every
filter, formatted when polled), so many filters cost little more than one.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from node.blocks import Block, BlockRef, LogEntry, LogFilter
from node.chain import Chain
from node.transactions import NodeTransaction

from .codec import data, format_log
from .errors import LIMIT_EXCEEDED, RpcError, SERVER_ERROR

FILTER_TIMEOUT_SECONDS = 300
MAX_QUEUED_PER_FILTER = 10_000
MAX_FILTERS = 1_000


@dataclass
class _Filter:
    kind: str  # "logs", "blocks", "pending"
    log_filter: LogFilter | None = None
    from_block: BlockRef = "latest"
    to_block: BlockRef = "latest"
    changes: list[Any] = field(default_factory=list)
    last_poll: float = field(default_factory=time.monotonic)


class FilterManager:
    def __init__(self, chain: Chain, clock: Callable[[], float] = time.monotonic,
                 max_log_results: int | None = None) -> None:
        self._chain = chain
        self._clock = clock
        self._max_log_results = max_log_results
        self._filters: dict[str, _Filter] = {}
        self._lock = threading.Lock()
        chain.on_block(self._on_block)
        chain.on_pending_transaction(self._on_pending)

    def new_log_filter(self, log_filter: LogFilter, from_block: BlockRef, to_block: BlockRef) -> str:
        return self._install(_Filter("logs", log_filter, from_block, to_block))

    def new_block_filter(self) -> str:
        return self._install(_Filter("blocks"))

    def new_pending_filter(self) -> str:
        return self._install(_Filter("pending"))

    def _install(self, installed: _Filter) -> str:
        filter_id = hex(secrets.randbits(128))  # a quantity: no leading zeros
        installed.last_poll = self._clock()
        with self._lock:
            self._expire()
            if len(self._filters) >= MAX_FILTERS:
                raise RpcError(LIMIT_EXCEEDED, f"too many filters: at most {MAX_FILTERS}; uninstall some first")
            self._filters[filter_id] = installed
        return filter_id

    def uninstall(self, filter_id: str) -> bool:
        with self._lock:
            return self._filters.pop(filter_id, None) is not None

    def changes(self, filter_id: str) -> list[Any]:
        with self._lock:
            polled = self._get(filter_id)
            found, polled.changes = polled.changes, []
        return [format_log(change) if isinstance(change, LogEntry) else change for change in found]

    def logs(self, filter_id: str) -> list[dict[str, Any]]:
        """eth_getFilterLogs: every matching log of the filter's whole range."""
        with self._lock:
            polled = self._get(filter_id)
            if polled.kind != "logs":
                raise RpcError(SERVER_ERROR, "filter not found: not a log filter")
        entries = self._chain.get_logs(polled.log_filter, polled.from_block, polled.to_block, self._max_log_results)
        return [format_log(entry) for entry in entries]

    def _get(self, filter_id: str) -> _Filter:
        self._expire()
        found = self._filters.get(filter_id)
        if found is None:
            raise RpcError(SERVER_ERROR, "filter not found")
        found.last_poll = self._clock()
        return found

    def _expire(self) -> None:
        deadline = self._clock() - FILTER_TIMEOUT_SECONDS
        for filter_id in [i for i, f in self._filters.items() if f.last_poll < deadline]:
            del self._filters[filter_id]

    def _on_block(self, block: Block) -> None:
        with self._lock:
            for installed in self._filters.values():
                if installed.kind == "blocks":
                    _append(installed, data(block.hash))
                elif installed.kind == "logs" and _in_range(installed, block.number):
                    for receipt in block.receipt_views:
                        for entry in receipt.logs:
                            if installed.log_filter.matches(entry):
                                _append(installed, entry)

    def _on_pending(self, tx: NodeTransaction) -> None:
        with self._lock:
            for installed in self._filters.values():
                if installed.kind == "pending":
                    _append(installed, data(tx.hash))


def _append(installed: _Filter, change: Any) -> None:
    if len(installed.changes) < MAX_QUEUED_PER_FILTER:  # an abandoned filter cannot grow without end
        installed.changes.append(change)


def _in_range(installed: _Filter, number: int) -> bool:
    low = installed.from_block if isinstance(installed.from_block, int) else 0
    high = installed.to_block if isinstance(installed.to_block, int) else None
    return number >= low and (high is None or number <= high)
