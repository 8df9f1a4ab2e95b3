"""Transactions as the node handles them: decoded once, sender known, hash fixed.

Every transaction the node pools or mines is a :class:`NodeTransaction`: the
py-evm transaction plus the sender recovered once at admission (with
coincurve) and the hash. py-evm would otherwise recover and verify the
signature again each time it validates or reads ``tx.sender``; the proxy also
lets an impersonated account (no private key) send transactions, as
``anvil_impersonateAccount`` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from eth.abc import SignedTransactionAPI, VirtualMachineAPI
from eth_utils import ValidationError
from eth.vm.forks.prague.constants import STANDARD_TOKEN_COST, TOTAL_COST_FLOOR_PER_TOKEN
from eth.constants import GAS_TX
from eth_hash.auto import keccak
from eth_keys import keys
from eth_keys.exceptions import BadSignature

from .errors import TransactionRejected

LEGACY_TYPE = 0
ACCESS_LIST_TYPE = 1
DYNAMIC_FEE_TYPE = 2
BLOB_TYPE = 3
SET_CODE_TYPE = 4
SUPPORTED_TYPES = {LEGACY_TYPE, ACCESS_LIST_TYPE, DYNAMIC_FEE_TYPE, SET_CODE_TYPE}

# Impersonated transactions carry this placeholder signature (they have none).
IMPERSONATED_R = IMPERSONATED_S = 1
SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


class NodeTransaction:
    """A py-evm signed transaction with its sender and hash fixed."""

    __slots__ = ("inner", "sender", "hash", "raw", "impersonated")

    def __init__(
        self,
        inner: SignedTransactionAPI,
        sender: bytes,
        raw: bytes,
        impersonated: bool = False,
    ) -> None:
        self.inner = inner
        self.sender = sender
        self.raw = raw
        self.impersonated = impersonated
        # Impersonated transactions share the placeholder signature, so the
        # sender is hashed in to keep two senders' identical calls apart.
        self.hash = keccak(raw + sender) if impersonated else keccak(raw)

    def __getattr__(self, name: str) -> Any:
        if name in NodeTransaction.__slots__:  # not yet set: no delegation loop
            raise AttributeError(name)
        return getattr(self.inner, name)

    def validate(self) -> None:
        """Field checks only: the signature was checked once, at admission."""
        if self.inner.gas < self.inner.intrinsic_gas:
            raise ValidationError("Insufficient gas")

    def encode(self) -> bytes:
        return self.raw

    @property
    def type_id(self) -> int:
        return self.inner.type_id or LEGACY_TYPE

    @property
    def max_fee(self) -> int:
        return self.inner.max_fee_per_gas

    @property
    def max_priority_fee(self) -> int:
        return self.inner.max_priority_fee_per_gas

    def effective_gas_price(self, base_fee: int) -> int:
        return min(self.max_fee, base_fee + self.max_priority_fee)

    def effective_tip(self, base_fee: int) -> int:
        return min(self.max_fee - base_fee, self.max_priority_fee)

    def __repr__(self) -> str:
        return f"NodeTransaction(0x{self.hash.hex()}, from=0x{self.sender.hex()}, nonce={self.inner.nonce})"


def decode_transaction(vm_class: type[VirtualMachineAPI], raw: bytes) -> SignedTransactionAPI:
    """Decode raw bytes; a clear TransactionRejected for anything malformed."""
    if not raw:
        raise TransactionRejected("invalid transaction: empty data")
    if raw[0] == BLOB_TYPE:
        raise TransactionRejected("blob transactions (type 3) are not supported by this node")
    if raw[0] < 0x7F and raw[0] not in SUPPORTED_TYPES:
        raise TransactionRejected(f"transaction type {raw[0]} not supported")
    try:
        tx = vm_class.get_transaction_builder().decode(raw)
    except Exception as error:  # rlp raises a family of unrelated classes
        raise TransactionRejected(f"invalid transaction encoding: {error}") from None
    _check_widths(tx)
    if tx.type_id == SET_CODE_TYPE:
        _check_set_code(tx)
    return tx


_UINT64_FIELDS = ("gas",)  # the nonce's bound is EIP-2681's, checked at admission
_UINT256_FIELDS = ("value", "chain_id", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas")


def _check_widths(tx: SignedTransactionAPI) -> None:
    """geth decodes these fields into fixed widths: a wider number is a malformed transaction."""
    for names, bits in ((_UINT64_FIELDS, 64), (_UINT256_FIELDS, 256)):
        for name in names:
            value = getattr(tx, name, None)
            if isinstance(value, int) and value >= 2**bits:
                raise TransactionRejected(f"invalid transaction encoding: {name} {value} exceeds 2**{bits}-1")


def _check_set_code(tx: SignedTransactionAPI) -> None:
    """EIP-7702: a call (never a creation) with at least one authorization, each field in its width."""
    if not tx.to:
        raise TransactionRejected("set code tx must have a destination (EIP-7702 transactions cannot create contracts)")
    if not tx.authorization_list:
        raise TransactionRejected("EIP-7702 transaction with empty auth list")
    for index, auth in enumerate(tx.authorization_list):
        for name, bits in (("chain_id", 256), ("nonce", 64), ("y_parity", 8), ("r", 256), ("s", 256)):
            if getattr(auth, name) >= 2**bits:
                raise TransactionRejected(
                    f"invalid transaction encoding: authorization {index} {name} exceeds 2**{bits}-1"
                )


def recover_sender(tx: SignedTransactionAPI) -> bytes:
    """The signer's address; rejects malleable (high-s) and invalid signatures."""
    if not (0 < tx.r < 2**256 and 0 < tx.s <= SECP256K1_HALF_N):
        raise TransactionRejected("invalid signature: r or s out of range")
    try:
        signature = keys.Signature(vrs=(tx.y_parity, tx.r, tx.s))
        public_key = signature.recover_public_key_from_msg(tx.get_message_for_signing())
    except (BadSignature, ValidationError, ValueError) as error:
        raise TransactionRejected(f"invalid signature: {error}") from None
    return public_key.to_canonical_address()


def from_raw(vm_class: type[VirtualMachineAPI], raw: bytes) -> NodeTransaction:
    tx = decode_transaction(vm_class, raw)
    return NodeTransaction(tx, recover_sender(tx), raw)


def restore(
    vm_class: type[VirtualMachineAPI], raw: bytes, sender: bytes, impersonated: bool
) -> NodeTransaction:
    """A stored transaction, without repeating the signature recovery."""
    return NodeTransaction(
        vm_class.get_transaction_builder().decode(raw), sender, raw, impersonated
    )


@dataclass(frozen=True)
class TransactionFields:
    """What a sender fills in; ``gas_price`` set means a legacy transaction."""

    nonce: int
    gas: int
    to: bytes  # b"" creates a contract
    value: int = 0
    data: bytes = b""
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    access_list: Sequence[tuple[bytes, Sequence[int]]] = ()
    chain_id: int | None = None


def build_transaction(
    vm_class: type[VirtualMachineAPI],
    fields: TransactionFields,
    *,
    private_key: bytes | None = None,
    impersonated_sender: bytes | None = None,
) -> NodeTransaction:
    """Sign ``fields`` with a key, or mark them as sent by an impersonated account."""
    builder = vm_class.get_transaction_builder()
    if fields.gas_price is not None and not fields.access_list:
        unsigned = builder.create_unsigned_transaction(
            nonce=fields.nonce, gas_price=fields.gas_price, gas=fields.gas,
            to=fields.to, value=fields.value, data=fields.data,
        )
    elif fields.gas_price is not None:
        unsigned = builder.new_unsigned_access_list_transaction(
            fields.chain_id, fields.nonce, fields.gas_price, fields.gas,
            fields.to, fields.value, fields.data, list(fields.access_list),
        )
    else:
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            fields.chain_id, fields.nonce, fields.max_priority_fee_per_gas,
            fields.max_fee_per_gas, fields.gas, fields.to, fields.value,
            fields.data, list(fields.access_list),
        )
    if private_key is not None:
        signed = unsigned.as_signed_transaction(keys.PrivateKey(private_key), chain_id=fields.chain_id)
        return NodeTransaction(signed, keys.PrivateKey(private_key).public_key.to_canonical_address(), signed.encode())
    assert impersonated_sender is not None
    signed = _with_placeholder_signature(builder, unsigned, fields)
    return NodeTransaction(signed, impersonated_sender, signed.encode(), impersonated=True)


def _with_placeholder_signature(builder: Any, unsigned: Any, fields: TransactionFields) -> SignedTransactionAPI:
    if fields.gas_price is not None and not fields.access_list:
        v = 35 + 2 * fields.chain_id if fields.chain_id else 27
        return builder.legacy_signed(
            fields.nonce, fields.gas_price, fields.gas, fields.to, fields.value,
            fields.data, v, IMPERSONATED_R, IMPERSONATED_S,
        )
    if fields.gas_price is not None:
        return builder.new_access_list_transaction(
            fields.chain_id, fields.nonce, fields.gas_price, fields.gas, fields.to,
            fields.value, fields.data, list(fields.access_list), 0, IMPERSONATED_R, IMPERSONATED_S,
        )
    return builder.new_dynamic_fee_transaction(
        fields.chain_id, fields.nonce, fields.max_priority_fee_per_gas,
        fields.max_fee_per_gas, fields.gas, fields.to, fields.value, fields.data,
        list(fields.access_list), 0, IMPERSONATED_R, IMPERSONATED_S,
    )


def calldata_floor_gas(data: bytes) -> int:
    """EIP-7623 (Prague): the least gas a transaction with this calldata may use."""
    zeros = data.count(0)
    tokens = zeros + (len(data) - zeros) * STANDARD_TOKEN_COST
    return GAS_TX + TOTAL_COST_FLOOR_PER_TOKEN * tokens
