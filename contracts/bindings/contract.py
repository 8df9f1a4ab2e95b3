"""ABI functions and events, contract artifacts, and sending transactions over JSON-RPC.

The functions are declared here from the documented ABI (docs/contracts.md, the SUM spec) rather
than read from the artifacts, so a deployment made by any build of the contracts (or the
original framework's) can be used; the artifacts are read only for the bytecode to deploy.
"""
from __future__ import annotations

import json
import pathlib
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from .errors import ContractError, NodeError, Reverted, SumError
from .rpc import RpcClient

BUILD = pathlib.Path(__file__).resolve().parent.parent / "build"
# The Osaka per-transaction gas cap (EIP-7825): every transaction the bindings send stays under it.
TX_GAS_CAP = 16_777_216
RECEIPT_POLL_FIRST_S, RECEIPT_POLL_MAX_S = 0.002, 0.2  # receipt polling: the first pause, doubled up to this
# EIP-3860: a creation's code (bytecode and constructor arguments) is at most 49,152 bytes.
MAX_INITCODE_SIZE = 49_152
# How nodes word "this needs more gas than the cap" (geth, Anvil, sumchain).
OUT_OF_GAS = ("out of gas", "gas required exceeds", "intrinsic gas too low", "exceeds block gas limit")
# How they word "this call ran longer than I allow".
TIMED_OUT = ("timeout", "timed out")
_ERROR_SELECTOR = keccak(text="Error(string)")[:4]
_PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]
_PANICS = {
    0x01: "assertion failed", 0x11: "arithmetic overflow or underflow", 0x12: "division by zero",
    0x21: "invalid enum value", 0x22: "bad storage byte array", 0x31: "pop on an empty array",
    0x32: "array index out of bounds", 0x41: "out of memory", 0x51: "call to an uninitialised function",
}


@dataclass(frozen=True)
class Function:
    """One ABI function: its selector, argument encoding and result decoding."""

    name: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.inputs)})"

    @cached_property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]

    def encode(self, *args: Any) -> bytes:
        return self.selector + eth_abi.encode(list(self.inputs), list(args))

    def decode_input(self, data: bytes) -> tuple[Any, ...]:
        """The arguments of a call to this function (reading a transaction's input)."""
        if data[:4] != self.selector:
            raise ContractError(f"the input is not a call to {self.signature}")
        return eth_abi.decode(list(self.inputs), data[4:])

    def decode(self, data: bytes) -> Any:
        """The result: one value for one output, a tuple for several."""
        values = eth_abi.decode(list(self.outputs), data)
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class Event:
    """One ABI event; `indexed` flags which inputs are topics."""

    name: str
    inputs: tuple[str, ...]
    indexed: tuple[bool, ...]

    @cached_property
    def topic(self) -> str:
        return "0x" + keccak(text=f"{self.name}({','.join(self.inputs)})").hex()

    def found_in(self, logs: list[dict[str, Any]], address: str | None = None) -> list[tuple[Any, ...]]:
        """The decoded inputs of each of this event's logs among `logs` (only those `address` emitted, if given)."""
        return [self.decode(log) for log in logs if log["topics"] and log["topics"][0] == self.topic
                and (address is None or checksum(log["address"]) == address)]

    def decode(self, log: dict[str, Any]) -> tuple[Any, ...]:
        """The inputs in declaration order, topics and data merged."""
        topics = iter(log["topics"][1:])
        data_types = [t for t, is_indexed in zip(self.inputs, self.indexed) if not is_indexed]
        data_values = iter(eth_abi.decode(data_types, _bytes(log["data"])))
        return tuple(
            eth_abi.decode([t], _bytes(next(topics)))[0] if is_indexed else next(data_values)
            for t, is_indexed in zip(self.inputs, self.indexed)
        )


def artifact(name: str) -> dict[str, Any]:
    """contracts/build/<name>.json (abi, bytecode); missing means the contracts were not built."""
    path = BUILD / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ContractError(f"no artifact {path}: build the contracts (make contracts)") from None


def checksum(address: str) -> str:
    """A checksummed address, or a ContractError naming what is wrong with the text."""
    text = address.strip()
    body = text[2:] if text[:2].lower() == "0x" else ""
    if len(body) != 40 or any(ch not in "0123456789abcdefABCDEF" for ch in body):
        raise ContractError(f"not an address: {address!r} (0x and 40 hex digits)")
    if body != body.lower() and body != body.upper() and to_checksum_address(text) != text:
        raise ContractError(f"bad address checksum: {address}")
    return to_checksum_address(text)


def decode_revert(data: bytes) -> str:
    """A revert's output in words: Error(string), Panic(uint256), or what is known of a custom error."""
    try:
        if data[:4] == _ERROR_SELECTOR:
            return eth_abi.decode(["string"], data[4:])[0]
        if data[:4] == _PANIC_SELECTOR:
            code = eth_abi.decode(["uint256"], data[4:])[0]
            return f"panic 0x{code:02x} ({_PANICS.get(code, 'unknown panic')})"
    except DecodingError:
        return f"undecodable revert data 0x{data.hex()}"
    if not data:
        return "no reason given"
    return f"custom error 0x{data[:4].hex()}"


def _revert_from(error: NodeError) -> Reverted | None:
    """The Reverted an RPC error stands for, or None when the error is not a revert."""
    data = error.data.get("data") if isinstance(error.data, dict) else error.data
    if error.code != 3 and not error.message.startswith("execution reverted"):
        return None
    if isinstance(data, str) and data.startswith("0x") and len(data) > 2:
        return Reverted(decode_revert(bytes.fromhex(data[2:])))
    reason = error.message.removeprefix("execution reverted").removeprefix(":").strip()
    return Reverted(reason or "no reason given")


def _is_timeout(error: NodeError) -> bool:
    return any(words in error.message.lower() for words in TIMED_OUT)


def _raise_refusal(error: NodeError) -> None:
    """Re-raise an estimate's or call's error as Reverted (the contract refused) or OverGasCap
    (out of gas at the cap: too big for one transaction); a timeout or anything else returns."""
    revert = _revert_from(error)
    if revert is not None:
        raise revert from None
    if any(words in error.message.lower() for words in OUT_OF_GAS):
        raise OverGasCap(f"needs more than {TX_GAS_CAP:,} gas ({error.message})") from None
    if not _is_timeout(error):
        raise error from None


def gas_limit(estimate: int) -> int:
    """The gas limit to send with: the estimate plus headroom (the state may move before the
    transaction is mined), never over the cap."""
    return min(TX_GAS_CAP, estimate + estimate // 10)


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text[2:] if hex_text.startswith("0x") else hex_text)


class OverGasCap(SumError):
    """Too big for one transaction: more than TX_GAS_CAP gas, creation code over the initcode limit,
    or a run longer than the node allows a call."""


@dataclass(frozen=True)
class Sender:
    """Who sends: a local private key (signed here) or an account the node signs for."""

    address: str
    key: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_key(cls, private_key: str) -> Sender:
        try:
            account = Account.from_key(private_key)
        except (ValueError, TypeError):
            # The key itself is never echoed: it is a secret.
            raise ContractError("the private key is not 32 bytes of hex") from None
        return cls(account.address, bytes(account.key))


@dataclass(frozen=True)
class TxResult:
    """A mined transaction: status 1 (success) or 0 with the decoded revert `reason`."""

    tx_hash: str
    gas_used: int
    status: int
    block_number: int
    contract_address: str | None
    logs: list[dict[str, Any]]
    reason: str | None = None


class Connection:
    """A node and the account that sends: calls, gas estimates, transactions, deployments, logs."""

    def __init__(self, client: RpcClient, sender: Sender | None = None, receipt_timeout: float = 300.0) -> None:
        self.client = client
        self._sender = sender
        self.receipt_timeout = receipt_timeout

    @classmethod
    def open(cls, url: str, sender_address: str | None = None, private_key: str | None = None) -> Connection:
        """A connection that sends from `private_key` (signed locally), else from `sender_address`
        (or the node's first account) with eth_sendTransaction."""
        sender = Sender.from_key(private_key) if private_key else None
        if sender is not None and sender_address is not None and checksum(sender_address) != sender.address:
            raise ContractError(f"--from {sender_address} is not the private key's address {sender.address}")
        if sender is None and sender_address is not None:
            sender = Sender(checksum(sender_address))
        return cls(RpcClient(url), sender)

    @property
    def sender(self) -> Sender:
        """The sending account; without one given, the node's first (unlocked) account."""
        if self._sender is None:
            accounts = self.client.request("eth_accounts")
            if not accounts:
                raise ContractError("the node has no unlocked accounts: pass --from or --private-key")
            self._sender = Sender(to_checksum_address(accounts[0]))
        return self._sender

    # ------------------------------------------------------------ reading
    def call(self, to: str, function: Function, *args: Any, block: str = "latest") -> Any:
        """eth_call of a view at `block`; a revert raises Reverted with its reason."""
        request = {"to": to, "data": "0x" + function.encode(*args).hex()}
        if self._sender is not None:
            request["from"] = self._sender.address
        try:
            result = self.client.request("eth_call", request, block)
        except NodeError as error:
            raise _revert_from(error) or error from None
        output = _bytes(result)
        if not output and function.outputs:
            raise ContractError(f"{to} returned nothing for {function.signature}: no such contract or function")
        try:
            return function.decode(output)
        except DecodingError:
            raise ContractError(f"{to} returned {len(output)} bytes that are not {function.signature}'s result") from None

    def has_code(self, address: str) -> bool:
        return self.client.request("eth_getCode", address, "latest") not in ("0x", "0x0", None)

    def logs(self, address: str, topics: list[Any], from_block: int = 0) -> list[dict[str, Any]]:
        return self.client.request(
            "eth_getLogs", {"address": address, "topics": topics, "fromBlock": hex(from_block), "toBlock": "latest"},
        )

    def transaction_input(self, tx_hash: str) -> bytes:
        tx = self.client.request("eth_getTransactionByHash", tx_hash)
        return _bytes(tx["input"]) if tx else b""

    # ------------------------------------------------------------ writing
    def estimate(self, to: str | None, data: bytes, value: int = 0) -> int:
        """The gas limit the transaction needs, at most TX_GAS_CAP: Reverted when the contract refuses
        it, OverGasCap when it does not fit in one transaction.

        A node bounds the time of a whole estimate, a binary search of many runs (long when storage
        refunds make the gas used a poor first guess); when that times out, one run at the cap
        decides, and the cap is the limit to send with (only the gas used is paid)."""
        if to is None and len(data) > MAX_INITCODE_SIZE:
            raise OverGasCap(f"{len(data):,} bytes of creation code, over the {MAX_INITCODE_SIZE:,}-byte limit (EIP-3860)")
        request = {"from": self.sender.address, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(TX_GAS_CAP)}
        if to is not None:
            request["to"] = to
        try:
            gas = int(self.client.request("eth_estimateGas", request), 16)
        except NodeError as error:
            _raise_refusal(error)
            try:
                self.client.request("eth_call", request, "pending")  # where the estimate ran
            except NodeError as call_error:
                _raise_refusal(call_error)  # what returns is a timeout: one run is too long
                raise OverGasCap(f"one run takes longer than the node allows a call ({call_error.message})") from None
            return TX_GAS_CAP
        if gas > TX_GAS_CAP:
            raise OverGasCap(f"needs {gas:,} gas, more than {TX_GAS_CAP:,}")
        return gas

    def transact(self, to: str, function: Function, *args: Any, value: int = 0, gas: int | None = None,
                 check: bool = True) -> TxResult:
        """Send a call to `to` and wait for it; see `send`."""
        return self.send(to, function.encode(*args), value=value, gas=gas, check=check)

    def send(self, to: str | None, data: bytes, value: int = 0, gas: int | None = None, check: bool = True) -> TxResult:
        """Estimate (a refusal raises Reverted before anything is sent), send, wait for the receipt.

        A transaction that fails once mined raises Reverted with its hash and gas used, or with
        `check=False` comes back with status 0 and its reason."""
        if gas is None:
            gas = gas_limit(self.estimate(to, data, value))
        tx_hash = self._submit(to, data, value, gas)
        receipt = self._receipt(tx_hash)
        result = TxResult(
            tx_hash=tx_hash,
            gas_used=int(receipt["gasUsed"], 16),
            status=int(receipt["status"], 16),
            block_number=int(receipt["blockNumber"], 16),
            contract_address=to_checksum_address(receipt["contractAddress"]) if receipt.get("contractAddress") else None,
            logs=receipt["logs"],
        )
        if result.status == 1:
            return result
        reason = self._replay_reason(to, data, value, gas, result.block_number)
        if check:
            raise Reverted(reason, tx_hash, result.gas_used)
        return replace(result, reason=reason)

    def _submit(self, to: str | None, data: bytes, value: int, gas: int) -> str:
        sender = self.sender
        if sender.key is None:
            tx: dict[str, Any] = {"from": sender.address, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(gas)}
            if to is not None:
                tx["to"] = to
            return self.client.request("eth_sendTransaction", tx)
        base_fee = int(self.client.request("eth_getBlockByNumber", "latest", False).get("baseFeePerGas") or "0x0", 16)
        try:
            tip = int(self.client.request("eth_maxPriorityFeePerGas"), 16)
        except NodeError:
            tip = 10**9
        signed: dict[str, Any] = {
            "type": 2,
            "chainId": int(self.client.request("eth_chainId"), 16),
            "nonce": int(self.client.request("eth_getTransactionCount", sender.address, "pending"), 16),
            "value": value,
            "data": data,
            "gas": gas,
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * base_fee + tip,
        }
        if to is not None:
            signed["to"] = to
        raw = Account.sign_transaction(signed, sender.key).raw_transaction
        return self.client.request("eth_sendRawTransaction", "0x" + bytes(raw).hex())

    def _receipt(self, tx_hash: str) -> dict[str, Any]:
        """Polls for the receipt: quickly at first (an automining node has it within milliseconds),
        backing off to RECEIPT_POLL_MAX_S (a node that mines on an interval)."""
        deadline = time.monotonic() + self.receipt_timeout
        pause = RECEIPT_POLL_FIRST_S
        while True:
            receipt = self.client.request("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() > deadline:
                raise SumError(f"transaction {tx_hash} was not mined within {self.receipt_timeout:g}s")
            time.sleep(pause)
            pause = min(2 * pause, RECEIPT_POLL_MAX_S)

    def _replay_reason(self, to: str | None, data: bytes, value: int, gas: int, block_number: int) -> str:
        """Why a mined transaction failed: the same call replayed on the state before its block."""
        request = {"from": self.sender.address, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(gas)}
        if to is not None:
            request["to"] = to
        try:
            self.client.request("eth_call", request, hex(max(block_number - 1, 0)))
        except NodeError as error:
            revert = _revert_from(error)
            return revert.reason if revert is not None else error.message
        return "it failed when mined, but succeeds when replayed (out of gas?)"
