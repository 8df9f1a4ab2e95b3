"""node/speedups.py: the fast trie helpers and keccak backend give the originals' results and errors."""
from __future__ import annotations

import pytest
from Crypto.Hash import keccak as pycryptodome_keccak
from eth_hash.auto import keccak
from hypothesis import given
from hypothesis import strategies as st
from trie.exceptions import InvalidNibbles

import rlp
import trie.hexary
from rlp.exceptions import DecodingError
import trie.utils.nibbles
from node import speedups

NIBBLES = st.lists(st.integers(0, 16), max_size=70)  # 16 is the terminator
ANY_INTS = st.lists(st.integers(-3, 20), max_size=12)


def outcome(function, *args):
    try:
        return "ok", function(*args)
    except InvalidNibbles as error:
        return "error", str(error)


@given(st.binary(max_size=70))
def test_bytes_to_nibbles_and_decode(value: bytes) -> None:
    assert speedups.bytes_to_nibbles(value) == speedups.ORIGINALS["bytes_to_nibbles"](value)
    if value:
        assert speedups.decode_nibbles(value) == speedups.ORIGINALS["decode_nibbles"](value)


@given(NIBBLES)
def test_terminator_helpers_and_encoding(values: list[int]) -> None:
    for name in ("add_nibbles_terminator", "remove_nibbles_terminator"):
        assert speedups.FAST[name](values) == speedups.ORIGINALS[name](values)
    valid = [v for v in values[:-1] if v < 16] + values[-1:]
    assert outcome(speedups.encode_nibbles, valid) == outcome(speedups.ORIGINALS["encode_nibbles"], valid)


@given(ANY_INTS)
def test_nibbles_to_bytes_accepts_and_refuses_alike(values: list[int]) -> None:
    assert outcome(speedups.nibbles_to_bytes, values) == outcome(speedups.ORIGINALS["nibbles_to_bytes"], values)


@given(NIBBLES.filter(lambda v: 16 not in v[:-1]))
def test_encode_then_decode_round_trips(values: list[int]) -> None:
    encoded = speedups.encode_nibbles(values)
    assert speedups.decode_nibbles(encoded) == tuple(values)


def test_installed_in_the_trie_modules() -> None:
    assert trie.hexary.bytes_to_nibbles is speedups.bytes_to_nibbles
    assert trie.utils.nibbles.decode_nibbles is speedups.decode_nibbles


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 5])
def test_keccak_backend_matches_pycryptodome(data: bytes) -> None:
    assert keccak(data) == pycryptodome_keccak.new(data=data, digest_bits=256).digest()


RLP_ITEMS = st.recursive(st.binary(max_size=600), lambda inner: st.lists(inner, max_size=6), max_leaves=12)


@given(RLP_ITEMS, st.booleans())
def test_decode_raw_matches_rusty_rlp(item, preserve: bool) -> None:
    encoded = rlp.encode(item)
    ours, theirs = speedups.decode_raw(encoded, True, preserve), speedups._rusty_decode_raw(encoded, True, preserve)
    assert ours[0] == theirs[0]
    if preserve:  # the RLP of each item, which rlp.decode caches on Serializable objects
        assert ours[1] == theirs[1]
    assert rlp.decode(encoded) == item


@pytest.mark.parametrize("bad", [rlp.encode(b"x" * 300) + b"\x00", rlp.encode(b"x" * 300)[:-1]])
def test_decode_raw_refuses_what_rusty_rlp_refuses(bad: bytes) -> None:
    with pytest.raises(DecodingError):
        speedups._rusty_decode_raw(bad, True, False)
    with pytest.raises(DecodingError):
        speedups.decode_raw(bad, True, False)


NODES = st.recursive(st.binary(max_size=40), lambda children: st.lists(children, max_size=17), max_leaves=30)


@given(NODES)
def test_decode_node_remembers_without_sharing(node) -> None:
    """The remembering decoder answers as trie's own, and each answer is the caller's to edit."""
    encoded = rlp.encode(node)
    original = speedups.ORIGINALS["decode_node"]
    first = speedups.decode_node(encoded)
    assert first == original(encoded)
    if isinstance(first, list):
        first.append(b"edited")  # the trie edits decoded nodes in place
        for item in first:
            if isinstance(item, list):
                item.append(b"edited")
    assert speedups.decode_node(encoded) == original(encoded)
    assert trie.hexary.decode_node is speedups.decode_node


@given(st.dictionaries(st.binary(min_size=1, max_size=8), st.binary(min_size=1, max_size=40), max_size=20),
       st.lists(st.binary(min_size=1, max_size=8), max_size=10))
def test_trie_reads_by_root_match_a_fresh_walk(items, probes) -> None:
    """Reads answered from the remembered (root, key) values equal a walk of the trie, before and
    after the trie changes under the same object."""
    db: dict = {}
    tree = trie.hexary.HexaryTrie(db)
    for key, value in items.items():
        tree[key] = value
    for key in list(items) + probes:
        assert tree.get(key) == speedups._trie_get(tree, key)
    for key in list(items)[:3]:
        tree[key] = b"changed"
        assert tree.get(key) == b"changed" == speedups._trie_get(tree, key)
    assert trie.hexary.HexaryTrie.get is speedups.trie_get
