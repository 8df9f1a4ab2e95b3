"""contracts/bindings/content.py and `sumchain market put/get`: the local content-addressed store."""
from __future__ import annotations

import os

import pytest
from eth_utils import keccak

from contracts.bindings.content import CONTENT_ENV, ContentError, ContentStore, content_address, default_root
from contracts.bindings.errors import SumError
from sumchain.cli import main

BINARY = b"\x00\x01label,x\r\n\x00\xff\xfe" + bytes(range(256)) + b"\x00"
EMPTY_KECCAK = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


@pytest.fixture
def store(tmp_path) -> ContentStore:
    return ContentStore(tmp_path / "store")


def test_round_trip(store):
    address = store.put(b"hello market")
    assert store.has(address)
    assert store.get(address) == b"hello market"


def test_address_is_keccak256(store):
    for data in (b"", b"abc", BINARY, os.urandom(3 * 1024 * 1024 + 7)):
        address = store.put(data)
        assert address == "0x" + keccak(data).hex() == content_address(data)
        assert len(address) == 66 and address == address.lower()
        assert store.get(address) == data
    assert content_address(b"") == EMPTY_KECCAK


def test_same_content_same_address(store, tmp_path):
    first = store.put(BINARY)
    again = store.put(BINARY)
    path = tmp_path / "data.bin"
    path.write_bytes(BINARY)
    assert first == again == store.put_file(path) == store.put_file(str(path))
    assert store.put(b"other") != first
    # one file, nothing else left over (no temporary files)
    files = sorted(p.relative_to(store.root).as_posix() for p in store.root.rglob("*") if p.is_file())
    digits = first[2:]
    assert f"{digits[:2]}/{digits[2:]}" in files and len(files) == 2


def test_layout_first_byte_as_directory(store):
    address = store.put(b"layout")
    path = store.root / address[2:4] / address[4:]
    assert path.is_file() and path.read_bytes() == b"layout"
    assert store.path(address) == path
    assert store.path(address.upper().replace("0X", "0x")) == path  # hex digits in either case


def test_unknown_address(store):
    unknown = "0x" + "ab" * 32
    assert not store.has(unknown)
    with pytest.raises(ContentError, match=f"no content {unknown}"):
        store.get(unknown)


@pytest.mark.parametrize("bad", ["", "0x", "0x12", "ab" * 32, "0x" + "ab" * 31, "0x" + "ab" * 33,
                                 "0x" + "zz" * 32, "0x" + "ab" * 31 + "/x", "../../etc/passwd"])
def test_malformed_address(store, bad):
    with pytest.raises(ContentError, match="malformed content address"):
        store.get(bad)
    with pytest.raises(ContentError, match="malformed content address"):
        store.has(bad)


def test_corrupted_file_is_detected_and_put_repairs_it(store):
    address = store.put(b"the original dataset")
    path = store.path(address)
    path.write_bytes(b"the tampered dataset")
    with pytest.raises(ContentError, match=f"content {address} is corrupted"):
        store.get(address)
    path.write_bytes(b"")  # a truncated file too
    with pytest.raises(ContentError, match="is corrupted"):
        store.get(address)
    assert store.put(b"the original dataset") == address
    assert store.get(address) == b"the original dataset"


def test_put_file_missing(store, tmp_path):
    with pytest.raises(ContentError, match="cannot read"):
        store.put_file(tmp_path / "nope.bin")


def test_a_failed_write_leaves_nothing_under_the_address(store, monkeypatch):
    """Atomic writes: the bytes reach the address only by a rename of a complete, fsynced file."""
    address = content_address(b"never stored")

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ContentError, match="No space left on device"):
        store.put(b"never stored")
    monkeypatch.undo()
    assert not store.has(address)
    assert [p for p in store.root.rglob("*") if p.is_file()] == []  # the temporary file is gone too


def test_content_error_is_a_sum_error():
    assert issubclass(ContentError, SumError)


def test_default_root(monkeypatch, tmp_path):
    monkeypatch.delenv(CONTENT_ENV, raising=False)
    assert str(default_root()) == ".sumchain-content"
    assert str(ContentStore().root) == ".sumchain-content"
    monkeypatch.setenv(CONTENT_ENV, str(tmp_path / "env-store"))
    assert ContentStore().root == tmp_path / "env-store"
    monkeypatch.setenv(CONTENT_ENV, "")
    assert str(default_root()) == ".sumchain-content"


# ---------------------------------------------------------------------------- sumchain market put/get

def test_cli_put_get_binary(tmp_path, capsysbinary):
    source = tmp_path / "data.bin"
    source.write_bytes(BINARY)
    store = str(tmp_path / "store")
    assert main(["market", "put", str(source), "--store", store]) == 0
    out = capsysbinary.readouterr().out
    address = out.decode().strip()
    assert out == f"{address}\n".encode() and address == "0x" + keccak(BINARY).hex()

    assert main(["market", "get", address, "--store", store]) == 0
    assert capsysbinary.readouterr().out == BINARY  # byte for byte, NULs and all, no newline added

    target = tmp_path / "out.bin"
    assert main(["market", "get", address, "--store", store, "-o", str(target)]) == 0
    assert capsysbinary.readouterr().out == b""
    assert target.read_bytes() == BINARY


def test_cli_uses_the_environment_store(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CONTENT_ENV, str(tmp_path / "env-store"))
    source = tmp_path / "a.txt"
    source.write_text("from the environment\n")
    assert main(["market", "put", str(source)]) == 0
    address = capsys.readouterr().out.strip()
    assert ContentStore(tmp_path / "env-store").get(address) == b"from the environment\n"


def test_cli_default_store_is_in_the_working_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(CONTENT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_bytes(b"here")
    assert main(["market", "put", "a.txt"]) == 0
    address = capsys.readouterr().out.strip()
    assert ContentStore(tmp_path / ".sumchain-content").get(address) == b"here"


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sumchain market: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_cli_errors(tmp_path, capsys):
    store = str(tmp_path / "store")
    unknown = "0x" + "cd" * 32
    assert one_line_error(capsys, ["market", "get", unknown, "--store", store]) == (
        f"sumchain market: error: no content {unknown} in {store}")
    assert "malformed content address '0x1234'" in one_line_error(capsys, ["market", "get", "0x1234", "--store", store])
    assert "cannot read" in one_line_error(capsys, ["market", "put", str(tmp_path / "missing.bin"), "--store", store])

    source = tmp_path / "d.bin"
    source.write_bytes(b"genuine")
    assert main(["market", "put", str(source), "--store", store]) == 0
    address = capsys.readouterr().out.strip()
    ContentStore(store).path(address).write_bytes(b"forged!")
    assert "is corrupted" in one_line_error(capsys, ["market", "get", address, "--store", store])
    assert main(["market", "put", str(source), "--store", store]) == 0  # putting it again repairs it
    assert capsys.readouterr().out.strip() == address
    assert "cannot write" in one_line_error(
        capsys, ["market", "get", address, "--store", store, "-o", str(tmp_path / "no-such-dir" / "out")])


def test_cli_needs_an_action(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["market"])
    assert exit_info.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_cli_put_reads_standard_input(tmp_path, monkeypatch, capsys):
    import io
    import types

    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=io.BytesIO(BINARY)))
    assert main(["market", "put", "-", "--store", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == content_address(BINARY)
