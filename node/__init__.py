"""The chain on py-evm: blocks, pool, storage, genesis, dev accounts, CLI."""
from .speedups import install as _install_speedups

_install_speedups()
