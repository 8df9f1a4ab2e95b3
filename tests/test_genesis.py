"""Genesis parsing: defaults, every accepted form, and an error naming the exact field for every mistake."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from genesis import DEV_GENESIS
from node.accounts import DEFAULT_ACCOUNT_BALANCE, DEFAULT_MNEMONIC
from node.genesis import (
    SUPPORTED_HARDFORKS,
    AllocEntry,
    DevAccountsSpec,
    Genesis,
    GenesisError,
    load_genesis,
    parse_genesis,
)

SOURCE = "test.json"
ADDRESS_A = "0x" + "ab" * 20
ADDRESS_B = "0x" + "0c" * 20
QUANTITY_FORMS = "expected a quantity (integer, 0x-hex or decimal string)"
# A mnemonic other than the default with a valid checksum.
OTHER_MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def minimal(**fields: Any) -> dict[str, Any]:
    return {"config": {"chainId": 1}, **fields}


def error_for(document: object) -> str:
    with pytest.raises(GenesisError) as raised:
        parse_genesis(document, SOURCE)
    return str(raised.value)


def full_document() -> dict[str, Any]:
    return {
        "config": {"chainId": "0x539", "hardfork": "cancun"},
        "gasLimit": 12_000_000,
        "baseFeePerGas": "7",
        "timestamp": "0x6553f100",
        "extraData": "0xCAFE",
        "coinbase": "0x" + "EE" * 20,
        "mixHash": "0x" + "11" * 32,
        "devAccounts": {"mnemonic": OTHER_MNEMONIC, "count": 3, "balance": "1000"},
        "alloc": {
            ADDRESS_A: {"balance": "0x10", "nonce": 2, "code": "0x6080", "storage": {"0x0": "0x1", "5": 6}},
            ADDRESS_B.upper().replace("0X", "0x"): {},
        },
    }


def test_dev_json_has_the_documented_defaults() -> None:
    genesis = load_genesis(DEV_GENESIS)
    assert genesis == Genesis(
        chain_id=31337,
        hardfork="osaka",
        gas_limit=30_000_000,
        base_fee_per_gas=10**9,
        timestamp=None,
        extra_data=b"",
        coinbase=bytes(20),
        mix_hash=bytes(32),
        dev_accounts=DevAccountsSpec(DEFAULT_MNEMONIC, 10, 10_000 * 10**18),
        alloc={},
    )


def test_dev_json_is_in_canonical_form() -> None:
    text = DEV_GENESIS.read_text()
    assert text == json.dumps(load_genesis(DEV_GENESIS).to_json(), indent=2) + "\n"


def test_only_chain_id_is_required() -> None:
    assert parse_genesis(minimal()) == parse_genesis(json.loads(DEV_GENESIS.read_text())).with_overrides(
        chain_id=1
    )


def test_parses_every_field() -> None:
    genesis = parse_genesis(full_document(), SOURCE)
    assert genesis.chain_id == 1337
    assert genesis.hardfork == "cancun"
    assert genesis.gas_limit == 12_000_000
    assert genesis.base_fee_per_gas == 7
    assert genesis.timestamp == 0x6553F100
    assert genesis.extra_data == b"\xca\xfe"
    assert genesis.coinbase == b"\xee" * 20
    assert genesis.mix_hash == b"\x11" * 32
    assert genesis.dev_accounts == DevAccountsSpec(OTHER_MNEMONIC, 3, 1000)
    assert genesis.alloc == {
        bytes.fromhex("ab" * 20): AllocEntry(balance=16, nonce=2, code=b"\x60\x80", storage={0: 1, 5: 6}),
        bytes.fromhex("0c" * 20): AllocEntry(),
    }


def test_round_trips_through_canonical_json() -> None:
    genesis = parse_genesis(full_document(), SOURCE)
    canonical = genesis.to_json()
    assert parse_genesis(canonical) == genesis
    assert parse_genesis(json.loads(json.dumps(canonical))).to_json() == canonical
    assert canonical["config"] == {"chainId": 1337, "hardfork": "cancun"}
    assert canonical["coinbase"] == "0x" + "ee" * 20
    assert canonical["extraData"] == "0xcafe"
    assert canonical["timestamp"] == "0x6553f100"
    assert canonical["alloc"] == {
        ADDRESS_B: {"balance": "0x0", "nonce": "0x0", "code": "0x", "storage": {}},
        ADDRESS_A: {"balance": "0x10", "nonce": "0x2", "code": "0x6080", "storage": {"0x0": "0x1", "0x5": "0x6"}},
    }


def test_parsed_genesis_cannot_be_mutated() -> None:
    genesis = parse_genesis(full_document())
    with pytest.raises(TypeError):
        genesis.alloc[bytes(20)] = AllocEntry()  # type: ignore[index]
    with pytest.raises(TypeError):
        genesis.alloc[bytes.fromhex("ab" * 20)].storage[1] = 1  # type: ignore[index]


def test_mnemonic_whitespace_is_normalized() -> None:
    genesis = parse_genesis(minimal(devAccounts={"mnemonic": f"  {DEFAULT_MNEMONIC}\n"}))
    assert genesis.dev_accounts.mnemonic == DEFAULT_MNEMONIC


@pytest.mark.parametrize(
    ("written", "value"),
    [(100_000, 100_000), ("0x186a0", 100_000), ("0X186A0", 100_000), ("100000", 100_000), ("0x0186a0", 100_000)],
)
def test_quantity_forms(written: object, value: int) -> None:
    assert parse_genesis(minimal(gasLimit=written)).gas_limit == value


def test_quantity_bounds_are_inclusive() -> None:
    genesis = parse_genesis(
        minimal(
            gasLimit=21_000,
            timestamp=hex(2**64 - 1),
            alloc={ADDRESS_A: {"balance": hex(2**256 - 1), "nonce": str(2**64 - 1), "storage": {hex(2**256 - 1): 0}}},
        )
    )
    entry = genesis.alloc[bytes.fromhex("ab" * 20)]
    assert (genesis.gas_limit, genesis.timestamp) == (21_000, 2**64 - 1)
    assert (entry.balance, entry.nonce, entry.storage) == (2**256 - 1, 2**64 - 1, {2**256 - 1: 0})
    assert parse_genesis(minimal(gasLimit=2**63 - 1)).gas_limit == 2**63 - 1


def test_spec_error_examples() -> None:
    bad_balance = minimal(alloc={ADDRESS_A: {"balance": "abc"}})
    assert error_for(bad_balance) == f'{SOURCE}: alloc.{ADDRESS_A}.balance: {QUANTITY_FORMS}, got "abc"'
    assert error_for({"config": {"chainId": 1, "hardfork": "london"}}) == (
        f'{SOURCE}: config.hardfork: unsupported hardfork "london" (supported: osaka, prague, cancun)'
    )
    assert SUPPORTED_HARDFORKS == ("osaka", "prague", "cancun")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (-1, "must not be negative, got -1"),
        ("-1", 'must not be negative, got "-1"'),
        (1.5, f"{QUANTITY_FORMS}, got 1.5"),
        (1e18, f"{QUANTITY_FORMS}, got 1e+18"),
        (True, f"{QUANTITY_FORMS}, got true"),
        (None, f"{QUANTITY_FORMS}, got null"),
        ([1], f"{QUANTITY_FORMS}, got an array"),
        ("", f'{QUANTITY_FORMS}, got ""'),
        ("0x", f'{QUANTITY_FORMS}, got "0x"'),
        ("0xg", f'{QUANTITY_FORMS}, got "0xg"'),
        (" 1", f'{QUANTITY_FORMS}, got " 1"'),
        ("1e3", f'{QUANTITY_FORMS}, got "1e3"'),
        ("1_000", f'{QUANTITY_FORMS}, got "1_000"'),
        ("١٢", f'{QUANTITY_FORMS}, got "\\u0661\\u0662"'),  # int() would accept Arabic-Indic digits
        (2**256, f"must be at most 2**256-1, got {2**256}"),
        (hex(2**256), f'must be at most 2**256-1, got "{hex(2**256)}"'),
        ("9" * 5000, "too many digits"),
    ],
)
def test_rejects_bad_balances(value: object, problem: str) -> None:
    assert error_for(minimal(alloc={ADDRESS_A: {"balance": value}})) == f"{SOURCE}: alloc.{ADDRESS_A}.balance: {problem}"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (minimal(gasLimit=20_999), "gasLimit: must be at least 21000, got 20999"),
        (minimal(gasLimit=2**63), f"gasLimit: must be at most 2**63-1, got {2**63}"),
        (minimal(baseFeePerGas=-5), "baseFeePerGas: must not be negative, got -5"),
        (minimal(timestamp=hex(2**64)), f'timestamp: must be at most 2**64-1, got "{hex(2**64)}"'),
        (minimal(timestamp=1.0), f"timestamp: {QUANTITY_FORMS}, got 1.0"),
        ({"config": {"chainId": 0}}, "config.chainId: must be at least 1, got 0"),
        ({"config": {"chainId": 2**64}}, f"config.chainId: must be at most 2**64-1, got {2**64}"),
        ({"config": {"chainId": "abc"}}, f'config.chainId: {QUANTITY_FORMS}, got "abc"'),
        (minimal(alloc={ADDRESS_A: {"nonce": 2**64}}), f"alloc.{ADDRESS_A}.nonce: must be at most 2**64-1, got {2**64}"),
        (minimal(devAccounts={"count": 1001}), "devAccounts.count: must be at most 1000, got 1001"),
        (minimal(devAccounts={"count": -1}), "devAccounts.count: must not be negative, got -1"),
        (minimal(devAccounts={"balance": "lots"}), f'devAccounts.balance: {QUANTITY_FORMS}, got "lots"'),
    ],
)
def test_rejects_quantities_out_of_range(document: dict[str, Any], message: str) -> None:
    assert error_for(document) == f"{SOURCE}: {message}"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (minimal(extraData="0x" + "00" * 33), "extraData: must be at most 32 bytes, got 33"),
        (minimal(extraData="0x0"), 'extraData: expected hex bytes (0x and an even number of hex digits), got "0x0"'),
        (minimal(extraData="cafe"), 'extraData: expected hex bytes (0x and an even number of hex digits), got "cafe"'),
        (minimal(extraData=7), "extraData: expected hex bytes (0x and an even number of hex digits), got 7"),
        (minimal(coinbase="0x" + "00" * 19), f'coinbase: expected a 20-byte address (0x and 40 hex digits), got "0x{"00" * 19}"'),
        (minimal(coinbase="0x" + "zz" * 20), f'coinbase: expected a 20-byte address (0x and 40 hex digits), got "0x{"zz" * 20}"'),
        (minimal(mixHash="0x" + "00" * 31), f'mixHash: expected 32 bytes (0x and 64 hex digits), got "0x{"00" * 31}"'),
        (minimal(alloc={ADDRESS_A: {"code": "0x608"}}), f'alloc.{ADDRESS_A}.code: expected hex bytes (0x and an even number of hex digits), got "0x608"'),
    ],
)
def test_rejects_bad_byte_strings(document: dict[str, Any], message: str) -> None:
    assert error_for(document) == f"{SOURCE}: {message}"


def test_addresses_accept_any_case() -> None:
    mixed_case = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    genesis = parse_genesis(minimal(coinbase=mixed_case.upper().replace("0X", "0x"), alloc={mixed_case: {}}))
    assert genesis.coinbase == bytes.fromhex(mixed_case[2:])
    assert list(genesis.alloc) == [bytes.fromhex(mixed_case[2:])]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (minimal(alloc={"0x12": {}}), 'alloc.0x12: expected a 20-byte address (0x and 40 hex digits), got "0x12"'),
        (minimal(alloc={"ab" * 20: {}}), f'alloc.{"ab" * 20}: expected a 20-byte address (0x and 40 hex digits), got "{"ab" * 20}"'),
        (
            minimal(alloc={ADDRESS_A: {}, ADDRESS_A.upper().replace("0X", "0x"): {}}),
            f"alloc.{ADDRESS_A.upper().replace('0X', '0x')}: same address as alloc.{ADDRESS_A}",
        ),
        (minimal(alloc=[]), "alloc: expected an object, got an array"),
        (minimal(alloc={ADDRESS_A: "0x1"}), f'alloc.{ADDRESS_A}: expected an object, got "0x1"'),
    ],
)
def test_rejects_bad_alloc(document: dict[str, Any], message: str) -> None:
    assert error_for(document) == f"{SOURCE}: {message}"


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ({"zz": "0x1"}, f'storage.zz: storage slot: {QUANTITY_FORMS}, got "zz"'),
        ({hex(2**256): "0x1"}, f'storage.{hex(2**256)}: storage slot: must be at most 2**256-1, got "{hex(2**256)}"'),
        ({"0x1": "zz"}, f'storage.0x1: {QUANTITY_FORMS}, got "zz"'),
        ({"0x1": 2**256}, f"storage.0x1: must be at most 2**256-1, got {2**256}"),
        ({"0x1": 1, "1": 2}, f"storage.1: same storage slot as alloc.{ADDRESS_A}.storage.0x1"),
        ([], "storage: expected an object, got an array"),
    ],
)
def test_rejects_bad_storage(storage: object, message: str) -> None:
    assert error_for(minimal(alloc={ADDRESS_A: {"storage": storage}})) == f"{SOURCE}: alloc.{ADDRESS_A}.{message}"


@pytest.mark.parametrize(
    ("document", "path", "suggestion"),
    [
        (minimal(gaslimit=1), "gaslimit", "gasLimit"),
        ({"config": {"chainId": 1, "chainID": 2}}, "config.chainID", "chainId"),
        (minimal(devAccounts={"mnemonics": DEFAULT_MNEMONIC}), "devAccounts.mnemonics", "mnemonic"),
        (minimal(alloc={ADDRESS_A: {"balanse": 1}}), f"alloc.{ADDRESS_A}.balanse", "balance"),
        (minimal(difficulty="0x1"), "difficulty", None),
    ],
)
def test_rejects_unknown_fields(document: dict[str, Any], path: str, suggestion: str | None) -> None:
    message = error_for(document)
    assert message.startswith(f"{SOURCE}: {path}: unknown field")
    if suggestion is None:
        assert "did you mean" not in message
    else:
        assert f'(did you mean "{suggestion}"?)' in message


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected an object, got an array"),
        ({}, "config: missing (required: it holds chainId)"),
        ({"config": {}}, "config.chainId: missing (required)"),
        ({"config": 31337}, "config: expected an object, got 31337"),
        ({"config": {"chainId": 1, "hardfork": "london"}}, 'config.hardfork: unsupported hardfork "london" (supported: osaka, prague, cancun)'),
        ({"config": {"chainId": 1, "hardfork": "Prague"}}, 'config.hardfork: unsupported hardfork "Prague" (supported: osaka, prague, cancun)'),
        ({"config": {"chainId": 1, "hardfork": 1}}, "config.hardfork: expected a string, got 1"),
        (minimal(devAccounts=None), "devAccounts: expected an object, got null"),
        (minimal(devAccounts={"mnemonic": 12}), "devAccounts.mnemonic: expected a string, got 12"),
        (
            minimal(devAccounts={"mnemonic": "test test"}),
            "devAccounts.mnemonic: not a BIP-39 mnemonic: expected 12, 15, 18, 21 or 24 words, got 2",
        ),
        (
            minimal(devAccounts={"mnemonic": "test " * 12}),
            "devAccounts.mnemonic: not a BIP-39 mnemonic: its checksum does not match (a word is mistyped or out of order)",
        ),
    ],
)
def test_rejects_bad_structure(document: object, message: str) -> None:
    assert error_for(document) == f"{SOURCE}: {message}"


def test_genesis_error_is_a_value_error() -> None:
    assert issubclass(GenesisError, ValueError)


def test_source_defaults_to_genesis() -> None:
    with pytest.raises(GenesisError, match=r"^genesis: config: missing"):
        parse_genesis({})


class TestOverrides:
    def test_none_keeps_every_value(self) -> None:
        genesis = parse_genesis(full_document())
        assert genesis.with_overrides() == genesis

    def test_each_override_replaces_only_its_field(self) -> None:
        genesis = parse_genesis(full_document())
        expected = copy.deepcopy(genesis.to_json())
        expected["config"] = {"chainId": 5, "hardfork": "prague"}
        expected["devAccounts"].update(mnemonic=DEFAULT_MNEMONIC, count=2)
        overridden = genesis.with_overrides(chain_id=5, account_count=2, mnemonic=DEFAULT_MNEMONIC, hardfork="prague")
        assert overridden.to_json() == expected
        assert genesis.chain_id == 1337  # the original is unchanged

    def test_zero_accounts_is_an_override_not_a_keep(self) -> None:
        assert parse_genesis(minimal()).with_overrides(account_count=0).dev_accounts.count == 0

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"chain_id": 0}, "overrides: config.chainId: must be at least 1, got 0"),
            ({"account_count": 1001}, "overrides: devAccounts.count: must be at most 1000, got 1001"),
            ({"mnemonic": "test " * 11 + "jnuk"}, 'overrides: devAccounts.mnemonic: not a BIP-39 mnemonic: unknown word(s) "jnuk"'),
            ({"hardfork": "london"}, 'overrides: config.hardfork: unsupported hardfork "london" (supported: osaka, prague, cancun)'),
        ],
    )
    def test_bad_overrides_name_the_field(self, overrides: dict[str, Any], message: str) -> None:
        with pytest.raises(GenesisError) as raised:
            parse_genesis(minimal()).with_overrides(**overrides)
        assert str(raised.value) == message


class TestLoadGenesis:
    def test_loads_a_file(self, tmp_path: Path) -> None:
        path = tmp_path / "custom.json"
        path.write_text(json.dumps(full_document()))
        assert load_genesis(path) == parse_genesis(full_document())
        assert load_genesis(str(path)) == parse_genesis(full_document())

    def test_errors_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "custom.json"
        path.write_text(json.dumps(minimal(gasLimit="lots")))
        with pytest.raises(GenesisError) as raised:
            load_genesis(path)
        assert str(raised.value) == f'{path}: gasLimit: {QUANTITY_FORMS}, got "lots"'

    def test_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "absent.json"
        with pytest.raises(GenesisError) as raised:
            load_genesis(path)
        assert str(raised.value) == f"genesis file not found: {path}"

    def test_directory_is_not_a_file(self, tmp_path: Path) -> None:
        with pytest.raises(GenesisError, match="cannot read genesis file"):
            load_genesis(tmp_path)

    def test_invalid_json_reports_line_and_column(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{\n  "config": {"chainId": 1,}\n}\n')
        with pytest.raises(GenesisError) as raised:
            load_genesis(path)
        assert str(raised.value) == (
            f"{path}: not valid JSON: Expecting property name enclosed in double quotes (line 2, column 27)"
        )

    def test_huge_integer_literal_is_a_json_error(self, tmp_path: Path) -> None:
        path = tmp_path / "huge.json"
        path.write_text('{"config": {"chainId": ' + "9" * 5000 + "}}")
        with pytest.raises(GenesisError, match=f"^{re.escape(str(path))}: not valid JSON: "):
            load_genesis(path)

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.json"
        path.write_bytes(b'{"config": {"chainId": 1}, "extraData": "\xff"}')
        with pytest.raises(GenesisError, match=f"^{re.escape(str(path))}: not UTF-8 text"):
            load_genesis(path)

    @pytest.mark.parametrize(
        ("text", "path"),
        [
            ('{"config": {"chainId": 1}, "gasLimit": 30000000, "gasLimit": 21000}', "gasLimit"),
            ('{"config": {"chainId": 1, "chainId": 2}}', "config.chainId"),
            (
                '{"config": {"chainId": 1}, "alloc": {"%s": {"balance": 1}, "%s": {"balance": 2}}}' % (ADDRESS_A, ADDRESS_A),
                f"alloc.{ADDRESS_A}",
            ),
        ],
    )
    def test_repeated_keys_are_an_error(self, tmp_path: Path, text: str, path: str) -> None:
        file = tmp_path / "repeated.json"
        file.write_text(text)
        with pytest.raises(GenesisError) as raised:
            load_genesis(file)
        assert str(raised.value) == f"{file}: {path}: appears more than once"


def test_dev_json_balance_is_ten_thousand_ether() -> None:
    assert int(json.loads(DEV_GENESIS.read_text())["devAccounts"]["balance"], 16) == DEFAULT_ACCOUNT_BALANCE
