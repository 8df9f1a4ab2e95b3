"""Dev accounts derived from a BIP-39 mnemonic, the same ones Hardhat and Anvil fund.

Using the standard path m/44'/60'/0'/0/i means the well-known "test test ...
junk" keys (and any wallet imported from the same mnemonic) work unchanged.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from eth_account.hdaccount import key_from_seed, seed_from_mnemonic
from eth_account.hdaccount.mnemonic import VALID_WORD_COUNTS, Language, Mnemonic
from eth_keys import keys
from eth_utils import ValidationError, to_checksum_address

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_ACCOUNT_COUNT = 10
DEFAULT_ACCOUNT_BALANCE = 10_000 * 10**18
# Each account costs a key derivation at startup; more than this is a typo, not a need.
MAX_ACCOUNT_COUNT = 1000
DERIVATION_PATH_PREFIX = "m/44'/60'/0'/0/"


@dataclass(frozen=True)
class DevAccount:
    """One funded dev account; the private key is public knowledge by design."""

    index: int
    address: bytes  # 20-byte canonical address
    private_key: bytes  # 32 bytes

    @property
    def checksum_address(self) -> str:
        return to_checksum_address(self.address)

    @property
    def private_key_hex(self) -> str:
        return "0x" + self.private_key.hex()


def normalize_mnemonic(mnemonic: str) -> str:
    """The mnemonic with single spaces between its words, after checking it is valid BIP-39.

    Cheap (no key stretching), so configuration can reject a typo before any
    account is derived. Extra whitespace is dropped, as ethers does, so a
    phrase pasted with a trailing newline still yields the same accounts.
    """
    if not isinstance(mnemonic, str):
        raise ValueError(f"a mnemonic must be a string, got {type(mnemonic).__name__}")
    words = mnemonic.split()
    if len(words) not in VALID_WORD_COUNTS:
        raise ValueError(
            f"not a BIP-39 mnemonic: expected 12, 15, 18, 21 or 24 words, got {len(words)}"
        )
    phrase = " ".join(words)
    try:
        language = Mnemonic.detect_language(phrase)
    except ValidationError:
        unknown = [word for word in words if _nfkd(word) not in _all_bip39_words()]
        if unknown:
            listed = ", ".join(f'"{word}"' for word in unknown)
            raise ValueError(f"not a BIP-39 mnemonic: unknown word(s) {listed}") from None
        raise ValueError(
            "not a BIP-39 mnemonic: cannot tell which single BIP-39 word list its words come from"
        ) from None
    if not Mnemonic(language).is_mnemonic_valid(phrase):
        raise ValueError(
            "not a BIP-39 mnemonic: its checksum does not match (a word is mistyped or out of order)"
        )
    return phrase


def derive_accounts(mnemonic: str, count: int) -> list[DevAccount]:
    """Accounts at m/44'/60'/0'/0/i for i in range(count)."""
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_ACCOUNT_COUNT:
        raise ValueError(
            f"account count must be an integer from 0 to {MAX_ACCOUNT_COUNT}, got {count!r}"
        )
    # The seed is PBKDF2-stretched: compute it once, not once per account.
    seed = seed_from_mnemonic(normalize_mnemonic(mnemonic), passphrase="")
    accounts = []
    for index in range(count):
        private_key = key_from_seed(seed, f"{DERIVATION_PATH_PREFIX}{index}")
        address = keys.PrivateKey(private_key).public_key.to_canonical_address()
        accounts.append(DevAccount(index=index, address=address, private_key=private_key))
    return accounts


def _nfkd(word: str) -> str:
    return unicodedata.normalize("NFKD", word)


@cache
def _all_bip39_words() -> frozenset[str]:
    """Every word of every BIP-39 list, to name the words that belong to none."""
    return frozenset(
        _nfkd(word) for language in Language for word in Mnemonic(language).wordlist
    )
