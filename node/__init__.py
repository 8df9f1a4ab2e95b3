"""The chain on py-evm: blocks, pool, storage, genesis, dev accounts."""
