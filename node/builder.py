"""Block building: the next header, a VM started on a parent, transactions applied, a block
finished. Nothing here commits: a block is built on an overlay the chain commits or drops.

py-evm's ``MiningChain`` re-imports the pending block for every transaction
(O(n^2) per block) and its ``get_transaction_result`` cannot run EIP-1559
transactions, so sumchain drives the VM itself: one VM per block, each
transaction applied once. Block building, ``pending`` views and transaction
tracing all start a block through :meth:`BlockBuilder.start`, so a traced
replay runs exactly what the block ran.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from eth.abc import BlockHeaderAPI, ComputationAPI, ReceiptAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.consensus.context import ConsensusContext
from eth.constants import BLANK_ROOT_HASH, ZERO_HASH32
from eth.db.trie import make_trie_root_and_nodes
from eth.exceptions import HeaderNotFound
from eth.vm.chain_context import ChainContext
from eth.vm.forks.cancun.constants import BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CONTRACT_CODE
from eth.vm.forks.prague.constants import HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CONTRACT_CODE
from eth_hash.auto import keccak
from eth_utils import ValidationError

from vm.fork import since_prague
from vm.osaka import BlockSizeBudget

from . import transactions as txs
from .accounts import DevAccount
from .blocks import Block
from .chaindb import ChainDB
from .genesis import Genesis
from .store import StateOverlay


@dataclass(frozen=True)
class NextBlock:
    """What the dev setters ask of the blocks to come (Hardhat's and Anvil's)."""

    coinbase: bytes | None = None  # this block and every later one (anvil_setCoinbase)
    gas_limit: int | None = None  # this block; later ones inherit it from their parent (evm_setBlockGasLimit)
    base_fee: int | None = None  # this block only (anvil_setNextBlockBaseFeePerGas)
    prev_randao: bytes | None = None  # this block only (hardhat_setPrevRandao)

    def after_mining(self) -> "NextBlock":
        return NextBlock(coinbase=self.coinbase)

    def to_list(self) -> list:
        return [self.coinbase, self.gas_limit, self.base_fee, self.prev_randao]


@dataclass
class Built:
    """A block built on an overlay, not yet committed."""

    block: Block
    overlay: StateOverlay
    rejected: list[tuple[txs.NodeTransaction, str]]
    computations: list[ComputationAPI] = field(default_factory=list)


class ChainView:
    """The slice of py-evm's ChainDB API a VM uses: its state database,
    ancestor headers (BLOCKHASH) and, in Prague, the receipts of the block
    being built (deposit requests)."""

    def __init__(self, chaindb: ChainDB, overlay: StateOverlay) -> None:
        self._chaindb = chaindb
        self.overlay = overlay
        self.db = overlay.atomic()
        self.receipts: tuple[ReceiptAPI, ...] = ()

    def get_block_header_by_hash(self, block_hash: bytes) -> BlockHeaderAPI:
        header = self._chaindb.header(block_hash)
        if header is None:
            raise HeaderNotFound(f"no header 0x{block_hash.hex()}")
        return header

    def get_receipts(self, header: BlockHeaderAPI, receipt_decoder: Any) -> tuple[ReceiptAPI, ...]:
        return self.receipts


class BlockBuilder:
    def __init__(self, vm_class: Any, genesis: Genesis, chaindb: ChainDB) -> None:
        self.vm_class = vm_class
        self.genesis = genesis
        self.chaindb = chaindb
        self.chain_context = ChainContext(genesis.chain_id)
        self._consensus_context = ConsensusContext(None)

    def genesis_block(self, overlay: StateOverlay, timestamp: int, accounts: Sequence[DevAccount]) -> Block:
        """Block 0 from the genesis spec, its state written to ``overlay``: the system contracts
        (EIP-4788, and EIP-2935 from Prague, present from genesis as on mainnet), the funded dev
        ``accounts`` and the spec's alloc."""
        spec = self.genesis
        params = dict(
            difficulty=0, gas_limit=spec.gas_limit, timestamp=timestamp,
            coinbase=spec.coinbase, extra_data=spec.extra_data, mix_hash=spec.mix_hash,
            nonce=b"\x00" * 8, base_fee_per_gas=spec.base_fee_per_gas,
            parent_beacon_block_root=ZERO_HASH32,
        )
        state = self.vm_class.build_state(
            overlay.atomic(), self.vm_class.create_genesis_header(**params), self.chain_context, ()
        )
        state.set_code(BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CONTRACT_CODE)
        if since_prague(spec.hardfork):
            state.set_code(HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CONTRACT_CODE)
        for account in accounts:
            state.set_balance(account.address, spec.dev_accounts.balance)
        for address, entry in spec.alloc.items():
            state.set_balance(address, entry.balance)
            state.set_nonce(address, entry.nonce)
            if entry.code:
                state.set_code(address, entry.code)
            for slot, value in entry.storage.items():
                state.set_storage(address, slot, value)
        state.persist()
        return Block(self.vm_class.create_genesis_header(state_root=state.state_root, **params), (), ())

    def state(self, overlay: StateOverlay, header: BlockHeaderAPI, root: bytes) -> StateAPI:
        """A state on ``overlay`` at ``root``, in ``header``'s context (BLOCKHASH sees its ancestors)."""
        view = ChainView(self.chaindb, overlay)
        prev_hashes = self.vm_class.get_prev_hashes(header.parent_hash, view)
        return self.vm_class.build_state(view.db, header.copy(state_root=root), self.chain_context, prev_hashes)

    def next_header(
        self, parent: BlockHeaderAPI, parent_root: bytes, timestamp: int, settings: NextBlock,
        replaying: BlockHeaderAPI | None = None,
    ) -> BlockHeaderAPI:
        """The header of a block on ``parent``: the next block's (dev ``settings`` applied), or,
        ``replaying`` a mined block, that block's own choices."""
        if replaying is not None:
            coinbase, gas_limit, base_fee, mix_hash = (
                replaying.coinbase, replaying.gas_limit, replaying.base_fee_per_gas, replaying.mix_hash)
        else:
            coinbase = settings.coinbase or self.genesis.coinbase
            gas_limit = settings.gas_limit or parent.gas_limit
            base_fee = settings.base_fee
            # PREVRANDAO: unpredictable enough for a dev chain, and reproducible.
            mix_hash = settings.prev_randao or keccak(parent.mix_hash + parent.block_number.to_bytes(8, "big"))
        header = self.vm_class.create_header_from_parent(
            parent,
            coinbase=coinbase,
            timestamp=timestamp,
            gas_limit=gas_limit,
            extra_data=self.genesis.extra_data,
            mix_hash=mix_hash,
            state_root=parent_root,
            parent_beacon_block_root=ZERO_HASH32,
        )
        if base_fee is not None and base_fee != header.base_fee_per_gas:  # py-evm takes only the computed one
            header = header.copy(base_fee_per_gas=base_fee)
        return header

    def start(
        self, parent: BlockHeaderAPI, parent_root: bytes, timestamp: int, settings: NextBlock,
        replaying: BlockHeaderAPI | None = None,
    ) -> tuple[VirtualMachineAPI, BlockHeaderAPI, ChainView]:
        """A VM for the child of ``parent`` on ``parent_root``, its system-contract writes done."""
        view = ChainView(self.chaindb, StateOverlay(self.chaindb.store))
        header = self.next_header(parent, parent_root, timestamp, settings, replaying)
        vm = self.vm_class(header, view, self.chain_context, self._consensus_context)
        vm.block_preprocessing(vm.get_block_class()(header, transactions=[], uncles=[], withdrawals=[]))
        return vm, header, view

    def build(
        self, parent: BlockHeaderAPI, parent_root: bytes, candidates: Iterable[txs.NodeTransaction],
        timestamp: int, settings: NextBlock,
    ) -> Built:
        """Apply ``candidates`` in order to a new block on ``parent`` (nothing is committed).

        A transaction that does not fit waits (its sender's later ones too); one py-evm finds
        invalid is rejected with the reason clients expect, and leaves no trace.
        """
        vm, header, view = self.start(parent, parent_root, timestamp, settings)
        block_class = vm.get_block_class()
        included: list[txs.NodeTransaction] = []
        receipts: list[ReceiptAPI] = []
        computations: list[ComputationAPI] = []
        rejected: list[tuple[txs.NodeTransaction, str]] = []
        blocked: set[bytes] = set()
        current = header
        size_budget = BlockSizeBudget(self.vm_class)  # EIP-7934 (Osaka): 8 MiB of RLP at most
        for tx in candidates:
            if tx.sender in blocked:
                continue
            if current.gas_used + tx.gas > current.gas_limit or not size_budget.fits(tx):
                blocked.add(tx.sender)  # it waits for a block with room
                continue
            try:
                current, receipt, computation = apply_to_block(vm, current, tx)
            except ValidationError as error:
                rejected.append((tx, _rejection_reason(error)))
                blocked.add(tx.sender)
                continue
            included.append(tx)
            size_budget.add(tx)
            receipts.append(receipt)
            computations.append(computation)
        tx_root, _ = make_trie_root_and_nodes(included)
        receipt_root, _ = make_trie_root_and_nodes(receipts)
        block = block_class(
            current.copy(transaction_root=tx_root, receipt_root=receipt_root, withdrawals_root=BLANK_ROOT_HASH),
            transactions=included, uncles=[], withdrawals=[],
        )
        view.receipts = tuple(receipts)
        block = vm.block_postprocessing(block)
        final_header = vm.finalize_block(block).block.header
        return Built(Block(final_header, tuple(included), tuple(receipts)), view.overlay, rejected, computations)


def apply_to_block(
    vm: VirtualMachineAPI, header: BlockHeaderAPI, tx: SignedTransactionAPI
) -> tuple[BlockHeaderAPI, ReceiptAPI, ComputationAPI]:
    """Apply ``tx`` after ``header``'s transactions: the header after it, its receipt and run.

    py-evm's own ``apply_transaction``, with one difference: a transaction found
    invalid part-way (after its gas was bought and its nonce raised) is rolled
    back before the error is raised, so a dropped transaction leaves no trace.
    """
    vm.validate_transaction_against_header(header, tx)
    vm.state.lock_changes()
    snapshot = vm.state.snapshot()
    try:
        computation = vm.state.apply_transaction(tx)
        receipt = vm.make_receipt(header, tx, computation, vm.state)
        vm.validate_receipt(receipt)
    except ValidationError:
        vm.state.revert(snapshot)
        raise
    vm.state.commit(snapshot)
    return vm.increment_blob_gas_used(vm.add_receipt_to_header(header, receipt), tx), receipt, computation


def _rejection_reason(error: ValidationError) -> str:
    """py-evm's validation messages, in the words geth and Anvil clients expect."""
    text = str(error)
    if "nonce" in text.lower():
        return f"nonce mismatch: {text}"
    if "balance" in text.lower() or "afford" in text.lower() or "insufficient funds" in text.lower():
        return f"insufficient funds for gas * price + value: {text}"
    if "base fee" in text.lower():
        return f"max fee per gas less than block base fee: {text}"
    return text
