"""Result schemas of the Ethereum execution API specification, as JSON Schema.

Source: the OpenRPC specification in github.com/ethereum/execution-apis
(CC0-1.0), at commit 033ca6e69da000445840d2060ff47e5e56172a86 (August 2026):
the component schemas of src/schemas/{base-types,block,withdrawal,transaction,
receipt,filter,state,client}.yaml and the result schemas of the methods in
src/eth/{client,fee_market,state,block,transaction,execute,filter,submit,sign}.yaml.

These schemas are TRANSCRIBED BY HAND into Python, not fetched or generated:
the spec is published on no package registry, so the tests cannot download
it. Only the result side is transcribed (titles, descriptions and examples are
left out; everything that constrains a value is kept). ``$ref``s keep the
spec's own form, ``#/components/schemas/<Name>``, and resolve inside the
document ``result_schema`` builds, so each line can be checked against the
YAML it came from. ``additionalProperties`` is set exactly where the spec sets
it (Log, ReceiptInfo, AccessListEntry, AccountProof, StorageProof, Withdrawal,
the fee history and access list results, the syncing object); everywhere else
extra fields are allowed, as in the spec.

Four methods the node serves have no schema in execution-apis: web3_clientVersion,
web3_sha3, net_listening and net_peerCount (only net_version was added, in
2026). Their schemas in ``LEGACY_RESULTS`` are written from the older JSON-RPC
reference (the ethereum.org "JSON-RPC API" page, formerly the ethereum/wiki
JSON-RPC page): String, DATA (the 32-byte Keccak-256 hash), Boolean, QUANTITY.

Two spec details to keep in mind when reading failures:
- ``FilterResults`` is a ``oneOf`` of "array of hash32" and "array of Log", so
  an EMPTY array matches both branches and fails the ``oneOf``: check filter
  results on non-empty arrays.
- ``TransactionInfo`` requires ``blockHash``/``blockNumber``/``transactionIndex``
  as non-null values and, since execution-apis #749 (February 2026),
  ``blockTimestamp`` too; the spec has no variant for a pending transaction.
  Likewise ``Block`` requires a hash32 ``hash``, an address ``miner`` and a
  bytes8 ``nonce`` even for the "pending" block, which geth reports as null.
"""
from __future__ import annotations

from typing import Any

import jsonschema

SPEC_COMMIT = "033ca6e69da000445840d2060ff47e5e56172a86"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(pattern: str) -> dict[str, str]:
    return {"type": "string", "pattern": pattern}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


NULL = {"type": "null"}

# ---------------------------------------------------------------- src/schemas/base-types.yaml
BASE_TYPES: dict[str, dict[str, Any]] = {
    "address": _string(r"^0x[0-9a-fA-F]{40}$"),
    "addresses": _array(ref("address")),
    "byte": _string(r"^0x[0-9a-f]{1,2}$"),
    "bytes": _string(r"^0x[0-9a-f]*$"),
    "bytesMax32": _string(r"^0x[0-9a-f]{0,64}$"),
    "bytes4": _string(r"^0x[0-9a-f]{8}$"),
    "bytes8": _string(r"^0x[0-9a-f]{16}$"),
    "bytes16": _string(r"^0x[0-9a-f]{32}$"),
    "bytes32": _string(r"^0x[0-9a-f]{64}$"),
    "bytes48": _string(r"^0x[0-9a-f]{96}$"),
    "bytes96": _string(r"^0x[0-9a-f]{192}$"),
    "bytes256": _string(r"^0x[0-9a-f]{512}$"),
    "bytes65": _string(r"^0x[0-9a-f]{130}$"),
    "ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "uint": _string(r"^0x(0|[1-9a-f][0-9a-f]*)$"),
    "uint32": _string(r"^0x(0|[1-9a-f][0-9a-f]{0,7})$"),
    "uint64": _string(r"^0x(0|[1-9a-f][0-9a-f]{0,15})$"),
    "uint256": _string(r"^0x(0|[1-9a-f][0-9a-f]{0,63})$"),
    "uintDecimal": _string(r"^(0|[1-9][0-9]*)$"),
    "hash32": _string(r"^0x[0-9a-f]{64}$"),
    "notFound": NULL,
}

# ---------------------------------------------------------------- src/schemas/withdrawal.yaml
WITHDRAWAL: dict[str, dict[str, Any]] = {
    "Withdrawal": {
        "type": "object",
        "required": ["index", "validatorIndex", "address", "amount"],
        "additionalProperties": False,
        "properties": {
            "index": ref("uint64"),
            "validatorIndex": ref("uint64"),
            "address": ref("address"),
            "amount": ref("uint256"),
        },
    },
}

# ---------------------------------------------------------------- src/schemas/block.yaml
BLOCK: dict[str, dict[str, Any]] = {
    "Block": {
        "type": "object",
        "required": [
            "hash", "parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot",
            "receiptsRoot", "logsBloom", "number", "gasLimit", "gasUsed", "timestamp",
            "extraData", "mixHash", "nonce", "size", "transactions", "uncles",
        ],
        "properties": {
            "hash": ref("hash32"),
            "parentHash": ref("hash32"),
            "sha3Uncles": ref("hash32"),
            "miner": ref("address"),
            "stateRoot": ref("hash32"),
            "transactionsRoot": ref("hash32"),
            "receiptsRoot": ref("hash32"),
            "logsBloom": ref("bytes256"),
            "difficulty": ref("uint"),
            "number": ref("uint"),
            "gasLimit": ref("uint"),
            "gasUsed": ref("uint"),
            "timestamp": ref("uint"),
            "extraData": ref("bytes"),
            "mixHash": ref("hash32"),
            "nonce": ref("bytes8"),
            "baseFeePerGas": ref("uint"),
            "withdrawalsRoot": ref("hash32"),
            "blobGasUsed": ref("uint"),
            "excessBlobGas": ref("uint"),
            "parentBeaconBlockRoot": ref("hash32"),
            "size": ref("uint"),
            "transactions": {
                "anyOf": [
                    _array(ref("hash32")),  # transaction hashes
                    _array(ref("TransactionInfo")),  # full transactions
                ],
            },
            "withdrawals": _array(ref("Withdrawal")),
            "uncles": _array(ref("hash32")),
            "requestsHash": ref("hash32"),
            "blockAccessListHash": ref("hash32"),
        },
    },
}

# ---------------------------------------------------------------- src/schemas/transaction.yaml
_TO_OR_CREATION = {"oneOf": [NULL, ref("address")]}


def _signed(unsigned: str, parity: dict[str, Any]) -> dict[str, Any]:
    """TransactionXSigned: allOf [TransactionXUnsigned, its signature properties]."""
    return {"type": "object", "allOf": [ref(unsigned), parity]}


# The typed transactions' signature properties (2930, 1559, 4844, 7702 alike).
_TYPED_SIGNATURE = {
    "required": ["yParity", "r", "s"],
    "properties": {
        "yParity": ref("byte"),
        "v": ref("byte"),  # deprecated alternative to yParity
        "r": ref("uint"),
        "s": ref("uint"),
    },
}

TRANSACTION: dict[str, dict[str, Any]] = {
    "Transaction7702Unsigned": {
        "type": "object",
        "required": [
            "type", "nonce", "to", "gas", "value", "input", "maxPriorityFeePerGas",
            "maxFeePerGas", "accessList", "chainId", "authorizationList",
        ],
        "properties": {
            "type": _string(r"^0x4$"),
            "nonce": ref("uint"),
            "to": ref("address"),
            "gas": ref("uint"),
            "value": ref("uint"),
            "input": ref("bytes"),
            "maxPriorityFeePerGas": ref("uint"),
            "maxFeePerGas": ref("uint"),
            "gasPrice": ref("uint"),
            "accessList": ref("AccessList"),
            "chainId": ref("uint"),
            "authorizationList": ref("AuthorizationList"),
        },
    },
    "AuthorizationList": _array({
        "type": "object",
        "properties": {
            "chainId": ref("uint"),
            "nonce": ref("uint"),
            "address": ref("address"),
            "yParity": ref("byte"),
            "r": ref("uint256"),
            "s": ref("uint256"),
        },
        "required": ["chainId", "nonce", "address", "yParity", "r", "s"],
    }),
    "Transaction4844Unsigned": {
        "type": "object",
        "required": [
            "type", "nonce", "to", "gas", "value", "input", "maxPriorityFeePerGas",
            "maxFeePerGas", "maxFeePerBlobGas", "accessList", "blobVersionedHashes", "chainId",
        ],
        "properties": {
            "type": _string(r"^0x3$"),
            "nonce": ref("uint"),
            "to": ref("address"),
            "gas": ref("uint"),
            "value": ref("uint"),
            "input": ref("bytes"),
            "maxPriorityFeePerGas": ref("uint"),
            "maxFeePerGas": ref("uint"),
            "maxFeePerBlobGas": ref("uint"),
            "gasPrice": ref("uint"),
            "accessList": ref("AccessList"),
            "blobVersionedHashes": _array(ref("hash32")),
            "chainId": ref("uint"),
        },
    },
    "AccessListEntry": {
        "type": "object",
        "additionalProperties": False,
        "required": ["address", "storageKeys"],
        "properties": {
            "address": ref("address"),
            "storageKeys": _array(ref("hash32")),
        },
    },
    "AccessList": _array(ref("AccessListEntry")),
    "Transaction1559Unsigned": {
        "type": "object",
        "required": [
            "type", "nonce", "gas", "value", "input", "maxFeePerGas", "maxPriorityFeePerGas",
            "gasPrice", "chainId", "accessList",
        ],
        "properties": {
            "type": _string(r"^0x2$"),
            "nonce": ref("uint"),
            "to": _TO_OR_CREATION,
            "gas": ref("uint"),
            "value": ref("uint"),
            "input": ref("bytes"),
            "maxPriorityFeePerGas": ref("uint"),
            "maxFeePerGas": ref("uint"),
            "gasPrice": ref("uint"),
            "accessList": ref("AccessList"),
            "chainId": ref("uint"),
        },
    },
    "Transaction2930Unsigned": {
        "type": "object",
        "required": ["type", "nonce", "gas", "value", "input", "gasPrice", "chainId", "accessList"],
        "properties": {
            "type": _string(r"^0x1$"),
            "nonce": ref("uint"),
            "to": _TO_OR_CREATION,
            "gas": ref("uint"),
            "value": ref("uint"),
            "input": ref("bytes"),
            "gasPrice": ref("uint"),
            "accessList": ref("AccessList"),
            "chainId": ref("uint"),
        },
    },
    "TransactionLegacyUnsigned": {
        "type": "object",
        "required": ["type", "nonce", "gas", "value", "input", "gasPrice"],
        "properties": {
            "type": _string(r"^0x0$"),
            "nonce": ref("uint"),
            "to": _TO_OR_CREATION,
            "gas": ref("uint"),
            "value": ref("uint"),
            "input": ref("bytes"),
            "gasPrice": ref("uint"),
            "chainId": ref("uint"),
        },
    },
    "Transaction7702Signed": _signed("Transaction7702Unsigned", _TYPED_SIGNATURE),
    "Transaction4844Signed": _signed("Transaction4844Unsigned", _TYPED_SIGNATURE),
    "Transaction1559Signed": _signed("Transaction1559Unsigned", _TYPED_SIGNATURE),
    "Transaction2930Signed": _signed("Transaction2930Unsigned", _TYPED_SIGNATURE),
    "TransactionLegacySigned": _signed("TransactionLegacyUnsigned", {
        "required": ["v", "r", "s"],
        "properties": {"v": ref("uint"), "r": ref("uint"), "s": ref("uint")},
    }),
    "TransactionSigned": {
        "oneOf": [
            ref("Transaction7702Signed"),
            ref("Transaction4844Signed"),
            ref("Transaction1559Signed"),
            ref("Transaction2930Signed"),
            ref("TransactionLegacySigned"),
        ],
    },
    "TransactionInfo": {
        "type": "object",
        "allOf": [
            {  # contextual information
                "required": ["blockHash", "blockNumber", "blockTimestamp", "from", "hash", "transactionIndex"],
                "properties": {
                    "blockHash": ref("hash32"),
                    "blockNumber": ref("uint"),
                    "blockTimestamp": ref("uint"),
                    "from": ref("address"),
                    "hash": ref("hash32"),
                    "transactionIndex": ref("uint"),
                },
            },
            ref("TransactionSigned"),
        ],
    },
}

# ---------------------------------------------------------------- src/schemas/receipt.yaml
RECEIPT: dict[str, dict[str, Any]] = {
    "Log": {
        "type": "object",
        "required": ["transactionHash"],
        "additionalProperties": False,
        "properties": {
            "removed": {"type": "boolean"},
            "logIndex": ref("uint"),
            "transactionIndex": ref("uint"),
            "transactionHash": ref("hash32"),
            "blockHash": ref("hash32"),
            "blockNumber": ref("uint"),
            "blockTimestamp": ref("uint"),
            "address": ref("address"),
            "data": ref("bytes"),
            "topics": _array(ref("bytes32")),
        },
    },
    "ReceiptInfo": {
        "type": "object",
        "required": [
            "blockHash", "blockNumber", "from", "cumulativeGasUsed", "gasUsed", "logs",
            "logsBloom", "transactionHash", "transactionIndex", "effectiveGasPrice",
        ],
        "additionalProperties": False,
        "properties": {
            "type": ref("byte"),
            "transactionHash": ref("hash32"),
            "transactionIndex": ref("uint"),
            "blockHash": ref("hash32"),
            "blockNumber": ref("uint"),
            "from": ref("address"),
            "to": {"oneOf": [NULL, ref("address")]},
            "cumulativeGasUsed": ref("uint"),
            "gasUsed": ref("uint"),
            "blobGasUsed": ref("uint"),
            "contractAddress": {"oneOf": [ref("address"), NULL]},
            "logs": _array(ref("Log")),
            "logsBloom": ref("bytes256"),
            "root": ref("hash32"),
            "status": ref("uint"),
            "effectiveGasPrice": ref("uint"),
            "blobGasPrice": ref("uint"),
        },
    },
}

# ---------------------------------------------------------------- src/schemas/filter.yaml
FILTER: dict[str, dict[str, Any]] = {
    "FilterResults": {
        "oneOf": [
            _array(ref("hash32")),  # new block or transaction hashes
            _array(ref("Log")),  # new logs
        ],
    },
}

# ---------------------------------------------------------------- src/schemas/state.yaml
STATE: dict[str, dict[str, Any]] = {
    "AccountProof": {
        "type": "object",
        "required": ["address", "accountProof", "balance", "codeHash", "nonce", "storageHash", "storageProof"],
        "additionalProperties": False,
        "properties": {
            "address": ref("address"),
            "accountProof": _array(ref("bytes")),
            "balance": ref("uint256"),
            "codeHash": ref("hash32"),
            "nonce": ref("uint64"),
            "storageHash": ref("hash32"),
            "storageProof": _array(ref("StorageProof")),
        },
    },
    "StorageProof": {
        "type": "object",
        "required": ["key", "value", "proof"],
        "additionalProperties": False,
        "properties": {
            "key": ref("bytesMax32"),
            "value": ref("uint256"),
            "proof": _array(ref("bytes")),
        },
    },
}

# ---------------------------------------------------------------- src/schemas/client.yaml
CLIENT: dict[str, dict[str, Any]] = {
    "SyncingStatus": {
        "oneOf": [
            {  # syncing progress
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "startingBlock": ref("uint"),
                    "currentBlock": ref("uint"),
                    "highestBlock": ref("uint"),
                },
            },
            {"type": "boolean"},  # not syncing: "should always return false"
        ],
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    **BASE_TYPES, **WITHDRAWAL, **BLOCK, **TRANSACTION, **RECEIPT, **FILTER, **STATE, **CLIENT,
}


def _or_not_found(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [ref("notFound"), schema]}


# ---------------------------------------------------------------- method results, src/eth/*.yaml
METHOD_RESULTS: dict[str, dict[str, Any]] = {
    # client.yaml
    "eth_chainId": ref("uint"),
    "eth_syncing": ref("SyncingStatus"),
    "eth_coinbase": ref("address"),
    "eth_accounts": _array(ref("address")),
    "eth_blockNumber": ref("uint"),
    "net_version": ref("uintDecimal"),
    # fee_market.yaml
    "eth_gasPrice": ref("uint"),
    "eth_maxPriorityFeePerGas": ref("uint"),
    "eth_feeHistory": {
        "type": "object",
        "required": ["oldestBlock", "baseFeePerGas", "gasUsedRatio"],
        "additionalProperties": False,
        "properties": {
            "oldestBlock": ref("uint"),
            "baseFeePerGas": _array(ref("uint")),
            "baseFeePerBlobGas": _array(ref("uint")),
            "gasUsedRatio": _array(ref("ratio")),
            "blobGasUsedRatio": _array(ref("ratio")),
            "reward": _array(_array(ref("uint"))),
        },
    },
    # state.yaml
    "eth_getBalance": ref("uint"),
    "eth_getStorageAt": ref("bytes"),
    "eth_getTransactionCount": ref("uint"),
    "eth_getCode": ref("bytes"),
    "eth_getProof": ref("AccountProof"),
    # block.yaml
    "eth_getBlockByHash": _or_not_found(ref("Block")),
    "eth_getBlockByNumber": _or_not_found(ref("Block")),
    "eth_getBlockTransactionCountByHash": _or_not_found(ref("uint")),
    "eth_getBlockTransactionCountByNumber": _or_not_found(ref("uint")),
    "eth_getBlockReceipts": _or_not_found(_array(ref("ReceiptInfo"))),
    # transaction.yaml
    "eth_getTransactionByHash": _or_not_found(ref("TransactionInfo")),
    "eth_getTransactionByBlockHashAndIndex": _or_not_found(ref("TransactionInfo")),
    "eth_getTransactionByBlockNumberAndIndex": _or_not_found(ref("TransactionInfo")),
    "eth_getTransactionReceipt": _or_not_found(ref("ReceiptInfo")),
    # execute.yaml
    "eth_call": ref("bytes"),
    "eth_estimateGas": ref("uint"),
    "eth_createAccessList": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "accessList": ref("AccessList"),
            "error": {"type": "string"},
            "gasUsed": ref("uint"),
        },
    },
    # filter.yaml
    "eth_newFilter": ref("uint"),
    "eth_newBlockFilter": ref("uint"),
    "eth_newPendingTransactionFilter": ref("uint"),
    "eth_uninstallFilter": {"type": "boolean"},
    "eth_getFilterChanges": ref("FilterResults"),
    "eth_getFilterLogs": ref("FilterResults"),
    "eth_getLogs": ref("FilterResults"),
    # submit.yaml
    "eth_sendTransaction": ref("hash32"),
    "eth_sendRawTransaction": ref("hash32"),
    # sign.yaml
    "eth_sign": ref("bytes65"),
}

# Not in execution-apis: from the older JSON-RPC reference (see the module docstring).
LEGACY_RESULTS: dict[str, dict[str, Any]] = {
    "web3_clientVersion": {"type": "string"},
    "web3_sha3": ref("hash32"),  # DATA: the Keccak-256 of the given data
    "net_listening": {"type": "boolean"},
    "net_peerCount": ref("uint"),  # QUANTITY
}

RESULTS: dict[str, dict[str, Any]] = {**METHOD_RESULTS, **LEGACY_RESULTS}


def result_schema(method: str) -> dict[str, Any]:
    """The method's result schema as one self-contained JSON Schema document."""
    return {"$schema": DIALECT, **RESULTS[method], "components": {"schemas": SCHEMAS}}


def component_schema(name: str) -> dict[str, Any]:
    """One component schema (e.g. "TransactionInfo") as a self-contained document."""
    return {"$schema": DIALECT, **ref(name), "components": {"schemas": SCHEMAS}}


def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)
