"""The VM classes sumchain runs.

Each is a py-evm fork with this chain's own additions (the ML precompiles come
in their own module). The node picks one by the genesis file's hardfork name.
"""
from __future__ import annotations

from eth.abc import VirtualMachineAPI
from eth.vm.forks.cancun import CancunState, CancunVM
from eth.vm.forks.cancun.blocks import CancunBlockHeader
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.forks.prague.state import PragueState


class _GenesisSystemContracts:
    """System contracts (EIP-4788, EIP-2935) are deployed once, at genesis.

    py-evm re-checks them on every state it constructs, reading two accounts'
    code through the trie each time: a large share of a transfer's cost.
    """

    def set_system_contracts(self) -> None:
        pass


class SumchainPragueState(_GenesisSystemContracts, PragueState):
    pass


class SumchainCancunState(_GenesisSystemContracts, CancunState):
    pass


class SumchainPragueVM(PragueVM):
    """Prague, the newest fork py-evm implements: sumchain's default."""

    header_class = PragueBlockHeader
    _state_class = SumchainPragueState


class SumchainCancunVM(CancunVM):
    """Cancun, for comparing gas with chains that have not moved to Prague."""

    header_class = CancunBlockHeader
    _state_class = SumchainCancunState


VM_CLASSES: dict[str, type[VirtualMachineAPI]] = {
    "prague": SumchainPragueVM,
    "cancun": SumchainCancunVM,
}


def vm_class_for(hardfork: str) -> type[VirtualMachineAPI]:
    """The VM class for a genesis hardfork name; ValueError names the choices."""
    try:
        return VM_CLASSES[hardfork]
    except KeyError:
        raise ValueError(
            f"unsupported hardfork {hardfork!r} (supported: {', '.join(VM_CLASSES)})"
        ) from None
