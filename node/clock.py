"""Block time (Anvil's TimeManager): the wall clock plus an offset, or a timestamp set for the
next block.

``evm_increaseTime`` moves the offset, ``evm_setNextBlockTimestamp`` pins the next block's
timestamp, and after that block time continues from it, as in Hardhat and Anvil. Blocks are
at least a second apart. The chain persists ``to_list()`` under the ``clock`` meta key.
"""
from __future__ import annotations

from typing import Callable

from .errors import ChainError, InvalidRequest
from .genesis import MAX_UINT64


class Clock:
    def __init__(self, wall: Callable[[], float], offset: int = 0, next_timestamp: int | None = None) -> None:
        self.wall = wall
        self.offset = offset
        self.next_timestamp = next_timestamp

    def now(self) -> int:
        return int(self.wall())

    def to_list(self) -> list:
        return [self.offset, self.next_timestamp]

    def next_block_timestamp(self, head_timestamp: int) -> int:
        if self.next_timestamp is not None:
            return self.next_timestamp
        timestamp = max(head_timestamp + 1, self.now() + self.offset)
        if timestamp > MAX_UINT64:
            raise ChainError(f"the next block's timestamp {timestamp} would be past 2**64-1")
        return timestamp

    def increase(self, seconds: int, head_timestamp: int) -> int:
        """Move forward by ``seconds``; returns the total offset.

        The next block is at least ``seconds`` after the latest, as scripts
        written for Anvil and Hardhat assume, even when a burst of blocks (one
        a second at least) has run the head ahead of the clock.
        """
        if seconds < 0:
            raise InvalidRequest("time can only be increased (seconds must be >= 0)")
        now = self.now()
        offset = max(self.offset, head_timestamp - now) + seconds
        if now + offset > MAX_UINT64:
            raise InvalidRequest(f"time would pass 2**64-1 (the latest block is at {head_timestamp})")
        self.offset = offset
        return offset

    def set_next(self, timestamp: int, head_timestamp: int) -> None:
        if timestamp <= head_timestamp:
            raise InvalidRequest(
                f"timestamp {timestamp} is not after the latest block's timestamp {head_timestamp}"
            )
        if timestamp > MAX_UINT64:
            raise InvalidRequest(f"timestamp {timestamp} is past 2**64-1")
        self.next_timestamp = timestamp

    def block_mined(self) -> None:
        """Time continues from a set timestamp, as in Hardhat and Anvil."""
        if self.next_timestamp is not None:
            self.offset = self.next_timestamp - self.now()
            self.next_timestamp = None
