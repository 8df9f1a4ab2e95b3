"""Crash-safe chain storage on LMDB.

Why LMDB: it is a copy-on-write B+tree whose write transactions are atomic and
durable, so "everything one block changes is written in one commit" is a single
``env.begin(write=True)``. After ``kill -9`` the file holds exactly the last
committed transaction; there is no log to replay and no repair step.

The tables are named sub-databases of one environment (``SUB_DATABASES``); what
each holds, key and value, is node/chaindb.py's to say (its docstring is the schema).
"""
from __future__ import annotations

import fcntl
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Iterator

import lmdb
import msgpack
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB

SUB_DATABASES = ("nodes", "headers", "bodies", "canon", "txs", "meta", "pool")

# Sparse on Linux: the file grows with the data, this only caps it.
DEFAULT_MAP_SIZE = 1 << 40


def pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def number_key(number: int) -> bytes:
    return struct.pack(">Q", number)


class StoreError(RuntimeError):
    """The data dir cannot be used (the message says why)."""


class StoreLockedError(StoreError):
    """Another process has the data dir open."""


class _MemoryLMDB:
    """An in-process stand-in for an LMDB environment (``--in-memory``)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[bytes, bytes]] = {name: {} for name in SUB_DATABASES}


@dataclass
class WriteSet:
    """Everything one commit writes: sub-database -> key -> value (None deletes)."""

    tables: dict[str, dict[bytes, bytes | None]] = field(
        default_factory=lambda: {name: {} for name in SUB_DATABASES}
    )

    def put(self, table: str, key: bytes, value: bytes | None) -> None:
        self.tables[table][key] = value

    def delete(self, table: str, key: bytes) -> None:
        self.tables[table][key] = None


class Store:
    """Key-value tables with atomic multi-table commits, on disk or in memory."""

    def __init__(self, path: str | os.PathLike | None, *, sync: bool = True) -> None:
        self.path = None if path is None else os.fspath(path)
        if self.path is None:
            self._env = None
            self._memory = _MemoryLMDB()
            return
        try:
            os.makedirs(self.path, exist_ok=True)
            # LMDB itself allows several processes; two nodes mining on one data
            # dir would fork it, so the first one holds an exclusive lock.
            self._lock_file = open(os.path.join(self.path, "LOCK"), "a+")
        except OSError as error:
            raise StoreError(f"cannot use data dir {self.path}: {error.strerror or error}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise StoreLockedError(
                f"data dir {self.path} is in use by another sumchain process"
            ) from None
        try:
            self._env = lmdb.open(
                self.path,
                map_size=DEFAULT_MAP_SIZE,
                max_dbs=len(SUB_DATABASES),
                sync=sync,
                metasync=sync,
            )
            self._dbs = {name: self._env.open_db(name.encode()) for name in SUB_DATABASES}
        except lmdb.Error as error:
            self._lock_file.close()
            raise StoreError(f"cannot open the chain database in {self.path}: {error}") from None

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None
            self._lock_file.close()

    def get(self, table: str, key: bytes) -> bytes | None:
        if self._env is None:
            return self._memory.tables[table].get(key)
        with self._env.begin(db=self._dbs[table], buffers=False) as txn:
            return txn.get(key)

    def iterate(self, table: str) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs of a table in key order (a snapshot of it)."""
        if self._env is None:
            yield from sorted(self._memory.tables[table].items())
            return
        with self._env.begin(db=self._dbs[table]) as txn:
            items = list(txn.cursor().iternext(keys=True, values=True))
        yield from items

    def commit(self, writes: WriteSet) -> None:
        """Apply every write of ``writes`` in one atomic, durable transaction."""
        if self._env is None:
            for table, entries in writes.tables.items():
                target = self._memory.tables[table]
                for key, value in entries.items():
                    if value is None:
                        target.pop(key, None)
                    else:
                        target[key] = value
            return
        with self._env.begin(write=True) as txn:
            for table, entries in writes.tables.items():
                db = self._dbs[table]
                for key, value in entries.items():
                    if value is None:
                        txn.delete(key, db=db)
                    else:
                        txn.put(key, value, db=db)

    # meta helpers
    def get_meta(self, key: str, default: Any = None) -> Any:
        raw = self.get("meta", key.encode())
        return default if raw is None else unpack(raw)


class StateOverlay(BaseDB):
    """The key-value view py-evm's state trie reads and writes.

    Reads fall through to the store's ``nodes`` table; writes stay in memory
    until the chain puts them into the same commit as the block they belong to
    (or drops them, for calls and estimates).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.pending: dict[bytes, bytes] = {}

    def __getitem__(self, key: bytes) -> bytes:
        value = self.pending.get(key)
        if value is None:
            value = self._store.get("nodes", key)
            if value is None:
                raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.pending[key] = value

    def _exists(self, key: bytes) -> bool:
        return key in self.pending or self._store.get("nodes", key) is not None

    def __delitem__(self, key: bytes) -> None:
        # Trie nodes are content-addressed and shared between blocks' states:
        # keeping them is what lets every past block's state be queried.
        self.pending.pop(key, None)

    def atomic(self) -> AtomicDB:
        return AtomicDB(self)

    def add_to(self, writes: WriteSet) -> None:
        writes.tables["nodes"].update(self.pending)
