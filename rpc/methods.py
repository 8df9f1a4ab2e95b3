"""The JSON-RPC methods: one function per method, positional params in, JSON out.

``Api.table()`` is the one handler table the server dispatches on; the
``anvil_``/``hardhat_`` names of the dev methods are aliases in it.
"""
from __future__ import annotations

import json
import os
import platform
import zlib
from dataclasses import dataclass, replace
from importlib.metadata import version
from typing import Any, Callable, Mapping, Sequence

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_hash.auto import keccak

from node.blocks import LATEST, PENDING, TransactionLookup
from node.chain import Chain
from node.devtools import DEFAULT_PRIORITY_FEE
from node.errors import UnknownBlock
from node.execution import CallRequest
from node.mining import Miner

from . import codec as c
from .errors import RpcError, SERVER_ERROR, invalid_params
from .filters import FilterManager

Params = Sequence[Any]

MAX_FEE_HISTORY_BLOCKS = 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may cost the node (all on by default)."""

    call_gas_cap: int = 50_000_000  # geth's RPCGasCap
    call_timeout: float = 5.0  # seconds, geth's RPCEVMTimeout
    max_batch: int = 1000  # geth's BatchRequestLimit
    max_request_bytes: int = 5 * 1024 * 1024  # geth's HTTP body limit
    max_log_blocks: int = 100_000  # blocks one eth_getLogs may scan
    max_log_results: int = 10_000  # logs one eth_getLogs may return (Infura's and Alchemy's bound)
    max_trace_bytes: int = 64 * 1024 * 1024  # estimated JSON of one debug_trace* answer


class Api:
    def __init__(self, chain: Chain, miner: Miner, limits: Limits = Limits()) -> None:
        self.chain = chain
        self.miner = miner
        self.limits = limits
        self.filters = FilterManager(chain, max_log_results=limits.max_log_results)
        self.instance_id = os.urandom(32)  # anvil_metadata's: new on every start and reset

    def table(self) -> dict[str, Callable[[Params], Any]]:
        handlers = {
            name: getattr(self, name)
            for name in dir(self)
            if name.split("_", 1)[0] in ("web3", "net", "eth", "personal", "evm", "anvil", "hardhat", "txpool", "debug")
            and callable(getattr(self, name))
        }
        for anvil_name in [n for n in handlers if n.startswith("anvil_")]:  # unless Hardhat's answer differs
            handlers.setdefault("hardhat_" + anvil_name[len("anvil_"):], handlers[anvil_name])
        return handlers

    # ------------------------------------------------------------ web3, net
    def web3_clientVersion(self, params: Params) -> str:
        """Starts with "anvil/": tools that gate their dev-node helpers on the client version
        (Hardhat's network-helpers: hardhatnetwork, zksync or anvil) take the anvil_ methods served here."""
        return f"anvil/sumchain/v{version('sumchain')}/python{platform.python_version()}/py-evm{version('py-evm')}"

    def web3_sha3(self, params: Params) -> str:
        return c.data(keccak(c.parse_data(c.params_at(params, 0, "data"), "data")))

    def net_version(self, params: Params) -> str:
        return str(self.chain.chain_id)

    def net_listening(self, params: Params) -> bool:
        return True

    def net_peerCount(self, params: Params) -> str:
        return c.quantity(0)

    # ------------------------------------------------------------ chain facts
    def eth_chainId(self, params: Params) -> str:
        return c.quantity(self.chain.chain_id)

    def eth_config(self, params: Params) -> dict[str, Any]:
        """EIP-7910. Every fork of a dev chain is active from genesis: ``current`` is the genesis
        hardfork at activation time 0, there is no ``next`` or ``last``, and the fork id
        (EIP-6122/2124) is the CRC32 of the genesis hash alone (forks at genesis do not count)."""
        genesis_hash = self.chain.get_block(0).hash
        config = self.chain.fork_config()
        current = {
            "activationTime": 0,
            "blobSchedule": config["blobSchedule"],
            "chainId": c.quantity(self.chain.chain_id),
            "forkId": c.data(zlib.crc32(genesis_hash).to_bytes(4, "big")),
            "precompiles": {name: c.data(address) for name, address in sorted(config["precompiles"].items())},
            "systemContracts": {name: c.data(address) for name, address in sorted(config["systemContracts"].items())},
        }
        return {"current": current, "next": None, "last": None}

    def eth_syncing(self, params: Params) -> bool:
        return False

    def eth_coinbase(self, params: Params) -> str:
        return c.address(self.chain.genesis.coinbase)

    def eth_accounts(self, params: Params) -> list[str]:
        return [c.address(account.address) for account in self.chain.accounts]

    def eth_blockNumber(self, params: Params) -> str:
        return c.quantity(self.chain.head_number)

    def eth_gasPrice(self, params: Params) -> str:
        return c.quantity(self.chain.next_base_fee() + DEFAULT_PRIORITY_FEE)

    def eth_maxPriorityFeePerGas(self, params: Params) -> str:
        return c.quantity(DEFAULT_PRIORITY_FEE)

    def eth_blobBaseFee(self, params: Params) -> str:
        return c.quantity(1)  # no blob transactions on this chain: the minimum, always

    def eth_feeHistory(self, params: Params) -> dict[str, Any]:
        count = c.parse_quantity(c.params_at(params, 0, "blockCount"), "blockCount")
        newest = c.parse_block_ref(c.params_at(params, 1, "newestBlock"), "newestBlock")
        percentiles = c.params_at(params, 2, "rewardPercentiles", None)
        if percentiles is not None:
            if not isinstance(percentiles, list) or not all(
                isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles
            ) or percentiles != sorted(percentiles):
                raise invalid_params("rewardPercentiles: expected increasing numbers from 0 to 100")
        count = min(count, MAX_FEE_HISTORY_BLOCKS)
        last = self.chain.resolve_number(newest)
        first = max(0, last - count + 1)
        blocks = [self.chain.get_block(n) for n in range(first, last + 1)] if count else []
        history: dict[str, Any] = {
            "oldestBlock": c.quantity(first if count else last),
            "baseFeePerGas": [c.quantity(b.header.base_fee_per_gas) for b in blocks],
            "gasUsedRatio": [b.header.gas_used / b.header.gas_limit for b in blocks],
            "baseFeePerBlobGas": [c.quantity(1) for _ in range(len(blocks) + 1)] if count else [],
            "blobGasUsedRatio": [0.0 for _ in blocks],
        }
        if count:
            following = self.chain.get_block(last + 1).header.base_fee_per_gas if last < self.chain.head_number else self.chain.next_base_fee()
            history["baseFeePerGas"].append(c.quantity(following))
        if percentiles is not None:
            history["reward"] = [[c.quantity(r) for r in _rewards(b, percentiles)] for b in blocks]
        return history

    # ------------------------------------------------------------ state
    def eth_getBalance(self, params: Params) -> str:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        return c.quantity(self.chain.get_balance(account, self._block(params, 1)))

    def eth_getTransactionCount(self, params: Params) -> str:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        return c.quantity(self.chain.get_nonce(account, self._block(params, 1)))

    def eth_getCode(self, params: Params) -> str:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        return c.data(self.chain.get_code(account, self._block(params, 1)))

    def eth_getStorageAt(self, params: Params) -> str:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        slot = c.parse_slot(c.params_at(params, 1, "position"), "position")
        return c.word(self.chain.get_storage_at(account, slot, self._block(params, 2)))

    def eth_getProof(self, params: Params) -> dict[str, Any]:
        from node.proofs import get_proof

        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        keys = c.params_at(params, 1, "storageKeys")
        if not isinstance(keys, list):
            raise invalid_params("storageKeys: expected a list")
        slots = [c.parse_slot(key, f"storageKeys[{i}]") for i, key in enumerate(keys)]
        proof = get_proof(self.chain, account, slots, self._block(params, 2))
        return {
            "address": c.address(proof.address),
            "balance": c.quantity(proof.balance),
            "nonce": c.quantity(proof.nonce),
            "codeHash": c.data(proof.code_hash),
            "storageHash": c.data(proof.storage_hash),
            "accountProof": [c.data(node) for node in proof.account_proof],
            "storageProof": [
                {"key": c.word(slot), "value": c.quantity(value), "proof": [c.data(node) for node in nodes]}
                for slot, value, nodes in proof.storage_proofs
            ],
        }

    def _block(self, params: Params, index: int, default: Any = LATEST) -> Any:
        return c.parse_block_ref(c.params_at(params, index, "block", default), "block")

    # ------------------------------------------------------------ blocks and transactions
    def eth_getBlockByNumber(self, params: Params) -> dict[str, Any] | None:
        ref = c.parse_block_ref(c.params_at(params, 0, "block"), "block")
        full = c.parse_bool(c.params_at(params, 1, "hydrated", False), "hydrated")
        return self._block_or_none(ref, full)

    def eth_getBlockByHash(self, params: Params) -> dict[str, Any] | None:
        block_hash = c.parse_hash(c.params_at(params, 0, "blockHash"), "blockHash")
        full = c.parse_bool(c.params_at(params, 1, "hydrated", False), "hydrated")
        return self._block_or_none(block_hash, full)

    def _block_or_none(self, ref: Any, full: bool) -> dict[str, Any] | None:
        try:
            block = self.chain.get_block(ref)
        except UnknownBlock:
            return None
        formatted = c.format_block(block, full)
        if ref == PENDING:  # geth: a pending block has no hash, nonce or miner yet
            formatted.update(hash=None, nonce=None, miner=None)
        return formatted

    def eth_getBlockTransactionCountByNumber(self, params: Params) -> str | None:
        return self._transaction_count(c.parse_block_ref(c.params_at(params, 0, "block"), "block"))

    def eth_getBlockTransactionCountByHash(self, params: Params) -> str | None:
        return self._transaction_count(c.parse_hash(c.params_at(params, 0, "blockHash"), "blockHash"))

    def _transaction_count(self, ref: Any) -> str | None:
        try:
            return c.quantity(len(self.chain.get_block(ref).transactions))
        except UnknownBlock:
            return None

    def eth_getTransactionByHash(self, params: Params) -> dict[str, Any] | None:
        tx_hash = c.parse_hash(c.params_at(params, 0, "transactionHash"), "transactionHash")
        lookup = self.chain.get_transaction(tx_hash)
        return None if lookup is None else c.format_transaction(lookup)

    def eth_getTransactionByBlockNumberAndIndex(self, params: Params) -> dict[str, Any] | None:
        ref = c.parse_block_ref(c.params_at(params, 0, "block"), "block")
        return self._transaction_at(ref, c.parse_quantity(c.params_at(params, 1, "index"), "index"))

    def eth_getTransactionByBlockHashAndIndex(self, params: Params) -> dict[str, Any] | None:
        ref = c.parse_hash(c.params_at(params, 0, "blockHash"), "blockHash")
        return self._transaction_at(ref, c.parse_quantity(c.params_at(params, 1, "index"), "index"))

    def _transaction_at(self, ref: Any, index: int) -> dict[str, Any] | None:
        try:
            block = self.chain.get_block(ref)
        except UnknownBlock:
            return None
        if index >= len(block.transactions):
            return None
        return c.format_transaction(TransactionLookup.in_block(block, index))

    def eth_getTransactionReceipt(self, params: Params) -> dict[str, Any] | None:
        tx_hash = c.parse_hash(c.params_at(params, 0, "transactionHash"), "transactionHash")
        receipt = self.chain.get_receipt(tx_hash)
        return None if receipt is None else c.format_receipt(receipt)

    def eth_getBlockReceipts(self, params: Params) -> list[dict[str, Any]] | None:
        ref = c.parse_block_ref(c.params_at(params, 0, "block"), "block")
        try:
            block = self.chain.get_block(ref)
        except UnknownBlock:
            return None
        return [c.format_receipt(receipt) for receipt in block.receipt_views]

    # ------------------------------------------------------------ sending
    def eth_sendRawTransaction(self, params: Params) -> str:
        raw = c.parse_data(c.params_at(params, 0, "transaction"), "transaction")
        return c.data(self.chain.send_raw_transaction(raw))

    def eth_sendTransaction(self, params: Params) -> str:
        fields = c.parse_transaction_object(c.params_at(params, 0, "transaction"))
        sender = fields.pop("sender", None)
        if sender is None:
            raise invalid_params("transaction.from: required")
        if fields.get("gas") is not None:
            self.chain.check_block_gas_limit(fields["gas"])  # before the fields are filled
        fields.setdefault("to", b"")
        return c.data(self.chain.send_transaction(sender, **fields))

    def eth_signTransaction(self, params: Params) -> str:
        """Fill and sign like eth_sendTransaction, but return the raw bytes unsent."""
        fields = c.parse_transaction_object(c.params_at(params, 0, "transaction"))
        sender = fields.pop("sender", None)
        if sender is None:
            raise invalid_params("transaction.from: required")
        self._key(sender)  # only dev accounts have keys to sign with
        fields.setdefault("to", b"")
        return c.data(self.chain.prepare_transaction(sender, **fields).raw)

    def eth_sign(self, params: Params) -> str:
        signer = c.parse_address(c.params_at(params, 0, "address"), "address")
        message = c.parse_data(c.params_at(params, 1, "message"), "message")
        return self._sign_message(signer, message)

    def personal_sign(self, params: Params) -> str:
        message = c.parse_data(c.params_at(params, 0, "message"), "message")
        signer = c.parse_address(c.params_at(params, 1, "address"), "address")
        return self._sign_message(signer, message)

    def _sign_message(self, signer: bytes, message: bytes) -> str:
        signed = Account.sign_message(encode_defunct(primitive=message), self._key(signer))
        return c.data(bytes(signed.signature))

    def eth_signTypedData_v4(self, params: Params) -> str:
        signer = c.parse_address(c.params_at(params, 0, "address"), "address")
        typed = c.params_at(params, 1, "typedData")
        if isinstance(typed, str):
            try:
                typed = json.loads(typed)
            except ValueError:
                raise invalid_params("typedData: not valid JSON") from None
        if not isinstance(typed, Mapping):
            raise invalid_params("typedData: expected an EIP-712 object")
        try:
            message = encode_typed_data(full_message=dict(typed))
        except Exception as error:  # eth-account raises several types for bad EIP-712 data
            raise invalid_params(f"typedData: {error}") from None
        return c.data(bytes(Account.sign_message(message, self._key(signer)).signature))

    def _key(self, signer: bytes) -> bytes:
        key = self.chain.private_key(signer)
        if key is not None:
            return key
        raise RpcError(SERVER_ERROR, f"unknown account 0x{signer.hex()}: only dev accounts can sign")

    # ------------------------------------------------------------ execution
    def eth_call(self, params: Params) -> str:
        request = self._capped(c.parse_call_request(c.params_at(params, 0, "transaction")))
        ref = self._block(params, 1)
        overrides = _state_overrides(c.params_at(params, 2, "stateOverrides", None))
        result = self.chain.call(request, ref, overrides, timeout=self.limits.call_timeout)
        result.raise_for_error()
        return c.data(result.output)

    def eth_estimateGas(self, params: Params) -> str:
        request = self._capped(c.parse_call_request(c.params_at(params, 0, "transaction")))
        ref = self._block(params, 1, PENDING)
        overrides = _state_overrides(c.params_at(params, 2, "stateOverrides", None))
        return c.quantity(self.chain.estimate_gas(request, ref, overrides, timeout=self.limits.call_timeout))

    def eth_createAccessList(self, params: Params) -> dict[str, Any]:
        from node.access_list import create_access_list

        request = self._capped(c.parse_call_request(c.params_at(params, 0, "transaction")))
        result = create_access_list(self.chain, request, self._block(params, 1, PENDING), timeout=self.limits.call_timeout)
        formatted: dict[str, Any] = {
            "accessList": [
                {"address": c.address(entry), "storageKeys": [c.word(slot) for slot in slots]}
                for entry, slots in result.access_list
            ],
            "gasUsed": c.quantity(result.gas_used),
        }
        if result.error is not None:
            formatted["error"] = result.error
        return formatted

    def _capped(self, request: CallRequest) -> CallRequest:
        """Calls get at most the gas cap (and the block gas limit), as in geth."""
        cap = min(self.limits.call_gas_cap, self.chain.next_gas_limit())
        if request.gas is None or request.gas > cap:
            return replace(request, gas=cap)
        return request

    # ------------------------------------------------------------ logs and filters
    def eth_getLogs(self, params: Params) -> list[dict[str, Any]]:
        log_filter, first, last = c.parse_log_filter(c.params_at(params, 0, "filter"))
        low, high = self.chain.resolve_number(first), self.chain.resolve_number(last)
        if high - low >= self.limits.max_log_blocks:
            raise RpcError(SERVER_ERROR, f"block range too large: at most {self.limits.max_log_blocks} blocks per query")
        return [c.format_log(entry) for entry in self.chain.get_logs(log_filter, low, high, self.limits.max_log_results)]

    def eth_newFilter(self, params: Params) -> str:
        log_filter, first, last = c.parse_log_filter(c.params_at(params, 0, "filter"))
        return self.filters.new_log_filter(log_filter, first, last)

    def eth_newBlockFilter(self, params: Params) -> str:
        return self.filters.new_block_filter()

    def eth_newPendingTransactionFilter(self, params: Params) -> str:
        return self.filters.new_pending_filter()

    def eth_getFilterChanges(self, params: Params) -> list[Any]:
        return self.filters.changes(_filter_id(params))

    def eth_getFilterLogs(self, params: Params) -> list[Any]:
        return self.filters.logs(_filter_id(params))

    def eth_uninstallFilter(self, params: Params) -> bool:
        return self.filters.uninstall(_filter_id(params))

    # ------------------------------------------------------------ mining and time
    def evm_mine(self, params: Params) -> str:
        timestamp = c.params_at(params, 0, "timestamp", None)
        if isinstance(timestamp, Mapping):  # Anvil's {timestamp, blocks} form
            blocks = c.parse_quantity(timestamp.get("blocks", 1), "options.blocks")
            at = timestamp.get("timestamp")
            if at is not None:
                self.chain.set_next_block_timestamp(c.parse_quantity(at, "options.timestamp", 2**64 - 1))
            self.chain.mine_blocks(blocks)
        else:
            self.chain.mine(None if timestamp is None else c.parse_quantity(timestamp, "timestamp", 2**64 - 1))
        return "0x0"

    def anvil_mine(self, params: Params) -> None:
        count = c.parse_quantity(c.params_at(params, 0, "blocks", "0x1"), "blocks")
        interval = c.parse_quantity(c.params_at(params, 1, "interval", "0x1"), "interval", 2**32)
        self.chain.mine_blocks(count, interval)

    def evm_setAutomine(self, params: Params) -> bool:
        self.miner.set_automine(c.parse_bool(c.params_at(params, 0, "enabled"), "enabled"))
        return True

    def anvil_setAutomine(self, params: Params) -> None:
        self.evm_setAutomine(params)

    def anvil_getAutomine(self, params: Params) -> bool:
        return self.chain.automine

    def evm_setIntervalMining(self, params: Params) -> bool:
        """Hardhat's unit: milliseconds (0 stops interval mining)."""
        milliseconds = c.parse_quantity(c.params_at(params, 0, "interval"), "interval", 2**32)
        self.miner.set_interval(milliseconds / 1000)
        return True

    def anvil_setIntervalMining(self, params: Params) -> None:
        """Anvil's unit: seconds (0 stops interval mining)."""
        self.miner.set_interval(c.parse_quantity(c.params_at(params, 0, "interval"), "interval", 2**32))

    def evm_increaseTime(self, params: Params) -> str:
        seconds = c.parse_quantity(c.params_at(params, 0, "seconds"), "seconds", 2**63 - 1)
        return c.quantity(self.chain.increase_time(seconds))

    def anvil_increaseTime(self, params: Params) -> str:
        return self.evm_increaseTime(params)

    def evm_setNextBlockTimestamp(self, params: Params) -> None:
        self.chain.set_next_block_timestamp(c.parse_quantity(c.params_at(params, 0, "timestamp"), "timestamp", 2**64 - 1))

    def anvil_setNextBlockTimestamp(self, params: Params) -> None:
        self.evm_setNextBlockTimestamp(params)

    def evm_snapshot(self, params: Params) -> str:
        return c.quantity(self.chain.snapshot())

    def anvil_snapshot(self, params: Params) -> str:
        return self.evm_snapshot(params)

    def evm_revert(self, params: Params) -> bool:
        return self.chain.revert(c.parse_quantity(c.params_at(params, 0, "id"), "id", 2**64 - 1))

    def anvil_revert(self, params: Params) -> bool:
        return self.evm_revert(params)

    # ------------------------------------------------------------ state edits
    def anvil_setBalance(self, params: Params) -> None:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        self.chain.set_balance(account, c.parse_quantity(c.params_at(params, 1, "balance"), "balance"))

    def anvil_setNonce(self, params: Params) -> None:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        self.chain.set_nonce(account, c.parse_quantity(c.params_at(params, 1, "nonce"), "nonce", 2**64 - 1))

    def anvil_setCode(self, params: Params) -> None:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        self.chain.set_code(account, c.parse_data(c.params_at(params, 1, "code"), "code"))

    def anvil_setStorageAt(self, params: Params) -> bool:
        account = c.parse_address(c.params_at(params, 0, "address"), "address")
        slot = c.parse_slot(c.params_at(params, 1, "position"), "position")
        value = c.parse_slot(c.params_at(params, 2, "value"), "value")
        self.chain.set_storage_at(account, slot, value)
        return True

    def anvil_reset(self, params: Params) -> None:
        """Without forking options only: back to genesis (Chain.reset)."""
        options = c.params_at(params, 0, "options", None)
        if isinstance(options, Mapping) and options.get("forking") is not None:
            raise invalid_params("forking is not supported: sumchain resets to its own genesis only")
        self.chain.reset()
        self.instance_id = os.urandom(32)

    def anvil_metadata(self, params: Params) -> dict[str, Any]:
        """Anvil's and Hardhat's node metadata (also as hardhat_metadata). Answering it tells
        hardhat-ethers on the ``localhost`` network that this is a dev node: it then sends with
        a fixed gas limit instead of estimating each transaction, as in-process Hardhat does."""
        head = self.chain.head
        return {
            "clientVersion": self.web3_clientVersion([]),
            "chainId": self.chain.chain_id,
            "instanceId": c.data(self.instance_id),
            "latestBlockNumber": head.block_number,
            "latestBlockHash": c.data(head.hash),
        }

    def hardhat_reset(self, params: Params) -> bool:
        self.anvil_reset(params)
        return True

    def anvil_dropTransaction(self, params: Params) -> str | None:
        """Anvil's answer: the hash when it was pooled, else null."""
        tx_hash = c.parse_hash(c.params_at(params, 0, "hash"), "hash")
        return c.data(tx_hash) if self.chain.drop_transaction(tx_hash) else None

    def hardhat_dropTransaction(self, params: Params) -> bool:
        """Hardhat's answer: whether it was pooled."""
        return self.chain.drop_transaction(c.parse_hash(c.params_at(params, 0, "hash"), "hash"))

    def anvil_setCoinbase(self, params: Params) -> None:
        self.chain.set_coinbase(c.parse_address(c.params_at(params, 0, "address"), "address"))

    def evm_setBlockGasLimit(self, params: Params) -> bool:
        self.chain.set_block_gas_limit(c.parse_quantity(c.params_at(params, 0, "gas limit"), "gas limit"))
        return True

    def anvil_setBlockGasLimit(self, params: Params) -> bool:
        return self.evm_setBlockGasLimit(params)

    def anvil_setNextBlockBaseFeePerGas(self, params: Params) -> None:
        self.chain.set_next_block_base_fee(c.parse_quantity(c.params_at(params, 0, "base fee"), "base fee"))

    def hardhat_setPrevRandao(self, params: Params) -> None:
        self.chain.set_next_prev_randao(c.parse_data(c.params_at(params, 0, "prevRandao"), "prevRandao", 32))

    def anvil_impersonateAccount(self, params: Params) -> None:
        self.chain.impersonate(c.parse_address(c.params_at(params, 0, "address"), "address"))

    def anvil_stopImpersonatingAccount(self, params: Params) -> None:
        self.chain.stop_impersonating(c.parse_address(c.params_at(params, 0, "address"), "address"))

    # ------------------------------------------------------------ pool
    def txpool_content(self, params: Params) -> dict[str, Any]:
        pending, queued = self.chain.pool_content()
        return {"pending": _pool_json(pending), "queued": _pool_json(queued)}

    def txpool_inspect(self, params: Params) -> dict[str, Any]:
        """geth's one-line summaries: "to: value wei + gas gas × price wei"."""
        pending, queued = self.chain.pool_content()

        def summary(tx: Any) -> str:
            to = c.address(tx.to) if tx.to else "contract creation"
            return f"{to}: {tx.value} wei + {tx.gas} gas × {tx.max_fee_per_gas} wei"

        return {
            name: {c.address(sender): {str(nonce): summary(tx) for nonce, tx in by_nonce.items()}
                   for sender, by_nonce in content.items()}
            for name, content in (("pending", pending), ("queued", queued))
        }

    def txpool_status(self, params: Params) -> dict[str, str]:
        pending, queued = self.chain.pool_content()
        return {
            "pending": c.quantity(sum(len(txs) for txs in pending.values())),
            "queued": c.quantity(sum(len(txs) for txs in queued.values())),
        }

    # ------------------------------------------------------------ tracing
    def debug_traceTransaction(self, params: Params) -> Any:
        from node.tracing import trace_transaction

        tx_hash = c.parse_hash(c.params_at(params, 0, "transactionHash"), "transactionHash")
        config = _trace_config(c.params_at(params, 1, "options", None))
        config.setdefault("timeout", f"{self.limits.call_timeout}s")
        return trace_transaction(self.chain, tx_hash, config, self.limits.max_trace_bytes)

    def debug_traceCall(self, params: Params) -> Any:
        from node.tracing import trace_call

        request = self._capped(c.parse_call_request(c.params_at(params, 0, "transaction")))
        ref = self._block(params, 1)
        config = _trace_config(c.params_at(params, 2, "options", None))
        config.setdefault("timeout", f"{self.limits.call_timeout}s")
        overrides = _state_overrides(config.pop("stateOverrides", None))
        return trace_call(self.chain, request, ref, config, overrides, self.limits.max_trace_bytes)


def _rewards(block: Any, percentiles: Sequence[float]) -> list[int]:
    """Effective tips at gas-weighted percentiles, as geth computes them."""
    tips = sorted(
        (tx.effective_tip(block.header.base_fee_per_gas), receipt.gas_used)
        for tx, receipt in zip(block.transactions, block.receipt_views)
    )
    if not tips:
        return [0 for _ in percentiles]
    rewards, index, cumulative = [], 0, tips[0][1]
    for percentile in percentiles:
        threshold = block.header.gas_used * percentile / 100
        while cumulative < threshold and index < len(tips) - 1:
            index += 1
            cumulative += tips[index][1]
        rewards.append(tips[index][0])
    return rewards


def _filter_id(params: Params) -> str:
    filter_id = c.params_at(params, 0, "filterId")
    if not isinstance(filter_id, str) or not filter_id.startswith("0x"):
        raise invalid_params(f"filterId: expected a hex filter id, got {filter_id!r}")
    return filter_id


def _pool_json(content: Mapping[bytes, Mapping[int, Any]]) -> dict[str, dict[str, Any]]:
    return {
        c.address(sender): {str(nonce): c.format_transaction(TransactionLookup(tx)) for nonce, tx in txs.items()}
        for sender, txs in content.items()
    }


def _trace_config(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise invalid_params("options: expected a tracer options object")
    limit = options.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise invalid_params(f"options.limit: expected a whole number of steps (0 for no limit), got {limit!r}")
    return dict(options)


def _state_overrides(value: Any) -> Callable[[Any], None] | None:
    """geth's state override set: per address balance, nonce, code, state or stateDiff."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid_params("stateOverrides: expected an object keyed by address")
    edits: list[Callable[[Any], None]] = []
    for key, override in value.items():
        target = c.parse_address(key, "stateOverrides key")
        label = f"stateOverrides.{key}"
        if not isinstance(override, Mapping):
            raise invalid_params(f"{label}: expected an object")
        unknown = set(override) - {"balance", "nonce", "code", "state", "stateDiff"}
        if unknown:
            raise invalid_params(f"{label}: unknown field(s) {', '.join(sorted(unknown))}")
        if "state" in override and "stateDiff" in override:
            raise invalid_params(f"{label}: state and stateDiff cannot both be set")
        edits.extend(_account_override(target, override, label))

    def apply(state: Any) -> None:
        for edit in edits:
            edit(state)

    return apply


def _account_override(target: bytes, override: Mapping[str, Any], label: str) -> list[Callable[[Any], None]]:
    edits: list[Callable[[Any], None]] = []
    if "balance" in override:
        balance = c.parse_quantity(override["balance"], f"{label}.balance")
        edits.append(lambda state: state.set_balance(target, balance))
    if "nonce" in override:
        nonce = c.parse_quantity(override["nonce"], f"{label}.nonce", 2**64 - 1)
        edits.append(lambda state: state.set_nonce(target, nonce))
    if "code" in override:
        code = c.parse_data(override["code"], f"{label}.code")
        edits.append(lambda state: state.set_code(target, code))
    for field_name in ("state", "stateDiff"):
        if field_name not in override:
            continue
        slots = override[field_name]
        if not isinstance(slots, Mapping):
            raise invalid_params(f"{label}.{field_name}: expected an object of slot: value")
        parsed = {
            c.parse_slot(slot, f"{label}.{field_name} key"): c.parse_slot(v, f"{label}.{field_name}.{slot}")
            for slot, v in slots.items()
        }
        if field_name == "state":  # the whole storage is replaced
            edits.append(lambda state: state.delete_storage(target))
        edits.append(lambda state, parsed=parsed: [state.set_storage(target, s, v) for s, v in parsed.items()])
    return edits

