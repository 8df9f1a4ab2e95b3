"""Genesis files: the parameters and starting state of a new chain, checked up front.

The whole file is validated when it is read, so a typo fails at once with the
file and field it is in, instead of surfacing later as a missing balance or
an EVM error. The format is described in docs/genesis.md.
"""
from __future__ import annotations

import difflib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar

from .accounts import (
    DEFAULT_ACCOUNT_BALANCE,
    DEFAULT_ACCOUNT_COUNT,
    DEFAULT_MNEMONIC,
    MAX_ACCOUNT_COUNT,
    normalize_mnemonic,
)

SUPPORTED_HARDFORKS = ("osaka", "prague", "cancun")
DEFAULT_HARDFORK = "osaka"
DEFAULT_GAS_LIMIT = 30_000_000
DEFAULT_BASE_FEE_PER_GAS = 10**9  # 1 gwei
MIN_GAS_LIMIT = 21_000  # a block must fit at least one plain transfer
MAX_GAS_LIMIT = 2**63 - 1  # clients keep gas in signed 64-bit integers
MAX_UINT64 = 2**64 - 1
MAX_UINT256 = 2**256 - 1
MAX_EXTRA_DATA_BYTES = 32  # the consensus limit on a header's extraData
ADDRESS_BYTES = 20
HASH_BYTES = 32

_BOUND_NAMES = {MAX_GAS_LIMIT: "2**63-1", MAX_UINT64: "2**64-1", MAX_UINT256: "2**256-1"}
_QUANTITY_FORMS = "a quantity (integer, 0x-hex or decimal string)"
_HEX_QUANTITY = re.compile(r"0[xX][0-9a-fA-F]+")
_DECIMAL_QUANTITY = re.compile(r"-?[0-9]+")
_HEX_BYTES = re.compile(r"0[xX](?:[0-9a-fA-F]{2})*")

_TOP_LEVEL_FIELDS = (
    "config", "gasLimit", "baseFeePerGas", "timestamp", "extraData",
    "coinbase", "mixHash", "devAccounts", "alloc",
)
_CONFIG_FIELDS = ("chainId", "hardfork")
_DEV_ACCOUNTS_FIELDS = ("mnemonic", "count", "balance")
_ALLOC_ENTRY_FIELDS = ("balance", "nonce", "code", "storage")

T = TypeVar("T")


class GenesisError(ValueError):
    """A genesis that cannot be used; the message names its source and the field at fault."""


@dataclass(frozen=True)
class AllocEntry:
    """The starting state of one pre-funded or pre-deployed account."""

    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: Mapping[int, int] = field(default_factory=dict)  # slot -> value


@dataclass(frozen=True)
class DevAccountsSpec:
    """Which mnemonic-derived accounts to fund, and with how much each."""

    mnemonic: str
    count: int
    balance: int


@dataclass(frozen=True)
class Genesis:
    """A validated genesis; build it with parse_genesis or load_genesis, which check every field."""

    chain_id: int
    hardfork: str
    gas_limit: int
    base_fee_per_gas: int
    timestamp: int | None  # None = "the time the chain is first created"
    extra_data: bytes
    coinbase: bytes  # 20 bytes
    mix_hash: bytes  # 32 bytes
    dev_accounts: DevAccountsSpec
    alloc: Mapping[bytes, AllocEntry]  # 20-byte address -> entry

    def with_overrides(
        self,
        *,
        chain_id: int | None = None,
        account_count: int | None = None,
        mnemonic: str | None = None,
        hardfork: str | None = None,
    ) -> Genesis:
        """This genesis with command-line choices applied (None keeps the file's value).

        The result is re-validated like a file, so a bad flag fails with the
        same kind of message as a bad genesis field.
        """
        document = self.to_json()
        if chain_id is not None:
            document["config"]["chainId"] = chain_id
        if hardfork is not None:
            document["config"]["hardfork"] = hardfork
        if mnemonic is not None:
            document["devAccounts"]["mnemonic"] = mnemonic
        if account_count is not None:
            document["devAccounts"]["count"] = account_count
        return parse_genesis(document, source="overrides")

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON form: every field present, hex quantities, lower-case hex, sorted alloc."""
        return {
            "config": {"chainId": self.chain_id, "hardfork": self.hardfork},
            "gasLimit": hex(self.gas_limit),
            "baseFeePerGas": hex(self.base_fee_per_gas),
            "timestamp": None if self.timestamp is None else hex(self.timestamp),
            "extraData": "0x" + self.extra_data.hex(),
            "coinbase": "0x" + self.coinbase.hex(),
            "mixHash": "0x" + self.mix_hash.hex(),
            "devAccounts": {
                "mnemonic": self.dev_accounts.mnemonic,
                "count": self.dev_accounts.count,
                "balance": hex(self.dev_accounts.balance),
            },
            "alloc": {
                "0x" + address.hex(): _alloc_entry_json(entry)
                for address, entry in sorted(self.alloc.items())
            },
        }


def parse_genesis(obj: object, source: str = "genesis") -> Genesis:
    """Validate a decoded genesis document; ``source`` (usually the file name) prefixes every error."""
    return _Parser(source).genesis(obj)


def load_genesis(path: str | os.PathLike[str]) -> Genesis:
    """Read and validate a genesis JSON file."""
    source = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise GenesisError(f"genesis file not found: {source}") from None
    except OSError as error:
        raise GenesisError(f"cannot read genesis file {source}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise GenesisError(f"{source}: not UTF-8 text (bad byte at offset {error.start})") from None
    try:
        document = json.loads(text, object_pairs_hook=_JsonObject.from_pairs)
    except json.JSONDecodeError as error:
        raise GenesisError(
            f"{source}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except ValueError as error:  # an integer literal longer than Python will convert
        raise GenesisError(f"{source}: not valid JSON: {error}") from None
    return parse_genesis(document, source)


class _JsonObject(dict):
    """A decoded JSON object that remembers repeated keys, which json.loads silently drops."""

    duplicate_keys: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        obj = cls(pairs)
        if len(obj) < len(pairs):
            obj.duplicate_keys = tuple(key for key, n in Counter(k for k, _ in pairs).items() if n > 1)
        return obj


class _Parser:
    """Turns a decoded document into a Genesis, raising GenesisError at the first bad field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, problem: str) -> GenesisError:
        return GenesisError(f"{self.source}: {path}: {problem}" if path else f"{self.source}: {problem}")

    def genesis(self, obj: object) -> Genesis:
        top = self.fields(obj, "", _TOP_LEVEL_FIELDS)
        if "config" not in top:
            raise self.error("config", "missing (required: it holds chainId)")
        config = self.fields(top["config"], "config", _CONFIG_FIELDS)
        if "chainId" not in config:
            raise self.error("config.chainId", "missing (required)")
        return Genesis(
            chain_id=self.quantity(config["chainId"], "config.chainId", minimum=1, maximum=MAX_UINT64),
            hardfork=self.optional(config, "config", "hardfork", self.hardfork, DEFAULT_HARDFORK),
            gas_limit=self.optional(
                top, "", "gasLimit",
                partial(self.quantity, minimum=MIN_GAS_LIMIT, maximum=MAX_GAS_LIMIT),
                DEFAULT_GAS_LIMIT,
            ),
            base_fee_per_gas=self.optional(
                top, "", "baseFeePerGas", self.quantity, DEFAULT_BASE_FEE_PER_GAS
            ),
            timestamp=self.optional(top, "", "timestamp", self.timestamp, None),
            extra_data=self.optional(top, "", "extraData", self.extra_data, b""),
            coinbase=self.optional(top, "", "coinbase", self.address, bytes(ADDRESS_BYTES)),
            mix_hash=self.optional(top, "", "mixHash", self.hash, bytes(HASH_BYTES)),
            dev_accounts=self.optional(
                top, "", "devAccounts", self.dev_accounts,
                DevAccountsSpec(DEFAULT_MNEMONIC, DEFAULT_ACCOUNT_COUNT, DEFAULT_ACCOUNT_BALANCE),
            ),
            alloc=self.optional(top, "", "alloc", self.alloc, MappingProxyType({})),
        )

    def optional(
        self,
        obj: Mapping[str, Any],
        path: str,
        key: str,
        parse: Callable[[Any, str], T],
        default: T,
    ) -> T:
        return parse(obj[key], _child(path, key)) if key in obj else default

    def object(self, value: object, path: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"expected an object, got {_describe(value)}")
        duplicate_keys = getattr(value, "duplicate_keys", ())
        if duplicate_keys:
            raise self.error(_child(path, duplicate_keys[0]), "appears more than once")
        return value

    def fields(self, value: object, path: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        """An object whose keys must all be known, so a misspelt field is an error, not ignored."""
        obj = self.object(value, path)
        for key in obj:
            if key not in allowed:
                suggestions = difflib.get_close_matches(key, allowed, n=1)
                hint = f' (did you mean "{suggestions[0]}"?)' if suggestions else ""
                raise self.error(_child(path, key), f"unknown field{hint}; allowed: {', '.join(allowed)}")
        return obj

    def quantity(
        self, value: object, path: str, *, minimum: int = 0, maximum: int = MAX_UINT256, subject: str = ""
    ) -> int:
        """An integer given as a JSON number, 0x-hex string or decimal string, within bounds.

        ``subject`` prefixes the problem when the path alone would not say what
        was wrong (a storage slot is both a key and part of the path).
        """
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _HEX_QUANTITY.fullmatch(value):
            number = int(value[2:], 16)
        elif isinstance(value, str) and _DECIMAL_QUANTITY.fullmatch(value):
            try:
                number = int(value)
            except ValueError:  # longer than sys.get_int_max_str_digits()
                raise self.error(path, f"{subject}too many digits") from None
        else:
            raise self.error(path, f"{subject}expected {_QUANTITY_FORMS}, got {_describe(value)}")
        if number < minimum:
            bound = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
            raise self.error(path, f"{subject}{bound}, got {_describe(value)}")
        if number > maximum:
            bound = _BOUND_NAMES.get(maximum, str(maximum))
            raise self.error(path, f"{subject}must be at most {bound}, got {_describe(value)}")
        return number

    def data(self, value: object, path: str) -> bytes:
        if not isinstance(value, str) or not _HEX_BYTES.fullmatch(value):
            raise self.error(
                path, f"expected hex bytes (0x and an even number of hex digits), got {_describe(value)}"
            )
        return bytes.fromhex(value[2:])

    def fixed_bytes(self, value: object, path: str, size: int, kind: str) -> bytes:
        if not isinstance(value, str) or len(value) != 2 + 2 * size or not _HEX_BYTES.fullmatch(value):
            raise self.error(path, f"expected {kind} (0x and {2 * size} hex digits), got {_describe(value)}")
        return bytes.fromhex(value[2:])

    def address(self, value: object, path: str) -> bytes:
        return self.fixed_bytes(value, path, ADDRESS_BYTES, "a 20-byte address")

    def hash(self, value: object, path: str) -> bytes:
        return self.fixed_bytes(value, path, HASH_BYTES, "32 bytes")

    def extra_data(self, value: object, path: str) -> bytes:
        raw = self.data(value, path)
        if len(raw) > MAX_EXTRA_DATA_BYTES:
            raise self.error(path, f"must be at most {MAX_EXTRA_DATA_BYTES} bytes, got {len(raw)}")
        return raw

    def timestamp(self, value: object, path: str) -> int | None:
        return None if value is None else self.quantity(value, path, maximum=MAX_UINT64)

    def hardfork(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self.error(path, f"expected a string, got {_describe(value)}")
        if value not in SUPPORTED_HARDFORKS:
            supported = ", ".join(SUPPORTED_HARDFORKS)
            raise self.error(path, f"unsupported hardfork {_describe(value)} (supported: {supported})")
        return value

    def mnemonic(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self.error(path, f"expected a string, got {_describe(value)}")
        try:
            return normalize_mnemonic(value)
        except ValueError as error:
            raise self.error(path, str(error)) from None

    def dev_accounts(self, value: object, path: str) -> DevAccountsSpec:
        obj = self.fields(value, path, _DEV_ACCOUNTS_FIELDS)
        return DevAccountsSpec(
            mnemonic=self.optional(obj, path, "mnemonic", self.mnemonic, DEFAULT_MNEMONIC),
            count=self.optional(
                obj, path, "count", partial(self.quantity, maximum=MAX_ACCOUNT_COUNT), DEFAULT_ACCOUNT_COUNT
            ),
            balance=self.optional(obj, path, "balance", self.quantity, DEFAULT_ACCOUNT_BALANCE),
        )

    def alloc(self, value: object, path: str) -> Mapping[bytes, AllocEntry]:
        entries: dict[bytes, AllocEntry] = {}
        key_of: dict[bytes, str] = {}  # the spelling each address first appeared in, for errors
        for key, entry in self.object(value, path).items():
            entry_path = _child(path, key)
            address = self.address(key, entry_path)
            if address in entries:
                raise self.error(entry_path, f"same address as {_child(path, key_of[address])}")
            key_of[address] = key
            entries[address] = self.alloc_entry(entry, entry_path)
        return MappingProxyType(entries)

    def alloc_entry(self, value: object, path: str) -> AllocEntry:
        obj = self.fields(value, path, _ALLOC_ENTRY_FIELDS)
        return AllocEntry(
            balance=self.optional(obj, path, "balance", self.quantity, 0),
            nonce=self.optional(obj, path, "nonce", partial(self.quantity, maximum=MAX_UINT64), 0),
            code=self.optional(obj, path, "code", self.data, b""),
            storage=self.optional(obj, path, "storage", self.storage, MappingProxyType({})),
        )

    def storage(self, value: object, path: str) -> Mapping[int, int]:
        slots: dict[int, int] = {}
        key_of: dict[int, str] = {}
        for key, slot_value in self.object(value, path).items():
            slot_path = _child(path, key)
            slot = self.quantity(key, slot_path, subject="storage slot: ")
            if slot in slots:
                raise self.error(slot_path, f"same storage slot as {_child(path, key_of[slot])}")
            key_of[slot] = key
            slots[slot] = self.quantity(slot_value, slot_path)
        return MappingProxyType(slots)


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: object) -> str:
    """A short JSON rendering of an offending value, to quote in an error."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    huge = isinstance(value, int) and value.bit_length() > 1024  # str() refuses very long integers
    text = hex(value) if huge else json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _alloc_entry_json(entry: AllocEntry) -> dict[str, Any]:
    return {
        "balance": hex(entry.balance),
        "nonce": hex(entry.nonce),
        "code": "0x" + entry.code.hex(),
        "storage": {hex(slot): hex(value) for slot, value in sorted(entry.storage.items())},
    }
