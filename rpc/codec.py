"""JSON-RPC values in and out, encoded as the Ethereum execution API specifies.

Quantities are hex without leading zeros ("0x0" for zero), data is even-length
lower-case hex, addresses are lower-case. Every parse error names the
parameter, so a client sees "invalid params: address: expected 20 bytes".
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import rlp
from eth.abc import BlockHeaderAPI

from node.blocks import BLOCK_TAGS, Block, BlockRef, LogEntry, LogFilter, TransactionReceipt, normalize_topics
from node.blocks import TransactionLookup
from node.execution import CallRequest
from node.transactions import NodeTransaction

from .errors import invalid_params

MAX_UINT256 = 2**256 - 1
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")


# ---------------------------------------------------------------- output
def quantity(value: int) -> str:
    return hex(value)


def data(value: bytes) -> str:
    return "0x" + value.hex()


def address(value: bytes | None) -> str | None:
    return None if value is None else "0x" + value.hex()


def word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


# ---------------------------------------------------------------- input
def parse_quantity(value: Any, name: str, maximum: int = MAX_UINT256) -> int:
    """A hex quantity, or a JSON integer as Anvil and Hardhat accept.

    Only hex digits may follow the 0x (geth refuses "0x 1", "0x+1", "0x1_0",
    "0x0x10", "0x-1"); leading zeros are accepted, as Anvil accepts them.
    """
    if isinstance(value, bool):
        raise invalid_params(f"{name}: expected a hex quantity, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value[:2] in ("0x", "0X") and len(value) > 2:
        if not _HEX_DIGITS.fullmatch(value, 2):
            raise invalid_params(f"{name}: invalid hex quantity {_short(value)}")
        number = int(value[2:], 16)
    else:
        raise invalid_params(f"{name}: expected a hex quantity like \"0x1a\", got {value!r}")
    if not 0 <= number <= maximum:
        raise invalid_params(f"{name}: {number} is out of range (0 to {maximum})")
    return number


def parse_data(value: Any, name: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or value[:2] not in ("0x", "0X"):
        raise invalid_params(f"{name}: expected 0x-prefixed hex data, got {_short(value)}")
    text = value[2:]
    if len(text) % 2:
        raise invalid_params(f"{name}: hex data must have an even number of digits")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise invalid_params(f"{name}: invalid hex data {_short(value)}") from None
    if length is not None and len(raw) != length:
        raise invalid_params(f"{name}: expected {length} bytes, got {len(raw)}")
    return raw


def parse_address(value: Any, name: str) -> bytes:
    return parse_data(value, name, 20)


def parse_hash(value: Any, name: str) -> bytes:
    return parse_data(value, name, 32)


def parse_slot(value: Any, name: str) -> int:
    """A storage slot: a quantity, or 32 bytes of data (both are sent by clients)."""
    if isinstance(value, str) and value[:2] in ("0x", "0X") and len(value) == 66:
        return int.from_bytes(parse_data(value, name), "big")
    return parse_quantity(value, name)


def parse_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_params(f"{name}: expected true or false, got {value!r}")
    return value


def parse_block_ref(value: Any, name: str = "block") -> BlockRef:
    """A tag, a hex number, or an EIP-1898 object ({blockNumber} or {blockHash})."""
    if isinstance(value, str) and value in BLOCK_TAGS:
        return value
    if isinstance(value, Mapping):
        if "blockHash" in value:
            return parse_hash(value["blockHash"], f"{name}.blockHash")
        if "blockNumber" in value:
            return parse_block_ref(value["blockNumber"], f"{name}.blockNumber")
        raise invalid_params(f"{name}: a block object needs blockHash or blockNumber")
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return parse_hash(value, name)  # a bare block hash, as geth accepts
    if isinstance(value, str) and value.startswith("0x") or isinstance(value, int) and not isinstance(value, bool):
        return parse_quantity(value, name, 2**63 - 1)  # a JSON number too, as Hardhat accepts
    raise invalid_params(
        f"{name}: expected a block number, a hash object or one of {', '.join(BLOCK_TAGS)}; got {_short(value)}"
    )


def parse_access_list(value: Any, name: str) -> list[tuple[bytes, list[int]]]:
    if not isinstance(value, list):
        raise invalid_params(f"{name}: expected a list")
    entries = []
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise invalid_params(f"{name}[{index}]: expected an object with address and storageKeys")
        keys = entry.get("storageKeys", [])
        if not isinstance(keys, list):
            raise invalid_params(f"{name}[{index}].storageKeys: expected a list")
        entries.append((
            parse_address(entry.get("address"), f"{name}[{index}].address"),
            [parse_slot(key, f"{name}[{index}].storageKeys[{k}]") for k, key in enumerate(keys)],
        ))
    return entries


TRANSACTION_FIELDS = {
    "from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "data",
    "input", "nonce", "accessList", "type", "chainId", "blobVersionedHashes", "maxFeePerBlobGas",
    "authorizationList",
}


def parse_transaction_object(value: Any, name: str = "transaction") -> dict[str, Any]:
    """The fields of eth_call/eth_estimateGas/eth_sendTransaction, parsed and checked."""
    if not isinstance(value, Mapping):
        raise invalid_params(f"{name}: expected a transaction object")
    unknown = set(value) - TRANSACTION_FIELDS
    if unknown:
        raise invalid_params(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {}
    if value.get("from") is not None:
        fields["sender"] = parse_address(value["from"], f"{name}.from")
    if value.get("to") is not None:
        fields["to"] = parse_address(value["to"], f"{name}.to")
    for key, target in (("gas", "gas"), ("gasPrice", "gas_price"), ("maxFeePerGas", "max_fee_per_gas"),
                        ("maxPriorityFeePerGas", "max_priority_fee_per_gas"), ("value", "value"),
                        ("nonce", "nonce")):
        if value.get(key) is not None:
            fields[target] = parse_quantity(value[key], f"{name}.{key}", 2**64 - 1 if key in ("gas", "nonce") else MAX_UINT256)
    if value.get("input") is not None and value.get("data") is not None and value["input"] != value["data"]:
        raise invalid_params(f"{name}: both input and data are set, with different values")
    payload = value.get("input", value.get("data"))
    if payload is not None:
        fields["data"] = parse_data(payload, f"{name}.input")
    if value.get("accessList") is not None:
        fields["access_list"] = parse_access_list(value["accessList"], f"{name}.accessList")
    if "gas_price" in fields and ("max_fee_per_gas" in fields or "max_priority_fee_per_gas" in fields):
        raise invalid_params(f"{name}: gasPrice cannot be combined with maxFeePerGas or maxPriorityFeePerGas")
    return fields


def parse_call_request(value: Any, name: str = "transaction") -> CallRequest:
    return CallRequest(**parse_transaction_object(value, name))


def parse_log_filter(value: Any, name: str = "filter") -> tuple[LogFilter, BlockRef, BlockRef]:
    """(filter, from, to); a blockHash filter gives the same block as both ends."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise invalid_params(f"{name}: expected a filter object")
    unknown = set(value) - {"fromBlock", "toBlock", "address", "topics", "blockHash"}
    if unknown:
        raise invalid_params(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    addresses = value.get("address")
    if addresses is None:
        parsed_addresses: tuple[bytes, ...] = ()
    elif isinstance(addresses, list):
        parsed_addresses = tuple(parse_address(a, f"{name}.address[{i}]") for i, a in enumerate(addresses))
    else:
        parsed_addresses = (parse_address(addresses, f"{name}.address"),)
    topics = value.get("topics") or []
    if not isinstance(topics, list) or len(topics) > 4:
        raise invalid_params(f"{name}.topics: expected a list of at most 4 positions")
    parsed_topics = []
    for position, options in enumerate(topics):
        label = f"{name}.topics[{position}]"
        if options is None:
            parsed_topics.append(None)
        elif isinstance(options, list):
            parsed_topics.append([parse_hash(o, f"{label}[{i}]") if o is not None else None for i, o in enumerate(options)])
            if None in parsed_topics[-1]:  # null inside a list: any topic
                parsed_topics[-1] = None
        else:
            parsed_topics.append(parse_hash(options, label))
    log_filter = LogFilter(parsed_addresses, normalize_topics(parsed_topics))
    if value.get("blockHash") is not None:
        if "fromBlock" in value or "toBlock" in value:
            raise invalid_params(f"{name}: blockHash cannot be combined with fromBlock/toBlock")
        block_hash = parse_hash(value["blockHash"], f"{name}.blockHash")
        return log_filter, block_hash, block_hash
    from_block = parse_block_ref(value.get("fromBlock", "latest"), f"{name}.fromBlock")
    to_block = parse_block_ref(value.get("toBlock", "latest"), f"{name}.toBlock")
    return log_filter, from_block, to_block


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------- objects
def format_header(header: BlockHeaderAPI, size: int | None = None) -> dict[str, Any]:
    formatted = {
        "number": quantity(header.block_number),
        "hash": data(header.hash),
        "parentHash": data(header.parent_hash),
        "nonce": data(header.nonce),
        "sha3Uncles": data(header.uncles_hash),
        "logsBloom": data(header.bloom.to_bytes(256, "big")),
        "transactionsRoot": data(header.transaction_root),
        "stateRoot": data(header.state_root),
        "receiptsRoot": data(header.receipt_root),
        "miner": address(header.coinbase),
        "difficulty": quantity(header.difficulty),
        "totalDifficulty": quantity(header.difficulty),
        "extraData": data(header.extra_data),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "timestamp": quantity(header.timestamp),
        "mixHash": data(header.mix_hash),
        "baseFeePerGas": quantity(header.base_fee_per_gas),
        "withdrawalsRoot": data(header.withdrawals_root),
        "blobGasUsed": quantity(header.blob_gas_used),
        "excessBlobGas": quantity(header.excess_blob_gas),
        "parentBeaconBlockRoot": data(header.parent_beacon_block_root),
    }
    if hasattr(header, "requests_hash"):
        formatted["requestsHash"] = data(header.requests_hash)
    if size is not None:
        formatted["size"] = quantity(size)
    return formatted


def block_size(block: Block) -> int:
    """Bytes of the block's RLP encoding (header, transactions, uncles, withdrawals)."""
    transactions = [tx.raw if tx.type_id else rlp.decode(tx.raw) for tx in block.transactions]
    return len(rlp.encode([rlp.decode(rlp.encode(block.header)), transactions, [], []]))


def format_block(block: Block, full_transactions: bool) -> dict[str, Any]:
    formatted = format_header(block.header, block_size(block))
    if full_transactions:
        formatted["transactions"] = [
            format_transaction(TransactionLookup.in_block(block, index)) for index in range(len(block.transactions))
        ]
    else:
        formatted["transactions"] = [data(tx.hash) for tx in block.transactions]
    formatted["uncles"] = []
    formatted["withdrawals"] = []
    return formatted


def format_transaction(lookup: TransactionLookup) -> dict[str, Any]:
    tx: NodeTransaction = lookup.transaction
    mined = lookup.block_hash is not None
    formatted: dict[str, Any] = {
        "blockHash": data(lookup.block_hash) if mined else None,
        "blockNumber": quantity(lookup.block_number) if mined else None,
        "transactionIndex": quantity(lookup.index) if mined else None,
        "blockTimestamp": quantity(lookup.block_timestamp) if mined else None,
        "hash": data(tx.hash),
        "from": address(tx.sender),
        "to": address(tx.to) if tx.to else None,
        "nonce": quantity(tx.nonce),
        "gas": quantity(tx.gas),
        "value": quantity(tx.value),
        "input": data(tx.data),
        "type": quantity(tx.type_id),
        "r": quantity(tx.r),
        "s": quantity(tx.s),
    }
    if tx.type_id == 0:
        formatted["gasPrice"] = quantity(tx.gas_price)
        formatted["v"] = quantity(tx.v)
        if tx.chain_id is not None:
            formatted["chainId"] = quantity(tx.chain_id)
        return formatted
    formatted["chainId"] = quantity(tx.chain_id)
    formatted["v"] = formatted["yParity"] = quantity(tx.y_parity)
    formatted["accessList"] = [
        {"address": address(entry_address), "storageKeys": [word(slot) for slot in slots]}
        for entry_address, slots in tx.access_list
    ]
    if tx.type_id == 1:
        formatted["gasPrice"] = quantity(tx.gas_price)
        return formatted
    formatted["maxFeePerGas"] = quantity(tx.max_fee_per_gas)
    formatted["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee_per_gas)
    # Mined: the price actually paid; pending: the most it may pay (as geth).
    formatted["gasPrice"] = quantity(
        tx.effective_gas_price(lookup.base_fee) if mined else tx.max_fee_per_gas
    )
    if tx.type_id == 4:
        formatted["authorizationList"] = [
            {
                "chainId": quantity(auth.chain_id), "address": address(auth.address),
                "nonce": quantity(auth.nonce), "yParity": quantity(auth.y_parity),
                "r": quantity(auth.r), "s": quantity(auth.s),
            }
            for auth in tx.authorization_list
        ]
    return formatted


def format_log(entry: LogEntry) -> dict[str, Any]:
    return {
        "address": address(entry.address),
        "topics": [data(topic) for topic in entry.topics],
        "data": data(entry.data),
        "blockNumber": quantity(entry.block_number),
        "blockHash": data(entry.block_hash),
        "transactionHash": data(entry.transaction_hash),
        "transactionIndex": quantity(entry.transaction_index),
        "logIndex": quantity(entry.log_index),
        "removed": False,
    }


def format_receipt(receipt: TransactionReceipt) -> dict[str, Any]:
    return {
        "transactionHash": data(receipt.transaction_hash),
        "transactionIndex": quantity(receipt.transaction_index),
        "blockHash": data(receipt.block_hash),
        "blockNumber": quantity(receipt.block_number),
        "from": address(receipt.sender),
        "to": address(receipt.to),
        "cumulativeGasUsed": quantity(receipt.cumulative_gas_used),
        "gasUsed": quantity(receipt.gas_used),
        "contractAddress": address(receipt.contract_address),
        "logs": [format_log(entry) for entry in receipt.logs],
        "logsBloom": data(receipt.logs_bloom.to_bytes(256, "big")),
        "status": quantity(receipt.status),
        "effectiveGasPrice": quantity(receipt.effective_gas_price),
        "type": quantity(receipt.type),
    }


def params_at(params: Sequence[Any], index: int, name: str, default: Any = ...) -> Any:
    """Positional parameter ``index``; missing and required gives a named error."""
    if index < len(params):
        return params[index]
    if default is ...:
        raise invalid_params(f"missing value for required argument {index} ({name})")
    return default
