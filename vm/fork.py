"""The VM classes sumchain runs.

Each is a py-evm fork with this chain's own additions: the ML precompiles
(vm/precompiles/, docs/precompiles.md) in ``SumchainOsakaVM``,
``SumchainPragueVM`` and ``SumchainCancunVM``, and none in their plain twins
(``PlainOsakaVM``, ``PlainPragueVM``, ``PlainCancunVM``: ``sumchain node
--no-ml-precompiles``). Osaka is this repository's own (vm/osaka.py,
docs/osaka.md): py-evm stops at Prague. The node picks one by the genesis
file's hardfork name.
"""
from __future__ import annotations

from eth.abc import ComputationAPI, VirtualMachineAPI
from eth.vm.forks.cancun import CancunState, CancunVM
from eth.vm.forks.cancun import constants as cancun
from eth.vm.forks.cancun.blocks import CancunBlockHeader
from eth.vm.forks.cancun.computation import CancunComputation
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague import constants as prague
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth.vm.memory import Memory

from vm.interpreter import with_fast_paths
from vm.osaka import TX_MAX_GAS_LIMIT, OsakaComputation, OsakaState, OsakaVM, is_osaka
from vm.precompiles import ML_PRECOMPILES, PRECOMPILES


class _GenesisSystemContracts:
    """System contracts (EIP-4788, EIP-2935) are deployed once, at genesis.

    py-evm re-checks them on every state it constructs, reading two accounts'
    code through the trie each time: a large share of a transfer's cost.
    """

    def set_system_contracts(self) -> None:
        pass


class _WrappingBalances:
    """A credit past 2**256 - 1 wraps around, as geth's uint256 balances do.

    Only a dev cheat (``anvil_setBalance``, a state override) can bring a
    balance there; py-evm would instead refuse the transaction part-way, after
    its gas was bought. Debits are checked before they happen and never wrap.
    """

    def delta_balance(self, address: bytes, delta: int) -> None:
        balance = self.get_balance(address) + delta
        if delta > 0:
            balance %= 2**256
        self.set_balance(address, balance)


class _ReleasesFinishedCalls:
    """A finished sub-call's input and memory are freed when it returns.

    py-evm keeps every finished sub-call until its transaction ends (their
    logs, refunds and deletions are gathered then), and with them their input
    and memory, which nothing reads again: a loop of STATICCALLs with a 512 KB
    argument held 2.6 GB for 1.3M gas (81 MB with this). py-evm offers no
    public way to drop them, hence its two attributes here.
    """

    def add_child_computation(self, child_computation: ComputationAPI) -> None:
        super().add_child_computation(child_computation)  # type: ignore[misc]
        child_computation.msg.data = b""
        child_computation._memory = Memory()  # type: ignore[attr-defined]


class PlainOsakaComputation(_ReleasesFinishedCalls, OsakaComputation):
    pass


class PlainPragueComputation(_ReleasesFinishedCalls, PragueComputation):
    pass


class PlainCancunComputation(_ReleasesFinishedCalls, CancunComputation):
    pass


class SumchainOsakaComputation(PlainOsakaComputation):
    """Osaka's computation (P256VERIFY at 0x0100 among Ethereum's) with the ML precompiles (0x0501...)."""

    _precompiles = {**OsakaComputation.get_precompiles(), **ML_PRECOMPILES}


class SumchainPragueComputation(PlainPragueComputation):
    """Prague's computation with the ML precompiles (0x0501...) beside Ethereum's."""

    _precompiles = {**PragueComputation.get_precompiles(), **ML_PRECOMPILES}


class SumchainCancunComputation(PlainCancunComputation):
    _precompiles = {**CancunComputation.get_precompiles(), **ML_PRECOMPILES}


class PlainOsakaState(_WrappingBalances, _GenesisSystemContracts, OsakaState):
    computation_class = PlainOsakaComputation


class PlainPragueState(_WrappingBalances, _GenesisSystemContracts, PragueState):
    computation_class = PlainPragueComputation


class PlainCancunState(_WrappingBalances, _GenesisSystemContracts, CancunState):
    computation_class = PlainCancunComputation


class SumchainOsakaState(PlainOsakaState):
    computation_class = SumchainOsakaComputation


class SumchainPragueState(PlainPragueState):
    computation_class = SumchainPragueComputation


class SumchainCancunState(PlainCancunState):
    computation_class = SumchainCancunComputation


class PlainOsakaVM(OsakaVM):
    """Osaka as Ethereum has it: no ML precompiles."""

    header_class = PragueBlockHeader  # Osaka adds no header field
    _state_class = PlainOsakaState


class PlainPragueVM(PragueVM):
    """Prague as Ethereum has it: no ML precompiles."""

    header_class = PragueBlockHeader
    _state_class = PlainPragueState


class PlainCancunVM(CancunVM):
    header_class = CancunBlockHeader
    _state_class = PlainCancunState


class SumchainOsakaVM(PlainOsakaVM):
    """Osaka (vm/osaka.py) with the ML precompiles: sumchain's default."""

    _state_class = SumchainOsakaState


class SumchainPragueVM(PlainPragueVM):
    """Prague, the newest fork py-evm implements, with the ML precompiles."""

    _state_class = SumchainPragueState


class SumchainCancunVM(PlainCancunVM):
    """Cancun with the ML precompiles, for comparing gas with chains that have not moved to Prague."""

    _state_class = SumchainCancunState


VM_CLASSES: dict[str, type[VirtualMachineAPI]] = {
    "osaka": SumchainOsakaVM,
    "prague": SumchainPragueVM,
    "cancun": SumchainCancunVM,
}

PLAIN_VM_CLASSES: dict[str, type[VirtualMachineAPI]] = {
    "osaka": PlainOsakaVM,
    "prague": PlainPragueVM,
    "cancun": PlainCancunVM,
}


def vm_class_for(hardfork: str, ml_precompiles: bool = True, fast_paths: bool = True) -> type[VirtualMachineAPI]:
    """The VM class for a genesis hardfork name, with or without the ML precompiles, on the fast
    interpreter (vm/interpreter.py) or on stock py-evm's; ValueError names the choices."""
    try:
        vm_class = (VM_CLASSES if ml_precompiles else PLAIN_VM_CLASSES)[hardfork]
    except KeyError:
        raise ValueError(
            f"unsupported hardfork {hardfork!r} (supported: {', '.join(VM_CLASSES)})"
        ) from None
    return with_fast_paths(vm_class) if fast_paths else vm_class


def since_prague(hardfork: str) -> bool:
    """Prague or later: EIP-7623's calldata floor, EIP-2935's history contract."""
    return hardfork in ("prague", "osaka")


def max_transaction_gas(vm_class: type[VirtualMachineAPI]) -> int | None:
    """The most gas a transaction may have, whatever the block's limit: 2**24 from Osaka on (EIP-7825), else None."""
    return TX_MAX_GAS_LIMIT if is_osaka(vm_class) else None


# EIP-7910's names of Ethereum's precompiles, by address.
ETHEREUM_PRECOMPILE_NAMES = {
    0x01: "ECREC", 0x02: "SHA256", 0x03: "RIPEMD160", 0x04: "ID", 0x05: "MODEXP", 0x06: "BN254_ADD",
    0x07: "BN254_MUL", 0x08: "BN254_PAIRING", 0x09: "BLAKE2F", 0x0A: "KZG_POINT_EVALUATION",
    0x0B: "BLS12_G1ADD", 0x0C: "BLS12_G1MSM", 0x0D: "BLS12_G2ADD", 0x0E: "BLS12_G2MSM",
    0x0F: "BLS12_PAIRING_CHECK", 0x10: "BLS12_MAP_FP_TO_G1", 0x11: "BLS12_MAP_FP2_TO_G2", 0x100: "P256VERIFY",
}


def fork_config(vm_class: type[VirtualMachineAPI]) -> dict:
    """What EIP-7910's eth_config reports of a fork: its precompiles by name (the ML ones under
    their own names), its system contracts and its blob schedule, from the VM class itself."""
    names = ETHEREUM_PRECOMPILE_NAMES | {p.address: p.name for p in PRECOMPILES}
    computation = vm_class.get_state_class().computation_class
    precompiles = {names[int.from_bytes(address, "big")]: address for address in computation.get_precompiles()}
    systems = {"BEACON_ROOTS_ADDRESS": cancun.BEACON_ROOTS_ADDRESS}
    blobs = (cancun.TARGET_BLOB_GAS_PER_BLOCK, cancun.MAX_BLOB_GAS_PER_BLOCK, cancun.BLOB_BASE_FEE_UPDATE_FRACTION)
    if issubclass(vm_class, PragueVM):
        systems |= {
            "CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS": prague.CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
            "DEPOSIT_CONTRACT_ADDRESS": prague.DEPOSIT_CONTRACT_ADDRESS,
            "HISTORY_STORAGE_ADDRESS": prague.HISTORY_STORAGE_ADDRESS,
            "WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS": prague.WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        }
        blobs = (prague.TARGET_BLOB_GAS_PER_BLOCK, prague.MAX_BLOB_GAS_PER_BLOCK,
                 prague.BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE)
    target, maximum, fraction = blobs
    return {
        "blobSchedule": {
            "baseFeeUpdateFraction": fraction,
            "max": maximum // cancun.GAS_PER_BLOB,
            "target": target // cancun.GAS_PER_BLOB,
        },
        "precompiles": precompiles,
        "systemContracts": systems,
    }
