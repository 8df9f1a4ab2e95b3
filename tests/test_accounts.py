"""Dev accounts must be exactly Hardhat's and Anvil's, so their well-known keys work here."""
from __future__ import annotations

import dataclasses

import pytest

import node.accounts as accounts_module
from node.accounts import (
    DEFAULT_ACCOUNT_BALANCE,
    DEFAULT_ACCOUNT_COUNT,
    DEFAULT_MNEMONIC,
    MAX_ACCOUNT_COUNT,
    DevAccount,
    derive_accounts,
    normalize_mnemonic,
)

# The accounts Hardhat and Anvil print at startup for the default mnemonic.
KNOWN_ACCOUNTS = [
    (0, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
     "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
    (1, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
     "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
    (2, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
     "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
    (9, "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
     "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"),
]


@pytest.fixture(scope="module")
def default_accounts() -> list[DevAccount]:
    return derive_accounts(DEFAULT_MNEMONIC, DEFAULT_ACCOUNT_COUNT)


def test_defaults_match_hardhat_and_anvil() -> None:
    assert DEFAULT_MNEMONIC == "test test test test test test test test test test test junk"
    assert DEFAULT_ACCOUNT_COUNT == 10
    assert DEFAULT_ACCOUNT_BALANCE == 10_000 * 10**18


@pytest.mark.parametrize(("index", "checksum_address", "private_key_hex"), KNOWN_ACCOUNTS)
def test_known_accounts(
    default_accounts: list[DevAccount], index: int, checksum_address: str, private_key_hex: str
) -> None:
    account = default_accounts[index]
    assert account.index == index
    assert account.checksum_address == checksum_address
    assert account.private_key_hex == private_key_hex
    assert account.address == bytes.fromhex(checksum_address[2:])
    assert account.private_key == bytes.fromhex(private_key_hex[2:])


def test_derives_count_accounts_in_index_order(default_accounts: list[DevAccount]) -> None:
    assert [account.index for account in default_accounts] == list(range(DEFAULT_ACCOUNT_COUNT))
    assert len({account.address for account in default_accounts}) == DEFAULT_ACCOUNT_COUNT
    for account in default_accounts:
        assert len(account.address) == 20
        assert len(account.private_key) == 32
        assert len(account.private_key_hex) == 66 and account.private_key_hex.startswith("0x")


def test_fewer_accounts_are_a_prefix(default_accounts: list[DevAccount]) -> None:
    assert derive_accounts(DEFAULT_MNEMONIC, 2) == default_accounts[:2]


def test_zero_accounts_still_validates_the_mnemonic() -> None:
    assert derive_accounts(DEFAULT_MNEMONIC, 0) == []
    with pytest.raises(ValueError, match="unknown word"):
        derive_accounts("foo " * 12, 0)


def test_seed_is_derived_once_not_per_account(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_seed_from_mnemonic = accounts_module.seed_from_mnemonic

    def counting_seed_from_mnemonic(words: str, passphrase: str) -> bytes:
        calls.append(words)
        return real_seed_from_mnemonic(words, passphrase)

    monkeypatch.setattr(accounts_module, "seed_from_mnemonic", counting_seed_from_mnemonic)
    assert len(derive_accounts(DEFAULT_MNEMONIC, 3)) == 3
    assert calls == [DEFAULT_MNEMONIC]


def test_accounts_are_immutable(default_accounts: list[DevAccount]) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        default_accounts[0].index = 5  # type: ignore[misc]


@pytest.mark.parametrize("count", [-1, MAX_ACCOUNT_COUNT + 1, True, 1.0, "3", None])
def test_rejects_bad_counts(count: object) -> None:
    with pytest.raises(ValueError, match=f"account count must be an integer from 0 to {MAX_ACCOUNT_COUNT}"):
        derive_accounts(DEFAULT_MNEMONIC, count)  # type: ignore[arg-type]


def test_normalize_collapses_whitespace() -> None:
    messy = "  " + DEFAULT_MNEMONIC.replace(" ", " \t ", 3) + "\n"
    assert normalize_mnemonic(messy) == DEFAULT_MNEMONIC


@pytest.mark.parametrize(
    ("mnemonic", "message"),
    [
        ("", "expected 12, 15, 18, 21 or 24 words, got 0"),
        ("test test", "expected 12, 15, 18, 21 or 24 words, got 2"),
        ("test " * 11 + "jnuk", 'unknown word(s) "jnuk"'),
        ("Test " + "test " * 10 + "junk", 'unknown word(s) "Test"'),
        ("test " * 12, "checksum does not match"),
        # "animal" is in both the English and the French list.
        ("animal " * 12, "cannot tell which single BIP-39 word list"),
        # every word is in some list, but not all in the same one
        ("test " * 11 + "ábaco", "cannot tell which single BIP-39 word list"),
    ],
)
def test_rejects_invalid_mnemonics(mnemonic: str, message: str) -> None:
    with pytest.raises(ValueError, match="not a BIP-39 mnemonic") as raised:
        normalize_mnemonic(mnemonic)
    assert message in str(raised.value)
    with pytest.raises(ValueError, match="not a BIP-39 mnemonic"):
        derive_accounts(mnemonic, 1)


def test_rejects_non_string_mnemonic() -> None:
    with pytest.raises(ValueError, match="a mnemonic must be a string, got bytes"):
        normalize_mnemonic(DEFAULT_MNEMONIC.encode())  # type: ignore[arg-type]
