"""A local content-addressed store: bytes kept under their keccak256 hash, offline, like IPFS CIDs.

    from contracts.bindings.content import ContentStore

    store = ContentStore(pathlib.Path("data"))     # or ContentStore() for $SUMCHAIN_CONTENT / ./.sumchain-content
    address = store.put(b"label,x\\n1,0.5\\n")     # "0x" + keccak256(data).hex()
    store.get(address)                             # the same bytes, checked against the address

An address is "0x" and 64 hex digits: the keccak256 of the bytes, so the same value can be put on
chain as a bytes32 (a bounty's dataset, a trainer's model) and a contract can check
keccak256(data) against it. The bytes are stored as ROOT/ab/cdef... (the first byte's two hex
digits as a directory, the other 62 as the file name), written to a temporary file and renamed
into place, so a crash never leaves a partial file under an address. `get` re-hashes what it reads:
a file changed on disk is reported, never returned.

Nothing here imports the node.
"""
from __future__ import annotations

import io
import os
import pathlib
import re
import tempfile
from typing import BinaryIO

from eth_hash.auto import keccak

from .errors import SumError

CONTENT_ENV = "SUMCHAIN_CONTENT"
DEFAULT_ROOT = ".sumchain-content"
_ADDRESS = re.compile(r"0x[0-9a-f]{64}")
_CHUNK = 1 << 20


class ContentError(SumError):
    """An address that is malformed or unknown, content that is corrupted, or a file that cannot be read or written."""


def default_root() -> pathlib.Path:
    """$SUMCHAIN_CONTENT if set (and not empty), else ./.sumchain-content (relative to the working directory)."""
    return pathlib.Path(os.environ.get(CONTENT_ENV) or DEFAULT_ROOT)


def content_address(data: bytes) -> str:
    """The address of some bytes: "0x" + keccak256(data).hex()."""
    return "0x" + keccak(data).hex()


def normalize_address(address: str) -> str:
    """The canonical (lower-case) form of an address; ContentError if it is not 0x and 64 hex digits."""
    text = address.strip().lower() if isinstance(address, str) else ""
    if not _ADDRESS.fullmatch(text):
        raise ContentError(f"malformed content address {address!r}: expected 0x and 64 hex digits (a keccak256)")
    return text


class ContentStore:
    """Bytes by keccak256 address under one directory (created on the first put)."""

    def __init__(self, root: pathlib.Path | str | None = None) -> None:
        self.root = pathlib.Path(root) if root is not None else default_root()

    def path(self, address: str) -> pathlib.Path:
        """Where the bytes of `address` are (or would be) stored: root/ab/cdef..."""
        digits = normalize_address(address)[2:]
        return self.root / digits[:2] / digits[2:]

    def has(self, address: str) -> bool:
        """Whether something is stored under `address` (not re-hashed: `get` checks the bytes)."""
        return self.path(address).is_file()

    def put(self, data: bytes) -> str:
        """Store `data`; returns its address. Putting the same bytes again is a no-op."""
        return self.put_stream(io.BytesIO(bytes(data)))

    def put_file(self, path: pathlib.Path | str) -> str:
        """Store a file's bytes (read in chunks, hashed as they are copied); returns its address."""
        try:
            source = open(path, "rb")
        except OSError as error:
            raise ContentError(f"cannot read {path}: {error.strerror or error}") from None
        with source:
            return self.put_stream(source)

    def put_stream(self, source: BinaryIO) -> str:
        """Store everything read from a binary stream; returns its address.

        The bytes go to a temporary file in the root (a dot name, never an address), hashed as they
        are copied, fsynced, then renamed to root/ab/cdef...: the address only ever names whole content."""
        self._mkdir(self.root)
        try:
            fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
        except OSError as error:
            raise ContentError(f"cannot write in {self.root}: {error.strerror or error}") from None
        try:
            digest = keccak.new(b"")
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            address = "0x" + digest.digest().hex()
            target = self.path(address)
            if self._intact(target, address):
                os.unlink(temp)
                return address
            self._mkdir(target.parent)
            os.replace(temp, target)
        except OSError as error:
            remove_quietly(temp)
            raise ContentError(f"cannot store content in {self.root}: {error.strerror or error}") from None
        except BaseException:
            remove_quietly(temp)
            raise
        sync_directory(target.parent)
        return address

    def get(self, address: str) -> bytes:
        """The bytes stored under `address`, checked to hash to it; ContentError if unknown or corrupted."""
        canonical = normalize_address(address)
        target = self.path(canonical)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise ContentError(f"no content {canonical} in {self.root}") from None
        except OSError as error:
            raise ContentError(f"cannot read content {canonical} ({target}): {error.strerror or error}") from None
        actual = content_address(data)
        if actual != canonical:
            raise ContentError(f"content {canonical} is corrupted: {target} hashes to {actual}; put the original again")
        return data

    # -------------------------------------------------------------------------------- internals

    def _intact(self, target: pathlib.Path, address: str) -> bool:
        """Whether target already holds the bytes of address (a corrupted copy is replaced by put)."""
        try:
            return content_address(target.read_bytes()) == address
        except OSError:
            return False

    @staticmethod
    def _mkdir(directory: pathlib.Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ContentError(f"cannot create {directory}: {error.strerror or error}") from None


def remove_quietly(path: str) -> None:
    """Delete a temporary file, if it is still there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def sync_directory(directory: pathlib.Path) -> None:
    """Make a rename durable (POSIX); best effort elsewhere."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
