"""Faster drop-ins for hot spots of every block and call, with the same results.

Profiled (cProfile and py-spy, docs/benchmarks.md): after the EVM, a block's time goes to the
state trie, and there to two small things called tens of thousands of times per second:

- keccak-256: eth-hash's default backend (pycryptodome, through ctypes) costs about 10 us a
  hash; ``safe-pysha3``'s C extension costs under 2. eth-hash supports it as its ``pysha3``
  backend, chosen here through eth-hash's own ``ETH_HASH_BACKEND`` setting.
- RLP decoding of long items: rusty-rlp (pyrlp's Rust backend, quicker for small items) takes about
  40 ns a byte for a long string, 0.75 ms for a 32 KB transaction or log, where pyrlp's own
  Python decoder slices it in microseconds. Items over ``LONG_RLP`` bytes go to the Python one.
- The trie's nibble helpers (``trie.utils.nibbles``) are generators behind eth-utils'
  ``to_tuple``: a Python-level step per nibble. The versions below do the same with C-level
  loops (``bytes.hex``, ``bytes.fromhex``, tuple slicing) and raise the same errors.

``install()`` is idempotent. The entry points call it before anything hashes (``sumchain.cli.main``,
the benches that run the chain in-process, tests/conftest.py and the tests' child processes):
eth-hash picks its backend at the first hash, so a later call would change the RLP and trie
helpers but not keccak.
tests/test_speedups.py checks the replacements against the originals with hypothesis.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from typing import Sequence

import rlp.codec
import trie.utils.nibbles as nibbles
from trie.constants import NIBBLE_TERMINATOR
from trie.exceptions import InvalidNibbles

_HEX_DIGITS = "0123456789abcdef"
_NIBBLE_OF_HEX = {digit: value for value, digit in enumerate(_HEX_DIGITS)}
_VALID = frozenset(range(16))
ORIGINALS = {name: getattr(nibbles, name) for name in (
    "bytes_to_nibbles", "nibbles_to_bytes", "add_nibbles_terminator", "remove_nibbles_terminator",
    "encode_nibbles", "decode_nibbles",
)}


def bytes_to_nibbles(value: bytes) -> tuple[int, ...]:
    return tuple(map(_NIBBLE_OF_HEX.__getitem__, value.hex()))


def nibbles_to_bytes(values: Sequence[int]) -> bytes:
    if not _VALID.issuperset(values):
        raise InvalidNibbles("Nibbles contained invalid value.  Must be constrained between [0, 15]")
    if len(values) % 2:
        raise InvalidNibbles("Nibbles must be even in length")
    return bytes.fromhex("".join(map(_HEX_DIGITS.__getitem__, values)))


def add_nibbles_terminator(values: Sequence[int]) -> tuple[int, ...]:
    values = tuple(values)
    return values if values and values[-1] == NIBBLE_TERMINATOR else values + (NIBBLE_TERMINATOR,)


def remove_nibbles_terminator(values: Sequence[int]) -> tuple[int, ...]:
    values = tuple(values)
    return values[:-1] if values and values[-1] == NIBBLE_TERMINATOR else values


def encode_nibbles(values: Sequence[int]) -> bytes:
    """The hex-prefix encoding of a path (flag 2 or 3 for a terminated one, 1 or 3 for odd length)."""
    values = tuple(values)
    terminated = bool(values) and values[-1] == NIBBLE_TERMINATOR
    raw = values[:-1] if terminated else values
    flag = 2 if terminated else 0
    return nibbles_to_bytes((flag + 1,) + raw if len(raw) % 2 else (flag, 0) + raw)


def decode_nibbles(value: bytes) -> tuple[int, ...]:
    """The inverse of ``encode_nibbles``."""
    with_flag = bytes_to_nibbles(value)
    flag = with_flag[0]
    raw = with_flag[1:] if flag in (1, 3) else with_flag[2:]
    return raw + (NIBBLE_TERMINATOR,) if flag in (2, 3) else raw


LONG_RLP = 600  # bytes: above a branch node (532), where the two are equal; past it Python wins
_rusty_decode_raw = rlp.codec.decode_raw


def decode_raw(item: bytes, strict: bool, preserve_per_item_rlp: bool) -> tuple[object, list]:
    """``rlp.codec.decode_raw``: rusty-rlp for short items, pyrlp's Python decoder for long ones."""
    if len(item) <= LONG_RLP:
        return _rusty_decode_raw(item, strict, preserve_per_item_rlp)
    try:
        result, per_item_rlp, end = rlp.codec.consume_item(item, 0)
    except IndexError:
        raise rlp.codec.DecodingError("RLP string too short", item) from None
    if end != len(item) and strict:
        raise rlp.codec.DecodingError(f"RLP string ends with {len(item) - end} superfluous bytes", item)
    return result, per_item_rlp


FAST = {
    "bytes_to_nibbles": bytes_to_nibbles, "nibbles_to_bytes": nibbles_to_bytes,
    "add_nibbles_terminator": add_nibbles_terminator, "remove_nibbles_terminator": remove_nibbles_terminator,
    "encode_nibbles": encode_nibbles, "decode_nibbles": decode_nibbles,
}


def install() -> None:
    """Use the fast keccak backend (when installed), the long-item RLP decoder and the fast nibble
    helpers everywhere in ``trie``."""
    if importlib.util.find_spec("sha3") is not None:
        os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
    rlp.codec.decode_raw = decode_raw
    importlib.import_module("trie.hexary")  # the modules that import the helpers by name
    for name, module in list(sys.modules.items()):
        if name == "trie" or name.startswith("trie."):
            for attribute, original in ORIGINALS.items():
                if getattr(module, attribute, None) is original:
                    setattr(module, attribute, FAST[attribute])
