"""Faster drop-ins for hot spots of every block and call, with the same results.

Profiled (cProfile and py-spy, docs/benchmarks.md): after the EVM, a block's time goes to the
state trie, and there to two small things called tens of thousands of times per second:

- keccak-256: eth-hash's default backend (pycryptodome, through ctypes) costs about 10 us a
  hash; ``safe-pysha3``'s C extension costs under 2. eth-hash supports it as its ``pysha3``
  backend, chosen here through eth-hash's own ``ETH_HASH_BACKEND`` setting.
- RLP decoding of long items: rusty-rlp (pyrlp's Rust backend, quicker for small items) takes about
  40 ns a byte for a long string, 0.75 ms for a 32 KB transaction or log, where pyrlp's own
  Python decoder slices it in microseconds. Items over ``LONG_RLP`` bytes go to the Python one.
- Trie node decoding: rusty-rlp takes about 19 us for a 532-byte branch node, and the same nodes
  (the top of the state trie, a contract's storage trie) are decoded again for every state
  built on them. ``decode_node`` keeps the last ``DECODED_NODES`` decodings by their encoding
  (RLP decoding is a function of the bytes alone) and hands out a copy (1 us), since the trie
  edits decoded nodes in place.
- Trie reads: a value in a Merkle trie is a fact of its root hash and key (nodes are
  content-addressed, and sumchain never deletes one), so ``HexaryTrie.get`` keeps the last
  ``TRIE_READS`` answers by (root, key). Every call on the same head reads the same sender,
  contract and slots: those reads no longer walk the trie.
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

import functools
import importlib.util
import os
import sys
from typing import Any, Sequence

import rlp.codec
from trie.hexary import HexaryTrie
import trie.utils.nibbles as nibbles
import trie.utils.nodes as trie_nodes
from trie.constants import BLANK_NODE, NIBBLE_TERMINATOR
from trie.exceptions import InvalidNibbles

_HEX_DIGITS = "0123456789abcdef"
_NIBBLE_OF_HEX = {digit: value for value, digit in enumerate(_HEX_DIGITS)}
_VALID = frozenset(range(16))
ORIGINALS = {name: getattr(nibbles, name) for name in (
    "bytes_to_nibbles", "nibbles_to_bytes", "add_nibbles_terminator", "remove_nibbles_terminator",
    "encode_nibbles", "decode_nibbles",
)} | {"decode_node": trie_nodes.decode_node}
DECODED_NODES = 8192  # trie nodes kept decoded: at most about 14 MB of branch nodes
TRIE_READS = 65_536  # (root, key) -> value answers kept: accounts and slots, about 12 MB at most


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


@functools.lru_cache(maxsize=DECODED_NODES)
def _decoded(encoded: bytes) -> Any:
    return rlp.decode(encoded)


def _copy(node: list) -> list:
    return [_copy(item) if type(item) is list else item for item in node]


def decode_node(encoded_node_or_hash: bytes | list) -> bytes | list:
    """``trie.utils.nodes.decode_node``, remembering recent decodings (a fresh copy each time)."""
    if encoded_node_or_hash == BLANK_NODE:
        return BLANK_NODE
    if isinstance(encoded_node_or_hash, list):
        return encoded_node_or_hash
    decoded = _decoded(encoded_node_or_hash)
    return _copy(decoded) if type(decoded) is list else decoded


_trie_get = HexaryTrie.get
_reads: dict[tuple[bytes, bytes], bytes] = {}


def trie_get(trie: HexaryTrie, key: bytes) -> bytes:
    """``HexaryTrie.get``, answered from the (root, key) reads kept when it can be."""
    if type(key) is not bytes:
        return _trie_get(trie, key)  # its own error
    read = (trie.root_hash, key)
    value = _reads.get(read)
    if value is None:
        value = _trie_get(trie, key)
        if len(_reads) >= TRIE_READS:
            _reads.clear()  # bounded; the hot reads come back within a block
        _reads[read] = value
    return value


FAST = {
    "bytes_to_nibbles": bytes_to_nibbles, "nibbles_to_bytes": nibbles_to_bytes,
    "add_nibbles_terminator": add_nibbles_terminator, "remove_nibbles_terminator": remove_nibbles_terminator,
    "encode_nibbles": encode_nibbles, "decode_nibbles": decode_nibbles, "decode_node": decode_node,
}


def install() -> None:
    """Use the fast keccak backend (when installed), the long-item RLP decoder, and the fast nibble
    helpers and remembering node decoder everywhere in ``trie``."""
    if importlib.util.find_spec("sha3") is not None:
        os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
    rlp.codec.decode_raw = decode_raw
    HexaryTrie.get = trie_get
    importlib.import_module("trie.hexary")  # the modules that import the helpers by name
    for name, module in list(sys.modules.items()):
        if name == "trie" or name.startswith("trie."):
            for attribute, original in ORIGINALS.items():
                if getattr(module, attribute, None) is original:
                    setattr(module, attribute, FAST[attribute])
